"""Tiny JAFFE: three posers x seven expressions, with a README beside the images; and the
per-expression-folder redistribution (``jaffe/jaffe/ANGRY/...``)."""

from __future__ import annotations

from pathlib import Path

import cv2

from layouts.ckplus import face

CODES = ("AN", "DI", "FE", "HA", "NE", "SA", "SU")
#: the folder names of the GitHub / Kaggle per-expression copies, in the order of CODES
FOLDERS = ("ANGRY", "DISGUST", "FEAR", "HAPPY", "NEUTRAL", "SAD", "SURPRISE")


def write_jaffe(root: Path, posers=("KA", "KL", "YM"), folder: str = "jaffedbase", suffix: str = ".tiff") -> Path:
    """JAFFE as distributed (``jaffedbase/KA.AN1.39.tiff``); returns the data root."""
    base = root / folder
    base.mkdir(parents=True, exist_ok=True)
    number = 1
    for pi, poser in enumerate(posers):
        for ci, code in enumerate(CODES):
            cv2.imwrite(str(base / f"{poser}.{code}1.{number}{suffix}"), face([pi, ci], size=64))
            number += 1
    (base / "README").write_text("The Japanese Female Facial Expression (JAFFE) Database\n")
    return root


def write_jaffe_by_expression(root: Path, posers=("KA", "KL"), folder: str = "jaffe/jaffe", suffix: str = ".jpg",
                              names: str = "original", folders=FOLDERS) -> Path:
    """The per-expression copy: ``<folder>/ANGRY/KA.AN1.1.jpg`` (``names="original"``) or
    ``<folder>/ANGRY/angry1.jpg`` (``names="numbered"``: the poser lost), with a stray
    ``.ipynb_checkpoints/``; returns the data root."""
    base = root / folder
    number = 1
    for ci, (code, expression) in enumerate(zip(CODES, folders)):
        where = base / expression
        where.mkdir(parents=True, exist_ok=True)
        for pi, poser in enumerate(posers):
            name = f"{poser}.{code}1.{number}" if names == "original" else f"{expression.lower()}{pi + 1}"
            cv2.imwrite(str(where / f"{name}{suffix}"), face([pi, ci], size=64))
            number += 1
    (base / ".ipynb_checkpoints").mkdir(exist_ok=True)
    return root


def write(root):
    return write_jaffe(Path(root))
