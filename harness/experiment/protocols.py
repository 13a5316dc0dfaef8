"""Evaluation protocols: how items are split into train / validation / test folds.

Each protocol turns the items of an experiment's corpora into :class:`~harness.experiment.folds.Fold`
objects (harness/experiment/folds.py: the parts, how they were drawn, the leakage check).
A protocol also says what it had to decide for a corpus (``notes``: fewer folds,
item-level validation, speaker-dependent folds), reported with the run.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from harness.data.corpus import Item
from harness.data.digest import derive_seed
from harness.errors import ProtocolError
from harness.experiment.folds import (
    DEV_SPLITS,
    Fold,
    check_fold,
    fold_of,
    inner_validation,
    splitters,
)

__all__ = ["Fold", "check_fold", "inner_validation"]


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
        return [fold_of(f"spk{spk}", [it for it in items if it.speaker != spk], [it for it in items if it.speaker == spk],
                      split_seed, valid_by_items=True) for spk in speakers]
    why = "one speaker" if len(speakers) == 1 else "speakers unknown" if not speakers else \
        "speakers unknown for some items"
    k = 5
    notes.append(f"{corpus}: {why}: {k}-fold over items, SPEAKER-DEPENDENT (test items share speakers with "
                 f"training); not comparable with speaker-independent figures")
    labels = [it.label or "" for it in items]
    try:
        parts = list(splitters().StratifiedKFold(k, shuffle=True, random_state=split_seed).split(
            np.zeros(len(items)), labels))
    except ValueError:
        parts = list(splitters().KFold(k, shuffle=True, random_state=split_seed).split(np.zeros(len(items))))
    return [fold_of(f"fold{i}", [items[j] for j in tr], [items[j] for j in te], split_seed, test_grouping="item",
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
        splitter = splitters().StratifiedGroupKFold(k, shuffle=True, random_state=split_seed)
        parts = splitter.split(np.zeros(len(items)), labels, speakers)
        return [fold_of(f"fold{i}", [items[j] for j in tr], [items[j] for j in te], split_seed)
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
        return [fold_of(f"spk{spk}", [it for it in items if it.speaker != spk],
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
            return [fold_of("official-dev", train, dev, split_seed)]
        if not train or not test:
            raise ProtocolError(f"{corpus}: no official train/{self.test_split} split")
        if dev:
            return [Fold("official", tuple(it.key for it in train), tuple(it.key for it in dev),
                         tuple(it.key for it in test), "official")]
        return [fold_of("official", train, test, split_seed)]


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
        return [fold_of(name, train, list(corpora[self.target]), split_seed)]


class TransductiveCross(CrossCorpus):
    """Cross-corpus, the whole target tested, and methods of unsupervised adaptation given the test
    items' own features (never their labels): the transductive setting, only under this name
    (``cross-transductive``, ``multi-transductive``) and marked on every row it produces."""

    def __init__(self, sources: Sequence[str], target: str):
        super().__init__(sources, target)
        self.name = self.name + "-transductive"
        self.description += ", adaptation on the test items' unlabelled features (transductive)"


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


class SpeakerDependentKFold(Protocol):
    """Stratified k-fold over *items*, speakers ignored: the protocol of papers that report random
    cross-validation (paper 000 on EMO-DB).  Test items share speakers with training, so figures
    are optimistic and not comparable with speaker-independent ones; every fold, job config and
    leaderboard row says so (``test_grouping = item``)."""

    name = "speaker-dependent"
    description = "k-fold over items (random, stratified), SPEAKER-DEPENDENT: for comparison with papers only"

    def __init__(self, k: int = 5):
        super().__init__()
        self.k = k

    def folds(self, corpora, split_seed):
        items = _single(corpora, self.name)
        self.notes.append(f"{items[0].corpus}: {self.k}-fold over items, SPEAKER-DEPENDENT (test items share "
                          f"speakers with training): for comparison with papers that used it")
        labels = [it.label or "" for it in items]
        parts = splitters().StratifiedKFold(self.k, shuffle=True, random_state=split_seed).split(
            np.zeros(len(items)), labels)
        return [fold_of(f"fold{i}", [items[j] for j in tr], [items[j] for j in te], split_seed, test_grouping="item",
                        valid_by_items=True) for i, (tr, te) in enumerate(parts)]


class GivenSplit(Protocol):
    """A split the user gives: a published one (EmoBox's folds, "actors 1-18 train / 19-24 test")
    reproduced exactly.

    Either ``test_speakers`` (train on the others, validation drawn from them, speaker-disjoint),
    or a table (:func:`harness.experiment.split_file.read_split`) of item -> part (``train``,
    ``valid``, ``test``) and optionally fold.  Rows are honoured exactly: an unknown item or one in
    two parts of a fold is an error; items the table does not name are left out and counted; a
    fold without a ``valid`` part draws it from its training side.  Whether a fold's test part
    shares speakers with its training side is found and said (``test_grouping``).
    """

    name = "given"
    description = "a user-given split: --split-file CSV (item, part[, fold]) or --test-speakers"

    def __init__(self, test_speakers: Sequence[str] = (), table: dict[str, dict[str, str]] | None = None,
                 source: str = ""):
        super().__init__()
        if bool(test_speakers) == bool(table):
            raise ProtocolError("protocol 'given' needs either --split-file or --test-speakers")
        self.test_speakers, self.table, self.source = tuple(test_speakers), table, source

    def folds(self, corpora, split_seed):
        items = _single(corpora, self.name)
        corpus = items[0].corpus
        if self.test_speakers:
            known = {it.speaker for it in items}
            missing = [s for s in self.test_speakers if s not in known]
            if missing:
                raise ProtocolError(f"{corpus}: --test-speakers {missing} are not speakers of the corpus "
                                    f"(it has {', '.join(sorted(str(s) for s in known if s is not None))})")
            test = [it for it in items if it.speaker in self.test_speakers]
            train = [it for it in items if it.speaker not in self.test_speakers]
            return [fold_of("given", train, test, split_seed)]
        from harness.experiment.split_file import folds_from_table

        return folds_from_table(self.table, items, split_seed, self.source, self.notes)


class SupervisedAdaptationLOSO(CrossCorpus):
    """Multi-source (or single-source) transfer evaluated leave-one-speaker-out on the target: for
    every target speaker, the other target speakers are the labelled adaptation side (split,
    speaker-disjoint, into the adaptation part and its validation part) and the speaker is the
    test part -- PathNet's eNTER+SAV -> EMO protocol (paper 001), whose target stage trained on
    all other target speakers.  Methods that use no target labels train on the sources alone
    and are tested on the same speakers."""

    def __init__(self, sources: Sequence[str], target: str):
        super().__init__(sources, target)
        self.name = self.name + "-adapt-loso"
        self.description += ", target leave-one-speaker-out with the other target speakers labelled"

    def folds(self, corpora, split_seed):
        (base,) = super().folds(corpora, split_seed)
        target = list(corpora[self.target])
        speakers = sorted({it.speaker for it in target if it.speaker is not None})
        if len(speakers) < 3 or any(it.speaker is None for it in target):
            raise ProtocolError(f"{self.target}: leave-one-speaker-out adaptation needs at least 3 known target "
                                f"speakers (test, adaptation, its validation); it has {len(speakers)}")
        out = []
        for spk in speakers:
            name = f"{base.name}@loso-{spk}"
            side = [it for it in target if it.speaker != spk]
            adapt, adapt_valid, _ = inner_validation(side, derive_seed(split_seed, "adapt-valid", name))
            out.append(Fold(name, base.train, base.valid, tuple(it.key for it in target if it.speaker == spk),
                            base.valid_grouping, tuple(it.key for it in adapt), tuple(it.key for it in adapt_valid)))
        return out


WITHIN_PROTOCOLS = ("within", "loso", "split", "speaker-dependent", "given")
CROSS_PROTOCOLS = ("cross", "multi")
ADAPT_PROTOCOLS = ("cross-adapt", "multi-adapt", "cross-adapt-loso", "multi-adapt-loso")
TRANSDUCTIVE_PROTOCOLS = ("cross-transductive", "multi-transductive")
PROTOCOLS = WITHIN_PROTOCOLS + CROSS_PROTOCOLS + ADAPT_PROTOCOLS + TRANSDUCTIVE_PROTOCOLS
#: protocols whose test items share speakers with training: labelled as such everywhere
SPEAKER_DEPENDENT = ("speaker-dependent",)
