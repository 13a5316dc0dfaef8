"""Significance of one leaderboard row against its baseline row.

Predictions of the two rows are paired by (fold, model seed, item) and pooled
over folds and seeds; rows run with different numbers of model seeds are
paired on the seeds they share (and say so).  The unit of the paired one-tailed
test is the test speaker (the item where speakers are unknown), because items of
one speaker, and the predictions of several model seeds for one item, are not
independent: a sign-flip test over the per-speaker differences of the metric --
exact up to ``EXACT_UP_TO`` speakers, a null-centred Monte Carlo sign-flip
above.  (Two speakers can never reach p < .05, as it should be; a speaker
bootstrap, used before, is optimistic at ten speakers.)  The papers' unpaired
tests (two-proportion z-test on accuracy with items counted once, Fisher r-to-z
for CCC) are shown beside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.analysis import stats
from harness.analysis.groups import Group
from harness.learning.metrics import ccc
from harness.results.store import ResultsStore

ALPHA = 0.05
RESAMPLES = 100000
SEED = 0
#: up to this many test speakers the sign-flip test enumerates every sign pattern (2^20); above, Monte Carlo
EXACT_UP_TO = 20


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
    #: how the rows were paired, when not on every (fold, seed, item) of both
    note: str = ""

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
    """Predictions keyed by (fold, model seed, item); a repeated key means the row mixes runs."""
    out: dict[tuple, object] = {}
    for job in group.jobs:
        for p in store.predictions(job["job_id"]):
            key = (job["fold"], job["model_seed"], p.item)
            if key in out:
                raise ValueError(f"the row holds two predictions for fold {key[0]}, seed {key[1]}, item {key[2]} "
                                 f"(runs with different settings in one store)")
            out[key] = p
    return out


def paired_test(store: ResultsStore, a: Group, b: Group, metric: str, names: tuple[str, str]) -> Comparison:
    """Paired one-tailed test of H1: ``a`` beats ``b`` on the same predictions (see module docstring)."""
    out = Comparison(a.row, (a.column, tuple(a.cfg["labels"])), b.row)
    try:
        pa, pb = _pooled(store, a), _pooled(store, b)
    except ValueError as exc:
        out.reason = str(exc)
        return out
    seeds_a, seeds_b = {k[1] for k in pa}, {k[1] for k in pb}
    if seeds_a != seeds_b and seeds_a & seeds_b:  # paired on the model seeds both rows have
        shared = seeds_a & seeds_b
        pa = {k: v for k, v in pa.items() if k[1] in shared}
        pb = {k: v for k, v in pb.items() if k[1] in shared}
        out.note = f"paired on the {len(shared)} seed(s) both rows have"
    if pa.keys() != pb.keys():
        out.reason = (f"test items differ: {len(pa.keys() - pb.keys())} (fold, seed, item) predictions only in "
                      f"{names[0]}, {len(pb.keys() - pa.keys())} only in {names[1]}")
        return out
    keys = sorted(pa)
    if any(pa[k].true_label != pb[k].true_label for k in keys):
        out.reason = "the stored true labels of the same items differ"
        return out
    groups = np.array([pa[k].speaker if pa[k].speaker is not None else pa[k].item for k in keys])
    if metric == "ccc":  # regression predictions: the true value as text, the prediction in scores[0]
        try:
            truth = np.array([float(pa[k].true_label) for k in keys])
        except (TypeError, ValueError):
            out.reason = "regression predictions without numeric true values"
            return out
        ya, yb = (np.array([p[k].scores[0] for k in keys]) for p in (pa, pb))
        fn = ccc
    else:
        index = {lab: i for i, lab in enumerate(a.cfg["labels"])}
        try:
            truth, ya, yb = (np.array([index[lab] for lab in labels], dtype=np.int64) for labels in
                             ([pa[k].true_label for k in keys], [pa[k].pred_label for k in keys],
                              [pb[k].pred_label for k in keys]))
        except KeyError as exc:
            out.reason = f"label {exc.args[0]!r} outside the label set"
            return out
        k = len(index)
        fn = {"war": lambda t, p: float(np.mean(t == p)), "uar": lambda t, p: _uar(t, p, k),
              "f1": lambda t, p: _f1(t, p, k)}[metric]
    units = np.unique(groups)
    diffs = [fn(truth[groups == u], ya[groups == u]) - fn(truth[groups == u], yb[groups == u]) for u in units]
    result = stats.sign_flip(diffs, exact_up_to=EXACT_UP_TO, resamples=RESAMPLES, seed=SEED)
    out.test, out.p = result.test, result.p
    out.delta = float(fn(truth, ya) - fn(truth, yb))
    return out


def unpaired_test(a: Group, b: Group, metric: str) -> float:
    """The papers' test: one-tailed two-proportion z-test on pooled accuracy, Fisher r-to-z for CCC."""
    # per distinct test item: counts averaged over the model seeds (seeds are not extra items)
    seeds = {id(g): max(1, len({j["model_seed"] for j in g.jobs})) for g in (a, b)}
    n_a, n_b = (round(sum(j["metrics"]["n"] for j in g.jobs) / seeds[id(g)]) for g in (a, b))
    if metric == "ccc":
        return stats.fisher_r_to_z(a.stat("ccc")["mean"], n_a, b.stat("ccc")["mean"], n_b).p
    k_a, k_b = (round(sum(j["metrics"]["war"] * j["metrics"]["n"] for j in g.jobs) / seeds[id(g)]) for g in (a, b))
    return stats.proportion_ztest(k_a, n_a, k_b, n_b).p
