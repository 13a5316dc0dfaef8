"""A compressed copy of a results store for publication beside the leaderboards.

A working store keeps three prediction parts per job: ``test`` (what the leaderboards,
the significance tests and the figures read), ``valid`` and ``test_selected`` (what
decision-level fusion is fitted on and applied to, see :mod:`harness.analysis.fuse`).
The validation parts make a sweep's store several times larger than its test part.  A
publication copy keeps every job record whole and the parts it is asked for (by default
the test part only), rounds the stored posteriors to a fixed number of decimals, drops
the sweep book-keeping (claims, attempts, failures), and is written as gzip with no time
stamp, so that the same store gives the same bytes.  Every page renders from the copy as
from the store; fusion over its jobs is refused with the reason (no validation
predictions).  The copy records what was dropped in a ``publication`` table.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.results.store import ResultsStore

BOOKKEEPING = ("claims", "attempts", "failures")


@dataclass(frozen=True)
class PublicationCopy:
    path: Path
    jobs: int
    predictions: dict[str, int]  # kept rows per part
    dropped: dict[str, int]  # dropped rows per part
    size: int  # bytes, compressed


def _tables(db: sqlite3.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def publication_copy(results: Path, out: Path, parts: tuple[str, ...] = ("test",),
                     digits: int | None = 4) -> PublicationCopy:
    """Write the publication copy of the store in ``results`` to ``out`` (``.sqlite.gz``)."""
    source = Path(results) / ResultsStore.FILE
    if not source.is_file():
        raise HarnessError(f"no results store at {source}")
    if digits is not None and not 1 <= digits <= 7:
        raise HarnessError(f"--digits {digits}: posteriors are stored with 7 decimals; choose 1..7")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / ResultsStore.FILE
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            counts = dict(dst.execute("SELECT part, COUNT(*) FROM predictions GROUP BY part").fetchall())
            marks = ",".join("?" * len(parts))
            dst.execute(f"DELETE FROM predictions WHERE part NOT IN ({marks})", parts)
            if digits is not None:
                rows = dst.execute("SELECT rowid, scores FROM predictions").fetchall()
                dst.executemany("UPDATE predictions SET scores=? WHERE rowid=?",
                                [(json.dumps([round(s, digits) for s in json.loads(scores)]), rowid)
                                 for rowid, scores in rows])
            for table in BOOKKEEPING:
                if table in _tables(dst):
                    dst.execute(f"DELETE FROM {table}")
            kept = {p: n for p, n in counts.items() if p in parts}
            dropped = {p: n for p, n in counts.items() if p not in parts}
            dst.execute("CREATE TABLE IF NOT EXISTS publication (key TEXT PRIMARY KEY, value TEXT)")
            dst.executemany("INSERT OR REPLACE INTO publication VALUES (?, ?)", [
                ("parts_kept", json.dumps(sorted(parts))), ("rows_dropped", json.dumps(dropped, sort_keys=True)),
                ("score_decimals", json.dumps(digits)), ("bookkeeping_cleared", json.dumps(BOOKKEEPING))])
            dst.commit()
            dst.execute("VACUUM")
            jobs = dst.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(copy, "rb") as raw, open(out, "wb") as fh, \
                gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
            shutil.copyfileobj(raw, gz)
    return PublicationCopy(out, jobs, kept, dropped, out.stat().st_size)

