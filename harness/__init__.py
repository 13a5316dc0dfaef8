"""Benchmark harness for cross-corpus and cross-modal emotion-recognition transfer.

The core (this package) owns the loops, in stages that import one way
(``ARCHITECTURE.md`` draws them)::

    cli -> execution -> experiment -> learning / features -> data
                 \\-> results <- analysis

Methods, feature extractors, fusion strategies and executors are pluggy plugins
(``harness.plugins``, by kind), corpus adapters are too (``harness.corpora``),
and third-party packages join through the ``harness.plugins`` entry-point group
(:mod:`harness.hookspecs`).  The import paths of the flat layout before the
stages stay valid (:mod:`harness.compat`).
"""

from harness import compat as _compat

__version__ = "0.1.0"

_compat.install()
