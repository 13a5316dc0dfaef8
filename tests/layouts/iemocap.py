"""Tiny IEMOCAP: five sessions, one improvised and one scripted dialog each, EmoEvaluation label files.

``write`` (used by the contract tests) labels every utterance with one of the ten categories;
``write_tiny_iemocap(..., with_xxx=True)`` adds the no-majority ``xxx`` utterances of the real corpus;
``folder=`` places the release where a redistribution puts it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from builders import tone

#: (utterance suffix, code, [valence, activation, dominance]) per dialog
TURNS = (("F000", "neu", (2.5, 2.5, 2.5)), ("M000", "ang", (1.5, 4.0, 4.0)), ("F001", "hap", (4.0, 3.5, 3.0)),
         ("M001", "exc", (4.5, 4.0, 3.5)), ("F002", "sad", (1.5, 2.0, 2.0)), ("M002", "fru", (2.0, 3.5, 3.5)))
XXX_TURNS = (("F003", "xxx", (2.0, 3.0, 3.0)),)
DIALOGS = ("impro01", "script01_1")


def evaluation_text(dialog: str, turns) -> str:
    lines = ["% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]", ""]
    for k, (suffix, code, (v, a, d)) in enumerate(turns):
        start = 1.5 + 3 * k
        lines += [f"[{start:.4f} - {start + 2.25:.4f}]\t{dialog}_{suffix}\t{code}\t[{v:.4f}, {a:.4f}, {d:.4f}]",
                  "C-E1:\tNeutral;\t()", "A-E1:\tval 3; act 2; dom  2;\t()", ""]
    return "\n".join(lines) + "\n"


def write_tiny_iemocap(root: Path, sessions=(1, 2, 3, 4, 5), with_xxx: bool = False,
                       folder: str = "IEMOCAP_full_release") -> Path:
    """``folder``: where the release sits under ``root`` -- ``IEMOCAP_full_release`` (the tar),
    ``IEMOCAP_full_release/IEMOCAP_full_release`` (unpacked twice), ``iemocapfullrelease/IEMOCAP_full_release``
    (Kaggle), ``IEMOCAP`` (torchaudio)."""
    base = root / folder
    for s in sessions:
        session = base / f"Session{s}"
        (session / "dialog" / "EmoEvaluation").mkdir(parents=True, exist_ok=True)
        for dialog_kind in DIALOGS:
            dialog = f"Ses0{s}F_{dialog_kind}"
            turns = TURNS + (XXX_TURNS if with_xxx else ())
            (session / "dialog" / "EmoEvaluation" / f"{dialog}.txt").write_text(evaluation_text(dialog, turns))
            wav_dir = session / "sentences" / "wav" / dialog
            wav_dir.mkdir(parents=True, exist_ok=True)
            for k, (suffix, _code, _dims) in enumerate(turns):
                sf.write(wav_dir / f"{dialog}_{suffix}.wav",
                         tone(k, s, seconds=0.25, rng=np.random.default_rng([s, k])), 16000)
    return root


def write(root):
    return write_tiny_iemocap(root, with_xxx=True)
