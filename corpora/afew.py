"""AFEW — Acted Facial Expressions in the Wild, release 7.0 of the EmotiW 2017 challenge
(Dhall, Goecke, Lucey & Gedeon, 2012; Dhall et al., EmotiW 2017).

Obtained from the EmotiW organisers (https://sites.google.com/site/emotiwchallenge/,
end-user licence agreement; research use).  Short clips cut from movies and TV
series, each with the audio track, labelled with one of seven emotions.
Releases 6.0 (EmotiW 2016) and 7.0 (2017-2019) share train (773 clips) and
validation (383 clips); only their test sets differ.

Layouts read (the corpus folder is ``afew``, ``AFEW``, ``AFEW_7.0``,
``EmotiW2017``, ...; also found one or two wrapper folders deeper:
``EmotiW_2018/``, ``EmotiW2017/``, ``AFEW/``, the typo ``AEFW/``)::

    afew/Train_AFEW/Angry/000046280.avi ...     the zips Train_AFEW.zip, Val_AFEW.zip (773 clips in 7.0)
    afew/Train_AFEW/AlignedFaces_LBPTOP_Points/ face crops and LBP-TOP features (not read)
    afew/Train_AFEW/Train_6.xml                 clip metadata (not read)
    afew/Val_AFEW/Happy/000149120.avi ...       383 clips
    afew/Test_AFEW/*.avi, Test_vid_Distribute/*.avi   test clips, labels withheld (counted, not read)
    afew/EmotiW_2018/Train_AFEW/Angry/...       the EmotiW 2018 bundle (wrapper folder)
    afew/Train_AFEW/Train_AFEW/Angry/...        a zip unpacked into a folder of its own name
    AFEW/Train/Angry/..., AFEW/Val/...          renamed split folders (also Validation/, valid/, training/)

Emotion folders: Angry = anger, Disgust = disgust, Fear = fear, Happy =
happiness, Neutral = neutral, Sad = sadness, Surprise = surprise (matched
case-insensitively; the spellings Anger, Happiness, Sadness, Surprised,
Disgusted, Fearful of some re-packs are read too, with a note).  Each clip
(``.avi``, or ``.mp4``/``.mkv`` in re-encoded copies) is the item's audio and
visual medium; its frames are full movie frames (faces are detected).

Clip names are not unique across splits (``001703120`` is a Train/Sad and a
Val/Happy clip, cut from the same movie), so item ids are ``<split>_<clip>``.

Speakers are unknown (movie clips; the actors named in ``Train_6.xml`` are not
linked to the clips here): ``speaker`` is None, so validation inside the
training part is drawn by item, not by speaker.

Official split: ``train`` (Train_AFEW) and ``valid`` (Val_AFEW); the papers
train on train and report accuracy on valid.  A test folder without emotion
sub-folders (the challenge's unlabelled test set) is skipped with a count in
the notes; one with emotion sub-folders (labels obtained from the organisers)
is read as split ``test``.

Irregularities, and how they are read (each counted in the reading log that
``harness corpora check`` and every run print; none fails the corpus):

* folders inside a split that are not emotion folders -- precomputed faces
  and features (``AlignedFaces_LBPTOP_Points/``), ``face_images/``, ``frames/``,
  ``audio/``, ``wav/`` added by preprocessing scripts -- are ignored and
  counted; so are archives (``AlignedFaces_LBPTOP_Points.zip``), metadata
  (``Train_6.xml``), audio extracted beside the clips (``000046280.wav``, the
  clip's own track is used) and archiver junk (``__MACOSX/``, ``Thumbs.db``,
  ``._*``);
* a folder of clips named like no AFEW emotion (``Contempt/`` of some
  third-party re-packs): its clips are skipped (their label is outside AFEW's
  seven), counted with the folder named;
* two folders for one split (``Train_AFEW/`` and ``Train/``): both are read, a
  clip present in both is kept once (counted as a duplicate);
* a clip filed in two emotion folders of one split: its label cannot be known,
  both are skipped naming the two files.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import is_junk
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "afew",
    {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
     "sad": "sadness", "surprise": "surprise"},
)
#: other spellings of the emotion folders in re-packs (lower case) -> AFEW's folder name
SPELLINGS = {"anger": "angry", "happiness": "happy", "sadness": "sad", "surprised": "surprise",
             "disgusted": "disgust", "fearful": "fear"}
#: split -> the folder names it is found under (matched without case); the first is the release's
SPLIT_NAMES = {
    "train": re.compile(r"^train(ing)?([ _-]?(afew|set|data))?([ _-]?v?[\d.]+)?$", re.IGNORECASE),
    "valid": re.compile(r"^val(id|idation)?([ _-]?(afew|set|data))?([ _-]?v?[\d.]+)?$", re.IGNORECASE),
    "test": re.compile(r"^test(ing)?([ _-]?(afew|set|data|vid[ _-]?distribute))?([ _-]?v?[\d.]+)?$",
                       re.IGNORECASE),
}
RELEASE_NAMES = {"train": "Train_AFEW", "valid": "Val_AFEW", "test": "Test_AFEW"}
VIDEO_SUFFIXES = (".avi", ".mp4", ".mkv")
JUNK = "archiver junk (__MACOSX, Thumbs.db, ._*)"
EXTRA_FOLDERS = "folders that are not emotion folders (faces, frames, audio, features)"
OTHER_FILES = "files that are not clips (archives, XML metadata, extracted audio, text)"


def _split_of(name: str) -> str | None:
    return next((split for split, pattern in SPLIT_NAMES.items() if pattern.match(name)), None)


def _emotion_of(name: str) -> tuple[str | None, bool]:
    """The AFEW emotion folder a folder name stands for, and whether it is spelled otherwise."""
    key = name.strip().lower()
    if key in CODES.codes:
        return key, False
    return SPELLINGS.get(key), key in SPELLINGS


def _dirs(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not is_junk(p))
    except OSError:
        return []


def _emotion_dirs(folder: Path) -> list[Path]:
    return [p for p in _dirs(folder) if _emotion_of(p.name)[0] is not None]


def _has_clips(folder: Path) -> bool:
    try:
        return any(p.suffix.lower() in VIDEO_SUFFIXES and not is_junk(p) for p in folder.iterdir())
    except OSError:
        return False


def _inner(folder: Path, split: str) -> Path:
    """``folder``, or the folder of the same split one or two levels inside it (``Train_AFEW/Train_AFEW/``)."""
    for _ in range(2):
        if _emotion_dirs(folder) or _has_clips(folder):
            return folder
        inner = [d for d in _dirs(folder) if _split_of(d.name) == split]
        if len(inner) != 1:
            return folder
        folder = inner[0]
    return folder


class Afew(Corpus):
    name = "afew"
    description = ("AFEW 7.0 (EmotiW 2017): movie clips with audio, 7 emotions, official train (773) / "
                   "valid (383) split, test labels withheld")
    folders = ("afew", "AFEW", "AFEW_7.0", "AFEW7.0", "AFEW_6.0", "EmotiW2017", "emotiw2017", "EmotiW_2018",
               "EmotiW2018")
    modalities = ("audio", "visual")
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("afew/Train_AFEW/Angry/000046280.avi, afew/Val_AFEW/Happy/000149120.avi ... (emotion folders "
              "Angry Disgust Fear Happy Neutral Sad Surprise; also Train/ Val/ and .mp4)")
    layouts = (
        layout + " -- the zips Train_AFEW.zip, Val_AFEW.zip",
        "afew/EmotiW_2018/Train_AFEW/Angry/000046280.avi (also EmotiW2017/, AFEW/, AEFW/) -- a challenge bundle",
        "afew/Train_AFEW/Train_AFEW/Angry/000046280.avi -- a zip unpacked into a folder of its own name",
        "AFEW/Train/Angry/000046280.avi, AFEW/Val/..., Validation/, valid/ -- renamed split folders",
        "afew/Test_AFEW/*.avi or Test_vid_Distribute/*.avi -- the unlabelled test set (counted, not read)",
    )
    wrappers = ("EmotiW_2018", "EmotiW2018", "EmotiW_2017", "EmotiW2017", "EmotiW_2016", "EmotiW2016",
                "EmotiW_2019", "EmotiW2019", "AFEW", "AEFW", "AFEW_7.0", "AFEW7.0", "AFEW_6.0", "AFEW6.0")
    expected = {"items": 773 + 383}
    face_crops = False
    obtain = ("the EmotiW 2017 organisers, https://sites.google.com/site/emotiwchallenge/ "
              "(end-user licence agreement, research use)")

    @classmethod
    def _split_dirs(cls, path: Path) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {split: [] for split in SPLIT_NAMES}
        for entry in _dirs(path):
            split = _split_of(entry.name)
            if split is not None:
                found[split].append(_inner(entry, split))
        return found

    @classmethod
    def is_present(cls, path: Path) -> bool:
        found = cls._split_dirs(path)
        return any(_emotion_dirs(d) for split in ("train", "valid") for d in found[split])

    def load(self) -> list[Item]:
        items: list[Item] = []
        self._unknown: Counter = Counter()
        split_dirs = self._split_dirs(self.root)
        used = {d.relative_to(self.root).parts[0] for dirs in split_dirs.values() for d in dirs}
        for entry in sorted(self.root.iterdir()):
            if entry.name not in used:
                self.log.ignore(entry, JUNK if is_junk(entry) else
                                EXTRA_FOLDERS if entry.is_dir() else OTHER_FILES)
        for split, dirs in split_dirs.items():
            if len(dirs) > 1:
                self.notes.append(f"{len(dirs)} folders for the {split} split in {self.root}: "
                                  f"{', '.join(d.relative_to(self.root).as_posix() for d in dirs)}; all are read, "
                                  "a clip present in several is kept once")
            if not dirs:
                if split != "test":
                    self.notes.append(f"no {split} folder ({RELEASE_NAMES[split]} or a variant such as "
                                      f"{'Train' if split == 'train' else 'Val, Validation'}, any case) in "
                                      f"{self.root}: no {split} items")
                continue
            for folder in dirs:
                if split == "test" and not _emotion_dirs(folder):
                    clips = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
                             and not is_junk(p)]
                    self.notes.append(f"skipped {folder.relative_to(self.root).as_posix()}/: {len(clips)} clip(s) "
                                      "without emotion folders (EmotiW withholds the test labels)")
                    continue
                items += self._split(folder, split)
        for folder, n in sorted(self._unknown.items()):
            self.notes.append(f"skipped {n} clip(s) in {folder}/: not one of AFEW's emotion folders "
                              "(Angry Disgust Fear Happy Neutral Sad Surprise)")
        return items

    def _split(self, folder: Path, split: str) -> list[Item]:
        items = []
        for entry in sorted(folder.iterdir()):
            if is_junk(entry):
                self.log.ignore(entry, JUNK)
            elif not entry.is_dir():
                self.log.ignore(entry, OTHER_FILES)
            elif _emotion_of(entry.name)[0] is not None:
                items += self._emotion(entry, split)
            elif _has_clips(entry):
                rel = entry.relative_to(self.root).as_posix()
                for clip in sorted(entry.iterdir()):
                    if clip.suffix.lower() in VIDEO_SUFFIXES and not is_junk(clip):
                        self._unknown[rel] += 1
                        self.log.skip(clip, f"unknown AFEW emotion folder {entry.name!r} (expected one of: "
                                            "Angry Disgust Fear Happy Neutral Sad Surprise)")
            else:
                self.log.ignore(entry, EXTRA_FOLDERS)
        suffixes = Counter(it.media["visual"].suffix.lower() for it in items)
        if len(suffixes) > 1:
            self.notes.append(f"{folder.name}/ mixes clip formats: "
                              + ", ".join(f"{n} {s}" for s, n in sorted(suffixes.items())))
        return items

    def _emotion(self, folder: Path, split: str) -> list[Item]:
        code, respelled = _emotion_of(folder.name)
        label = CODES(code, folder)
        items = []
        for clip in sorted(folder.iterdir()):
            if is_junk(clip):
                self.log.ignore(clip, JUNK)
            elif clip.is_file() and clip.suffix.lower() in VIDEO_SUFFIXES:
                meta = {"clip": clip.stem}
                if respelled:
                    meta["note"] = self.log.infer(clip, f"emotion folder {folder.name!r} read as {label}")
                items.append(Item(id=f"{split}_{clip.stem}", corpus=self.name,
                                  media={"audio": clip, "visual": clip}, speaker=None, label=label,
                                  split=split, meta=meta))
            else:
                self.log.ignore(clip, EXTRA_FOLDERS if clip.is_dir() else OTHER_FILES)
        return items


@hookimpl
def harness_corpora():
    return [Afew]
