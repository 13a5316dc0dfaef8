"""Where Optuna studies live, and how several processes share one study without overshooting.

``--storage URL`` names any Optuna RDB storage; SQLite in the results directory is
the default.  Before any job runs, :func:`check_storage` makes sure the URL can
be used -- its database driver is installed, the server answers, the credentials
and the database are right -- and creates Optuna's tables once, under a lock, so
that two drivers starting on an empty database do not both create them.

Trials are claimed under a per-study lock (:func:`study_lock`: a PostgreSQL or
MySQL advisory lock on the server, an ``flock`` beside a SQLite file): a process
asks for a new trial only when fewer than the requested number have finished and
no other live process is running one.  So a study never gets more trials than
asked, whatever the number of drivers sharing it, and its trials are evaluated
one after the other, each sampled from all the trials finished before it: the
outcome of a study does not depend on how many processes worked on it.  A trial
left running by a process that died (same host: its pid is gone; any host: no
heartbeat for :data:`STALE_AFTER` seconds), or one with no owner recorded (not
claimed this way), is marked failed and sampled again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from harness.errors import HarnessError

#: a running trial whose heartbeat is older than this (seconds) belongs to a dead process
STALE_AFTER = 300.0
HEARTBEAT = 30.0
#: seconds between looks at a study another process is running a trial of
POLL = 0.5
INSTALL = "pip install -e '.[postgres]' (psycopg 3)"


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(who: str) -> bool | None:
    """True/False for a process on this host, None for one elsewhere."""
    host, _, pid = who.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def normalise(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3 when the dialect's default driver
    (psycopg2 before SQLAlchemy 2.1) is not installed but psycopg is."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgres", "postgresql"):
        return url
    import sqlalchemy

    try:
        default = sqlalchemy.engine.make_url(f"postgresql://{rest}").get_dialect().driver
    except Exception:  # noqa: BLE001 -- an unusable URL is reported by check_storage
        default = "psycopg2"
    if default != "psycopg" and importlib.util.find_spec(default) is None \
            and importlib.util.find_spec("psycopg") is not None:
        return f"postgresql+psycopg://{rest}"
    return f"postgresql://{rest}"


@functools.lru_cache(maxsize=None)
def _engine(url: str):
    import sqlalchemy

    return sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def study_lock(url: str, name: str) -> Iterator[None]:
    """Exclusive, across processes and hosts sharing ``url``, for ``name`` (a study)."""
    backend = url.split(":", 1)[0].split("+", 1)[0]
    if backend == "sqlite":
        import fcntl

        path = url.split(":///", 1)[1] if ":///" in url else ""
        lock_file = Path((path or "optuna.sqlite") + ".lock")
        with open(lock_file, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    import sqlalchemy

    with _engine(url).connect() as db:
        if backend == "postgresql":
            db.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": _lock_key(name)})
            try:
                yield
            finally:
                db.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_key(name)})
        elif backend == "mysql":
            db.execute(sqlalchemy.text("SELECT GET_LOCK(:k, -1)"), {"k": f"harness-{_lock_key(name)}"})
            try:
                yield
            finally:
                db.execute(sqlalchemy.text("SELECT RELEASE_LOCK(:k)"), {"k": f"harness-{_lock_key(name)}"})
        else:
            raise HarnessError(f"--storage {redact(url)}: {backend} has no lock the harness knows; use SQLite, "
                               f"PostgreSQL or MySQL")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}{':***' if ':' in credentials else ''}@{host}"


def _explain(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = str(exc).lower()
    if "password authentication failed" in low or ("role" in low and "does not exist" in low) \
            or "access denied" in low:
        return f"the server refused the credentials ({text})"
    if "database" in low and "does not exist" in low:
        return f"no such database on the server ({text}); create it first"
    if "connection refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low \
            or "name or service not known" in low or "no route" in low:
        return f"the server is not reachable ({text})"
    return text


def check_storage(url: str) -> str:
    """The URL to use (normalised); raises a clear error when it cannot be used, and creates
    Optuna's tables once under a lock.  SQLite needs only its folder."""
    if url.startswith("sqlite"):
        return url
    url = normalise(url)
    import sqlalchemy

    try:
        dialect = sqlalchemy.engine.make_url(url).get_dialect()
        dialect.import_dbapi()
    except ImportError as exc:
        hint = INSTALL if url.startswith("postgres") else "install the database driver SQLAlchemy names"
        raise HarnessError(f"--storage {redact(url)}: the database driver is not installed ({exc}); {hint}") from None
    except Exception as exc:  # noqa: BLE001 -- a malformed URL
        raise HarnessError(f"--storage {redact(url)}: not a storage URL SQLAlchemy understands ({exc})") from None
    try:
        with _engine(url).connect() as db:
            db.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 -- driver errors differ per database
        raise HarnessError(f"--storage {redact(url)}: cannot connect: {_explain(exc)}") from None
    import optuna

    with study_lock(url, "harness:create-tables"):
        optuna.storages.RDBStorage(url)  # creates the tables where missing
    return url


class Heartbeat:
    """Marks a running trial as alive (user attribute ``heartbeat``) every :data:`HEARTBEAT` s."""

    def __init__(self, trial):
        self.trial, self.stop = trial, threading.Event()
        self.thread = threading.Thread(target=self._beat, name="harness-trial-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT):
            with contextlib.suppress(Exception):  # a busy storage: the next beat
                self.trial.set_user_attr("heartbeat", time.time())

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        return False


def live_running(study, storage) -> list:
    """Trials another live process is running; those of dead processes are marked failed."""
    import optuna

    now, live = time.time(), []
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        who = t.user_attrs.get("owner", "")
        beat = float(t.user_attrs.get("heartbeat", t.datetime_start.timestamp() if t.datetime_start else 0))
        # no owner: not claimed the harness's way (an older harness, a hand-made trial); dead owner,
        # or no heartbeat for STALE_AFTER: abandoned
        if not who or _alive(who) is False or now - beat > STALE_AFTER:
            if not isinstance(storage, str):
                trial_id = storage.get_trial_id_from_study_id_trial_number(
                    storage.get_study_id_from_name(study.study_name), t.number)
                with contextlib.suppress(Exception):  # another process marked it first
                    storage.set_trial_user_attr(trial_id, "error", f"abandoned by {who or 'a dead process'}")
                    storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)
            continue
        live.append(t)
    return live
