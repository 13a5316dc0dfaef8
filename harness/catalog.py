"""The catalogue of registered components: what ``harness list`` and ``harness describe`` show
and what the command line checks names against, without importing the plugins when it can.

Importing every plugin (torch, scikit-learn, openSMILE, OpenCV behind them) takes seconds,
so the catalogue is built once from the registry and kept as JSON in the cache folder
(``$HARNESS_CACHE/catalog.json``).  It is keyed by the harness version and by the path,
size and modification time of every module that can change it (the core, the built-in
plugins and corpus adapters, the modules of installed entry-point plugins): any change
rebuilds it from the registry, so it never says what the code no longer does.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from harness.errors import UnknownComponent, did_you_mean
from harness.paths import default_cache_dir
from harness.registry import SINGULAR

FORMAT = 1


def unknown(kind: str, name: str, known: list[str]) -> UnknownComponent:
    return UnknownComponent(f"unknown {SINGULAR[kind]} {name!r}{did_you_mean(name, known)}; known {kind}: "
                            f"{', '.join(known) or '(none)'}")


def _source_files() -> list[Path]:
    """Every module file whose change can change the catalogue (found without importing plugins)."""
    import harness

    roots = [Path(harness.__file__).parent]
    for package in ("harness.plugins", "harness.corpora"):
        spec = importlib.util.find_spec(package)
        roots += [Path(p) for p in (spec.submodule_search_locations or [])]
    files = sorted({f for root in roots for f in root.rglob("*.py")})
    for ep in metadata.entry_points(group="harness.plugins"):
        try:
            spec = importlib.util.find_spec(ep.value.split(":")[0])
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            files.append(Path(spec.origin))
    return files


def _fingerprint() -> str:
    import harness

    h = hashlib.sha256(f"{FORMAT}|{harness.__version__}".encode())
    for f in _source_files():
        st = f.stat()
        h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    for ep in metadata.entry_points(group="harness.plugins"):
        h.update(f"ep|{ep.name}|{ep.value}\n".encode())
    return h.hexdigest()


def _doc(obj: Any) -> str:
    return inspect.cleandoc(obj.__doc__ or "").strip()


def _param(p: Any) -> dict:
    """A declared hyperparameter as plain data."""
    if hasattr(p, "choices"):
        return {"type": "categorical", "default": p.default, "choices": list(p.choices)}
    return {"type": type(p).__name__.lower(), "default": p.default, "low": p.low, "high": p.high, "log": p.log}


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def describe_component(kind: str, component) -> dict:
    """What the catalogue records of one registered component."""
    cls = component.cls
    module = importlib.import_module(cls.__module__)
    entry = {"kind": kind, "name": component.name, "description": component.description,
             "plugin": component.plugin, "doc": _doc(cls), "module_doc": _doc(module)}
    if kind == "methods":
        entry.update(version=cls.version, tasks=list(cls.tasks), inputs=list(cls.accepted_inputs()),
                     space={k: _param(p) for k, p in cls.space.items()}, budgets=_plain(cls.budgets),
                     uses_target_labels=cls.uses_target_labels, uses_auxiliary=cls.uses_auxiliary,
                     uses_pretraining=cls.uses_pretraining, refits=cls.refits())
    elif kind == "features":
        entry.update(modality=cls.modality, output=cls.kind, version=cls.version, params=_plain(cls.defaults),
                     needs_params=cls.needs_params, sample_rate=getattr(cls, "sample_rate", None))
    elif kind == "corpora":
        entry.update(folders=list(cls.folders), modalities=list(cls.modalities), labels=list(cls.labels),
                     dimensions=list(cls.dimensions), splits=list(cls.splits), layout=cls.layout,
                     obtain=cls.obtain, synthetic=cls.synthetic)
    elif kind == "fusions":
        entry.update(params=_plain(cls.defaults))
    return entry


def from_registry(registry) -> dict:
    """The catalogue of a registry (imports every plugin it registers)."""
    from harness.registry import KINDS

    return {kind: {c.name: describe_component(kind, c) for c in registry.components(kind)} for kind in KINDS}


def build() -> dict:
    """The catalogue of the default registry: built-ins and installed entry-point plugins."""
    from harness.registry import default_registry

    return from_registry(default_registry())


def _path() -> Path:
    return default_cache_dir() / "catalog.json"


def load() -> dict:
    """The catalogue: from the cache when it is current, else built and cached."""
    key = _fingerprint()
    path = _path()
    try:
        cached = json.loads(path.read_text())
        if cached.get("key") == key:
            return cached["components"]
    except (OSError, ValueError, AttributeError):
        pass
    components = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump({"key": key, "components": components}, out, sort_keys=True)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError:  # a read-only cache: the catalogue is simply built each time
        pass
    return components


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def names(kind: str) -> list[str]:
    return list(load()[kind])


def entry(kind: str, name: str) -> dict:
    """One component's entry; an unknown name is an error with the closest names."""
    table = load()[kind]
    if name not in table:
        raise unknown(kind, name, list(table))
    return table[name]


def find(name: str) -> list[dict]:
    """Entries of every kind called ``name`` (a corpus and a method may share a name)."""
    return [table[name] for table in load().values() if name in table]
