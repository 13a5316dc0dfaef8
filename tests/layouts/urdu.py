"""Tiny URDU in its repository's layout: Angry/ Happy/ Neutral/ Sad/, file names S<G><n>_F<f>_<E>0<k>.wav."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone

#: (folder, letter) -> speaker tokens with their clips: unequal, as in the corpus
SPEAKERS = {("Angry", "A"): ("SM1", "SM2", "SM2"), ("Happy", "H"): ("SF1", "SM3", "SM3"),
            ("Neutral", "N"): ("SM3", "SM5", "SM5"), ("Sad", "S"): ("SM24", "SF10", "SM24")}


def write_tiny_urdu(root: Path, top: str = "urdu") -> Path:
    base = root / top
    for ei, ((folder, letter), speakers) in enumerate(SPEAKERS.items()):
        (base / folder).mkdir(parents=True, exist_ok=True)
        counts: dict[str, int] = {}
        for k, spk in enumerate(speakers, start=1):
            counts[spk] = counts.get(spk, 0) + 1
            name = f"{spk}_F{counts[spk]}_{letter}0{k}.wav"
            sf.write(base / folder / name, tone(ei, k, seconds=0.4, sr=44100, rng=np.random.default_rng([ei, k])),
                     44100, subtype="PCM_16")
    return root


def write(root):
    return write_tiny_urdu(root)
