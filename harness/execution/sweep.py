"""A sweep: every job of a ``harness run``, planned, claimed, run by an executor and saved.

The driver (this module, in the process that runs ``harness run``) expands the
request into experiments, prepares each experiment's data once (features come
from the cache; nothing is extracted per job), names every job by the hash of
its config and records the plan in the results store (``harness status``
counts from it).  Jobs already stored are skipped; jobs whose last attempt
failed are reported and skipped unless ``--retry-failed``.

Each job is claimed in the store just before an executor slot takes it
(atomic, ``BEGIN IMMEDIATE``), so a second process running the same sweep on
the same store takes the other jobs, and waits for the ones the first is
running.  A claim lapses when its owner process is dead (same host) or its
heartbeat -- renewed by a thread of the driver every ``HEARTBEAT`` seconds --
is stale, so ``kill -9`` then ``harness run`` again resumes.  Results are saved
as they arrive, a job and its predictions in one transaction: a job killed
midway leaves nothing behind.

Jobs that tune share one Optuna study per fold (every model seed of a fold);
the first job of each study runs in a first wave and its siblings after it, so
that parallel workers never grow one study at the same time (the outcome of a
study must not depend on the number of workers).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import torch
from tqdm import tqdm

from harness.data.digest import json_digest
from harness.errors import HarnessError
from harness.execution.executors import JobWorker, Outcome, Task, resolve_device
from harness.experiment.jobs import JobSpec, plan_experiments
from harness.experiment.preparation import log
from harness.learning.tuning import study_name
from harness.results.store import ResultsStore, owner_id

#: seconds between heartbeats of a driver's claims
HEARTBEAT = 30.0
#: seconds between looks at jobs another process is running
POLL = 0.5


@dataclass
class SweepOptions:
    executor: str = "local"
    #: Ray: auto, HOST:PORT, or None (a private cluster on 127.0.0.1)
    address: str | None = None
    device: str = "auto"
    retry_failed: bool = False
    #: a job stored from other code (same config, other code digests): reuse it, marked, instead of
    #: running it again
    reuse_stale: bool = False
    #: job workers (local processes, Ray CPUs); None: the request's ``workers``, else every core
    workers: int | None = None


@dataclass
class SweepOutcome:
    """What a sweep did: its jobs (run now or found in the store), failures, where it ran."""

    job_ids: list[str] = field(default_factory=list)
    #: job id -> "main" or "reference" (a cross-corpus target's within-corpus score)
    roles: dict[str, str] = field(default_factory=dict)
    ran: int = 0
    skipped: int = 0
    synthetic: set[str] = field(default_factory=set)
    wall_time: float = 0.0
    sweep_id: str = ""
    #: job id -> error of the jobs that failed in this run
    failed: dict[str, str] = field(default_factory=dict)
    #: job id -> error of earlier failures left alone (no --retry-failed)
    failed_before: dict[str, str] = field(default_factory=dict)
    executor: str = "local"
    device: str = "cpu"
    slots: int = 1
    #: seconds from the executor's first job to the last result saved (no preparation)
    job_seconds: float = 0.0
    open_seconds: float = 0.0
    #: job id -> the stored job of the same config produced by other code (what changed: ``changed``)
    stale: dict[str, str] = field(default_factory=dict)
    #: job id -> what of its code changed since the stored job ("method classic", "core", ...)
    changed: dict[str, str] = field(default_factory=dict)
    #: stored job id -> job id, for the stale jobs reused (``--reuse-stale``) instead of run
    reused: dict[str, str] = field(default_factory=dict)
    #: target corpus -> why its within-corpus reference could not be run (the rest of the sweep ran)
    reference_failures: dict[str, str] = field(default_factory=dict)


def describe(spec: JobSpec) -> str:
    train = "+".join(spec.train_corpora)
    corpora = spec.test_corpus if train == spec.test_corpus else f"{train}->{spec.test_corpus}"
    return f"{spec.method} {spec.protocol} {corpora} {spec.fold} seed {spec.model_seed}"


def study_key(spec: JobSpec) -> str:
    """Jobs with one key share an Optuna study (tuning jobs of one fold); others stand alone."""
    return study_name(spec.study_identity()) if spec.tuning else spec.job_id


def waves(tasks: dict[str, Task], todo: list[str], done: set[str]) -> list[list[str]]:
    """First the first job of each study (and every job that tunes nothing), then the rest;
    a study with a stored job is complete, so its other jobs go in the first wave."""
    started = {study_key(tasks[j].spec) for j in done if j in tasks}
    heads: dict[str, str] = {}
    for job_id in todo:
        key = study_key(tasks[job_id].spec)
        if key not in started:
            heads.setdefault(key, job_id)
    first_ids = set(heads.values())
    first = [j for j in todo if j in first_ids or study_key(tasks[j].spec) in started]
    second = [j for j in todo if j not in set(first)]
    return [w for w in (first, second) if w]


class Heartbeat:
    """Renews the claims of ``owner`` every ``HEARTBEAT`` seconds while the sweep runs."""

    def __init__(self, store: ResultsStore, owner: str):
        self.store, self.owner, self.stop = store, owner, threading.Event()
        self.thread = threading.Thread(target=self._beat, name="harness-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT):
            try:
                self.store.heartbeat(self.owner)
            except Exception as exc:  # a busy store: try again at the next beat
                log(f"heartbeat of {self.owner} failed: {exc}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        return False


def run_sweep(runner, options: SweepOptions | None = None):
    """Plan, prepare, then run every job not yet stored; the ``Runner.run`` of a request.

    Without ``options`` (the Python API) jobs run one at a time in this process unless the
    request names ``workers``, so that spies and debuggers see them; ``harness run`` passes
    options whose default is a local pool over every core."""
    request, registry = runner.request, runner.registry
    options = options or SweepOptions(workers=request.workers or 1)
    start = time.perf_counter()
    torch.set_num_threads(1)  # jobs use one intra-op thread each; parallelism is the executor's
    device = resolve_device(options.device)  # --device cuda without CUDA: an error before any work
    executor_cls = registry.executor(options.executor)
    outcome = SweepOutcome(executor=options.executor, device=device)

    experiments = plan_experiments(request, runner.data.present_labels, adapting=runner.adapting)
    prepared = []
    for e in experiments:
        try:
            prepared.append(runner.data.prepare(e))
        except HarnessError as exc:
            if e.role != "reference":
                raise
            # a within-corpus reference that cannot be built never stops the cross-corpus jobs
            outcome.reference_failures[e.test_corpus] = str(exc)
            log(f"within-corpus reference on {e.test_corpus} not run: {exc}")
    store = ResultsStore(request.results)  # only once the data are there
    tasks: dict[str, Task] = {}
    for prep in prepared:
        for spec, fold in runner.specs(prep):
            tasks.setdefault(spec.job_id, Task(spec.job_id, spec, fold, prep, describe(spec)))
            if outcome.roles.get(spec.job_id) != "main":
                outcome.roles[spec.job_id] = prep.experiment.role
    outcome.job_ids = list(tasks)
    outcome.synthetic = {name for name, c in runner.data.corpora.items() if c.synthetic}
    outcome.sweep_id = json_digest(sorted(tasks), 16)
    title = (f"{', '.join(request.methods)} | {', '.join(request.protocols)} | "
             f"{', '.join(dict.fromkeys(request.corpora + request.sources + request.targets))}")
    store.record_plan(outcome.sweep_id, title, {j: t.description for j, t in tasks.items()})

    done, failures = store.done_ids(), store.failures()
    todo = [j for j in tasks if j not in done]
    todo = _stale(todo, tasks, store, options.reuse_stale, outcome)
    outcome.skipped = len(tasks) - len(todo)
    retry = {j for j in todo if j in failures} if options.retry_failed else set()
    outcome.failed_before = {j: failures[j]["error"] for j in todo if j in failures and j not in retry}
    todo = [j for j in todo if j not in outcome.failed_before]
    if outcome.skipped:
        log(f"{outcome.skipped} of {len(tasks)} job(s) already in {store.path}; running {len(todo)}")
    for job_id, error in outcome.failed_before.items():
        log(f"job {job_id} ({tasks[job_id].description}) failed before ({error}); skipped "
            f"(--retry-failed runs it again)")

    owner = owner_id()
    workers = options.workers or request.workers
    bar = tqdm(total=len(todo), desc="jobs", unit="job", disable=not request.progress or not todo)
    executor = executor_cls(workers=workers, address=options.address)
    try:
        with Heartbeat(store, owner), executor:
            opened = time.perf_counter()
            if todo:
                executor.open(tasks, JobWorker(runner, options.device, options.executor))
            outcome.slots = executor.slots
            outcome.open_seconds = time.perf_counter() - opened
            jobs_start = time.perf_counter()
            for wave in waves(tasks, todo, done):
                _run_wave(wave, executor, store, owner, tasks, outcome, bar, retry)
            outcome.job_seconds = time.perf_counter() - jobs_start
    finally:
        bar.close()
        store.release(owner)  # claims of jobs that did not finish (an error, Ctrl-C)
    if outcome.failed:
        log(f"{len(outcome.failed)} job(s) failed; `harness status --results {request.results}` lists them, "
            f"`harness run ... --retry-failed` runs them again")
    outcome.wall_time = time.perf_counter() - start
    return outcome


def code_changes(stored: dict | None, current: dict | None) -> str:
    """What differs between a stored job's code digests and the current ones, in words."""
    if not stored:
        return "code not recorded (stored before jobs carried code digests)"
    current = current or {}
    parts = [part for part in ("method", "core") if stored.get(part) != current.get(part)]
    was, now = stored.get("features", {}), current.get("features", {})
    parts += [f"extractor {n}" for n in sorted(set(was) | set(now)) if was.get(n) != now.get(n)]
    return ", ".join(parts) or "code digests differ"


def _stale(todo: list[str], tasks: dict[str, Task], store: ResultsStore, reuse: bool, outcome) -> list[str]:
    """Jobs to run of ``todo``, after looking for each one stored from other code (same config,
    other code digests): the user is told; with ``reuse`` the stored job stands in, marked."""
    keys = {j: tasks[j].spec.config_key for j in todo}
    stored = store.by_config_key(keys.values())
    for job_id, key in keys.items():
        older = [s for s in stored.get(key, []) if s["job_id"] != job_id]
        if older:
            outcome.stale[job_id] = older[0]["job_id"]
            spec = tasks[job_id].spec
            outcome.changed[job_id] = f"{spec.method}: {code_changes(older[0]['code'], spec.code)}"
    if not outcome.stale:
        return todo
    what = sorted(set(outcome.changed.values()))
    if reuse:
        for job_id, old in outcome.stale.items():
            outcome.reused[old] = job_id
            outcome.roles[old] = outcome.roles.pop(job_id)
        outcome.job_ids = [outcome.stale.get(j, j) for j in outcome.job_ids]
        log(f"{len(outcome.stale)} job(s) reused from the store although they were produced by other code "
            f"({'; '.join(what)}); their rows are marked as such (--reuse-stale)")
        return [j for j in todo if j not in outcome.stale]
    log(f"{len(outcome.stale)} job(s) of this run are in the store from other code ({'; '.join(what)}): "
        f"running them again (--reuse-stale reuses the stored results instead, marked as such)")
    return todo


def _run_wave(wave, executor, store, owner, tasks, outcome, bar, retry) -> None:
    remaining, told = list(wave), False
    while remaining:
        elsewhere: list[str] = []
        for result in executor.map(_claimed(remaining, elsewhere, store, owner, outcome, bar, retry)):
            _save(result, store, tasks, outcome, bar)
        remaining = elsewhere
        if remaining:
            if not told:
                log(f"{len(remaining)} job(s) are being run by another process; waiting for them")
                told = True
            time.sleep(POLL)


def _claimed(job_ids, elsewhere, store, owner, outcome, bar, retry):
    """The job ids this process claims, one at a time as the executor asks for them;
    those another process holds go to ``elsewhere``."""
    for job_id in job_ids:
        why = store.claim(job_id, owner, retry=job_id in retry and job_id not in outcome.failed)
        if why is None:
            yield job_id
        elif why in ("done", "failed"):  # another process finished it meanwhile
            outcome.skipped += why == "done"
            if why == "failed":
                outcome.failed[job_id] = store.failures().get(job_id, {}).get("error", "failed")
            bar.update(1)
        else:
            elsewhere.append(job_id)


def _save(result: Outcome, store: ResultsStore, tasks, outcome, bar) -> None:
    job_id = result.job_id
    if result.ok:
        outcome.ran += store.save(result.record, result.predictions)
    else:
        attempts = store.record_failure(job_id, result.error, result.traceback or "")
        outcome.failed[job_id] = result.error
        bar.write(f"job {job_id} ({tasks[job_id].description}) failed (attempt {attempts}): {result.error}",
                  file=sys.stderr)
    bar.update(1)
