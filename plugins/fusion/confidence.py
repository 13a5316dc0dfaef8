"""Ensemble method with confidence (eq. 3 of paper 003, Huang et al., 2018, after Huang et al. [17]).

For every item each run's confidence is the difference between its top two
posteriors; the item takes the decision -- here: the whole posterior row -- of
the most confident run.  For two runs v and a (eq. 3):

    l = m  if (y^v_{1,m} - y^v_{2,n}) >= (y^a_{1,i} - y^a_{2,j}),   else i,

where y_{1,·}, y_{2,·} are a run's top two posteriors and m, i their classes.
With R runs: ``r* = argmax_r (y^r_1 - y^r_2)``, fused ``p(·|x) = p_{r*}(·|x)``.
Ties go to the run given first (eq. 3's ``>=`` keeps v, its first run).
Nothing is learnt: ``fit`` only checks its input.
"""

from __future__ import annotations

from harness.analysis.fusion import Fusion
from harness.hookspecs import hookimpl
from harness.plugins.fusion._rules import check_targets, margins, select


class ConfidenceFusion(Fusion):
    name = "confidence"
    description = "per item the run with the largest top-1 minus top-2 posterior margin (eq. 3, paper 003)"
    version = "1"

    def fit(self, valid_posteriors, y_valid):
        check_targets(self.check(valid_posteriors), y_valid)
        return self

    def fuse(self, posteriors):
        runs = self.check(posteriors)
        fused, _ = select(runs, [margins(r) for r in runs])
        return fused


@hookimpl
def harness_fusions():
    return [ConfidenceFusion]
