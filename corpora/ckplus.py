"""CK+ — the Extended Cohn-Kanade dataset (Lucey et al., 2010).

Obtained from the University of Pittsburgh / Carnegie Mellon University
(https://www.jeffcohn.net/Resources/, licence agreement for non-commercial
research; cite Kanade, Cohn & Tian, FG 2000 and Lucey, Cohn, Kanade, Saragih,
Ambadar & Matthews, CVPR Workshops 2010).  593 posed image sequences of 123
subjects, each running from a neutral face to the apex of the expression; 327
sequences carry a validated emotion label.

Layouts read:

1. the distributed archives, unpacked side by side (``Emotion_labels/`` or
   ``Emotion_labels/Emotion/`` as the label zip unpacks, ``extended-cohn-kanade-images/``
   as some copies name the frames folder)::

    CK+/
      cohn-kanade-images/S005/001/S005_001_00000001.png ...   the frames, 640x490 or 640x480 (full frames)
      Emotion/S005/001/S005_001_00000011_emotion.txt          one float code (327 sequences)
      FACS/S005/001/S005_001_00000011_facs.txt                action units (not used)
      Landmarks/S005/001/S005_001_00000001_landmarks.txt      68 AAM points per frame (not used)

2. the popular "CK+48" redistribution (Kaggle shawon10/ckplus, its Hugging Face
   re-upload): 48x48 grey face crops of the last three frames of each of the 327
   labelled sequences, one folder per emotion (no neutral; other copies spell
   ``happiness``, ``sad``, add ``neutral``)::

    CK+48/anger/S010_004_00000017.png ...   anger contempt disgust fear happy sadness surprise

   981 images of 118 subjects.  Items: one per image, id the file stem, speaker the
   subject ``S###`` of the name, the folder as the label's authority; the three
   frames of a sequence are near-identical, so protocols keep a subject's images
   on one side (speaker-disjoint folds do).  A file whose name carries no subject
   cannot be placed in a subject-independent protocol and is skipped with its reason.

Face crops: the original frames are full frames (``meta["face_crop"] = "no"``: the
visual pipeline detects the face); CK+48 images are crops (``"yes"``: no detection).

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

Irregularities never fail the corpus: an emotion file with an unknown code, a second
emotion file for one sequence, an emotion file whose frames are missing, or a frame
filed under another sequence is skipped with its reason and counted (``harness corpora
check``); stray files (readme, ``.DS_Store``, ``Thumbs.db``) are ignored and counted.

No official split: the papers use subject-independent 10-fold
cross-validation (``--folds 10``); 123 subjects (118 in the labelled sequences).
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk
from harness.errors import CorpusError, LabelError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "ckplus",
    {"0": "neutral", "1": "anger", "2": "contempt", "3": "disgust", "4": "fear", "5": "happiness",
     "6": "sadness", "7": "surprise"},
)
IMAGES, EMOTION = "cohn-kanade-images", "Emotion"
IMAGE_FOLDERS = (IMAGES, "extended-cohn-kanade-images")
EMOTION_FOLDERS = (EMOTION, "Emotion_labels", "Emotion_labels/Emotion")
KNOWN_TOP = {*IMAGE_FOLDERS, EMOTION, "Emotion_labels", "FACS", "Landmarks", "FACS_labels", "Landmarks_labels"}
#: CK+48-style emotion folders -> label
EMOTION_DIRS = {"anger": "anger", "angry": "anger", "contempt": "contempt", "disgust": "disgust", "fear": "fear",
                "happy": "happiness", "happiness": "happiness", "sadness": "sadness", "sad": "sadness",
                "surprise": "surprise", "neutral": "neutral"}
CROP_NAME = re.compile(r"^(S\d{3})_(\d{3})_(\d{8})$", re.IGNORECASE)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
SUBJECT = re.compile(r"^S\d{3}$")
SEQUENCE = re.compile(r"^\d{3}$")
FRAME = re.compile(r"^(S\d{3})_(\d{3})_(\d{8})\.png$", re.IGNORECASE)
EMOTION_FILE = re.compile(r"^(S\d{3})_(\d{3})_(\d{8})_emotion\.txt$", re.IGNORECASE)


def _visible(folder: Path) -> list[Path]:
    return entries(folder)


def _first(root: Path, names) -> Path | None:
    return next((root / n for n in names if (root / n).is_dir()), None)


def _crop_folders(path: Path) -> dict[str, Path]:
    return {p.name: p for p in _visible(path) if p.is_dir() and p.name.lower() in EMOTION_DIRS}


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
    modalities = ("visual",)
    labels = CODES.labels
    folders = ("CK+", "ckplus", "CKPlus", "ck+", "CK+48", "ck+48", "CK48", "ckplus48")
    layout = ("CK+/cohn-kanade-images/S005/001/S005_001_00000001.png ... and "
              "CK+/Emotion/S005/001/S005_001_00000011_emotion.txt (one float code 0-7)")
    layouts = (layout,
               "CK+/extended-cohn-kanade-images/... with Emotion_labels/(Emotion/)... (other names of the zips)",
               "CK+48/anger/S010_004_00000017.png ... (48x48 face crops, folders anger contempt disgust fear "
               "happy sadness surprise [neutral])")
    wrappers = ("CK+", "CK+48", "ckplus", "ck+48")
    obtain = ("https://www.jeffcohn.net/Resources/ (CK+ licence agreement, non-commercial research; "
              "cite Lucey et al. 2010)")
    #: also yield each labelled sequence's first frame as ``neutral``
    neutral_first_frame = False

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return _first(path, IMAGE_FOLDERS) is not None or len(_crop_folders(path)) >= 2

    def load(self) -> list[Item]:
        images = _first(self.root, IMAGE_FOLDERS)
        if images is None:
            self.expected = {"items": 981, "speakers": 118}  # what CK+48 holds
            return self._load_crops()
        self.expected = {"items": 327 * (2 if self.neutral_first_frame else 1), "speakers": 118}
        emotion = _first(self.root, EMOTION_FOLDERS)
        if emotion is None:
            raise CorpusError(f"{self.root / EMOTION}: folder missing; CK+ labels come from Emotion/ "
                              f"(Emotion_labels.zip), unpacked beside {images.name}/")
        other = [p.name for p in _visible(self.root) if p.name not in KNOWN_TOP]
        if other:
            self.notes.append(f"not read: {len(other)} other entr(ies) in {self.root}: {examples(other)}")
        sequences, ignored = self._sequences(images)
        labelled = self._emotion_files(emotion)
        items, not_apex = [], []
        for (subject, seq), label_file in sorted(labelled.items()):
            frames = sequences.get((subject, seq))
            if not frames:
                self.log.skip(label_file, f"labels sequence {subject}/{seq}, which has no frames in "
                                          f"{images / subject / seq}")
                continue
            frame = label_file.name[: -len("_emotion.txt")]
            named = [f for f in frames if f.stem.lower() == frame.lower()]
            if not named:
                self.log.skip(label_file, f"names frame {frame}.png, which is not in {images / subject / seq}")
                continue
            if named[0] != frames[-1]:
                not_apex.append(f"{subject}/{seq}")
            try:
                label = CODES(read_code(label_file), label_file)
            except (LabelError, CorpusError) as exc:
                self.log.skip(label_file, str(exc).removeprefix(f"{label_file}: "))
                continue
            meta = {"sequence": seq, "frame": str(int(frame[-8:])), "frames": str(len(frames)), "face_crop": "no"}
            items.append(Item(id=f"{subject}_{seq}", corpus=self.name, media={"visual": named[0]},
                              speaker=subject, label=label, meta={**meta, "role": "apex"}))
            if self.neutral_first_frame:
                first = frames[0]
                if first == named[0]:
                    self.log.skip(first, f"sequence {subject}/{seq} has one frame, so its first frame cannot "
                                         f"serve as neutral")
                    continue
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
                    if m is None or (m.group(1), m.group(2)) != (subject_dir.name, seq_dir.name) \
                            or not path.is_file():
                        self.log.skip(path, f"not a frame of CK+ sequence {where} (expected "
                                            f"{subject_dir.name}_{seq_dir.name}_00000001.png ...)")
                        continue
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
                        self.log.skip(path, f"emotion file of {key[0]}/{key[1]} filed under "
                                            f"{subject_dir.name}/{seq_dir.name}")
                        continue
                    if key in found:  # which of the two is right cannot be known: neither is used
                        self.log.skip(path, f"second emotion file for sequence {key[0]}/{key[1]} (the other: "
                                            f"{found[key].name}); the sequence is left out")
                        self.log.skip(found[key], f"two emotion files for sequence {key[0]}/{key[1]}")
                        found[key] = None
                        continue
                    found[key] = path
        if other:
            self.notes.append(f"ignored {len(other)} file(s) that are not CK+ emotion files in {emotion}: "
                              f"{examples(other)}")
        return {k: v for k, v in found.items() if v is not None}

    def _load_crops(self) -> list[Item]:
        """The CK+48 redistribution: ``<emotion>/S###_###_########.png`` face crops."""
        folders = _crop_folders(self.root)
        for p in _visible(self.root):
            if p.name not in folders:
                self.log.ignore(p, "entries beside the emotion folders")
        items = []
        for name, folder in sorted(folders.items()):
            label = EMOTION_DIRS[name.lower()]
            for path in sorted(folder.rglob("*")):
                if path.is_dir() or any(is_junk(Path(part)) for part in path.relative_to(folder).parts):
                    continue
                if path.suffix.lower() not in IMAGE_SUFFIXES:
                    self.log.ignore(path, "non-image file(s) in the emotion folders")
                    continue
                m = CROP_NAME.match(path.stem)
                meta = {"face_crop": "yes"}
                if m is None:
                    subject = re.match(r"^(S\d{3})", path.stem, re.IGNORECASE)
                    if subject is None:
                        self.log.skip(path, "no subject S### in the file name: the subject cannot be known")
                        continue
                    meta["note"] = self.log.infer(path, f"irregular name; subject {subject.group(1).upper()} from "
                                                        f"its prefix, label from the folder {name}")
                    speaker = subject.group(1).upper()
                else:
                    speaker = m.group(1).upper()
                    meta.update(sequence=m.group(2), frame=str(int(m.group(3))))
                items.append(Item(id=path.stem, corpus=self.name, media={"visual": path}, speaker=speaker,
                                  label=label, meta=meta))
        return items


class CKPlusWithNeutral(CKPlus):
    """CK+ with each labelled sequence's first frame added as ``neutral`` (not registered by default)."""

    name = "ckplus-neutral"
    description = ("Extended Cohn-Kanade (CK+): apex frames of 327 labelled sequences plus their first "
                   "frames as neutral, 123 subjects, 8 classes")
    neutral_first_frame = True


@hookimpl
def harness_corpora():
    return [CKPlus]
