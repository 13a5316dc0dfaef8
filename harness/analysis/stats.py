"""Significance tests for comparing two systems.

The papers' tests (EmoBed, 004 §4.3):

* :func:`proportion_ztest` -- one-tailed two-proportion z-test on accuracies
  (pooled standard error), for classification;
* :func:`fisher_r_to_z` -- one-tailed test of two correlation-type scores
  (PCC, and CCC as the papers apply it) through Fisher's r-to-z transform.

Both treat the two systems' test sets as independent samples, which is what
the papers do; when the two systems were scored on the *same* items, the paired
tests are the sharper and more honest choice:

* :func:`mcnemar` -- exact (binomial) or chi-square McNemar test on per-item
  correctness;
* :func:`paired_bootstrap` -- resampling test for any metric (UAR, CCC, ...)
  computed on the same items (or whole speakers);
* :func:`sign_flip` -- permutation test on per-unit (per-speaker) differences:
  exact up to 20 units, Monte Carlo (null-centred) above; the leaderboards' test.

:func:`holm` corrects the p-values of a family of comparisons (a leaderboard
page) for multiple testing (Holm-Bonferroni step-down).

Every test returns a :class:`TestResult`; ``p`` is one-tailed for "A is
better than B" unless the test says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps


@dataclass(frozen=True)
class TestResult:
    """A test's name, statistic and p-value (with what the p-value refers to)."""

    test: str
    statistic: float
    p: float
    alternative: str = "greater"  # A > B
    detail: dict | None = None

    __test__ = False  # not a pytest test class


def proportion_ztest(correct_a: int, n_a: int, correct_b: int, n_b: int) -> TestResult:
    """One-tailed two-proportion z-test of H1: accuracy(A) > accuracy(B).

    z = (p_a - p_b) / sqrt(p (1 - p) (1/n_a + 1/n_b)),  p = (k_a + k_b) / (n_a + n_b).
    """
    from statsmodels.stats.proportion import proportions_ztest

    _check_counts(correct_a, n_a)
    _check_counts(correct_b, n_b)
    if correct_a + correct_b in (0, n_a + n_b):  # both all-wrong or all-right: no evidence either way
        return TestResult("two-proportion z-test", 0.0, 0.5)
    z, p = proportions_ztest([correct_a, correct_b], [n_a, n_b], alternative="larger")
    return TestResult("two-proportion z-test", float(z), float(p))


def fisher_r_to_z(r_a: float, n_a: int, r_b: float, n_b: int) -> TestResult:
    """One-tailed test of H1: r_A > r_B for independent samples (Fisher, 1921).

    z = (atanh r_a - atanh r_b) / sqrt(1/(n_a - 3) + 1/(n_b - 3)).
    """
    if n_a <= 3 or n_b <= 3:
        raise ValueError("Fisher's r-to-z test needs more than 3 observations per sample")
    for r in (r_a, r_b):
        if not -1 <= r <= 1:
            raise ValueError(f"correlation {r} outside [-1, 1]")
    clip = 1 - 1e-12
    za, zb = math.atanh(max(-clip, min(clip, r_a))), math.atanh(max(-clip, min(clip, r_b)))
    z = (za - zb) / math.sqrt(1 / (n_a - 3) + 1 / (n_b - 3))
    return TestResult("Fisher r-to-z", z, float(sps.norm.sf(z)))


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool], exact: bool | None = None) -> TestResult:
    """McNemar's test on the same items, one-tailed for H1: A is right more often than B.

    Only the discordant items count: b = A right and B wrong, c = A wrong and B
    right.  Exact: P(X >= b) for X ~ Binomial(b + c, 1/2); otherwise the
    continuity-corrected normal approximation.  ``exact`` defaults to
    ``b + c < 25``.
    """
    a, b_ = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if a.shape != b_.shape:
        raise ValueError("McNemar needs the two systems' results on the same items")
    b = int(np.sum(a & ~b_))
    c = int(np.sum(~a & b_))
    detail = {"a_only": b, "b_only": c, "n": int(a.size)}
    if b + c == 0:
        return TestResult("McNemar", 0.0, 0.5, detail=detail)
    exact = (b + c) < 25 if exact is None else exact
    if exact:
        p = float(sps.binom.sf(b - 1, b + c, 0.5))
        return TestResult("McNemar (exact)", float(b), p, detail=detail)
    z = (abs(b - c) - 1) / math.sqrt(b + c) * (1 if b >= c else -1)
    return TestResult("McNemar (chi-square, continuity-corrected)", z, float(sps.norm.sf(z)), detail=detail)


def paired_bootstrap(
    metric: Callable[[np.ndarray, np.ndarray], float],
    truth: np.ndarray,
    pred_a: np.ndarray,
    pred_b: np.ndarray,
    *,
    resamples: int = 10000,
    seed: int = 0,
    groups: Sequence | None = None,
) -> TestResult:
    """Paired bootstrap test of H1: metric(A) > metric(B) on the same items.

    The items (or, with ``groups``, whole groups such as speakers) are resampled
    with replacement; p is the fraction of resamples in which A does not beat B,
    ``(1 + #{delta* <= 0}) / (1 + resamples)``.  ``detail`` holds the observed
    difference and its 95 % percentile interval.
    """
    truth, pred_a, pred_b = np.asarray(truth), np.asarray(pred_a), np.asarray(pred_b)
    if not (len(truth) == len(pred_a) == len(pred_b)):
        raise ValueError("paired bootstrap needs truth and both predictions on the same items")
    rng = np.random.default_rng(seed)
    if groups is None:
        units = [np.array([i]) for i in range(len(truth))]
    else:
        groups = np.asarray(groups)
        units = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    observed = metric(truth, pred_a) - metric(truth, pred_b)
    deltas = np.empty(resamples)
    for r in range(resamples):
        pick = rng.integers(0, len(units), len(units))
        idx = np.concatenate([units[i] for i in pick])
        deltas[r] = metric(truth[idx], pred_a[idx]) - metric(truth[idx], pred_b[idx])
    p = (1 + int(np.sum(deltas <= 0))) / (1 + resamples)
    low, high = np.percentile(deltas, [2.5, 97.5])
    return TestResult("paired bootstrap", float(observed), float(p),
                      detail={"delta": float(observed), "ci95": [float(low), float(high)],
                              "resamples": resamples, "units": len(units)})


def sign_flip(differences: Sequence[float], *, exact_up_to: int = 20, resamples: int = 100000,
              seed: int = 0) -> TestResult:
    """Paired sign-flip (permutation) test of H1: mean difference > 0.

    Under H0 each unit's difference (e.g. one speaker's UAR of A minus B) is
    symmetric around 0, so every sign pattern is equally likely; p is the
    fraction of the 2^n patterns whose mean is at least the observed one --
    exact up to ``exact_up_to`` units (2^20 patterns, enumerated in chunks), a
    Monte Carlo estimate from ``resamples`` random patterns beyond (still
    null-centred: the flipped means are drawn under H0).  With n units the
    smallest possible p is 2^-n: two speakers can never give p < .05.
    """
    d = np.asarray(differences, float)
    if d.size == 0:
        raise ValueError("sign-flip test needs at least one difference")
    observed = float(d.mean())
    if d.size <= exact_up_to:
        n, hits, total = d.size, 0, 2 ** d.size
        bits = np.arange(n)
        for start in range(0, total, 1 << 16):
            patterns = np.arange(start, min(start + (1 << 16), total))[:, None]
            signs = 1 - 2 * ((patterns >> bits) & 1)
            hits += int(np.sum((signs * d).mean(axis=1) >= observed - 1e-12))
        p = hits / total
        name = "sign-flip (exact)"
    else:
        rng = np.random.default_rng(seed)
        hits = 0
        for start in range(0, resamples, 10000):
            signs = rng.choice([-1.0, 1.0], size=(min(10000, resamples - start), d.size))
            hits += int(np.sum((signs * d).mean(axis=1) >= observed - 1e-12))
        p = (1 + hits) / (1 + resamples)
        name = "sign-flip (Monte Carlo)"
    return TestResult(name, observed, p, detail={"units": int(d.size), "min_p": 2.0 ** -d.size})


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    p = np.asarray(pvalues, float)
    if p.size == 0:
        return []
    order = np.argsort(p, kind="stable")
    m = p.size
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def _check_counts(k: int, n: int) -> None:
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"invalid counts: {k} correct of {n}")
