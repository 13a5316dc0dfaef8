"""Running a request: plan, prepare the data, then fit, evaluate and store each job.

The runner owns the loops.  Jobs whose record is already in the store are not
run again, so an interrupted run resumes where it stopped.  A job that appears
in several experiments (a within-corpus run that is also a cross-corpus
reference) runs once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from . import space as hspace
from .errors import HarnessError
from .features import FeatureCache
from .jobs import JobSpec, RunRequest, plan_experiments
from .method import BUDGETS, FeatureSet
from .auxiliary import auxiliary_sets
from .digest import derive_seed
from .metrics import PRIMARY_METRIC, classification_metrics
from .normalize import NORMS, standardise
from .paths import default_cache_dir
from .preparation import DataPreparer, Prepared, log
from .protocols import Fold
from .provenance import git_commit, package_versions
from .registry import Registry, default_registry
from .store import JobRecord, Prediction, ResultsStore
from .tuning import default_storage, study_name, tune


@dataclass
class RunOutcome:
    job_ids: list[str] = field(default_factory=list)
    #: job id -> "main" or "reference" (a cross-corpus target's within-corpus score)
    roles: dict[str, str] = field(default_factory=dict)
    ran: int = 0
    skipped: int = 0
    synthetic: set[str] = field(default_factory=set)
    wall_time: float = 0.0


class Runner:
    def __init__(self, request: RunRequest, registry: Registry | None = None):
        self.request = request
        self.registry = registry or default_registry()
        self._validate()
        cache = FeatureCache((request.cache or default_cache_dir()) / "features")
        self._auxiliary: dict = {}
        self.data = DataPreparer(request, self.registry, cache)

    def _validate(self) -> None:
        r = self.request
        if not r.methods:
            raise HarnessError("no method given (--method NAME); known methods: "
                               + ", ".join(self.registry.names("methods")))
        for m in r.methods:
            self.registry.method(m)
        for c in dict.fromkeys(r.corpora + r.sources + r.targets):
            self.registry.corpus(c)
        if r.norm not in NORMS:
            raise HarnessError(f"unknown --norm {r.norm!r}; known: {', '.join(NORMS)}")
        if r.budget not in BUDGETS:
            raise HarnessError(f"unknown --budget {r.budget!r}; known: {', '.join(BUDGETS)}")
        if r.seeds < 1:
            raise HarnessError(f"--seeds must be at least 1 (got {r.seeds})")
        if r.folds < 2:
            raise HarnessError(f"--folds must be at least 2 (got {r.folds})")
        if not 0 <= r.split_seed < 2**32:
            raise HarnessError(f"--split-seed must be in [0, 2**32) (got {r.split_seed})")
        named = set(r.corpora + r.sources + r.targets)
        for name in r.corpus_paths:
            if name not in named:
                raise HarnessError(f"--corpus-path {name}=...: {name!r} is not a corpus of this run "
                                   f"({', '.join(sorted(named)) or 'none'})")
        for m in r.hparams:
            if m not in r.methods:
                raise HarnessError(f"hyperparameters given for {m!r}, which is not run")
        self.hparams = {m: hspace.resolve(m, self.registry.method(m).space, r.hparams.get(m, {}))
                        for m in r.methods}
        self.supervised = any(self.registry.method(m).uses_target_labels for m in r.methods)
        if self.supervised:
            within = [p for p in r.protocols if p not in ("cross", "multi", "cross-adapt", "multi-adapt")]
            if within:
                users = [m for m in r.methods if self.registry.method(m).uses_target_labels]
                raise HarnessError(f"method(s) {users} train with labelled target data and run under the "
                                   f"cross-corpus protocols only (cross, multi, which then hold out a labelled "
                                   f"adaptation part of the target); not under {within}")
        if r.aux_corpus is not None:
            self.registry.corpus(r.aux_corpus)
            if not any(self.registry.method(m).uses_auxiliary for m in r.methods):
                raise HarnessError("--aux-corpus is given but no method of the run uses an auxiliary modality")
        if not 0 < r.adapt_fraction < 1:
            raise HarnessError(f"--adapt-fraction must be in (0, 1) (got {r.adapt_fraction})")
        if r.trials < 0:
            raise HarnessError(f"--trials must be 0 (no tuning) or more (got {r.trials})")
        self.tuning = {m: None if r.trials == 0 else
                       {"trials": r.trials, "fixed": {k: self.hparams[m][k] for k in r.hparams.get(m, {})}}
                       for m in r.methods}

    def specs(self, prep: Prepared) -> list[tuple[JobSpec, Fold]]:
        r, e = self.request, prep.experiment
        return [
            (JobSpec(method=m, method_version=self.registry.method(m).version, hparams=self.hparams[m],
                     protocol=e.protocol, train_corpora=e.train_corpora, test_corpus=e.test_corpus,
                     fold=fold.name, fold_digest=fold.digest(), split_seed=r.split_seed, model_seed=seed,
                     modality=prep.report["modality"], features=prep.feature_identity, norm=r.norm,
                     budget=r.budget, refit=r.refit and self.registry.method(m).refits(),
                     labels=prep.labels, data=prep.fingerprints, tuning=self.tuning[m],
                     auxiliary=self.auxiliary(prep, fold)[2] if self.registry.method(m).uses_auxiliary else None),
             fold)
            for m in r.methods for fold in prep.folds for seed in range(r.seeds)
            # methods that need labelled target data have no within-corpus reference
            if fold.adapt or not self.registry.method(m).uses_target_labels
        ]

    def feature_sets(self, prep: Prepared, fold: Fold, train_side: tuple[str, ...] = ("train",)
                     ) -> dict[str, FeatureSet]:
        """Train / valid / test feature sets of a fold, standardised as requested;
        global statistics come from the ``train_side`` parts only."""
        parts = fold.parts()
        index = {lab: i for i, lab in enumerate(prep.labels)}
        x = {p: np.stack([prep.features[k] for k in keys]) for p, keys in parts.items()}
        speakers = {p: [prep.items[k].speaker_key for k in keys] for p, keys in parts.items()}
        x = standardise(x, speakers, self.request.norm, train_side)
        return {
            p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                          domains=[prep.items[k].corpus for k in keys], labels=prep.labels,
                          y=np.array([index[prep.items[k].label] for k in keys], dtype=np.int64),
                          target_domain=prep.experiment.test_corpus)
            for p, keys in parts.items()
        }

    def auxiliary(self, prep: Prepared, fold: Fold):
        """(aux train, aux valid, identity) of a fold for crossmodal methods, built once."""
        key = (prep.experiment, fold.name)
        if key not in self._auxiliary:
            self._auxiliary[key] = auxiliary_sets(self.data, prep, fold)
        return self._auxiliary[key]

    def training_data(self, prep: Prepared, fold: Fold, supervised: bool, refit: bool = False
                      ) -> tuple[FeatureSet, FeatureSet, FeatureSet]:
        """(train, valid, test) for one method.  Methods that use target labels also get the
        fold's adaptation part (labelled target items) and its validation part; for a refit
        the validation parts join the training side.  Global statistics come from the
        training side only."""
        side = ("train", "adapt") if supervised else ("train",)
        if refit:
            side += ("valid", "adapt_valid") if supervised else ("valid",)
        data = self.feature_sets(prep, fold, side)
        train, valid = data["train"], data["valid"]
        if supervised:
            train, valid = FeatureSet.concat(train, data["adapt"]), FeatureSet.concat(valid, data["adapt_valid"])
        return train, valid, data["test"]

    def run_job(self, spec: JobSpec, fold: Fold, prep: Prepared) -> tuple[JobRecord, list[Prediction]]:
        start = time.perf_counter()
        method_cls = self.registry.method(spec.method)
        supervised = bool(fold.adapt) and method_cls.uses_target_labels
        train, valid, test = self.training_data(prep, fold, supervised)
        if method_cls.uses_auxiliary:
            train.aux, valid.aux, _ = self.auxiliary(prep, fold)
        hparams, tuning = spec.hparams, None
        if spec.tuning:
            # the tuner sees the fold's training and validation parts, never its test part
            hparams, tuning = self.tune(spec, method_cls, train, valid)
        method = method_cls(hparams, seed=spec.model_seed, budget=spec.budget)
        training = {"selection": method.fit(train, valid) or {}}
        if spec.refit:
            if spec.norm == "global":
                # selection saw statistics of the training side only; the refit's training
                # side includes the validation parts, so global statistics are recomputed
                train, valid, test = self.training_data(prep, fold, supervised, refit=True)
                if method_cls.uses_auxiliary:
                    train.aux, valid.aux, _ = self.auxiliary(prep, fold)
            training["refit"] = method.refit(FeatureSet.concat(train, valid), training["selection"])
        posteriors = np.asarray(method.predict(test), dtype=np.float64)
        if posteriors.shape != (len(test), test.n_classes):
            raise HarnessError(f"method {spec.method!r} returned posteriors of shape {posteriors.shape}, "
                               f"expected {(len(test), test.n_classes)}")
        pred = posteriors.argmax(axis=1)
        metrics = classification_metrics(test.y, pred, list(prep.labels), posteriors)
        predictions = [Prediction(k, prep.items[k].speaker, prep.items[k].label, prep.labels[p], list(row))
                       for k, p, row in zip(test.keys, pred, posteriors)]
        report = {**prep.report, "fold_sizes": fold.sizes(), "valid_grouping": fold.valid_grouping,
                  "training": _plain(training), "target_labels_used": supervised}
        if tuning is not None:
            report["tuning"] = _plain(tuning)
        record = JobRecord(
            job_id=spec.job_id, config=spec.config(), method=spec.method, protocol=spec.protocol,
            train_corpora=list(spec.train_corpora), test_corpus=spec.test_corpus, fold=spec.fold,
            split_seed=spec.split_seed, model_seed=spec.model_seed, hparams=hparams,
            metrics=metrics, report=report, versions=package_versions(), git_commit=git_commit(),
            wall_time=time.perf_counter() - start)
        return record, predictions

    def tune(self, spec: JobSpec, method_cls, train: FeatureSet, valid: FeatureSet):
        """Best hyperparameters on the fold's inner validation part (one study per fold)."""
        identity = {**spec.study_identity(), "space": {k: repr(p) for k, p in method_cls.space.items()}}
        metric = PRIMARY_METRIC["classification"]

        def score(method, data: FeatureSet) -> float:
            pred = np.asarray(method.predict(data)).argmax(axis=1)
            return classification_metrics(data.y, pred, list(data.labels))[metric]

        return tune(method_cls, spec.tuning["fixed"], train, valid, score,
                    trials=spec.tuning["trials"], name=study_name(identity),
                    storage=self.request.storage or default_storage(self.request.results),
                    budget=spec.budget, seed=derive_seed("tune", spec.fold_digest, spec.split_seed))

    def run(self) -> RunOutcome:
        start = time.perf_counter()
        # one intra-op thread per job: the networks are small and thread hand-offs cost more
        # than they save; parallelism belongs to the executor (jobs) and to feature extraction
        torch.set_num_threads(1)
        outcome = RunOutcome()
        experiments = plan_experiments(self.request, lambda c: self.registry.corpus(c).labels,
                                       supervised=self.supervised)
        prepared = [self.data.prepare(e) for e in experiments]
        store = ResultsStore(self.request.results)  # only once the data are there
        jobs: dict[str, tuple[JobSpec, Fold, Prepared]] = {}
        for prep in prepared:
            for spec, fold in self.specs(prep):
                jobs.setdefault(spec.job_id, (spec, fold, prep))
                if outcome.roles.get(spec.job_id) != "main":
                    outcome.roles[spec.job_id] = prep.experiment.role
        done = store.done_ids()
        todo = [job for job_id, job in jobs.items() if job_id not in done]
        outcome.skipped = len(jobs) - len(todo)
        if outcome.skipped:
            log(f"{outcome.skipped} of {len(jobs)} job(s) already in {store.path}; running {len(todo)}")
        for spec, fold, prep in tqdm(todo, desc="jobs", unit="job", disable=not self.request.progress):
            record, predictions = self.run_job(spec, fold, prep)
            if store.save(record, predictions):
                outcome.ran += 1
        outcome.job_ids = list(jobs)
        outcome.synthetic = {name for name, c in self.data.corpora.items() if c.synthetic}
        outcome.wall_time = time.perf_counter() - start
        return outcome


def _plain(obj):
    """JSON-friendly copy (numpy scalars to Python)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
