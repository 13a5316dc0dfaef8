"""The plugin contract: the hooks through which plugins register components.

Every hook returns a list of classes.  Built-in components are registered
through these hooks exactly like third-party ones::

    from harness.hookspecs import hookimpl

    @hookimpl
    def harness_methods():
        return [MyMethod]

A third-party package exposes such a module in its ``pyproject.toml``::

    [project.entry-points."harness.plugins"]
    my_package = "my_package.plugin"

Component classes are subclasses of :class:`harness.data.Corpus`,
:class:`harness.features.FeatureExtractor`, :class:`harness.method.Method`,
:class:`harness.fusion.Fusion` and :class:`harness.executors.Executor`; each carries a unique ``name`` and a
one-line ``description``.
"""

import pluggy

PROJECT = "harness"
ENTRY_POINT_GROUP = "harness.plugins"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def harness_corpora():
    """Return a list of :class:`harness.data.Corpus` subclasses (corpus adapters)."""


@hookspec
def harness_features():
    """Return a list of :class:`harness.features.FeatureExtractor` subclasses."""


@hookspec
def harness_methods():
    """Return a list of :class:`harness.method.Method` subclasses."""


@hookspec
def harness_fusions():
    """Return a list of :class:`harness.fusion.Fusion` subclasses (decision-level fusion)."""


@hookspec
def harness_executors():
    """Return a list of :class:`harness.executors.Executor` subclasses (where a sweep's jobs run)."""
