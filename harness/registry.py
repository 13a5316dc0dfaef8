"""The plugin manager and the component registries built from it.

Built-in modules are registered as pluggy plugins exactly like third-party
ones; third-party packages join through the ``harness.plugins`` entry-point
group.  Two components of one kind with the same name are an error naming both
plugins.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from harness import hookspecs
from harness.errors import DuplicateComponent, HarnessError, UnknownComponent, did_you_mean

#: Packages whose modules are the built-in plugins: every module in them and in
#: their sub-folders (``plugins/methods/``, ``plugins/features/``, ...) is
#: registered like any other plugin (a module without hooks adds nothing), so a
#: new built-in is one file.  Modules and folders whose name starts with ``_``
#: are private helpers and are skipped.
BUILTIN_PACKAGES: tuple[str, ...] = ("harness.corpora", "harness.plugins")


def _walk(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    names = []
    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name.startswith("_"):
            continue
        names += _walk(f"{package}.{m.name}") if m.ispkg else [f"{package}.{m.name}"]
    return names


def builtin_modules() -> list[str]:
    return sorted(name for package in BUILTIN_PACKAGES for name in _walk(package))

#: kind -> singular noun, for messages
SINGULAR = {"corpora": "corpus", "features": "feature extractor", "methods": "method", "fusions": "fusion",
            "executors": "executor"}

#: kind -> hook name
KINDS: dict[str, str] = {
    "corpora": "harness_corpora",
    "features": "harness_features",
    "methods": "harness_methods",
    "fusions": "harness_fusions",
    "executors": "harness_executors",
}


def plugin_manager(entry_points: bool = True, extra: Iterable[object] = ()) -> pluggy.PluginManager:
    """A plugin manager with the built-ins, the entry-point plugins and ``extra`` registered."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name in builtin_modules():
        pm.register(importlib.import_module(name), name=name)
    if entry_points:
        pm.load_setuptools_entrypoints(hookspecs.ENTRY_POINT_GROUP)
    for plugin in extra:
        pm.register(plugin)
    return pm


@dataclass(frozen=True)
class Component:
    kind: str
    name: str
    cls: type
    plugin: str

    @property
    def description(self) -> str:
        return getattr(self.cls, "description", "").strip().splitlines()[0] if getattr(
            self.cls, "description", "") else ""


class Registry:
    """Name -> component class, per kind, collected from a plugin manager."""

    def __init__(self, pm: pluggy.PluginManager):
        self.pm = pm
        self._by_kind: dict[str, dict[str, Component]] = {}
        for kind, hook_name in KINDS.items():
            table: dict[str, Component] = {}
            for impl in getattr(pm.hook, hook_name).get_hookimpls():
                for cls in impl.function() or []:
                    name = getattr(cls, "name", None)
                    if not name:
                        raise HarnessError(
                            f"plugin {impl.plugin_name!r} registers a {SINGULAR[kind]} without a name: {cls!r}"
                        )
                    if name in table:
                        raise DuplicateComponent(
                            f"{SINGULAR[kind]} name {name!r} is registered twice: by plugin "
                            f"{table[name].plugin!r} ({table[name].cls.__qualname__}) and by "
                            f"plugin {impl.plugin_name!r} ({cls.__qualname__})"
                        )
                    table[name] = Component(kind, name, cls, impl.plugin_name)
            self._by_kind[kind] = dict(sorted(table.items()))

    def components(self, kind: str) -> list[Component]:
        return list(self._by_kind[kind].values())

    def names(self, kind: str) -> list[str]:
        return list(self._by_kind[kind])

    def get(self, kind: str, name: str) -> type:
        try:
            return self._by_kind[kind][name].cls
        except KeyError:
            known = ", ".join(self.names(kind)) or "(none)"
            raise UnknownComponent(f"unknown {SINGULAR[kind]} {name!r}{did_you_mean(name, self.names(kind))}; "
                                   f"known {kind}: {known}") from None

    def corpus(self, name: str):
        return self.get("corpora", name)

    def method(self, name: str):
        return self.get("methods", name)

    def feature(self, name: str):
        return self.get("features", name)

    def fusion(self, name: str):
        return self.get("fusions", name)

    def executor(self, name: str):
        return self.get("executors", name)


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of built-ins plus installed entry-point plugins (built once)."""
    return Registry(plugin_manager())
