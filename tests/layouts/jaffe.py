"""Tiny JAFFE: three posers x seven expressions, with a README beside the images."""

from __future__ import annotations

from pathlib import Path

import cv2

from layouts.ckplus import face

CODES = ("AN", "DI", "FE", "HA", "NE", "SA", "SU")


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


def write(root):
    return write_jaffe(Path(root))
