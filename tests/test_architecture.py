"""The layout's rules (ARCHITECTURE.md): stages import one way, no module imports one that imports it
back, built-in plugins are found in their sub-folders, and the import paths of the flat layout
keep working for third-party plugins."""

from __future__ import annotations

import ast
import importlib
import re
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from harness import compat
from harness.experiment.jobs import JobSpec
from harness.registry import Registry, builtin_modules, plugin_manager

ROOT = Path(__file__).resolve().parents[1]
#: source folder -> package it is installed as (pyproject.toml's package-dir)
SOURCES = {"harness": "harness", "plugins": "harness.plugins", "corpora": "harness.corpora"}
BASE = {"harness", "harness.errors", "harness.paths", "harness.hookspecs", "harness.registry", "harness.compat",
        "harness.catalog"}
#: stage -> the stages its modules may import (besides the base modules, which every stage may use)
ALLOWED = {
    "base": set(),
    "data": {"data"},
    "features": {"data", "features"},
    "learning": {"data", "learning"},
    "results": {"results"},
    "experiment": {"data", "features", "learning", "experiment"},
    "analysis": {"data", "features", "learning", "results", "experiment", "analysis"},
    "execution": {"data", "features", "learning", "results", "experiment", "execution"},
    "cli": {"data", "features", "learning", "results", "experiment", "analysis", "execution", "cli"},
    "corpora": {"data", "corpora"},
    "plugins": {"data", "features", "learning", "plugins"},
}
#: the interfaces of plugin kinds that live in a later stage, which plugins of that kind implement
PLUGIN_INTERFACES = {"harness.analysis.fusion", "harness.execution.executors"}


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in SOURCES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([package, *parts])] = path
    return out


def imports(path: Path, known: set[str]) -> set[str]:
    """Every harness module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "harness"}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (use the full harness.… path)"
            if (node.module or "").split(".")[0] != "harness":
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known or sub in compat.MOVED else node.module)
    return found


def stage(module: str) -> str:
    """``harness.learning.tuning`` -> ``learning``; plugins and corpora are stages of their own;
    ``python -m harness`` is the command line."""
    if module == "harness.__main__":
        return "cli"
    return "base" if module in BASE else module.split(".")[1]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    known = modules()
    return {m: imports(p, set(known)) for m, p in known.items()}


def test_every_module_belongs_to_a_stage(graph):
    for module in graph:
        assert stage(module) in ALLOWED, f"{module} is in no stage of ARCHITECTURE.md"


def test_internal_imports_use_the_new_paths(graph):
    old = {(m, t) for m, targets in graph.items() for t in targets if t in compat.MOVED}
    assert not old, f"imports through the flat layout's paths (harness.compat): {sorted(old)}"


def test_stages_import_one_way(graph):
    wrong = []
    for module, targets in graph.items():
        allowed = ALLOWED[stage(module)]
        for t in targets:
            if t in BASE or stage(t) in allowed or (stage(module) == "plugins" and t in PLUGIN_INTERFACES):
                continue
            wrong.append(f"{module} ({stage(module)}) -> {t} ({stage(t)})")
    assert not wrong, "imports against the flow of ARCHITECTURE.md:\n" + "\n".join(sorted(wrong))


def test_no_module_imports_one_that_imports_it_back(graph):
    """No cycle of any length (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"modules that import each other (directly or through others): {cycles}"


def test_builtin_plugins_are_found_in_their_kind_folders():
    names = builtin_modules()
    assert "harness.plugins.methods.classic" in names and "harness.plugins.fusion.prior" in names
    assert "harness.plugins.features.logmel" in names and "harness.plugins.executors.local" in names
    assert not [n for n in names if any(part.startswith("_") for part in n.split("."))], "private helpers registered"
    kinds = {n.split(".")[2] for n in names if n.startswith("harness.plugins.")}
    assert kinds == {"methods", "features", "fusion", "executors"}


@pytest.mark.parametrize("old", sorted(compat.MOVED))
def test_the_flat_layouts_import_paths_give_the_same_modules(old):
    assert importlib.import_module(old) is importlib.import_module(compat.MOVED[old])


def test_public_names_of_the_packages_that_replaced_modules():
    from harness.cli import main
    from harness.data import Corpus, Item, examples  # noqa: F401  (corpus adapters import these)
    from harness.features import AudioFeatureExtractor, FeatureCache, FeatureExtractor, extract_features  # noqa: F401

    assert callable(main)


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(# plugins/methods/my_method\.py\n.*?)```", text, re.S)
    assert block, "README: the 'Adding a method' example is missing"
    return block.group(1)


LEGACY_PLUGIN = '''
import numpy as np
from harness.hookspecs import hookimpl
from harness.method import Method
from harness.space import Float
from harness.plugins.classic import Classic

class Legacy(Method):
    """Written against the flat layout's paths."""
    name = "legacy-centroid"
    description = "nearest class centroid"
    space = {"temperature": Float(0.1, 10.0, default=1.0, log=True)}
    budgets = {"smoke": {}, "default": {}, "paper": {}}

    def fit(self, train, valid, report=None):
        self.c = np.stack([train.x[train.y == k].mean(0) for k in range(train.n_classes)])
        return {}

    def predict(self, data):
        z = -((data.x[:, None, :] - self.c[None]) ** 2).sum(-1) / self.hparams["temperature"]
        p = np.exp(z - z.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)

@hookimpl
def harness_methods():
    return [Legacy]

SUBCLASSES_THE_BUILTIN = Classic
'''


@pytest.mark.parametrize("source", ["readme", "legacy"])
def test_a_third_party_method_registers_and_runs(tmp_path, source):
    """The README's example (new paths) and a plugin written against the old paths both register,
    fit and predict."""
    from harness.learning.method import FeatureSet

    code = _readme_example() if source == "readme" else LEGACY_PLUGIN
    module_path = tmp_path / f"third_party_{source}.py"
    module_path.write_text(textwrap.dedent(code))
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(module_path.stem)
    finally:
        sys.path.remove(str(tmp_path))
    registry = Registry(plugin_manager(entry_points=False, extra=[module]))
    name = "nearest-centroid" if source == "readme" else "legacy-centroid"
    cls = registry.method(name)
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    x = rng.normal(size=(20, 3)) + 3 * y[:, None]
    data = FeatureSet(x=x, y=y, keys=[str(i) for i in range(20)], speakers=["s"] * 20, domains=["c"] * 20,
                      labels=("anger", "happiness"))
    method = cls({"temperature": 1.0}, seed=0)
    method.fit(data, data)
    assert (method.predict(data).argmax(1) == y).mean() == 1.0


def test_job_ids_did_not_change_with_the_layout():
    """Ids computed with the flat layout (before the stage packages) for the same configs."""
    spec = JobSpec(method="classic", method_version="3", hparams={"lr": 0.001, "hidden": [128]}, protocol="within",
                   train_corpora=("emodb",), test_corpus="emodb", fold="fold1", fold_digest="abc", split_seed=0,
                   model_seed=1, modality="audio", features={"name": "egemaps", "version": "1", "params": {}},
                   norm="speaker", budget="default", refit=True, labels=("anger", "neutral"), data={"emodb": "f00"})
    assert spec.job_id == "ffecf4ff840ab03088fa"
    tuned = JobSpec(**{**spec.__dict__, "tuning": {"trials": 4, "fixed": {}}, "pretraining": {"sets": []}})
    assert tuned.job_id == "905c6891ce13fb5925c4"
