"""Executors: where a sweep's jobs run (a plugin kind, ``harness_executors``).

The driver (:mod:`harness.execution.sweep`) plans the jobs, prepares their data once,
claims each job in the results store and saves each result as it arrives; an
executor only runs jobs.  Its contract::

    with ExecutorClass(workers=2, address=None) as ex:
        ex.open(tasks, worker)          # tasks: job id -> Task; worker: JobWorker
        for outcome in ex.map(job_ids): # job_ids is pulled lazily, one per free slot
            ...                         # Outcome: a result, or an error with its traceback

``map`` pulls the next job id only when a slot is free, so the driver claims a
job just before it starts (two processes on one store share the work instead
of taking everything at once).  Workers never write the store.  A job's
exception becomes a failed :class:`Outcome`; the executor keeps going.

:class:`JobWorker` is what runs one job inside a worker: one intra-op thread,
the device (``--device auto|cpu|cuda``: torch's default device is set around
the job, on CUDA only), and the execution facts (device, executor, worker
process) recorded in the job's report -- never in its config, so a job's id
does not depend on where it ran.
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from harness.errors import HarnessError
from harness.experiment.jobs import JobSpec
from harness.experiment.preparation import Prepared
from harness.experiment.protocols import Fold
from harness.results.store import JobRecord, Prediction, owner_id

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a CUDA device, else ``cpu``; ``cuda`` without one
    is a clear error."""
    if name not in DEVICES:
        raise HarnessError(f"unknown --device {name!r}; known: {', '.join(DEVICES)}")
    available = torch.cuda.is_available()
    if name == "auto":
        return "cuda" if available else "cpu"
    if name == "cuda" and not available:
        build = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise HarnessError(f"--device cuda: torch {torch.__version__} ({build}) sees no CUDA device on this "
                           "machine; use --device cpu (or auto, which falls back to the CPU)")
    return name


def device_label(device: str) -> str:
    if device == "cuda":
        return f"cuda:{torch.cuda.current_device()} ({torch.cuda.get_device_name()})"
    return device


@dataclass
class Task:
    """One job as the driver hands it to an executor."""

    job_id: str
    spec: JobSpec
    fold: Fold
    prep: Prepared
    description: str


@dataclass
class Outcome:
    """A job's result (record and predictions) or its failure (error and traceback)."""

    job_id: str
    record: JobRecord | None = None
    predictions: list[Prediction] | None = None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class JobWorker:
    """Runs one job through the runner's ``run_job`` with the requested device."""

    def __init__(self, runner, device: str = "auto", executor: str = "local"):
        self.runner = runner
        self.device = device
        self.executor = executor

    def __call__(self, task: Task) -> Outcome:
        # one intra-op thread per job: parallelism belongs to the executor
        torch.set_num_threads(1)
        try:
            device = resolve_device(self.device)
            if device == "cpu":  # the default device already; no function mode on the hot path
                record, predictions = self.runner.run_job(task.spec, task.fold, task.prep)
            else:
                # deterministic cuBLAS (torch.use_deterministic_algorithms asks for it); before CUDA starts
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
                with torch.device(device):
                    record, predictions = self.runner.run_job(task.spec, task.fold, task.prep)
            execution = {"device": device_label(device), "executor": self.executor, "worker": owner_id()}
            record = dataclasses.replace(record, report={**record.report, "execution": execution})
            return Outcome(task.job_id, record, list(predictions))
        except Exception as exc:  # the sweep goes on; the driver records the failure
            return Outcome(task.job_id, error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc())

    # -- for executors whose workers are other processes that do not share this one's memory
    def portable(self) -> dict[str, Any]:
        """What a remote worker needs to rebuild this worker (plain, picklable data)."""
        r = self.runner.request
        absolute = {k: getattr(r, k).absolute() for k in ("results", "cache", "data_root")
                    if getattr(r, k) is not None}
        return {"request": dataclasses.replace(r, **absolute,
                                               corpus_paths={k: v.absolute() for k, v in r.corpus_paths.items()}),
                "device": self.device, "executor": self.executor,
                # the runner's class travels by reference (module and name), so this module needs
                # no import of the runner, which imports the sweep, which imports this module
                "runner": type(self.runner)}

    def payload(self, prep: Prepared) -> dict[str, Any]:
        """An experiment's prepared data plus the auxiliary sets the driver built for its folds."""
        built = getattr(self.runner, "_auxiliary", {})
        return {"prep": prep, "auxiliary": {f.name: built[(prep.experiment, f.name)] for f in prep.folds
                                            if (prep.experiment, f.name) in built}}

    @classmethod
    def rebuild(cls, portable: dict[str, Any]) -> "JobWorker":
        return cls(portable["runner"](portable["request"]), portable["device"], portable["executor"])

    def adopt(self, payload: dict[str, Any]) -> Prepared:
        """Take over the auxiliary sets shipped with an experiment's data; return its data."""
        prep = payload["prep"]
        aux = getattr(self.runner, "_auxiliary", None)
        if aux is not None:
            for fold_name, sets in payload["auxiliary"].items():
                aux.setdefault((prep.experiment, fold_name), sets)
        return prep


class Executor:
    """Base class of executors.  Subclasses set ``name`` and ``description`` and implement
    :meth:`open` and :meth:`map`; :meth:`close` frees what :meth:`open` took."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, workers: int | None = None, address: str | None = None):
        if workers is not None and workers < 1:
            raise HarnessError(f"--workers must be at least 1 (got {workers})")
        self.workers = workers
        self.address = address
        #: jobs that run at once (known after :meth:`open`)
        self.slots = 1

    def open(self, tasks: dict[str, Task], worker: JobWorker) -> None:
        raise NotImplementedError

    def map(self, job_ids: Iterable[str]) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self, aborted: bool = False) -> None:
        """Free workers; ``aborted``: the driver stopped early, running jobs are abandoned."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(aborted=exc_type is not None)
        return False
