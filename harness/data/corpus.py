"""The data model: items and the corpus-adapter interface.

A corpus adapter reads a corpus in the layout it was distributed in and yields
:class:`Item` records.  It never extracts features and never trains; it only
knows the corpus: its layout, label codes, speakers, modalities and official
splits.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from harness.data.digest import content_digest
from harness.data.labels import DIMENSIONS, EMOTIONS
from harness.data.reading import ReadingLog, find_root, same_bytes
from harness.errors import CorpusError, CorpusNotFound, MediaError

#: Modalities a corpus can provide.  ``visual`` covers video files, frame
#: sequences and still images; the feature extractor decides how to read them.
MODALITIES: tuple[str, ...] = ("audio", "visual")

#: Where corpora are looked for when neither --data-root nor $HARNESS_DATA_ROOT is given.
DEFAULT_DATA_ROOT = "data"


@dataclass(frozen=True)
class Item:
    """One recording (utterance, clip or image) of a corpus."""

    id: str
    corpus: str
    media: dict[str, Path]
    speaker: str | None = None
    label: str | None = None
    dims: dict[str, float] = field(default_factory=dict)
    split: str | None = None
    #: time-continuous targets (RECOLA's 40 ms gold standard): dimension -> values
    series: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: seconds between consecutive values of ``series``
    series_step: float | None = None
    #: what else the corpus records (gender, intensity, session, statement, ...);
    #: available to analyses and protocols, never used as a label
    meta: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.label is not None and self.label not in EMOTIONS:
            raise CorpusError(f"{self.corpus}/{self.id}: label {self.label!r} is not canonical")
        bad = set(self.dims) - set(DIMENSIONS)
        if bad:
            raise CorpusError(f"{self.corpus}/{self.id}: unknown dimensions {sorted(bad)}")
        bad = set(self.media) - set(MODALITIES)
        if bad:
            raise CorpusError(f"{self.corpus}/{self.id}: unknown modalities {sorted(bad)}")
        bad = set(self.series) - set(DIMENSIONS)
        if bad:
            raise CorpusError(f"{self.corpus}/{self.id}: unknown dimensions {sorted(bad)} in series")
        if self.series and not (self.series_step and self.series_step > 0):
            raise CorpusError(f"{self.corpus}/{self.id}: time series targets need a positive series_step")

    @property
    def key(self) -> str:
        """Globally unique item key: ``corpus/id``."""
        return f"{self.corpus}/{self.id}"

    @property
    def speaker_key(self) -> str | None:
        """Globally unique speaker key: ``corpus:speaker`` (None when unknown)."""
        return None if self.speaker is None else f"{self.corpus}:{self.speaker}"


def examples(names: list, n: int = 5) -> str:
    """The first ``n`` of ``names`` for a note, with `...` when there are more."""
    return ", ".join(str(x) for x in names[:n]) + (" ..." if len(names) > n else "")


def _spelled_like(name: str, folders: tuple[str, ...]) -> bool:
    """A folder spelled like one of ``folders`` up to case, separators and a ``-master``/``-main``
    suffix (``URDU-Dataset-master``, ``emo_db``)."""
    def key(s: str) -> str:
        s = s.lower()
        for suffix in ("-master", "-main"):
            s = s.removesuffix(suffix)
        return "".join(ch for ch in s if ch.isalnum())

    return key(name) in {key(f) for f in folders}


def _digest_or_name(path: Path) -> str:
    try:
        return content_digest(path)
    except MediaError:
        return f"unreadable:{path.name}"


class Corpus:
    """Base class of corpus adapters.

    Subclasses set the class attributes and implement :meth:`is_present` and
    :meth:`load`.  ``root`` is the corpus's own folder.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: Folder names tried under the data root, in order.
    folders: ClassVar[tuple[str, ...]] = ()
    modalities: ClassVar[tuple[str, ...]] = ("audio",)
    labels: ClassVar[tuple[str, ...]] = ()
    dimensions: ClassVar[tuple[str, ...]] = ()
    #: Official split names (e.g. ``("train", "test")``); empty when none.
    splits: ClassVar[tuple[str, ...]] = ()
    #: Synthetic corpora are always marked as such in tables.
    synthetic: ClassVar[bool] = False
    #: The expected layout, shown when the corpus is not found.
    layout: ClassVar[str] = ""
    #: Every layout the adapter reads (original release and redistributions), shown when the
    #: corpus is not found; default: ``(layout,)``.
    layouts: ClassVar[tuple[str, ...]] = ()
    #: Folders a redistribution wraps the corpus in (Kaggle's ``ALL``, ...); the corpus is also
    #: found one or two such (or single-child) folders below where it is looked for.
    wrappers: ClassVar[tuple[str, ...]] = ()
    #: What a complete copy holds (``items``, ``speakers``); a copy that differs is noted.
    expected: ClassVar[dict[str, int]] = {}
    #: Still-image and video corpora: True when the images are already face crops (no detection),
    #: False when faces must be found in them; None for audio corpora.
    face_crops: ClassVar[bool | None] = None
    #: Where the corpus is obtained.
    obtain: ClassVar[str] = ""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._items: list[Item] | None = None
        #: what the adapter noticed while reading (files ignored, ...): reported with every run
        self.notes: list[str] = []
        #: irregular, skipped, stray and duplicate files met while reading (harness/data/reading.py)
        self.log = ReadingLog()

    # -- locating -------------------------------------------------------
    @classmethod
    def is_present(cls, path: Path) -> bool:
        """True when ``path`` looks like this corpus's top folder."""
        raise NotImplementedError

    @classmethod
    def locate(cls, data_root: Path | None, explicit: Path | None = None) -> "Corpus":
        """Find the corpus under ``data_root`` (or at ``explicit``), also one or two wrapper or
        single-child folders deeper (:func:`~harness.data.reading.find_root`), or raise
        CorpusNotFound naming every layout the adapter reads."""
        candidates: list[Path] = []
        if explicit is not None:
            candidates.append(Path(explicit))
        else:
            root = Path(data_root) if data_root is not None else Path(DEFAULT_DATA_ROOT)
            candidates += [(root / f).absolute() for f in cls.folders]
            if root.is_dir():  # other spellings of the corpus folder (case, -master, ...)
                known = {f.lower() for f in cls.folders}
                candidates += [p.absolute() for p in sorted(root.iterdir()) if p.is_dir()
                               and p.name.lower() not in known and _spelled_like(p.name, cls.folders)]
            candidates.append(root.absolute())
        for path in candidates:
            found = find_root(path, cls.is_present, cls.wrappers)
            if found is not None:
                return cls(found)
        searched = ", ".join(str(p) for p in candidates)
        layouts = "\n".join(f"  - {layout}" for layout in (cls.layouts or (cls.layout,)))
        raise CorpusNotFound(
            f"corpus {cls.name!r} not found. Searched: {searched} (and one or two wrapper folders below "
            f"each).\nLayouts read:\n{layouts}\n"
            f"Obtain it from: {cls.obtain}\n"
            f"Point the harness at it with --data-root DIR (containing one of the folders "
            f"{', '.join(cls.folders)}) or --corpus-path {cls.name}=DIR."
        )

    # -- reading --------------------------------------------------------
    def load(self) -> list[Item]:
        """Read the corpus's items (subclasses implement)."""
        raise NotImplementedError

    def items(self) -> list[Item]:
        """The items, read once and validated (unique ids, labels inside ``labels``)."""
        if self._items is None:
            items = self.load()
            if not items:
                met = "\n".join(f"  {line}" for line in self.log.lines())
                raise CorpusError(
                    f"{self.name}: no items found in {self.root}. Expected layout: {self.layout}"
                    + (f"\nWhat reading met:\n{met}" if met else "")
                )
            groups: dict[str, list[Item]] = {}
            # of several copies of an item the regularly named one is kept (not ``X (1).wav``), then by path
            for item in sorted(items, key=lambda it: (it.id, "note" in it.meta,
                                                      sorted(str(p) for p in it.media.values()))):
                if item.label is not None and self.labels and item.label not in self.labels:
                    raise CorpusError(f"{self.name}/{item.id}: label {item.label!r} outside {self.labels}")
                groups.setdefault(item.id, []).append(item)
            seen: dict[str, Item] = {}
            for item_id, copies in groups.items():
                first = copies[0]
                if len({(c.label, c.speaker) for c in copies}) > 1:
                    # the same recording filed under two labels (or speakers): which is right cannot be known
                    files = [str(p) for c in copies for p in c.media.values()]
                    for c in copies:
                        self.log.skip(next(iter(c.media.values()), c.id),
                                      f"item {item_id!r} appears as " + " and ".join(
                                          f"{x.label}/{x.speaker}" for x in copies) + f" ({', '.join(files)})")
                    continue
                for other in copies[1:]:  # a second copy (both trees of an archive unpacked, say)
                    pairs = [(first.media.get(m), p) for m, p in other.media.items()]
                    identical = all(kept is not None and same_bytes(kept, p) for kept, p in pairs)
                    self.log.duplicate(pairs[0][0] if pairs else first.id, pairs[0][1] if pairs else other.id,
                                       identical)
                seen[item_id] = first
            self._items = list(seen.values())
        return self._items

    def fingerprint(self) -> str:
        """A hash of the items (ids, speakers, labels, dims, splits) and of the
        bytes of their media files.

        Part of every job's identity: a changed file gives new job ids.
        Unreadable files enter by name (extraction reports them).
        """
        if getattr(self, "_fingerprint", None) is None:
            rows = []
            for it in self.items():
                row = [it.id, it.speaker, it.label, sorted(it.dims.items()), it.split,
                       sorted((m, _digest_or_name(p)) for m, p in it.media.items())]
                if it.series or it.meta:  # only where present, so older fingerprints stay valid
                    row += [sorted(it.series.items()), it.series_step, sorted(it.meta.items())]
                rows.append(row)
            self._fingerprint = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]
        return self._fingerprint

    def check_counts(self) -> list[str]:
        """Notes where this copy differs from :attr:`expected` (a partial or padded copy)."""
        items = self.items()
        found = {"items": len(items), "speakers": len({it.speaker for it in items if it.speaker is not None})}
        return [f"{found[k]} {k} where a complete copy has {n}" for k, n in self.expected.items()
                if k in found and found[k] != n]

    def reading_report(self) -> dict:
        """What reading found, for run reports and ``harness corpora check``."""
        return {**self.log.summary(), "count_notes": self.check_counts()}

    def summary(self) -> dict:
        """Counts for reports: items, speakers, labels, modalities, splits."""
        items = self.items()
        return {
            "corpus": self.name,
            "items": len(items),
            "speakers": len({it.speaker for it in items if it.speaker is not None}),
            "labels": dict(sorted(Counter(it.label for it in items if it.label).items())),
            "dimensions": sorted({d for it in items for d in (*it.dims, *it.series)}),
            "modalities": sorted({m for it in items for m in it.media}),
            "splits": dict(sorted(Counter(it.split for it in items if it.split).items())),
        }
