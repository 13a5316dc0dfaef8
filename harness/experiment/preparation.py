"""Preparing an experiment's data: corpora, shared labels, features, folds.

For one experiment (a protocol over some corpora) this module locates the
corpora, restricts them to the labels they share (reporting what was dropped),
extracts features through the content-keyed cache (once per corpus, modality
and extractor, however many experiments use them) and builds the folds, each
checked for leakage.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

import numpy as np

from harness.data.corpus import Corpus, Item
from harness.data.labels import shared_labels
from harness.data.targets import align_series, choose_task, item_target
from harness.errors import HarnessError
from harness.experiment.jobs import DEFAULT_FEATURES, Experiment, RunRequest
from harness.experiment.protocols import (
    CrossCorpus,
    Fold,
    LeaveOneSpeakerOut,
    OfficialSplit,
    Protocol,
    SpeakerDisjointKFold,
    SupervisedAdaptation,
    check_fold,
)
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.registry import Registry


def log(message: str) -> None:
    print(message, file=sys.stderr)


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
    #: ``classification`` or ``regression`` (harness/data/targets.py)
    task: str = "classification"
    #: regression: the dimensions predicted, and per item its (K,) values or (T, K) series
    dimensions: tuple[str, ...] = ()
    targets: dict[str, np.ndarray] | None = None
    #: the features' kind: ``vector``, ``sequence`` or ``segments``
    kind: str = "vector"


def make_protocol(experiment: Experiment, folds: int, items_by_corpus: dict[str, list[Item]],
                  adapt_fraction: float = 0.2) -> Protocol:
    """The protocol object of an experiment.  A cross-corpus reference uses at most
    as many folds as its target has speakers."""
    if experiment.protocol == "within":
        if experiment.role == "reference":
            n_speakers = len({it.speaker for it in items_by_corpus[experiment.test_corpus]})
            folds = max(2, min(folds, n_speakers))
        return SpeakerDisjointKFold(folds)
    if experiment.protocol == "loso":
        return LeaveOneSpeakerOut()
    if experiment.protocol == "split":
        return OfficialSplit()
    if experiment.protocol.endswith("-adapt"):
        return SupervisedAdaptation(experiment.train_corpora, experiment.test_corpus, adapt_fraction)
    return CrossCorpus(experiment.train_corpora, experiment.test_corpus)


class DataPreparer:
    def __init__(self, request: RunRequest, registry: Registry, cache: FeatureCache):
        self.request = request
        self.registry = registry
        self.cache = cache
        self.corpora: dict[str, Corpus] = {}
        self._features: dict[tuple, tuple[dict, dict, dict]] = {}  # features, report, identity
        self._said: set[str] = set()

    def say_once(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            log(message)

    def corpus(self, name: str) -> Corpus:
        if name not in self.corpora:
            cls = self.registry.corpus(name)
            corpus = cls.locate(self.request.data_root, self.request.corpus_paths.get(name))
            corpus.items()
            for note in corpus.notes + corpus.check_counts() + corpus.log.lines():
                log(f"[{name}] {note}")
            self.corpora[name] = corpus
        return self.corpora[name]

    def modality(self, corpora: list[Corpus]) -> str:
        wanted = self.request.modality
        if wanted:
            for c in corpora:
                if wanted not in c.modalities:
                    raise HarnessError(f"corpus {c.name!r} has no {wanted} modality "
                                       f"(it has {', '.join(c.modalities)})")
            return wanted
        common = [m for m in corpora[0].modalities if all(m in c.modalities for c in corpora)]
        if not common:
            raise HarnessError(f"corpora {[c.name for c in corpora]} share no modality")
        return "audio" if "audio" in common else common[0]

    def features(self, corpus: Corpus, modality: str) -> tuple[dict, dict, dict]:
        name = self.request.features.get(modality, DEFAULT_FEATURES.get(modality))
        if name is None:
            raise HarnessError(f"no feature extractor for modality {modality!r}; "
                               f"pass --features {modality}=NAME")
        key = (corpus.name, modality, name)
        if key not in self._features:
            extractor = self.registry.feature(name)(**self.request.feature_params.get(name, {}))
            if extractor.modality != modality:
                raise HarnessError(f"feature extractor {name!r} reads {extractor.modality}, not {modality}")
            # items without this modality (audio-only clips of an audio-visual corpus) are left out, counted
            items = [it for it in corpus.items() if modality in it.media]
            feats, report = extract_features(items, extractor, self.cache,
                                             skip_unreadable=self.request.skip_unreadable,
                                             workers=self.request.workers, progress=self.request.progress)
            for line in report.lines():
                log(f"[{corpus.name}] {line}")
            summary = report.as_dict()
            summary["without_media"] = len(corpus.items()) - len(items)
            if summary["without_media"]:
                log(f"[{corpus.name}] {summary['without_media']} item(s) have no {modality} media: left out")
            self._features[key] = (feats, summary, extractor.identity())
        return self._features[key]

    def prepare(self, experiment: Experiment) -> Prepared:
        corpora = [self.corpus(n) for n in experiment.corpora]
        task, dimensions = choose_task(self.request.task, corpora, self.request.dimensions)
        labels: tuple[str, ...] = ()
        if task == "classification":
            labels = shared_labels([c.labels for c in corpora]
                                   + ([experiment.labels] if experiment.labels is not None else []))
            if len(labels) < 2:
                raise HarnessError(f"corpora {experiment.corpora} share fewer than two labels: {labels}")
        modality = self.modality(corpora)
        report: dict = {"modality": modality, "labels": list(labels), "dropped": {}, "extraction": {},
                        "corpus_notes": {c.name: c.notes for c in corpora if c.notes},
                        "reading": {c.name: c.reading_report() for c in corpora}}
        if task == "regression":
            report.update(task=task, dimensions=list(dimensions))
        items_by_corpus: dict[str, list[Item]] = {}
        features: dict[str, np.ndarray] = {}
        targets: dict[str, np.ndarray] = {}
        identity: dict = {}
        for c in corpora:
            feats, extraction, identity = self.features(c, modality)
            report["extraction"][c.name] = extraction
            kept, dropped = [], Counter()
            for it in c.items():
                target = item_target(it, dimensions) if task == "regression" else None
                if task == "classification" and it.label not in labels:
                    dropped[str(it.label)] += 1
                elif task == "regression" and target is None:
                    dropped["without " + "/".join(dimensions)] += 1
                elif it.key in feats:  # items without features are listed in the extraction report
                    kept.append(it)
                    features[it.key] = feats[it.key]
                    if target is not None and target.ndim == 2:
                        features[it.key], target = align_series(feats[it.key], target, it.series_step,
                                                                self.request.annotation_delay, it.key)
                    if target is not None:
                        targets[it.key] = target
            if dropped:
                report["dropped"][c.name] = dict(sorted(dropped.items()))
                self.say_once(f"[{c.name}] " + (f"labels outside the shared set {list(labels)}: dropped "
                                                if task == "classification" else "dropped ")
                              + ", ".join(f"{n} {lab}" for lab, n in sorted(dropped.items()))
                              + f" ({sum(dropped.values())} items)")
            items_by_corpus[c.name] = kept
        protocol = make_protocol(experiment, self.request.folds, items_by_corpus, self.request.adapt_fraction)
        folds = protocol.folds(items_by_corpus, self.request.split_seed)
        items = {it.key: it for its in items_by_corpus.values() for it in its}
        for fold in folds:
            check_fold(fold, items)
        report["folds"] = {f.name: {**f.sizes(), "valid_grouping": f.valid_grouping} for f in folds}
        if task == "regression" and any(t.ndim == 2 for t in targets.values()):
            report["time_continuous"] = {"annotation_delay": self.request.annotation_delay,
                                         "frames": int(sum(len(targets[k]) for k in items))}
        return Prepared(experiment, items, labels, features, folds,
                        {c.name: c.fingerprint() for c in corpora}, identity, report,
                        task=task, dimensions=dimensions, targets=targets if task == "regression" else None,
                        kind=self.registry.feature(identity["name"]).kind)
