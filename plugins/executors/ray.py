"""The ``ray`` executor: the same jobs on a Ray cluster (``--executor ray --address ...``).

``--address auto`` joins the cluster this machine belongs to (``ray start``),
``HOST:PORT`` a given head node; without ``--address`` a private cluster of
``--workers`` CPUs (default: all cores) is started on 127.0.0.1 for the run and
stopped after it.  Each experiment's prepared data go into Ray's object store
once (``ray.put``) and every job of the experiment receives the reference; a
job is a task of one CPU (one GPU with ``--device cuda``) that returns its
record and predictions to the driver, which alone writes the results store.
Tasks are never retried by Ray (``max_retries=0``): a job that fails is
recorded as failed by the driver and re-run only with ``--retry-failed``.

Workers rebuild the runner from the request and the installed plugins (the
default registry), so every machine of the cluster needs the harness and the
plugins of the run installed; with ``--trials`` the Optuna storage must be
reachable from every worker (``--storage postgresql://...`` on several
machines; the default SQLite file only on one).  Install Ray with
``pip install -e .[ray]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from harness.errors import HarnessError
from harness.execution.executors import Executor, JobWorker, Outcome, Task
from harness.hookspecs import hookimpl

#: per worker process: the JobWorker rebuilt from the driver's portable description
_WORKERS: dict = {}


def _worker(portable: dict) -> JobWorker:
    key = repr(sorted(portable.items()))
    if key not in _WORKERS:
        _WORKERS.clear()
        _WORKERS[key] = JobWorker.rebuild(portable)
    return _WORKERS[key]


def _run_remote(portable: dict, payload: dict, task: Task) -> Outcome:
    worker = _worker(portable)
    task.prep = worker.adopt(payload)
    return worker(task)


def _warm(portable: dict) -> int:
    """Import the harness and build the runner in a worker before the clock starts."""
    import time

    _worker(portable)
    time.sleep(0.2)  # keep this worker busy so that the next warm-up goes to another one
    return os.getpid()


def _ray():
    try:
        import ray
    except ImportError:
        raise HarnessError("--executor ray: ray not installed (pip install -e .[ray])") from None
    return ray


class RayExecutor(Executor):
    name = "ray"
    description = "a Ray cluster (--address auto|HOST:PORT; default: a private one on 127.0.0.1)"

    def open(self, tasks: dict[str, Task], worker: JobWorker) -> None:
        from harness.registry import default_registry

        ray = _ray()
        if worker.runner.registry is not default_registry():
            raise HarnessError("--executor ray: the workers use the installed plugins (the default registry); "
                               "this run was given another registry")
        self.started = False
        if not ray.is_initialized():
            if self.address in (None, "", "local"):
                ray.init(address="local", num_cpus=self.workers or os.cpu_count() or 1, include_dashboard=False,
                         _node_ip_address="127.0.0.1", log_to_driver=False, configure_logging=False)
                self.started = True
            else:
                ray.init(address=self.address, log_to_driver=False, configure_logging=False)
        self.slots = max(1, int(ray.cluster_resources().get("CPU", 1)))
        gpus = 1 if worker.device == "cuda" else 0
        self.remote = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(_run_remote)
        portable = worker.portable()
        self.portable = ray.put(portable)
        payloads: dict[int, object] = {}
        for task in tasks.values():
            if id(task.prep) not in payloads:
                payloads[id(task.prep)] = ray.put(worker.payload(task.prep))
        self.tasks = {job_id: (payloads[id(t.prep)], Task(t.job_id, t.spec, t.fold, None, t.description))
                      for job_id, t in tasks.items()}
        warm = ray.remote(num_cpus=1, max_retries=0)(_warm)
        ray.get([warm.remote(self.portable) for _ in range(min(self.slots, len(tasks)))])

    def map(self, job_ids: Iterable[str]) -> Iterator[Outcome]:
        ray = _ray()
        ids = iter(job_ids)
        running = self.running = {}

        def fill() -> None:
            while len(running) < self.slots:
                job_id = next(ids, None)
                if job_id is None:
                    return
                payload, task = self.tasks[job_id]
                running[self.remote.remote(self.portable, payload, task)] = job_id

        fill()
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            finished = []
            for ref in done:
                job_id = running.pop(ref)
                try:
                    finished.append(ray.get(ref))
                except Exception as exc:  # the task's worker died, or Ray could not run it
                    finished.append(Outcome(job_id, error=f"ray: {type(exc).__name__}: {exc}", traceback=""))
            fill()
            yield from finished

    def close(self, aborted: bool = False) -> None:
        ray = _ray()
        if aborted:
            for ref in getattr(self, "running", {}):
                ray.cancel(ref, force=True)
        if not getattr(self, "started", False):
            return
        ray.shutdown()
        self.started = False


@hookimpl
def harness_executors():
    return [RayExecutor]
