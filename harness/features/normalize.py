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

Ragged inputs (lists of (T, D) frame sequences or (S, ..., D) segments) are
standardised per feature of the last axis, statistics over all frames (or
segment positions) of the items concerned.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

NORMS: tuple[str, ...] = ("none", "global", "speaker")
_EPS = 1e-8


def _zscore(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return (x - mean) / np.where(std < _EPS, 1.0, std)


def _rows(values: np.ndarray) -> np.ndarray:
    """An item's values as rows of its last axis."""
    return values.reshape(-1, values.shape[-1])


def _standardise_ragged(parts: dict[str, list], speakers: dict[str, list], mode: str,
                        train_parts: tuple[str, ...]) -> dict[str, list]:
    if mode == "none":
        return {k: [np.asarray(a, dtype=np.float32) for a in v] for k, v in parts.items()}

    def stats(arrays):
        rows = np.concatenate([_rows(a) for a in arrays]).astype(np.float64)
        return rows.mean(axis=0), rows.std(axis=0)

    g_mean, g_std = stats([a for p in train_parts for a in parts[p]])
    if mode == "global":
        return {k: [_zscore(a, g_mean, g_std).astype(np.float32) for a in v] for k, v in parts.items()}
    by_speaker: dict[object, list] = defaultdict(list)
    for part, spk in speakers.items():
        for i, s in enumerate(spk):
            by_speaker[s].append(parts[part][i])
    speaker_stats = {s: (g_mean, g_std) if s is None else stats(arrays) for s, arrays in by_speaker.items()}
    return {k: [_zscore(a, *speaker_stats[s]).astype(np.float32) for a, s in zip(v, speakers[k])]
            for k, v in parts.items()}


def standardise(parts: dict[str, np.ndarray], speakers: dict[str, list], mode: str,
                train_parts: tuple[str, ...] = ("train",)) -> dict[str, np.ndarray]:
    """Return standardised copies of ``parts`` (2-D arrays, or lists of ragged arrays,
    keyed by part name).

    Global statistics come from ``train_parts`` only (the training side of a fold).
    """
    if mode not in NORMS:
        raise ValueError(f"unknown normalisation {mode!r}; known: {NORMS}")
    if any(isinstance(v, list) for v in parts.values()):
        return _standardise_ragged(parts, speakers, mode, train_parts)
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
