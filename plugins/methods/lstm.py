"""Per-modality LSTM recogniser of paper 003 (Huang et al., 2018, section 4.1).

Frame-level features (in the paper: bottleneck features of a speech-recognition
DNN for audio, CNN features of face crops for video) go through one dense hidden
layer, one LSTM layer and a softmax layer:

    h_t = φ(W_h x_t + b_h),                     t = 1..T   (hidden layer, 128 units)
    (o_t, c_t) = LSTM(h_t, o_{t-1}, c_{t-1})               (LSTM layer, 128 units)
    p(y | x_{1..T}) = softmax(W_s · dropout(o_T) + b_s)

"The hidden layer and LSTM layer both have 128 nodes and the weight decay in
the softmax regression layer is 0.0001.  We use dropout after LSTM with the rate
0.5.  The visual network architecture is the same as the audio network
architecture except different dimensional input."  Hyperparameters were "chosen
by the prediction accuracy in the validation set".

The utterance decision is made from the LSTM's state at an item's last real
frame (``readout=last``, the paper's reading) or from the mean of its outputs
over the real frames (``readout=mean``): batches are zero-padded
(:func:`harness.nn.pad_sequences`) and packed (``pack_padded_sequence``), so
padding never enters the recurrence or the mean, and an item gets the same
posteriors alone or batched with longer items.

``frame_pool=k`` averages non-overlapping windows of k frames (the last window
may be shorter) before the hidden layer: 10 ms acoustic descriptors pooled to
50-100 ms make the recurrence 5-10x shorter and faster.  Default 1 (the frames
as the extractor gives them).

Choices the paper leaves open, made here: ReLU on the hidden layer, Adam
(learning rate 1e-3) with the weight decay on the softmax layer only, batch
size 32, class-balanced cross-entropy (the benchmarks report UAR), early
stopping on the validation UAR with patience and the best epoch's weights
restored; with the core's refit (default) fresh weights are then trained on
training + validation data for the selected number of epochs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch
from torch import nn

from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet, Method
from harness.learning.nn import ACTIVATIONS
from harness.learning.space import Categorical, Float, Int
from harness.learning.supervision import Supervision
from harness.learning.training import EarlyStoppedEpochs, fit_with_early_stopping, seed_everything


#: items per forward pass at prediction time (memory only: results do not depend on it)
class LSTMNet(nn.Module):
    """Dense hidden layer per frame -> LSTM -> dropout -> linear (softmax in the loss)."""

    def __init__(self, n_in: int, n_classes: int, hidden: int, units: int, dropout: float, activation: str,
                 readout: str = "last"):
        super().__init__()
        self.readout = readout
        self.hidden = nn.Sequential(nn.Linear(n_in, hidden), ACTIVATIONS[activation]())
        self.lstm = nn.LSTM(hidden, units, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(units, n_classes)

    def forward(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, lengths = batch
        # lengths must live on the CPU for packing, whatever the device of x
        packed = nn.utils.rnn.pack_padded_sequence(self.hidden(x), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        outputs, (last, _) = self.lstm(packed)
        if self.readout == "last":  # state at each item's last real frame
            state = last[-1]
        else:  # mean over the real frames; padded outputs are zeros and not counted
            padded, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True)
            state = padded.sum(dim=1) / lengths.to(padded.device)[:, None].to(padded.dtype)
        return self.classifier(self.dropout(state))


def _sequences(data: FeatureSet) -> list[np.ndarray]:
    """The items' (T_i, D) arrays, checked: a list of 2-D arrays with at least one frame."""
    if isinstance(data.x, np.ndarray) or not isinstance(data.x, (list, tuple)):
        raise ValueError("lstm needs sequence features (one (T, D) array per item, e.g. egemaps-lld or "
                         f"face-hog-seq); got {type(data.x).__name__} of kind {getattr(data, 'kind', '?')!r}")
    bad = [k for k, x in zip(data.keys, data.x) if np.ndim(x) != 2 or len(x) == 0]
    if bad:
        raise ValueError(f"lstm: {len(bad)} item(s) without a (T >= 1, D) frame sequence, e.g. {bad[:3]}")
    return list(data.x)


def pool_frames(x: np.ndarray, k: int) -> np.ndarray:
    """Means of non-overlapping windows of ``k`` frames of a (T, D) sequence: (ceil(T/k), D)."""
    if k <= 1:
        return x
    starts = np.arange(0, len(x), k)
    return (np.add.reduceat(x, starts, axis=0) / np.diff(np.append(starts, len(x)))[:, None]).astype(x.dtype)


def _pooled(data: FeatureSet, k: int) -> FeatureSet:
    return data if k <= 1 else replace(data, x=[pool_frames(x, k) for x in _sequences(data)])


class LSTM(EarlyStoppedEpochs, Method):
    name = "lstm"
    description = "dense 128 -> LSTM 128 -> softmax on frame sequences, one model per modality (paper 003)"
    tasks = ("classification",)
    inputs = ("sequence",)
    space = {
        "lr": Float(1e-4, 1e-2, default=1e-3, log=True),
        "weight_decay": Float(1e-6, 1e-2, default=1e-4, log=True),
        "hidden": Int(16, 512, default=128, log=True),
        "units": Int(16, 512, default=128, log=True),
        "dropout": Float(0.0, 0.7, default=0.5),
        "batch_size": Categorical((8, 16, 32, 64), default=32),
        "activation": Categorical(("relu", "tanh"), default="relu"),
        "class_weighting": Categorical(("balanced", "none"), default="balanced"),
        "readout": Categorical(("last", "mean"), default="last"),
        "frame_pool": Categorical((1, 2, 5, 10, 20), default=1),
    }
    # the paper gives no epoch count: "paper" uses the same early-stopped schedule as "default"
    budgets = {
        "smoke": {"max_epochs": 15, "patience": 5},
        "default": {"max_epochs": 100, "patience": 15},
        "paper": {"max_epochs": 100, "patience": 15},
    }

    def _train(self, train: FeatureSet, validate, max_epochs: int, report) -> dict:
        hp = self.hparams
        train = _pooled(train, hp["frame_pool"])
        xs = _sequences(train)
        rng = seed_everything(self.seed)
        self.task = Supervision(train, hp["class_weighting"])
        self.net = LSTMNet(xs[0].shape[1], train.n_classes, hp["hidden"], hp["units"], hp["dropout"],
                           hp["activation"], hp["readout"])
        classifier = [p for n, p in self.net.named_parameters() if n.startswith("classifier.")]
        rest = [p for n, p in self.net.named_parameters() if not n.startswith("classifier.")]
        optimizer = torch.optim.Adam([{"params": rest, "weight_decay": 0.0},
                                      {"params": classifier, "weight_decay": hp["weight_decay"]}], lr=hp["lr"])

        def batch_loss(index: np.ndarray) -> torch.Tensor:
            return self.task.loss(self.net(self.task.inputs(index)), index)

        return fit_with_early_stopping(self.net, optimizer, batch_loss, validate, len(xs), hp["batch_size"],
                                       max_epochs, self.settings["patience"], rng, report)

    def predict(self, data: FeatureSet) -> np.ndarray:
        return self._posteriors(_pooled(data, self.hparams["frame_pool"]))

    def _posteriors(self, data: FeatureSet) -> np.ndarray:
        _sequences(data)
        self.net.eval()
        with torch.no_grad():
            return self.task.predict(self.net, data).astype(np.float64)


@hookimpl
def harness_methods():
    return [LSTM]
