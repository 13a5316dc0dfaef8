"""The results store: one SQLite file per results directory.

Each finished job is one row of ``jobs`` (canonical config and its hash,
method, corpora, protocol, fold, seeds, hyperparameters, metrics, data report,
package versions, git commit, wall time) plus one row of ``predictions`` per
test item (true label, predicted label, class posteriors or values).  A job and
its predictions are written in one transaction, so a killed run leaves either
the whole job or nothing; a job whose row exists is never run again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import HarnessError

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
    finished_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS predictions (
    job_id     TEXT NOT NULL REFERENCES jobs(job_id),
    item       TEXT NOT NULL,
    speaker    TEXT,
    true_label TEXT,
    pred_label TEXT,
    scores     TEXT NOT NULL,
    PRIMARY KEY (job_id, item)
);
"""

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


@dataclass
class Prediction:
    item: str
    speaker: str | None
    true_label: str | None
    pred_label: str | None
    scores: list[float]  # class posteriors (classification) or values (regression)


class ResultsStore:
    FILE = "results.sqlite"

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / self.FILE
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)

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
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("SELECT 1 FROM jobs WHERE job_id=?", (record.job_id,)).fetchone():
                db.execute("ROLLBACK")
                return False
            db.execute(f"INSERT INTO jobs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                       tuple(row.values()))
            db.executemany(
                "INSERT INTO predictions (job_id, item, speaker, true_label, pred_label, scores) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(record.job_id, p.item, p.speaker, p.true_label, p.pred_label,
                  json.dumps([round(float(s), 7) for s in p.scores])) for p in predictions])
            db.execute("COMMIT")
            return True
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

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

    def job(self, prefix: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM jobs WHERE job_id LIKE ?", (prefix + "%",))
        if len(rows) > 1:
            raise HarnessError(f"job id prefix {prefix!r} is ambiguous ({len(rows)} jobs)")
        return self._decode(rows[0]) if rows else None

    def predictions(self, job_id: str) -> list[Prediction]:
        rows = self._query("SELECT item, speaker, true_label, pred_label, scores FROM predictions "
                           "WHERE job_id=? ORDER BY item", (job_id,))
        return [Prediction(r["item"], r["speaker"], r["true_label"], r["pred_label"],
                           json.loads(r["scores"])) for r in rows]

    def count(self) -> int:
        return self._query("SELECT COUNT(*) FROM jobs")[0][0]
