"""OMG-Emotion — the One-Minute-Gradual Emotion dataset (Barros et al., IJCNN 2018).

Obtained from https://github.com/knowledgetechnologyuhh/OMGEmotionChallenge
(CC BY-NC-SA 3.0 DE, research use; cite Barros, Churamani, Lakomkin, Siqueira,
Sutherland & Wermter, "The OMG-Emotion Behavior Dataset", IJCNN 2018).  The
videos are YouTube monologues; the challenge distributes CSV files, and its
script ``prepare_data.py --split-file omg_TrainVideos.csv --target-dir train``
downloads each YouTube video and cuts it into utterance clips.

Layout (CSV files as distributed, clips as the download script writes them)::

    omg/
      omg_TrainVideos.csv                split train (2442 rows)
      omg_ValidationVideos.csv           split valid (617 rows)
      omg_TestVideos_WithLabels.csv      split test (labels released after the challenge; optional)
      train/<video>/utterance_1.mp4      clips: <target-dir>/<video>/<utterance>
      validation/<video>/utterance_1.mp4
      test/<video>/utterance_1.mp4

The CSV columns are ``link,start,end,video,utterance,arousal,valence,EmotionMaxVote``.
``omg_TestVideos_WithoutLabels.csv`` (no label columns) is not read, with a note.
The clip folder is the download script's ``--target-dir``, chosen by the user;
these names are tried for each split, in order, directly under the corpus
folder and under ``Videos/`` or ``videos/``: train: ``train Train training
Training``; valid: ``validation Validation valid Valid val dev``; test: ``test
Test``; finally the corpus folder itself (``--target-dir .``).  A clip is the
first existing ``<folder>/<video>/<utterance>``.

Codes: EmotionMaxVote 0 anger, 1 disgust, 2 fear, 3 happy (happiness),
4 neutral, 5 sad (sadness), 6 surprise.  Dimensions: the gold-standard
arousal (0..1) and valence (-1..1) of each utterance.

Speakers: each video is one YouTube monologue by one person, so the speaker is
the video id and a speaker-disjoint protocol is video-disjoint.  (Where the
CSVs give one YouTube link several video ids, those ids share one speaker, with
a note.  The same person in two different YouTube videos cannot be detected.)
Official split: train / valid (the challenge's validation set, on which the
papers report) / test where its labels are present.

Rows whose clip is missing (the YouTube video was no longer available when the
download script ran — common) are left out with a note giving the count per CSV;
when no clip is found at all the adapter stops with an error.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "omg",
    {"0": "anger", "1": "disgust", "2": "fear", "3": "happiness", "4": "neutral", "5": "sadness", "6": "surprise"},
)
#: CSV file -> split, in reading order.
CSV_FILES = {
    "omg_TrainVideos.csv": "train",
    "omg_ValidationVideos.csv": "valid",
    "omg_TestVideos_WithLabels.csv": "test",
    "omg_TestVideos.csv": "test",
}
UNLABELLED_CSV = "omg_TestVideos_WithoutLabels.csv"
SPLIT_FOLDERS = {
    "train": ("train", "Train", "training", "Training"),
    "valid": ("validation", "Validation", "valid", "Valid", "val", "dev"),
    "test": ("test", "Test"),
}
FOLDER_BASES = ("", "Videos", "videos")
COLUMNS = ("video", "utterance", "arousal", "valence", "emotionmaxvote")
LABEL_COLUMNS = ("arousal", "valence", "emotionmaxvote")
RANGES = {"arousal": (0.0, 1.0), "valence": (-1.0, 1.0)}
#: Gold-standard values are means of ratings; allow for rounding at the ends of the scale.
RANGE_TOLERANCE = 1e-6
INTEGER = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")


class OMGEmotion(Corpus):
    name = "omg"
    description = ("OMG-Emotion: utterance clips of 420 YouTube monologues (one speaker each), "
                   "7 emotions (EmotionMaxVote), arousal and valence per utterance")
    folders = ("omg", "OMG", "omg-emotion", "OMG-Emotion", "omg_emotion", "OMGEmotion", "OMGEmotionChallenge")
    modalities = ("audio", "visual")
    labels = CODES.labels
    dimensions = ("arousal", "valence")
    splits = ("train", "valid", "test")
    layout = ("omg/omg_TrainVideos.csv, omg_ValidationVideos.csv (link,start,end,video,utterance,arousal,valence,"
              "EmotionMaxVote) and the download script's clips train/<video>/utterance_1.mp4, "
              "validation/<video>/utterance_1.mp4")
    obtain = ("https://github.com/knowledgetechnologyuhh/OMGEmotionChallenge (CSVs and prepare_data.py, "
              "which downloads the YouTube videos; CC BY-NC-SA 3.0 DE, cite Barros et al. 2018)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any((path / name).is_file() for name in CSV_FILES)

    def load(self) -> list[Item]:
        rows = []  # (csv path, line, split, row dict)
        read_splits = set()
        for name, split in CSV_FILES.items():
            path = self.root / name
            if not path.is_file():
                continue
            if split in read_splits:
                self.notes.append(f"not read: {name} (the {split} split was read from another CSV)")
                continue
            content = self._read_csv(path, labels_optional=split == "test")
            if content is None:
                self.notes.append(f"not read: {name} (no label columns; test labels are in "
                                  f"omg_TestVideos_WithLabels.csv)")
                continue
            read_splits.add(split)
            rows += [(path, line, split, row) for line, row in content]
        if (self.root / UNLABELLED_CSV).is_file():
            self.notes.append(f"not read: {UNLABELLED_CSV} (no labels; the labelled test set is "
                              f"omg_TestVideos_WithLabels.csv)")
        self._check_unique(rows)
        speakers = self._speakers(rows)
        items, missing = [], {}
        searched = {split: self._clip_folders(split) for split in SPLIT_FOLDERS}
        for path, line, split, row in rows:
            where = f"{path}:{line}"
            video, utterance = row["video"], row["utterance"]
            label = CODES(self._code(row["emotionmaxvote"]), where)
            dims = {d: self._value(row, d, where) for d in RANGES}
            clip = next((f / video / utterance for f in searched[split] if (f / video / utterance).is_file()), None)
            if clip is None:
                missing.setdefault(path.name, []).append(f"{video}/{utterance}")
                continue
            meta = {"video": video, "link": row.get("link", ""), "start": row.get("start", ""),
                    "end": row.get("end", "")}
            items.append(Item(id=f"{video}/{Path(utterance).stem}", corpus=self.name,
                              media={"audio": clip, "visual": clip}, speaker=speakers[video], label=label,
                              dims=dims, split=split, meta=meta))
        if not items and rows:
            folders = sorted({str(f) for fs in searched.values() for f in fs})
            raise CorpusError(
                f"{self.name}: none of the {len(rows)} clips listed in the CSVs of {self.root} was found. "
                f"Clips are looked for as <folder>/<video>/<utterance> (e.g. train/{rows[0][3]['video']}/"
                f"{rows[0][3]['utterance']}) in: {', '.join(folders)}. Run the challenge's prepare_data.py "
                f"--split-file omg_TrainVideos.csv --target-dir {self.root / 'train'} (and likewise "
                f"validation, test).")
        totals = {}
        for path, _, _, _ in rows:
            totals[path.name] = totals.get(path.name, 0) + 1
        for name, lost in missing.items():
            self.notes.append(f"{name}: {len(lost)} of {totals[name]} row(s) have no clip (YouTube video "
                              f"unavailable when downloaded?) and are left out: "
                              + examples(lost))
        self._note_cross_split_videos(items)
        return items

    # -- reading ---------------------------------------------------------------
    def _read_csv(self, path: Path, labels_optional: bool = False) -> list[tuple[int, dict[str, str]]] | None:
        """(line number, row with lower-case column names) of every non-empty row;
        None when ``labels_optional`` and the label columns are absent."""
        try:
            with path.open(newline="", encoding="utf-8-sig") as f:
                reader = csv.reader(f)
                header = next(reader, None)
                if header is None:
                    raise CorpusError(f"{path}: empty CSV file (expected the header {','.join(COLUMNS)} ...)")
                names = [h.strip().lower() for h in header]
                absent = [c for c in COLUMNS if c not in names]
                if labels_optional and absent and set(absent) <= set(LABEL_COLUMNS):
                    return None
                if absent:
                    raise CorpusError(f"{path}: no column(s) {', '.join(absent)} in the header "
                                      f"({','.join(h.strip() for h in header)})")
                out = []
                for values in reader:
                    if not any(v.strip() for v in values):
                        continue
                    # trailing empty fields (a trailing comma) are allowed
                    while len(values) > len(names) and not values[-1].strip():
                        values = values[:-1]
                    if len(values) != len(names):
                        raise CorpusError(f"{path}:{reader.line_num}: {len(values)} fields, the header has "
                                          f"{len(names)}")
                    row = {n: v.strip() for n, v in zip(names, values)}
                    if not row["video"] or not row["utterance"]:
                        raise CorpusError(f"{path}:{reader.line_num}: empty video or utterance field")
                    if "/" in row["utterance"] or "\\" in row["utterance"] or "/" in row["video"]:
                        raise CorpusError(f"{path}:{reader.line_num}: video/utterance must be plain names, got "
                                          f"{row['video']!r}, {row['utterance']!r}")
                    out.append((reader.line_num, row))
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: not a UTF-8 CSV file ({exc.reason} at byte {exc.start})") from None
        except csv.Error as exc:
            raise CorpusError(f"{path}: malformed CSV ({exc})") from None
        return out

    @staticmethod
    def _code(value: str) -> str:
        """'3' and '3.0' are code 3; anything else is passed on for the label map to reject."""
        m = INTEGER.match(value)
        return str(int(m.group(1))) if m else value

    @staticmethod
    def _value(row: dict[str, str], dim: str, where: str) -> float:
        try:
            value = float(row[dim])
        except ValueError:
            raise CorpusError(f"{where}: {dim} {row[dim]!r} is not a number") from None
        low, high = RANGES[dim]
        if not math.isfinite(value) or not low - RANGE_TOLERANCE <= value <= high + RANGE_TOLERANCE:
            raise CorpusError(f"{where}: {dim} {row[dim]} outside the OMG-Emotion range [{low:g}, {high:g}]")
        return value

    def _clip_folders(self, split: str) -> list[Path]:
        """Existing folders, in order, where the clips of ``split`` may be."""
        found = []
        for base in FOLDER_BASES:
            for name in SPLIT_FOLDERS[split]:
                folder = self.root / base / name
                if folder.is_dir() and folder.resolve() not in {f.resolve() for f in found}:
                    found.append(folder)
        return found + [self.root]

    # -- checks ------------------------------------------------------------------
    def _check_unique(self, rows) -> None:
        seen: dict[str, str] = {}
        for path, line, _, row in rows:
            key = f"{row['video']}/{Path(row['utterance']).stem}"
            if key in seen:
                raise CorpusError(f"utterance {key} is listed twice: {seen[key]} and {path}:{line}")
            seen[key] = f"{path}:{line}"

    def _speakers(self, rows) -> dict[str, str]:
        """Video id -> speaker: the video id, or the first of the ids that share a YouTube link."""
        by_link: dict[str, set[str]] = {}
        for _, _, _, row in rows:
            if row.get("link"):
                by_link.setdefault(row["link"], set()).add(row["video"])
        speakers = {row["video"]: row["video"] for _, _, _, row in rows}
        shared = []
        for link, videos in sorted(by_link.items()):
            if len(videos) > 1:
                first = min(videos)
                shared.append(f"{link} ({', '.join(sorted(videos))})")
                for v in videos:
                    speakers[v] = min(speakers[v], first)
        if shared:
            self.notes.append(f"{len(shared)} YouTube link(s) appear under several video ids; each link's ids "
                              f"share one speaker: " + "; ".join(shared[:3]) + (" ..." if len(shared) > 3 else ""))
        return speakers

    def _note_cross_split_videos(self, items: list[Item]) -> None:
        splits: dict[str, set[str]] = {}
        for it in items:
            splits.setdefault(it.speaker, set()).add(it.split)
        crossing = sorted(s for s, parts in splits.items() if len(parts) > 1)
        if crossing:
            self.notes.append(f"{len(crossing)} speaker(s) (videos) occur in more than one official split, so "
                              f"the official split is not speaker-disjoint for them: " + ", ".join(crossing[:5]))


@hookimpl
def harness_corpora():
    return [OMGEmotion]
