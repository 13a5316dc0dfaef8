"""Tiny CREMA-D: AudioWAV wavs for three actors x six emotions, VideoFlash .flv clips for some.

``layout`` picks the distributed form: ``release`` (``CREMA-D/AudioWAV/``, the git-lfs clone),
``zip`` (GitHub's Download ZIP: ``CREMA-D-master/AudioWAV/`` holding git-lfs pointers),
``kaggle`` (``cremad/AudioWAV/AudioWAV/``), ``hf`` (``crema-d/data/AudioWAV/``), ``audb``
(``crema-d/1001/1001_DFA_ANG_XX.wav``) and ``flat`` (``crema-d/1001_DFA_ANG_XX.wav``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone, write_av_clip

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 72862\n")


def write_tiny_crema_d(root: Path, actors=("1001", "1002", "1091"), sentence: str = "DFA", level: str = "XX",
                       video_for=("1001",), layout: str = "release") -> Path:
    base = {"release": root / "CREMA-D", "zip": root / "CREMA-D-master", "kaggle": root / "cremad",
            "hf": root / "crema-d" / "data", "audb": root / "crema-d", "flat": root / "crema-d"}[layout]
    wav_folder = {"kaggle": base / "AudioWAV" / "AudioWAV", "audb": base, "flat": base}.get(layout, base / "AudioWAV")
    for ai, actor in enumerate(actors):
        for ei, emotion in enumerate(EMOTIONS):
            name = f"{actor}_{sentence}_{emotion}_{level}"
            wav = (wav_folder / actor if layout == "audb" else wav_folder) / f"{name}.wav"
            wav.parent.mkdir(parents=True, exist_ok=True)
            if layout == "zip":
                wav.write_text(LFS_POINTER)
            else:
                sf.write(wav, tone(ei, ai, seconds=0.3, rng=np.random.default_rng([ai, ei])), 16000)
            if actor in video_for and ei < 2 and layout in ("release", "zip"):
                flv = base / "VideoFlash" / f"{name}.flv"
                if layout == "zip":
                    flv.parent.mkdir(parents=True, exist_ok=True)
                    flv.write_text(LFS_POINTER)
                    continue
                frames = [np.full((32, 32, 3), 40 * (k + 1), np.uint8) for k in range(2)]
                write_av_clip(flv, audio=tone(ei, ai, seconds=0.3), sr=22050, frames=frames)
    return root


def write(root):
    return write_tiny_crema_d(root)
