"""JAFFE — the Japanese Female Facial Expression database (Lyons et al., 1998).

Obtained from https://zenodo.org/record/3451524 (formerly kasrl.org/jaffe.html;
non-commercial research use under the JAFFE licence; cite Lyons, Akamatsu,
Kamachi & Gyoba, "Coding facial expressions with Gabor wavelets", FG 1998).
213 greyscale 256x256 images of 10 Japanese female posers, 3 or 4 images per
expression.

Layout (as distributed)::

    jaffedbase/  (or jaffe/, or jaffe/jaffedbase/)
      KA.AN1.39.tiff ...     213 images
      README ...             other files (noted, not read)

File names ``PP.EEn.N.tiff``: poser ``PP`` (KA KL KM KR MK NA NM TM UY YM),
expression code ``EE`` with the take ``n`` (AN1, AN2, ...), image number ``N``.
Codes: AN anger, DI disgust, FE fear, HA happiness, NE neutral, SA sadness,
SU surprise.  The ``.tif`` suffix and upper-case names of common copies are
read too; ids are normalised to ``KA.AN1.39``.  The semantic ratings of the
expressions (60 raters) are not used: labels are the posed expressions.

Speaker = poser.  No official split: the papers use leave-one-poser-out
(person-independent, 10 folds) or random 10-fold cross-validation.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "jaffe",
    {"AN": "anger", "DI": "disgust", "FE": "fear", "HA": "happiness", "NE": "neutral", "SA": "sadness",
     "SU": "surprise"},
)
POSERS = ("KA", "KL", "KM", "KR", "MK", "NA", "NM", "TM", "UY", "YM")
SUFFIXES = (".tiff", ".tif")
FILE_NAME = re.compile(r"^([A-Z]{2})\.([A-Z]{2})(\d+)\.(\d+)\.tiff?$", re.IGNORECASE)


class Jaffe(Corpus):
    name = "jaffe"
    description = "Japanese Female Facial Expression database: 213 posed images, 10 posers, 7 expressions"
    folders = ("jaffedbase", "jaffe", "JAFFE", "jaffe/jaffedbase", "JAFFE/jaffedbase")
    modalities = ("visual",)
    labels = CODES.labels
    layout = ("jaffedbase/KA.AN1.39.tiff ... (poser KA KL KM KR MK NA NM TM UY YM, "
              "codes AN DI FE HA NE SA SU with take, image number; .tif accepted)")
    obtain = ("https://zenodo.org/record/3451524 (JAFFE licence, non-commercial research; "
              "cite Lyons et al. 1998)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any(FILE_NAME.match(p.name) for p in path.iterdir())

    def load(self) -> list[Item]:
        items, ignored = [], []
        for path in sorted(self.root.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix.lower() not in SUFFIXES:
                ignored.append(path.name + ("/" if path.is_dir() else ""))
                continue
            if not path.is_file():
                raise CorpusError(f"{path}: not a regular file")
            m = FILE_NAME.match(path.name)
            if m is None:
                raise CorpusError(f"{path}: not a JAFFE file name (expected e.g. KA.AN1.39.tiff)")
            poser, code, take, number = m.group(1).upper(), m.group(2).upper(), m.group(3), m.group(4)
            if poser not in POSERS:
                raise CorpusError(f"{path}: unknown JAFFE poser {poser!r} (known: {' '.join(POSERS)})")
            items.append(Item(
                id=f"{poser}.{code}{take}.{number}", corpus=self.name, media={"visual": path},
                speaker=poser, label=CODES(code, path), meta={"take": take, "image": number},
            ))
        if ignored:
            self.notes.append(f"not read: {len(ignored)} entr(ies) that are not JAFFE images in {self.root}: "
                              + examples(ignored))
        return items


@hookimpl
def harness_corpora():
    return [Jaffe]
