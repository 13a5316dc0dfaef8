"""Running a request: load corpora, extract features once, split, fit, evaluate, store.

The runner owns every loop.  Per experiment it harmonises labels (the
intersection of the corpora's label sets, with a report of what was dropped),
extracts features through the content-keyed cache, builds and checks the folds,
then runs each method x fold x seed job whose record is not in the store yet.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from . import space as hspace
from .data import Corpus, Item
from .errors import HarnessError
from .features import FeatureCache, extract_features
from .jobs import DEFAULT_FEATURES, Experiment, JobSpec, RunRequest, make_protocol, plan_experiments
from .labels import shared_labels
from .method import BUDGETS, FeatureSet
from .metrics import classification_metrics
from .normalize import NORMS, standardise
from .paths import default_cache_dir
from .protocols import Fold, SpeakerDisjointKFold, check_fold
from .provenance import git_commit, package_versions
from .registry import Registry, default_registry
from .store import JobRecord, Prediction, ResultsStore


@dataclass
class Prepared:
    """One experiment's data, ready for its jobs."""

    experiment: Experiment
    items: dict[str, Item]
    labels: tuple[str, ...]
    features: dict[str, np.ndarray]
    folds: list[Fold]
    fingerprints: dict[str, str]
    feature_identity: dict
    report: dict


@dataclass
class RunOutcome:
    job_ids: list[str] = field(default_factory=list)
    ran: int = 0
    skipped: int = 0
    experiments: list[Prepared] = field(default_factory=list)
    wall_time: float = 0.0


def log(message: str) -> None:
    print(message, file=sys.stderr)


class Runner:
    def __init__(self, request: RunRequest, registry: Registry | None = None):
        self.request = request
        self.registry = registry or default_registry()
        self.cache = FeatureCache((request.cache or default_cache_dir()) / "features")
        self._corpora: dict[str, Corpus] = {}
        self._features: dict[tuple, tuple[dict, dict, dict]] = {}  # features, report, identity
        self._validate()

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
        for m in r.hparams:
            if m not in r.methods:
                raise HarnessError(f"hyperparameters given for {m!r}, which is not run")
        self.hparams = {m: hspace.resolve(m, self.registry.method(m).space, r.hparams.get(m, {}))
                        for m in r.methods}

    # -- data -----------------------------------------------------------
    def corpus(self, name: str) -> Corpus:
        if name not in self._corpora:
            cls = self.registry.corpus(name)
            explicit = self.request.corpus_paths.get(name)
            self._corpora[name] = cls.locate(self.request.data_root, explicit)
        return self._corpora[name]

    def _modality(self, corpora: list[Corpus]) -> str:
        if self.request.modality:
            for c in corpora:
                if self.request.modality not in c.modalities:
                    raise HarnessError(f"corpus {c.name!r} has no {self.request.modality} modality "
                                       f"(it has {', '.join(c.modalities)})")
            return self.request.modality
        common = [m for m in corpora[0].modalities if all(m in c.modalities for c in corpora)]
        if not common:
            raise HarnessError(f"corpora {[c.name for c in corpora]} share no modality")
        return "audio" if "audio" in common else common[0]

    def _extract(self, corpus: Corpus, modality: str):
        name = self.request.features.get(modality, DEFAULT_FEATURES.get(modality))
        if name is None:
            raise HarnessError(f"no feature extractor for modality {modality!r}; pass --features {modality}=NAME")
        extractor = self.registry.feature(name)()
        if extractor.modality != modality:
            raise HarnessError(f"feature extractor {name!r} reads {extractor.modality}, not {modality}")
        key = (corpus.name, modality, name)
        if key not in self._features:
            feats, report = extract_features(corpus.items(), extractor, self.cache,
                                             skip_unreadable=self.request.skip_unreadable,
                                             workers=self.request.workers, progress=self.request.progress)
            for line in report.lines():
                log(f"[{corpus.name}] {line}")
            self._features[key] = (feats, report.as_dict(), extractor.identity())
        return self._features[key]

    def prepare(self, experiment: Experiment) -> Prepared:
        corpora = [self.corpus(n) for n in experiment.corpora]
        labels = shared_labels([c.labels for c in corpora]
                               + ([experiment.labels] if experiment.labels is not None else []))
        if len(labels) < 2:
            raise HarnessError(f"corpora {experiment.corpora} share fewer than two labels: {labels}")
        modality = self._modality(corpora)
        report: dict = {"modality": modality, "labels": list(labels), "dropped": {}, "extraction": {}}
        items_by_corpus: dict[str, list[Item]] = {}
        features: dict[str, np.ndarray] = {}
        identity: dict = {}
        for c in corpora:
            feats, extraction, identity = self._extract(c, modality)
            report["extraction"][c.name] = extraction
            kept, dropped = [], Counter()
            for it in c.items():
                if it.label not in labels:
                    dropped[str(it.label)] += 1
                elif it.key in feats:
                    kept.append(it)
                    features[it.key] = feats[it.key]
            if dropped:
                report["dropped"][c.name] = dict(sorted(dropped.items()))
                log(f"[{c.name}] labels outside the shared set {list(labels)}: dropped "
                    + ", ".join(f"{n} {lab}" for lab, n in sorted(dropped.items()))
                    + f" ({sum(dropped.values())} items)")
            items_by_corpus[c.name] = kept
        protocol = make_protocol(experiment, self.request.folds)
        if experiment.role == "reference" and isinstance(protocol, SpeakerDisjointKFold):
            n_spk = len({it.speaker for it in items_by_corpus[experiment.test_corpus]})
            protocol = SpeakerDisjointKFold(max(2, min(self.request.folds, n_spk)))
        folds = protocol.folds(items_by_corpus, self.request.split_seed)
        items = {it.key: it for its in items_by_corpus.values() for it in its}
        for fold in folds:
            check_fold(fold, items)
        report["folds"] = {f.name: {**f.sizes(), "valid_grouping": f.valid_grouping} for f in folds}
        return Prepared(experiment, items, labels, features, folds,
                        {c.name: c.fingerprint() for c in corpora}, identity, report)

    # -- jobs -----------------------------------------------------------
    def specs(self, prep: Prepared) -> list[tuple[JobSpec, Fold]]:
        r, e = self.request, prep.experiment
        return [
            (JobSpec(method=m, hparams=self.hparams[m], protocol=e.protocol,
                     train_corpora=e.train_corpora, test_corpus=e.test_corpus, fold=fold.name,
                     split_seed=r.split_seed, model_seed=seed, modality=prep.report["modality"],
                     features=prep.feature_identity, norm=r.norm, budget=r.budget,
                     labels=prep.labels, data=prep.fingerprints), fold)
            for m in r.methods for fold in prep.folds for seed in range(r.seeds)
        ]

    def feature_sets(self, prep: Prepared, fold: Fold) -> dict[str, FeatureSet]:
        parts = {"train": fold.train, "valid": fold.valid, "test": fold.test}
        index = {lab: i for i, lab in enumerate(prep.labels)}
        x = {p: np.stack([prep.features[k] for k in keys]) for p, keys in parts.items()}
        speakers = {p: [prep.items[k].speaker_key for k in keys] for p, keys in parts.items()}
        x = standardise(x, speakers, self.request.norm)
        return {
            p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                          domains=[prep.items[k].corpus for k in keys], labels=prep.labels,
                          y=np.array([index[prep.items[k].label] for k in keys], dtype=np.int64))
            for p, keys in parts.items()
        }

    def run_job(self, spec: JobSpec, fold: Fold, prep: Prepared) -> tuple[JobRecord, list[Prediction]]:
        start = time.perf_counter()
        data = self.feature_sets(prep, fold)
        method = self.registry.method(spec.method)(spec.hparams, seed=spec.model_seed, budget=spec.budget)
        training = method.fit(data["train"], data["valid"]) or {}
        test = data["test"]
        posteriors = np.asarray(method.predict(test), dtype=np.float64)
        if posteriors.shape != (len(test), test.n_classes):
            raise HarnessError(f"method {spec.method!r} returned posteriors of shape {posteriors.shape}, "
                               f"expected {(len(test), test.n_classes)}")
        pred = posteriors.argmax(axis=1)
        metrics = classification_metrics(test.y, pred, list(prep.labels), posteriors)
        predictions = [Prediction(k, prep.items[k].speaker, prep.items[k].label, prep.labels[p], list(row))
                       for k, p, row in zip(test.keys, pred, posteriors)]
        report = {**prep.report, "fold_sizes": fold.sizes(), "valid_grouping": fold.valid_grouping,
                  "training": _plain(training), "role": prep.experiment.role}
        record = JobRecord(
            job_id=spec.job_id, config=spec.config(), method=spec.method, protocol=spec.protocol,
            train_corpora=list(spec.train_corpora), test_corpus=spec.test_corpus, fold=spec.fold,
            split_seed=spec.split_seed, model_seed=spec.model_seed, hparams=spec.hparams,
            metrics=metrics, report=report, versions=package_versions(), git_commit=git_commit(),
            wall_time=time.perf_counter() - start)
        return record, predictions

    def run(self) -> RunOutcome:
        start = time.perf_counter()
        # one intra-op thread per job: the networks are small and thread hand-offs cost more
        # than they save; parallelism belongs to the executor (jobs) and to feature extraction
        torch.set_num_threads(1)
        store = ResultsStore(self.request.results)
        outcome = RunOutcome()
        experiments = plan_experiments(self.request, lambda c: self.registry.corpus(c).labels)
        prepared = [self.prepare(e) for e in experiments]
        jobs = [(spec, fold, prep) for prep in prepared for spec, fold in self.specs(prep)]
        done = store.done_ids()
        todo = [j for j in jobs if j[0].job_id not in done]
        outcome.skipped = len(jobs) - len(todo)
        if outcome.skipped:
            log(f"{outcome.skipped} of {len(jobs)} job(s) already in {store.path}; running {len(todo)}")
        for spec, fold, prep in tqdm(todo, desc="jobs", unit="job", disable=not self.request.progress):
            record, predictions = self.run_job(spec, fold, prep)
            if store.save(record, predictions):
                outcome.ran += 1
        outcome.job_ids = list(dict.fromkeys(spec.job_id for spec, _, _ in jobs))
        outcome.experiments = prepared
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
