"""Optuna studies shared through a real PostgreSQL server, which the tests start on 127.0.0.1:
--storage is checked before any job (driver, server, credentials, database), two drivers on an
empty database do not collide creating Optuna's tables, and two drivers tuning the same folds give
every study exactly the trials asked and the same results."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from builders import write_tiny_emodb

from harness.errors import HarnessError
from harness.learning.studies import check_storage, redact
from harness.results.store import ResultsStore


def _binary(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server on 127.0.0.1 (trust authentication, role ``harness``)."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install -e '.[postgres]'")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="harness-pg-"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            import pwd

            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' account to run the server as")
        os.chown(base, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    run = subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "harness", "--no-sync"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"initdb failed: {run.stderr.strip()[-300:]}")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} -c fsync=off"
    run = subprocess.run([*as_user, pg_ctl, "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "start"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server did not start: {run.stderr.strip()[-300:]}")
    try:
        yield f"postgresql://harness@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _create_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def test_storage_is_checked_before_any_job(postgres):
    host_port = postgres.rsplit("@", 1)[1]
    assert check_storage(f"{postgres}/postgres").startswith("postgresql")
    with pytest.raises(HarnessError, match="not reachable"):
        check_storage(f"postgresql://harness@127.0.0.1:{_free_port()}/postgres")
    with pytest.raises(HarnessError, match="refused the credentials"):
        check_storage(f"postgresql://nobody@{host_port}/postgres")
    with pytest.raises(HarnessError, match="no such database"):
        check_storage(f"{postgres}/no_such_db")
    with pytest.raises(HarnessError, match=r"driver is not installed.*\[postgres\]"):
        check_storage(f"postgresql+psycopg2://harness@{host_port}/postgres")
    assert redact("postgresql://user:secret@h/db") == "postgresql://user:***@h/db"


def test_run_reports_a_bad_storage_at_once(tmp_path, capsys):
    from harness.cli.commands import main

    data = write_tiny_emodb(tmp_path / "data", per_cell=1)
    code = main(["run", "--quiet", "--method", "classic", "--corpus", "emodb", "--trials", "2",
                 "--storage", f"postgresql://harness@127.0.0.1:{_free_port()}/x", "--data-root", str(data),
                 "--results", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot connect: the server is not reachable" in err
    assert not (tmp_path / "r" / "results.sqlite").exists()  # nothing ran


@pytest.mark.slow
def test_two_drivers_share_studies_with_exactly_the_trials_asked(postgres, tmp_path):
    url = _create_database(postgres, "two_drivers")  # empty: both drivers find no Optuna tables
    data = write_tiny_emodb(tmp_path / "data", per_cell=2)
    cmd = [sys.executable, "-m", "harness", "run", "--quiet", "--method", "classic", "--corpus", "emodb",
           "--protocol", "within", "--folds", "2", "--trials", "4", "--budget", "smoke", "--workers", "1",
           "--storage", url, "--data-root", str(data), "--json"]
    env = {**os.environ, "HARNESS_CACHE": str(tmp_path / "cache")}
    procs = [subprocess.Popen([*cmd, "--results", str(tmp_path / name)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for name in ("a", "b")]
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert "UniqueViolation" not in err and "already exists" not in err

    import optuna

    storage = optuna.storages.RDBStorage(url)
    studies = optuna.get_all_study_summaries(storage)
    assert len(studies) == 2  # one per fold, shared by both drivers
    for summary in studies:
        trials = optuna.load_study(study_name=summary.study_name, storage=storage).trials
        finished = [t for t in trials if t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL]
        assert len(finished) == 4, [t.state for t in trials]
        assert not [t for t in trials if t.state == optuna.trial.TrialState.RUNNING]

    a, b = (ResultsStore(tmp_path / name).jobs() for name in ("a", "b"))
    assert [j["job_id"] for j in a] and sorted(j["job_id"] for j in a) == sorted(j["job_id"] for j in b)
    by_id = {j["job_id"]: j for j in b}
    for job in a:
        assert job["hparams"] == by_id[job["job_id"]]["hparams"]
        assert job["metrics"] == by_id[job["job_id"]]["metrics"]
    time.sleep(0)  # both drivers are gone: the server fixture stops cleanly
