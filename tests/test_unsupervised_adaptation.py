"""The unsupervised adaptation protocol: methods that adapt to a target see its features, never its
labels; every family is tested on the same target items; the transductive variant only by name."""

from __future__ import annotations

import types

import numpy as np
import pytest
from builders import write_tiny_emodb

from harness.errors import HarnessError
from harness.execution.runner import Runner
from harness.experiment.jobs import RunRequest
from harness.hookspecs import hookimpl
from harness.learning.method import Method
from harness.registry import Registry, plugin_manager
from harness.results.store import ResultsStore

SEEN: list[dict] = []


class Spy(Method):
    """Predicts the training prior; records what fit was handed (a test plugin)."""

    name = "uda-spy"
    description = "records the data handed to fit (test plugin)"
    uses_target_features = True

    def fit(self, train, valid, report=None):
        u = train.unlabelled
        SEEN.append({"train": set(train.keys), "valid": set(valid.keys), "domains": set(train.domains),
                     "unlabelled": None if u is None else set(u.keys),
                     "unlabelled_y": None if u is None else u.y, "unlabelled_targets": None if u is None else u.targets})
        self.prior = np.bincount(train.y, minlength=train.n_classes) / len(train)
        return {}

    def predict(self, data):
        return np.tile(self.prior, (len(data), 1))


@pytest.fixture
def registry():
    SEEN.clear()
    return Registry(plugin_manager(entry_points=False, extra=[types.SimpleNamespace(
        harness_methods=hookimpl(lambda: [Spy]))]))


def _request(data, results, protocol, **kw):
    return RunRequest(methods=["classic", "uda-spy"], protocols=[protocol], sources=["demo-a"], targets=["emodb"],
                      budget="smoke", data_root=data, results=results, progress=False, reference=False, **kw)


def test_no_target_label_reaches_an_unsupervised_method(tmp_path, registry):
    data = write_tiny_emodb(tmp_path / "d", per_cell=1)
    out = Runner(_request(data, tmp_path / "r", "cross"), registry).run()
    jobs = {j["method"]: j for j in ResultsStore(tmp_path / "r").jobs(out.job_ids)}
    assert {j["protocol"] for j in jobs.values()} == {"cross-adapt"}  # the run holds out an adaptation part
    (seen,) = SEEN
    assert seen["unlabelled"] and seen["unlabelled_y"] is None and seen["unlabelled_targets"] is None
    assert all(k.startswith("emodb/") for k in seen["unlabelled"])
    assert seen["domains"] == {"demo-a"}  # the labelled training data are the source's only
    spy, classic = jobs["uda-spy"], jobs["classic"]
    tested = {p.item for p in ResultsStore(tmp_path / "r").predictions(spy["job_id"])}
    assert tested == {p.item for p in ResultsStore(tmp_path / "r").predictions(classic["job_id"])}
    assert not tested & seen["unlabelled"]  # the adaptation part is never tested on
    assert spy["config"]["target_data"] == {"features": "unlabelled adaptation part"}
    assert "target_data" not in classic["config"]
    assert spy["report"]["target_features_used"] and not spy["report"]["target_labels_used"]
    assert spy["report"]["selection"] == "source validation part"


def test_the_transductive_variant_adapts_on_the_test_items_and_says_so(tmp_path, registry):
    data = write_tiny_emodb(tmp_path / "d", per_cell=1)
    out = Runner(_request(data, tmp_path / "r", "cross-transductive"), registry).run()
    spy = next(j for j in ResultsStore(tmp_path / "r").jobs(out.job_ids) if j["method"] == "uda-spy")
    (seen,) = SEEN
    tested = {p.item for p in ResultsStore(tmp_path / "r").predictions(spy["job_id"])}
    assert seen["unlabelled"] == tested and seen["unlabelled_y"] is None
    assert spy["config"]["target_data"] == {"features": "test items (transductive)"}


def test_corpus_normalisation_takes_the_targets_statistics_from_the_adaptation_part(tmp_path, registry):
    data = write_tiny_emodb(tmp_path / "d", per_cell=1)
    out = Runner(_request(data, tmp_path / "r", "cross", norm="corpus"), registry).run()
    classic = next(j for j in ResultsStore(tmp_path / "r").jobs(out.job_ids) if j["method"] == "classic")
    assert classic["config"]["target_data"] == {"normalisation": "adaptation part"}
    assert not classic["report"]["normalisation"]["transductive"]
    out = Runner(RunRequest(methods=["classic"], protocols=["cross"], sources=["demo-a"], targets=["emodb"],
                            budget="smoke", data_root=data, results=tmp_path / "r2", progress=False, reference=False,
                            norm="corpus")).run()
    job = ResultsStore(tmp_path / "r2").jobs(out.job_ids)[0]
    assert job["protocol"] == "cross" and job["report"]["normalisation"]["transductive"]
    assert job["config"]["target_data"] == {"normalisation": "test items (transductive)"}


def test_adaptation_methods_are_refused_within_a_corpus(tmp_path, registry):
    with pytest.raises(HarnessError, match=r"adapt to a target corpus .* not under \['within'\]"):
        Runner(RunRequest(methods=["uda-spy"], corpora=["emodb"], data_root=tmp_path, results=tmp_path / "r"),
               registry)


def test_the_within_corpus_reference_runs_the_methods_that_need_no_target_data(tmp_path, registry):
    data = write_tiny_emodb(tmp_path / "d", per_cell=1)
    req = RunRequest(methods=["classic", "uda-spy"], protocols=["cross"], sources=["demo-a"], targets=["emodb"],
                     budget="smoke", folds=3, data_root=data, results=tmp_path / "r", progress=False)
    out = Runner(req, registry).run()
    roles = {}
    for job in ResultsStore(tmp_path / "r").jobs(out.job_ids):
        roles.setdefault(out.roles[job["job_id"]], set()).add(job["method"])
    assert roles == {"main": {"classic", "uda-spy"}, "reference": {"classic"}}
