"""FER-2013 — the ICML 2013 facial-expression challenge data (Goodfellow et al., 2013).

Obtained from Kaggle, "Challenges in Representation Learning: Facial
Expression Recognition Challenge" (https://www.kaggle.com/c/
challenges-in-representation-learning-facial-expression-recognition-challenge;
research use; cite Goodfellow et al., "Challenges in representation learning:
a report on three machine learning contests", ICONIP 2013).  35,887 greyscale
48x48 face crops collected by web search, 7 classes.

Layouts read
------------

1. The challenge CSV (``fer2013.tar.gz``; Kaggle re-uploads such as
   ``/kaggle/input/fer2013/fer2013.csv``)::

       fer2013/fer2013.csv      columns emotion,pixels,Usage

   ``pixels``: 2304 space-separated grey values 0-255, row by row (48x48).
   ``Usage``: Training (28,709) -> split ``train``, PublicTest (3,589) ->
   ``valid``, PrivateTest (3,589) -> ``test``.  ``icml_face_data.csv`` of the
   competition download is the same table, its header ``emotion, Usage, pixels``
   (other order, leading spaces).

2. The competition's split files, read when neither of the above is there::

       train.csv    columns emotion,pixels: the 28,709 Training rows -> split ``train``
       test.csv     column pixels only: 7,178 unlabelled rows, skipped (counted)

   With ``train.csv`` alone there is no official test part: use
   cross-validation (``--protocol`` other than ``split``).  Where
   ``fer2013.tar.gz`` is unpacked beside them (``fer2013/fer2013.csv``), that
   complete table is read instead.

3. The image-folder copy (Kaggle ``msambare/fer2013`` and others)::

       fer2013/train/angry/Training_3908.jpg ...   (.png .jpg .jpeg .bmp .tif .webp)
       fer2013/test/angry/PrivateTest_10131363.jpg ...
       fer2013/test/happy/PublicTest_6949642.jpg ...

   Folders ``train`` (``training``) -> ``train``, ``test`` (``testing``,
   ``PrivateTest``) -> ``test``, ``val``/``valid``/``validation``/``PublicTest``
   -> ``valid``.  In ``test/`` a file named ``PublicTest_*`` is the challenge's
   public test part and goes to ``valid``, as in the CSV.  Emotion folders:
   ``angry disgust fear happy sad surprise neutral`` (any case; also
   ``anger disgusted fearful happiness sadness surprised`` and the codes 0-6).

4. The ``images/train`` + ``images/validation`` copy (Kaggle
   ``jonathanoheix/face-expression-recognition-dataset``, also nested as
   ``images/images/``): with no ``test/`` folder beside it, its
   ``validation/`` is that copy's held-out part and is read as split ``test``,
   with a note (it is not known to be the challenge's PublicTest part).

5. FER+ votes (Microsoft ``FERPlus``): ``fer2013new.csv`` beside ``fer2013.csv``
   (or ``icml_face_data.csv``), columns ``Usage,Image name,neutral,happiness,
   surprise,sadness,anger,disgust,fear,contempt,unknown,NF`` (10 votes a row),
   matched by row order, never by image name (names skip the rows FER+ drops).
   Each item then carries ``meta["ferplus_votes"]`` (the ten counts in that
   order) and ``meta["ferplus_majority"]`` (the canonical emotion with most
   votes, or ``unknown``, ``not-a-face``, ``tie``); an image FER+ votes not a
   face is noted.  Labels stay the FER-2013 ones: a FER+ corpus (8 classes with
   contempt, NF and unknown rows dropped) would be its own adapter.  FER+'s
   generated ``FER2013Train/fer0000000.png`` + ``label.csv`` folders are not read.

Emotion codes (CSV) and folder names: 0 angry = anger, 1 disgust, 2 fear,
3 happy = happiness, 4 sad = sadness, 5 surprise, 6 neutral.

Speakers are unknown (web images, no identities): ``speaker`` is None, so
speaker-disjoint protocols do not apply; use the official split.  The images
are face crops (``face_crops = True``, ``meta["face_crop"] = "yes"``): the
visual pipeline does not detect faces in them.

Irregularities (never fail the corpus; ``harness corpora check`` lists them)
---------------------------------------------------------------------------

- a CSV row with the wrong number of fields, an unknown emotion code (``3.0``
  is read as ``3``), or pixels that are not 2304 integers in 0-255 is skipped
  with its reason (file and line);
- an unknown ``Usage`` keeps the row with split None and a note; a CSV without
  a ``Usage`` column (a re-upload) keeps its rows with split None (``train``
  for the competition's ``train.csv``);
- a blank image (every pixel the same) and a row whose pixels repeat an
  earlier row's (the challenge data hold such duplicates) are kept with a note;
- an image in an emotion folder that is not one of the seven (``contempt/``) is
  skipped with its reason; README files, other CSVs beside the one read,
  ``__MACOSX/``, ``.DS_Store``, ``Thumbs.db`` and non-image files are ignored
  and counted.

Materialisation (CSV forms): feature extractors read image files, so each row
is written once as ``NNNNN.png`` (row number from 0) under
``$HARNESS_CACHE/materialised/fer2013-<digest of the CSV's bytes>/``, with a
``manifest.json`` of the rows skipped and noted.  The images are written into
a temporary folder that is renamed into place when all rows have been checked
and written, so the folder exists only complete; later loads reuse it (pixels
are then not re-parsed: the digest names the exact CSV that was checked).  A
changed CSV gets a new folder; a folder with files or its manifest missing is
rebuilt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import cv2

from harness.corpora import _fer_csv as fer_csv
from harness.data.corpus import Corpus, Item, examples
from harness.data.digest import content_digest
from harness.data.labels import LabelMap
from harness.data.reading import ReadingLog, is_junk
from harness.errors import CorpusError, LabelError, MediaError
from harness.hookspecs import hookimpl
from harness.paths import default_cache_dir

CODES = LabelMap(
    "fer2013",
    {"0": "anger", "1": "disgust", "2": "fear", "3": "happiness", "4": "sadness", "5": "surprise",
     "6": "neutral"},
)
FOLDER_CODES = LabelMap(
    "fer2013",
    {"angry": "anger", "anger": "anger", "disgust": "disgust", "disgusted": "disgust", "fear": "fear",
     "fearful": "fear", "happy": "happiness", "happiness": "happiness", "sad": "sadness", "sadness": "sadness",
     "surprise": "surprise", "surprised": "surprise", "neutral": "neutral", **CODES.codes},
)
USAGE = {"Training": "train", "PublicTest": "valid", "PrivateTest": "test"}
_USAGE_LOWER = {k.lower(): v for k, v in USAGE.items()}
FOLDER_SPLITS = {"train": "train", "training": "train", "test": "test", "testing": "test", "privatetest": "test",
                 "val": "valid", "valid": "valid", "validation": "valid", "publictest": "valid"}
#: validation folders that are a copy's held-out (test) part when it has no test folder
HELD_OUT = ("val", "valid", "validation")
FERPLUS_CSV = "fer2013new.csv"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 6]
MANIFEST = "manifest.json"


def _split_folders(path: Path) -> list[Path]:
    """Split folders (train/, test/, validation/, ...) holding at least one FER emotion folder."""
    found = []
    try:
        for part in sorted(path.iterdir()):
            if part.is_dir() and not is_junk(part) and part.name.lower() in FOLDER_SPLITS:
                if any(p.is_dir() and p.name.lower() in FOLDER_CODES.codes for p in part.iterdir()):
                    found.append(part)
    except OSError:
        return []
    return found


def _with_note(meta: dict, note: str) -> dict:
    return {**meta, "note": f"{meta['note']}; {note}" if "note" in meta else note}


class Fer2013(Corpus):
    name = "fer2013"
    description = "FER-2013: 35,887 48x48 web face crops, 7 emotions, official train/public/private test split"
    folders = ("fer2013", "FER2013", "fer-2013", "FER-2013", "fer2013/fer2013",
               "challenges-in-representation-learning-facial-expression-recognition-challenge",
               "face-expression-recognition-dataset", "facialexpressionrecognition")
    wrappers = ("fer2013", "images")
    modalities = ("visual",)
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("fer2013/fer2013.csv (columns emotion,pixels,Usage) or "
              "fer2013/train/<angry|disgust|fear|happy|neutral|sad|surprise>/*.png|jpg and fer2013/test/...")
    layouts = (
        layout,
        "fer2013/icml_face_data.csv (columns emotion, Usage, pixels; the competition download)",
        "train.csv (emotion,pixels: the Training part) + test.csv (pixels only: unlabelled, skipped)",
        "fer2013/train/angry/Training_3908.jpg + fer2013/test/happy/PublicTest_6949642.jpg (Kaggle msambare/fer2013)",
        "images/train/angry/*.jpg + images/validation/... (Kaggle face-expression-recognition-dataset; "
        "validation read as the test part)",
        "fer2013new.csv (FER+ votes) beside fer2013.csv: votes and majority in each item's meta",
    )
    expected = {"items": 35887}
    face_crops = True
    obtain = ("https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-"
              "challenge (research use; cite Goodfellow et al. 2013)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        found = fer_csv.find_csv(path)
        if found is not None and found.name == "train.csv" and (path / "fer2013" / "fer2013.csv").is_file():
            return False  # the competition download with fer2013.tar.gz unpacked: its fer2013/ has every row
        return found is not None or fer_csv.unlabelled_test_csv(path) is not None or bool(_split_folders(path))

    def load(self) -> list[Item]:
        csv_path = fer_csv.find_csv(self.root)
        if csv_path is None:
            if _split_folders(self.root):
                return self._load_folders()
            test_csv = fer_csv.unlabelled_test_csv(self.root)
            return self._skip_test_csv(test_csv, alone=True) if test_csv is not None else []
        test_csv = fer_csv.unlabelled_test_csv(self.root) if csv_path.name == "train.csv" else None
        ferplus = self.root / FERPLUS_CSV if csv_path.name != "train.csv" else None
        for entry in sorted(self.root.iterdir()):
            if entry in (csv_path, test_csv, ferplus):
                continue
            if is_junk(entry):
                self.log.ignore(entry, "archiver or file-manager junk")
            elif entry.name == FERPLUS_CSV:
                self.log.ignore(entry, f"FER+ votes not matched to {csv_path.name} (read only beside "
                                       "fer2013.csv or icml_face_data.csv)")
            else:
                self.log.ignore(entry, f"entries beside {csv_path.name} (it is read)")
        items = self._load_csv(csv_path)
        if ferplus is not None and ferplus.is_file():
            items = self._add_ferplus(ferplus, csv_path, items)
        if test_csv is not None:
            self._skip_test_csv(test_csv, alone=False)
        return items

    # -- the challenge CSVs --------------------------------------------------
    def _skip_test_csv(self, test_csv: Path, alone: bool) -> list[Item]:
        rows = 0
        for line, _fields, _problem in fer_csv.read_rows(test_csv):
            rows += 1
            self.log.skip(f"{test_csv}, line {line}", "pixels only, no label (the challenge's unlabelled test part)")
        if alone:
            raise CorpusError(f"{test_csv}: {rows} rows of pixels only, no labels (the challenge's unlabelled "
                              f"test part); the labels are in fer2013.csv, icml_face_data.csv or train.csv of the "
                              f"same download, beside it")
        self.notes.append(f"{test_csv.name}: {rows} unlabelled row(s) skipped (the challenge's test part, "
                          "pixels only); train.csv's rows form the train split")
        return []

    def materialised_dir(self, csv_path: Path) -> Path:
        """Where the CSV's rows live as PNG files."""
        try:
            digest = content_digest(csv_path)
        except MediaError as exc:
            raise CorpusError(str(exc)) from None
        return default_cache_dir() / "materialised" / f"fer2013-{digest[:20]}"

    def _load_csv(self, csv_path: Path) -> list[Item]:
        header = fer_csv.csv_header(csv_path)
        missing = [c for c in ("emotion", "pixels") if c not in header]
        if missing:
            raise CorpusError(f"{csv_path}, line 1: header {','.join(header) or '(empty)'} lacks "
                              f"column(s) {', '.join(missing)} (expected emotion,pixels,Usage)")
        if "usage" not in header:
            self.notes.append(
                f"{csv_path.name} has no Usage column: " + ("its rows are the challenge's Training part (split train)"
                                                           if csv_path.name == "train.csv" else
                                                           "the official split of its rows is unknown (split None)"))
        target = self.materialised_dir(csv_path)
        if target.is_dir():
            manifest = self._manifest(target)
            if manifest is not None:
                log = ReadingLog()
                items = self._csv_items(csv_path, target, log, manifest)
                missing = [it.media["visual"].name for it in items if not it.media["visual"].is_file()]
                if not missing:
                    self._merge(log)
                    self.notes.append(f"{len(items)} image(s) of {csv_path} reused from {target}")
                    return items
                why = f"{len(missing)} materialised image(s) were missing ({examples(missing)})"
            else:
                why = f"its {MANIFEST} was missing or unreadable"
            self.notes.append(f"rebuilt {target}: {why}")
            damaged = Path(tempfile.mkdtemp(prefix=f".{target.name}-damaged-", dir=target.parent))
            os.replace(target, damaged / target.name)
            shutil.rmtree(damaged, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()  # not mkdtemp: the folder keeps the umask's permissions once renamed
        try:
            manifest = {"csv": csv_path.name, "rows": 0, "skipped": {}, "notes": {}}
            log = ReadingLog()
            items = self._csv_items(csv_path, target, log, manifest, write_into=tmp)
            (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
            try:
                os.rename(tmp, target)
            except OSError:
                if not target.is_dir():  # not a concurrent load that finished first
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._merge(log)
        self.notes.append(f"materialised {len(items)} image(s) of {csv_path} as PNG files in {target}")
        return items

    def _merge(self, log: ReadingLog) -> None:
        self.log.skipped += log.skipped
        self.log.inferred += log.inferred

    @staticmethod
    def _manifest(target: Path) -> dict | None:
        try:
            manifest = json.loads((target / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        ok = isinstance(manifest, dict) and all(isinstance(manifest.get(k), dict) for k in ("skipped", "notes"))
        return manifest if ok else None

    def _csv_items(self, csv_path: Path, target: Path, log: ReadingLog, manifest: dict,
                   write_into: Path | None = None) -> list[Item]:
        """Items of the CSV's rows with media in ``target``, rows skipped and noted recorded in ``log``.  With
        ``write_into``, the pixels are parsed, the PNGs written there and what was found recorded in
        ``manifest``; else ``manifest`` says it."""
        items: list[Item] = []
        self._usages: list[str | None] = []
        seen: dict[bytes, tuple[int, int, str]] = {}  # pixel digest -> first row, its line, its label
        train_csv = csv_path.name == "train.csv"
        for index, (line, fields, problem) in enumerate(fer_csv.read_rows(csv_path)):
            where, key = f"{csv_path}, line {line}", str(index)
            self._usages.append(fields.get("usage") if fields else None)
            if problem is not None:
                log.skip(where, problem)
                continue
            try:
                label = CODES(fer_csv.code_text(fields["emotion"]), where)
            except LabelError as exc:
                log.skip(where, str(exc).removeprefix(f"{where}: "))
                continue
            meta = {"line": str(line), "face_crop": "yes"}
            if "usage" in fields:
                usage = fields["usage"]
                split = _USAGE_LOWER.get(usage.lower())
                meta["usage"] = usage
                if split is None:
                    meta = _with_note(meta, f"unknown Usage {usage!r} (known: {', '.join(USAGE)}): split unknown")
            else:
                split = "train" if train_csv else None
            name = f"{index:05d}.png"
            if write_into is not None:
                try:
                    image = fer_csv.parse_pixels(fields["pixels"], where)
                except CorpusError as exc:
                    manifest["skipped"][key] = str(exc).removeprefix(f"{where}: ")
                else:
                    if not cv2.imwrite(str(write_into / name), image, PNG_PARAMS):
                        raise CorpusError(f"{write_into / name}: cannot write the image of {where}")
                    notes = []
                    if image.min() == image.max():
                        notes.append(f"a blank image (every pixel {int(image.min())})")
                    digest = hashlib.blake2b(image.tobytes(), digest_size=16).digest()
                    if digest in seen:
                        first, first_line, first_label = seen[digest]
                        notes.append(f"the same pixels as row{first:05d} (line {first_line}, {first_label})")
                    else:
                        seen[digest] = (index, line, label)
                    if notes:
                        manifest["notes"][key] = "; ".join(notes)
            if key in manifest["skipped"]:
                log.skip(where, manifest["skipped"][key])
                continue
            if key in manifest["notes"]:
                meta = _with_note(meta, manifest["notes"][key])
            if "note" in meta:
                log.infer(where, meta["note"])
            items.append(Item(id=f"row{index:05d}", corpus=self.name, media={"visual": target / name},
                              label=label, split=split, meta=meta))
        if write_into is not None:
            manifest["rows"] = len(self._usages)
        return items

    # -- FER+ votes ------------------------------------------------------------
    def _add_ferplus(self, ferplus: Path, csv_path: Path, items: list[Item]) -> list[Item]:
        """The FER+ votes of each row in its item's meta (rows matched by order; see the module docstring)."""
        header = fer_csv.csv_header(ferplus)
        missing = [c for c in ("usage", *fer_csv.FERPLUS_VOTES) if c not in header]
        if missing:
            self.log.ignore(ferplus, "FER+ files not read (columns missing)")
            self.notes.append(f"{ferplus.name} not used: its header lacks {', '.join(missing)}")
            return items
        rows = list(fer_csv.read_rows(ferplus))
        usages = self._usages
        if len(rows) != len(usages):
            self.notes.append(f"{ferplus.name} not used: {len(rows)} row(s) where {csv_path.name} has "
                              f"{len(usages)} (FER+ rows are matched to the CSV's by order)")
            return items
        differ = [line for (line, fields, _), usage in zip(rows, usages)
                  if fields and usage and fields["usage"].lower() != usage.lower()]
        if differ:
            self.notes.append(f"{ferplus.name} not used: its Usage differs from {csv_path.name}'s on "
                              f"{len(differ)} row(s) (e.g. line {differ[0]}): not the same row order")
            return items
        out, bad = [], []
        noted = {where: i for i, (where, _) in enumerate(self.log.inferred)}
        for item in items:
            line, fields, _ = rows[int(item.id.removeprefix("row"))]
            votes, majority = fer_csv.ferplus_votes(fields)
            if votes is None:
                bad.append(str(line))
                out.append(item)
                continue
            meta = {**item.meta, "ferplus_votes": " ".join(map(str, votes)), "ferplus_majority": majority}
            if majority == "not-a-face":
                meta = _with_note(meta, f"FER+ votes it not a face (NF {votes[-1]} of {sum(votes)})")
                where = f"{csv_path}, line {item.meta['line']}"
                if where in noted:  # one entry per row: the row's earlier note, completed
                    self.log.inferred[noted[where]] = (where, meta["note"])
                else:
                    self.log.infer(where, meta["note"])
            out.append(dataclasses.replace(item, meta=meta))
        self.notes.append(f"FER+ votes of {ferplus.name} in the meta of {len(out) - len(bad)} item(s) "
                          f"(ferplus_votes: {' '.join(fer_csv.FERPLUS_VOTES)}; ferplus_majority)"
                          + (f"; {len(bad)} FER+ row(s) without readable votes (lines {examples(bad)})" if bad else ""))
        return out

    # -- the image-folder copies -------------------------------------------
    def _load_folders(self) -> list[Item]:
        parts = _split_folders(self.root)
        has_test = any(FOLDER_SPLITS[p.name.lower()] == "test" for p in parts)
        for entry in sorted(self.root.iterdir()):
            if entry in parts:
                continue
            if is_junk(entry):
                self.log.ignore(entry, "archiver or file-manager junk")
            else:
                self.log.ignore(entry, "entries beside the split folders")
        items, held_out = [], []
        for part in parts:
            split = FOLDER_SPLITS[part.name.lower()]
            if split == "valid" and not has_test and part.name.lower() in HELD_OUT:
                split = "test"
                held_out.append(part.name)
            for emotion_dir in sorted(part.iterdir()):
                if is_junk(emotion_dir):
                    self.log.ignore(emotion_dir, "archiver or file-manager junk")
                    continue
                if not emotion_dir.is_dir():
                    self.log.ignore(emotion_dir, "files beside the emotion folders")
                    continue
                folder = emotion_dir.name.lower()
                label = FOLDER_CODES.codes.get(folder)
                for path in sorted(emotion_dir.iterdir()):
                    if is_junk(path):
                        self.log.ignore(path, "archiver or file-manager junk")
                    elif path.is_dir():
                        self.log.ignore(path, "folders not read")
                    elif path.suffix.lower() not in IMAGE_SUFFIXES:
                        self.log.ignore(path, "files that are not images")
                    elif label is None:
                        self.log.skip(path, f"folder {part.name}/{emotion_dir.name} is not one of FER-2013's "
                                            f"seven classes (angry disgust fear happy sad surprise neutral)")
                    else:
                        public = split == "test" and path.name.lower().startswith("publictest_")
                        items.append(Item(id=f"{part.name.lower()}.{folder}.{path.stem}", corpus=self.name,
                                          media={"visual": path}, label=label,
                                          split="valid" if public else split, meta={"face_crop": "yes"}))
        for name in held_out:
            self.notes.append(f"{name}/ read as the test part: this copy has no test/ folder, so {name}/ is its "
                              "held-out part (as in Kaggle's face-expression-recognition-dataset; not known to be "
                              "the challenge's PublicTest part)")
        public = sum(it.split == "valid" for it in items if it.id.startswith("test."))
        if public:
            self.notes.append(f"{public} PublicTest_* image(s) of test/ form the valid split (challenge public test)")
        return items


@hookimpl
def harness_corpora():
    return [Fer2013]
