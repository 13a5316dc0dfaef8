"""EMO-DB — the Berlin Database of Emotional Speech (Burkhardt et al., 2005).

Obtained from http://emodb.bilderbar.info/download/ (free for research; cite
Burkhardt, Paeschke, Rolfes, Sendlmeier & Weiss, "A database of German
emotional speech", Interspeech 2005).

Layout (as distributed)::

    emodb/
      wav/03a01Fa.wav ...      535 utterances, 16 kHz mono 16-bit
      lablaut/ labsilb/ silb/  annotation files (not used)

File names ``SSTTTEV.wav``: speaker ``SS`` (03 08 09 10 11 12 13 14 15 16),
text ``TTT`` (a01..b10), emotion code ``E`` (6th character), version ``V``.
Emotion codes (German initials): W Wut = anger, L Langeweile = boredom,
E Ekel = disgust, A Angst = fear, F Freude = happiness, T Trauer = sadness,
N neutral.  Speakers: male 03 10 11 12 15, female 08 09 13 14 16.

Official split: the audb ``emodb`` split, test speakers 12 14 15 16 and the
other six train (no development part; the harness draws inner validation
speakers from the training side).
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "emodb",
    {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness",
     "T": "sadness", "N": "neutral"},
)
SPEAKERS = ("03", "08", "09", "10", "11", "12", "13", "14", "15", "16")
TEST_SPEAKERS = ("12", "14", "15", "16")
FILE_NAME = re.compile(r"^(\d\d)([ab]\d\d)([A-Za-z])([a-z])\.wav$")


class EmoDB(Corpus):
    name = "emodb"
    description = "Berlin Database of Emotional Speech: 535 acted German utterances, 10 speakers, 7 emotions"
    folders = ("emodb", "EMO-DB", "emo-db", "EmoDB")
    modalities = ("audio",)
    labels = CODES.labels
    splits = ("train", "test")
    layout = "emodb/wav/03a01Fa.wav ... (speaker SS, text TTT, emotion code W L E A F T N, version)"
    obtain = "http://emodb.bilderbar.info/download/ (free for research, cite Burkhardt et al. 2005)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return (path / "wav").is_dir()

    def load(self) -> list[Item]:
        items, ignored = [], []
        for wav in sorted((self.root / "wav").iterdir()):
            if wav.name.startswith("."):
                continue
            if wav.suffix.lower() != ".wav":
                ignored.append(wav.name)
                continue
            if not wav.is_file():
                raise CorpusError(f"{wav}: not a regular file")
            m = FILE_NAME.match(wav.name[:-4] + ".wav")
            if m is None:
                raise CorpusError(f"{wav}: not an EMO-DB file name (expected e.g. 03a01Fa.wav)")
            speaker, _text, code, _version = m.groups()
            if speaker not in SPEAKERS:
                raise CorpusError(f"{wav}: unknown EMO-DB speaker {speaker!r} (known: {' '.join(SPEAKERS)})")
            items.append(Item(
                id=wav.stem, corpus=self.name, media={"audio": wav}, speaker=speaker,
                label=CODES(code, wav),
                split="test" if speaker in TEST_SPEAKERS else "train",
            ))
        if ignored:
            self.notes.append(f"ignored {len(ignored)} non-wav file(s) in {self.root / 'wav'}: "
                              + examples(ignored))
        return items


@hookimpl
def harness_corpora():
    return [EmoDB]
