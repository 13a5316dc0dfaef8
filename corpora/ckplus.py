"""CK+ — the Extended Cohn-Kanade dataset (Lucey et al., 2010).

Obtained from the University of Pittsburgh / Carnegie Mellon University
(https://www.jeffcohn.net/Resources/, licence agreement for non-commercial
research; cite Kanade, Cohn & Tian, FG 2000 and Lucey, Cohn, Kanade, Saragih,
Ambadar & Matthews, CVPR Workshops 2010).  593 posed image sequences of 123
subjects, each running from a neutral face to the apex of the expression; 327
sequences carry a validated emotion label.

Layout (the distributed archives, unpacked side by side)::

    CK+/
      cohn-kanade-images/S005/001/S005_001_00000001.png ...   the frames, 640x490 or 640x480
      Emotion/S005/001/S005_001_00000011_emotion.txt          one float code (327 sequences)
      FACS/S005/001/S005_001_00000011_facs.txt                action units (not used)
      Landmarks/S005/001/S005_001_00000001_landmarks.txt      68 AAM points per frame (not used)

Frame names ``SSSS_QQQ_FFFFFFFF.png``: subject ``SSSS`` (S005 ... S999),
sequence ``QQQ``, frame number.  The emotion file is named after the frame it
labels, the sequence's last (apex) frame, and holds one float code:
0 neutral, 1 anger, 2 contempt, 3 disgust, 4 fear, 5 happy (happiness),
6 sadness, 7 surprise.

Items: one per labelled sequence, id ``S005_001``, the frame the emotion file
names (the apex) as ``visual``, speaker = subject.  Sequences without an
emotion file (266 of 593 in the release) are skipped and counted in a note.

The common 7/8-class protocol also takes each labelled sequence's *first*
frame as a ``neutral`` example.  A corpus is built from its root alone, so the
registered ``ckplus`` is the apex-frame corpus; :class:`CKPlusWithNeutral`
(name ``ckplus-neutral``) adds the first frames (id ``S005_001_neutral``, label
neutral, same subject).  It is not registered by default: it reads the same
folder, so using both in one run would put the same subjects on both sides of
a transfer.  A plugin registers it with
``@hookimpl def harness_corpora(): return [CKPlusWithNeutral]``.

No official split: the papers use subject-independent 10-fold
cross-validation (``--folds 10``); 123 subjects.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "ckplus",
    {"0": "neutral", "1": "anger", "2": "contempt", "3": "disgust", "4": "fear", "5": "happiness",
     "6": "sadness", "7": "surprise"},
)
IMAGES, EMOTION = "cohn-kanade-images", "Emotion"
KNOWN_TOP = {IMAGES, EMOTION, "FACS", "Landmarks"}
SUBJECT = re.compile(r"^S\d{3}$")
SEQUENCE = re.compile(r"^\d{3}$")
FRAME = re.compile(r"^(S\d{3})_(\d{3})_(\d{8})\.png$", re.IGNORECASE)
EMOTION_FILE = re.compile(r"^(S\d{3})_(\d{3})_(\d{8})_emotion\.txt$", re.IGNORECASE)


def _visible(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def read_code(path: Path) -> str:
    """The label code of an emotion file (``   3.0000000e+00`` -> ``"3"``)."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        value = float(text)
    except ValueError:
        raise CorpusError(f"{path}: expected one number (the CK+ emotion code), found {text[:40]!r}") from None
    return str(int(value)) if value.is_integer() else text


class CKPlus(Corpus):
    name = "ckplus"
    description = ("Extended Cohn-Kanade (CK+): apex frames of 327 labelled posed sequences, "
                   "123 subjects, 7 emotions")
    folders = ("CK+", "ckplus", "CKPlus", "ck+")
    modalities = ("visual",)
    labels = CODES.labels
    layout = ("CK+/cohn-kanade-images/S005/001/S005_001_00000001.png ... and "
              "CK+/Emotion/S005/001/S005_001_00000011_emotion.txt (one float code 0-7)")
    obtain = ("https://www.jeffcohn.net/Resources/ (CK+ licence agreement, non-commercial research; "
              "cite Lucey et al. 2010)")
    #: also yield each labelled sequence's first frame as ``neutral``
    neutral_first_frame = False

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return (path / IMAGES).is_dir()

    def load(self) -> list[Item]:
        images, emotion = self.root / IMAGES, self.root / EMOTION
        if not emotion.is_dir():
            raise CorpusError(f"{emotion}: folder missing; CK+ labels come from Emotion/ "
                              f"(Emotion_labels.zip), unpacked beside {IMAGES}/")
        other = [p.name for p in _visible(self.root) if p.name not in KNOWN_TOP]
        if other:
            self.notes.append(f"not read: {len(other)} other entr(ies) in {self.root}: {examples(other)}")
        sequences, ignored = self._sequences(images)
        labelled = self._emotion_files(emotion)
        items, not_apex = [], []
        for (subject, seq), label_file in sorted(labelled.items()):
            frames = sequences.get((subject, seq))
            if not frames:
                raise CorpusError(f"{label_file}: labels sequence {subject}/{seq}, which has no frames "
                                  f"in {images / subject / seq}")
            frame = label_file.name[: -len("_emotion.txt")]
            named = [f for f in frames if f.stem.lower() == frame.lower()]
            if not named:
                raise CorpusError(f"{label_file}: names frame {frame}.png, which is not in {images / subject / seq}")
            if named[0] != frames[-1]:
                not_apex.append(f"{subject}/{seq}")
            label = CODES(read_code(label_file), label_file)
            meta = {"sequence": seq, "frame": str(int(frame[-8:])), "frames": str(len(frames))}
            items.append(Item(id=f"{subject}_{seq}", corpus=self.name, media={"visual": named[0]},
                              speaker=subject, label=label, meta={**meta, "role": "apex"}))
            if self.neutral_first_frame:
                first = frames[0]
                if first == named[0]:
                    raise CorpusError(f"{label_file}: sequence {subject}/{seq} has one frame, "
                                      "so its first frame cannot serve as neutral")
                items.append(Item(id=f"{subject}_{seq}_neutral", corpus=self.name, media={"visual": first},
                                  speaker=subject, label="neutral",
                                  meta={**meta, "frame": str(int(first.stem[-8:])), "role": "neutral-first-frame"}))
        unlabelled = sorted(f"{s}/{q}" for s, q in sequences if (s, q) not in labelled)
        if unlabelled:
            self.notes.append(f"skipped {len(unlabelled)} of {len(sequences)} sequence(s) without an emotion "
                              f"file in {emotion} (CK+ labels 327 of 593): {examples(unlabelled)}")
        if not_apex:
            self.notes.append(f"{len(not_apex)} emotion file(s) name a frame other than the sequence's last; "
                              f"the named frame is used: {examples(not_apex)}")
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not CK+ frames or sequence folders "
                              f"in {images}: {examples(ignored)}")
        return items

    def _sequences(self, images: Path) -> tuple[dict[tuple[str, str], list[Path]], list[str]]:
        """(subject, sequence) -> frames sorted by number; and the entries ignored."""
        sequences: dict[tuple[str, str], list[Path]] = {}
        ignored: list[str] = []
        for subject_dir in _visible(images):
            if not (subject_dir.is_dir() and SUBJECT.match(subject_dir.name)):
                ignored.append(subject_dir.name)
                continue
            for seq_dir in _visible(subject_dir):
                where = f"{subject_dir.name}/{seq_dir.name}"
                if not (seq_dir.is_dir() and SEQUENCE.match(seq_dir.name)):
                    ignored.append(where)
                    continue
                frames = []
                for path in _visible(seq_dir):
                    if path.suffix.lower() != ".png":
                        ignored.append(f"{where}/{path.name}")
                        continue
                    m = FRAME.match(path.name)
                    if m is None or (m.group(1), m.group(2)) != (subject_dir.name, seq_dir.name):
                        raise CorpusError(f"{path}: not a frame of CK+ sequence {where} "
                                          f"(expected {subject_dir.name}_{seq_dir.name}_00000001.png ...)")
                    if not path.is_file():
                        raise CorpusError(f"{path}: not a regular file")
                    frames.append(path)
                if frames:
                    sequences[(subject_dir.name, seq_dir.name)] = sorted(frames, key=lambda p: int(p.stem[-8:]))
                else:
                    ignored.append(f"{where}/ (no frames)")
        return sequences, ignored

    def _emotion_files(self, emotion: Path) -> dict[tuple[str, str], Path]:
        """(subject, sequence) -> its emotion file; other files are noted."""
        found: dict[tuple[str, str], Path] = {}
        other: list[str] = []
        for subject_dir in _visible(emotion):
            if not subject_dir.is_dir():
                other.append(subject_dir.name)
                continue
            for seq_dir in _visible(subject_dir):
                if not seq_dir.is_dir():
                    other.append(f"{subject_dir.name}/{seq_dir.name}")
                    continue
                for path in _visible(seq_dir):
                    m = EMOTION_FILE.match(path.name)
                    if m is None:
                        other.append(f"{subject_dir.name}/{seq_dir.name}/{path.name}")
                        continue
                    key = (m.group(1).upper(), m.group(2))
                    if key != (subject_dir.name, seq_dir.name):
                        raise CorpusError(f"{path}: emotion file of {key[0]}/{key[1]} "
                                          f"filed under {subject_dir.name}/{seq_dir.name}")
                    if key in found:
                        raise CorpusError(f"two emotion files for sequence {key[0]}/{key[1]}: "
                                          f"{found[key]} and {path}")
                    found[key] = path
        if other:
            self.notes.append(f"ignored {len(other)} file(s) that are not CK+ emotion files in {emotion}: "
                              f"{examples(other)}")
        return found


class CKPlusWithNeutral(CKPlus):
    """CK+ with each labelled sequence's first frame added as ``neutral`` (not registered by default)."""

    name = "ckplus-neutral"
    description = ("Extended Cohn-Kanade (CK+): apex frames of 327 labelled sequences plus their first "
                   "frames as neutral, 123 subjects, 8 classes")
    neutral_first_frame = True


@hookimpl
def harness_corpora():
    return [CKPlus]
