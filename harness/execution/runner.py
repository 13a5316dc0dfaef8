"""Running a request: plan, prepare the data, then fit, evaluate and store each job.

The runner owns the loops.  Jobs whose record is already in the store are not
run again, so an interrupted run resumes where it stopped.  A job that appears
in several experiments (a within-corpus run that is also a cross-corpus
reference) runs once.
"""

from __future__ import annotations

import time

import numpy as np

from harness.data.code_digest import job_code
from harness.data.digest import derive_seed
from harness.data.targets import stack_targets
from harness.errors import HarnessError
from harness.execution.evaluation import checked_outputs, metrics_of, predictions_of, segment_metrics
from harness.execution.sweep import SweepOptions, SweepOutcome, run_sweep
from harness.experiment.auxiliary import auxiliary_sets
from harness.experiment.jobs import JobSpec, RunRequest
from harness.experiment.preparation import DataPreparer, Prepared
from harness.experiment.pretraining import parse_spec, pretraining_sets
from harness.experiment.protocols import ADAPT_PROTOCOLS, CROSS_PROTOCOLS, TRANSDUCTIVE_PROTOCOLS, Fold
from harness.experiment.split_file import read_split
from harness.features.cache import FeatureCache
from harness.features.normalize import NORMS, NormReport, standardise
from harness.learning import space as hspace
from harness.learning.method import BUDGETS, FeatureSet
from harness.learning.metrics import PRIMARY_METRIC
from harness.learning.postprocess import apply_chain, choose_chain
from harness.learning.studies import check_storage
from harness.learning.tuning import default_storage, study_name, tune
from harness.paths import default_cache_dir
from harness.registry import Registry, default_registry
from harness.results.provenance import git_commit, package_versions
from harness.results.store import JobRecord, Prediction


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
        labelled = [m for m in r.methods if self.registry.method(m).uses_target_labels]
        unlabelled = [m for m in r.methods if self.registry.method(m).uses_target_features]
        #: a method of the run uses target data: cross/multi hold out the target's adaptation part
        self.adapting = bool(labelled or unlabelled)
        self.supervised = bool(labelled)
        within = [p for p in r.protocols if p not in CROSS_PROTOCOLS + ADAPT_PROTOCOLS + TRANSDUCTIVE_PROTOCOLS]
        if labelled and within:
            raise HarnessError(f"method(s) {labelled} train with labelled target data and run under the "
                               f"cross-corpus protocols only (cross, multi, which then hold out a labelled "
                               f"adaptation part of the target); not under {within}")
        if unlabelled and within:
            raise HarnessError(f"method(s) {unlabelled} adapt to a target corpus (unlabelled target features) and "
                               f"run under the cross-corpus protocols only (cross, multi: an unlabelled adaptation "
                               f"part of the target; cross-transductive: its test items); not under {within}")
        transductive = [p for p in r.protocols if p in TRANSDUCTIVE_PROTOCOLS]
        if labelled and transductive:
            raise HarnessError(f"method(s) {labelled} need labelled target data, which {transductive} do not hold "
                               f"out (the whole target is tested); use cross / multi")
        if r.aux_corpus is not None:
            self.registry.corpus(r.aux_corpus)
            if not any(self.registry.method(m).uses_auxiliary for m in r.methods):
                raise HarnessError("--aux-corpus is given but no method of the run uses an auxiliary modality")
        if not 0 < r.adapt_fraction < 1:
            raise HarnessError(f"--adapt-fraction must be in (0, 1) (got {r.adapt_fraction})")
        for spec in r.pretrain:
            self.registry.corpus(parse_spec(spec)[0])
        if r.pretrain and not any(self.registry.method(m).uses_pretraining for m in r.methods):
            raise HarnessError("--pretrain is given but no method of the run trains in stages (e.g. jdcd)")
        if "given" in r.protocols:
            if bool(r.split_file) == bool(r.test_speakers):
                raise HarnessError("--protocol given needs either --split-file CSV or --test-speakers S1,S2,...")
            if r.split_file is not None:
                read_split(r.split_file)  # a malformed table: an error before any work
        elif r.split_file or r.test_speakers:
            raise HarnessError("--split-file / --test-speakers belong to --protocol given")
        if r.annotation_delay < 0:
            raise HarnessError(f"--annotation-delay must be 0 or more seconds (got {r.annotation_delay})")
        if r.trials < 0:
            raise HarnessError(f"--trials must be 0 (no tuning) or more (got {r.trials})")
        if r.trials and r.storage:
            # driver, server, credentials and Optuna's tables: checked before any job runs
            r.storage = check_storage(r.storage)
        self.tuning = {m: None if r.trials == 0 else
                       {"trials": r.trials, "fixed": {k: self.hparams[m][k] for k in r.hparams.get(m, {})}}
                       for m in r.methods}

    def check_methods(self, prep: Prepared) -> None:
        """Every method of the run accepts the experiment's feature kind and task."""
        for m in self.request.methods:
            cls = self.registry.method(m)
            if prep.kind not in cls.accepted_inputs():
                raise HarnessError(
                    f"method {m!r} reads {'/'.join(cls.accepted_inputs())} features, but "
                    f"{prep.feature_identity.get('name')!r} gives {prep.kind} features; choose an extractor "
                    f"of a kind it reads (harness list features), e.g. --features "
                    f"{prep.report['modality']}=NAME")
            if prep.task not in cls.tasks:
                raise HarnessError(f"method {m!r} does {'/'.join(cls.tasks)}, not {prep.task} "
                                   f"({'/'.join(prep.dimensions)} of {', '.join(prep.experiment.corpora)})")
        if self.request.postprocess and not prep.report.get("time_continuous"):
            raise HarnessError("--postprocess applies to time-continuous regression targets (RECOLA) only")

    def regression(self, prep: Prepared) -> dict | None:
        if prep.task != "regression":
            return None
        out = {"dimensions": list(prep.dimensions)}
        if prep.report.get("time_continuous"):
            out.update(annotation_delay=self.request.annotation_delay, postprocess=self.request.postprocess)
        return out

    def specs(self, prep: Prepared) -> list[tuple[JobSpec, Fold]]:
        r = self.request
        self.check_methods(prep)
        return [(self.spec(m, prep, fold, seed), fold)
                for m in r.methods for fold in prep.folds for seed in range(r.seeds)
                if self.runs_on(self.registry.method(m), prep, fold)]

    @staticmethod
    def runs_on(cls, prep: Prepared, fold: Fold) -> bool:
        """Whether a method has a job on a fold: methods that need target data (labels or features)
        have none on a within-corpus reference, which holds no target data for them."""
        if fold.adapt:
            return True
        if cls.uses_target_labels:
            return False
        return not cls.uses_target_features or prep.experiment.protocol in TRANSDUCTIVE_PROTOCOLS

    def spec(self, method: str, prep: Prepared, fold: Fold, seed: int) -> JobSpec:
        """The job of ``method`` on ``fold`` with model seed ``seed``."""
        r, e, cls = self.request, prep.experiment, self.registry.method(method)
        auxiliary = self.auxiliary(prep, fold)[2] if cls.uses_auxiliary else None
        pretraining = (self.pretraining(prep, fold, cls.uses_target_labels)[1]
                       if r.pretrain and cls.uses_pretraining else None)
        extractors = [self.registry.feature(n) for n in _extractor_names([prep.feature_identity, auxiliary,
                                                                         pretraining])]
        return JobSpec(method=method, method_version=cls.version, hparams=self.hparams[method],
                       protocol=e.protocol, train_corpora=e.train_corpora, test_corpus=e.test_corpus,
                       fold=fold.name, fold_digest=fold.digest(), split_seed=r.split_seed, model_seed=seed,
                       modality=prep.report["modality"], features=prep.feature_identity, norm=r.norm,
                       # RECOLA's post-processing chain is chosen on the selected model's validation outputs, so
                       # the model it is applied to must be that one: --postprocess keeps it (no refit)
                       budget=r.budget, refit=r.refit and cls.refits() and not r.postprocess, labels=prep.labels,
                       data=prep.fingerprints, tuning=self.tuning[method], auxiliary=auxiliary,
                       regression=self.regression(prep), pretraining=pretraining,
                       code=job_code(cls, extractors), grouping=_grouping(fold),
                       target_data=self.target_data(cls, prep, fold))

    def target_data(self, cls, prep: Prepared, fold: Fold) -> dict | None:
        """What of the target corpus a method sees beyond the sources (None: nothing), for its config."""
        if prep.experiment.protocol not in CROSS_PROTOCOLS + ADAPT_PROTOCOLS + TRANSDUCTIVE_PROTOCOLS:
            return None
        out = {}
        if cls.uses_target_labels and fold.adapt:
            out["labels"] = "adaptation part"
        if cls.uses_target_features:
            out["features"] = "unlabelled adaptation part" if fold.adapt else "test items (transductive)"
        if self.request.norm == "corpus":
            out["normalisation"] = "adaptation part" if fold.adapt else "test items (transductive)"
        elif self.request.norm == "speaker":
            out["normalisation"] = "test speakers' own features (transductive)"
        return out or None

    def feature_sets(self, prep: Prepared, fold: Fold, train_side: tuple[str, ...] = ("train",)
                     ) -> tuple[dict[str, FeatureSet], NormReport]:
        """Train / valid / test feature sets of a fold, standardised as requested (training
        statistics come from the ``train_side`` parts only), and what standardisation did."""
        parts = fold.parts()
        index = {lab: i for i, lab in enumerate(prep.labels)}
        if prep.kind == "vector":
            x = {p: np.stack([prep.features[k] for k in keys]) for p, keys in parts.items()}
        else:  # ragged: one (T_i, D) sequence or (S_i, ...) segment stack per item
            x = {p: [prep.features[k] for k in keys] for p, keys in parts.items()}
        speakers = {p: [prep.items[k].speaker_key for k in keys] for p, keys in parts.items()}
        domains = {p: [prep.items[k].corpus for k in keys] for p, keys in parts.items()}
        # corpus statistics: each training corpus from the training side; the target corpus from its
        # adaptation part where the fold has one (inductive), else from its test items (transductive)
        target = prep.experiment.test_corpus
        own = {c: train_side for c in prep.experiment.train_corpora if c != target}
        own[target] = ("adapt", "adapt_valid") if fold.adapt else \
            (train_side if target in prep.experiment.train_corpora else ("test",))
        x, norm = standardise(x, speakers, self.request.norm, train_side, domains=domains, pooled=prep.norm_pooled,
                              own_parts=own)
        return {p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                              domains=[prep.items[k].corpus for k in keys], labels=prep.labels,
                              y=None if prep.task == "regression" else
                              np.array([index[prep.items[k].label] for k in keys], dtype=np.int64),
                              targets=_targets(prep, keys), dimensions=prep.dimensions,
                              target_domain=prep.experiment.test_corpus, kind=prep.kind)
                for p, keys in parts.items()}, norm

    def pretraining(self, prep: Prepared, fold: Fold, target_labels: bool = False):
        """(pre-training sets, identity) of a fold for staged methods, built once; methods
        that use target labels may pre-train on the target's adaptation part."""
        target_labels = target_labels and bool(fold.adapt)
        key = (prep.experiment, fold.name, "pretraining", target_labels)
        if key not in self._auxiliary:
            self._auxiliary[key] = pretraining_sets(self.data, prep, fold, self.request.pretrain, target_labels)
        return self._auxiliary[key]

    def auxiliary(self, prep: Prepared, fold: Fold):
        """(aux train, aux valid, identity) of a fold for crossmodal methods, built once."""
        key = (prep.experiment, fold.name)
        if key not in self._auxiliary:
            self._auxiliary[key] = auxiliary_sets(self.data, prep, fold)
        return self._auxiliary[key]

    def training_data(self, prep: Prepared, fold: Fold, supervised: bool, refit: bool = False,
                      unsupervised: bool = False) -> tuple[FeatureSet, FeatureSet, FeatureSet, NormReport]:
        """(train, valid, test) for one method.  Methods that use target labels also get the
        fold's adaptation part (labelled target items) and its validation part; for a refit
        the validation parts join the training side.  Global statistics come from the
        training side only."""
        side = ("train", "adapt") if supervised else ("train",)
        if refit:
            side += ("valid", "adapt_valid") if supervised else ("valid",)
        data, norm = self.feature_sets(prep, fold, side)
        train, valid = data["train"], data["valid"]
        if supervised:
            train, valid = FeatureSet.concat(train, data["adapt"]), FeatureSet.concat(valid, data["adapt_valid"])
        if unsupervised:
            # features of the target's adaptation part (or, transductive, of its test items): labels removed
            target = FeatureSet.concat(data["adapt"], data["adapt_valid"]) if fold.adapt else data["test"]
            train.unlabelled = target.without_labels()
        return train, valid, data["test"], norm

    def run_job(self, spec: JobSpec, fold: Fold, prep: Prepared) -> tuple[JobRecord, list[Prediction]]:
        start = time.perf_counter()
        method_cls = self.registry.method(spec.method)
        supervised = bool(fold.adapt) and method_cls.uses_target_labels
        unsupervised = method_cls.uses_target_features and (
            bool(fold.adapt) or prep.experiment.protocol in TRANSDUCTIVE_PROTOCOLS)
        train, valid, test, norm = self.training_data(prep, fold, supervised, unsupervised=unsupervised)
        if method_cls.uses_auxiliary:
            train.aux, valid.aux, _ = self.auxiliary(prep, fold)
        if method_cls.uses_pretraining and self.request.pretrain:
            train.extra = self.pretraining(prep, fold, supervised)[0]
        hparams, tuning = spec.hparams, None
        if spec.tuning:
            # the tuner sees the fold's training and validation parts, never its test part
            hparams, tuning = self.tune(spec, method_cls, train, valid)
        method = method_cls(hparams, seed=spec.model_seed, budget=spec.budget)
        training = {"selection": method.fit(train, valid) or {}}
        # the validation part as predicted by the model selected on it (before any refit):
        # what decision-level fusion and the post-processing chain are fitted on
        valid_out = checked_outputs(spec.method, valid, method.predict(valid)) if len(valid) else None
        # the test part as predicted by that same selected model, when a refit replaces it: decision-level
        # fusion is applied to the model its weights were fitted for (harness/analysis/fuse.py)
        selected_test = checked_outputs(spec.method, test, method.predict(test)) \
            if spec.refit and valid_out is not None and spec.regression is None else None
        if spec.refit:
            if spec.norm in ("global", "corpus"):
                # selection saw statistics of the training side only; the refit's training
                # side includes the validation parts, so global statistics are recomputed
                train, valid, test, norm = self.training_data(prep, fold, supervised, refit=True,
                                                              unsupervised=unsupervised)
                if method_cls.uses_auxiliary:
                    train.aux, valid.aux, _ = self.auxiliary(prep, fold)
                if method_cls.uses_pretraining and self.request.pretrain:
                    train.extra = self.pretraining(prep, fold, supervised)[0]
            training["refit"] = method.refit(FeatureSet.concat(train, valid), training["selection"])
        method.segment_scores = None
        outputs = checked_outputs(spec.method, test, method.predict(test))
        segments = method.segment_scores
        report = {**prep.report, "fold_sizes": fold.sizes(), "valid_grouping": fold.valid_grouping,
                  "test_grouping": fold.test_grouping, "training": _plain(training),
                  "target_labels_used": supervised, "target_features_used": unsupervised,
                  "selection": method_cls.selection, "normalisation": norm.as_dict()}
        if (spec.regression or {}).get("postprocess"):
            if valid_out is None:
                raise HarnessError(f"{spec.fold}: --postprocess needs a validation part")
            step = prep.items[test.keys[0]].series_step
            chain = choose_chain(valid_out, valid.targets, train.targets, prep.dimensions, step)
            report["postprocess"] = {"raw": metrics_of(test, outputs), "chain": chain}
            outputs = apply_chain(chain, outputs, prep.dimensions)
        metrics = metrics_of(test, outputs)
        if segments is not None and prep.kind == "segments":
            metrics.update(segment_metrics(test, *segments))
        predictions = predictions_of(test, outputs, prep.items)
        if valid_out is not None:
            predictions += predictions_of(valid, valid_out, prep.items, part="valid")
        if selected_test is not None:
            predictions += predictions_of(test, selected_test, prep.items, part="test_selected")
        if tuning is not None:
            report["tuning"] = _plain(tuning)
        record = JobRecord(
            job_id=spec.job_id, config=spec.config(), method=spec.method, protocol=spec.protocol,
            train_corpora=list(spec.train_corpora), test_corpus=spec.test_corpus, fold=spec.fold,
            split_seed=spec.split_seed, model_seed=spec.model_seed, hparams=hparams,
            metrics=metrics, report=report, versions=package_versions(), git_commit=git_commit(),
            wall_time=time.perf_counter() - start, config_key=spec.config_key)
        return record, predictions

    def tune(self, spec: JobSpec, method_cls, train: FeatureSet, valid: FeatureSet):
        """Best hyperparameters on the fold's inner validation part (one study per fold)."""
        identity = {**spec.study_identity(), "space": {k: repr(p) for k, p in method_cls.space.items()}}
        metric = PRIMARY_METRIC["classification" if spec.regression is None else "regression"]

        def score(method, data: FeatureSet) -> float:
            return metrics_of(data, checked_outputs(spec.method, data, method.predict(data)))[metric]

        return tune(method_cls, spec.tuning["fixed"], train, valid, score,
                    trials=spec.tuning["trials"], name=study_name(identity),
                    storage=self.request.storage or default_storage(self.request.results),
                    budget=spec.budget, seed=derive_seed("tune", spec.fold_digest, spec.split_seed))

    def run(self, options: SweepOptions | None = None) -> SweepOutcome:
        """Run every job of the request not yet stored, as one sweep (see :mod:`harness.execution.sweep`:
        plan, claims, executors, devices)."""
        return run_sweep(self, options)


def _plain(obj):
    """JSON-friendly copy (numpy scalars to Python)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _grouping(fold: Fold) -> dict | None:
    """How a fold's parts were drawn, when not speaker-disjoint throughout (part of the job's config)."""
    out = {}
    if fold.valid_grouping == "item":
        out["valid"] = "item"
    if fold.test_grouping != "speaker":
        out["test"] = fold.test_grouping
    return out or None


def _extractor_names(identities) -> list[str]:
    """Names of the feature extractors found in (nested) extractor identities."""
    found: list[str] = []
    for ident in identities:
        if isinstance(ident, dict):
            if {"name", "version", "params"} <= set(ident):
                found.append(ident["name"])
            else:
                found += _extractor_names(ident.values())
        elif isinstance(ident, (list, tuple)):
            found += _extractor_names(ident)
    return sorted(set(found))


def _targets(prep: Prepared, keys) -> np.ndarray | list | None:
    """Regression targets of ``keys``: (N, K) utterance values or a list of (T_i, K) series."""
    if prep.targets is None:
        return None
    return stack_targets([prep.targets[k] for k in keys], len(prep.dimensions))
