"""RECOLA as packaged for AVEC 2016 (Ringeval, Sonderegger, Sauer & Lalanne, 2013;
Valstar et al., "AVEC 2016", the MASC sub-challenge), or as first released.

Obtained from https://diuf.unifr.ch/main/diva/recola/ (end-user licence
agreement with the University of Fribourg; the AVEC 2016 package is handed out
on request).  French-speaking dyads solving a remote collaborative task; one
participant per recording, 5 minutes each, time-continuous arousal and valence
rated by six annotators.

Layout (the AVEC 2016 package, as distributed; the corpus folder is
``recola``, ``RECOLA``, ``AVEC2016``, ``AVEC_2016``, ``RECOLA_2016``, also found
inside one or two such wrapper folders)::

    recola/
      recordings_audio/train_1.wav ... dev_9.wav test_1.wav ...
      recordings_video/train_1.mp4 ...              (.avi accepted)
      ratings_gold_standard/arousal/train_1.arff    gold standard every 40 ms
      ratings_gold_standard/valence/train_1.arff
      ratings_individual/ ratings_individual_centred/   the six raters (not read)
      recordings_physio/ ...                        ECG, EDA (not read)
      features_audio/arousal/train_1.arff ...       provided features (paths recorded)
      features_video_appearance/  features_video_geometric/
      features_ECG/ features_HRHRV/ features_EDA/ features_SCL/ features_SCR/

Some copies group these folders one level deeper (``ratings/ratings_gold_standard``,
``features/features_audio``, ``recordings/recordings_audio``), or double a
folder (``ratings_gold_standard/ratings_gold_standard/arousal``, a zip unpacked
into a folder of its own name); both are read.

Gold-standard ARFF files have the attributes ``Instance_name`` (string),
``frameTime`` (seconds: 0, 0.04, ... 300) and ``GoldStandard`` (numeric, about
-1..1); 7501 frames per recording.  ``frameTime`` must start at 0 and advance by
0.04 s.  They are read by :mod:`harness.data.arff`, whose errors name the file
and line.

Items: one per recording with a gold standard, id ``train_1``, speaker = the
recording (each is one participant), split ``train`` or ``dev`` (the official
partitions: 9 + 9 recordings; a complete package gives 18 items).  Targets are
``series`` (arousal, valence) with ``series_step`` 0.04 s; no categorical
label.  The 9 test recordings have no gold standard in the package (withheld
by the challenge): they are left out with a note giving their count (where a
copy holds test gold-standard files, they are read, split ``test``).  Media:
``audio`` is the wav, ``visual`` the video (full frames) where present.

Provided features: for a later "precomputed features" extractor the adapter
records where each recording's feature files are, in ``meta`` under
``"<feature folder>/<dimension>"`` (e.g. ``meta["features_audio/arousal"] =
"features_audio/arousal/train_1.arff"``; ``"<feature folder>"`` alone when the
folder has no dimension subfolders).  Paths are relative to the corpus folder
(POSIX separators), so moving the corpus does not change its fingerprint;
:func:`feature_file` resolves them.

The original release (no AVEC package) is read too::

    RECOLA/RECOLA-Audio-recordings/P16.wav ...                 (RECOLA-Video-recordings/P16.mp4 where present)
    RECOLA/RECOLA-Annotation/emotional_behaviour/arousal/P16.csv   time;FM1 ;FM2 ;FM3 ;FF1 ;FF2 ;FF3
    RECOLA/RECOLA-Annotation/emotional_behaviour/valence/P16.csv

One item per participant ``P16`` (speaker ``P16``, no official split; the
mapping to AVEC's ``train_N``/``dev_N`` is not public).  Its series are the
plain mean of the raters' columns at each ``time`` (seconds; header names
carry trailing spaces, ``;`` or ``,`` separated), step from the ``time``
column -- *not* the AVEC 2016 gold standard, which centres each rater
first (``meta["gold"]`` says so); the social-behaviour ratings, features and
biosignals are not read.

Irregularities, and how they are read (each counted in the reading log that
``harness corpora check`` and every run print; only a copy without any gold
standard fails):

* a gold-standard file that cannot be read (malformed ARFF, missing values,
  frames not every 0.04 s from 0): that recording is skipped with the file,
  line and reason;
* a recording with only one of arousal and valence: kept with that one, noted;
  arousal and valence of different lengths: kept on their common frames, noted;
* files that are not ``<split>_<n>.arff`` in the gold folders (the
  ``train_all.arff``/``dev_all.arff`` concatenations some copies add), files
  that are not ``<split>_<n>.wav/.mp4/.avi`` among the recordings (resampled
  copies, readme) and archiver junk are ignored and counted; a recording with
  two videos (``.mp4`` and ``.avi``) keeps the ``.mp4`` (the other counted).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from harness.corpora._recola_files import STEP, TIME_TOLERANCE, read_arff, read_gold_standard, read_ratings  # noqa: F401 (read_arff: re-exported)
from harness.data.corpus import Corpus, Item, examples
from harness.data.reading import entries, is_junk, same_bytes
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

DIMENSIONS = ("arousal", "valence")
RECORDING = re.compile(r"^(train|dev|test)_(\d+)$")
VIDEO_SUFFIXES = (".mp4", ".avi")
GOLD = "ratings_gold_standard"
#: the original release
PARTICIPANT = re.compile(r"^P\d+$", re.IGNORECASE)
ANNOTATION = "RECOLA-Annotation"
EMOTIONAL = "emotional_behaviour"
ORIGINAL_AUDIO = "RECOLA-Audio-recordings"
ORIGINAL_VIDEO = "RECOLA-Video-recordings"
JUNK = "archiver junk (__MACOSX, .DS_Store, ._*)"


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
    layouts = (
        layout,
        "recola/ratings/ratings_gold_standard/..., recordings/recordings_audio/..., features/features_audio/... "
        "-- the package grouped one level deeper",
        "recola/ratings_gold_standard/ratings_gold_standard/arousal/train_1.arff -- a folder doubled by unzipping",
        "RECOLA/RECOLA-Audio-recordings/P16.wav with RECOLA-Annotation/emotional_behaviour/{arousal,valence}/P16.csv "
        "-- the original release (mean of the six raters)",
    )
    wrappers = ("AVEC2016", "AVEC_2016", "RECOLA_2016", "RECOLA", "recola", "AVEC2015", "AVEC_2015", "RECOLA-master")
    expected = {"items": 18, "speakers": 18}
    face_crops = False
    obtain = ("https://diuf.unifr.ch/main/diva/recola/ (EULA with the University of Fribourg; "
              "AVEC 2016 package on request, cite Ringeval et al. 2013 and Valstar et al. 2016)")

    @classmethod
    def _component(cls, root: Path, name: str) -> Path | None:
        """``root/name``, or ``root/<group>/name`` one level down, when it is a folder; a folder doubled by
        unzipping (``name/name/``) is entered."""
        found = root / name
        if not found.is_dir():
            try:
                groups = [p for p in entries(root) if p.is_dir()]
            except OSError:
                return None
            found = next((g / name for g in groups if (g / name).is_dir()), None)
            if found is None:
                return None
        inner = found / name
        if inner.is_dir() and not any(p.name != name for p in entries(found)):
            return inner
        if inner.is_dir() and name == GOLD and not any((found / d).is_dir() for d in DIMENSIONS):
            return inner
        return found

    @classmethod
    def _original(cls, root: Path) -> Path | None:
        """The emotional-behaviour annotations of the original release, when ``root`` holds them."""
        for base in (cls._component(root, ANNOTATION), root):
            if base is not None and any((base / EMOTIONAL / d).is_dir() for d in DIMENSIONS):
                return base / EMOTIONAL
        return None

    @classmethod
    def is_present(cls, path: Path) -> bool:
        gold = cls._component(path, GOLD)
        return (gold is not None and any((gold / d).is_dir() for d in DIMENSIONS)) or cls._original(path) is not None

    def load(self) -> list[Item]:
        gold = self._component(self.root, GOLD)
        if gold is None or not any((gold / d).is_dir() for d in DIMENSIONS):
            return self._load_original(self._original(self.root))
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
            if rec in self._gold_notes:
                meta["note"] = self.log.infer(next(iter(media.values())), self._gold_notes[rec])
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
        self._gold_notes: dict[str, str] = {}
        for dim in DIMENSIONS:
            folder = gold / dim
            if not folder.is_dir():
                self.notes.append(f"{folder}: missing; only {' and '.join(d for d in DIMENSIONS if d != dim)} "
                                  "is read")
                continue
            for path in sorted(folder.iterdir()):
                if is_junk(path):
                    self.log.ignore(path, JUNK)
                elif path.suffix.lower() != ".arff" or not RECORDING.match(path.stem) or not path.is_file():
                    self.log.ignore(path, "files in the gold-standard folders that are not <split>_<n>.arff "
                                          "(train_all.arff, ...)")
                else:
                    files.setdefault(path.stem, {})[dim] = path
        series, times = {}, {}
        for rec, by_dim in sorted(files.items()):
            read, notes = {}, []
            for dim, path in by_dim.items():
                try:
                    read[dim] = read_gold_standard(path)
                except CorpusError as exc:
                    self.log.skip(path, f"gold standard not read: {exc}")
            if len(read) < len(by_dim):
                if read:
                    notes.append(f"only {', '.join(read)} read (the other gold-standard file is unreadable)")
                else:
                    continue
            missing = [d for d in DIMENSIONS if d not in by_dim]
            if missing:
                notes.append(f"no {missing[0]} gold standard ({gold / missing[0] / (rec + '.arff')}): only "
                             f"{', '.join(read)} read")
            lengths = {d: len(v) for d, (_, v) in read.items()}
            n = min(lengths.values())
            if len(set(lengths.values())) > 1:
                notes.append("arousal and valence of different lengths (" + ", ".join(
                    f"{d} {k}" for d, k in lengths.items()) + f" frames): read on their {n} common frames")
            series[rec] = {d: v[:n] for d, (_, v) in read.items()}
            times[rec] = next(iter(read.values()))[0][:n]
            if notes:
                self._gold_notes[rec] = "; ".join(notes)
        if not series:
            raise CorpusError(f"{self.name}: no readable gold-standard file <split>_<n>.arff in {gold} "
                              + (f"({len(self.log.skipped)} unreadable: {self.log.skipped[0][1]})"
                                 if self.log.skipped else "(the folders are empty)"))
        return series, times

    # -- media -------------------------------------------------------------
    def _recordings(self, audio_dir: Path | None, video_dir: Path | None,
                    pattern: re.Pattern = RECORDING) -> dict[str, dict[str, Path]]:
        """Recording id -> media, for every recording file in the package."""
        found: dict[str, dict[str, Path]] = {}
        for folder, modality, suffixes in ((audio_dir, "audio", (".wav",)), (video_dir, "visual", VIDEO_SUFFIXES)):
            if folder is None:
                continue
            # .mp4 before .avi, so that a recording with both keeps its .mp4
            for path in sorted(folder.iterdir(), key=lambda p: (p.stem, suffixes.index(p.suffix.lower())
                                                                if p.suffix.lower() in suffixes else 9)):
                if is_junk(path):
                    self.log.ignore(path, JUNK)
                    continue
                if path.suffix.lower() not in suffixes or not pattern.match(path.stem) or not path.is_file():
                    self.log.ignore(path, "files among the recordings that are not recordings "
                                          "(<split>_<n>.wav/.mp4/.avi)")
                    continue
                media = found.setdefault(path.stem, {})
                if modality in media:
                    self.log.duplicate(media[modality], path, same_bytes(media[modality], path))
                    continue
                media[modality] = path
        return found

    def _note_unlabelled(self, recordings: dict, series: dict) -> None:
        unlabelled = sorted(r for r in recordings if r not in series)
        test = [r for r in unlabelled if r.startswith("test_")]
        other = [r for r in unlabelled if not r.startswith("test_")]
        if test:
            self.notes.append(f"left out {len(test)} test recording(s) without gold standard "
                              f"(AVEC 2016 test labels were withheld): {', '.join(test)}")
        if other:
            self.notes.append(f"left out {len(other)} train/dev recording(s) without a readable gold-standard "
                              f"file in {GOLD}/: {', '.join(other)}")

    # -- the original release ----------------------------------------------
    def _load_original(self, annotations: Path) -> list[Item]:
        self.expected = {}  # the number of participants with emotional ratings in the release is not documented
        files: dict[str, dict[str, Path]] = {}
        for dim in DIMENSIONS:
            folder = annotations / dim
            if not folder.is_dir():
                self.notes.append(f"{folder}: missing; only {' and '.join(d for d in DIMENSIONS if d != dim)} "
                                  "is read")
                continue
            for path in sorted(folder.iterdir()):
                if is_junk(path):
                    self.log.ignore(path, JUNK)
                elif path.suffix.lower() != ".csv" or not PARTICIPANT.match(path.stem) or not path.is_file():
                    self.log.ignore(path, "files in the annotation folders that are not P<n>.csv")
                else:
                    files.setdefault(path.stem.upper(), {})[dim] = path
        recordings = self._recordings(self._component(self.root, ORIGINAL_AUDIO),
                                      self._component(self.root, ORIGINAL_VIDEO), PARTICIPANT)
        recordings = {k.upper(): v for k, v in recordings.items()}
        items, no_media = [], []
        for rec, by_dim in sorted(files.items()):
            read, notes, raters = {}, [], set()
            for dim, path in by_dim.items():
                try:
                    times, values, names = read_ratings(path)
                except CorpusError as exc:
                    self.log.skip(path, f"ratings not read: {exc}")
                    continue
                steps = np.diff(times)
                if not len(steps) or steps.min() <= 0 or np.ptp(steps) > TIME_TOLERANCE:
                    self.log.skip(path, "the time column is not uniformly spaced: no series step")
                    continue
                read[dim] = (times, values)
                raters.update(names)
            if not read:
                continue
            if len(read) < len(DIMENSIONS):
                notes.append(f"only {', '.join(read)} read")
            n = min(len(v) for _, v in read.values())
            if len({len(v) for _, v in read.values()}) > 1:
                notes.append(f"arousal and valence of different lengths: read on their {n} common frames")
            times = next(iter(read.values()))[0]
            step = round(float(np.mean(np.diff(times))), 6)
            if abs(times[0]) > TIME_TOLERANCE and abs(times[0] - step) > TIME_TOLERANCE:
                notes.append(f"the ratings start at {times[0]:g} s")
            media = recordings.get(rec, {})
            if not media:
                no_media.append(rec)
                continue
            meta = {"frames": str(n), "duration_s": f"{times[n - 1]:.2f}", "raters": " ".join(sorted(raters)),
                    "gold": "mean of the raters (original release; not the AVEC 2016 gold standard)"}
            if notes:
                meta["note"] = self.log.infer(next(iter(media.values())), "; ".join(notes))
            items.append(Item(id=rec, corpus=self.name, media=media, speaker=rec,
                              series={d: v[:n] for d, (_, v) in read.items()}, series_step=step, meta=meta))
        if no_media:
            self.notes.append(f"left out {len(no_media)} participant(s) with ratings but no file in "
                              f"{ORIGINAL_AUDIO}/ or {ORIGINAL_VIDEO}/: {examples(no_media)}")
        unlabelled = sorted(set(recordings) - set(files))
        if unlabelled:
            self.notes.append(f"left out {len(unlabelled)} recording(s) without emotional ratings: "
                              + examples(unlabelled))
        self.notes.append("original release: series are the plain mean of the raters, not the AVEC 2016 gold "
                          "standard; no official split")
        return items

    # -- provided features ---------------------------------------------------
    def _feature_sets(self) -> dict[str, Path]:
        """Feature folder name -> folder (``features_*``, at the top or one level down)."""
        sets: dict[str, Path] = {}
        for base in [self.root] + [p for p in entries(self.root) if p.is_dir()]:
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
        unread = [n for n in ("ratings_individual", "ratings_individual_centred", "recordings_physio")
                  if self._component(self.root, n) is not None]
        if unread:
            self.notes.append(f"not read: {', '.join(n + '/' for n in unread)} (the gold standard and the "
                              f"audio/video recordings are used)")


@hookimpl
def harness_corpora():
    return [Recola]
