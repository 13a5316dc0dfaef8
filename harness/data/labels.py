"""The canonical emotion vocabulary and strict label maps.

Every corpus adapter maps its own codes into one vocabulary so that corpora can
be compared and combined.  A :class:`LabelMap` never guesses: a code it does not
know is an error naming the file and the code (no silent ``dropna``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.errors import LabelError

#: Canonical categorical emotions (Ekman's six, neutral, and the extra
#: categories that widely used corpora annotate).
EMOTIONS: tuple[str, ...] = (
    "anger",
    "boredom",
    "calm",
    "contempt",
    "disgust",
    "excitement",
    "fear",
    "frustration",
    "happiness",
    "neutral",
    "other",
    "sadness",
    "surprise",
)

#: Canonical continuous dimensions.
DIMENSIONS: tuple[str, ...] = ("arousal", "valence", "dominance")


class LabelMap:
    """A strict mapping from a corpus's label codes to canonical emotions."""

    def __init__(self, corpus: str, codes: Mapping[str, str]):
        unknown = sorted(set(codes.values()) - set(EMOTIONS))
        if unknown:
            raise ValueError(f"{corpus}: label map targets non-canonical emotions {unknown}")
        self.corpus = corpus
        self.codes = dict(codes)

    @property
    def labels(self) -> tuple[str, ...]:
        """The canonical labels this map can produce, sorted."""
        return tuple(sorted(set(self.codes.values())))

    def __call__(self, code: str, source: Path | str) -> str:
        try:
            return self.codes[code]
        except KeyError:
            known = ", ".join(f"{k}={v}" for k, v in self.codes.items())
            raise LabelError(
                f"{source}: unknown {self.corpus} label code {code!r} (known codes: {known})"
            ) from None


def shared_labels(label_sets: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """The intersection of several corpora's label sets, sorted."""
    sets = [set(s) for s in label_sets]
    if not sets:
        return ()
    return tuple(sorted(set.intersection(*sets)))
