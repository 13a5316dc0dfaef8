"""CORAL on features — correlation alignment before training (Sun, Feng & Saenko, AAAI 2016).

"Return of frustratingly easy domain adaptation": the source features are whitened
with their own covariance and re-coloured with the target's,

    C_S = cov(D_S) + I,  C_T = cov(D_T) + I,   D_S* = D_S · C_S^{-1/2} · C_T^{1/2}   (Algorithm 1)

and a classifier trained on D_S* is applied to the target features as they are.  The
paper used a linear SVM; here the classifier is the ``svm`` plugin's RBF SVM with its
validation-chosen C and γ (the validation part, source items, is re-coloured too).
C_T comes from the target's unlabelled adaptation part (or its test items under
``cross-transductive``), never from labels: a feature-level unsupervised adaptation,
the common baseline of cross-corpus speech emotion work.
"""

from __future__ import annotations

import numpy as np

from harness.errors import HarnessError
from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet
from harness.plugins.methods.svm import SVM


def _power(cov: np.ndarray, exponent: float) -> np.ndarray:
    values, vectors = np.linalg.eigh(cov)
    return (vectors * np.clip(values, 1e-12, None) ** exponent) @ vectors.T


def coral_map(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The matrix that re-colours source features with the target covariance (identity added)."""
    d = source.shape[1]
    cs = np.cov(source, rowvar=False) + np.eye(d)
    ct = np.cov(target, rowvar=False) + np.eye(d)
    return _power(cs, -0.5) @ _power(ct, 0.5)


class CoralFeatures(SVM):
    name = "coral-features"
    description = "CORAL feature alignment (source re-coloured with the target covariance) + RBF SVM (Sun 2016)"
    uses_target_features = True
    selection = "grid of settings scored by UAR on the source validation part (re-coloured)"

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        if train.unlabelled is None or not len(train.unlabelled):
            raise HarnessError(f"method {self.name!r} needs unlabelled target features: run it under --protocol "
                               f"cross / multi (an unlabelled adaptation part) or cross-transductive")
        self.map = coral_map(np.asarray(train.x, dtype=np.float64), np.asarray(train.unlabelled.x, dtype=np.float64))
        return super().fit(train, valid, report)

    def transform(self, data: FeatureSet) -> np.ndarray:
        """Source (training and validation) features re-coloured; the target is predicted as it is."""
        return np.asarray(data.x, dtype=np.float64) @ self.map


@hookimpl
def harness_methods():
    return [CoralFeatures]
