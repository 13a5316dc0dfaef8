"""Ensemble method with prior knowledge from micro-F1 (eq. 5 of paper 003, Huang et al., 2018).

As the ensemble with confidence (eq. 3), but the run that scored the higher
micro-F1 (eq. 4; = accuracy for single-label data) on the *validation* items
gets a bonus d, the positive difference of the two micro-F1 values.  With v the
better run (eq. 5):

    l = m  if (y^v_{1,m} - y^v_{2,n}) + d >= (y^a_{1,i} - y^a_{2,j}),   else i.

"The value of d is obtained from the validation set and applied in the test
set" (section 4.3): ``fit`` measures each run's validation micro-F1, ``fuse``
applies the bonus.  More than two runs: run r gets ``d_r = F1_r - min_s F1_s``
and the item takes the run maximising ``margin_r + d_r``; this is the run that
eq. 5, applied to each pair, prefers over every other run.  Ties go to the run
with the higher validation micro-F1 (eq. 5's ``>=``), then to the run given first.
"""

from __future__ import annotations

from harness.analysis.fusion import Fusion
from harness.hookspecs import hookimpl
from harness.plugins.fusion._rules import check_targets, micro_f1, prior_bonus, require_fitted, select_with_prior


class PriorFusion(Fusion):
    name = "prior"
    description = "confidence ensemble with a validation micro-F1 bonus d for the better run (eq. 5, paper 003)"
    version = "1"

    fitted: dict | None = None

    def fit(self, valid_posteriors, y_valid):
        runs = self.check(valid_posteriors)
        y = check_targets(runs, y_valid)
        f1 = [micro_f1(r, y) for r in runs]
        self.fitted = {"runs": len(runs), "valid_micro_f1": f1, "d": prior_bonus(f1).tolist()}
        return self

    def fuse(self, posteriors):
        runs = self.check(posteriors)
        require_fitted(self, len(runs))
        fused, _ = select_with_prior(runs, self.fitted["valid_micro_f1"])
        return fused


@hookimpl
def harness_fusions():
    return [PriorFusion]
