"""TESS — Toronto Emotional Speech Set (Dupuis & Pichora-Fuller, University of
Toronto, 2010).

Obtained from the Scholars Portal Dataverse, https://doi.org/10.5683/SP2/E8H2MF
(CC BY-NC-ND 4.0); also mirrored on Kaggle.  Two female speakers, ``OAF``
(older, aged 64) and ``YAF`` (younger, aged 26), say "Say the word ___" with
200 NU-6 target words in 7 emotions: 2800 files, 24.4 kHz mono.

Layout (one folder per speaker and emotion; the folder names vary between
copies, e.g. ``OAF_Fear``, ``OAF_Pleasant_surprise``, ``OAF_Sad``,
``YAF_pleasant_surprised``; the Kaggle copy nests everything once more in
``TESS Toronto emotional speech set data/``)::

    tess/OAF_angry/OAF_back_angry.wav
    tess/YAF_pleasant_surprised/YAF_back_ps.wav
    ...

File names ``SPK_word_emotion.wav``: the emotion is the last ``_`` field
(case-insensitive): angry = anger, disgust, fear, happy = happiness,
neutral, ps = (pleasant) surprise, sad = sadness.  The speaker is the first
field; where the parent folder is a ``SPK_emotion`` folder, its speaker and
emotion must agree with the file name (an error names the file otherwise).
Files are found at any depth under the corpus folder; a copy that holds the
files twice (some Kaggle archives repeat the whole tree under a second
top-level folder) gives a duplicate-id error naming both files -- point
``--corpus-path tess=DIR`` at one of the two trees.

Speakers: ``OAF`` and ``YAF``.  Meta: ``word``, ``age_group`` (older/younger),
``gender`` (female).  No official split.  With only two speakers a
speaker-disjoint protocol is 2-fold cross-speaker (train on one actress, test
on the other, and back) -- LOSO and k-fold over speakers coincide; a k-fold
protocol over items would put both speakers on both sides and is not
speaker-independent.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "tess",
    {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
     "ps": "surprise", "sad": "sadness"},
)
#: how the emotion is spelled in folder names (lower-cased) -> file-name code
FOLDER_EMOTIONS = {
    "angry": "angry", "anger": "angry", "disgust": "disgust", "fear": "fear", "happy": "happy",
    "neutral": "neutral", "sad": "sad", "ps": "ps", "pleasant_surprise": "ps", "pleasant_surprised": "ps",
    "pleasant-surprise": "ps", "pleasant-surprised": "ps",
}
SPEAKERS = {"OAF": "older", "YAF": "younger"}
FILE_NAME = re.compile(r"^([A-Za-z]{3})_(.+)_([A-Za-z]+)$")
FOLDER_NAME = re.compile(r"^(OAF|YAF)_(.+)$", re.IGNORECASE)


class Tess(Corpus):
    name = "tess"
    description = "Toronto Emotional Speech Set: 2800 words in a carrier phrase, 2 female speakers, 7 emotions"
    folders = ("tess", "TESS", "TESS Toronto emotional speech set data", "toronto-emotional-speech-set-tess")
    modalities = ("audio",)
    labels = CODES.labels
    layout = ("tess/OAF_angry/OAF_back_angry.wav ... tess/YAF_pleasant_surprised/YAF_back_ps.wav "
              "(speakers OAF YAF; emotion = last field: angry disgust fear happy neutral ps sad)")
    obtain = "https://doi.org/10.5683/SP2/E8H2MF (Scholars Portal Dataverse, CC BY-NC-ND 4.0)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        for pattern in ("*", "*/*"):
            if any(FOLDER_NAME.match(p.name) and p.is_dir() for p in path.glob(pattern)):
                return True
        return False

    def load(self) -> list[Item]:
        items, ignored = [], []
        for path in sorted(self.root.rglob("*")):
            if any(part.startswith(".") for part in path.relative_to(self.root).parts) or path.is_dir():
                continue
            if path.suffix.lower() != ".wav":
                ignored.append(str(path.relative_to(self.root)))
                continue
            items.append(self._item(path))
        if ignored:
            self.notes.append(f"ignored {len(ignored)} non-wav file(s) under {self.root}: "
                              + examples(ignored))
        return items

    def _item(self, wav: Path) -> Item:
        if not wav.is_file():
            raise CorpusError(f"{wav}: not a regular file")
        m = FILE_NAME.match(wav.stem)
        if m is None:
            raise CorpusError(f"{wav}: not a TESS file name (expected e.g. OAF_back_angry.wav)")
        speaker, word, code = m.group(1).upper(), m.group(2).lower(), m.group(3).lower()
        if speaker not in SPEAKERS:
            raise CorpusError(f"{wav}: unknown TESS speaker {m.group(1)!r} (known: OAF YAF)")
        label = CODES(code, wav)
        folder = FOLDER_NAME.match(wav.parent.name)
        if folder is not None:
            folder_speaker, folder_emotion = folder.group(1).upper(), folder.group(2).lower()
            if folder_speaker != speaker:
                raise CorpusError(f"{wav}: speaker {speaker} disagrees with its folder {wav.parent.name}")
            if folder_emotion not in FOLDER_EMOTIONS:
                raise CorpusError(f"{wav}: unknown TESS emotion folder {wav.parent.name!r}")
            if FOLDER_EMOTIONS[folder_emotion] != code:
                raise CorpusError(f"{wav}: emotion {code!r} disagrees with its folder {wav.parent.name}")
        return Item(id=f"{speaker}_{word}_{code}", corpus=self.name, media={"audio": wav}, speaker=speaker,
                    label=label, meta={"word": word, "age_group": SPEAKERS[speaker], "gender": "female"})


@hookimpl
def harness_corpora():
    return [Tess]
