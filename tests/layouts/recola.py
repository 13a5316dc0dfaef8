"""Tiny RECOLA in the AVEC 2016 package layout: 2 train + 2 dev + 1 test recordings
(``write_original``: the original release, P16.wav and the six raters' CSVs).

Each recording lasts 1 s (26 gold-standard frames at 40 ms); train_1 also has
a video, and every labelled recording has provided audio features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone, write_av_clip

FRAMES = 26
RECORDINGS = ("train_1", "train_2", "dev_1", "dev_2")


def gold_arff(name: str, values, times=None, decimals: int = 2) -> str:
    """An AVEC 2016 gold-standard ARFF text (Instance_name, frameTime, GoldStandard)."""
    times = [i * 0.04 for i in range(len(values))] if times is None else times
    rows = "\n".join(f"'{name}',{t:.{decimals}f},{v:.6f}" for t, v in zip(times, values))
    return ("@relation GOLDSTANDARD\n\n@attribute Instance_name string\n@attribute frameTime numeric\n"
            f"@attribute GoldStandard numeric\n\n@data\n\n{rows}\n")


def curve(index: int, dim: str, frames: int = FRAMES) -> np.ndarray:
    """A recognisable gold-standard curve per recording and dimension."""
    phase = 0.0 if dim == "arousal" else 1.0
    return 0.1 * (index + 1) * np.sin(np.linspace(0, 3, frames) + phase)


def write_recording(root: Path, rec: str, index: int, seconds: float = 1.0, folder: str = "recordings_audio") -> None:
    audio = root / folder / f"{rec}.wav"
    audio.parent.mkdir(parents=True, exist_ok=True)
    sf.write(audio, tone(index % 7, index, seconds=seconds), 16000)


def write_gold(root: Path, rec: str, index: int, frames: int = FRAMES) -> None:
    for dim in ("arousal", "valence"):
        path = root / "ratings_gold_standard" / dim / f"{rec}.arff"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(gold_arff(rec, curve(index, dim, frames)))


def write_features(root: Path, rec: str, folder: str = "features_audio") -> None:
    for dim in ("arousal", "valence"):
        path = root / folder / dim / f"{rec}.arff"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("@relation features\n@attribute Instance_name string\n@attribute frameTime numeric\n"
                        "@attribute F0 numeric\n@data\n'" + rec + "',0.00,1.5\n")


#: the six raters of the original release, as its annotation files name them (with trailing spaces)
RATERS = ("FM1 ", "FM2 ", "FM3 ", "FF1 ", "FF2 ", "FF3 ")
#: the raters' values are the mean curve plus offsets that cancel out
ORIGINAL_MEAN = {dim: curve(0, dim) for dim in ("arousal", "valence")}


def write_original(root: Path, participants=("P16", "P17")) -> Path:
    """The original release: RECOLA/RECOLA-Audio-recordings/P16.wav and
    RECOLA-Annotation/emotional_behaviour/{arousal,valence}/P16.csv (time;FM1 ;... , ';' separated)."""
    base = Path(root) / "RECOLA"
    offsets = np.array([-0.05, -0.03, -0.01, 0.01, 0.03, 0.05])
    for i, participant in enumerate(participants):
        write_recording(base, participant, i, folder="RECOLA-Audio-recordings")
        for dim in ("arousal", "valence"):
            path = base / "RECOLA-Annotation" / "emotional_behaviour" / dim / f"{participant}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            rows = [";".join(["time", *RATERS])]
            rows += [";".join([f"{k * 0.04:.2f}", *(f"{v + o:.6f}" for o in offsets)])
                     for k, v in enumerate(ORIGINAL_MEAN[dim])]
            path.write_text("\n".join(rows) + "\n")
    (base / "RECOLA-Annotation" / "social_behaviour" / "agreement").mkdir(parents=True, exist_ok=True)
    return Path(root)


def write(root):
    base = Path(root) / "recola"
    for i, rec in enumerate(RECORDINGS):
        write_recording(base, rec, i)
        write_gold(base, rec, i)
        write_features(base, rec)
    write_recording(base, "test_1", 5)
    frames = [np.full((16, 16, 3), 40 * k, np.uint8) for k in range(3)]
    write_av_clip(base / "recordings_video" / "train_1.mp4", frames=frames, fps=25)
    (base / "ratings_individual" / "arousal").mkdir(parents=True)
    return Path(root)
