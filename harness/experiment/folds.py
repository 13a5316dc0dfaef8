"""Folds: one train / validation / test partition of items, how it was drawn, and its checks.

Every fold carries an inner validation part drawn from its training side only,
speaker-disjoint where speakers are known, for early stopping and tuning.
:func:`check_fold` asserts at run time that the parts share no item and, where
the fold says they are speaker-disjoint, no speaker.  Splits depend on the
split seed only; model initialisation has its own seed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.data.corpus import Item
from harness.data.digest import derive_seed, json_digest
from harness.errors import ProtocolError


def splitters():
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
                a, b = splitters().train_test_split(items, test_size=fraction, random_state=seed, stratify=strat)
            except ValueError:
                a, b = splitters().train_test_split(items, test_size=fraction, random_state=seed)
            keep += a
            valid += b
            groupings.add("item")
    return keep, valid, "speaker" if groupings == {"speaker"} else "item"


def fold_of(name: str, train: list[Item], test: list[Item], split_seed: int, test_grouping: str = "speaker",
          valid_by_items: bool = False) -> Fold:
    """A fold whose validation part is drawn from ``train`` with a seed derived from
    the split seed and the fold's name (``valid_by_items``: from the items of the
    training speakers, when there are too few speakers to hold one out)."""
    seed = derive_seed(split_seed, "validation", name)
    if valid_by_items:
        keep, valid, grouping = item_validation(train, seed)
    else:
        keep, valid, grouping = inner_validation(train, seed)
    return Fold(name, tuple(it.key for it in keep), tuple(it.key for it in valid),
                tuple(it.key for it in test), grouping, test_grouping=test_grouping)


def item_validation(train: Sequence[Item], seed: int) -> tuple[list[Item], list[Item], str]:
    """Validation drawn from the training items themselves (stratified), speakers ignored."""
    items = list(train)
    strat = [it.label for it in items] if all(it.label for it in items) else None
    try:
        a, b = splitters().train_test_split(items, test_size=VALIDATION_FRACTION, random_state=seed, stratify=strat)
    except ValueError:
        a, b = splitters().train_test_split(items, test_size=VALIDATION_FRACTION, random_state=seed)
    return list(a), list(b), "item"
