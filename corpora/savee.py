"""SAVEE — Surrey Audio-Visual Expressed Emotion (Haq & Jackson, 2009).

Obtained from http://kahlan.eps.surrey.ac.uk/savee/ (research use; register
with the University of Surrey).  Four male British English speakers (DC, JE,
JK, KL), 480 utterances: 15 sentences per emotion and 30 neutral per speaker.

Layouts read (both as distributed):

* original release, nested::

      savee/AudioData/DC/a01.wav ...          audio, 44.1 kHz mono
      savee/AudioVisualClip/DC/a01.avi ...    video with audio, where present

* the common flat copy::

      savee/DC_a01.wav ...                    (video, where present, as DC_a01.avi)

Emotion codes (file-name prefix): a anger, d disgust, f fear, h happiness,
n neutral, sa sadness, su surprise.  No official split: the papers use k-fold
cross-validation; with four speakers a speaker-disjoint protocol is
leave-one-speaker-out (or ``--folds 4``).
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "savee",
    {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "n": "neutral",
     "sa": "sadness", "su": "surprise"},
)
SPEAKERS = ("DC", "JE", "JK", "KL")
NESTED_NAME = re.compile(r"^([a-z]+)(\d\d)\.wav$", re.IGNORECASE)
FLAT_NAME = re.compile(r"^([A-Z]{2})_([a-z]+)(\d\d)\.wav$", re.IGNORECASE)


class Savee(Corpus):
    name = "savee"
    description = "Surrey Audio-Visual Expressed Emotion: 480 utterances, 4 male speakers, 7 emotions"
    folders = ("savee", "SAVEE", "Savee")
    modalities = ("audio", "visual")
    labels = CODES.labels
    layout = ("savee/AudioData/DC/a01.wav (original, video in AudioVisualClip/DC/a01.avi) "
              "or savee/DC_a01.wav (flat); codes a d f h n sa su, speakers DC JE JK KL")
    obtain = "http://kahlan.eps.surrey.ac.uk/savee/ (research use, registration with the University of Surrey)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return (path / "AudioData").is_dir() or any(FLAT_NAME.match(p.name) for p in path.glob("*_*.*"))

    def load(self) -> list[Item]:
        nested = self.root / "AudioData"
        return self._load_nested(nested) if nested.is_dir() else self._load_flat()

    def _item(self, wav: Path, speaker: str, code: str, number: str, video: Path) -> Item:
        if not wav.is_file():
            raise CorpusError(f"{wav}: not a regular file")
        if speaker.upper() not in SPEAKERS:
            raise CorpusError(f"{wav}: unknown SAVEE speaker {speaker!r} (known: {' '.join(SPEAKERS)})")
        media = {"audio": wav}
        if video.is_file():
            media["visual"] = video
        return Item(id=f"{speaker.upper()}_{code.lower()}{number}", corpus=self.name, media=media,
                    speaker=speaker.upper(), label=CODES(code.lower(), wav))

    def _load_nested(self, audio_root: Path) -> list[Item]:
        items = []
        ignored = [p.name for p in audio_root.iterdir() if not p.is_dir() and not p.name.startswith(".")]
        stray = [p.name for p in self.root.iterdir() if FLAT_NAME.match(p.name)]
        if stray:
            self.notes.append(f"ignored {len(stray)} flat-layout file(s) beside AudioData/ in {self.root} "
                              f"(the nested layout is read): " + ", ".join(stray[:5]))
        for speaker_dir in sorted(p for p in audio_root.iterdir() if p.is_dir()):
            for wav in sorted(speaker_dir.iterdir()):
                m = NESTED_NAME.match(wav.name)
                if m is None:
                    if not wav.name.startswith("."):
                        ignored.append(f"{speaker_dir.name}/{wav.name}")
                    continue
                video = self.root / "AudioVisualClip" / speaker_dir.name / (wav.stem + ".avi")
                items.append(self._item(wav, speaker_dir.name, m.group(1), m.group(2), video))
        self._note_ignored(ignored, audio_root)
        return items

    def _load_flat(self) -> list[Item]:
        items, ignored = [], []
        for wav in sorted(self.root.iterdir()):
            m = FLAT_NAME.match(wav.name)
            if m is None:
                is_clip = wav.suffix.lower() == ".avi" and (self.root / (wav.stem + ".wav")).is_file()
                if not wav.name.startswith(".") and not is_clip:
                    ignored.append(wav.name)
                continue
            items.append(self._item(wav, m.group(1), m.group(2), m.group(3), wav.with_suffix(".avi")))
        self._note_ignored(ignored, self.root)
        return items

    def _note_ignored(self, ignored: list[str], where: Path) -> None:
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not SAVEE utterances in {where}: "
                              + examples(ignored))


@hookimpl
def harness_corpora():
    return [Savee]
