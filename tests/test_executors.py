"""Executors: registration, the lazy map contract, failures as outcomes, Ray on 127.0.0.1."""

from __future__ import annotations

import sqlite3
import types

import pytest

from harness.cli.commands import main
from harness.errors import HarnessError
from harness.execution.executors import JobWorker, Task
from harness.execution.runner import Runner
from harness.execution.sweep import SweepOptions
from harness.experiment.jobs import RunRequest
from harness.registry import default_registry


def test_local_and_ray_are_registered(capsys):
    assert {"local", "ray"} <= set(default_registry().names("executors"))
    assert main(["list", "executors"]) == 0
    out = capsys.readouterr().out
    assert "local" in out and "ray" in out


def test_unknown_executor_lists_the_known_ones(tiny_emodb, tmp_path, capsys):
    code = main(["run", "--quiet", "--method", "classic", "--corpus", "emodb", "--data-root", str(tiny_emodb),
                 "--results", str(tmp_path / "r"), "--executor", "slurm"])
    assert code == 2 and "unknown executor 'slurm'" in capsys.readouterr().err


class FakeRunner:
    """run_job of a fake runner: a job named 'bad*' raises."""

    def run_job(self, spec, fold, prep):
        if spec.startswith("bad"):
            raise ValueError(f"{spec} is bad")
        return types.SimpleNamespace(report={}), []


@pytest.mark.parametrize("workers", [1, 2])
def test_local_map_pulls_lazily_and_turns_exceptions_into_outcomes(workers, monkeypatch):
    import dataclasses

    monkeypatch.setattr(dataclasses, "replace", lambda obj, **kw: obj)  # the fake record is no dataclass
    cls = default_registry().executor("local")
    ids = ["a", "bad1", "b", "c", "bad2"]
    tasks = {j: Task(j, j, None, None, j) for j in ids}
    pulled = []

    def source():
        for j in ids:
            pulled.append(j)
            yield j

    with cls(workers=workers) as ex:
        ex.open(tasks, JobWorker(FakeRunner(), "cpu"))
        it = ex.map(source())
        first = next(it)
        # one per free slot, refilled once when the first jobs finish (several may finish together
        # on a loaded machine), never everything at once
        assert len(pulled) <= 2 * ex.slots < len(ids)
        outcomes = [first, *it]
    assert sorted(o.job_id for o in outcomes) == sorted(ids)
    bad = {o.job_id: o for o in outcomes if not o.ok}
    assert set(bad) == {"bad1", "bad2"} and bad["bad1"].error == "ValueError: bad1 is bad"
    assert "raise ValueError" in bad["bad2"].traceback


def test_ray_with_a_test_registry_is_refused(tmp_path):
    from harness.registry import Registry, plugin_manager

    pytest.importorskip("ray", reason="ray not installed (pip install -e .[ray])")
    runner = Runner(RunRequest(methods=["classic"], corpora=["demo-a"]), Registry(plugin_manager(entry_points=False)))
    with pytest.raises(HarnessError, match="installed plugins"):
        default_registry().executor("ray")().open({}, JobWorker(runner))


# -- a Ray cluster on 127.0.0.1, started once for the module ---------------------------
@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray", reason="ray not installed (pip install -e .[ray])")
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
                 log_to_driver=False, configure_logging=False)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"Ray cannot start on this machine: {type(exc).__name__}: {exc}")
    yield ray
    ray.shutdown()


def _contents(results):
    with sqlite3.connect(results / "results.sqlite") as db:
        jobs = db.execute("SELECT job_id, config, method, fold, model_seed, hparams, metrics FROM jobs "
                          "ORDER BY job_id").fetchall()
        preds = db.execute("SELECT job_id, part, item, speaker, true_label, pred_label, scores FROM predictions "
                           "ORDER BY job_id, part, item").fetchall()
    return jobs, preds


@pytest.mark.slow
def test_ray_on_loopback_stores_what_a_local_run_stores(ray_cluster, tiny_emodb, tmp_path):
    def request(name):
        return RunRequest(methods=["classic"], corpora=["emodb"], protocols=["within"], folds=3, seeds=2,
                          budget="smoke", data_root=tiny_emodb, results=tmp_path / name, progress=False)

    local = Runner(request("local")).run(SweepOptions(workers=2))
    remote = Runner(request("ray")).run(SweepOptions(executor="ray"))
    assert local.ran == remote.ran == 6 and remote.slots == 2 and not remote.failed
    assert _contents(tmp_path / "ray") == _contents(tmp_path / "local")
    from harness.results.store import ResultsStore

    execution = [j["report"]["execution"] for j in ResultsStore(tmp_path / "ray").jobs()]
    assert {e["executor"] for e in execution} == {"ray"} and {e["device"] for e in execution} == {"cpu"}
    assert ray_cluster.is_initialized()  # a cluster the executor did not start is left running
