"""Tiny eNTERFACE'05 in its distributed layout: subject N/<emotion>/sentence M/sN_CC_M.avi.

Each clip is a short .avi (3 frames of 32x32, 0.3 s of audio) written once per
emotion and copied, so building a corpus stays fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from builders import tone, write_av_clip

EMOTIONS = ("anger", "disgust", "fear", "happiness", "sadness", "surprise")
CODES = ("an", "di", "fe", "ha", "sa", "su")


def clip(path: Path, emotion_index: int, cache: dict | None = None) -> Path:
    """A tiny .avi with audio and frames for emotion ``emotion_index`` at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if cache is not None and emotion_index in cache:
        shutil.copyfile(cache[emotion_index], path)
        return path
    frames = [np.full((32, 32, 3), 40 * emotion_index, np.uint8)] * 3
    write_av_clip(path, audio=tone(emotion_index, 0, seconds=0.3), frames=frames)
    if cache is not None:
        cache[emotion_index] = path
    return path


def write_enterface(root: Path, subjects=(1, 2, 3), sentences=(1,), top: str = "enterface05") -> Path:
    """subjects x 6 emotions x sentences clips under ``root/top``; returns ``root``."""
    base = root / top
    cache: dict = {}
    for subject in subjects:
        for ei, (emotion, code) in enumerate(zip(EMOTIONS, CODES)):
            for m in sentences:
                clip(base / f"subject {subject}" / emotion / f"sentence {m}" / f"s{subject}_{code}_{m}.avi",
                     ei, cache)
    return root


def write(root):
    return write_enterface(root)
