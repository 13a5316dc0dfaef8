"""Hyperparameter tuning with Optuna, on a fold's inner validation data only.

One study per (method, training data, fold, protocol settings): the objective
fits the method on the fold's inner training part with a trial's
hyperparameters and scores it on the inner validation part -- the test part is
never handed to the tuner.  Iterative methods report their validation score
per epoch through ``report(step, score)`` so that the median pruner can stop
poor trials.  Studies live in an Optuna RDB storage (SQLite in the results
directory by default, any Optuna URL with ``--storage``) and are opened with
``load_if_exists``: an interrupted study continues, and asking for more trials
later extends it.  Failed trials (exceptions in the objective) are not counted
and are retried, up to a limit.  Several processes may share a study (one
``--storage`` for several drivers): trials are claimed one at a time under a
lock (:mod:`harness.learning.studies`), so a study never exceeds the trials asked
and its result does not depend on the number of processes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna

from harness.data.digest import derive_seed, json_digest
from harness.errors import HarnessError
from harness.learning.method import FeatureSet, Method
from harness.learning.space import Param, defaults, suggest
from harness.learning.studies import POLL, Heartbeat, live_running, owner, study_lock

#: Prune after this many complete trials and this many reported steps.
PRUNER_STARTUP_TRIALS = 5
PRUNER_WARMUP_STEPS = 5


def default_storage(results: Path) -> str:
    """The SQLite storage beside the results store."""
    results = Path(results)
    results.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(results / 'optuna.sqlite').absolute()}"


def study_name(identity: dict) -> str:
    """The study's name: a hash of what determines the objective (not the trial count)."""
    return "tune-" + json_digest(identity, 20)


def tune(
    method_cls: type[Method],
    fixed: dict[str, Any],
    train: FeatureSet,
    valid: FeatureSet,
    score: Callable[[Method, FeatureSet], float],
    *,
    trials: int,
    storage: str,
    name: str,
    budget: str,
    seed: int,
    max_failures: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run (or continue) the study until ``trials`` trials finished; return the best
    hyperparameters (defaults, then ``fixed``, then the tuned values) and a summary.

    Hyperparameters in ``fixed`` (given by the user) are not searched.
    """
    if trials < 1:
        raise HarnessError(f"--trials must be at least 1 (got {trials})")
    space: dict[str, Param] = method_cls.space
    free = {k: p for k, p in space.items() if k not in fixed}
    if not free:
        raise HarnessError(f"method {method_cls.name!r}: every hyperparameter is fixed; nothing to tune")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage_url = storage
    storage = optuna.storages.RDBStorage(storage_url) if "://" in storage_url else storage_url
    with study_lock(storage_url, name):  # two drivers creating one study: one creates, the other loads
        study = optuna.create_study(
            study_name=name, storage=storage, direction="maximize", load_if_exists=True,
            pruner=optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP_TRIALS,
                                               n_warmup_steps=PRUNER_WARMUP_STEPS),
        )
    base = {**defaults(space), **fixed}

    def objective(trial: optuna.Trial) -> float:
        hparams = {**base, **suggest(trial, free)}
        method = method_cls(hparams, seed=seed, budget=budget)

        def report(step: int, value: float | None) -> None:
            if value is None:
                return
            trial.report(float(value), step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        method.fit(train, valid, report=report)
        return float(score(method, valid))

    max_failures = max(3, trials) if max_failures is None else max_failures
    failures = 0
    while True:
        with study_lock(storage_url, name):
            finished = _finished(study)
            if finished >= trials:
                break
            trial = None
            if not live_running(study, storage):
                # a sampler seeded by the number of *finished* trials: a retried failure, a resumed study,
                # or a study shared by several processes draws what one uninterrupted process would have
                study.sampler = optuna.samplers.TPESampler(seed=derive_seed(seed, name, finished))
                trial = study.ask()
                trial.set_user_attr("owner", owner())
                trial.set_user_attr("heartbeat", time.time())
        if trial is None:  # another live process is running this study's next trial
            time.sleep(POLL)
            continue
        try:
            with Heartbeat(trial):
                value = objective(trial)
            study.tell(trial, value)
        except optuna.TrialPruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        except Exception as exc:  # recorded with the failed trial, then retried
            reason = f"{type(exc).__name__}: {exc}"
            trial.set_user_attr("error", reason)
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            failures += 1
            logging.getLogger(__name__).warning("study %s: trial %d failed (%s); retrying", name, trial.number,
                                                reason)
            if failures > max_failures:
                raise HarnessError(f"tuning {method_cls.name!r}: {failures} trials failed; last: {reason}") from None
    # the first `trials` finished trials decide, so that a study extended by a later, longer
    # request does not change the result of this one
    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    counted = sorted((t for t in study.trials if t.state in done), key=lambda t: t.number)[:trials]
    complete = [t for t in counted if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise HarnessError(f"tuning {method_cls.name!r}: every trial was pruned or failed")
    best = max(complete, key=lambda t: (t.value, -t.number))
    states = [t.state.name.lower() for t in counted] + ["fail"] * sum(
        t.state == optuna.trial.TrialState.FAIL for t in study.trials)
    summary = {
        "study": name, "trials": trials, "in_study": _finished(study),
        "complete": states.count("complete"), "pruned": states.count("pruned"), "failed": states.count("fail"),
        "best_trial": best.number, "best_value": best.value, "tuned": sorted(free),
        "storage": storage_url.split("://", 1)[0],
    }
    return {**base, **best.params}, summary


def _finished(study: optuna.Study) -> int:
    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return sum(t.state in done for t in study.trials)
