"""Evaluation metrics for the emotion-recognition benchmark harness.

Only numpy/scipy are used here (scikit-learn serves as the reference in the
tests, never at import time).  Every dict-returning function returns plain
Python types (float/int/list/dict/None) so results are JSON-serialisable.

Classification conventions
--------------------------
``y_true``/``y_pred`` are integer class indices in ``[0, C)``; class ``i``
corresponds to ``labels[i]``.  Let ``P`` be the classes present in ``y_true``:

* WAR  = accuracy = (1/N) sum_i [y_true_i == y_pred_i]
* UAR  = (1/|P|) sum_{c in P} recall_c,  recall_c = TP_c / (TP_c + FN_c)
  Classes absent from ``y_true`` are excluded from the mean (recall is
  undefined for them); this equals sklearn's ``balanced_accuracy_score``.
* UAP  = (1/|P|) sum_{c in P} precision_c,  precision_c = TP_c / (TP_c + FP_c),
  with precision_c = 0 for a class that is never predicted.
* macro-F1 = mean of F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c) over the classes
  present in ``y_true`` OR ``y_pred`` (sklearn ``f1_score(average="macro")``
  with its default labels); micro-F1 = pooled F1 over all classes (= WAR for
  single-label data).
* ROC-AUC = one-vs-rest macro average of the per-class AUC of
  ``posteriors[:, c]`` for ``y_true == c``, over classes having both positives
  and negatives; ``None`` if no posteriors or no such class.

Regression conventions
----------------------
* PCC (Pearson r) = cov(x, y) / (sigma_x sigma_y); defined as 0.0 (not nan)
  when either side is constant.
* CCC (Lin) = 2 rho sigma_x sigma_y / (sigma_x^2 + sigma_y^2 + (mu_x - mu_y)^2)
  = 2 cov(x, y) / (var_x + var_y + (mu_x - mu_y)^2), population moments
  (ddof=0).  It is 0.0 when exactly one side is constant or both are constant
  but different, and 1.0 when both are constant and identical (0/0 case).
"""
from __future__ import annotations

from typing import Any, Hashable, Sequence

import numpy as np
from scipy.stats import rankdata

PRIMARY_METRIC = {"classification": "uar", "regression": "ccc"}

__all__ = [
    "PRIMARY_METRIC", "confusion_matrix", "classification_metrics",
    "aggregate_segments", "ccc", "pcc", "regression_metrics", "summarise",
]


# --------------------------------------------------------------- validation
def _as_indices(a: Any, name: str, n_classes: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must contain integer class indices, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() >= n_classes:
        raise ValueError(f"{name} has class indices outside [0, {n_classes}): "
                         f"min={arr.min()}, max={arr.max()}")
    return arr.astype(np.int64)


def _check_pair_len(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ValueError(f"length mismatch: y_true has {len(a)} items, y_pred has {len(b)}")


def _as_float_vec(a: Any, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values")
    return arr


# ----------------------------------------------------------- classification
def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """(C, C) integer count matrix; ``cm[i, j]`` = #items with true i, predicted j."""
    if int(n_classes) < 1:
        raise ValueError(f"n_classes must be >= 1, got {n_classes}")
    t = _as_indices(y_true, "y_true", n_classes)
    p = _as_indices(y_pred, "y_pred", n_classes)
    _check_pair_len(t, p)
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (t, p), 1)
    return cm


def _binary_auc(pos_mask: np.ndarray, scores: np.ndarray) -> float:
    """AUC via the Mann-Whitney U statistic (ties count 1/2)."""
    n_pos = int(pos_mask.sum())
    n_neg = pos_mask.size - n_pos
    ranks = rankdata(scores)  # average ranks for ties
    u = ranks[pos_mask].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def classification_metrics(y_true, y_pred, labels: Sequence[Hashable],
                           posteriors=None) -> dict:
    """Standard classification metrics (see module docstring for formulas).

    UAR = 1/|P| sum_{c in P} recall_c where P = classes present in ``y_true``;
    classes absent from ``y_true`` are EXCLUDED from the mean (as in sklearn's
    ``balanced_accuracy_score``) and get ``None`` in ``"recall"``.  UAP uses the
    same class set (never-predicted class -> precision 0).  ``macro_f1`` averages
    over classes present in y_true or y_pred.

    Returns keys: war, uar, uap, macro_f1, micro_f1, recall (label -> float or
    None), confusion (C x C list, rows = true), roc_auc (float or None), n.
    """
    labels = list(labels)
    n_classes = len(labels)
    if n_classes < 1:
        raise ValueError("labels is empty")
    if len(set(labels)) != n_classes:
        raise ValueError("labels contains duplicates")
    cm = confusion_matrix(y_true, y_pred, n_classes)
    n = int(cm.sum())
    tp = np.diag(cm).astype(np.float64)
    support = cm.sum(axis=1).astype(np.float64)    # TP + FN
    predicted = cm.sum(axis=0).astype(np.float64)  # TP + FP
    in_true = support > 0
    in_union = in_true | (predicted > 0)

    recall = np.divide(tp, support, out=np.zeros(n_classes), where=in_true)
    precision = np.divide(tp, predicted, out=np.zeros(n_classes), where=predicted > 0)
    f1_den = support + predicted  # 2TP + FP + FN
    f1 = np.divide(2 * tp, f1_den, out=np.zeros(n_classes), where=f1_den > 0)
    war = float(tp.sum() / n)

    roc_auc = None
    if posteriors is not None:
        post = np.asarray(posteriors, dtype=np.float64)
        if post.shape != (n, n_classes):
            raise ValueError(f"posteriors must have shape ({n}, {n_classes}), got {post.shape}")
        if not np.all(np.isfinite(post)):
            raise ValueError("posteriors contains non-finite values")
        t = np.asarray(y_true).astype(np.int64)
        aucs = [_binary_auc(t == c, post[:, c]) for c in range(n_classes)
                if 0 < support[c] < n]
        roc_auc = float(np.mean(aucs)) if aucs else None

    return {
        "war": war,
        "uar": float(recall[in_true].mean()),
        "uap": float(precision[in_true].mean()),
        "macro_f1": float(f1[in_union].mean()),
        "micro_f1": war,  # pooled TP/(TP+(FP+FN)/2) with FP = FN = N - TP
        "recall": {lab: (float(recall[i]) if in_true[i] else None)
                   for i, lab in enumerate(labels)},
        "confusion": cm.tolist(),
        "roc_auc": roc_auc,
        "n": n,
    }


def aggregate_segments(item_ids: Sequence[Hashable], segment_posteriors, how: str = "mean"):
    """Pool segment-level posteriors (S, C) into item-level posteriors (M, C).

    how="mean":     p_item = mean_s p_s
    how="log_mean": p_item ∝ exp(mean_s log p_s)  (geometric mean, renormalised;
                    posteriors are clipped at 1e-12 before the log)
    how="vote":     p_item[c] = fraction of the item's segments whose argmax is c

    Returns (unique item ids in first-appearance order as a list, array (M, C)).
    """
    if how not in ("mean", "log_mean", "vote"):
        raise ValueError(f"unknown aggregation how={how!r}; use 'mean', 'log_mean' or 'vote'")
    post = np.asarray(segment_posteriors, dtype=np.float64)
    ids = list(item_ids)
    if post.ndim != 2:
        raise ValueError(f"segment_posteriors must be 2-D (S, C), got shape {post.shape}")
    if len(ids) != post.shape[0]:
        raise ValueError(f"shape mismatch: {len(ids)} item ids vs {post.shape[0]} segment rows")
    if not ids:
        raise ValueError("no segments given")
    index: dict = {}
    inv = np.array([index.setdefault(i, len(index)) for i in ids], dtype=np.int64)
    m, c = len(index), post.shape[1]
    counts = np.bincount(inv, minlength=m).astype(np.float64)[:, None]
    if how == "vote":
        values = np.eye(c)[post.argmax(axis=1)]
    elif how == "log_mean":
        values = np.log(np.clip(post, 1e-12, None))
    else:
        values = post
    out = np.zeros((m, c))
    np.add.at(out, inv, values)
    out /= counts
    if how == "log_mean":
        out = np.exp(out - out.max(axis=1, keepdims=True))
        out /= out.sum(axis=1, keepdims=True)
    return list(index), out


# --------------------------------------------------------------- regression
def _centered(x: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean and centred values; exactly zero deviations for constant input."""
    if np.ptp(x) == 0:
        return float(x[0]), np.zeros_like(x)
    mu = float(x.mean())
    return mu, x - mu


def pcc(y_true, y_pred) -> float:
    """Pearson r = cov(x, y) / (sigma_x sigma_y); 0.0 if either side is constant."""
    x, y = _as_float_vec(y_true, "y_true"), _as_float_vec(y_pred, "y_pred")
    _check_pair_len(x, y)
    _, xc = _centered(x)
    _, yc = _centered(y)
    den = np.sqrt((xc ** 2).sum() * (yc ** 2).sum())
    if den == 0:
        return 0.0
    return float(np.clip((xc * yc).sum() / den, -1.0, 1.0))


def ccc(y_true, y_pred) -> float:
    """Lin's CCC = 2 cov / (var_x + var_y + (mu_x - mu_y)^2), population (ddof=0).

    Equivalent to 2 rho sigma_x sigma_y / (sigma_x^2 + sigma_y^2 + (mu_x - mu_y)^2).
    Both sides constant: 1.0 if identical, else 0.0; one side constant: 0.0.
    """
    x, y = _as_float_vec(y_true, "y_true"), _as_float_vec(y_pred, "y_pred")
    _check_pair_len(x, y)
    mx, xc = _centered(x)
    my, yc = _centered(y)
    den = (xc ** 2).mean() + (yc ** 2).mean() + (mx - my) ** 2
    if den == 0:  # both constant and equal
        return 1.0
    return float(2.0 * (xc * yc).mean() / den)


def regression_metrics(y_true, y_pred) -> dict:
    """Dict with ccc, pcc, rmse = sqrt(mean((y-ŷ)^2)), mae = mean|y-ŷ|, n."""
    x, y = _as_float_vec(y_true, "y_true"), _as_float_vec(y_pred, "y_pred")
    _check_pair_len(x, y)
    err = y - x
    return {
        "ccc": ccc(x, y),
        "pcc": pcc(x, y),
        "rmse": float(np.sqrt(np.mean(err ** 2))),
        "mae": float(np.mean(np.abs(err))),
        "n": int(x.size),
    }


def summarise(values: Sequence[float]) -> dict:
    """Mean, sample std (ddof=1; 0.0 when n == 1) and n of e.g. per-seed scores."""
    arr = np.asarray(list(values), dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("summarise needs a non-empty 1-D list of numbers")
    std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return {"mean": float(arr.mean()), "std": std, "n": int(arr.size)}
