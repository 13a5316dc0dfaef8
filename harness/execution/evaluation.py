"""Scoring a method's outputs on one part of a fold and turning them into stored predictions.

Classification: class posteriors (N, C), the metrics of harness/learning/metrics.py,
one prediction per item (true and predicted label, posteriors).  Regression:
values (N, K), or per-frame values (a list of (T_i, K)) for time-continuous
targets; CCC, PCC, RMSE and MAE per dimension over all items' frames
concatenated (the AVEC convention) and their means over the dimensions
(``ccc``, ``pcc``, ...), one prediction per item holding its predicted values
(row-major, frames × dimensions).
"""

from __future__ import annotations

import numpy as np

from harness.errors import HarnessError
from harness.learning.method import FeatureSet
from harness.learning.metrics import classification_metrics, regression_metrics
from harness.learning.supervision import frames
from harness.results.store import Prediction


def checked_outputs(method: str, data: FeatureSet, outputs):
    """The outputs of ``method`` on ``data`` as arrays of the expected shapes, or a clear error."""
    if data.time_continuous:
        if not isinstance(outputs, (list, tuple)) or len(outputs) != len(data):
            raise HarnessError(f"method {method!r} must return one (T_i, K) array per item for "
                               f"time-continuous targets (got {type(outputs).__name__})")
        out = [np.asarray(o, dtype=np.float64) for o in outputs]
        for o, t, key in zip(out, data.targets, data.keys):
            if o.shape != t.shape:
                raise HarnessError(f"method {method!r} returned {o.shape} for {key}, expected {t.shape}")
        return out
    out = np.asarray(outputs, dtype=np.float64)
    width = data.n_classes if data.targets is None else len(data.dimensions)
    if out.shape != (len(data), width):
        raise HarnessError(f"method {method!r} returned outputs of shape {out.shape}, "
                           f"expected {(len(data), width)}")
    return out


def metrics_of(data: FeatureSet, outputs) -> dict:
    if data.targets is None:
        return classification_metrics(data.y, outputs.argmax(axis=1), list(data.labels), outputs)
    truth, values = frames(data.targets), frames(outputs)
    per_dim = {d: regression_metrics(truth[:, k], values[:, k]) for k, d in enumerate(data.dimensions)}
    metrics: dict = {name: float(np.mean([m[name] for m in per_dim.values()]))
                     for name in ("ccc", "pcc", "rmse", "mae")}
    metrics["n"] = int(len(truth))
    metrics["items"] = len(data)
    for d, m in per_dim.items():
        metrics.update({f"{name}_{d}": m[name] for name in ("ccc", "pcc", "rmse", "mae")})
    return metrics


def predictions_of(data: FeatureSet, outputs, items: dict, part: str = "test") -> list[Prediction]:
    """One stored prediction per item of ``data``."""
    if data.targets is None:
        pred = outputs.argmax(axis=1)
        return [Prediction(k, items[k].speaker, items[k].label, data.labels[p], list(row), part)
                for k, p, row in zip(data.keys, pred, outputs)]
    return [Prediction(k, items[k].speaker, None, None, list(np.ravel(row)), part)
            for k, row in zip(data.keys, outputs)]


def segment_metrics(data: FeatureSet, scores: np.ndarray, owner: np.ndarray) -> dict:
    """Accuracy and UAR over segments (each segment labelled with its utterance's label): the figure
    papers 000 and 001 report next to the utterance-level one."""
    owner = np.asarray(owner)
    if data.y is None or len(owner) != len(scores) or (len(owner) and owner.max() >= len(data)):
        return {}
    truth, pred = data.y[owner], np.asarray(scores).argmax(axis=1)
    seg = classification_metrics(truth, pred, list(data.labels))
    return {"segment_accuracy": float(np.mean(truth == pred)), "segment_uar": float(seg["uar"]),
            "segments": int(len(owner))}
