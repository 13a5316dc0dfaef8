"""Tiny OMG-Emotion: the challenge CSVs and clips where the download script puts them.

Train: videos v1 (3 utterances, one whose clip was never downloaded) and v2;
validation: v3; test (labels released later): v4.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from builders import tone, write_av_clip

HEADER = "link,start,end,video,utterance,arousal,valence,EmotionMaxVote"

#: csv name -> clip folder, rows (video, utterance number, arousal, valence, code)
SPLITS = {
    "omg_TrainVideos.csv": ("train", [("v1", 1, 0.2, -0.5, 0), ("v1", 2, 0.7, 0.6, 3), ("v1", 3, 0.4, 0.0, 4),
                                      ("v2", 1, 0.1, -0.8, 5), ("v2", 2, 0.9, 0.1, 6)]),
    "omg_ValidationVideos.csv": ("validation", [("v3", 1, 0.5, -0.2, 1), ("v3", 2, 0.3, -0.4, 2)]),
    "omg_TestVideos_WithLabels.csv": ("test", [("v4", 1, 0.6, 0.3, 3)]),
}
#: rows whose clip is not written (video unavailable on YouTube)
MISSING = {("v1", 3)}


def csv_text(rows, header: str = HEADER) -> str:
    lines = [header]
    for video, n, arousal, valence, code in rows:
        lines.append(f"https://www.youtube.com/watch?v=yt_{video},{n * 2.0},{n * 2.0 + 1.5},{video},"
                     f"utterance_{n}.mp4,{arousal},{valence},{code}")
    return "\n".join(lines) + "\n"


def write_clip(path: Path, seed: int) -> Path:
    frames = [np.full((16, 16, 3), 30 * (seed % 8) + 10 * k, np.uint8) for k in range(3)]
    return write_av_clip(path, audio=tone(seed % 7, seed, seconds=0.25), frames=frames)


def write(root, missing=MISSING):
    base = Path(root) / "omg"
    base.mkdir(parents=True, exist_ok=True)
    seed = 0
    for name, (folder, rows) in SPLITS.items():
        (base / name).write_text(csv_text(rows))
        for video, n, *_ in rows:
            seed += 1
            if (video, n) not in missing:
                write_clip(base / folder / video / f"utterance_{n}.mp4", seed)
    return Path(root)
