"""Significance of one leaderboard row against its baseline row.

Predictions of the two rows are paired by (fold, model seed, item) and pooled
over folds and seeds.  The paired one-tailed tests: McNemar on per-item
correctness for WAR; a paired bootstrap for UAR, macro-F1 and CCC that
resamples whole speakers.  The papers' unpaired tests (two-proportion z-test on
pooled accuracy, Fisher r-to-z for CCC) are computed beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import stats
from .metrics import ccc
from .store import ResultsStore

if TYPE_CHECKING:
    from .leaderboard import Group

ALPHA = 0.05
RESAMPLES = 2000
SEED = 0


@dataclass
class Comparison:
    row: tuple
    column: tuple
    baseline: tuple
    test: str = ""
    delta: float | None = None
    p: float | None = None
    holm: float | None = None
    z: float | None = None
    reason: str = ""

    @property
    def star(self) -> bool:
        return self.holm is not None and self.holm < ALPHA



def _uar(t, p, k):
    support, tp = np.bincount(t, minlength=k), np.bincount(t[t == p], minlength=k)
    return float((tp[support > 0] / support[support > 0]).mean())


def _f1(t, p, k):
    den = np.bincount(t, minlength=k) + np.bincount(p, minlength=k)
    tp = np.bincount(t[t == p], minlength=k)
    return float((2 * tp[den > 0] / den[den > 0]).mean())


def _pooled(store: ResultsStore, group: Group) -> dict[tuple, object]:
    return {(job["fold"], job["model_seed"], p.item): p
            for job in group.jobs for p in store.predictions(job["job_id"])}


def paired_test(store: ResultsStore, a: Group, b: Group, metric: str, names: tuple[str, str]) -> Comparison:
    """Paired one-tailed test of H1: ``a`` beats ``b`` on the same predictions (see module docstring)."""
    out = Comparison(a.row, (a.column, tuple(a.cfg["labels"])), b.row)
    pa, pb = _pooled(store, a), _pooled(store, b)
    if pa.keys() != pb.keys():
        out.reason = (f"test items differ: {len(pa.keys() - pb.keys())} (fold, seed, item) predictions only in "
                      f"{names[0]}, {len(pb.keys() - pa.keys())} only in {names[1]}")
        return out
    keys = sorted(pa)
    if any(pa[k].true_label != pb[k].true_label for k in keys):
        out.reason = "the stored true labels of the same items differ"
        return out
    groups = [pa[k].speaker if pa[k].speaker is not None else pa[k].item for k in keys]
    if metric == "ccc":  # regression predictions: the true value as text, the prediction in scores[0]
        try:
            truth = np.array([float(pa[k].true_label) for k in keys])
        except (TypeError, ValueError):
            out.reason = "regression predictions without numeric true values"
            return out
        ya, yb = (np.array([p[k].scores[0] for k in keys]) for p in (pa, pb))
        result = stats.paired_bootstrap(ccc, truth, ya, yb, resamples=RESAMPLES, seed=SEED, groups=groups)
    else:
        index = {lab: i for i, lab in enumerate(a.cfg["labels"])}
        try:
            t, ya, yb = (np.array([index[lab] for lab in labels], dtype=np.int64) for labels in
                         ([pa[k].true_label for k in keys], [pa[k].pred_label for k in keys],
                          [pb[k].pred_label for k in keys]))
        except KeyError as exc:
            out.reason = f"label {exc.args[0]!r} outside the label set"
            return out
        if metric == "war":
            result = stats.mcnemar(t == ya, t == yb)
            out.delta = float(np.mean(t == ya) - np.mean(t == yb))
        else:
            fn = _uar if metric == "uar" else _f1
            result = stats.paired_bootstrap(lambda x, y: fn(x, y, len(index)), t, ya, yb,
                                            resamples=RESAMPLES, seed=SEED, groups=groups)
    out.test, out.p = result.test, result.p
    if out.delta is None:
        out.delta = result.statistic  # the bootstrap's observed difference
    return out


def unpaired_test(a: Group, b: Group, metric: str) -> float:
    """The papers' test: one-tailed two-proportion z-test on pooled accuracy, Fisher r-to-z for CCC."""
    n_a, n_b = (sum(j["metrics"]["n"] for j in g.jobs) for g in (a, b))
    if metric == "ccc":
        return stats.fisher_r_to_z(a.stat("ccc")["mean"], n_a, b.stat("ccc")["mean"], n_b).p
    k_a, k_b = (sum(round(j["metrics"]["war"] * j["metrics"]["n"]) for j in g.jobs) for g in (a, b))
    return stats.proportion_ztest(k_a, n_a, k_b, n_b).p
