"""Shared parts of the scikit-learn learners (svm, logreg, coral-features): selection of their
regularisation on the inner validation part, the refit with the selected values, posteriors
over every class of the run."""

from __future__ import annotations

import itertools

import numpy as np

from harness.errors import HarnessError
from harness.learning.method import FeatureSet, Method
from harness.learning.metrics import classification_metrics


class SklearnLearner(Method):
    """A scikit-learn estimator on utterance vectors, its settings selected on the validation part.

    With ``grid`` (default) the settings are chosen from :meth:`grid` by the validation UAR (ties:
    the first in the grid's order), then the model is fitted on the training part with them; the
    core's refit fits again on training + validation.  Without ``grid`` the declared values are
    used as given (``--hp``, or Optuna with ``--trials``)."""

    inputs = ("vector",)
    tasks = ("classification",)
    budgets = {"smoke": {}, "default": {}, "paper": {}}
    selection = "grid of settings scored by UAR on the inner validation part"

    def grid(self, train: FeatureSet) -> list[dict]:
        raise NotImplementedError

    def estimator(self, settings: dict):
        raise NotImplementedError

    def posteriors(self, model, x: np.ndarray) -> np.ndarray:
        return model.predict_proba(x)

    def transform(self, data: FeatureSet) -> np.ndarray:
        """The features the estimator sees (coral-features re-colours the source's)."""
        return np.asarray(data.x, dtype=np.float64)

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        if len(set(train.y.tolist())) < 2:
            raise HarnessError(f"{self.name}: the training part holds fewer than two classes")
        x = self.transform(train)
        tried = []
        if self.hparams.get("grid", True) and len(valid):
            xv = self.transform(valid)
            for settings in self.grid(train):
                model = self.estimator(settings).fit(x, train.y)
                uar = classification_metrics(valid.y, self._full(model, xv, train).argmax(1), valid.labels)["uar"]
                tried.append({**settings, "valid_uar": round(float(uar), 6)})
                if report is not None:
                    report(len(tried), uar)
            best = max(range(len(tried)), key=lambda i: (tried[i]["valid_uar"], -i))
            chosen = {k: v for k, v in tried[best].items() if k != "valid_uar"}
        else:
            chosen = self.declared()
        self.chosen = chosen
        self.model = self.estimator(chosen).fit(x, train.y)
        self._classes = train.n_classes
        return {"chosen": chosen, "grid": tried}

    def declared(self) -> dict:
        raise NotImplementedError

    def refit(self, train: FeatureSet, selection: dict) -> dict:
        self.model = self.estimator(selection["chosen"]).fit(self.transform(train), train.y)
        return {"chosen": selection["chosen"]}

    def _full(self, model, x: np.ndarray, like: FeatureSet) -> np.ndarray:
        """Posteriors over every class of the run (a class absent from training gets 0)."""
        p = self.posteriors(model, x)
        out = np.zeros((len(x), like.n_classes))
        out[:, model.classes_] = p
        return out

    def predict(self, data: FeatureSet) -> np.ndarray:
        return self._full(self.model, np.asarray(data.x, dtype=np.float64), data)


def product(**axes) -> list[dict]:
    """Every combination of the axes' values, in order."""
    names = list(axes)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*axes.values())]


def softmax(scores: np.ndarray) -> np.ndarray:
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
