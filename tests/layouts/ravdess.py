"""Tiny RAVDESS speech in the Zenodo release layout (audio wavs, full-AV and video-only mp4s); the
builder writes speech and/or song in both distributed layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone, write_av_clip

SPEECH_EMOTIONS = ("01", "02", "03", "04", "05", "06", "07", "08")
SONG_EMOTIONS = ("01", "02", "03", "04", "05", "06")


def _frames(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(2)]


def _folder(base: Path, layout: str, modality: str, channel: str, actor: str) -> Path:
    if layout == "flat":
        return base / f"Actor_{actor}"
    kind = "Speech" if channel == "01" else "Song"
    if modality == "03":
        return base / f"Audio_{kind}_Actors_01-24" / f"Actor_{actor}"
    return base / f"Video_{kind}_Actor_{actor}" / f"Actor_{actor}"


def write_tiny_ravdess(root: Path, layout: str = "release", channel: str = "01",
                       actors=("01", "02", "03"), video_for=("01",)) -> Path:
    """Actors x emotions (intensity 01, statement 01, repetition 01) as 03 audio wavs; for the actors in
    ``video_for`` also a full-AV 01 mp4 and a video-only 02 mp4 of the first emotion."""
    base = root / "ravdess"
    emotions = SPEECH_EMOTIONS if channel == "01" else SONG_EMOTIONS
    for ai, actor in enumerate(actors):
        for ei, emotion in enumerate(emotions):
            rest = f"{channel}-{emotion}-01-01-01-{actor}"
            folder = _folder(base, layout, "03", channel, actor)
            folder.mkdir(parents=True, exist_ok=True)
            sf.write(folder / f"03-{rest}.wav", tone(ei, ai, seconds=0.3, rng=np.random.default_rng([ai, ei])),
                     16000)
        if actor in video_for:
            rest = f"{channel}-{emotions[0]}-01-01-01-{actor}"
            folder = _folder(base, layout, "01", channel, actor)
            write_av_clip(folder / f"01-{rest}.mp4", audio=tone(0, ai, seconds=0.3), frames=_frames(ai))
            write_av_clip(folder / f"02-{rest}.mp4", frames=_frames(ai + 100))
    return root


def write(root):
    return write_tiny_ravdess(root, layout="release", channel="01")
