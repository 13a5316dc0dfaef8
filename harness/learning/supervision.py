"""What a network is trained to output, for the three kinds of targets the core hands out.

* **classification** -- class posteriors per item, class-weighted cross-entropy,
  scored by UAR;
* **regression** -- one value per dimension per item (OMG arousal/valence,
  IEMOCAP V/A/D), loss ``1 − mean_k CCC_k`` over the batch, scored by the
  mean CCC over the dimensions;
* **time-continuous regression** -- one value per dimension per *frame*
  (RECOLA's 40 ms gold standard), the same CCC loss over the batch's valid
  frames, scored by the mean CCC over the concatenated frames of all items (the
  AVEC convention).

It also batches the inputs: (B, D) tensors for vectors, zero-padded (B, T, D)
tensors with lengths for frame sequences.  Method plugins use it so that one
training loop serves every task; nothing here knows about files or folds.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from harness.learning.method import FeatureSet
from harness.learning.metrics import ccc, classification_metrics
from harness.learning.nn import class_weights, pad_sequences, to_tensor


def ccc_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``1 − mean_k CCC_k`` of (N, K) predictions against (N, K) targets (population moments)."""
    mp, mt = pred.mean(dim=0), target.mean(dim=0)
    vp, vt = pred.var(dim=0, unbiased=False), target.var(dim=0, unbiased=False)
    cov = ((pred - mp) * (target - mt)).mean(dim=0)
    return 1.0 - (2 * cov / (vp + vt + (mp - mt) ** 2 + 1e-8)).mean()


def mean_ccc(truth: np.ndarray, values: np.ndarray) -> float:
    """Mean over the columns (dimensions) of Lin's CCC."""
    return float(np.mean([ccc(truth[:, k], values[:, k]) for k in range(truth.shape[1])]))


def frames(values: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """Per-frame values of all items stacked (sum T_i, K); arrays pass through."""
    return values if isinstance(values, np.ndarray) else np.concatenate(values)


class Supervision:
    """Targets, loss and score of one training set (see the module docstring)."""

    def __init__(self, data: FeatureSet, class_weighting: str = "balanced"):
        self.task = "classification" if data.targets is None else "regression"
        self.per_frame = data.time_continuous
        self.sequences = data.kind == "sequence"
        if self.per_frame and not self.sequences:
            raise ValueError("time-continuous targets need frame-sequence inputs")
        if self.task == "classification":
            self.n_outputs = data.n_classes
            self.y = torch.as_tensor(data.y, dtype=torch.long)
            self._ce = nn.CrossEntropyLoss(weight=class_weights(data.y, data.n_classes, class_weighting))
        else:
            self.n_outputs = len(data.dimensions)
            self.t = data.targets if self.per_frame else to_tensor(data.targets)
            self._median = np.median(frames(data.targets), axis=0)  # high/low split of batch_labels
        self._x = None if self.sequences else to_tensor(data.x)
        self.data = data

    # -- batches ---------------------------------------------------------------
    def inputs(self, index: np.ndarray, data: FeatureSet | None = None):
        """Network input of the items ``index`` of ``data`` (default: the training set)."""
        if data is None and not self.sequences:
            return self._x[index]
        data = data or self.data
        if data.kind != "sequence":
            return to_tensor(data.x[index])
        return pad_sequences([data.x[i] for i in index])

    def loss(self, outputs: torch.Tensor, index: np.ndarray, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Loss of a batch's outputs: (B, C) logits, (B, K) values or (B, T, K) per-frame values."""
        if self.task == "classification":
            return self._ce(outputs, self.y[index])
        if not self.per_frame:
            return ccc_loss(outputs, self.t[index])
        target, _ = pad_sequences([self.t[i] for i in index])
        mask = torch.arange(outputs.shape[1])[None, :] < lengths[:, None].to(outputs.device)
        return ccc_loss(outputs[mask], target.to(outputs.device)[mask])

    def batch_labels(self, index: np.ndarray) -> torch.Tensor:
        """Class indices of a batch (for terms like a triplet loss that need classes); for
        regression, high/low per dimension against the training median, combined."""
        if self.task == "classification":
            return self.y[index]
        values = np.stack([np.asarray(self.t[i], dtype=np.float64).mean(axis=0) if self.per_frame
                           else self.t[i].cpu().numpy() for i in index])
        bits = (values > self._median).astype(np.int64)
        return torch.as_tensor(bits @ (2 ** np.arange(bits.shape[1])), dtype=torch.long)

    # -- predictions -------------------------------------------------------------
    def finish(self, outputs: torch.Tensor, lengths: torch.Tensor | None = None) -> list[np.ndarray] | np.ndarray:
        """Predictions from raw outputs: posteriors, values, or a list of per-frame values."""
        if self.task == "classification":
            return torch.softmax(outputs, dim=1).detach().cpu().numpy()
        out = outputs.detach().cpu().numpy()
        if self.per_frame:
            return [out[i, :int(n)] for i, n in enumerate(lengths)]
        return out

    def predict(self, forward, data: FeatureSet, batch_size: int = 64):
        """``forward(inputs)`` over ``data`` in batches, finished as predictions."""
        parts: list = []
        if data.kind != "sequence":  # vectors in one pass (bit-identical to a plain forward)
            batch_size = max(1, len(data))
        for start in range(0, len(data), batch_size):
            index = np.arange(start, min(start + batch_size, len(data)))
            batch = self.inputs(index, data)
            lengths = batch[1] if isinstance(batch, tuple) else None
            parts.append(self.finish(forward(batch), lengths))
        if self.per_frame:
            return [p for part in parts for p in part]
        return np.concatenate(parts) if parts else np.zeros((0, self.n_outputs))

    def score(self, data: FeatureSet, predictions) -> float:
        """UAR (classification) or mean CCC over the dimensions (regression) on ``data``."""
        if self.task == "classification":
            return classification_metrics(data.y, np.asarray(predictions).argmax(axis=1), data.labels)["uar"]
        return mean_ccc(frames(data.targets), frames(predictions))
