"""RECOLA as packaged for AVEC 2016 (Ringeval, Sonderegger, Sauer & Lalanne, 2013;
Valstar et al., "AVEC 2016", the MASC sub-challenge).

Obtained from https://diuf.unifr.ch/main/diva/recola/ (end-user licence
agreement with the University of Fribourg; the AVEC 2016 package is handed out
on request).  French-speaking dyads solving a remote collaborative task; one
participant per recording, 5 minutes each, time-continuous arousal and valence
rated by six annotators.

Layout (the AVEC 2016 package, as distributed)::

    recola/
      recordings_audio/train_1.wav ... dev_9.wav test_1.wav ...
      recordings_video/train_1.mp4 ...              (.avi accepted)
      ratings_gold_standard/arousal/train_1.arff    gold standard every 40 ms
      ratings_gold_standard/valence/train_1.arff
      ratings_individual/ ...                       the six raters (not read)
      recordings_physio/ ...                        ECG, EDA (not read)
      features_audio/arousal/train_1.arff ...       provided features (paths recorded)
      features_video_appearance/  features_video_geometric/
      features_ECG/ features_HRHRV/ features_EDA/ features_SCL/ features_SCR/

Some copies group these folders one level deeper (``ratings/ratings_gold_standard``,
``features/features_audio``, ``recordings/recordings_audio``); that is accepted.

Gold-standard ARFF files have the attributes ``Instance_name`` (string),
``frameTime`` (seconds: 0, 0.04, ... 300) and ``GoldStandard`` (numeric, about
-1..1); 7501 frames per recording.  ``frameTime`` must start at 0 and advance by
0.04 s, and arousal and valence must share the same frames.  They are read
by :mod:`harness.data.arff`, whose errors name the file and line; here they are
raised as CorpusError.

Items: one per recording with a gold standard, id ``train_1``, speaker = the
recording (each is one participant), split ``train`` or ``dev`` (the official
partitions: 9 + 9 recordings).  Targets are ``series`` (arousal, valence) with
``series_step`` 0.04 s; no categorical label.  The 9 test recordings have no
gold standard in the package (withheld by the challenge): they are left out
with a note giving their count (where a copy holds test gold-standard files,
they are read, split ``test``).  Media: ``audio`` is the wav, ``visual`` the
video where present.

Provided features: for a later "precomputed features" extractor the adapter
records where each recording's feature files are, in ``meta`` under
``"<feature folder>/<dimension>"`` (e.g. ``meta["features_audio/arousal"] =
"features_audio/arousal/train_1.arff"``; ``"<feature folder>"`` alone when the
folder has no dimension subfolders).  Paths are relative to the corpus folder
(POSIX separators), so moving the corpus does not change its fingerprint;
:func:`feature_file` resolves them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from harness.data import arff
from harness.data.arff import ArffTable
from harness.data.corpus import Corpus, Item, examples
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

DIMENSIONS = ("arousal", "valence")
STEP = 0.04
#: How far (seconds) a frameTime may be from ``i * STEP`` (files print 2-6 decimals).
TIME_TOLERANCE = 1e-3
RECORDING = re.compile(r"^(train|dev|test)_(\d+)$")
VIDEO_SUFFIXES = (".mp4", ".avi")
GOLD = "ratings_gold_standard"


# -- gold standard ----------------------------------------------------------------
def read_arff(path: Path) -> ArffTable:
    """:func:`harness.arff.read_arff`, its errors (``path:line: ...``) raised as CorpusError."""
    try:
        return arff.read_arff(path)
    except arff.ArffError as exc:
        raise CorpusError(str(exc)) from None


def read_gold_standard(path: Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(frame times, values)`` of one AVEC 2016 gold-standard file, checked:
    numeric, no missing values, frameTime from 0 in steps of 0.04 s."""
    table = read_arff(path)
    try:
        times, values = table.numbers("frameTime"), table.numbers("GoldStandard")
    except arff.ArffError as exc:
        raise CorpusError(str(exc)) from None
    if not len(times):
        raise CorpusError(f"{path}: no frames in the @data section")
    bad = np.flatnonzero(~(np.isfinite(times) & np.isfinite(values)))
    if bad.size:
        i = bad[0]
        raise CorpusError(f"{table.where(i)}: missing or non-finite frameTime/GoldStandard ({times[i]}, {values[i]})")
    off = np.flatnonzero(np.abs(times - np.arange(len(times)) * STEP) > TIME_TOLERANCE)
    if off.size:
        i = int(off[0])
        raise CorpusError(f"{table.where(i)}: frameTime {times[i]:g} s where {i * STEP:.2f} s was expected "
                          f"(frame {i + 1}; the gold standard must be uniformly spaced at {STEP} s from 0)")
    return tuple(times.tolist()), tuple(values.tolist())


def feature_file(item: Item, key: str, root: Path | None = None) -> Path:
    """The absolute path of a provided-feature file recorded in ``item.meta[key]``.

    ``root`` is the corpus folder; when omitted it is found by walking up from
    the item's media file to the folder that holds the AVEC 2016 package.
    """
    if key not in item.meta:
        known = sorted(k for k in item.meta if k.startswith("features"))
        raise CorpusError(f"{item.key}: no provided features {key!r} (recorded: {', '.join(known) or 'none'})")
    if root is None:
        media = next(iter(item.media.values()))
        root = next((p for p in media.parents if Recola.is_present(p)), None)
        if root is None:
            raise CorpusError(f"{item.key}: cannot find the RECOLA folder above {media}")
    return Path(root) / item.meta[key]


# -- the adapter -----------------------------------------------------------------
class Recola(Corpus):
    name = "recola"
    description = ("RECOLA (AVEC 2016 package): 18 labelled 5-minute French recordings, one participant each, "
                   "time-continuous arousal and valence every 40 ms")
    folders = ("recola", "RECOLA", "AVEC2016", "AVEC_2016", "avec2016", "RECOLA_2016", "recola-avec2016")
    modalities = ("audio", "visual")
    labels = ()
    dimensions = DIMENSIONS
    splits = ("train", "dev", "test")
    layout = ("recola/ratings_gold_standard/{arousal,valence}/train_1.arff (frameTime, GoldStandard every 0.04 s), "
              "recordings_audio/train_1.wav, recordings_video/train_1.mp4 (AVEC 2016 package; train_N, dev_N)")
    obtain = ("https://diuf.unifr.ch/main/diva/recola/ (EULA with the University of Fribourg; "
              "AVEC 2016 package on request, cite Ringeval et al. 2013 and Valstar et al. 2016)")

    @classmethod
    def _component(cls, root: Path, name: str) -> Path | None:
        """``root/name``, or ``root/<group>/name`` one level down, when it is a folder."""
        direct = root / name
        if direct.is_dir():
            return direct
        try:
            groups = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        except OSError:
            return None
        return next((g / name for g in groups if (g / name).is_dir()), None)

    @classmethod
    def is_present(cls, path: Path) -> bool:
        gold = cls._component(path, GOLD)
        return gold is not None and any((gold / d).is_dir() for d in DIMENSIONS)

    def load(self) -> list[Item]:
        gold = self._component(self.root, GOLD)
        series, times = self._read_gold(gold)
        audio_dir = self._component(self.root, "recordings_audio")
        video_dir = self._component(self.root, "recordings_video")
        features = self._feature_sets()
        recordings = self._recordings(audio_dir, video_dir)
        items, no_media = [], []
        for rec in sorted(series):
            split = RECORDING.match(rec).group(1)
            media = recordings.get(rec, {})
            if not media:
                no_media.append(rec)
                continue
            meta = {"frames": str(len(times[rec])), "duration_s": f"{times[rec][-1]:.2f}"}
            meta.update(self._feature_meta(rec, features))
            items.append(Item(id=rec, corpus=self.name, media=media, speaker=rec, split=split,
                              series=series[rec], series_step=STEP, meta=meta))
        self._note_unlabelled(recordings, series)
        if no_media:
            self.notes.append(f"left out {len(no_media)} recording(s) with a gold standard but neither "
                              f"recordings_audio/ nor recordings_video/ file: {', '.join(no_media)}")
        self._note_feature_gaps(items, features)
        self._note_unread()
        return items

    # -- gold standard -----------------------------------------------------
    def _read_gold(self, gold: Path) -> tuple[dict, dict]:
        files: dict[str, dict[str, Path]] = {}
        ignored = []
        for dim in DIMENSIONS:
            folder = gold / dim
            if not folder.is_dir():
                raise CorpusError(f"{folder}: missing (the gold standard has {' and '.join(DIMENSIONS)} folders)")
            for path in sorted(folder.iterdir()):
                if path.name.startswith("."):
                    continue
                if path.suffix.lower() != ".arff" or not RECORDING.match(path.stem):
                    ignored.append(f"{dim}/{path.name}")
                    continue
                if not path.is_file():
                    raise CorpusError(f"{path}: not a regular file")
                files.setdefault(path.stem, {})[dim] = path
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) in {gold} that are not <split>_<n>.arff: "
                              + examples(ignored))
        series, times = {}, {}
        for rec, by_dim in sorted(files.items()):
            missing = [d for d in DIMENSIONS if d not in by_dim]
            if missing:
                have = next(iter(by_dim.values()))
                raise CorpusError(f"{have}: no {missing[0]} counterpart {gold / missing[0] / have.name}")
            read = {d: read_gold_standard(by_dim[d]) for d in DIMENSIONS}
            (t_a, v_a), (_, v_v) = read["arousal"], read["valence"]  # both checked: 0, 0.04, ...
            if len(v_a) != len(v_v):
                raise CorpusError(f"{by_dim['valence']}: {len(v_v)} frames, but {by_dim['arousal']} has {len(v_a)} "
                                  f"(arousal and valence must cover the same frames)")
            series[rec] = {"arousal": v_a, "valence": v_v}
            times[rec] = t_a
        return series, times

    # -- media -------------------------------------------------------------
    def _recordings(self, audio_dir: Path | None, video_dir: Path | None) -> dict[str, dict[str, Path]]:
        """Recording id -> media, for every recording file in the package."""
        found: dict[str, dict[str, Path]] = {}
        ignored = []
        for folder, modality, suffixes in ((audio_dir, "audio", (".wav",)), (video_dir, "visual", VIDEO_SUFFIXES)):
            if folder is None:
                continue
            for path in sorted(folder.iterdir()):
                if path.name.startswith("."):
                    continue
                if path.suffix.lower() not in suffixes or not RECORDING.match(path.stem):
                    ignored.append(f"{folder.name}/{path.name}")
                    continue
                if not path.is_file():
                    raise CorpusError(f"{path}: not a regular file")
                media = found.setdefault(path.stem, {})
                if modality in media:
                    raise CorpusError(f"two {modality} files for recording {path.stem}: {media[modality]} and {path}")
                media[modality] = path
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not recordings (<split>_<n>.wav/.mp4/.avi): "
                              + examples(ignored))
        return found

    def _note_unlabelled(self, recordings: dict, series: dict) -> None:
        unlabelled = sorted(r for r in recordings if r not in series)
        test = [r for r in unlabelled if r.startswith("test_")]
        other = [r for r in unlabelled if not r.startswith("test_")]
        if test:
            self.notes.append(f"left out {len(test)} test recording(s) without gold standard "
                              f"(AVEC 2016 test labels were withheld): {', '.join(test)}")
        if other:
            self.notes.append(f"left out {len(other)} train/dev recording(s) without a gold-standard file in "
                              f"{GOLD}/: {', '.join(other)}")

    # -- provided features ---------------------------------------------------
    def _feature_sets(self) -> dict[str, Path]:
        """Feature folder name -> folder (``features_*``, at the top or one level down)."""
        sets: dict[str, Path] = {}
        for base in [self.root] + sorted(p for p in self.root.iterdir() if p.is_dir()):
            for folder in sorted(base.glob("features_*")):
                if folder.is_dir() and folder.name not in sets:
                    sets[folder.name] = folder
        return sets

    def _feature_meta(self, rec: str, features: dict[str, Path]) -> dict[str, str]:
        meta = {}
        for name, folder in features.items():
            for dim in DIMENSIONS:
                path = folder / dim / f"{rec}.arff"
                if path.is_file():
                    meta[f"{name}/{dim}"] = path.relative_to(self.root).as_posix()
            flat = folder / f"{rec}.arff"
            if flat.is_file():
                meta[name] = flat.relative_to(self.root).as_posix()
        return meta

    def _note_feature_gaps(self, items: list[Item], features: dict[str, Path]) -> None:
        keys = sorted({k for it in items for k in it.meta if k.split("/")[0] in features})
        for key in keys:
            lacking = [it.id for it in items if key not in it.meta]
            if lacking:
                self.notes.append(f"provided features {key}: no file for {len(lacking)} of {len(items)} "
                                  f"recording(s): {', '.join(lacking[:5])}" + (" ..." if len(lacking) > 5 else ""))
        empty = sorted(n for n in features if not any(k.split("/")[0] == n for k in keys))
        if empty:
            self.notes.append(f"feature folder(s) with no <folder>/<dimension>/<recording>.arff file for any "
                              f"labelled recording: {', '.join(empty)}")

    def _note_unread(self) -> None:
        unread = [n for n in ("ratings_individual", "recordings_physio")
                  if self._component(self.root, n) is not None]
        if unread:
            self.notes.append(f"not read: {', '.join(n + '/' for n in unread)} (the gold standard and the "
                              f"audio/video recordings are used)")


@hookimpl
def harness_corpora():
    return [Recola]
