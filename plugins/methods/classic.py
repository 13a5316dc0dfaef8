"""Classic monomodal recogniser — the baseline system of EmoBed (Han et al., 2019, paper 004).

EmoBed calls the system trained on one modality alone, without any crossmodal
term, the *classic* monomodal system.  On utterance-level features it is a
modality-specific subnetwork ``f_A`` into an E-dimensional embedding followed
by a shared recognition network ``g`` and a softmax:

    e_A = f_A(x_A),   p(y | x_A) = softmax(g(e_A)),
    J = L_A(p, y) + λ·‖θ‖²          (eq. 8 with α = β = 0)

with cross-entropy ``L_A``.  Paper settings (OMG-Emotion, section 4.2): one
hidden layer of 120 units for ``f_A`` and one for ``g``; Adam, learning rate
1e-3, L2 weight decay 1e-4, mini-batch 64; inputs standardised with training
statistics (the core's ``--norm``).  On frame sequences ``f_A`` is the paper's
GRU layer (its last state is the utterance embedding; with time-continuous
targets every frame's state goes through ``g``); on one utterance-level vector
it reduces to a dense layer.  Regression (arousal/valence) replaces the
softmax by a linear output per dimension and cross-entropy by ``1 − mean CCC``
(harness/learning/supervision.py); RECOLA's post-processing is the core's
(``--postprocess``).  Paper batch size: 64 (OMG), 4 (RECOLA).

Choices the paper leaves open, made here: ReLU activations, dropout 0.3,
class-balanced cross-entropy (the benchmarks report UAR), early stopping on the
validation UAR with patience, weights of the best validation epoch restored;
with the core's refit (default) fresh weights are then trained on training +
validation data for the selected number of epochs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet, Method
from harness.learning.nn import encoder, mlp
from harness.learning.space import Categorical, Float, Int
from harness.learning.supervision import Supervision
from harness.learning.training import EarlyStoppedEpochs, fit_with_early_stopping, seed_everything


class ClassicNet(nn.Module):
    """``f_A`` (modality-specific) then ``g`` (shared) then a linear output layer."""

    def __init__(self, kind: str, n_in: int, n_out: int, embedding: int, hidden: int,
                 dropout: float, activation: str, per_frame: bool = False):
        super().__init__()
        self.encoder = encoder(kind, n_in, embedding, dropout, activation, per_frame)
        self.shared = mlp(embedding, [hidden], dropout, activation)
        self.classifier = nn.Linear(hidden, n_out)

    def forward(self, x) -> torch.Tensor:
        return self.classifier(self.shared(self.encoder(x)))


def input_width(data: FeatureSet) -> int:
    return data.x.shape[1] if data.kind == "vector" else data.x[0].shape[-1]


class Classic(EarlyStoppedEpochs, Method):
    name = "classic"
    description = "classic monomodal network on utterance-level features or sequences (EmoBed's baseline, paper 004)"
    tasks = ("classification", "regression")
    inputs = ("vector", "sequence")
    space = {
        "lr": Float(1e-4, 1e-2, default=1e-3, log=True),
        "weight_decay": Float(1e-6, 1e-2, default=1e-4, log=True),
        "embedding": Int(16, 512, default=120, log=True),
        "hidden": Int(16, 512, default=120, log=True),
        "dropout": Float(0.0, 0.7, default=0.3),
        "batch_size": Categorical((4, 16, 32, 64, 128), default=64),
        "activation": Categorical(("relu", "tanh"), default="relu"),
        "class_weighting": Categorical(("balanced", "none"), default="balanced"),
    }
    budgets = {
        "smoke": {"max_epochs": 15, "patience": 5},
        "default": {"max_epochs": 300, "patience": 30},
        "paper": {"max_epochs": 300, "patience": 30},
    }

    def _train(self, train: FeatureSet, validate, max_epochs: int, report) -> dict:
        hp = self.hparams
        rng = seed_everything(self.seed)
        self.task = Supervision(train, hp["class_weighting"])
        self.net = ClassicNet(train.kind, input_width(train), self.task.n_outputs, hp["embedding"], hp["hidden"],
                              hp["dropout"], hp["activation"], self.task.per_frame)
        params = list(self.net.parameters()) + self._extra_parameters(train)
        optimizer = torch.optim.Adam(params, lr=hp["lr"], weight_decay=hp["weight_decay"])

        return fit_with_early_stopping(
            self.net, optimizer, self._batch_loss, validate, len(train), hp["batch_size"],
            max_epochs, self.settings["patience"], rng, report)

    def _batch_loss(self, index: np.ndarray) -> torch.Tensor:
        """The loss of one mini-batch of training items: ``L_A`` plus any added terms."""
        batch = self.task.inputs(index)
        embedding = self.net.encoder(batch)
        outputs = self.net.classifier(self.net.shared(embedding))
        lengths = batch[1] if isinstance(batch, tuple) else None
        return self._add_terms(self.task.loss(outputs, index, lengths), embedding, index)

    # Hooks for methods that change this objective: extra trainable parameters, created after
    # the network, and terms added to a batch's loss (EmoBed, the alignment methods); a method
    # that reweights or mixes the batch itself overrides _batch_loss (GroupDRO, mixup).
    def _extra_parameters(self, train: FeatureSet) -> list[torch.nn.Parameter]:
        return []

    def _add_terms(self, loss: torch.Tensor, embedding: torch.Tensor, index: np.ndarray) -> torch.Tensor:
        return loss

    def predict(self, data: FeatureSet):
        self.net.eval()
        with torch.no_grad():
            return self.task.predict(self.net, data)


@hookimpl
def harness_methods():
    return [Classic]
