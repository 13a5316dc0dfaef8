"""The results store: one SQLite file per results directory.

Each finished job is one row of ``jobs`` (canonical config and its hash,
method, corpora, protocol, fold, seeds, hyperparameters, metrics, data report,
package versions, git commit, wall time) plus one row of ``predictions`` per
test item (true label, predicted label, class posteriors or values).  A job and
its predictions are written in one transaction, so a killed run leaves either
the whole job or nothing; a job whose row exists is never run again.

Sweeps (see :mod:`harness.execution.sweep`) add five tables, made on first use: ``sweeps``
and ``plan`` (each sweep and its jobs, for ``harness status``), ``claims`` (the
job a process is running: owner ``host:pid``, start, heartbeat; taken
atomically, so two processes on one store never run a job twice), ``failures``
(error, traceback, attempts) and ``attempts`` (every claim taken, with its
end).  Saving a job removes its claim and failure in the same transaction.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id       TEXT PRIMARY KEY,
    config       TEXT NOT NULL,
    method       TEXT NOT NULL,
    protocol     TEXT NOT NULL,
    train_corpora TEXT NOT NULL,
    test_corpus  TEXT NOT NULL,
    fold         TEXT NOT NULL,
    split_seed   INTEGER NOT NULL,
    model_seed   INTEGER NOT NULL,
    hparams      TEXT NOT NULL,
    metrics      TEXT NOT NULL,
    report       TEXT NOT NULL,
    versions     TEXT NOT NULL,
    git_commit   TEXT NOT NULL,
    wall_time    REAL NOT NULL,
    finished_at  TEXT NOT NULL,
    config_key   TEXT
);
CREATE TABLE IF NOT EXISTS predictions (
    job_id     TEXT NOT NULL REFERENCES jobs(job_id),
    item       TEXT NOT NULL,
    speaker    TEXT,
    true_label TEXT,
    pred_label TEXT,
    scores     TEXT NOT NULL,
    part       TEXT NOT NULL DEFAULT 'test',
    PRIMARY KEY (job_id, part, item)
);
"""

SWEEP_SCHEMA = """
CREATE TABLE IF NOT EXISTS sweeps (
    sweep_id    TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    n_jobs      INTEGER NOT NULL,
    planned_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan (
    sweep_id    TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (sweep_id, job_id)
);
CREATE TABLE IF NOT EXISTS claims (
    job_id    TEXT PRIMARY KEY,
    owner     TEXT NOT NULL,
    started   REAL NOT NULL,
    heartbeat REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    job_id    TEXT PRIMARY KEY,
    error     TEXT NOT NULL,
    traceback TEXT NOT NULL,
    attempts  INTEGER NOT NULL,
    at        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    job_id  TEXT NOT NULL,
    owner   TEXT NOT NULL,
    started REAL NOT NULL,
    ended   REAL,
    outcome TEXT
);
"""

#: A claim whose heartbeat is older than this (seconds) is taken over, whoever owns it.
STALE_AFTER = 300.0


def owner_id() -> str:
    """This process as a claim owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool | None:
    """Whether a claim's owner process lives: True/False on this host, None on another host."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def claim_live(owner: str, heartbeat: float, now: float | None = None) -> bool:
    """A claim holds while its owner lives (same host) and its heartbeat is fresh."""
    fresh = (now if now is not None else time.time()) - heartbeat < STALE_AFTER
    return fresh and owner_alive(owner) is not False


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


JSON_COLUMNS = ("config", "train_corpora", "hparams", "metrics", "report", "versions")


@dataclass
class JobRecord:
    job_id: str
    config: dict
    method: str
    protocol: str
    train_corpora: list[str]
    test_corpus: str
    fold: str
    split_seed: int
    model_seed: int
    hparams: dict
    metrics: dict
    report: dict
    versions: dict
    git_commit: str
    wall_time: float
    finished_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    #: the job's id without its code digests (:attr:`harness.experiment.jobs.JobSpec.config_key`);
    #: empty: the job id (a job whose config has no code digests)
    config_key: str = ""


@dataclass
class Prediction:
    item: str
    speaker: str | None
    true_label: str | None
    pred_label: str | None
    scores: list[float]  # class posteriors (classification) or values (regression)
    #: ``test``, or ``valid``: the validation part as predicted by the model selected on it
    #: (before any refit) -- what decision-level fusion is fitted on
    part: str = "test"


class ResultsStore:
    FILE = "results.sqlite"

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / self.FILE
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)
            columns = {r[1] for r in db.execute("PRAGMA table_info(predictions)")}
            if "part" not in columns:  # a store written before validation predictions were kept
                db.execute("ALTER TABLE predictions ADD COLUMN part TEXT NOT NULL DEFAULT 'test'")
            if "config_key" not in {r[1] for r in db.execute("PRAGMA table_info(jobs)")}:
                # a store written before jobs carried code digests: their key is their id
                db.execute("ALTER TABLE jobs ADD COLUMN config_key TEXT")
                db.execute("UPDATE jobs SET config_key = job_id")
            db.execute("CREATE INDEX IF NOT EXISTS jobs_config_key ON jobs(config_key)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.row_factory = sqlite3.Row
        return db

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with closing(self._connect()) as db:
            return db.execute(sql, params).fetchall()

    def has(self, job_id: str) -> bool:
        return bool(self._query("SELECT 1 FROM jobs WHERE job_id=?", (job_id,)))

    def done_ids(self) -> set[str]:
        return {r[0] for r in self._query("SELECT job_id FROM jobs")}

    def save(self, record: JobRecord, predictions: Iterable[Prediction]) -> bool:
        """Write a job and its predictions atomically; False if the job was already stored."""
        row = {k: (json.dumps(v, sort_keys=True) if k in JSON_COLUMNS else v)
               for k, v in record.__dict__.items()}
        row["config_key"] = record.config_key or record.job_id

        def work(db: sqlite3.Connection) -> bool:
            sweep = self._has_sweep_tables(db)
            if db.execute("SELECT 1 FROM jobs WHERE job_id=?", (record.job_id,)).fetchone():
                if sweep:
                    self._finish(db, record.job_id, "stored already")
                return False
            db.execute(f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       tuple(row.values()))
            db.executemany(
                "INSERT INTO predictions (job_id, item, speaker, true_label, pred_label, scores, part) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(record.job_id, p.item, p.speaker, p.true_label, p.pred_label,
                  json.dumps([round(float(s), 7) for s in p.scores]), p.part) for p in predictions])
            if sweep:
                self._finish(db, record.job_id, "done")
                db.execute("DELETE FROM failures WHERE job_id=?", (record.job_id,))
            return True

        return self._transaction(work, sweep_tables=False)

    @staticmethod
    def _decode(row: sqlite3.Row) -> dict[str, Any]:
        out = dict(row)
        for k in JSON_COLUMNS:
            if k in out:
                out[k] = json.loads(out[k])
        return out

    def jobs(self, job_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Stored jobs: all (ordered by finishing time), or those in ``job_ids`` in that order."""
        rows = self._query("SELECT * FROM jobs ORDER BY finished_at, job_id")
        if job_ids is None:
            return [self._decode(r) for r in rows]
        by_id = {r["job_id"]: r for r in rows}
        return [self._decode(by_id[j]) for j in job_ids if j in by_id]

    def latest(self, n: int) -> list[dict[str, Any]]:
        """The ``n`` jobs stored last, newest first."""
        return [self._decode(r) for r in self._query("SELECT * FROM jobs ORDER BY finished_at DESC, rowid DESC "
                                                     "LIMIT ?", (n,))]

    def job(self, prefix: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM jobs WHERE job_id LIKE ?", (prefix + "%",))
        if len(rows) > 1:
            raise HarnessError(f"job id prefix {prefix!r} is ambiguous ({len(rows)} jobs)")
        return self._decode(rows[0]) if rows else None

    def predictions(self, job_id: str, part: str = "test") -> list[Prediction]:
        """Stored predictions of one part (``test``, or ``valid``) of a job, by item."""
        rows = self._query("SELECT item, speaker, true_label, pred_label, scores, part FROM predictions "
                           "WHERE job_id=? AND part=? ORDER BY item", (job_id, part))
        return [Prediction(r["item"], r["speaker"], r["true_label"], r["pred_label"],
                           json.loads(r["scores"]), r["part"]) for r in rows]

    def by_config_key(self, keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Stored jobs whose :attr:`~harness.experiment.jobs.JobSpec.config_key` is one of ``keys``
        (newest first): the same job produced by other code when their id differs."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, list[dict[str, Any]]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            for r in self._query(f"SELECT job_id, config_key, config, git_commit, finished_at FROM jobs WHERE "
                                 f"config_key IN ({', '.join('?' * len(chunk))}) ORDER BY finished_at DESC, job_id",
                                 tuple(chunk)):
                out.setdefault(r["config_key"], []).append(
                    {"job_id": r["job_id"], "code": json.loads(r["config"]).get("code"),
                     "git_commit": r["git_commit"], "finished_at": r["finished_at"]})
        return out

    def publication(self) -> dict[str, Any] | None:
        """What a publication copy (:mod:`harness.results.publication`) left out; None for a working store."""
        with closing(self._connect()) as db:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='publication'").fetchone():
                return None
            return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM publication")}

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM jobs")[0][0]

    # -- sweeps: plan, claims, failures ------------------------------------------------
    @staticmethod
    def _has_sweep_tables(db: sqlite3.Connection) -> bool:
        return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='claims'").fetchone())

    def _sweep_tables(self) -> None:
        if getattr(self, "_sweep_ready", False):
            return
        with closing(self._connect()) as db:
            if not self._has_sweep_tables(db):
                db.executescript(SWEEP_SCHEMA)
        self._sweep_ready = True

    @staticmethod
    def _finish(db: sqlite3.Connection, job_id: str, outcome: str) -> None:
        db.execute("DELETE FROM claims WHERE job_id=?", (job_id,))
        db.execute("UPDATE attempts SET ended=?, outcome=? WHERE job_id=? AND ended IS NULL",
                   (time.time(), outcome, job_id))

    def _transaction(self, work, sweep_tables: bool = True):
        """Run ``work(db)`` inside BEGIN IMMEDIATE (one writer at a time) and commit;
        ``sweep_tables``: create the sweep tables first (claims, plan, failures)."""
        if sweep_tables:
            self._sweep_tables()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            out = work(db)
            db.execute("COMMIT")
            return out
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def record_plan(self, sweep_id: str, description: str, jobs: dict[str, str]) -> None:
        """Record a sweep and its jobs (job id -> short description); again: no change."""
        def work(db):
            db.execute("INSERT OR IGNORE INTO sweeps VALUES (?, ?, ?, ?)",
                       (sweep_id, description, len(jobs), _now()))
            db.executemany("INSERT OR IGNORE INTO plan VALUES (?, ?, ?)",
                           [(sweep_id, j, d) for j, d in jobs.items()])
        self._transaction(work)

    def claim(self, job_id: str, owner: str, retry: bool = False) -> str | None:
        """Take a job for ``owner``, atomically.  None when taken; else why not: ``done``,
        ``failed`` (its last attempt failed and ``retry`` is off), or the owner of a live
        claim.  A claim whose owner process is dead, or whose heartbeat is stale, is taken over."""
        def work(db):
            if db.execute("SELECT 1 FROM jobs WHERE job_id=?", (job_id,)).fetchone():
                return "done"
            if not retry and db.execute("SELECT 1 FROM failures WHERE job_id=?", (job_id,)).fetchone():
                return "failed"
            row = db.execute("SELECT owner, heartbeat FROM claims WHERE job_id=?", (job_id,)).fetchone()
            if row is not None and row["owner"] != owner and claim_live(row["owner"], row["heartbeat"]):
                return row["owner"]
            if row is not None:
                db.execute("UPDATE attempts SET ended=?, outcome='abandoned' WHERE job_id=? AND ended IS NULL",
                           (time.time(), job_id))
            now = time.time()
            db.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?)", (job_id, owner, now, now))
            db.execute("INSERT INTO attempts (job_id, owner, started) VALUES (?, ?, ?)", (job_id, owner, now))
            return None
        return self._transaction(work)

    def heartbeat(self, owner: str) -> None:
        self._transaction(lambda db: db.execute("UPDATE claims SET heartbeat=? WHERE owner=?",
                                                (time.time(), owner)))

    def release(self, owner: str, job_ids: Iterable[str] | None = None) -> None:
        """Give back claims of ``owner`` (all, or those in ``job_ids``) without a result."""
        def work(db):
            ids = [r[0] for r in db.execute("SELECT job_id FROM claims WHERE owner=?", (owner,))]
            for j in ids if job_ids is None else [j for j in job_ids if j in ids]:
                self._finish(db, j, "released")
        self._transaction(work)

    def record_failure(self, job_id: str, error: str, traceback: str) -> int:
        """Record that a job raised; returns how many times it has failed."""
        def work(db):
            row = db.execute("SELECT attempts FROM failures WHERE job_id=?", (job_id,)).fetchone()
            attempts = (row[0] if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?)",
                       (job_id, error, traceback, attempts, _now()))
            self._finish(db, job_id, "failed")
            return attempts
        return self._transaction(work)

    def failures(self) -> dict[str, dict[str, Any]]:
        """job id -> {error, traceback, attempts, at} of jobs whose last attempt failed."""
        self._sweep_tables()
        return {r["job_id"]: dict(r) for r in self._query("SELECT * FROM failures ORDER BY job_id")}

    def claims(self) -> dict[str, dict[str, Any]]:
        """job id -> {owner, started, heartbeat, live} of the claims held now."""
        self._sweep_tables()
        now = time.time()
        return {r["job_id"]: {**dict(r), "live": claim_live(r["owner"], r["heartbeat"], now)}
                for r in self._query("SELECT * FROM claims ORDER BY job_id")}

    def attempts(self, job_id: str | None = None) -> list[dict[str, Any]]:
        """Every claim taken (job id, owner, started, ended, outcome), oldest first."""
        self._sweep_tables()
        where, params = ("WHERE job_id=?", (job_id,)) if job_id else ("", ())
        return [dict(r) for r in self._query(f"SELECT * FROM attempts {where} ORDER BY started, rowid", params)]

    def sweeps(self) -> list[dict[str, Any]]:
        """Recorded sweeps, oldest first, each with its planned job ids."""
        self._sweep_tables()
        plan: dict[str, list[str]] = {}
        for r in self._query("SELECT sweep_id, job_id FROM plan ORDER BY rowid"):
            plan.setdefault(r[0], []).append(r[1])
        return [{**dict(r), "job_ids": plan.get(r["sweep_id"], [])}
                for r in self._query("SELECT * FROM sweeps ORDER BY planned_at, rowid")]

    def plan_descriptions(self, sweep_id: str) -> dict[str, str]:
        self._sweep_tables()
        return {r[0]: r[1] for r in self._query("SELECT job_id, description FROM plan WHERE sweep_id=? "
                                                "ORDER BY rowid", (sweep_id,))}
