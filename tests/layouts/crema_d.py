"""Tiny CREMA-D: AudioWAV wavs for three actors x six emotions, VideoFlash .flv clips for some."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone, write_av_clip

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


def write_tiny_crema_d(root: Path, actors=("1001", "1002", "1091"), sentence: str = "DFA", level: str = "XX",
                       video_for=("1001",)) -> Path:
    base = root / "CREMA-D"
    (base / "AudioWAV").mkdir(parents=True, exist_ok=True)
    for ai, actor in enumerate(actors):
        for ei, emotion in enumerate(EMOTIONS):
            name = f"{actor}_{sentence}_{emotion}_{level}"
            sf.write(base / "AudioWAV" / f"{name}.wav",
                     tone(ei, ai, seconds=0.3, rng=np.random.default_rng([ai, ei])), 16000)
            if actor in video_for and ei < 2:
                frames = [np.full((32, 32, 3), 40 * (k + 1), np.uint8) for k in range(2)]
                write_av_clip(base / "VideoFlash" / f"{name}.flv", audio=tone(ei, ai, seconds=0.3), sr=22050,
                              frames=frames)
    return root


def write(root):
    return write_tiny_crema_d(root)
