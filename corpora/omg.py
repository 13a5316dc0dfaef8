"""OMG-Emotion — the One-Minute-Gradual Emotion dataset (Barros et al., IJCNN 2018).

Obtained from https://github.com/knowledgetechnologyuhh/OMGEmotionChallenge
(CC BY-NC-SA 3.0 DE, research use; cite Barros, Churamani, Lakomkin, Siqueira,
Sutherland & Wermter, "The OMG-Emotion Behavior Dataset", IJCNN 2018).  The
videos are YouTube monologues; the challenge distributes CSV files, and its
script ``prepare_data.py --split-file omg_TrainVideos.csv --target-dir train``
downloads each YouTube video and cuts it into utterance clips.

Layouts read (the CSV files as distributed, in the corpus folder -- ``omg``,
``OMG-Emotion``, the repository ``OMGEmotionChallenge``/``-master`` -- and the
clips where the download script wrote them)::

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
a folder named for its split is looked for directly under the corpus folder and
one level deeper (``Videos/Train``, ``omg_Test_TMP/omg_Test``,
``OMG_preprocessed/train``), matched without case: train: ``train``,
``training``, ``omg_Train``, ``train_data``, ``Train_Set``, ...; valid:
``validation``, ``valid``, ``val``, ``dev``, ``omg_Val``, ``omg_Validation``,
``Validation_Set``, ``val_data``, ...; test: ``test``, ``omg_Test``,
``omg_Test_TMP``, ``test_data``, ...; finally the corpus folder itself
(``--target-dir .``).  A clip is the first existing ``<folder>/<video>/<utterance>``
(``utterance_1`` without its ``.mp4`` in a CSV is looked for as ``utterance_1.mp4``).

Codes: EmotionMaxVote 0 anger, 1 disgust, 2 fear, 3 happy (happiness),
4 neutral, 5 sad (sadness), 6 surprise.  Dimensions: the gold-standard
arousal (0..1) and valence (-1..1) of each utterance.  The challenge's
official measure is the per-video CCC of arousal and valence; the
categorical label is unofficial.

Speakers: each video is one YouTube monologue by one person, so the speaker is
the video id and a speaker-disjoint protocol is video-disjoint.  (Where the
CSVs give one YouTube link several video ids, those ids share one speaker, with
a note.  The same person in two different YouTube videos cannot be detected.)
Official split: train / valid (the challenge's validation set, on which the
papers report) / test where its labels are present.  How many clips a copy
holds depends on which YouTube videos were still online when it was
downloaded, so no complete count is checked.

Irregularities, and how they are read (each counted in the reading log that
``harness corpora check`` and every run print; none fails the corpus):

* rows whose clip is missing (the YouTube video was no longer available --
  common, about half of the links by 2018) are skipped with the CSV line, and
  counted per CSV in a note; when no clip is found at all the adapter stops
  with an error saying where it looked and how to run the download script;
* empty ``<video>/`` folders (the script creates the folder before the
  download) are counted in a note; zero-length clips (a failed download or
  cut) are skipped with the reason; ``*.part`` files, clips that no CSV row
  lists, the full downloads in ``youtube_videos_temp/``, the transcripts,
  ``DetailedAnnotation/``, scripts and archiver junk are ignored and counted;
* a row whose EmotionMaxVote is no OMG code is kept with its arousal and
  valence and label None (noted); a dimension that is not a number or lies
  outside its range is dropped from that row (kept with its label, noted); a
  row with neither is skipped; a malformed row (field count, empty or path-like
  video/utterance) is skipped with the CSV line;
* a CSV without the columns it needs, empty or unreadable is not read (noted);
* an utterance listed twice in the CSVs is kept once where both rows agree on
  its label (the first split kept) and skipped naming both where they do not.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk
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
_SUFFIX = r"([ _-]?(data|set|videos|clips|tmp|utterances))*"
#: the download script's --target-dir for each split, as users name it (matched without case)
SPLIT_FOLDERS = {
    "train": re.compile(rf"^(omg[ _-]?)?train(ing)?{_SUFFIX}$", re.IGNORECASE),
    "valid": re.compile(rf"^(omg[ _-]?)?(val|valid|validation|dev)(ation)?{_SUFFIX}$", re.IGNORECASE),
    "test": re.compile(rf"^(omg[ _-]?)?test(ing)?{_SUFFIX}$", re.IGNORECASE),
}
COLUMNS = ("video", "utterance", "arousal", "valence", "emotionmaxvote")
LABEL_COLUMNS = ("arousal", "valence", "emotionmaxvote")
RANGES = {"arousal": (0.0, 1.0), "valence": (-1.0, 1.0)}
#: Gold-standard values are means of ratings; allow for rounding at the ends of the scale.
RANGE_TOLERANCE = 1e-6
INTEGER = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")
NOT_READ = "files and folders not read (transcripts, DetailedAnnotation/, scripts, full downloads)"
JUNK = "archiver junk (__MACOSX, .DS_Store, ._*)"


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
    layouts = (
        layout + " -- the challenge's CSVs and prepare_data.py's clips",
        "omg/omg_Train/<video>/utterance_1.mp4, omg_Val/, omg_Test_TMP/omg_Test/, train_data/, Validation_Set/, "
        "Videos/Train/ -- other --target-dir names",
        "omg/<video>/utterance_1.mp4 -- clips beside the CSVs (--target-dir .)",
        "OMGEmotionChallenge-master/omg_TrainVideos.csv ... -- the repository clone or ZIP with the clips added",
    )
    wrappers = ("OMGEmotionChallenge", "OMGEmotionChallenge-master", "OMGEmotionChallenge-main", "omg",
                "OMG-Emotion", "omg_emotion")
    face_crops = False
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
                continue
            read_splits.add(split)
            rows += [(path, line, split, row) for line, row in content]
        if (self.root / UNLABELLED_CSV).is_file():
            self.notes.append(f"not read: {UNLABELLED_CSV} (no labels; the labelled test set is "
                              f"omg_TestVideos_WithLabels.csv)")
        if not rows:
            raise CorpusError(f"{self.name}: no readable row in the CSVs of {self.root} "
                              f"({', '.join(n for n in CSV_FILES if (self.root / n).is_file())}); see the notes above: "
                              + "; ".join(self.notes))
        self._note_repeats(rows)
        speakers = self._speakers(rows)
        items, missing = [], {}
        searched = {split: self._clip_folders(split) for split in SPLIT_FOLDERS}
        listed: set[Path] = set()
        for path, line, split, row in rows:
            where = f"{path}:{line}"
            video, utterance = row["video"], row["utterance"]
            candidates = [utterance] if Path(utterance).suffix else [utterance, utterance + ".mp4"]
            clip = next((f / video / u for f in searched[split] for u in candidates if (f / video / u).is_file()),
                        None)
            if clip is None:
                missing.setdefault(path.name, []).append(f"{video}/{utterance}")
                self.log.skip(where, f"no clip {video}/{utterance} (YouTube video unavailable when downloaded?)")
                continue
            listed.add(clip)
            if clip.stat().st_size == 0:
                self.log.skip(clip, f"zero-length clip ({where}; a failed download or cut)")
                continue
            target = self._targets(row, where)
            if target is None:
                continue
            label, dims, notes = target
            meta = {"video": video, "link": row.get("link", ""), "start": row.get("start", ""),
                    "end": row.get("end", "")}
            if notes:
                meta["note"] = self.log.infer(clip, f"{where}: " + "; ".join(notes))
            items.append(Item(id=f"{video}/{Path(utterance).stem}", corpus=self.name,
                              media={"audio": clip, "visual": clip}, speaker=speakers[video], label=label,
                              dims=dims, split=split, meta=meta))
        if not items and not listed:
            folders = sorted({str(f) for fs in searched.values() for f in fs})
            raise CorpusError(
                f"{self.name}: none of the {len(rows)} clips listed in the CSVs of {self.root} was found. "
                f"Clips are looked for as <folder>/<video>/<utterance> (e.g. train/{rows[0][3]['video']}/"
                f"{rows[0][3]['utterance']}) in: {', '.join(folders)}. Run the challenge's prepare_data.py "
                f"--split-file omg_TrainVideos.csv --target-dir {self.root / 'train'} (and likewise "
                f"validation, test).")
        totals = Counter(path.name for path, _, _, _ in rows)
        for name, lost in missing.items():
            self.notes.append(f"{name}: {len(lost)} of {totals[name]} row(s) have no clip (YouTube video "
                              f"unavailable when downloaded?) and are left out: "
                              + examples(lost))
        self._survey(rows, searched, listed)
        self._note_cross_split_videos(items)
        return items

    # -- reading ---------------------------------------------------------------
    def _read_csv(self, path: Path, labels_optional: bool = False) -> list[tuple[int, dict[str, str]]] | None:
        """(line number, row with lower-case column names) of every well-formed row; None (noted) when the
        CSV cannot be read, lacks columns, or -- ``labels_optional`` -- has no label columns."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            text = path.read_text(encoding="latin-1")
            self.notes.append(f"{path.name}: not UTF-8 ({exc.reason} at byte {exc.start}); read as Latin-1")
        try:
            reader = csv.reader(text.splitlines())
            header = next(reader, None)
            if header is None:
                self.notes.append(f"not read: {path.name} (empty; expected the header {','.join(COLUMNS)} ...)")
                return None
            names = [h.strip().lower() for h in header]
            absent = [c for c in COLUMNS if c not in names]
            if labels_optional and absent and set(absent) <= set(LABEL_COLUMNS):
                self.notes.append(f"not read: {path.name} (no label columns; test labels are in "
                                  f"omg_TestVideos_WithLabels.csv)")
                return None
            if absent:
                self.notes.append(f"not read: {path.name} (no column(s) {', '.join(absent)} in the header "
                                  f"{','.join(h.strip() for h in header)})")
                return None
            out = []
            for values in reader:
                where = f"{path}:{reader.line_num}"
                if not any(v.strip() for v in values):
                    continue
                # trailing empty fields (a trailing comma) are allowed
                while len(values) > len(names) and not values[-1].strip():
                    values = values[:-1]
                if len(values) != len(names):
                    self.log.skip(where, f"{len(values)} fields, the header has {len(names)}")
                    continue
                row = {n: v.strip() for n, v in zip(names, values)}
                if not row["video"] or not row["utterance"]:
                    self.log.skip(where, "empty video or utterance field")
                    continue
                if "/" in row["utterance"] or "\\" in row["utterance"] or "/" in row["video"]:
                    self.log.skip(where, f"video/utterance must be plain names, got {row['video']!r}, "
                                         f"{row['utterance']!r}")
                    continue
                out.append((reader.line_num, row))
        except csv.Error as exc:
            self.notes.append(f"not read: {path.name} (malformed CSV: {exc})")
            return None
        return out

    def _targets(self, row: dict[str, str], where: str) -> tuple[str | None, dict[str, float], list[str]] | None:
        """Label, dimensions and notes of a row; None (skipped) when it has neither a label nor a dimension."""
        notes = []
        code = self._code(row["emotionmaxvote"])
        label = CODES.codes.get(code)
        if label is None:
            notes.append(f"EmotionMaxVote {row['emotionmaxvote']!r} is no OMG code (0-6): label None")
        dims = {}
        for dim, (low, high) in RANGES.items():
            try:
                value = float(row[dim])
            except ValueError:
                notes.append(f"{dim} {row[dim]!r} is not a number: dropped")
                continue
            if not math.isfinite(value) or not low - RANGE_TOLERANCE <= value <= high + RANGE_TOLERANCE:
                notes.append(f"{dim} {row[dim]} outside the OMG-Emotion range [{low:g}, {high:g}]: dropped")
                continue
            dims[dim] = value
        if label is None and not dims:
            self.log.skip(where, "neither a label nor a dimension can be read: " + "; ".join(notes))
            return None
        return label, dims, notes

    @staticmethod
    def _code(value: str) -> str:
        """'3' and '3.0' are code 3; anything else is passed on as written."""
        m = INTEGER.match(value)
        return str(int(m.group(1))) if m else value

    def _clip_folders(self, split: str) -> list[Path]:
        """Existing folders, in order, where the clips of ``split`` may be: named for the split directly under
        the corpus folder, then one level deeper, then the corpus folder itself."""
        pattern = SPLIT_FOLDERS[split]
        # DetailedAnnotation/<split>/<video>/<utterance>.mp4/ holds annotations, not clips
        children = [p for p in entries(self.root) if p.is_dir() and not p.name.lower().startswith("detailedannotation")]
        found = [p for p in children if pattern.match(p.name)]
        for child in children:
            found += [p for p in entries(child) if p.is_dir() and pattern.match(p.name)]
        return found + [self.root]

    def _survey(self, rows, searched: dict[str, list[Path]], listed: set[Path]) -> None:
        """Count what the clip folders hold beside the clips read: empty video folders, partial downloads,
        clips no row lists; and what the corpus folder holds beside the CSVs and clip folders."""
        videos = {row["video"] for _, _, _, row in rows}
        folders = {f for fs in searched.values() for f in fs}
        empty = []
        for folder in sorted(folders):
            for video_dir in entries(folder) if folder.is_dir() else []:
                if not video_dir.is_dir() or video_dir.name not in videos:
                    if folder != self.root and video_dir not in folders:
                        self.log.ignore(video_dir, NOT_READ)  # youtube_videos_temp/, info files of the script
                    continue
                content = list(video_dir.iterdir())
                if not [p for p in content if not is_junk(p)]:
                    empty.append(video_dir.relative_to(self.root).as_posix())
                for clip in content:
                    if is_junk(clip):
                        self.log.ignore(clip, JUNK)
                    elif clip.name.endswith(".part"):
                        self.log.ignore(clip, "partial downloads (*.part)")
                    elif clip not in listed:
                        self.log.ignore(clip, "clips no CSV row lists")
        if empty:
            self.notes.append(f"{len(empty)} empty video folder(s) (the download script creates the folder "
                              f"before downloading; the YouTube video was unavailable): {examples(empty)}")
        used = {f.relative_to(self.root).parts[0] for f in folders if f != self.root}
        for path in sorted(self.root.iterdir()):
            if is_junk(path):
                self.log.ignore(path, JUNK)
            elif path.name in used or path.name in CSV_FILES or path.name == UNLABELLED_CSV:
                continue
            elif path.is_dir() and path.name in videos:
                continue  # clips beside the CSVs (--target-dir .)
            else:
                self.log.ignore(path, NOT_READ)

    # -- checks ------------------------------------------------------------------
    def _note_repeats(self, rows) -> None:
        seen: dict[str, str] = {}
        repeats = []
        for path, line, _, row in rows:
            key = f"{row['video']}/{Path(row['utterance']).stem}"
            if key in seen:
                repeats.append(f"{key} ({seen[key]} and {path.name}:{line})")
            else:
                seen[key] = f"{path.name}:{line}"
        if repeats:
            self.notes.append(f"{len(repeats)} utterance(s) listed twice in the CSVs (kept once where the labels "
                              f"agree, skipped where they do not): {examples(repeats, 3)}")

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
