"""The code a job's result depends on, as digests that are part of the job's identity.

A job's numbers follow from its data (fingerprinted in the config), its folds (the
fold digest), its settings (the rest of the config) -- and the code that turns a
fold's features into predictions and scores.  That code is digested here:

- ``method``: the method's module and every module it imports, transitively, inside
  the harness and inside the method's own top-level package (a plugin's private
  helpers, the learning stage it builds on);
- ``core``: the per-job code of the core, :mod:`harness.execution.runner` and what it
  imports that shapes a result (normalisation, evaluation and metrics, the training
  loop, tuning, post-processing, pre-training and auxiliary sets, target alignment);
- ``features``: per extractor, its module and what it imports (decoding included).

Modules whose effect on a job is already in its config by content are not
followed (:data:`CAPTURED`): corpus reading and labels (the items' fingerprint),
protocols and preparation (the fold digest, the label set), the feature cache
(keyed by the extractor's identity and code), the store, the sweep machinery and
the command line.  Each module enters by its source normalised through its
syntax tree without docstrings (``ast.unparse``), so comments, docstrings and
formatting never change a job's id; any other edit does.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import sys
from collections.abc import Iterable
from pathlib import Path

#: Modules not followed: their effect on a job is captured by content elsewhere in its config.
CAPTURED = frozenset({
    "harness", "harness.errors", "harness.paths", "harness.hookspecs", "harness.registry", "harness.compat",
    "harness.data", "harness.data.corpus", "harness.data.labels", "harness.data.digest", "harness.data.probe",
    "harness.features", "harness.features.cache", "harness.features.extraction",
    "harness.experiment", "harness.experiment.protocols", "harness.experiment.preparation",
    "harness.experiment.jobs", "harness.data.code_digest",
    "harness.results", "harness.results.store", "harness.results.provenance",
    "harness.execution", "harness.execution.sweep", "harness.execution.executors", "harness.execution.status",
    "harness.learning", "harness.analysis", "harness.cli",
})
#: The root of the core's per-job code.
CORE_ROOT = "harness.execution.runner"


def _spec(name: str):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError, AttributeError):
        return None


def _module_file(name: str) -> Path | None:
    loaded = getattr(sys.modules.get(name), "__file__", None)
    origin = loaded or getattr(_spec(name), "origin", None)
    return Path(origin) if origin and origin.endswith(".py") and Path(origin).is_file() else None


@functools.lru_cache(maxsize=None)
def _is_module(name: str) -> bool:
    return _spec(name) is not None


def imports_of(tree: ast.AST, packages: frozenset[str]) -> set[str]:
    """Modules of ``packages`` (top-level names) that a module imports, at its top or inside a
    function; ``from X import y`` counts as importing ``X.y`` when that is a module."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] in packages}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in packages:
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _is_module(sub) else node.module)
    return found


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


@functools.lru_cache(maxsize=None)
def _parsed(path: Path, mtime_ns: int, size: int) -> tuple[str, ast.AST]:
    text = path.read_text(encoding="utf-8")
    return ast.unparse(_strip_docstrings(ast.parse(text))), ast.parse(text, filename=str(path))


def _source(name: str) -> tuple[str, ast.AST] | None:
    path = _module_file(name)
    if path is None:
        return None
    stat = path.stat()
    return _parsed(path, stat.st_mtime_ns, stat.st_size)


def closure(roots: Iterable[str]) -> list[str]:
    """The modules ``roots`` import, transitively, inside the harness and inside each root's own
    top-level package, without following :data:`CAPTURED` modules (roots themselves included)."""
    roots = list(roots)
    packages = frozenset({"harness", *(r.split(".")[0] for r in roots)})
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or (name in CAPTURED and name not in roots):
            continue
        seen.add(name)
        parsed = _source(name)
        if parsed is not None:
            todo += sorted(imports_of(parsed[1], packages) - seen)
    return sorted(seen)


def code_digest(roots: Iterable[str]) -> str:
    """Digest of the normalised source of :func:`closure` ``(roots)`` (16 hex digits); a module
    without a readable source file (built in, compiled, typed at a prompt) enters by name only."""
    h = hashlib.sha256()
    for name in closure(roots):
        parsed = _source(name)
        h.update(f"{name}\n{parsed[0] if parsed else '<no source>'}\n".encode())
    return h.hexdigest()[:16]


def class_module(cls: type) -> str:
    """The module a plugin class is defined in."""
    return cls.__module__


def job_code(method_cls: type, extractor_classes: Iterable[type]) -> dict:
    """The ``code`` entry of a job's config: digests of the method's, the core's and each feature
    extractor's code."""
    return {"method": code_digest([class_module(method_cls)]),
            "core": code_digest([CORE_ROOT]),
            "features": {cls.name: code_digest([class_module(cls)])
                         for cls in sorted(set(extractor_classes), key=lambda c: c.name)}}
