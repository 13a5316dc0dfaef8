"""Preparing an experiment's data: corpora, shared labels, folds, features.

For one experiment (a protocol over some corpora) this module locates the
corpora and restricts them to the labels they share *in their items* (a class an
adapter declares but the copy does not hold is never an output; per-class counts
and what was dropped are reported).  It then builds the folds -- so that a
protocol that cannot be built fails before any feature is extracted -- extracts
features for the items of the run only, through the content-keyed cache (an item
is extracted once, however many experiments use it), and builds the folds again
when unreadable items had to be left out; every fold is checked for leakage.
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
    GivenSplit,
    LeaveOneSpeakerOut,
    OfficialSplit,
    Protocol,
    SpeakerDependentKFold,
    SpeakerDisjointKFold,
    SupervisedAdaptation,
    SupervisedAdaptationLOSO,
    TransductiveCross,
    check_fold,
)
from harness.experiment.split_file import read_split
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
    #: leading axes of an item's array pooled for normalisation statistics (the extractor's ``norm_pooled``)
    norm_pooled: int | None = None


def make_protocol(experiment: Experiment, folds: int, items_by_corpus: dict[str, list[Item]],
                  adapt_fraction: float = 0.2, split_file=None, test_speakers: tuple[str, ...] = ()) -> Protocol:
    """The protocol object of an experiment (a corpus with fewer speakers than folds gets as
    many folds as it has speakers; see :class:`SpeakerDisjointKFold`)."""
    if experiment.protocol == "within":
        return SpeakerDisjointKFold(folds)
    if experiment.protocol == "loso":
        return LeaveOneSpeakerOut()
    if experiment.protocol == "split":
        return OfficialSplit()
    if experiment.protocol == "speaker-dependent":
        return SpeakerDependentKFold(folds)
    if experiment.protocol == "given":
        table = read_split(split_file) if split_file is not None else None
        return GivenSplit(test_speakers, table, str(split_file or "--test-speakers"))
    if experiment.protocol.endswith("-transductive"):
        return TransductiveCross(experiment.train_corpora, experiment.test_corpus)
    if experiment.protocol.endswith("-adapt-loso"):
        return SupervisedAdaptationLOSO(experiment.train_corpora, experiment.test_corpus)
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
        self._extractors: dict[tuple, object] = {}
        self._failed: dict[tuple, set[str]] = {}  # items whose extraction failed (skipped, reported)
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

    def extractor_name(self, modality: str) -> str:
        name = self.request.features.get(modality, DEFAULT_FEATURES.get(modality))
        if name is None:
            raise HarnessError(f"no feature extractor for modality {modality!r}; "
                               f"pass --features {modality}=NAME")
        return name

    def features(self, corpus: Corpus, modality: str, items: list[Item] | None = None) -> tuple[dict, dict, dict]:
        """Features of ``items`` (default: every item of the corpus with the modality), a summary of
        their extraction, and the extractor's identity.  Items are extracted once per corpus,
        modality and extractor, however many experiments ask for them."""
        name = self.extractor_name(modality)
        key = (corpus.name, modality, name)
        if key not in self._features:
            extractor = self.registry.feature(name)(**self.request.feature_params.get(name, {}))
            if extractor.modality != modality:
                raise HarnessError(f"feature extractor {name!r} reads {extractor.modality}, not {modality}")
            self._features[key] = ({}, {}, extractor.identity())
            self._extractors[key] = extractor
        feats, summaries, identity = self._features[key]
        # items without this modality (audio-only clips of an audio-visual corpus) are left out, counted
        wanted = [it for it in (corpus.items() if items is None else items) if modality in it.media]
        todo = [it for it in wanted if it.key not in feats and it.key not in self._failed.get(key, set())]
        if todo:
            new, report = extract_features(todo, self._extractors[key], self.cache,
                                           skip_unreadable=self.request.skip_unreadable,
                                           workers=self.request.workers, progress=self.request.progress)
            for line in report.lines():
                log(f"[{corpus.name}] {line}")
            feats.update(new)
            self._failed.setdefault(key, set()).update(k for k, _ in report.skipped)
            summaries.setdefault("runs", []).append(report.as_dict())
        summary = _merge(summaries.get("runs", []), name)
        summary["without_media"] = len(corpus.items() if items is None else items) - len(wanted)
        return {k: feats[k] for k in (it.key for it in wanted) if k in feats}, summary, identity

    def present_labels(self, name: str) -> tuple[str, ...]:
        """The labels a corpus's items hold (not the labels its adapter declares)."""
        return tuple(sorted({it.label for it in self.corpus(name).items() if it.label is not None}))

    def prepare(self, experiment: Experiment) -> Prepared:
        corpora = [self.corpus(n) for n in experiment.corpora]
        task, dimensions = choose_task(self.request.task, corpora, self.request.dimensions)
        modality = self.modality(corpora)
        available = {c.name: [it for it in c.items() if modality in it.media] for c in corpora}
        labels: tuple[str, ...] = ()
        present = {c.name: Counter(it.label for it in available[c.name] if it.label is not None) for c in corpora}
        if task == "classification":
            # the labels the corpora's items share -- a declared class that no item holds is never an output;
            # with an unpaired auxiliary corpus, also those it holds (every method of the run, crossmodal or
            # not, is then trained and tested on the same classes)
            aux = [set(self.present_labels(self.request.aux_corpus))] if self.request.aux_corpus else []
            chosen = [set(self.request.labels)] if self.request.labels else []
            labels = shared_labels([set(present[c.name]) for c in corpora] + aux + chosen
                                   + ([experiment.labels] if experiment.labels is not None else []))
            absent = sorted(set(self.request.labels or ()) - set(labels))
            if absent:
                where = (experiment.corpora[0] if len(experiment.corpora) == 1
                         else f"every corpus of {'+'.join(experiment.corpora)}")
                self.say_once(f"--labels: {', '.join(absent)} not held by {where}: not used")
            if len(labels) < 2:
                held = "; ".join(f"{c.name}: {', '.join(sorted(present[c.name])) or 'none'}" for c in corpora)
                raise HarnessError(f"corpora {list(experiment.corpora)} share fewer than two labels in their items "
                                   f"({held})")
        report: dict = {"modality": modality, "labels": list(labels), "dropped": {}, "extraction": {},
                        "label_counts": {}, "corpus_notes": {c.name: c.notes for c in corpora if c.notes},
                        "reading": {c.name: c.reading_report() for c in corpora}}
        if task == "regression":
            report.update(task=task, dimensions=list(dimensions))
        selected: dict[str, list[Item]] = {}
        targets: dict[str, np.ndarray] = {}
        for c in corpora:
            kept, dropped = [], Counter()
            for it in available[c.name]:
                target = item_target(it, dimensions) if task == "regression" else None
                if task == "classification" and it.label not in labels:
                    dropped[str(it.label)] += 1
                elif task == "regression" and target is None:
                    dropped["without " + "/".join(dimensions)] += 1
                else:
                    kept.append(it)
                    if target is not None:
                        targets[it.key] = target
            if dropped:
                report["dropped"][c.name] = dict(sorted(dropped.items()))
                self.say_once(f"[{c.name}] " + (f"labels outside the shared set {list(labels)}: dropped "
                                                if task == "classification" else "dropped ")
                              + ", ".join(f"{n} {lab}" for lab, n in sorted(dropped.items()))
                              + f" ({sum(dropped.values())} items, not extracted)")
            selected[c.name] = kept
        r = self.request
        protocol = make_protocol(experiment, r.folds, selected, r.adapt_fraction, r.split_file, r.test_speakers)
        folds = self._folds(protocol, selected)  # a protocol that cannot be built fails here, before extraction
        features: dict[str, np.ndarray] = {}
        identity: dict = {}
        items_by_corpus: dict[str, list[Item]] = {}
        for c in corpora:
            feats, extraction, identity = self.features(c, modality, selected[c.name])
            extraction["without_media"] = len(c.items()) - len(available[c.name])
            if extraction["without_media"]:
                self.say_once(f"[{c.name}] {extraction['without_media']} item(s) have no {modality} media: left out")
            report["extraction"][c.name] = extraction
            kept = [it for it in selected[c.name] if it.key in feats]  # the others are in the extraction report
            for it in kept:
                features[it.key] = feats[it.key]
                target = targets.get(it.key)
                if target is not None and target.ndim == 2:
                    features[it.key], targets[it.key] = align_series(feats[it.key], target, it.series_step,
                                                                     self.request.annotation_delay, it.key)
            items_by_corpus[c.name] = kept
            if task == "classification":
                report["label_counts"][c.name] = dict(sorted(Counter(it.label for it in kept).items()))
        if sum(map(len, items_by_corpus.values())) < sum(map(len, selected.values())):
            folds = self._folds(protocol, items_by_corpus)  # unreadable items left out: the folds without them
        items = {it.key: it for its in items_by_corpus.values() for it in its}
        report["folds"] = {f.name: {**f.sizes(), "valid_grouping": f.valid_grouping,
                                    "test_grouping": f.test_grouping, **_missing_classes(f, items, labels)}
                           for f in folds}
        if protocol.notes:
            report["protocol_notes"] = list(protocol.notes)
            for note in protocol.notes:
                self.say_once(f"[{experiment.test_corpus}] {note}")
        if task == "regression" and any(t.ndim == 2 for t in targets.values()):
            report["time_continuous"] = {"annotation_delay": self.request.annotation_delay,
                                         "frames": int(sum(len(targets[k]) for k in items))}
        return Prepared(experiment, items, labels, features, folds,
                        {c.name: c.fingerprint() for c in corpora}, identity, report,
                        task=task, dimensions=dimensions,
                        targets={k: v for k, v in targets.items() if k in items} if task == "regression" else None,
                        kind=self.registry.feature(identity["name"]).kind,
                        norm_pooled=self.registry.feature(identity["name"]).norm_pooled)

    def _folds(self, protocol: Protocol, items_by_corpus: dict[str, list[Item]]) -> list[Fold]:
        folds = protocol.folds(items_by_corpus, self.request.split_seed)
        items = {it.key: it for its in items_by_corpus.values() for it in its}
        for fold in folds:
            check_fold(fold, items)
        return folds


def _missing_classes(fold: Fold, items: dict[str, Item], labels: tuple[str, ...]) -> dict:
    """Classes a fold's training side or test part lacks (speaker-disjoint folds of a corpus whose
    classes are confounded with speakers); empty when every class is on both sides."""
    if not labels:
        return {}
    train = {items[k].label for part in ("train", "valid", "adapt", "adapt_valid")
             for k in fold.parts().get(part, ())}
    test = {items[k].label for k in fold.test}
    out = {}
    if set(labels) - train:
        out["classes_absent_from_training"] = sorted(set(labels) - train)
    if set(labels) - test:
        out["classes_absent_from_test"] = sorted(set(labels) - test)
    return out


def _merge(runs: list[dict], extractor: str) -> dict:
    """One extraction summary from the summaries of several extraction calls."""
    out = {"extractor": extractor, "total": 0, "cached": 0, "computed": 0, "notes": Counter(), "skipped": [],
           "damaged_cache_entries": 0}
    for r in runs:
        for k in ("total", "cached", "computed", "damaged_cache_entries"):
            out[k] += r.get(k, 0)
        out["notes"].update(r.get("notes", {}))
        out["skipped"] += r.get("skipped", [])
    out["notes"] = dict(out["notes"])
    return out
