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
statistics (the core's ``--norm``).  The paper's recurrent layers (GRU) reduce
to dense layers on one utterance-level vector; sequences are a later option.

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
from harness.method import FeatureSet, Method
from harness.metrics import classification_metrics
from harness.nn import class_weights, mlp, to_tensor
from harness.space import Categorical, Float, Int
from harness.training import fit_with_early_stopping, seed_everything


class ClassicNet(nn.Module):
    """``f_A`` (modality-specific) then ``g`` (shared) then a linear classifier."""

    def __init__(self, n_in: int, n_classes: int, embedding: int, hidden: int,
                 dropout: float, activation: str):
        super().__init__()
        self.encoder = mlp(n_in, [embedding], dropout, activation)
        self.shared = mlp(embedding, [hidden], dropout, activation)
        self.classifier = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.shared(self.encoder(x)))


class Classic(Method):
    name = "classic"
    description = "classic monomodal network on utterance-level features (EmoBed's baseline, paper 004)"
    tasks = ("classification",)
    inputs = "vector"
    space = {
        "lr": Float(1e-4, 1e-2, default=1e-3, log=True),
        "weight_decay": Float(1e-6, 1e-2, default=1e-4, log=True),
        "embedding": Int(16, 512, default=120, log=True),
        "hidden": Int(16, 512, default=120, log=True),
        "dropout": Float(0.0, 0.7, default=0.3),
        "batch_size": Categorical((16, 32, 64, 128), default=64),
        "activation": Categorical(("relu", "tanh"), default="relu"),
        "class_weighting": Categorical(("balanced", "none"), default="balanced"),
    }
    budgets = {
        "smoke": {"max_epochs": 15, "patience": 5},
        "default": {"max_epochs": 300, "patience": 30},
        "paper": {"max_epochs": 300, "patience": 30},
    }

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        def validate() -> float:
            pred = self.predict(valid).argmax(axis=1)
            return classification_metrics(valid.y, pred, valid.labels)["uar"]

        return self._train(train, validate, self.settings["max_epochs"], report)

    def refit(self, train: FeatureSet, selection: dict) -> dict:
        """Fresh weights (same seed) trained on training + validation data for the
        number of epochs that early stopping chose."""
        return self._train(train, None, max(1, selection["best_epoch"]), None)

    def _train(self, train: FeatureSet, validate, max_epochs: int, report) -> dict:
        hp = self.hparams
        rng = seed_everything(self.seed)
        self.net = ClassicNet(train.x.shape[1], train.n_classes, hp["embedding"], hp["hidden"],
                              hp["dropout"], hp["activation"])
        params = list(self.net.parameters()) + self._extra_parameters(train)
        x, y = to_tensor(train.x), torch.as_tensor(train.y, dtype=torch.long)
        loss_fn = nn.CrossEntropyLoss(weight=class_weights(train.y, train.n_classes, hp["class_weighting"]))
        optimizer = torch.optim.Adam(params, lr=hp["lr"], weight_decay=hp["weight_decay"])

        def batch_loss(index: np.ndarray) -> torch.Tensor:
            embedding = self.net.encoder(x[index])
            return self._add_terms(loss_fn(self.net.classifier(self.net.shared(embedding)), y[index]),
                                   embedding, y[index])

        return fit_with_early_stopping(
            self.net, optimizer, batch_loss, validate, len(train), hp["batch_size"],
            max_epochs, self.settings["patience"], rng, report)

    # Hooks for methods that add terms to this objective (EmoBed): extra trainable
    # parameters, created after the network, and terms added to a target batch's loss.
    def _extra_parameters(self, train: FeatureSet) -> list[torch.nn.Parameter]:
        return []

    def _add_terms(self, loss: torch.Tensor, embedding: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return loss

    def predict(self, data: FeatureSet) -> np.ndarray:
        self.net.eval()
        with torch.no_grad():
            return torch.softmax(self.net(to_tensor(data.x)), dim=1).numpy()


@hookimpl
def harness_methods():
    return [Classic]
