"""RAVDESS — the Ryerson Audio-Visual Database of Emotional Speech and Song
(Livingstone & Russo, 2018, PLoS ONE 13(5): e0196391).

Obtained from Zenodo, https://zenodo.org/record/1188976 (CC BY-NC-SA 4.0;
7356 files).  24 professional actors (01..24; odd numbers male, even female),
North American English, two lexically matched statements.  Registered as two
corpora:

* ``ravdess``: speech (vocal channel 01), 8 emotions, 1440 audio-only files
  (60 per actor);
* ``ravdess-song``: song (vocal channel 02), 6 emotions (no disgust and no
  surprise in song), 1012 audio-only files (44 per actor; Actor_18 has no
  song files, so 23 actors).

Audio 16-bit 48 kHz wav; video 720p H.264 with 48 kHz AAC audio.

Layouts read::

    ravdess/Audio_Speech_Actors_01-24/Actor_01/03-01-01-01-01-01-01.wav   the Zenodo zips, each unpacked
    ravdess/Audio_Song_Actors_01-24/Actor_01/03-02-...wav                 into a folder named after it
    ravdess/Video_Speech_Actor_01/Actor_01/01-01-...mp4   (and 02-01-...mp4)
    ravdess/Video_Song_Actor_01/Actor_01/01-02-...mp4
    ravdess/Actor_01/03-01-...wav 01-01-...mp4 ...          the zips unpacked in place (they have no top
                                                            folder), or the older Dataverse per-actor zips
    ravdess/audio/Audio_Speech_Actors_01-24/Actor_11/...    two levels deeper (EmoBox; Kaggle's archive/
                                                            audio_speech_actors_01-24/; Video_Speech_Actor_01/
                                                            Video_Speech_Actor_01/Actor_01/)
    ravdess-emotional-speech-audio/Actor_01/... and .../audio_speech_actors_01-24/Actor_01/...
                                                            Kaggle (uwrfkaggler): the 1440 files twice
    ravdess-emotional-song-audio/audio_song_actors_01-24/Actor_01/03-02-...wav   Kaggle, song

Folders below the corpus folder are searched for ``Actor_NN`` folders: any
folder one level down, and folders named like a release (audio, video, speech,
song, actor, ravdess) a second level down.

File names ``MM-VV-EE-II-SS-RR-AA``: modality MM (01 full audio-video,
02 video-only, 03 audio-only), vocal channel VV (01 speech, 02 song),
emotion EE (01 neutral, 02 calm, 03 happy, 04 sad, 05 angry, 06 fearful,
07 disgust, 08 surprised), intensity II (01 normal, 02 strong; neutral has no
strong intensity), statement SS (01 "Kids are talking by the door", 02 "Dogs
are sitting by the door"), repetition RR (01, 02), actor AA.

One item per utterance (the six fields after the modality, also the item id,
e.g. ``01-03-02-01-02-12``).  Media: ``audio`` is the audio-only 03 wav, or
the audio track of the full audio-video 01 mp4 when there is no wav (noted);
``visual`` is the 01 mp4, or the video-only 02 mp4 when there is no 01.
Speaker: the actor (``01``..``24``).  Meta: ``intensity`` (normal/strong),
``statement`` (01/02), ``repetition`` (01/02), ``gender`` (male/female).

Irregularities handled (each counted in the reading report; none fails the corpus):

* Copies holding a layout twice (Kaggle, or speech and song zips unpacked
  into the same ``Actor_NN`` folders): a byte-identical second copy of a file
  is kept once; a second copy with other bytes (the 16 kHz re-pack of Zenodo
  record 11063852 beside the original, a user's re-encode) is skipped, the
  file with the higher sample rate kept (the first found when equal).
* A name that breaks the code book (unknown modality, channel, emotion,
  intensity, statement, repetition, actor outside 01..24, neutral at strong
  intensity, a modality in the wrong container) or whose actor field
  disagrees with its ``Actor_NN`` folder is skipped with the reason.
* Files of the other vocal channel are left to the other corpus and counted;
  other files (landmark ``.csv``, readme) and ``__MACOSX``/``.DS_Store`` are
  ignored and counted.
* Some Kaggle wavs carry a 4 kB ``FLLR`` chunk before the audio, and a few
  files are reported stereo: both are handled by the decoder (mixed down,
  noted).

No official split: speaker-independent protocols (k-fold over actors, LOSO)
are the convention.
"""

from __future__ import annotations

import filecmp
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries
from harness.errors import LabelError
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
#: folders searched a second level down for Actor_NN folders
RELEASE_LIKE = re.compile(r"audio|video|speech|song|actor|ravdess", re.IGNORECASE)
MODALITY_SUFFIX = {"01": ".mp4", "02": ".mp4", "03": ".wav"}
INTENSITY = {"01": "normal", "02": "strong"}
LAYOUT = ("ravdess/Audio_Speech_Actors_01-24/Actor_01/03-01-01-01-01-01-01.wav, "
          "ravdess/Video_Speech_Actor_01/Actor_01/01-01-...mp4 (song: Audio_Song_Actors_01-24, Video_Song_Actor_NN) "
          "or flat ravdess/Actor_01/03-01-...wav; names MM-VV-EE-II-SS-RR-AA")

def _layouts(kind: str, channel: str) -> tuple[str, ...]:
    return (
        LAYOUT,
        f"ravdess/audio/Audio_{kind.title()}_Actors_01-24/Actor_01/03-{channel}-01-01-01-01-01.wav  "
        f"(two folders deeper, e.g. EmoBox)",
        f"ravdess-emotional-{kind}-audio/audio_{kind}_actors_01-24/Actor_01/03-{channel}-01-01-01-01-01.wav  "
        f"(Kaggle; a second copy Actor_01/ beside it is read too, identical copies kept once)",
    )


def _actor_dirs(path: Path, depth: int = 0):
    """``Actor_NN`` folders directly under ``path``, one level down, or two levels down through
    folders named like a release (``audio/Audio_Speech_Actors_01-24/Actor_01``)."""
    try:
        children = [p for p in entries(path) if p.is_dir()]
    except OSError:
        return
    for child in children:
        if ACTOR_DIR.match(child.name):
            yield child
        elif depth < 2 and (depth == 0 or RELEASE_LIKE.search(child.name)):
            yield from _actor_dirs(child, depth + 1)


def _sample_rate(path: Path) -> int:
    try:
        import soundfile as sf

        return sf.info(str(path)).samplerate
    except Exception:  # not decodable by libsndfile (mp4, damaged): no preference
        return 0


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
        for actor_dir in sorted(_actor_dirs(self.root)):
            for path in entries(actor_dir):
                m = FILE_NAME.match(path.name)
                if m is None or not path.is_file():
                    self.log.ignore(path, "folders inside Actor_NN" if path.is_dir()
                                    else "files that are not RAVDESS recordings")
                    continue
                modality, channel, emotion, intensity, statement, repetition, actor, _ = m.groups()
                if channel in ("01", "02") and channel != self.channel:
                    other = "song files (read by ravdess-song)" if self.channel == "01" else \
                        "speech files (read by ravdess)"
                    self.log.ignore(path, other)
                    continue
                problem = self._problem(path, actor_dir, modality, channel, emotion, intensity, statement,
                                        repetition, actor)
                if problem:
                    self.log.skip(path, problem)
                    continue
                utterance = "-".join(m.groups()[1:7])
                by_modality = files.setdefault(utterance, {})
                previous = by_modality.get(modality)
                if previous is None:
                    by_modality[modality] = path
                elif filecmp.cmp(previous, path, shallow=False):
                    self.log.duplicate(previous, path, True)
                elif _sample_rate(path) > _sample_rate(previous):
                    self.log.duplicate(path, previous, False)
                    by_modality[modality] = path
                else:
                    self.log.duplicate(previous, path, False)
        return self._items_from(files)

    def _problem(self, path, actor_dir, modality, channel, emotion, intensity, statement, repetition,
                 actor) -> str | None:
        """Why the name breaks the RAVDESS code book, or None."""
        if modality not in MODALITY_SUFFIX:
            return f"unknown RAVDESS modality {modality!r} (01 full-AV, 02 video-only, 03 audio)"
        if path.suffix.lower() != MODALITY_SUFFIX[modality]:
            return f"modality {modality} should be a {MODALITY_SUFFIX[modality]} file"
        if channel not in ("01", "02"):
            return f"unknown RAVDESS vocal channel {channel!r} (01 speech, 02 song)"
        try:
            self.codes(emotion, path)
        except LabelError as exc:
            return str(exc).removeprefix(f"{path}: ")
        if intensity not in INTENSITY:
            return f"unknown RAVDESS intensity {intensity!r} (01 normal, 02 strong)"
        if emotion == "01" and intensity == "02":
            return "neutral (01) has no strong intensity (02) in RAVDESS"
        for what, value in (("statement", statement), ("repetition", repetition)):
            if value not in ("01", "02"):
                return f"unknown RAVDESS {what} {value!r} (01 or 02)"
        if not 1 <= int(actor) <= 24:
            return f"RAVDESS actor {actor!r} outside 01..24"
        folder_actor = ACTOR_DIR.match(actor_dir.name).group(1)
        if folder_actor != actor:
            return f"actor field {actor} disagrees with its folder {actor_dir.name}"
        return None

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
    folders = (*_Ravdess.folders, "ravdess-emotional-speech-audio")
    layouts = _layouts("speech", "01")
    expected = {"items": 1440, "speakers": 24}


class RavdessSong(_Ravdess):
    name = "ravdess-song"
    description = "RAVDESS song: 23 actors, 6 emotions (no disgust, no surprise), audio + video, 1012 utterances"
    channel = "02"
    codes = SONG_CODES
    labels = SONG_CODES.labels
    folders = (*_Ravdess.folders, "ravdess-emotional-song-audio")
    layouts = _layouts("song", "02")
    expected = {"items": 1012, "speakers": 23}


@hookimpl
def harness_corpora():
    return [Ravdess, RavdessSong]
