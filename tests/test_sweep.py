"""Sweeps: claims, failures and --retry-failed, kill -9 then resume, two processes on one store,
1 vs 2 local workers, devices, study waves."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from builders import write_tiny_emodb

from harness import catalog
from harness.cli.commands import main
from harness.errors import HarnessError
from harness.execution.runner import Runner
from harness.execution.sweep import SweepOptions, waves
from harness.experiment.jobs import RunRequest
from harness.hookspecs import hookimpl
from harness.learning.method import Method
from harness.registry import Registry, plugin_manager
from harness.results.store import ResultsStore, owner_id

REPO = Path(__file__).resolve().parents[1]


class Flaky(Method):
    """Predicts the training prior; raises while ``Flaky.broken`` is set (a test plugin)."""

    name = "flaky-test"
    description = "class prior; raises on demand (sweep test plugin)"
    broken = True

    def fit(self, train, valid, report=None):
        if Flaky.broken:
            raise RuntimeError("flaky-test is broken today")
        self.prior = np.bincount(train.y, minlength=train.n_classes) / len(train)
        return {}

    def predict(self, data):
        return np.tile(self.prior, (len(data), 1))


@pytest.fixture
def flaky_registry():
    plugin = types.SimpleNamespace(harness_methods=hookimpl(lambda: [Flaky]))
    Flaky.broken = True
    yield Registry(plugin_manager(entry_points=False, extra=[plugin]))
    Flaky.broken = True


def request(data: Path, results: Path, methods=("classic",), **kw) -> RunRequest:
    base = dict(methods=list(methods), corpora=["emodb"], protocols=["within"], folds=3, budget="smoke",
                data_root=data, results=results, progress=False)
    return RunRequest(**{**base, **kw})


def stored(results: Path) -> dict[str, tuple]:
    """job id -> (metrics, test scores by item) of a store."""
    store = ResultsStore(results)
    return {j["job_id"]: (j["metrics"], [(p.item, p.scores) for p in store.predictions(j["job_id"])])
            for j in store.jobs()}


def test_failed_job_is_recorded_the_sweep_goes_on_and_retry_reruns_it(tiny_emodb, tmp_path, flaky_registry):
    results = tmp_path / "res"
    req = request(tiny_emodb, results, methods=("classic", "flaky-test"))
    out = Runner(req, flaky_registry).run(SweepOptions(workers=2))
    assert out.ran == 3 and len(out.failed) == 3  # the classic jobs ran beside the failing ones
    store = ResultsStore(results)
    failures = store.failures()
    assert set(failures) == set(out.failed) and all(f["attempts"] == 1 for f in failures.values())
    some = next(iter(failures.values()))
    assert "RuntimeError: flaky-test is broken today" in some["error"] and ", in fit" in some["traceback"]
    assert store.claims() == {}  # no claim outlives its job

    # again without --retry-failed: reported and skipped, nothing runs
    out = Runner(req, flaky_registry).run(SweepOptions(workers=1))
    assert out.ran == 0 and out.skipped == 3 and set(out.failed_before) == set(failures)
    assert all(f["attempts"] == 1 for f in store.failures().values())

    Flaky.broken = False
    out = Runner(req, flaky_registry).run(SweepOptions(workers=1, retry_failed=True))
    assert out.ran == 3 and not out.failed and store.failures() == {} and store.count() == 6
    for job_id in failures:
        assert [a["outcome"] for a in store.attempts(job_id)] == ["failed", "done"]


def test_failed_jobs_make_harness_run_exit_1_naming_them(tiny_emodb, tmp_path, flaky_registry, monkeypatch, capsys):
    monkeypatch.setattr("harness.execution.runner.default_registry", lambda: flaky_registry)
    monkeypatch.setattr("harness.catalog.load", lambda: catalog.from_registry(flaky_registry))
    args = ["run", "--quiet", "--method", "flaky-test", "--corpus", "emodb", "--protocol", "split",
            "--data-root", str(tiny_emodb), "--results", str(tmp_path / "r"), "--budget", "smoke"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "failed: RuntimeError: flaky-test is broken today" in err and "--retry-failed" in err


def test_two_local_workers_give_the_same_results_as_one(tiny_emodb, tmp_path):
    one = Runner(request(tiny_emodb, tmp_path / "one", seeds=2)).run(SweepOptions(workers=1))
    two = Runner(request(tiny_emodb, tmp_path / "two", seeds=2)).run(SweepOptions(workers=2))
    assert one.slots == 1 and two.slots == 2 and one.ran == two.ran == 6
    assert stored(tmp_path / "one") == stored(tmp_path / "two")
    pids = {j["report"]["execution"]["worker"] for j in ResultsStore(tmp_path / "two").jobs()}
    assert owner_id() not in pids and len(pids) == 2  # the jobs ran in the two pool processes


def test_claims_are_exclusive_and_lapse_with_their_owner(tmp_path):
    store = ResultsStore(tmp_path)
    assert store.claim("j1", owner_id()) is None
    other_live = f"{owner_id().rsplit(':', 1)[0]}:{os.getppid()}"
    assert store.claim("j1", other_live) == owner_id()  # held by a live process
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    dead_owner = f"{owner_id().rsplit(':', 1)[0]}:{dead.pid}"
    assert store.claim("j2", dead_owner) is None
    assert store.claim("j2", owner_id()) is None  # its owner is gone: taken over
    assert [a["outcome"] for a in store.attempts("j2")] == ["abandoned", None]
    # a claim from another host lapses only with its heartbeat
    assert store.claim("j3", "elsewhere:1") is None
    assert store.claim("j3", owner_id()) == "elsewhere:1"
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE claims SET heartbeat = heartbeat - 3600 WHERE job_id='j3'")
    assert store.claim("j3", owner_id()) is None
    store.release(owner_id())
    assert store.claims() == {}


def test_device_is_recorded_not_part_of_the_job_id(tiny_emodb, tmp_path):
    auto = Runner(request(tiny_emodb, tmp_path / "a")).run(SweepOptions(workers=1, device="auto"))
    cpu = Runner(request(tiny_emodb, tmp_path / "c")).run(SweepOptions(workers=1, device="cpu"))
    assert auto.job_ids == cpu.job_ids
    (job, *_) = ResultsStore(tmp_path / "c").jobs()
    assert job["report"]["execution"]["device"] == "cpu" and "device" not in job["config"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_a_clear_error(tiny_emodb, tmp_path, capsys):
    code = main(["run", "--quiet", "--method", "classic", "--corpus", "emodb", "--data-root", str(tiny_emodb),
                 "--results", str(tmp_path / "r"), "--device", "cuda"])
    err = capsys.readouterr().err
    assert code == 2 and "--device cuda" in err and "sees no CUDA device" in err and "--device cpu" in err
    with pytest.raises(HarnessError, match="unknown --device 'tpu'"):
        Runner(request(tiny_emodb, tmp_path / "r")).run(SweepOptions(device="tpu"))


def test_jobs_sharing_a_study_run_after_its_first_job(tiny_emodb, tmp_path):
    runner = Runner(request(tiny_emodb, tmp_path / "r", seeds=2, trials=2))
    from harness.execution.executors import Task
    from harness.experiment.jobs import plan_experiments

    (prep,) = [runner.data.prepare(e) for e in plan_experiments(runner.request, lambda c: ("x",))]
    tasks = {s.job_id: Task(s.job_id, s, f, prep, "") for s, f in runner.specs(prep)}
    first, second = waves(tasks, list(tasks), done=set())
    assert len(first) == len(second) == 3  # one job per fold first, its other seed after it
    assert {tasks[j].spec.fold for j in first} == {tasks[j].spec.fold for j in second}
    assert {tasks[j].spec.model_seed for j in first} == {0}
    # a study with a stored job is complete: its siblings need not wait
    assert waves(tasks, second, done=set(first)) == [second]


# -- processes ------------------------------------------------------------------------
def _cmd(data: Path, results: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "harness", "run", "--method", "classic", "--corpus", "emodb",
            "--protocol", "loso", "--budget", "smoke", "--data-root", str(data), "--results", str(results),
            "--workers", str(workers), "--quiet", "--json"]


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_9_with_two_workers_then_resume_gives_every_job_once(tmp_path):
    data = write_tiny_emodb(tmp_path / "data", per_cell=2)
    results = tmp_path / "res"
    proc = subprocess.Popen(_cmd(data, results, 2), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 300
    while _count(results / "results.sqlite") < 3 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _count(results / "results.sqlite")
    assert 0 < before < 10, f"kill came too late or too early ({before} of 10 jobs)"
    left = ResultsStore(results).claims()
    assert left and all(not c["live"] for c in left.values())  # the dead driver's claims lapse at once
    out = subprocess.run(_cmd(data, results, 2), capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["skipped"] == before and doc["ran"] == 10 - before
    with sqlite3.connect(results / "results.sqlite") as con:
        assert con.execute("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM jobs").fetchone() == (10, 10)
        assert con.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0
        rows = con.execute("SELECT job_id, COUNT(*) FROM predictions WHERE part='test' GROUP BY job_id").fetchall()
    assert len(rows) == 10 and all(n == 14 for _, n in rows)
    # the same numbers as an uninterrupted run
    Runner(RunRequest(methods=["classic"], corpora=["emodb"], protocols=["loso"], budget="smoke", data_root=data,
                      results=tmp_path / "clean", progress=False)).run(SweepOptions(workers=1))
    assert stored(results) == stored(tmp_path / "clean")


@pytest.mark.slow
def test_two_processes_on_one_store_never_run_a_job_twice(tmp_path):
    data = write_tiny_emodb(tmp_path / "data", per_cell=2)
    results = tmp_path / "res"
    procs = [subprocess.Popen(_cmd(data, results, 1), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    docs = [json.loads(o) for o, _ in outs]
    assert all(len(d["jobs"]) == 10 for d in docs)  # each waited for the other's jobs
    assert sum(d["ran"] for d in docs) == 10
    store = ResultsStore(results)
    attempts = store.attempts()
    assert store.count() == 10 and len(attempts) == 10
    assert sorted(a["job_id"] for a in attempts) == sorted(store.done_ids())
    assert all(a["outcome"] == "done" for a in attempts)
    runners = {j["report"]["execution"]["worker"] for j in store.jobs()}
    assert len(runners) <= 2


#: every method that trains a torch network, with a run it can do on tiny data
NETWORK_RUNS = {
    **{m: {"protocols": ["cross"], "sources": ["demo-a"], "targets": ["emodb"], "reference": False}
       for m in ("classic", "pooled", "finetune", "centroid", "dann", "coral", "mmd")},
    "groupdro": {"protocols": ["multi"], "sources": ["demo-a", "demo-b"], "targets": ["emodb"], "reference": False},
    "emobed": {"corpora": ["demo-a"], "folds": 2},
    "lstm": {"corpora": ["emodb"], "folds": 2, "features": {"audio": "egemaps-lld"}},
    "pathnet": {"corpora": ["emodb"], "folds": 2, "features": {"audio": "logmel"}},
    "jdcd": {"corpora": ["emodb"], "folds": 2, "features": {"audio": "logmel"}},
}


@pytest.mark.slow
@pytest.mark.parametrize("method", sorted(NETWORK_RUNS))
def test_every_network_method_trains_on_the_gpu_when_there_is_one(tmp_path, method):
    if not torch.cuda.is_available():
        pytest.skip(f"no CUDA device (torch {torch.__version__}, "
                    f"{'a CPU-only build' if not torch.version.cuda else 'CUDA ' + torch.version.cuda}): "
                    f"the GPU path runs where one is present")
    data = write_tiny_emodb(tmp_path / "d", per_cell=1)
    req = RunRequest(methods=[method], budget="smoke", data_root=data, results=tmp_path / "r", progress=False,
                     **NETWORK_RUNS[method])
    out = Runner(req).run(SweepOptions(workers=1, device="cuda"))
    assert out.ran >= 1 and not out.failed, out.failed
    job = ResultsStore(tmp_path / "r").jobs(out.job_ids)[0]
    assert job["report"]["execution"]["device"].startswith("cuda")
