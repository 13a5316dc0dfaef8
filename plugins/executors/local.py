"""The ``local`` executor: a pool of processes on this machine (the default).

The pool is forked after the driver has prepared every experiment's data, so
the workers inherit the feature arrays (copy-on-write) instead of receiving
them pickled with each job; only the job id goes to a worker and only the
result comes back.  Each worker uses one intra-op thread, dies with the driver
(``PR_SET_PDEATHSIG`` on Linux: a ``kill -9`` of the driver leaves no orphan
finishing a job nobody will save) and ignores Ctrl-C (the driver handles it).
With one worker, or one job, jobs run in the driver's own process.  Where
``fork`` is not available jobs run in the driver's process as well.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from harness.execution.executors import Executor, JobWorker, Outcome, Task
from harness.hookspecs import hookimpl

#: what the forked workers inherit: the tasks and the worker that runs them
_STATE: dict = {}


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:
            pass


def _init_worker(parent: int) -> None:
    _die_with_parent()
    if os.getppid() != parent:  # the driver died before the prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import torch

    torch.set_num_threads(1)


def _run(job_id: str) -> Outcome:
    return _STATE["worker"](_STATE["tasks"][job_id])


class LocalExecutor(Executor):
    name = "local"
    description = "a pool of processes on this machine (default: one per core); data inherited by fork"

    def open(self, tasks: dict[str, Task], worker: JobWorker) -> None:
        self.tasks, self.worker = tasks, worker
        self.slots = max(1, min(self.workers or os.cpu_count() or 1, len(tasks)))
        if "fork" not in multiprocessing.get_all_start_methods():
            self.slots = 1
        self.pool = None

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            _STATE.update(tasks=self.tasks, worker=self.worker)
            self.pool = ProcessPoolExecutor(self.slots, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_init_worker, initargs=(os.getpid(),))
        return self.pool

    def map(self, job_ids: Iterable[str]) -> Iterator[Outcome]:
        if self.slots == 1:
            for job_id in job_ids:
                yield self.worker(self.tasks[job_id])
            return
        ids = iter(job_ids)
        running: dict = {}

        def fill() -> None:
            while len(running) < self.slots:
                job_id = next(ids, None)
                if job_id is None:
                    return
                try:
                    running[self._pool().submit(_run, job_id)] = job_id
                except BrokenProcessPool:  # a worker died earlier: start a fresh pool
                    self.close(aborted=True)
                    running[self._pool().submit(_run, job_id)] = job_id

        fill()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            finished = []
            for future in done:
                job_id = running.pop(future)
                try:
                    finished.append(future.result())
                except BrokenProcessPool as exc:
                    finished.append(Outcome(job_id, error=f"the worker process died ({exc}); killed, or out "
                                                          "of memory?", traceback=""))
            fill()  # keep the workers busy while the driver saves
            yield from finished

    def close(self, aborted: bool = False) -> None:
        pool, self.pool = getattr(self, "pool", None), None
        if pool is None:
            return
        if aborted:
            for process in list((pool._processes or {}).values()):
                process.kill()
        pool.shutdown(wait=True, cancel_futures=True)
        _STATE.clear()


@hookimpl
def harness_executors():
    return [LocalExecutor]
