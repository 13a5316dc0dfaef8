"""RAVDESS — the Ryerson Audio-Visual Database of Emotional Speech and Song
(Livingstone & Russo, 2018, PLoS ONE 13(5): e0196391).

Obtained from Zenodo, https://zenodo.org/record/1188976 (CC BY-NC-SA 4.0).
24 professional actors (01..24; odd numbers male, even female), North American
English, two lexically matched statements.  Registered as two corpora:

* ``ravdess``: speech (vocal channel 01), 8 emotions, 1440 audio-only files;
* ``ravdess-song``: song (vocal channel 02), 6 emotions (no disgust and no
  surprise in song), 1012 audio-only files (actor 18 has no song files).

Layouts read (as distributed, and as commonly unpacked)::

    ravdess/Audio_Speech_Actors_01-24/Actor_01/03-01-01-01-01-01-01.wav
    ravdess/Audio_Song_Actors_01-24/Actor_01/03-02-...wav
    ravdess/Video_Speech_Actor_01/Actor_01/01-01-...mp4   (and 02-01-...mp4)
    ravdess/Video_Song_Actor_01/Actor_01/01-02-...mp4
    ravdess/Actor_01/03-01-...wav 01-01-...mp4 ...          (flat: all files of an actor together)

File names ``MM-VV-EE-II-SS-RR-AA``: modality MM (01 full audio-video,
02 video-only, 03 audio-only), vocal channel VV (01 speech, 02 song),
emotion EE (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
07 disgust, 08 surprised), intensity II (01 normal, 02 strong; neutral has no
strong intensity), statement SS (01 "Kids are talking by the door", 02 "Dogs
are sitting by the door"), repetition RR (01, 02), actor AA.

One item per utterance (the six fields after the modality, also the item id,
e.g. ``01-03-02-01-02-12``).  Media: ``audio`` is the audio-only 03 wav, or
the audio track of the full audio-video 01 mp4 when there is no wav;
``visual`` is the 01 mp4, or the video-only 02 mp4 when there is no 01.
Speaker: the actor (``01``..``24``).  Meta: ``intensity`` (normal/strong),
``statement`` (01/02), ``repetition`` (01/02), ``gender`` (male/female).
The actor field must agree with the ``Actor_NN`` folder holding the file.
Some copies (e.g. on Kaggle) hold both layouts at once; a second,
byte-identical copy of a file is ignored with a note, a differing one is an
error naming both files.

No official split: speaker-independent protocols (k-fold over actors, LOSO)
are the convention.
"""

from __future__ import annotations

import filecmp
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

SPEECH_CODES = LabelMap(
    "ravdess",
    {"01": "neutral", "02": "calm", "03": "happiness", "04": "sadness", "05": "anger", "06": "fear",
     "07": "disgust", "08": "surprise"},
)
SONG_CODES = LabelMap(
    "ravdess-song",
    {"01": "neutral", "02": "calm", "03": "happiness", "04": "sadness", "05": "anger", "06": "fear"},
)
FILE_NAME = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.(wav|mp4)$", re.IGNORECASE)
ACTOR_DIR = re.compile(r"^Actor_(\d\d)$", re.IGNORECASE)
MODALITY_SUFFIX = {"01": ".mp4", "02": ".mp4", "03": ".wav"}
INTENSITY = {"01": "normal", "02": "strong"}
LAYOUT = ("ravdess/Audio_Speech_Actors_01-24/Actor_01/03-01-01-01-01-01-01.wav, "
          "ravdess/Video_Speech_Actor_01/Actor_01/01-01-...mp4 (song: Audio_Song_Actors_01-24, Video_Song_Actor_NN) "
          "or flat ravdess/Actor_01/03-01-...wav; names MM-VV-EE-II-SS-RR-AA")


def _actor_dirs(path: Path):
    """``Actor_NN`` folders directly under ``path`` or one level down (the release folders)."""
    for child in path.iterdir():
        if not child.is_dir() or child.name.startswith("."):
            continue
        if ACTOR_DIR.match(child.name):
            yield child
        else:
            yield from (g for g in child.iterdir() if g.is_dir() and ACTOR_DIR.match(g.name))


class _Ravdess(Corpus):
    """Shared reader; subclasses set the vocal channel and its label map."""

    channel: str = "01"
    codes: LabelMap = SPEECH_CODES
    folders = ("ravdess", "RAVDESS", "Ravdess")
    modalities = ("audio", "visual")
    layout = LAYOUT
    obtain = "https://zenodo.org/record/1188976 (CC BY-NC-SA 4.0, cite Livingstone & Russo 2018)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        for actor in _actor_dirs(path):
            if any(f"-{cls.channel}-" == p.name[2:6] for p in actor.glob("??-??-*")):
                return True
        return False

    def load(self) -> list[Item]:
        files: dict[str, dict[str, Path]] = {}  # utterance -> modality code -> file
        ignored, copies, other_channel = [], [], 0
        for actor_dir in sorted(_actor_dirs(self.root)):
            for path in sorted(actor_dir.iterdir()):
                if path.name.startswith("."):
                    continue
                m = FILE_NAME.match(path.name)
                if m is None:
                    ignored.append(f"{actor_dir.relative_to(self.root)}/{path.name}")
                    continue
                if not path.is_file():
                    raise CorpusError(f"{path}: not a regular file")
                modality, channel, emotion, intensity, statement, repetition, actor, _ = m.groups()
                self._check(path, actor_dir, modality, channel, emotion, intensity, statement, repetition, actor)
                if channel != self.channel:
                    other_channel += 1
                    continue
                utterance = "-".join(m.groups()[1:7])
                previous = files.setdefault(utterance, {}).get(modality)
                if previous is not None:
                    if not filecmp.cmp(previous, path, shallow=False):
                        raise CorpusError(f"{self.name}: utterance {utterance} modality {modality} found twice, "
                                          f"with different content: {previous} and {path}")
                    copies.append(path)
                    continue
                files[utterance][modality] = path
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not RAVDESS recordings: "
                              + examples(ignored))
        if copies:
            self.notes.append(f"ignored {len(copies)} identical second copies (both layouts unpacked?): "
                              + ", ".join(str(p.relative_to(self.root)) for p in copies[:3])
                              + (" ..." if len(copies) > 3 else ""))
        if other_channel:
            other = "song (read by ravdess-song)" if self.channel == "01" else "speech (read by ravdess)"
            self.notes.append(f"{other_channel} {other} file(s) not read")
        return self._items_from(files)

    def _check(self, path, actor_dir, modality, channel, emotion, intensity, statement, repetition, actor):
        if modality not in MODALITY_SUFFIX:
            raise CorpusError(f"{path}: unknown RAVDESS modality {modality!r} (01 full-AV, 02 video-only, 03 audio)")
        if path.suffix.lower() != MODALITY_SUFFIX[modality]:
            raise CorpusError(f"{path}: modality {modality} should be a {MODALITY_SUFFIX[modality]} file")
        if channel not in ("01", "02"):
            raise CorpusError(f"{path}: unknown RAVDESS vocal channel {channel!r} (01 speech, 02 song)")
        if channel == self.channel:
            self.codes(emotion, path)  # LabelError for a code outside this corpus
        if intensity not in INTENSITY:
            raise CorpusError(f"{path}: unknown RAVDESS intensity {intensity!r} (01 normal, 02 strong)")
        if emotion == "01" and intensity == "02":
            raise CorpusError(f"{path}: neutral (01) has no strong intensity (02) in RAVDESS")
        for what, value in (("statement", statement), ("repetition", repetition)):
            if value not in ("01", "02"):
                raise CorpusError(f"{path}: unknown RAVDESS {what} {value!r} (01 or 02)")
        if not 1 <= int(actor) <= 24:
            raise CorpusError(f"{path}: RAVDESS actor {actor!r} outside 01..24")
        folder_actor = ACTOR_DIR.match(actor_dir.name).group(1)
        if folder_actor != actor:
            raise CorpusError(f"{path}: actor field {actor} disagrees with its folder {actor_dir.name}")

    def _items_from(self, files: dict[str, dict[str, Path]]) -> list[Item]:
        items, counts = [], Counter()
        for utterance, by_modality in sorted(files.items()):
            _channel, emotion, intensity, statement, repetition, actor = utterance.split("-")
            media = {}
            if "03" in by_modality:
                media["audio"] = by_modality["03"]
            elif "01" in by_modality:
                media["audio"] = by_modality["01"]
                counts["audio from the full audio-video mp4 (no 03 wav)"] += 1
            else:
                counts["without audio (video-only 02 mp4 only)"] += 1
            if "01" in by_modality:
                media["visual"] = by_modality["01"]
            elif "02" in by_modality:
                media["visual"] = by_modality["02"]
            else:
                counts["without video"] += 1
            items.append(Item(
                id=utterance, corpus=self.name, media=media, speaker=actor,
                label=self.codes(emotion, next(iter(by_modality.values()))),
                meta={"intensity": INTENSITY[intensity], "statement": statement, "repetition": repetition,
                      "gender": "male" if int(actor) % 2 else "female"},
            ))
        for what, n in sorted(counts.items()):
            self.notes.append(f"{n} utterance(s) {what}")
        return items


class Ravdess(_Ravdess):
    name = "ravdess"
    description = "RAVDESS speech: 24 actors (12 male), 8 emotions incl. calm, audio + video, 1440 utterances"
    channel = "01"
    codes = SPEECH_CODES
    labels = SPEECH_CODES.labels


class RavdessSong(_Ravdess):
    name = "ravdess-song"
    description = "RAVDESS song: 23 actors, 6 emotions (no disgust, no surprise), audio + video, 1012 utterances"
    channel = "02"
    codes = SONG_CODES
    labels = SONG_CODES.labels


@hookimpl
def harness_corpora():
    return [Ravdess, RavdessSong]
