"""Tiny AFEW 7.0 in its distributed layout: Train_AFEW/<Emotion>/*.avi and Val_AFEW/<Emotion>/*.avi
(or a redistribution's: renamed, nested or wrapped split folders)."""

from __future__ import annotations

from pathlib import Path

from layouts.enterface import clip

EMOTIONS = ("Angry", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")


def write_afew(root: Path, per_emotion: int = 1, train: str = "Train_AFEW", val: str = "Val_AFEW",
               suffix: str = ".avi", top: str = "afew") -> Path:
    """``per_emotion`` clips per emotion in each split under ``root/top``; returns ``root``.

    ``train``/``val`` may hold a slash for the nested forms of redistributions (``Train_AFEW/Train_AFEW``);
    ``top`` may too (``afew/EmotiW_2018``)."""
    cache: dict = {}
    for s, folder in enumerate((train, val)):
        for ei, emotion in enumerate(EMOTIONS):
            for n in range(per_emotion):
                number = 1000 * (s + 1) + 10 * ei + n
                path = root / top / folder / emotion / f"{number:09d}{suffix}"
                clip(path, ei % 6, cache if suffix == ".avi" else None)
    return root


def write(root):
    return write_afew(root)
