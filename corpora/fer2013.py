"""FER-2013 — the ICML 2013 facial-expression challenge data (Goodfellow et al., 2013).

Obtained from Kaggle, "Challenges in Representation Learning: Facial
Expression Recognition Challenge" (https://www.kaggle.com/c/
challenges-in-representation-learning-facial-expression-recognition-challenge;
research use; cite Goodfellow et al., "Challenges in representation learning:
a report on three machine learning contests", ICONIP 2013).  35,887 greyscale
48x48 face crops collected by web search, 7 classes.

Layouts read (both as distributed):

* the challenge CSV (``fer2013.tar.gz``; ``icml_face_data.csv`` is the same
  table with the columns in another order)::

      fer2013/fer2013.csv      columns emotion,pixels,Usage

  ``pixels``: 2304 space-separated grey values 0-255, row by row (48x48).
  ``Usage``: Training (28,709) -> split ``train``, PublicTest (3,589) ->
  ``valid``, PrivateTest (3,589) -> ``test``.

* the image-folder copy (Kaggle ``msambare/fer2013`` and others)::

      fer2013/train/angry/Training_3908.jpg ...   (.png .jpg .jpeg)
      fer2013/test/angry/PrivateTest_10131363.jpg ...

  Folders ``train`` -> ``train``, ``test`` -> ``test`` (also ``val``,
  ``valid``, ``validation`` -> ``valid``).  In ``test/`` a file named
  ``PublicTest_*`` is the challenge's public test part and goes to ``valid``,
  as in the CSV; every other test file goes to ``test``.

Emotion codes (CSV) and folder names: 0 angry = anger, 1 disgust, 2 fear,
3 happy = happiness, 4 sad = sadness, 5 surprise, 6 neutral.

Speakers are unknown (web images, no identities): ``speaker`` is None, so
speaker-disjoint protocols do not apply; use the official split.

Materialisation (CSV form): feature extractors read image files, so each row
is written once as ``NNNNN.png`` (row number from 0) under
``$HARNESS_CACHE/materialised/fer2013-<digest of the CSV's bytes>/``.  The
images are written into a temporary folder that is renamed into place when
all rows have been checked and written, so the folder exists only complete;
later loads reuse it (rows are then not re-parsed: the digest names the exact
CSV that was checked).  A changed CSV gets a new folder; a folder with files
missing is rebuilt.  A row whose pixels are not 2304 integers in 0-255 is an
error naming the CSV and its line.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import cv2
import numpy as np

from harness.data.corpus import Corpus, Item, examples
from harness.data.digest import content_digest
from harness.data.labels import LabelMap
from harness.errors import CorpusError, MediaError
from harness.hookspecs import hookimpl
from harness.paths import default_cache_dir

CODES = LabelMap(
    "fer2013",
    {"0": "anger", "1": "disgust", "2": "fear", "3": "happiness", "4": "sadness", "5": "surprise",
     "6": "neutral"},
)
FOLDER_CODES = LabelMap(
    "fer2013",
    {"angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "happiness", "sad": "sadness",
     "surprise": "surprise", "neutral": "neutral"},
)
USAGE = {"Training": "train", "PublicTest": "valid", "PrivateTest": "test"}
FOLDER_SPLITS = {"train": "train", "test": "test", "val": "valid", "valid": "valid", "validation": "valid"}
CSV_NAMES = ("fer2013.csv", "icml_face_data.csv")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
SIDE = 48
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 6]


def _find_csv(path: Path) -> Path | None:
    return next((path / n for n in CSV_NAMES if (path / n).is_file()), None)


def _split_folders(path: Path) -> list[Path]:
    """Split folders (train/, test/, ...) holding at least one FER emotion folder."""
    found = []
    for part in sorted(path.iterdir()):
        if part.is_dir() and part.name.lower() in FOLDER_SPLITS:
            if any(p.is_dir() and p.name.lower() in FOLDER_CODES.codes for p in part.iterdir()):
                found.append(part)
    return found


def parse_pixels(text: str, where: str) -> np.ndarray:
    """A 48x48 uint8 image from the CSV's space-separated grey values."""
    digits = text.replace(" ", "")
    fast = digits.isascii() and digits.isdigit()  # then np.fromstring reads every value
    values = np.fromstring(text, dtype=np.int64, sep=" ") if fast else None
    if values is None or values.size != SIDE * SIDE:
        tokens = text.split()
        if len(tokens) != SIDE * SIDE:
            raise CorpusError(f"{where}: {len(tokens)} pixel values, expected {SIDE * SIDE} ({SIDE}x{SIDE})")
        bad = next((t for t in tokens if not (t.isascii() and t.isdigit())), None)
        if bad is not None:
            raise CorpusError(f"{where}: pixel value {bad[:20]!r} is not an integer")
        values = np.array([int(t) for t in tokens], dtype=np.int64)
    if values.max() > 255:
        raise CorpusError(f"{where}: pixel values must lie in 0-255 (found {values.max()})")
    return values.astype(np.uint8).reshape(SIDE, SIDE)


def read_rows(csv_path: Path):
    """Yield (line number, emotion code, usage, pixel text) for each data row of the CSV."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            missing = [c for c in ("emotion", "pixels", "usage") if c not in header]
            if missing:
                raise CorpusError(f"{csv_path}, line 1: header {','.join(header) or '(empty)'} lacks "
                                  f"column(s) {', '.join(missing)} (expected emotion,pixels,Usage)")
            cols = [header.index(c) for c in ("emotion", "pixels", "usage")]
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise CorpusError(f"{csv_path}, line {reader.line_num}: {len(row)} field(s), "
                                      f"expected {len(header)} ({','.join(header)})")
                code, pixels, usage = (row[i].strip() for i in cols)
                yield reader.line_num, code, usage, pixels
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{csv_path}: not a text CSV ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CorpusError(f"{csv_path}: cannot read ({exc.strerror or exc})") from None


class Fer2013(Corpus):
    name = "fer2013"
    description = "FER-2013: 35,887 48x48 web face crops, 7 emotions, official train/public/private test split"
    folders = ("fer2013", "FER2013", "fer-2013", "FER-2013", "fer2013/fer2013")
    modalities = ("visual",)
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("fer2013/fer2013.csv (columns emotion,pixels,Usage) or "
              "fer2013/train/<angry|disgust|fear|happy|neutral|sad|surprise>/*.png|jpg and fer2013/test/...")
    obtain = ("https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-"
              "challenge (research use; cite Goodfellow et al. 2013)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return _find_csv(path) is not None or bool(_split_folders(path))

    def load(self) -> list[Item]:
        csv_path = _find_csv(self.root)
        if csv_path is None:
            return self._load_folders()
        other = [p.name for p in sorted(self.root.iterdir()) if p != csv_path and not p.name.startswith(".")]
        if other:
            self.notes.append(f"not read: {len(other)} entr(ies) beside {csv_path.name} in {self.root} "
                              f"(the CSV is read): {examples(other)}")
        return self._load_csv(csv_path)

    # -- the challenge CSV ---------------------------------------------------
    def materialised_dir(self, csv_path: Path) -> Path:
        """Where the CSV's rows live as PNG files."""
        try:
            digest = content_digest(csv_path)
        except MediaError as exc:
            raise CorpusError(str(exc)) from None
        return default_cache_dir() / "materialised" / f"fer2013-{digest[:20]}"

    def _load_csv(self, csv_path: Path) -> list[Item]:
        target = self.materialised_dir(csv_path)
        if target.is_dir():
            items = self._csv_items(csv_path, target, write_into=None)
            missing = [it.media["visual"].name for it in items if not it.media["visual"].is_file()]
            if not missing:
                self.notes.append(f"{len(items)} image(s) of {csv_path} reused from {target}")
                return items
            self.notes.append(f"rebuilt {target}: {len(missing)} materialised image(s) were missing "
                              f"({examples(missing)})")
            damaged = Path(tempfile.mkdtemp(prefix=f".{target.name}-damaged-", dir=target.parent))
            os.replace(target, damaged / target.name)
            shutil.rmtree(damaged, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()  # not mkdtemp: the folder keeps the umask's permissions once renamed
        try:
            items = self._csv_items(csv_path, target, write_into=tmp)
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():  # not a concurrent load that finished first
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self.notes.append(f"materialised {len(items)} image(s) of {csv_path} as PNG files in {target}")
        return items

    def _csv_items(self, csv_path: Path, target: Path, write_into: Path | None) -> list[Item]:
        """Items of the CSV's rows with media in ``target``; writes the PNGs into ``write_into`` when given."""
        items = []
        for index, (line, code, usage, pixels) in enumerate(read_rows(csv_path)):
            where = f"{csv_path}, line {line}"
            label = CODES(code, where)
            if usage not in USAGE:
                raise CorpusError(f"{where}: unknown Usage {usage!r} (known: {', '.join(USAGE)})")
            name = f"{index:05d}.png"
            if write_into is not None:
                image = parse_pixels(pixels, where)
                if not cv2.imwrite(str(write_into / name), image, PNG_PARAMS):
                    raise CorpusError(f"{write_into / name}: cannot write the image of {where}")
            items.append(Item(id=f"row{index:05d}", corpus=self.name, media={"visual": target / name},
                              label=label, split=USAGE[usage], meta={"line": str(line), "usage": usage}))
        return items

    # -- the image-folder copy ----------------------------------------------
    def _load_folders(self) -> list[Item]:
        parts = _split_folders(self.root)
        other = [p.name for p in sorted(self.root.iterdir()) if p not in parts and not p.name.startswith(".")]
        items, ignored = [], []
        for part in parts:
            split = FOLDER_SPLITS[part.name.lower()]
            for emotion_dir in sorted(part.iterdir()):
                if emotion_dir.name.startswith("."):
                    continue
                if not emotion_dir.is_dir():
                    ignored.append(f"{part.name}/{emotion_dir.name}")
                    continue
                folder = emotion_dir.name.lower()
                label = FOLDER_CODES(folder, emotion_dir)
                for path in sorted(emotion_dir.iterdir()):
                    if path.name.startswith("."):
                        continue
                    if path.suffix.lower() not in IMAGE_SUFFIXES:
                        ignored.append(f"{part.name}/{emotion_dir.name}/{path.name}")
                        continue
                    if not path.is_file():
                        raise CorpusError(f"{path}: not a regular file")
                    item_split = "valid" if split == "test" and path.name.startswith("PublicTest_") else split
                    items.append(Item(id=f"{part.name.lower()}.{folder}.{path.stem}", corpus=self.name,
                                      media={"visual": path}, label=label, split=item_split))
        if other:
            self.notes.append(f"not read: {len(other)} entr(ies) that are not split folders in {self.root}: "
                              f"{examples(other)}")
        if ignored:
            self.notes.append(f"ignored {len(ignored)} file(s) that are not images in the split folders of "
                              f"{self.root}: {examples(ignored)}")
        public = sum(it.split == "valid" for it in items if it.id.startswith("test."))
        if public:
            self.notes.append(f"{public} PublicTest_* image(s) of test/ form the valid split (challenge public test)")
        return items


@hookimpl
def harness_corpora():
    return [Fer2013]
