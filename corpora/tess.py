"""TESS — Toronto Emotional Speech Set (Dupuis & Pichora-Fuller, University of
Toronto, 2010).

Obtained from the Scholars Portal Dataverse, https://doi.org/10.5683/SP2/E8H2MF
(CC BY-NC-ND 4.0; first released on TSpace, hdl 1807/24487); also mirrored on
Kaggle.  Two female speakers, ``OAF`` (older, aged 64) and ``YAF`` (younger,
aged 26), say "Say the word ___" with 200 NU-6 target words in 7 emotions:
2800 files, 16-bit mono at 24414 Hz (not 24000), about 1.3-2.9 s each.

Layouts read::

    tess/OAF_angry/OAF_back_angry.wav ...        one folder per speaker and emotion (TSpace, re-packs)
    tess/OAF_back_angry.wav ...                  flat: the Dataverse "download all" (dataverse_files.zip),
                                                 all 2800 wavs in one folder (EmoBox's downloads/tess/)
    toronto-emotional-speech-set-tess/TESS Toronto emotional speech set data/OAF_Fear/OAF_back_fear.wav
                                                 Kaggle (ejlok1); the archive holds the tree twice, the
    .../tess toronto emotional speech set data/TESS Toronto emotional speech set data/OAF_Fear/...
                                                 second copy one folder deeper (2 x 2800 files)
    TESS_Toronto_emotional_speech_set_data/OAF_Fear/...   the Paddle mirror

The folder names vary between copies: ``OAF_Fear``, ``OAF_Pleasant_surprise``,
``OAF_Sad``, ``YAF_pleasant_surprised``, ``YAF_Sad``, ``surprised``,
``pleasant surprise``, ``fearful``, ``sadness``, ... (case, separators and
spellings are all read).

File names ``SPK_word_emotion.wav``: the emotion is the last ``_`` field
(case-insensitive; file names use ``ps`` even where the folder says
``Pleasant_surprise``): angry = anger, disgust, fear, happy = happiness,
neutral, ps = (pleasant) surprise, sad = sadness.  The speaker is the first
field; where the parent folder is a ``SPK_emotion`` folder, speaker and
emotion are checked against it.

Speakers: ``OAF`` and ``YAF`` (both female; a DagsHub README that calls OAF
male is wrong).  Meta: ``word``, ``age_group`` (older/younger), ``age``
(64/26), ``gender`` (female).  No official split.  With only two speakers a
speaker-disjoint protocol is 2-fold cross-speaker (train on one actress, test
on the other, and back) -- LOSO and k-fold over speakers coincide; a k-fold
protocol over items would put both speakers on both sides and is not
speaker-independent.

Irregularities handled (each counted in the reading report; none fails the corpus):

* ``OAF_neutral/OA_bite_neutral.wav`` (speaker code ``OA``, an erratum of the
  distributed archive; other copies spell it ``OAF_bite_neutral.wav``) is
  read as OAF's "bite", with a note: the speaker comes from its ``OAF_*``
  folder (in a flat copy, ``OA`` is read as ``OAF``).  Likewise a speaker code
  that is not OAF/YAF inside a speaker folder, and an emotion that is not a
  TESS code inside an emotion folder, are taken from the folder with a note.
* Both Kaggle trees: every second copy of an item is compared byte for byte
  and kept once (a copy with other bytes is skipped).
* A file whose speaker or emotion contradicts its folder, or that cannot be
  placed (unknown speaker or emotion and no folder to tell), is skipped with
  the reason; a folder spelling the adapter does not know leaves the file's
  own emotion in force, with a note.
* ``__MACOSX``/``.DS_Store``/AppleDouble files, other files and unrelated
  folders are ignored and counted.
* ``YAF_germ_angry.wav`` and ``YAF_neat_fear.wav`` are reported unreadable
  by old ``scipy.io.wavfile``; the harness decodes them with libsndfile.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "tess",
    {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "neutral": "neutral",
     "ps": "surprise", "sad": "sadness"},
)
#: how the emotion is spelled in folder names (lower-cased, separators as ``_``) -> file-name code
FOLDER_EMOTIONS = {
    "angry": "angry", "anger": "angry", "disgust": "disgust", "disgusted": "disgust", "fear": "fear",
    "fearful": "fear", "happy": "happy", "happiness": "happy", "neutral": "neutral", "sad": "sad",
    "sadness": "sad", "ps": "ps", "pleasant_surprise": "ps", "pleasant_surprised": "ps", "pleasantsurprise": "ps",
    "pleasantly_surprised": "ps", "surprise": "ps", "surprised": "ps",
}
SPEAKERS = {"OAF": "older", "YAF": "younger"}
AGES = {"OAF": "64", "YAF": "26"}
#: speaker codes seen misspelled in distributed copies
SPEAKER_ERRATA = {"OA": "OAF"}
FOLDER_NAME = re.compile(r"^(OAF|YAF)[_ -](.+)$", re.IGNORECASE)
FLAT_NAME = re.compile(r"^(OAF|YAF|OA)_[^_]+_(angry|disgust|fear|happy|neutral|ps|sad)\.wav$", re.IGNORECASE)
WRAPPERS = ("TESS Toronto emotional speech set data", "TESS_Toronto_emotional_speech_set_data",
            "TESS_Toronto_emotional_speech_set", "toronto-emotional-speech-set-tess", "dataverse_files", "tess")


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


WRAPPER_KEYS = frozenset(_key(w) for w in WRAPPERS)


def _folder_emotion(name: str) -> str | None:
    return FOLDER_EMOTIONS.get(re.sub(r"[\s\-]+", "_", name.strip().lower()))


def _holds_tess(path: Path) -> bool:
    """Speaker/emotion folders or TESS-named wavs directly in ``path``."""
    try:
        return any((p.is_dir() and FOLDER_NAME.match(p.name)) or (FLAT_NAME.match(p.name) and p.is_file())
                   for p in entries(path))
    except OSError:
        return False


def _wrapped_trees(path: Path, depth: int = 2) -> list[Path]:
    """Wrapper folders below ``path`` (down to ``depth`` levels) that hold TESS files."""
    try:
        wrappers = [p for p in entries(path) if p.is_dir() and _key(p.name) in WRAPPER_KEYS]
    except OSError:
        return []
    out = []
    for p in wrappers:
        if _holds_tess(p):
            out.append(p)
        elif depth > 1:
            out += _wrapped_trees(p, depth - 1)
    return out


class Tess(Corpus):
    name = "tess"
    description = "Toronto Emotional Speech Set: 2800 words in a carrier phrase, 2 female speakers, 7 emotions"
    folders = ("tess", "TESS", "TESS Toronto emotional speech set data", "toronto-emotional-speech-set-tess",
               "TESS_Toronto_emotional_speech_set_data", "TESS_Toronto_emotional_speech_set")
    modalities = ("audio",)
    labels = CODES.labels
    layout = ("tess/OAF_angry/OAF_back_angry.wav ... tess/YAF_pleasant_surprised/YAF_back_ps.wav "
              "(speakers OAF YAF; emotion = last field: angry disgust fear happy neutral ps sad)")
    layouts = (
        layout,
        "tess/OAF_back_angry.wav  (flat: the Dataverse download, dataverse_files.zip)",
        "toronto-emotional-speech-set-tess/TESS Toronto emotional speech set data/OAF_Fear/OAF_back_fear.wav  "
        "(Kaggle; its second tree tess toronto emotional speech set data/TESS Toronto ... is read too, "
        "identical copies kept once)",
        "TESS_Toronto_emotional_speech_set_data/OAF_Fear/OAF_back_fear.wav  (Paddle mirror)",
    )
    wrappers = WRAPPERS
    expected = {"items": 2800, "speakers": 2}
    obtain = "https://doi.org/10.5683/SP2/E8H2MF (Scholars Portal Dataverse, CC BY-NC-ND 4.0)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        # TESS files here, or the top of the Kaggle archive: two trees in wrapper folders, both read (a
        # single wrapper is descended into by Corpus.locate)
        return _holds_tess(path) or len(_wrapped_trees(path)) >= 2

    def load(self) -> list[Item]:
        items: list[Item] = []
        self._scan(self.root, items, depth=0)
        return items

    def _scan(self, folder: Path, items: list[Item], depth: int) -> None:
        """Speaker/emotion folders, flat wavs, and wrapper folders (both Kaggle trees) down to 3 levels."""
        for path in entries(folder):
            if path.is_dir():
                if FOLDER_NAME.match(path.name):
                    self._speaker_folder(path, items)
                elif _key(path.name) in WRAPPER_KEYS and depth < 3:
                    self._scan(path, items, depth + 1)
                else:
                    self.log.ignore(path, "folders that are not TESS speaker/emotion folders")
            elif path.suffix.lower() == ".wav":
                item = self._item(path, None)
                if item is not None:
                    items.append(item)
            else:
                self.log.ignore(path, "non-wav files")

    def _speaker_folder(self, folder: Path, items: list[Item]) -> None:
        for path in entries(folder):
            if path.is_dir():
                if FOLDER_NAME.match(path.name):  # the same folder unpacked twice (OAF_angry/OAF_angry/)
                    self._speaker_folder(path, items)
                else:
                    self.log.ignore(path, "folders that are not TESS speaker/emotion folders")
            elif path.suffix.lower() == ".wav":
                item = self._item(path, folder)
                if item is not None:
                    items.append(item)
            else:
                self.log.ignore(path, "non-wav files")

    def _item(self, wav: Path, folder: Path | None) -> Item | None:
        fields = wav.stem.split("_")
        if len(fields) < 3 or not all(fields):
            self.log.skip(wav, "not a TESS file name (expected SPK_word_emotion.wav, e.g. OAF_back_angry.wav)")
            return None
        spk_field, word, code_field = fields[0].upper(), "_".join(fields[1:-1]).lower(), fields[-1].lower()
        folder_speaker = folder_code = None
        notes = []
        if folder is not None:
            m = FOLDER_NAME.match(folder.name)
            folder_speaker, folder_code = m.group(1).upper(), _folder_emotion(m.group(2))
            if folder_code is None:
                notes.append(f"folder {folder.name!r} is not a known emotion spelling: the emotion "
                             f"{code_field!r} of the file name is used")
        # the speaker
        if spk_field in SPEAKERS:
            speaker = spk_field
            if folder_speaker is not None and folder_speaker != speaker:
                self.log.skip(wav, f"speaker {speaker} disagrees with its folder {folder.name}")
                return None
        elif folder_speaker is not None:
            speaker = folder_speaker
            erratum = " (a known erratum of the distributed archive)" if spk_field in SPEAKER_ERRATA else ""
            notes.insert(0, f"speaker code {fields[0]!r}{erratum} read as {speaker}, from its folder {folder.name}")
        elif spk_field in SPEAKER_ERRATA:
            speaker = SPEAKER_ERRATA[spk_field]
            notes.insert(0, f"speaker code {fields[0]!r} (a known erratum of the distributed archive) read as "
                            f"{speaker}")
        else:
            self.log.skip(wav, f"unknown TESS speaker {fields[0]!r} (known: OAF YAF) and no speaker folder")
            return None
        # the emotion
        if code_field in CODES.codes:
            code = code_field
            if folder_code is not None and folder_code != code:
                self.log.skip(wav, f"emotion {code!r} disagrees with its folder {folder.name}")
                return None
        elif folder_code is not None:
            code = folder_code
            notes.append(f"emotion {fields[-1]!r} is not a TESS code: {CODES(code, wav)} from its folder "
                         f"{folder.name}")
        else:
            known = ", ".join(f"{k}={v}" for k, v in CODES.codes.items())
            self.log.skip(wav, f"unknown tess label code {code_field!r} (known codes: {known}) and no emotion "
                               f"folder")
            return None
        item_id = f"{speaker}_{word}_{code}"
        meta = {"word": word, "age_group": SPEAKERS[speaker], "age": AGES[speaker], "gender": "female"}
        if notes:
            meta["note"] = self.log.infer(wav, "; ".join(notes))
        return Item(id=item_id, corpus=self.name, media={"audio": wav}, speaker=speaker, label=CODES(code, wav),
                    meta=meta)


@hookimpl
def harness_corpora():
    return [Tess]
