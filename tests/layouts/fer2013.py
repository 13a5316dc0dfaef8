"""Tiny FER-2013 in its distributed forms: the challenge CSV, the competition's train.csv/test.csv,
the image folders (msambare's train/test, jonathanoheix's images/train + images/validation) and
FER+'s fer2013new.csv."""

from __future__ import annotations

from pathlib import Path

import cv2

from layouts.ckplus import face

USAGES = ("Training", "Training", "Training", "PublicTest", "PrivateTest")
FOLDERS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # in code order 0-6
#: msambare/fer2013: train/ holds Training_N, test/ holds PublicTest_N and PrivateTest_N
MSAMBARE = (("train", ("Training",)), ("test", ("PublicTest", "PrivateTest")))
#: jonathanoheix/face-expression-recognition-dataset: images/train/, images/validation/, numbered names
OHEIX = (("train", ("",)), ("validation", ("",)))
FERPLUS_HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"


def pixels(seed) -> str:
    return " ".join(str(v) for v in face(seed).reshape(-1))


def csv_row(code, usage: str, seed: int) -> str:
    return f"{code},{pixels(seed)},{usage}"


def write_fer_csv(root: Path, rows: int = 14, extra_lines=(), folder: str = "fer2013") -> Path:
    """``fer2013/fer2013.csv`` with ``rows`` rows cycling through codes 0-6 and the usages."""
    base = root / folder
    base.mkdir(parents=True, exist_ok=True)
    lines = ["emotion,pixels,Usage"]
    lines += [csv_row(i % 7, USAGES[i % len(USAGES)], i) for i in range(rows)]
    lines += list(extra_lines)
    (base / "fer2013.csv").write_text("\n".join(lines) + "\n")
    return root


def write_fer_competition(root: Path, rows: int = 7, test_rows: int = 3,
                          folder: str = "challenges-in-representation-learning-facial-expression-recognition-"
                                        "challenge") -> Path:
    """The competition's split files: ``train.csv`` (emotion,pixels), ``test.csv`` (pixels only) and
    ``example_submission.csv``; returns the data root."""
    base = root / folder
    base.mkdir(parents=True, exist_ok=True)
    (base / "train.csv").write_text("emotion,pixels\n" + "".join(f"{i % 7},{pixels(i)}\n" for i in range(rows)))
    (base / "test.csv").write_text("pixels\n" + "".join(f"{pixels(100 + i)}\n" for i in range(test_rows)))
    (base / "example_submission.csv").write_text("emotion\n" + "0\n" * test_rows)
    return root


def write_ferplus(root: Path, rows: int = 14, folder: str = "fer2013", votes=None) -> Path:
    """``fer2013new.csv`` matching :func:`write_fer_csv`'s rows (``votes``: row -> ten counts)."""
    lines = [FERPLUS_HEADER]
    for i in range(rows):
        v = (votes or {}).get(i, [0] * i + [10] + [0] * (9 - i) if i < 10 else [4, 4, 0, 0, 0, 0, 0, 0, 1, 1])
        name = "" if v[-1] == 10 else f"fer{i:07d}.png"
        lines.append(f"{USAGES[i % len(USAGES)]},{name},{','.join(map(str, v))}")
    (root / folder / "fer2013new.csv").write_text("\n".join(lines) + "\n")
    return root


def write_fer_folders(root: Path, per_folder: int = 2, suffix: str = ".png", base: str = "fer2013",
                      parts=MSAMBARE) -> Path:
    """``fer2013/train/<emotion>/Training_N.png`` and ``fer2013/test/<emotion>/{Public,Private}Test_N.png``
    (``parts``: the split folders and the name prefixes of their files)."""
    n = 0
    for part, prefixes in parts:
        for ci, folder in enumerate(FOLDERS):
            where = root / base / part / folder
            where.mkdir(parents=True, exist_ok=True)
            for prefix in prefixes:
                for _ in range(per_folder):
                    n += 1
                    name = f"{prefix}_{n}" if prefix else str(n)
                    cv2.imwrite(str(where / f"{name}{suffix}"), face([ci, n]))
    return root


def write(root):
    return write_fer_csv(Path(root))
