"""AFEW — Acted Facial Expressions in the Wild, release 7.0 of the EmotiW 2017 challenge
(Dhall, Goecke, Lucey & Gedeon, 2012; Dhall et al., EmotiW 2017).

Obtained from the EmotiW organisers (https://sites.google.com/site/emotiwchallenge/,
end-user licence agreement; research use).  Short clips cut from movies and TV
series, each with the audio track, labelled with one of seven emotions.

Layout (as distributed, after unpacking ``Train_AFEW.zip`` and ``Val_AFEW.zip``)::

    afew/
      Train_AFEW/Angry/000046280.avi ...     773 clips in 7.0
      Train_AFEW/AlignedFaces_LBPTOP_Points/ face crops and LBP-TOP features (not read)
      Val_AFEW/Happy/000149120.avi ...       383 clips
      Val_AFEW/AlignedFaces_LBPTOP_Points_Val/
      Test_AFEW/*.avi                        labels withheld by the challenge

Emotion folders: Angry = anger, Disgust = disgust, Fear = fear, Happy =
happiness, Neutral = neutral, Sad = sadness, Surprise = surprise (matched
case-insensitively).  Each clip is the item's audio and visual medium.

Accepted variants: the split folders named ``Train/`` and ``Val/`` (as several
public copies rename them; case-insensitive), and ``.mp4`` clips beside or
instead of ``.avi``.  Two folders for one split (``Train_AFEW`` and ``Train``)
are an error, not a guess.

Speakers are unknown (movie clips; actors are not identified): ``speaker`` is
None, so validation inside the training part is drawn by item, not by speaker.

Official split: ``train`` (Train_AFEW) and ``valid`` (Val_AFEW); the papers
train on train and report accuracy on valid.  A ``Test_AFEW`` folder without
emotion sub-folders (the challenge's unlabelled test set) is skipped with a
count in the notes; one with emotion sub-folders (labels obtained from the
organisers) is read as split ``test``.  Folders of precomputed faces or
features (names containing Aligned, LBPTOP, Faces, Features, Points,
Landmarks) are skipped with a note; any other unknown folder inside a split
folder is an error naming it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "afew",
    {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
     "sad": "sadness", "surprise": "surprise"},
)
#: split -> accepted folder names (lower case), in order of preference
SPLIT_FOLDERS = {
    "train": ("train_afew", "train"),
    "valid": ("val_afew", "val"),
    "test": ("test_afew", "test"),
}
VIDEO_SUFFIXES = (".avi", ".mp4")
AUXILIARY = re.compile(r"aligned|lbptop|faces|features|points|landmarks", re.IGNORECASE)


def _examples(names: list[str], k: int = 5) -> str:
    return ", ".join(names[:k]) + (f" ... ({len(names) - k} more)" if len(names) > k else "")


class Afew(Corpus):
    name = "afew"
    description = ("AFEW 7.0 (EmotiW 2017): movie clips with audio, 7 emotions, official train (773) / "
                   "valid (383) split, test labels withheld")
    folders = ("afew", "AFEW", "AFEW_7.0", "AFEW7.0", "EmotiW2017", "emotiw2017")
    modalities = ("audio", "visual")
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("afew/Train_AFEW/Angry/000046280.avi, afew/Val_AFEW/Happy/000149120.avi ... (emotion folders "
              "Angry Disgust Fear Happy Neutral Sad Surprise; also Train/ Val/ and .mp4)")
    obtain = ("the EmotiW 2017 organisers, https://sites.google.com/site/emotiwchallenge/ "
              "(end-user licence agreement, research use)")

    @classmethod
    def _split_dirs(cls, path: Path) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {split: [] for split in SPLIT_FOLDERS}
        for entry in sorted(path.iterdir()):
            for split, names in SPLIT_FOLDERS.items():
                if entry.is_dir() and entry.name.lower() in names:
                    found[split].append(entry)
        return found

    @classmethod
    def is_present(cls, path: Path) -> bool:
        found = cls._split_dirs(path)
        return any(_emotion_dirs(d) for split in ("train", "valid") for d in found[split])

    def load(self) -> list[Item]:
        items: list[Item] = []
        self._ignored: list[str] = []
        for split, dirs in self._split_dirs(self.root).items():
            if len(dirs) > 1:
                raise CorpusError(f"{self.name}: {len(dirs)} folders for the {split} split in {self.root}: "
                                  f"{', '.join(d.name for d in dirs)} (keep one)")
            if not dirs:
                if split != "test":
                    self.notes.append(f"no {split} folder ({' or '.join(SPLIT_FOLDERS[split])}, any case) "
                                      f"in {self.root}: no {split} items")
                continue
            folder = dirs[0]
            if split == "test" and not _emotion_dirs(folder):
                clips = [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
                self.notes.append(f"skipped {folder.name}/: {len(clips)} clip(s) without emotion folders "
                                  f"(EmotiW withholds the test labels)")
                continue
            items += self._split(folder, split)
        if self._ignored:
            self.notes.append(f"ignored {len(self._ignored)} file(s)/folder(s) that are not AFEW clips: "
                              + _examples(self._ignored))
        return items

    def _split(self, folder: Path, split: str) -> list[Item]:
        items, auxiliary = [], []
        for entry in sorted(folder.iterdir()):
            if entry.name.startswith("."):
                continue
            if not entry.is_dir():
                self._ignored.append(f"{folder.name}/{entry.name}")
            elif entry.name.lower() in CODES.codes:
                items += self._emotion(entry, split)
            elif AUXILIARY.search(entry.name):
                auxiliary.append(entry.name)
            else:
                raise CorpusError(f"{entry}: unknown AFEW emotion folder {entry.name!r} (expected one of: "
                                  f"Angry Disgust Fear Happy Neutral Sad Surprise)")
        if auxiliary:
            self.notes.append(f"skipped {len(auxiliary)} folder(s) of precomputed faces/features in "
                              f"{folder.name}/: {', '.join(auxiliary)}")
        suffixes = Counter(it.media["visual"].suffix.lower() for it in items)
        if len(suffixes) > 1:
            self.notes.append(f"{folder.name}/ mixes clip formats: "
                              + ", ".join(f"{n} {s}" for s, n in sorted(suffixes.items())))
        return items

    def _emotion(self, folder: Path, split: str) -> list[Item]:
        label = CODES(folder.name.lower(), folder)
        items = []
        for clip in sorted(folder.iterdir()):
            if clip.name.startswith("."):
                continue
            if clip.is_file() and clip.suffix.lower() in VIDEO_SUFFIXES:
                items.append(Item(id=f"{split}_{clip.stem}", corpus=self.name,
                                  media={"audio": clip, "visual": clip}, speaker=None, label=label,
                                  split=split, meta={"clip": clip.stem}))
            else:
                self._ignored.append(f"{folder.parent.name}/{folder.name}/{clip.name}")
        return items


def _emotion_dirs(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and p.name.lower() in CODES.codes]


@hookimpl
def harness_corpora():
    return [Afew]
