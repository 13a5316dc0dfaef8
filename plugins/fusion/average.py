"""Weighted-average late fusion (the standard decision-level baseline).

``p(c|x) = Σ_m w_m p_m(c|x) / Σ_m w_m`` over the runs m being fused; equal
weights unless ``weights`` is given.  The "weighted averaging based on y_A and
y_V" of decision-level fusion in EmoBed (004, Fig. 2b) and the baseline of
paper 003.
"""

from __future__ import annotations

from harness.analysis.fusion import Fusion
from harness.hookspecs import hookimpl


class WeightedAverage(Fusion):
    name = "average"
    description = "weighted average of the runs' class posteriors (equal weights by default)"
    defaults = {"weights": None}

    def fuse(self, posteriors):
        arrays = self.check(posteriors)
        weights = self.params["weights"] or [1.0] * len(arrays)
        if len(weights) != len(arrays) or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(f"weights {weights} do not fit {len(arrays)} runs")
        fused = sum(w * a for w, a in zip(weights, arrays)) / float(sum(weights))
        return fused


@hookimpl
def harness_fusions():
    return [WeightedAverage]
