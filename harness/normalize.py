"""Feature standardisation applied by the core before a method sees the data.

* ``none``    — features as extracted;
* ``global``  — z-scores with the mean and standard deviation of the training
  part only (validation and test items never contribute);
* ``speaker`` — every speaker's items are z-scored with that speaker's own
  statistics (per-speaker standardisation, common in speech emotion
  recognition).  It uses the features, never the labels, of each speaker's
  items — test speakers included, so it is transductive in the features; the
  setting is stored with every result.  Items without a speaker fall back to
  the global training statistics.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

NORMS: tuple[str, ...] = ("none", "global", "speaker")
_EPS = 1e-8


def _zscore(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return (x - mean) / np.where(std < _EPS, 1.0, std)


def standardise(parts: dict[str, np.ndarray], speakers: dict[str, list], mode: str,
                train_parts: tuple[str, ...] = ("train",)) -> dict[str, np.ndarray]:
    """Return standardised copies of ``parts`` (2-D arrays keyed by part name).

    Global statistics come from ``train_parts`` only (the training side of a fold).
    """
    if mode not in NORMS:
        raise ValueError(f"unknown normalisation {mode!r}; known: {NORMS}")
    if mode == "none":
        return {k: v.astype(np.float32) for k, v in parts.items()}
    train = np.concatenate([parts[p] for p in train_parts])
    g_mean, g_std = train.mean(axis=0), train.std(axis=0)
    if mode == "global":
        return {k: _zscore(v, g_mean, g_std).astype(np.float32) for k, v in parts.items()}
    rows: dict[object, list[tuple[str, int]]] = defaultdict(list)
    for part, spk in speakers.items():
        for i, s in enumerate(spk):
            rows[s].append((part, i))
    out = {k: np.empty_like(v, dtype=np.float32) for k, v in parts.items()}
    for spk, where in rows.items():
        block = np.stack([parts[p][i] for p, i in where])
        if spk is None:
            mean, std = g_mean, g_std
        else:
            mean, std = block.mean(axis=0), block.std(axis=0)
        z = _zscore(block, mean, std)
        for (p, i), row in zip(where, z):
            out[p][i] = row
    return out
