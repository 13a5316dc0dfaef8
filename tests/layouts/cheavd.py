"""Tiny CHEAVD in the adapter's default layout: train.csv / val.csv / test.csv naming .avi clips."""

from __future__ import annotations

import csv
from pathlib import Path

from layouts.enterface import clip

LABELS = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")
#: speakers per split (disjoint, as in films: each speaker appears in one part)
SPEAKERS = {"train": ("spk01", "spk02"), "val": ("spk03",), "test": ("spk04",)}


def write_table(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8",
                delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding=encoding) as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_cheavd(root: Path, labels=LABELS, speaker_column: bool = True) -> Path:
    """One clip per label and speaker in each split under ``root/cheavd``; returns ``root``."""
    base = root / "cheavd"
    cache: dict = {}
    for split, speakers in SPEAKERS.items():
        rows = []
        for speaker in speakers:
            for li, label in enumerate(labels):
                name = f"{split}/{speaker}_{li:03d}.avi"
                clip(base / name, li % 6, cache)
                rows.append([name, label, speaker] if speaker_column else [name, label])
        header = ["file", "label", "speaker"] if speaker_column else ["file", "label"]
        write_table(base / f"{split}.csv", header, rows)
    return root


def write(root):
    return write_cheavd(root)
