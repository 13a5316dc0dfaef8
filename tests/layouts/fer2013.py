"""Tiny FER-2013 in both distributed forms: the challenge CSV and the image folders."""

from __future__ import annotations

from pathlib import Path

import cv2

from layouts.ckplus import face

USAGES = ("Training", "Training", "Training", "PublicTest", "PrivateTest")
FOLDERS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # in code order 0-6


def csv_row(code, usage: str, seed: int) -> str:
    pixels = " ".join(str(v) for v in face(seed).reshape(-1))
    return f"{code},{pixels},{usage}"


def write_fer_csv(root: Path, rows: int = 14, extra_lines=()) -> Path:
    """``fer2013/fer2013.csv`` with ``rows`` rows cycling through codes 0-6 and the usages."""
    base = root / "fer2013"
    base.mkdir(parents=True, exist_ok=True)
    lines = ["emotion,pixels,Usage"]
    lines += [csv_row(i % 7, USAGES[i % len(USAGES)], i) for i in range(rows)]
    lines += list(extra_lines)
    (base / "fer2013.csv").write_text("\n".join(lines) + "\n")
    return root


def write_fer_folders(root: Path, per_folder: int = 2, suffix: str = ".png") -> Path:
    """``fer2013/train/<emotion>/Training_N.png`` and ``fer2013/test/<emotion>/{Public,Private}Test_N.png``."""
    n = 0
    for part, prefixes in (("train", ("Training",)), ("test", ("PublicTest", "PrivateTest"))):
        for ci, folder in enumerate(FOLDERS):
            where = root / "fer2013" / part / folder
            where.mkdir(parents=True, exist_ok=True)
            for prefix in prefixes:
                for _ in range(per_folder):
                    n += 1
                    cv2.imwrite(str(where / f"{prefix}_{n}{suffix}"), face([ci, n]))
    return root


def write(root):
    return write_fer_csv(Path(root))
