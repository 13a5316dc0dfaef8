"""LR output fused again with single runs by the ensemble rules (paper 003, Fig. 5, Tables 4 and 5).

Huang et al. (2018) first fuse the audio and visual posteriors by logistic
regression (:mod:`fusion_lr`), then treat the LR posteriors as the results of
one more model and fuse them, by the ensemble method, with the audio run, the
video run, or both (Fig. 5):

* ``lr-confidence`` (Table 4): candidates ``[p_LR, p_r for r in with]``; per item
  the candidate with the largest top-1 minus top-2 margin (eq. 3); ties go to
  the LR output, then to the run given first.
* ``lr-prior`` (Table 5): the same candidates under eq. 5 -- each candidate's
  micro-F1 (eq. 4) on the validation items, bonus ``d_r = F1_r - min_s F1_s``
  (with two candidates: d = the positive difference for the better one);
  ties go to the higher validation micro-F1, then to LR, then to the first run.

``with`` names the runs the LR output is fused with, by their position in the
fused list (0-based): ``all`` (default; Table 4's "Audio+Video" column), one
index (``with=0``: the paper's best column fused LR with the audio run) or a
list (``with=0,1``).  The regression uses every run, as in the paper.

Everything is fitted on validation items only.  The LR output's validation
micro-F1 that sets ``d`` is measured, by default, on cross-fitted LR posteriors
(each validation item predicted by a regression fitted on the other folds,
``valid_lr=cross-fitted``): the regression fitted on all validation items has an
optimistic in-sample score that would inflate its bonus.  ``valid_lr=in-sample``
measures it on the regression's own training items, as the paper's wording
(d "obtained from the validation set") literally allows.
"""

from __future__ import annotations

import numpy as np

from harness.analysis.fusion import Fusion
from harness.hookspecs import hookimpl
from harness.plugins.fusion._rules import (
    LogisticStack,
    check_targets,
    cross_fitted,
    margins,
    micro_f1,
    prior_bonus,
    require_fitted,
    select,
    select_with_prior,
)


def _indices(value, n_runs: int) -> list[int]:
    """``with`` as a list of run positions: "all", an int, "0,1" or a list of ints."""
    if value is None or value == "all":
        return list(range(n_runs))
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not all(p.lstrip("-").isdigit() for p in parts):
            raise ValueError(f"with={value!r}: expected 'all' or run positions such as 0 or 0,1")
        value = [int(p) for p in parts]
    values = [int(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    if not values or len(set(values)) != len(values) or any(not 0 <= v < n_runs for v in values):
        raise ValueError(f"with={value!r}: expected distinct run positions in [0, {n_runs}) "
                         f"(the runs fused, in the order given) or 'all'")
    return values


class LREnsemble(Fusion):
    name = "lr-confidence"
    description = "LR output fused again with single runs by the confidence ensemble (eq. 3; paper 003, Table 4)"
    version = "1"
    defaults = {"with": "all", "C": 1.0, "max_iter": 1000, "seed": 0}
    prior = False

    fitted: dict | None = None

    def fit(self, valid_posteriors, y_valid):
        runs = self.check(valid_posteriors)
        y = check_targets(runs, y_valid)
        chosen = _indices(self.params["with"], len(runs))
        p = self.params
        self.stack = LogisticStack(p["C"], p["max_iter"], p["seed"]).fit(runs, y)
        self.fitted = {"runs": len(runs), "with": chosen, "lr": self.stack.summary()}
        if self.prior:
            in_sample = p["valid_lr"] == "in-sample"
            lr_valid = self.stack.predict_proba(runs) if in_sample else \
                cross_fitted(runs, y, p["C"], p["max_iter"], p["seed"])
            f1 = [micro_f1(lr_valid, y)] + [micro_f1(runs[i], y) for i in chosen]
            self.fitted.update(valid_micro_f1=f1, d=prior_bonus(f1).tolist(),
                               candidates=["lr"] + [f"run {i}" for i in chosen])
        return self

    def fuse(self, posteriors):
        runs = self.check(posteriors)
        require_fitted(self, len(runs))
        candidates = [self.stack.predict_proba(runs)] + [runs[i] for i in self.fitted["with"]]
        if self.prior:
            fused, _ = select_with_prior(candidates, self.fitted["valid_micro_f1"])
        else:
            fused, _ = select(candidates, [margins(c) for c in candidates])
        return np.asarray(fused)


class LRPrior(LREnsemble):
    name = "lr-prior"
    description = ("LR output fused again with single runs by the ensemble with micro-F1 prior "
                   "(eq. 5; paper 003, Table 5)")
    defaults = {**LREnsemble.defaults, "valid_lr": "cross-fitted"}
    prior = True

    def fit(self, valid_posteriors, y_valid):
        if self.params["valid_lr"] not in ("cross-fitted", "in-sample"):
            raise ValueError(f"valid_lr={self.params['valid_lr']!r}: expected 'cross-fitted' or 'in-sample'")
        return super().fit(valid_posteriors, y_valid)


@hookimpl
def harness_fusions():
    return [LREnsemble, LRPrior]
