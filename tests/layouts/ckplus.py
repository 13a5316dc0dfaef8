"""Tiny CK+: three subjects, labelled and unlabelled sequences of a few frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

#: (subject, sequence) -> (number of frames, emotion code written, or None when unlabelled)
SEQUENCES = {
    ("S005", "001"): (3, "3.0000000e+00"),
    ("S005", "002"): (2, None),
    ("S010", "001"): (4, "5.0000000e+00"),
    ("S010", "004"): (3, "7.0000000e+00"),
    ("S011", "001"): (2, "1.0000000e+00"),
    ("S011", "002"): (3, None),
}


def face(seed, size: int = 48) -> np.ndarray:
    """A small grey image that differs with ``seed`` (an int or a sequence of ints)."""
    rng = np.random.default_rng(seed)
    img = rng.integers(90, 160, (size, size), dtype=np.uint8)
    cv2.circle(img, (size // 2, size // 2), size // 3, int(rng.integers(0, 80)), 2)
    return img


def write_sequence(base: Path, subject: str, seq: str, frames: int, code: str | None) -> None:
    folder = base / "cohn-kanade-images" / subject / seq
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, frames + 1):
        cv2.imwrite(str(folder / f"{subject}_{seq}_{n:08d}.png"), face([int(subject[1:]), int(seq), n]))
    labels = base / "Emotion" / subject / seq
    labels.mkdir(parents=True, exist_ok=True)  # unlabelled sequences have an empty folder, as distributed
    if code is not None:
        (labels / f"{subject}_{seq}_{frames:08d}_emotion.txt").write_text(f"   {code}\n")


def write_ckplus(root: Path, sequences=None) -> Path:
    """CK+ in its distributed layout under ``root/CK+``; returns the data root."""
    base = root / "CK+"
    for (subject, seq), (frames, code) in (sequences or SEQUENCES).items():
        write_sequence(base, subject, seq, frames, code)
    (base / "FACS").mkdir(exist_ok=True)
    (base / "Landmarks").mkdir(exist_ok=True)
    return root


def write(root):
    return write_ckplus(Path(root))
