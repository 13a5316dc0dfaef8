"""Tiny TESS in the Kaggle folder naming (OAF_Fear, OAF_Pleasant_surprise, YAF_pleasant_surprised, ...);
``write`` adds the archive's misnamed ``OAF_neutral/OA_bite_neutral.wav``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone

FOLDERS = {
    "OAF": ("angry", "disgust", "Fear", "happy", "neutral", "Pleasant_surprise", "Sad"),
    "YAF": ("angry", "disgust", "fear", "happy", "neutral", "pleasant_surprised", "sad"),
}
FILE_CODES = ("angry", "disgust", "fear", "happy", "neutral", "ps", "sad")


def write_tiny_tess(root: Path, words=("back", "bar"), top: str = "tess") -> Path:
    base = root / top
    for si, (speaker, folders) in enumerate(FOLDERS.items()):
        for ei, (folder, code) in enumerate(zip(folders, FILE_CODES, strict=True)):
            where = base / f"{speaker}_{folder}"
            where.mkdir(parents=True, exist_ok=True)
            for wi, word in enumerate(words):
                sf.write(where / f"{speaker}_{word}_{code}.wav",
                         tone(ei, si, seconds=0.3, rng=np.random.default_rng([si, ei, wi])), 24414)
    return root


def write(root):
    write_tiny_tess(root)
    sf.write(root / "tess" / "OAF_neutral" / "OA_bite_neutral.wav",
             tone(4, 0, seconds=0.3, rng=np.random.default_rng([0, 4, 9])), 24414)
    return root
