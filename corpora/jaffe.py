"""JAFFE — the Japanese Female Facial Expression database (Lyons et al., 1998).

Obtained from https://zenodo.org/record/3451524 (formerly kasrl.org/jaffe.html;
non-commercial research use under the JAFFE licence; cite Lyons, Akamatsu,
Kamachi & Gyoba, "Coding facial expressions with Gabor wavelets", FG 1998).
213 greyscale 256x256 images of 10 Japanese female posers, 3 or 4 images per
expression (AN 30, DI 29, FE 32, HA 31, NE 30, SA 31, SU 30).

Layouts read
------------

1. The Zenodo re-release (``jaffedbase.zip``, 2019) and the old kasrl.org
   release, one flat folder::

       jaffedbase/  (or jaffe/, JAFFE/)
         KA.AN1.39.tiff ...     213 images
         README_FIRST.txt       (A_README_FIRST.txt in the old release; ignored, counted)

2. Nested extractions: ``jaffedbase/jaffedbase/``, ``jaffe/jaffedbase/``,
   ``jaffedbase/jaffe/``, Kaggle's ``jaffefacialexpression/jaffe/jaffe/`` (the
   corpus is found one or two wrapper or single-child folders below its folder).

3. Converted copies: ``KA.AN1.39.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.pgm``,
   ``.ppm``, ``.webp``, ``.tif`` and the double suffixes of ``convert $f $f.bmp``
   (``KA.AN1.39.tiff.bmp``); upper- and lower-case names.  Ids are normalised to
   ``KA.AN1.39`` whatever the format, so two copies of one image are one item.

4. Per-expression folders (GitHub ``Facial-Expression-Recognization-using-JAFFE``,
   Kaggle ``jaffefacialexpression``, user scripts)::

       jaffe/ANGRY/KA.AN1.39.tiff ...   ANGRY DISGUST FEAR HAPPY NEUTRAL SAD SURPRISE
       emotions/Anger/... Happy/ ...     any case; also ANGER DISGUSTED FEARFUL HAPPINESS
                                         SADNESS SURPRISED and the codes AN DI FE HA NE SA SU

   The poser comes from the file name (``KA.AN1.39.jpg``, or a name starting with
   a poser code: ``KA_angry_1.jpg``).  A file whose name carries no poser
   (``angry1.jpg``) is skipped with its reason: JAFFE's protocols are
   poser-independent and its images cannot be told apart without the poser.  A
   copy where no file names its poser is unusable and is an error saying so.

File names, codes, posers
-------------------------

``PP.EEn.N.tiff``: poser ``PP`` (KA KL KM KR MK NA NM TM UY YM), expression code
``EE`` with the take ``n`` (AN1, AN2, ...), image number ``N`` (a running number
across posers, with gaps).  Codes: AN anger, DI disgust, FE fear, HA happiness,
NE neutral, SA sadness, SU surprise.  ``NA`` is a poser; as an *expression* code
(second part of the name) it is read as neutral ``NE``, with a note.  Speaker =
poser.  ``meta``: ``take``, ``image`` (when the name has it), ``face_crop = "no"``.

Face crops: the images are head-and-shoulders photographs, face roughly centred
but neither cropped nor aligned (``face_crops = False``): the visual pipeline
detects the face.  Some copies hold 1-channel, others 3-channel grey images;
extractors read both.

Irregularities (never fail the corpus; ``harness corpora check`` lists them)
---------------------------------------------------------------------------

- an irregular name that still holds the poser, code and take
  (``KA.AN1.39 copy.tiff``, ``KA_AN1_39.tiff``) is kept with a note saying how
  it was read;
- a poser code one letter off exactly one real poser (``YN`` for ``YM``, a typo
  of the ratings table) is read as that poser with a note; any other unknown
  poser, an unknown expression code, or a name with no expression in a flat
  folder is skipped with its reason;
- a file filed under an expression folder whose name codes another expression
  keeps the name's code (the original coding) with a note;
- the same image twice (``.tiff`` beside its ``.tiff.bmp``, two unpacked trees)
  is kept once (identical bytes) or its second copy skipped (other bytes);
- README and ratings files, other non-image files, ``.ipynb_checkpoints/``,
  ``__MACOSX/``, ``.DS_Store``, ``Thumbs.db`` and folders not read are ignored
  and counted.

The semantic ratings (60 raters, table ``N HAP SAD SUR ANG DIS FEA PIC`` in the
README, with rows for images that are not in the archive and the poser typo
``YN``) are not read: labels are the posed expressions.

No official split: the papers use leave-one-poser-out (person-independent, 10
folds) or random 10-fold cross-validation.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "jaffe",
    {"AN": "anger", "DI": "disgust", "FE": "fear", "HA": "happiness", "NE": "neutral", "SA": "sadness",
     "SU": "surprise"},
)
CODE_OF = {label: code for code, label in CODES.codes.items()}
POSERS = ("KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM")
IMAGE_SUFFIXES = (".tiff", ".tif", ".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".webp")
_SUFFIXES = r"(?:\.(?:tiff?|png|jpe?g|bmp|pgm|ppm|webp))+"
#: the distributed name, in any of the image formats (``KA.AN1.39.tiff``, ``KA.AN1.39.tiff.bmp``)
FILE_NAME = re.compile(rf"^([A-Z]{{2}})\.([A-Z]{{2}})(\d+)\.(\d+){_SUFFIXES}$", re.IGNORECASE)
#: poser, code and take somewhere in an irregular name (``KA.AN1.39 copy``, ``KA_AN1_39``)
LOOSE_NAME = re.compile(r"(?<![A-Za-z])([A-Z]{2})[._\- ]?([A-Z]{2})[._\- ]?(\d)(?:[._\- ]?(\d+))?(?!\d)",
                        re.IGNORECASE)
#: a name that starts with a poser code (``KA_angry_1.jpg``)
POSER_PREFIX = re.compile(rf"^({'|'.join(POSERS)})(?![A-Za-z])", re.IGNORECASE)
#: per-expression folder names (lower case) -> expression code
EXPRESSION_FOLDERS = {
    "angry": "AN", "anger": "AN", "an": "AN",
    "disgust": "DI", "disgusted": "DI", "di": "DI",
    "fear": "FE", "fearful": "FE", "fe": "FE",
    "happy": "HA", "happiness": "HA", "ha": "HA",
    "neutral": "NE", "ne": "NE",
    "sad": "SA", "sadness": "SA", "sa": "SA",
    "surprise": "SU", "surprised": "SU", "su": "SU",
}
#: folders that are someone's split of images, never a JAFFE per-expression copy (FER-2013's train/)
SPLIT_FOLDERS = {"train", "training", "test", "testing", "val", "valid", "validation"}


def _is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def _stem(name: str) -> str:
    """The name without its image suffixes (``KA.AN1.39.tiff.bmp`` -> ``KA.AN1.39``)."""
    while Path(name).suffix.lower() in IMAGE_SUFFIXES:
        name = name[: -len(Path(name).suffix)]
    return name


def _closest_poser(code: str) -> str | None:
    """The one poser whose code differs from ``code`` by one letter (``YN`` -> ``YM``), else None."""
    close = [p for p in POSERS if sum(a != b for a, b in zip(p, code)) == 1]
    return close[0] if len(close) == 1 else None


def _expression_folders(path: Path) -> list[Path]:
    return [p for p in entries(path) if p.is_dir() and p.name.lower() in EXPRESSION_FOLDERS]


class Jaffe(Corpus):
    name = "jaffe"
    description = "Japanese Female Facial Expression database: 213 posed images, 10 posers, 7 expressions"
    folders = ("jaffedbase", "jaffe", "JAFFE", "jaffe/jaffedbase", "JAFFE/jaffedbase", "jaffefacialexpression")
    wrappers = ("jaffedbase", "jaffe")
    modalities = ("visual",)
    labels = CODES.labels
    layout = ("jaffedbase/KA.AN1.39.tiff ... (poser KA KL KM KR MK NA NM TM UY YM, "
              "codes AN DI FE HA NE SA SU with take, image number; .tif accepted)")
    layouts = (
        layout,
        "jaffe/KA.AN1.39.tiff + A_README_FIRST.txt (the old kasrl.org release)",
        "jaffedbase/jaffedbase/KA.AN1.39.tiff, jaffe/jaffe/... (nested extractions, Kaggle)",
        "jaffe/KA.AN1.39.png|.jpg|.bmp|..., KA.AN1.39.tiff.bmp (converted copies)",
        "jaffe/ANGRY/KA.AN1.39.tiff ... DISGUST FEAR HAPPY NEUTRAL SAD SURPRISE, any case "
        "(per-expression folders; the poser from the file name)",
    )
    expected = {"items": 213, "speakers": 10}
    face_crops = False
    obtain = ("https://zenodo.org/record/3451524 (JAFFE licence, non-commercial research; "
              "cite Lyons et al. 1998)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        try:
            children = entries(path)
            if any(p.is_file() and FILE_NAME.match(p.name) for p in children):
                return True
            if path.name.lower() in SPLIT_FOLDERS:
                return False
            folders = [f for f in _expression_folders(path) if any(_is_image(p) for p in entries(f))]
        except OSError:
            return False
        if not folders:
            return False
        # per-expression folders: a file names a poser, or the folder says it is JAFFE
        # (Kaggle's jaffe/jaffe/ANGRY/angry1.jpg), never any folder of emotions (CK+48, FER's train/)
        named = any(POSER_PREFIX.match(p.name) or FILE_NAME.match(p.name)
                    for f in folders for p in entries(f) if _is_image(p))
        jaffe_folder = any("jaffe" in part.lower() for part in (path.name, path.parent.name))
        return named or (jaffe_folder and len(folders) >= 2)

    def load(self) -> list[Item]:
        self._items_read: list[Item] = []
        self._posers_missing: list[str] = []
        self._formats: Counter = Counter()
        for entry in sorted(self.root.iterdir()):
            if is_junk(entry):
                self.log.ignore(entry, "archiver or file-manager junk")
            elif entry.is_dir():
                code = EXPRESSION_FOLDERS.get(entry.name.lower())
                self._read_folder(entry, code)
            else:
                self._read_file(entry, None)
        items = self._items_read
        if not items and self._posers_missing:
            raise CorpusError(
                f"{self.root}: none of the {len(self._posers_missing)} image(s) in its per-expression folders "
                f"names its poser (e.g. {examples(self._posers_missing, 3)}); JAFFE is read only with its "
                f"posers (KA.AN1.39.tiff ...). Obtain the original from {self.obtain}")
        other = {s: n for s, n in self._formats.items() if s not in (".tiff", ".tif")}
        if other:
            self.notes.append("a converted copy: " + ", ".join(f"{n} {s} image(s)" for s, n in sorted(other.items()))
                              + " (read like the .tiff originals)")
        return items

    def _read_folder(self, folder: Path, code: str | None) -> None:
        """An expression folder (``code`` given: ``ANGRY/``) or another folder (JAFFE names read)."""
        for path in sorted(folder.iterdir()):
            if is_junk(path):
                self.log.ignore(path, "archiver or file-manager junk")
            elif path.is_dir():
                self.log.ignore(path, "folders not read")
            else:
                self._read_file(path, code, other_folder=code is None)

    def _read_file(self, path: Path, folder_code: str | None, other_folder: bool = False) -> None:
        if not _is_image(path):
            name = path.name.lower()
            kind = "readme or ratings files" if "readme" in name or "rating" in name else "files that are not images"
            self.log.ignore(path, kind)
            return
        where = f"{path.parent.name}/" if folder_code else ""
        notes: list[str] = []
        poser = code = take = number = None
        m = FILE_NAME.match(path.name)
        if m is None:
            m = next((x for x in LOOSE_NAME.finditer(_stem(path.name)) if x.group(1).upper() in POSERS
                      and x.group(2).upper() in (*CODES.codes, "NA")), None)
            if m is not None:
                notes.append(f"irregular name read as {m.group(1).upper()}.{m.group(2).upper()}{m.group(3)}"
                             + (f".{m.group(4)}" if m.group(4) else ""))
        if m is not None:
            poser, code, take, number = m.group(1).upper(), m.group(2).upper(), m.group(3), m.group(4)
            if poser not in POSERS:
                closest = _closest_poser(poser)
                if closest is None:
                    self.log.skip(path, f"unknown JAFFE poser {poser!r} (known: {' '.join(POSERS)})")
                    return
                notes.append(f"poser {poser} read as {closest} (the one poser code a letter away)")
                poser = closest
            if code == "NA":
                notes.append("expression code NA read as NE (neutral)")
                code = "NE"
            if code not in CODES.codes:
                if folder_code is None:
                    self.log.skip(path, f"unknown JAFFE expression code {code!r} "
                                        f"(known: {' '.join(CODES.codes)})")
                    return
                notes.append(f"unknown code {code!r} in the name: the expression from {where}")
                code, take, number = folder_code, None, None
        else:
            prefix = POSER_PREFIX.match(path.name)
            if prefix is None:
                if other_folder:
                    self.log.ignore(path, "images without a JAFFE name in other folders")
                elif folder_code is not None:
                    self._posers_missing.append(f"{where}{path.name}")
                    self.log.skip(path, f"the name carries no JAFFE poser ({' '.join(POSERS)}): "
                                        "the speaker cannot be known")
                else:
                    self.log.skip(path, "not a JAFFE file name (expected e.g. KA.AN1.39.tiff): "
                                        "poser and expression cannot be known")
                return
            if other_folder:
                self.log.ignore(path, "images without a JAFFE name in other folders")
                return
            if folder_code is None:
                self.log.skip(path, f"names poser {prefix.group(1).upper()} but no expression, "
                                    "and lies in no expression folder")
                return
            poser, code = prefix.group(1).upper(), folder_code
            notes.append(f"poser {poser} from the name's start, the expression from {where}")
        if folder_code is not None and code != folder_code:
            notes.append(f"filed under {where} ({CODES.codes[folder_code]}) but its name codes {code} "
                         f"({CODES.codes[code]}): the name's code kept (the original coding)")
        if take is not None:
            item_id = f"{poser}.{code}{take}" + (f".{number}" if number else "")
        else:
            item_id = f"{poser}.{code}.{_stem(path.name)}"
        meta = {"face_crop": "no"}
        if take is not None:
            meta["take"] = take
        if number:
            meta["image"] = number
        if notes:
            meta["note"] = self.log.infer(path, "; ".join(notes))
        self._formats[path.suffix.lower()] += 1
        self._items_read.append(Item(id=item_id, corpus=self.name, media={"visual": path}, speaker=poser,
                                     label=CODES(code, path), meta=meta))


@hookimpl
def harness_corpora():
    return [Jaffe]
