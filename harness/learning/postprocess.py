"""Post-processing of time-continuous predictions (RECOLA; paper 004 §4.2 after AVEC 2016).

The chain, per dimension, in this order:

1. **median filter** over each recording's predictions, window W ∈ {0.12,
   0.20, ..., 0.44 s} (the paper's grid: 0.12-0.44 s at 0.08 s);
2. **centring**: ``ŷ ← ŷ − mean(ŷ_valid) + mean(y_train)``;
3. **scaling**: ``ŷ ← mean(y_train) + (ŷ − mean(y_train)) · std(y_train) / std(ŷ_valid)``;
4. **time shift** by D ∈ {0.04, 0.08, ..., 0.60 s}: ``ŷ'[t] = ŷ[t − D]`` (the first
   D frames repeat the first prediction) -- the residual annotation delay.

Every step and its parameter are chosen on the **validation** part only
(predictions of the model selected there and its gold standard): a step is
kept when it raises the validation CCC, as in the AVEC baseline.  The
statistics of steps 2-3 are those of the validation predictions and of the
training targets, never of the test part.  The chosen chain is stored in the
job's report.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from harness.learning.metrics import ccc

WINDOWS_S = (0.12, 0.20, 0.28, 0.36, 0.44)
DELAYS_S = tuple(round(0.04 * i, 2) for i in range(1, 16))


def _median(series: list[np.ndarray], width: int) -> list[np.ndarray]:
    return [median_filter(s, size=width, mode="nearest") if width > 1 else s for s in series]


def _shift(series: list[np.ndarray], frames: int) -> list[np.ndarray]:
    if frames <= 0:
        return series
    return [np.concatenate([np.full(min(frames, len(s)), s[0]), s[:max(0, len(s) - frames)]]) for s in series]


def _score(pred: list[np.ndarray], truth: list[np.ndarray]) -> float:
    return ccc(np.concatenate(truth), np.concatenate(pred))


def apply_one(step: dict, series: list[np.ndarray]) -> list[np.ndarray]:
    """Apply one dimension's chosen chain to per-recording (T,) predictions."""
    out = _median(series, step["median"])
    if step["centre"] is not None:
        out = [s + step["centre"] for s in out]
    if step["scale"] is not None:
        m, f = step["scale"]
        out = [m + (s - m) * f for s in out]
    return _shift(out, step["shift"])


def choose_one(pred: list[np.ndarray], truth: list[np.ndarray], train_truth: np.ndarray, step_s: float) -> dict:
    """The chain for one dimension, chosen greedily on validation predictions and truth."""
    chain = {"median": 0, "centre": None, "scale": None, "shift": 0}
    best = _score(pred, truth)
    chain["valid_ccc_raw"] = best
    for w in WINDOWS_S:
        width = max(1, int(round(w / step_s))) | 1  # odd window
        score = _score(_median(pred, width), truth)
        if score > best:
            best, chain["median"] = score, width
    current = apply_one(chain, pred)
    all_pred = np.concatenate(current)
    centre = float(train_truth.mean() - all_pred.mean())
    if _score([s + centre for s in current], truth) > best:
        chain["centre"] = centre
        best = _score(apply_one(chain, pred), truth)
    current = apply_one(chain, pred)
    spread = float(np.concatenate(current).std())
    if spread > 0:
        scale = [float(train_truth.mean()), float(train_truth.std() / spread)]
        trial = {**chain, "scale": scale}
        score = _score(apply_one(trial, pred), truth)
        if score > best:
            best, chain = score, trial
    for d in DELAYS_S:
        trial = {**chain, "shift": int(round(d / step_s))}
        score = _score(apply_one(trial, pred), truth)
        if score > best:
            best, chain = score, trial
    chain["valid_ccc"] = best
    return chain


def choose_chain(pred: list[np.ndarray], truth: list[np.ndarray], train_truth: list[np.ndarray],
                 dimensions: tuple[str, ...], step_s: float) -> dict[str, dict]:
    """Per dimension, the chain chosen on validation ((T_i, K) predictions and truth per recording)."""
    train = np.concatenate(train_truth)
    return {d: choose_one([p[:, k] for p in pred], [t[:, k] for t in truth], train[:, k], step_s)
            for k, d in enumerate(dimensions)}


def apply_chain(chain: dict[str, dict], pred: list[np.ndarray], dimensions: tuple[str, ...]) -> list[np.ndarray]:
    columns = [apply_one(chain[d], [p[:, k] for p in pred]) for k, d in enumerate(dimensions)]
    return [np.stack([col[i] for col in columns], axis=1) for i in range(len(pred))]
