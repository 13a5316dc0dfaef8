"""The results store: atomic job writes, no duplicates, round trip."""

from __future__ import annotations

import sqlite3

import pytest

from harness.errors import HarnessError
from harness.results.store import JobRecord, Prediction, ResultsStore


def record(job_id="j1"):
    return JobRecord(job_id=job_id, config={"method": "m"}, method="m", protocol="split",
                     train_corpora=["a"], test_corpus="a", fold="official", split_seed=0, model_seed=0,
                     hparams={"lr": 0.001}, metrics={"uar": 0.5}, report={}, versions={"torch": "x"},
                     git_commit="abc", wall_time=1.0)


def preds(n=3):
    return [Prediction(f"a/{i}", "s1", "anger", "sadness", [0.25, 0.75]) for i in range(n)]


def test_round_trip_and_no_second_write(tmp_path):
    store = ResultsStore(tmp_path)
    assert store.save(record(), preds()) is True
    assert store.save(record(), preds(5)) is False  # already stored: untouched
    job = store.job("j")
    assert job["hparams"] == {"lr": 0.001} and job["metrics"] == {"uar": 0.5}
    assert [p.item for p in store.predictions("j1")] == ["a/0", "a/1", "a/2"]
    assert store.predictions("j1")[0].scores == [0.25, 0.75]
    assert store.has("j1") and not store.has("j2") and store.count() == 1


def test_failed_write_leaves_nothing(tmp_path):
    store = ResultsStore(tmp_path)
    bad = preds() + [Prediction("a/0", "s1", "anger", "anger", [1.0, 0.0])]  # duplicate item: PK violation
    with pytest.raises(sqlite3.IntegrityError):
        store.save(record(), bad)
    assert store.count() == 0 and store.predictions("j1") == []
    assert store.save(record(), preds()) is True


def test_ambiguous_prefix_is_an_error(tmp_path):
    store = ResultsStore(tmp_path)
    store.save(record("ab1"), preds())
    store.save(record("ab2"), preds())
    with pytest.raises(HarnessError, match="ambiguous"):
        store.job("ab")
    assert store.job("ab1")["job_id"] == "ab1" and store.job("zz") is None
