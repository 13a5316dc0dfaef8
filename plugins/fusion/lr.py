"""Logistic-regression fusion (LR) of paper 003 (Huang et al., 2018, section 2.2 and Table 3).

The class posteriors of the R runs being fused are concatenated into one
feature vector per item and a multinomial logistic regression maps it to the
fused posteriors:

    z = [p_1(·|x) | ... | p_R(·|x)] ∈ R^{R·C},
    p(c|x) = exp(w_c·z + b_c) / Σ_k exp(w_k·z + b_k),

with (w, b) fitted on the *validation* items' posteriors and labels only,
L2-penalised with inverse strength ``C`` (scikit-learn's LogisticRegression,
lbfgs, deterministic).  The paper "regards [the posteriors] as intermediate
features to train recognition models" and gives no regularisation; ``C = 1``
(scikit-learn's default) is our choice.  A class absent from the validation
labels gets fused posterior 0; fewer than two validation classes is an error.
"""

from __future__ import annotations

from harness.analysis.fusion import Fusion
from harness.hookspecs import hookimpl
from harness.plugins.fusion._rules import LogisticStack, check_targets, require_fitted


class LogisticFusion(Fusion):
    name = "lr"
    description = "logistic regression on the concatenated posteriors, fitted on validation (paper 003)"
    version = "1"
    defaults = {"C": 1.0, "max_iter": 1000, "seed": 0}

    fitted: dict | None = None

    def fit(self, valid_posteriors, y_valid):
        runs = self.check(valid_posteriors)
        y = check_targets(runs, y_valid)
        self.stack = LogisticStack(self.params["C"], self.params["max_iter"], self.params["seed"]).fit(runs, y)
        self.fitted = {"runs": len(runs), "lr": self.stack.summary()}
        return self

    def fuse(self, posteriors):
        runs = self.check(posteriors)
        require_fitted(self, len(runs))
        return self.stack.predict_proba(runs)


@hookimpl
def harness_fusions():
    return [LogisticFusion]
