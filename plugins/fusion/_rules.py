"""Shared pieces of the decision-level fusion rules of paper 003 (Huang et al., 2018).

Not a plugin (no hook): helpers used by ``fusion_lr``, ``fusion_confidence``,
``fusion_prior`` and ``fusion_lr_ensemble``.

* :func:`margins` — the confidence of a run on an item, ``y_1 - y_2``: its top
  posterior minus its second posterior (paper 003, section 2.2, after [17]).
* :func:`select` — per item, the posterior row of the candidate with the largest
  score; ties go to the earliest candidate in the given order.
* :func:`micro_f1` — eq. 4 of paper 003: F1 of the pooled tp/fp/fn over all
  items.  For single-label classification every wrong prediction is one false
  positive and one false negative, so micro-F1 = accuracy = WAR.
* :func:`prior_bonus` — the bonus ``d`` of eq. 5 generalised to any number of runs.
* :class:`LogisticStack` — a multinomial logistic regression on the concatenated
  posteriors of the runs, mapped back to all C classes.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


class NotFittedError(RuntimeError):
    """``fuse`` was called on a fusion whose parameters come from ``fit`` before ``fit``."""


def require_fitted(fusion, n_runs: int) -> None:
    """Refuse to fuse before ``fit``, or with another number of runs than the fit saw."""
    fitted = getattr(fusion, "fitted", None)
    if fitted is None:
        raise NotFittedError(f"fusion {fusion.name!r} learns its parameters from validation posteriors: "
                             f"call fit(valid_posteriors, y_valid) before fuse()")
    if fitted["runs"] != n_runs:
        raise ValueError(f"fusion {fusion.name!r} was fitted on {fitted['runs']} runs, asked to fuse {n_runs}")


def check_targets(valid: Sequence[np.ndarray], y_valid) -> np.ndarray:
    """Validation class indices as int64, checked against the posteriors' shape."""
    y = np.asarray(y_valid)
    n, n_classes = valid[0].shape
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"y_valid has shape {y.shape}; the validation posteriors have {n} rows")
    if y.dtype.kind not in "iu" or (n and (y.min() < 0 or y.max() >= n_classes)):
        raise ValueError(f"y_valid must hold class indices in [0, {n_classes}), got dtype {y.dtype} "
                         f"and range [{y.min() if n else None}, {y.max() if n else None}]")
    if n == 0:
        raise ValueError("no validation items to fit the fusion on")
    return y.astype(np.int64)


def margins(posteriors: np.ndarray) -> np.ndarray:
    """(N,) top-1 minus top-2 posterior of each row (the top posterior itself when C = 1)."""
    if posteriors.shape[1] < 2:
        return posteriors[:, 0].copy()
    top2 = np.sort(posteriors, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def select(candidates: Sequence[np.ndarray], scores: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per item the row of the candidate with the largest score; on a tie the earliest
    candidate wins (``np.argmax`` returns the first maximum).  Returns (fused, chosen index)."""
    stacked = np.stack(candidates)  # (R, N, C)
    chosen = np.argmax(np.stack(scores), axis=0)  # (N,)
    return stacked[chosen, np.arange(stacked.shape[1])], chosen


def micro_f1(posteriors: np.ndarray, y: np.ndarray) -> float:
    """Eq. 4: micro-F1 of the argmax decisions (= accuracy for single-label data)."""
    return float(np.mean(posteriors.argmax(axis=1) == y))


def prior_bonus(f1: Sequence[float]) -> np.ndarray:
    """Bonus of each run: ``d_r = F1_r - min_s F1_s``.

    With two runs this is eq. 5 exactly: the run with the higher validation
    micro-F1 gets d = the positive difference, the other 0.  With more runs, the
    run chosen by ``argmax_r margin_r + d_r`` is the one that eq. 5 applied to
    every pair (r, s) -- bonus ``F1_r - F1_s`` to the better of the two --
    prefers over each other run: the pairwise comparisons reduce to comparing
    ``margin_r + F1_r``, so they are consistent and a winner always exists.
    """
    f1 = np.asarray(f1, dtype=np.float64)
    return f1 - f1.min()


def select_with_prior(candidates: Sequence[np.ndarray], f1: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 5 over any number of candidates: the largest ``margin + d``; ties go to the
    candidate with the higher validation micro-F1 (eq. 5's ``>=`` keeps the better one),
    then to the earliest.  Returns (fused, chosen index in the given order)."""
    bonus = prior_bonus(f1)
    order = np.argsort(-np.asarray(f1, dtype=np.float64), kind="stable")
    fused, chosen = select([candidates[i] for i in order], [margins(candidates[i]) + bonus[i] for i in order])
    return fused, order[chosen]


class LogisticStack:
    """Multinomial logistic regression on the concatenated posteriors of R runs.

    Inputs: the (N, R*C) matrix ``[p_1 | ... | p_R]``; outputs (N, C) posteriors.
    A class absent from the fitting labels gets posterior 0 (the regression cannot
    predict a class it never saw).  L2 penalty with inverse strength ``C``; the
    lbfgs solver is deterministic, ``seed`` is passed for completeness.
    """

    def __init__(self, c: float, max_iter: int, seed: int):
        self.c, self.max_iter, self.seed = float(c), int(max_iter), int(seed)
        self.model: LogisticRegression | None = None
        self.constant: int | None = None  # the one class of a fit that saw only one

    def fit(self, runs: Sequence[np.ndarray], y: np.ndarray, allow_constant: bool = False) -> "LogisticStack":
        self.n_classes = runs[0].shape[1]
        classes = np.unique(y)
        if len(classes) < 2:
            if not allow_constant:
                raise ValueError(f"logistic regression needs at least two classes among the validation items; "
                                 f"they all have class {int(classes[0])} ({len(y)} items)")
            self.constant = int(classes[0])
            return self
        self.model = LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(np.concatenate(runs, axis=1), y)
        return self

    def predict_proba(self, runs: Sequence[np.ndarray]) -> np.ndarray:
        n = runs[0].shape[0]
        out = np.zeros((n, self.n_classes))
        if self.model is None:
            out[:, self.constant] = 1.0
            return out
        out[:, self.model.classes_] = self.model.predict_proba(np.concatenate(runs, axis=1))
        return out

    def summary(self) -> dict:
        if self.model is None:
            return {"constant_class": self.constant}
        return {"classes": self.model.classes_.tolist(), "coef": np.round(self.model.coef_, 6).tolist(),
                "intercept": np.round(self.model.intercept_, 6).tolist(), "iterations": int(self.model.n_iter_[0])}


def cross_fitted(runs: Sequence[np.ndarray], y: np.ndarray, c: float, max_iter: int, seed: int,
                 folds: int = 5) -> np.ndarray:
    """Out-of-fold LR posteriors of the validation items: each item is predicted by a
    regression fitted on the other folds (stratified, shuffled with ``seed``), so a
    validation score of the LR output is not measured on the LR's own training items."""
    counts = np.bincount(y)
    k = int(min(folds, max(2, counts.max()), len(y)))
    out = np.zeros((len(y), runs[0].shape[1]))
    with warnings.catch_warnings():  # classes with fewer items than folds are expected
        warnings.simplefilter("ignore", UserWarning)
        splits = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
    for fit_idx, held_idx in splits:
        stack = LogisticStack(c, max_iter, seed).fit([r[fit_idx] for r in runs], y[fit_idx], allow_constant=True)
        out[held_idx] = stack.predict_proba([r[held_idx] for r in runs])
    return out
