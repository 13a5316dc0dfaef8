"""Results follow the code: a job's id covers the digests of the code that produced it, a job
stored from other code is found and run again (or reused, marked), and the store records the
commit and whether the tree was dirty."""

from __future__ import annotations

import importlib
import re
import sqlite3
import sys
import textwrap
from pathlib import Path

import pytest

from harness.analysis.report import render_table, summarise_jobs
from harness.data.code_digest import CAPTURED, closure, code_digest
from harness.execution.runner import Runner
from harness.execution.sweep import SweepOptions
from harness.experiment.jobs import RunRequest, config_key
from harness.registry import Registry, plugin_manager
from harness.results.provenance import git_commit
from harness.results.store import ResultsStore

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
"""A method written by a user of the harness."""
import numpy as np
from harness.hookspecs import hookimpl
from harness.learning.method import Method


class Prior(Method):
    """Predicts the training prior."""
    name = "user-prior"
    description = "class prior (code identity test)"

    def fit(self, train, valid, report=None):
        self.prior = np.bincount(train.y, minlength=train.n_classes) / len(train)
        return {}

    def predict(self, data):
        return np.tile(self.prior, (len(data), 1))


@hookimpl
def harness_methods():
    return [Prior]
'''


def _module(directory: Path, name: str, source: str):
    """(Re)load a module from ``directory/name.py`` holding ``source``."""
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    return importlib.import_module(name)


@pytest.fixture
def user_dir(tmp_path):
    d = tmp_path / "user_code"
    d.mkdir()
    yield d
    if str(d) in sys.path:
        sys.path.remove(str(d))


def test_digest_ignores_comments_docstrings_and_layout_but_not_code(user_dir):
    base = _module(user_dir, "digest_probe", 'def f(x):\n    """Doc."""\n    return x + 1\n')
    first = code_digest([base.__name__])
    _module(user_dir, "digest_probe", '# a comment\ndef f(x):\n    """Other doc."""\n\n    return (x + 1)  # same\n')
    assert code_digest(["digest_probe"]) == first
    _module(user_dir, "digest_probe", 'def f(x):\n    return x + 2\n')
    assert code_digest(["digest_probe"]) != first


def test_a_methods_code_covers_its_helpers_and_the_learning_stage_not_the_store():
    method = closure(["harness.plugins.methods.jdcd"])
    assert "harness.plugins.methods._jdcd_net" in method and "harness.learning.training" in method
    core = closure(["harness.execution.runner"])
    assert {"harness.features.normalize", "harness.execution.evaluation", "harness.learning.tuning"} <= set(core)
    assert not set(core) & (CAPTURED - {"harness.execution.runner"})
    assert "harness.results.store" not in core and "harness.execution.sweep" not in core


def _request(data: Path, results: Path) -> RunRequest:
    return RunRequest(methods=["user-prior"], corpora=["emodb"], protocols=["within"], folds=3, budget="smoke",
                      data_root=data, results=results, progress=False)


def test_editing_a_method_reruns_its_jobs_and_says_so(tiny_emodb, tmp_path, user_dir, capsys):
    results = tmp_path / "res"
    plugin = _module(user_dir, "user_prior", PLUGIN)
    first = Runner(_request(tiny_emodb, results), Registry(plugin_manager(entry_points=False, extra=[plugin]))).run()
    assert first.ran == 3 and not first.stale
    again = Runner(_request(tiny_emodb, results), Registry(plugin_manager(entry_points=False, extra=[plugin]))).run()
    assert again.ran == 0 and again.skipped == 3 and again.job_ids == first.job_ids

    # the user edits the method (uniform posteriors instead of the prior) and runs again
    edited = _module(user_dir, "user_prior", PLUGIN.replace(
        "return np.tile(self.prior, (len(data), 1))", "return np.full((len(data), len(self.prior)), 1 / len(self.prior))"))
    registry = Registry(plugin_manager(entry_points=False, extra=[edited]))
    rerun = Runner(_request(tiny_emodb, results), registry).run()
    assert rerun.ran == 3 and set(rerun.job_ids).isdisjoint(first.job_ids)
    assert rerun.stale == dict(zip(rerun.job_ids, first.job_ids, strict=True))
    assert set(rerun.changed.values()) == {"user-prior: method"}
    assert "from other code (user-prior: method)" in capsys.readouterr().err

    # the old results, reused on request, are marked
    store = ResultsStore(results)
    for job in store.jobs():
        assert config_key(job["config"]) == job["config_key"]
    _module(user_dir, "user_prior", PLUGIN)  # back to the first version: its jobs are current again
    back = Runner(_request(tiny_emodb, results), Registry(plugin_manager(
        entry_points=False, extra=[sys.modules["user_prior"]]))).run()
    assert back.ran == 0 and back.job_ids == first.job_ids
    edited = _module(user_dir, "user_prior", PLUGIN.replace("/ len(train)", "/ max(len(train), 1)"))
    reused = Runner(_request(tiny_emodb, results), Registry(plugin_manager(entry_points=False, extra=[edited]))
                    ).run(SweepOptions(workers=1, reuse_stale=True))
    assert reused.ran == 0 and set(reused.job_ids) <= set(first.job_ids) | set(rerun.job_ids)
    assert set(reused.reused) == set(reused.job_ids)
    rows = summarise_jobs(store.jobs(reused.job_ids), reused.roles, reused.reused)
    assert rows[0]["stale"] == 3 and "user-prior‡" in render_table(rows, set())


def test_the_store_records_the_commit_and_whether_the_tree_was_dirty(tiny_emodb, tmp_path, user_dir):
    plugin = _module(user_dir, "user_prior", PLUGIN)
    out = Runner(_request(tiny_emodb, tmp_path / "res"),
                 Registry(plugin_manager(entry_points=False, extra=[plugin]))).run()
    job = ResultsStore(tmp_path / "res").jobs(out.job_ids)[0]
    assert job["git_commit"] == git_commit()
    assert set(job["config"]["code"]) == {"method", "core", "features"} and "egemaps" in job["config"]["code"]["features"]
    if (ROOT / ".git").exists():
        assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", git_commit()), git_commit()


def test_a_store_from_before_code_digests_keys_its_jobs_by_their_ids(tmp_path):
    db = sqlite3.connect(tmp_path / "results.sqlite")
    db.executescript("""CREATE TABLE jobs (job_id TEXT PRIMARY KEY, config TEXT NOT NULL, method TEXT NOT NULL,
        protocol TEXT NOT NULL, train_corpora TEXT NOT NULL, test_corpus TEXT NOT NULL, fold TEXT NOT NULL,
        split_seed INTEGER NOT NULL, model_seed INTEGER NOT NULL, hparams TEXT NOT NULL, metrics TEXT NOT NULL,
        report TEXT NOT NULL, versions TEXT NOT NULL, git_commit TEXT NOT NULL, wall_time REAL NOT NULL,
        finished_at TEXT NOT NULL);""")
    db.execute("INSERT INTO jobs VALUES ('abc', '{}', 'm', 'within', '[]', 'c', 'f', 0, 0, '{}', '{}', '{}', '{}',"
               " 'x', 1.0, 't')")
    db.commit()
    db.close()
    store = ResultsStore(tmp_path)
    assert store.by_config_key(["abc"])["abc"][0]["job_id"] == "abc"


EXTRACTOR = '''
import numpy as np
from harness.features.extractor import AudioFeatureExtractor


class Energy(AudioFeatureExtractor):
    name = "user-energy"
    description = "mean energy (code identity test)"

    def from_signal(self, signal):
        return np.array([float((signal ** 2).mean())], dtype=np.float32)
'''


def test_editing_an_extractor_misses_the_feature_cache(tiny_emodb, tmp_path, user_dir):
    from harness.corpora.emodb import EmoDB
    from harness.features.cache import FeatureCache
    from harness.features.extraction import extract_features

    items = EmoDB.locate(tiny_emodb).items()[:4]
    cache = FeatureCache(tmp_path / "cache")
    module = _module(user_dir, "user_energy", EXTRACTOR)
    _, first = extract_features(items, module.Energy(), cache, workers=1, progress=False)
    _, warm = extract_features(items, module.Energy(), cache, workers=1, progress=False)
    assert (first.computed, warm.cached) == (4, 4)
    module = _module(user_dir, "user_energy", EXTRACTOR.replace("(signal ** 2).mean()", "abs(signal).mean()"))
    _, edited = extract_features(items, module.Energy(), cache, workers=1, progress=False)
    assert edited.computed == 4 and edited.cached == 0
