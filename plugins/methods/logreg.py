"""Logistic regression on utterance-level features (scikit-learn, multinomial).

``min_w  −Σ_i log softmax(W x_i + b)_{y_i} + ‖W‖² / (2C)``, L-BFGS, class weights
inversely proportional to class frequencies.  C is chosen on the fold's inner
validation part from {0.01, 0.1, 1, 10, 100}, then the core refits on training +
validation with it.  Posteriors are the model's own probabilities.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet
from harness.learning.space import Categorical, Float
from harness.plugins.methods._classic_learners import SklearnLearner, product


class LogReg(SklearnLearner):
    name = "logreg"
    description = "multinomial logistic regression (scikit-learn), C chosen on the inner validation part"
    space = {"C": Float(1e-4, 1e4, default=1.0, log=True),
             "grid": Categorical((True, False), default=True),
             "class_weighting": Categorical(("balanced", "none"), default="balanced")}

    def grid(self, train: FeatureSet) -> list[dict]:
        return product(C=[0.01, 0.1, 1.0, 10.0, 100.0])

    def declared(self) -> dict:
        return {"C": self.hparams["C"]}

    def estimator(self, settings: dict):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=settings["C"], max_iter=3000,
                                  class_weight="balanced" if self.hparams["class_weighting"] == "balanced" else None)


@hookimpl
def harness_methods():
    return [LogReg]
