"""The built-in plugins, by kind: ``methods/``, ``features/``, ``fusion/``, ``executors/``.

Every module in these folders whose name does not start with ``_`` is registered
as a pluggy plugin (``harness.registry.builtin_modules``), so a new method is one
file in ``methods/``; modules starting with ``_`` are private helpers of the
plugins beside them.  Corpus adapters live in ``harness.corpora``.
"""
