"""Evaluation protocols: how items are split into train / validation / test.

Every fold carries an inner validation part drawn from its training side only,
speaker-disjoint where speakers are known, for early stopping and tuning.
:func:`check_fold` asserts at run time that the three parts share no item and,
where speakers are known, no speaker.  Splits depend on the split seed only;
model initialisation has its own seed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.data.corpus import Item
from harness.data.digest import derive_seed, json_digest
from harness.errors import ProtocolError


def _sklearn():
    """scikit-learn's splitters, imported when a protocol splits (not when the names are read)."""
    import sklearn.model_selection

    return sklearn.model_selection

VALIDATION_FRACTION = 0.2
DEV_SPLITS = ("dev", "val", "valid", "validation", "devel")


@dataclass(frozen=True)
class Fold:
    """One train / validation / test partition, as item keys."""

    name: str
    train: tuple[str, ...]
    valid: tuple[str, ...]
    test: tuple[str, ...]
    #: how validation was drawn: ``speaker``, ``item`` (no speakers known, or too few) or ``official``
    valid_grouping: str = "speaker"
    #: supervised adaptation: labelled target-corpus items (and their validation part),
    #: speaker-disjoint from the test part; given only to methods that use target labels
    adapt: tuple[str, ...] = ()
    adapt_valid: tuple[str, ...] = ()
    #: how the test part was drawn: ``speaker`` (speakers disjoint from training) or ``item``
    #: (speaker-dependent: one speaker, or none known)
    test_grouping: str = "speaker"

    def parts(self) -> dict[str, tuple[str, ...]]:
        """The non-empty parts by name (train, valid, test, and adapt, adapt_valid where present)."""
        parts = {"train": self.train, "valid": self.valid, "test": self.test}
        if self.adapt:
            parts.update(adapt=self.adapt, adapt_valid=self.adapt_valid)
        return parts

    def sizes(self) -> dict[str, int]:
        return {name: len(keys) for name, keys in self.parts().items()}

    def digest(self) -> str:
        """Hash of the parts' items: part of the identity of every job on this fold."""
        parts = [sorted(self.train), sorted(self.valid), sorted(self.test)]
        if self.adapt:
            parts += [sorted(self.adapt), sorted(self.adapt_valid)]
        return json_digest(parts)


def check_fold(fold: Fold, items: dict[str, Item]) -> None:
    """Raise ProtocolError if the fold's parts overlap in items, or in speakers where the fold says
    they are speaker-disjoint (validation drawn by speaker; a test part drawn by speaker), or one
    part is empty."""
    parts = fold.parts()
    for part, keys in parts.items():
        if not keys:
            raise ProtocolError(f"fold {fold.name}: empty {part} part")
        if len(set(keys)) != len(keys):
            raise ProtocolError(f"fold {fold.name}: duplicate items in the {part} part")
    by_items = {("train", "valid")} if fold.valid_grouping == "item" else set()
    names = list(parts)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = set(parts[a]) & set(parts[b])
            if shared:
                raise ProtocolError(f"fold {fold.name}: {len(shared)} item(s) in both {a} and {b}, "
                                    f"e.g. {sorted(shared)[0]}")
            if (a, b) in by_items or (fold.test_grouping == "item" and "test" in (a, b)):
                continue  # drawn by items, and said so (fold.valid_grouping / fold.test_grouping)
            spk_a = {items[k].speaker_key for k in parts[a]} - {None}
            spk_b = {items[k].speaker_key for k in parts[b]} - {None}
            if spk_a & spk_b:
                raise ProtocolError(f"fold {fold.name}: speaker(s) {sorted(spk_a & spk_b)} in both {a} and {b}")


def inner_validation(train: Sequence[Item], seed: int, fraction: float = VALIDATION_FRACTION
                     ) -> tuple[list[Item], list[Item], str]:
    """Split a training side into (train, valid, grouping), speaker-disjoint where possible.

    Speakers are drawn per corpus in a seeded order until at least ``fraction``
    of that corpus's items are in validation, leaving at least one training
    speaker; corpora without speaker information fall back to a stratified item
    split (grouping ``item``).
    """
    rng = np.random.default_rng(seed)
    by_corpus: dict[str, list[Item]] = defaultdict(list)
    for it in train:
        by_corpus[it.corpus].append(it)
    keep, valid, groupings = [], [], set()
    for corpus in sorted(by_corpus):
        items = by_corpus[corpus]
        speakers = sorted({it.speaker for it in items if it.speaker is not None})
        if len(speakers) >= 2 and all(it.speaker is not None for it in items):
            chosen, count = set(), 0
            for spk in rng.permutation(speakers):
                if count >= fraction * len(items) or len(chosen) == len(speakers) - 1:
                    break
                chosen.add(spk)
                count += sum(it.speaker == spk for it in items)
            keep += [it for it in items if it.speaker not in chosen]
            valid += [it for it in items if it.speaker in chosen]
            groupings.add("speaker")
        else:
            strat = [it.label for it in items] if all(it.label for it in items) else None
            try:
                a, b = _sklearn().train_test_split(items, test_size=fraction, random_state=seed, stratify=strat)
            except ValueError:
                a, b = _sklearn().train_test_split(items, test_size=fraction, random_state=seed)
            keep += a
            valid += b
            groupings.add("item")
    return keep, valid, "speaker" if groupings == {"speaker"} else "item"


def _fold(name: str, train: list[Item], test: list[Item], split_seed: int, test_grouping: str = "speaker",
          valid_by_items: bool = False) -> Fold:
    """A fold whose validation part is drawn from ``train`` with a seed derived from
    the split seed and the fold's name (``valid_by_items``: from the items of the
    training speakers, when there are too few speakers to hold one out)."""
    seed = derive_seed(split_seed, "validation", name)
    if valid_by_items:
        keep, valid, grouping = _item_validation(train, seed)
    else:
        keep, valid, grouping = inner_validation(train, seed)
    return Fold(name, tuple(it.key for it in keep), tuple(it.key for it in valid),
                tuple(it.key for it in test), grouping, test_grouping=test_grouping)


def _item_validation(train: Sequence[Item], seed: int) -> tuple[list[Item], list[Item], str]:
    """Validation drawn from the training items themselves (stratified), speakers ignored."""
    items = list(train)
    strat = [it.label for it in items] if all(it.label for it in items) else None
    try:
        a, b = _sklearn().train_test_split(items, test_size=VALIDATION_FRACTION, random_state=seed, stratify=strat)
    except ValueError:
        a, b = _sklearn().train_test_split(items, test_size=VALIDATION_FRACTION, random_state=seed)
    return list(a), list(b), "item"


def _single(corpora: dict[str, list[Item]], protocol: str) -> list[Item]:
    if len(corpora) != 1:
        raise ProtocolError(f"protocol {protocol!r} takes one corpus, got {sorted(corpora)}")
    return next(iter(corpora.values()))


class Protocol:
    name: str
    description: str

    def __init__(self):
        #: what the protocol had to decide for this corpus (fewer folds, item-level validation...):
        #: reported with the run and stored with each job's report
        self.notes: list[str] = []

    def folds(self, corpora: dict[str, list[Item]], split_seed: int) -> list[Fold]:
        raise NotImplementedError


def _few_speakers(items: list[Item], split_seed: int, notes: list[str]) -> list[Fold] | None:
    """Folds for a corpus with too few speakers for speaker-disjoint train / validation / test
    parts, or None when it has enough (three or more, all known).

    - two speakers: train on one, test on the other and back; validation is drawn from the
      items of the training speaker (test speaker-independent, validation not);
    - one speaker, or speakers unknown for some items: stratified k-fold over items
      (5 folds), speaker-dependent, and said to be so.
    """
    corpus = items[0].corpus
    speakers = sorted({it.speaker for it in items if it.speaker is not None})
    if len(speakers) >= 3 and all(it.speaker is not None for it in items):
        return None
    if len(speakers) == 2 and all(it.speaker is not None for it in items):
        notes.append(f"{corpus}: 2 speakers: each fold trains on one speaker and tests on the other; validation "
                     f"is drawn from the training speaker's items (the test part stays speaker-independent)")
        return [_fold(f"spk{spk}", [it for it in items if it.speaker != spk], [it for it in items if it.speaker == spk],
                      split_seed, valid_by_items=True) for spk in speakers]
    why = "one speaker" if len(speakers) == 1 else "speakers unknown" if not speakers else \
        "speakers unknown for some items"
    k = 5
    notes.append(f"{corpus}: {why}: {k}-fold over items, SPEAKER-DEPENDENT (test items share speakers with "
                 f"training); not comparable with speaker-independent figures")
    labels = [it.label or "" for it in items]
    try:
        parts = list(_sklearn().StratifiedKFold(k, shuffle=True, random_state=split_seed).split(
            np.zeros(len(items)), labels))
    except ValueError:
        parts = list(_sklearn().KFold(k, shuffle=True, random_state=split_seed).split(np.zeros(len(items))))
    return [_fold(f"fold{i}", [items[j] for j in tr], [items[j] for j in te], split_seed, test_grouping="item",
                  valid_by_items=True) for i, (tr, te) in enumerate(parts)]


class SpeakerDisjointKFold(Protocol):
    """Within-corpus k-fold; speaker-disjoint and label-stratified when speakers are known."""

    name = "within"
    description = "within-corpus k-fold, speaker-disjoint where speakers are known"

    def __init__(self, k: int = 5):
        super().__init__()
        self.k = k

    def folds(self, corpora, split_seed):
        items = _single(corpora, self.name)
        few = _few_speakers(items, split_seed, self.notes)
        if few is not None:
            return few
        labels = [it.label or "" for it in items]
        speakers = [it.speaker for it in items]
        k, n_spk = self.k, len(set(speakers))
        if n_spk < k:
            self.notes.append(f"{items[0].corpus}: {n_spk} speakers: {n_spk} speaker-disjoint folds instead of {k}")
            k = n_spk
        splitter = _sklearn().StratifiedGroupKFold(k, shuffle=True, random_state=split_seed)
        parts = splitter.split(np.zeros(len(items)), labels, speakers)
        return [_fold(f"fold{i}", [items[j] for j in tr], [items[j] for j in te], split_seed)
                for i, (tr, te) in enumerate(parts)]


class LeaveOneSpeakerOut(Protocol):
    name = "loso"
    description = "leave-one-speaker-out: one fold per speaker"

    def folds(self, corpora, split_seed):
        items = _single(corpora, self.name)
        if any(it.speaker is None for it in items):
            raise ProtocolError(f"{items[0].corpus}: speakers unknown, leave-one-speaker-out impossible "
                                f"(--protocol within falls back to item-level folds, said to be speaker-dependent)")
        speakers = sorted({it.speaker for it in items})
        if len(speakers) < 2:
            raise ProtocolError(f"{items[0].corpus}: one speaker: leave-one-speaker-out impossible")
        if len(speakers) == 2:
            return _few_speakers(items, split_seed, self.notes)
        return [_fold(f"spk{spk}", [it for it in items if it.speaker != spk],
                      [it for it in items if it.speaker == spk], split_seed)
                for spk in speakers]


class OfficialSplit(Protocol):
    """The corpus's own split: train on ``train``, validate on the development part
    when the corpus has one (else an inner split of ``train``), test on ``test``.

    Where the test labels are withheld (only train and a development part), the
    development part is the test part and validation is drawn from ``train``;
    the fold is then named ``official-dev``.
    """

    name = "split"
    description = "the corpus's official train / (dev) / test split"

    def __init__(self, test_split: str = "test"):
        super().__init__()
        self.test_split = test_split

    def folds(self, corpora, split_seed):
        items = _single(corpora, self.name)
        corpus = items[0].corpus
        train = [it for it in items if it.split == "train"]
        test = [it for it in items if it.split == self.test_split]
        dev = [it for it in items if it.split in DEV_SPLITS and it.split != self.test_split]
        if not test and dev and self.test_split == "test":
            # test labels withheld (RECOLA in AVEC 2016, AFEW, OMG without its labelled test
            # CSV): the papers report on the development part; the fold's name says so
            return [_fold("official-dev", train, dev, split_seed)]
        if not train or not test:
            raise ProtocolError(f"{corpus}: no official train/{self.test_split} split")
        if dev:
            return [Fold("official", tuple(it.key for it in train), tuple(it.key for it in dev),
                         tuple(it.key for it in test), "official")]
        return [_fold("official", train, test, split_seed)]


class CrossCorpus(Protocol):
    """Train on one or more source corpora (validation drawn from them), test on
    every item of the target corpus (``cross``: A -> B; ``multi``: A+B -> C)."""

    def __init__(self, sources: Sequence[str], target: str):
        super().__init__()
        if not sources:
            raise ProtocolError("cross-corpus protocol needs at least one source")
        if target in sources:
            raise ProtocolError(f"target {target!r} is also a source")
        self.sources, self.target = list(sources), target
        self.name = "cross" if len(sources) == 1 else "multi"
        self.description = "cross-corpus: source -> target" if len(sources) == 1 else \
            "multi-source: sources -> target"

    def folds(self, corpora, split_seed):
        missing = set(self.sources + [self.target]) - set(corpora)
        if missing:
            raise ProtocolError(f"corpora {sorted(missing)} not loaded")
        train = [it for s in self.sources for it in corpora[s]]
        name = "+".join(self.sources) + "->" + self.target
        return [_fold(name, train, list(corpora[self.target]), split_seed)]


class SupervisedAdaptation(CrossCorpus):
    """Cross-corpus with labelled target data for the methods that use it.

    The target corpus is split by speakers (seeded by the split seed): speakers
    drawn in a seeded order until at least ``fraction`` of the target's items
    and at least two speakers form the *adaptation* side (at least one speaker
    is left for testing); the rest is the test part.  The adaptation side is
    split again, speaker-disjoint, into the adaptation part and its validation
    part.  Every method of a run is tested on the same test part;
    only methods that declare ``uses_target_labels`` are given the adaptation
    part (unsupervised methods never see a target label).  A target without
    speaker information is split by items, stratified.
    """

    def __init__(self, sources: Sequence[str], target: str, fraction: float = 0.2):
        super().__init__(sources, target)
        if not 0 < fraction < 1:
            raise ProtocolError(f"adaptation fraction must be in (0, 1), got {fraction}")
        self.fraction = fraction
        self.name = self.name + "-adapt"
        self.description += ", with a labelled adaptation part of the target"

    def folds(self, corpora, split_seed):
        (fold,) = super().folds(corpora, split_seed)
        target = list(corpora[self.target])
        name = f"{fold.name}@adapt{self.fraction:g}"
        speakers = sorted({it.speaker for it in target if it.speaker is not None})
        if speakers and any(it.speaker is None for it in target):
            raise ProtocolError(f"{self.target}: speakers are known for some items only; supervised adaptation "
                                f"cannot keep the adaptation and test parts speaker-disjoint")
        if speakers:
            if len(speakers) < 3:
                raise ProtocolError(f"{self.target}: supervised adaptation needs at least 3 speakers (adaptation, "
                                    f"its validation, test); the corpus has {len(speakers)} (use --protocol cross, "
                                    f"which tests on the whole target)")
            # at least two adaptation speakers, so that its validation part is speaker-disjoint too
            rng = np.random.default_rng(derive_seed(split_seed, "adapt", name))
            chosen: list[str] = []
            for spk in rng.permutation(speakers):
                if len(chosen) >= 2 and sum(it.speaker in chosen for it in target) >= self.fraction * len(target):
                    break
                if len(chosen) == len(speakers) - 1:
                    break
                chosen.append(str(spk))
            rest = [it for it in target if it.speaker not in chosen]
            adapt_side = [it for it in target if it.speaker in chosen]
        else:
            rest, adapt_side, _ = inner_validation(target, derive_seed(split_seed, "adapt", name), self.fraction)
        adapt, adapt_valid, _ = inner_validation(adapt_side, derive_seed(split_seed, "adapt-valid", name))
        return [Fold(name, fold.train, fold.valid, tuple(it.key for it in rest), fold.valid_grouping,
                     tuple(it.key for it in adapt), tuple(it.key for it in adapt_valid),
                     test_grouping="speaker" if speakers else "item")]


WITHIN_PROTOCOLS = ("within", "loso", "split")
CROSS_PROTOCOLS = ("cross", "multi")
ADAPT_PROTOCOLS = ("cross-adapt", "multi-adapt")
PROTOCOLS = WITHIN_PROTOCOLS + CROSS_PROTOCOLS + ADAPT_PROTOCOLS
