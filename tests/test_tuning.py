"""Optuna tuning: validation data only, resumable studies, retried failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections import defaultdict

import numpy as np
import optuna
import pytest

from harness.execution.runner import Runner
from harness.experiment.jobs import RunRequest
from harness.learning.method import FeatureSet
from harness.learning.tuning import tune
from harness.plugins.methods.classic import Classic
from harness.results.store import ResultsStore


def blobs(n: int, seed: int, noise: float = 1.0) -> FeatureSet:
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).normal(0, 2.0, (3, 8))
    y = np.repeat(np.arange(3), n)
    x = (centres[y] + rng.normal(0, noise, (len(y), 8))).astype(np.float32)
    return FeatureSet(x=x, keys=[f"t/{seed}-{i}" for i in range(len(y))],
                      speakers=[f"t:s{i % 3}" for i in range(len(y))], domains=["t"] * len(y),
                      labels=("anger", "happiness", "sadness"), y=y)


def accuracy(method, data):
    return float((method.predict(data).argmax(axis=1) == data.y).mean())


def _tune(storage, trials, method_cls=Classic, name="study-a"):
    return tune(method_cls, {"units": 32}, blobs(20, 1), blobs(10, 2), accuracy, trials=trials,
                storage=storage, name=name, budget="smoke", seed=3)


def test_resumed_study_continues_its_trial_count_and_gives_the_same_choice(tmp_path):
    storage = f"sqlite:///{tmp_path / 'optuna.sqlite'}"
    best2, summary2 = _tune(storage, 2)
    assert summary2["in_study"] == 2 and summary2["complete"] + summary2["pruned"] == 2
    again, summary = _tune(storage, 2)  # complete: no new trial, same answer
    assert summary["in_study"] == 2 and again == best2
    best4, summary4 = _tune(storage, 4)  # extended: two more trials
    assert summary4["in_study"] == 4 and summary4["trials"] == 4
    study = optuna.load_study(study_name="study-a", storage=storage)
    assert len(study.trials) == 4
    assert best4["units"] == 32 and summary4["tuned"] == sorted(set(Classic.space) - {"units"})
    fresh, _ = _tune(f"sqlite:///{tmp_path / 'other.sqlite'}", 4)
    assert fresh == best4  # an uninterrupted study draws the same trials


class FlakyClassic(Classic):
    calls = 0

    def fit(self, train, valid, report=None):
        FlakyClassic.calls += 1
        if FlakyClassic.calls == 2:
            raise RuntimeError("simulated crash in trial 2")
        return super().fit(train, valid, report)


def test_failed_trials_are_retried_and_not_counted(tmp_path):
    FlakyClassic.calls = 0
    _, summary = _tune(f"sqlite:///{tmp_path / 'o.sqlite'}", 3, FlakyClassic)
    assert summary["failed"] == 1 and summary["in_study"] == 3 and FlakyClassic.calls == 4


@pytest.mark.slow
def test_tuning_never_sees_a_test_item_and_records_its_choice(tmp_path, monkeypatch):
    seen: dict[str, set] = defaultdict(set)
    current = {}

    class Spy(Classic):
        def fit(self, train, valid, report=None):
            seen[current["fold"]].update(train.keys, valid.keys)
            return super().fit(train, valid, report)

        def predict(self, data):
            seen[current["fold"]].update(data.keys)
            return super().predict(data)

    original = Runner.tune

    def spying_tune(self, spec, method_cls, train, valid):
        current["fold"] = spec.fold
        return original(self, spec, Spy, train, valid)

    monkeypatch.setattr(Runner, "tune", spying_tune)
    request = RunRequest(methods=["classic"], corpora=["demo-a"], folds=3, trials=3, budget="smoke",
                         results=tmp_path / "results", progress=False)
    outcome = Runner(request).run()
    store = ResultsStore(tmp_path / "results")
    jobs = store.jobs(outcome.job_ids)
    assert len(jobs) == 3 and set(seen) == {j["fold"] for j in jobs}
    for job in jobs:
        test_keys = {p.item for p in store.predictions(job["job_id"])}
        assert seen[job["fold"]] and not seen[job["fold"]] & test_keys
        tuning = job["report"]["tuning"]
        assert tuning["trials"] == 3 and tuning["in_study"] == 3
        assert job["config"]["tuning"] == {"trials": 3, "fixed": {}}
        assert set(job["hparams"]) == set(Classic.space)
    untuned = Runner(RunRequest(methods=["classic"], corpora=["demo-a"], folds=3, budget="smoke",
                                results=tmp_path / "results", progress=False))
    prep = untuned.data.prepare(untuned_experiment(untuned))
    assert {s.job_id for s, _ in untuned.specs(prep)}.isdisjoint(outcome.job_ids)


def untuned_experiment(runner):
    from harness.experiment.jobs import plan_experiments

    return plan_experiments(runner.request, lambda c: runner.registry.corpus(c).labels)[0]


def test_a_failed_or_abandoned_trial_does_not_shift_the_draws(tmp_path):
    clean, _ = _tune(f"sqlite:///{tmp_path / 'clean.sqlite'}", 3)
    FlakyClassic.calls = 0
    retried, summary = _tune(f"sqlite:///{tmp_path / 'flaky.sqlite'}", 3, FlakyClassic)
    assert summary["failed"] == 1 and retried == clean
    # a trial left RUNNING by a killed process
    storage = f"sqlite:///{tmp_path / 'killed.sqlite'}"
    study = optuna.create_study(study_name="study-a", storage=storage, direction="maximize")
    study.ask()
    resumed, _ = _tune(storage, 3)
    assert resumed == clean
    # ... and one a dead harness process had claimed (its owner's pid is gone)
    storage = f"sqlite:///{tmp_path / 'dead.sqlite'}"
    study = optuna.create_study(study_name="study-a", storage=storage, direction="maximize")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    study.ask().set_user_attr("owner", f"{socket.gethostname()}:{dead.pid}")
    resumed, summary = _tune(storage, 3)
    assert resumed == clean and summary["failed"] == 1
