"""CREMA-D — Crowd-sourced Emotional Multimodal Actors Dataset (Cao, Cooper,
Keutmann, Gur, Nenkova & Verma, IEEE Trans. Affective Computing 5(4), 2014).

Obtained from https://github.com/CheyneyComputerScience/CREMA-D (Open Database
License; the media are git-lfs objects: clone with git-lfs, otherwise the
"files" are small text pointers that extraction reports as undecodable).
91 actors (1001..1091; 48 male, 43 female), 12 sentences, 6 emotions,
7442 clips.

Layout (as distributed)::

    CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav    16 kHz mono, converted from the video
    CREMA-D/VideoFlash/1001_DFA_ANG_XX.flv  the clips shown to the raters
    CREMA-D/AudioMP3/ ...                   rater copies of the audio (not read)
    CREMA-D/VideoDemographics.csv           ActorID, Age, Sex, Race, Ethnicity (optional)

File names ``AAAA_SSS_EEE_LL``: actor ``AAAA``; sentence ``SSS`` (IEO TIE IOM
IWW TAI MTI IWL ITH DFA ITS TSI WSI); intended emotion ``EEE`` (ANG anger,
DIS disgust, FEA fear, HAP happiness, NEU neutral, SAD sadness); level ``LL``
(LO low, MD medium, HI high, XX unspecified; only sentence IEO has levels).
The label is the *intended* (acted) emotion, not the crowd vote of
``processedResults/``.

One item per clip, with ``audio`` (the wav) and ``visual`` (the flv) where
present; a clip with only one of the two still is an item (counted in a
note).  Speaker = actor.  Meta: ``sentence``, ``level``, and ``gender`` when
VideoDemographics.csv is present.  No official split; the convention is
speaker-independent k-fold over actors.

Known problems of the release (kept as items -- the adapter reads names, it
does not judge content; unusable audio is reported by feature extraction, or
skipped with counts under --skip-unreadable):

* ``1076_MTI_SAD_XX.wav`` is empty/without audio in copies of the release, and
  ``1076_MTI_NEU_XX.wav`` is reported near-empty;
* ``1064_TIE_SAD_XX`` is reported to have no duration, and ``1064_IEO_DIS_MD``
  to be a one-minute recording holding every emotion of that sentence (its
  label is therefore unreliable);
* older copies name one file ``1040_ITH_SAD_X.wav`` (level ``X``; upstream
  issue #6, renamed to ``XX`` in 2022): read as ``1040_ITH_SAD_XX`` with a note;
* several AudioMP3 (and, earlier, VideoFlash) files were reported blank
  (upstream issue #13); AudioMP3 is not read.

When any of these files is present a note lists it.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "crema-d",
    {"ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happiness", "NEU": "neutral", "SAD": "sadness"},
)
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
FILE_NAME = re.compile(r"^(\d{4})_([A-Za-z]{3})_([A-Za-z]{3})_([A-Za-z]{1,2})$")
KNOWN_PROBLEMS = {
    "1076_MTI_SAD_XX": "reported empty (no audio)",
    "1076_MTI_NEU_XX": "reported near-empty",
    "1064_TIE_SAD_XX": "reported to have no duration",
    "1064_IEO_DIS_MD": "reported to hold every emotion of the sentence (label unreliable)",
}
MEDIA = (("audio", "AudioWAV", ".wav"), ("visual", "VideoFlash", ".flv"))


class CremaD(Corpus):
    name = "crema-d"
    description = "CREMA-D: 7442 acted clips, 91 actors, 12 sentences, 6 emotions, audio + video"
    folders = ("crema-d", "CREMA-D", "cremad", "CREMAD", "Crema-D")
    modalities = ("audio", "visual")
    labels = CODES.labels
    layout = ("CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav and/or CREMA-D/VideoFlash/1001_DFA_ANG_XX.flv "
              "(actor_sentence_emotion_level; emotions ANG DIS FEA HAP NEU SAD)")
    obtain = "https://github.com/CheyneyComputerScience/CREMA-D (git-lfs; Open Database License, cite Cao et al. 2014)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any((path / folder).is_dir() for _, folder, _ in MEDIA)

    def load(self) -> list[Item]:
        clips: dict[str, dict[str, Path]] = {}
        ignored = []
        for modality, folder, suffix in MEDIA:
            where = self.root / folder
            if not where.is_dir():
                self.notes.append(f"no {folder}/ folder in {self.root}: no {modality} media")
                continue
            for path in sorted(where.iterdir()):
                if path.name.startswith("."):
                    continue
                if path.suffix.lower() != suffix:
                    ignored.append(f"{folder}/{path.name}")
                    continue
                clip = self._clip_id(path)
                previous = clips.setdefault(clip, {}).get(modality)
                if previous is not None:
                    raise CorpusError(f"{self.name}: clip {clip} found twice in {folder}/: {previous} and {path}")
                clips[clip][modality] = path
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not CREMA-D clips: "
                              + examples(ignored))
        if (self.root / "AudioMP3").is_dir():
            self.notes.append("AudioMP3/ not read (the rater copies; AudioWAV is used for audio)")
        genders = self._genders()
        items, counts = [], Counter()
        for clip, media in sorted(clips.items()):
            actor, sentence, emotion, level = clip.split("_")
            for modality, folder, _ in MEDIA:
                if modality not in media and (self.root / folder).is_dir():
                    counts[f"without {modality} ({folder}/ lacks it)"] += 1
            meta = {"sentence": sentence, "level": LEVELS[level]}
            if actor in genders:
                meta["gender"] = genders[actor]
            items.append(Item(id=clip, corpus=self.name, media=media, speaker=actor,
                              label=CODES(emotion, next(iter(media.values()))), meta=meta))
        for what, n in sorted(counts.items()):
            self.notes.append(f"{n} clip(s) {what}")
        present = [f"{clip} ({why})" for clip, why in KNOWN_PROBLEMS.items() if clip in clips]
        if present:
            self.notes.append("known problem clips present (kept; extraction reports unusable audio): "
                              + "; ".join(present))
        return items

    def _clip_id(self, path: Path) -> str:
        if not path.is_file():
            raise CorpusError(f"{path}: not a regular file")
        m = FILE_NAME.match(path.stem)
        if m is None:
            raise CorpusError(f"{path}: not a CREMA-D file name (expected e.g. 1001_DFA_ANG_XX{path.suffix})")
        actor, sentence, emotion, level = (g.upper() for g in m.groups())
        if not 1001 <= int(actor) <= 1091:
            raise CorpusError(f"{path}: CREMA-D actor {actor} outside 1001..1091")
        if sentence not in SENTENCES:
            raise CorpusError(f"{path}: unknown CREMA-D sentence {sentence!r} (known: {' '.join(SENTENCES)})")
        CODES(emotion, path)
        if level == "X":
            self.notes.append(f"{path.name}: level 'X' read as 'XX' (a misnamed file of older copies)")
            level = "XX"
        if level not in LEVELS:
            raise CorpusError(f"{path}: unknown CREMA-D emotion level {level!r} (known: LO MD HI XX)")
        return f"{actor}_{sentence}_{emotion}_{level}"

    def _genders(self) -> dict[str, str]:
        table = self.root / "VideoDemographics.csv"
        if not table.is_file():
            return {}
        with open(table, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        if rows and not {"ActorID", "Sex"} <= set(rows[0]):
            raise CorpusError(f"{table}: expected columns ActorID and Sex, found {sorted(rows[0])}")
        genders = {}
        for n, row in enumerate(rows, start=2):
            sex = (row["Sex"] or "").strip().lower()
            if sex not in ("male", "female"):
                raise CorpusError(f"{table}, line {n}: Sex {row['Sex']!r} is neither Male nor Female")
            genders[(row["ActorID"] or "").strip()] = sex
        return genders


@hookimpl
def harness_corpora():
    return [CremaD]
