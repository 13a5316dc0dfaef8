"""``harness status``: done / running / failed / pending per sweep, from the store alone."""

from __future__ import annotations

import json
import subprocess
import sys

from harness.cli.commands import main
from harness.results.store import JobRecord, Prediction, ResultsStore, owner_id


def _record(job_id):
    return JobRecord(job_id=job_id, config={}, method="m", protocol="within", train_corpora=["a"], test_corpus="a",
                     fold="fold0", split_seed=0, model_seed=0, hparams={}, metrics={"uar": 0.5}, report={},
                     versions={}, git_commit="x", wall_time=1.0)


def test_status_counts_each_state(tmp_path, capsys):
    store = ResultsStore(tmp_path)
    jobs = {f"job{i}": f"m within a fold{i} seed 0" for i in range(6)}
    store.record_plan("sweep1", "m | within | a", jobs)
    store.record_plan("sweep1", "m | within | a", jobs)  # recorded again: no change
    for j in ("job0", "job1"):  # done
        assert store.claim(j, owner_id()) is None
        store.save(_record(j), [Prediction("a/1", "s", "anger", "anger", [1.0, 0.0])])
    assert store.claim("job2", owner_id()) is None  # running: this process is alive
    assert store.claim("job3", owner_id()) is None
    store.record_failure("job3", "ValueError: nope", "Traceback ...")  # failed
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert store.claim("job4", f"{owner_id().rsplit(':', 1)[0]}:{dead.pid}") is None  # interrupted: pending
    # job5 never started: pending

    assert main(["status", "--results", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["sweeps"]
    assert (row["jobs"], row["done"], row["running"], row["failed"], row["pending"]) == (6, 2, 1, 1, 2)
    assert [r["job"] for r in doc["running"]] == ["job2"] and doc["running"][0]["owner"] == owner_id()
    assert doc["failed"][0]["error"] == "ValueError: nope" and doc["failed"][0]["attempts"] == 1
    assert [r["job"] for r in doc["interrupted"]] == ["job4"]

    assert main(["status", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| sweep1" in out and r"m \| within \| a" in out  # pipes escaped: the table stays valid markdown
    assert "job3  m within a fold3 seed 0  attempts 1" in out and "ValueError: nope" in out
    assert "interrupted" in out and "job4" in out


def test_status_after_a_run_and_its_errors(tiny_emodb, tmp_path, capsys):
    results = tmp_path / "res"
    assert main(["status", "--results", str(results)]) == 2
    assert "no results store in" in capsys.readouterr().err
    assert main(["run", "--quiet", "--method", "classic", "--corpus", "emodb", "--protocol", "within",
                 "--folds", "2", "--seeds", "2", "--budget", "smoke", "--data-root", str(tiny_emodb),
                 "--results", str(results)]) == 0
    capsys.readouterr()
    assert main(["status", "--results", str(results), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["sweeps"]
    assert (row["jobs"], row["done"], row["running"], row["failed"], row["pending"]) == (4, 4, 0, 0, 0)
    assert main(["status", "--results", str(results), "--sweep", "nope"]) == 2
    assert "no sweep 'nope'" in capsys.readouterr().err
