"""URDU — the Urdu emotional speech dataset (Latif, Qayyum, Usman & Qadir, 2018).

"Cross Lingual Speech Emotion Recognition: Urdu vs. Western Languages" (FIT 2018,
arXiv 1812.10411).  Obtained from its official repository,
https://github.com/siddiquelatif/URDU-Dataset (research use only; cite the paper).
400 utterances (2 or 3 s clips) cut from Urdu TV talk shows on YouTube, 4
emotions x 100: Angry, Happy, Neutral, Sad; 44.1 kHz mono 16-bit wav.

Layouts read (one folder per emotion, files flat inside)::

    urdu/Angry/SM1_F10_A010.wav ...                 the repository (git clone: URDU-Dataset/)
    URDU-Dataset-master/Angry/...                   its "Download ZIP" (README.md beside the folders)
    urdu-emotion-dataset/Angry/...                  the Kaggle copy; nkululeko renames the folder URDU/
    urdu/Angry/SM1/SM1_F10_A010.wav                 speaker sub-folders (an older README describes them)

File names ``S<G><n>_F<f>_<E>0<k>.wav``: speaker token ``S<G><n>`` (G = M male /
F female, n the speaker number), ``F<f>`` the file number of that speaker (not
padded; it restarts within each emotion folder, so only the whole stem is
unique), then the emotion letter A H N S, a literal ``0`` and the running index
1..100 of the folder (``A010``, ``A0100``).  The folder is the authority for the
label: a file whose letter disagrees with its folder is kept with the folder's
label and a note.  Codes: Angry/A = anger, Happy/H = happiness, Neutral/N =
neutral, Sad/S = sadness.

Speakers: the file names hold 29 speaker tokens (SM1-SM7, SM17-SM27, SF1-SF11),
not the 38 the README announces (SM8-SM16 never occur).  They are very unequal
(SM5 has 80 clips, nine tokens have 2) and confounded with the labels: Angry has
no female speaker, SM5 holds 72 of the 100 Neutral clips, and only SM3, SM5 and
SM6 occur under more than one emotion.  Speaker-disjoint folds therefore miss
classes in training or testing, and random (speaker-dependent) splits are
heavily optimistic -- the published figures (EmoBox: one random 25 % fold;
nkululeko: a random 80/20 split) are speaker-dependent.  Eight pairs of clips
of one speaker share 1-2 s of the same audio, so a random split also leaks
audio.  A file name without a speaker token cannot be placed in a
speaker-independent protocol and is skipped with its reason.  No official split.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk
from harness.hookspecs import hookimpl

CODES = LabelMap("urdu", {"A": "anger", "H": "happiness", "N": "neutral", "S": "sadness"})
FOLDERS = {"angry": "A", "anger": "A", "happy": "H", "happiness": "H", "neutral": "N", "sad": "S",
           "sadness": "S"}
FILE_NAME = re.compile(r"^S([MF])(\d+)_F(\d+)_([AHNS])0?(\d+)$", re.IGNORECASE)
SPEAKER_TOKEN = re.compile(r"^S([MF])(\d+)", re.IGNORECASE)


def _emotion_folders(path: Path) -> dict[str, Path]:
    return {FOLDERS[p.name.lower()]: p for p in entries(path) if p.is_dir() and p.name.lower() in FOLDERS}


class Urdu(Corpus):
    name = "urdu"
    description = "URDU: 400 Urdu talk-show clips, 4 emotions x 100, 29 very unequal speaker tokens"
    folders = ("urdu", "URDU", "URDU-Dataset", "URDU-Dataset-master", "urdu-dataset", "urdu-emotion-dataset")
    modalities = ("audio",)
    labels = CODES.labels
    layout = "urdu/Angry/SM1_F10_A010.wav ... (folders Angry Happy Neutral Sad; speaker token SM1 / SF1)"
    layouts = (
        "urdu/Angry/SM1_F10_A010.wav  (the official repository siddiquelatif/URDU-Dataset; git clone URDU-Dataset/)",
        "URDU-Dataset-master/Angry/SM1_F10_A010.wav  (its Download ZIP)",
        "urdu-emotion-dataset/Happy/SF1_F1_H01.wav  (Kaggle; nkululeko's URDU/)",
        "urdu/Angry/SM1/SM1_F10_A010.wav  (speaker sub-folders)",
    )
    wrappers = ("URDU-Dataset-master", "URDU-Dataset", "urdu-emotion-dataset", "URDU")
    expected = {"items": 400, "speakers": 29}
    obtain = "https://github.com/siddiquelatif/URDU-Dataset (research use only; cite Latif et al. 2018)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return len(_emotion_folders(path)) >= 2

    def load(self) -> list[Item]:
        items = []
        folders = _emotion_folders(self.root)
        for p in entries(self.root):
            if p not in folders.values():
                self.log.ignore(p, "file(s) or folder(s) beside the emotion folders (README, licence)")
        for code, folder in sorted(folders.items()):
            for path in sorted(folder.rglob("*")):
                if any(is_junk(Path(part)) for part in path.relative_to(folder).parts):
                    continue
                if path.is_dir():
                    continue
                if path.suffix.lower() != ".wav":
                    self.log.ignore(path, "non-wav file(s) in the emotion folders")
                    continue
                item = self._item(path, code, folder)
                if item is not None:
                    items.append(item)
        return items

    def _item(self, wav: Path, folder_code: str, folder: Path) -> Item | None:
        m = FILE_NAME.match(wav.stem)
        meta: dict[str, str] = {}
        if m is None:
            token = SPEAKER_TOKEN.match(wav.stem)
            if token is None:
                self.log.skip(wav, "no speaker token S<M|F><n> in the file name: the speaker cannot be known")
                return None
            gender, number = token.groups()
            meta["note"] = self.log.infer(wav, f"irregular name; speaker {token.group(0).upper()} from its prefix, "
                                               f"label from the folder {folder.name}")
            code = folder_code
        else:
            gender, number, file_no, code, index = m.groups()
            code = code.upper()
            meta.update(file_no=file_no, index=index)
            if code != folder_code:
                meta["note"] = self.log.infer(wav, f"emotion letter {code} in the name but in folder {folder.name}: "
                                                   f"the folder's label is used")
                code = folder_code
        speaker = f"S{gender.upper()}{int(number)}"
        return Item(id=wav.stem, corpus=self.name, media={"audio": wav}, speaker=speaker,
                    label=CODES(code, wav), meta={**meta, "gender": "male" if gender.upper() == "M" else "female"})


@hookimpl
def harness_corpora():
    return [Urdu]
