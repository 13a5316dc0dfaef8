"""The training loop methods share: seeded mini-batches and early stopping.

The loop owns epochs, shuffling, validation and restoring the best weights;
a method supplies the model, the optimiser, the loss of one mini-batch and the
validation score (higher is better, computed on the validation part only).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator

import numpy as np
import torch


def seed_everything(seed: int) -> np.random.Generator:
    """Seed torch, numpy and random for one fit; return the fit's numpy generator."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng(seed)


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index arrays of one shuffled epoch."""
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]


def fit_with_early_stopping(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batch_loss: Callable[[np.ndarray], torch.Tensor],
    validate: Callable[[], float] | None,
    n_train: int,
    batch_size: int,
    max_epochs: int,
    patience: int,
    rng: np.random.Generator,
    report: Callable[[int, float], None] | None = None,
) -> dict:
    """Train for at most ``max_epochs``; stop after ``patience`` epochs without a
    better validation score and restore the weights of the best epoch.

    ``report(epoch, score)`` is called after every epoch (a tuner's pruner can
    hook in here).  Without ``validate`` the loop trains exactly ``max_epochs``
    (a refit on training + validation data with the selected epoch count).
    Returns ``{"best_epoch", "best_score", "epochs"}``.
    """
    best_score, best_epoch, best_state = -np.inf, 0, copy.deepcopy(model.state_dict())
    epoch = 0
    for epoch in range(1, max_epochs + 1):
        model.train()
        for index in minibatches(n_train, batch_size, rng):
            if len(index) < 2 and n_train >= 2:
                continue  # a batch of one breaks normalisation layers and adds only noise
            optimizer.zero_grad()
            loss = batch_loss(index)
            loss.backward()
            optimizer.step()
        model.eval()
        if validate is None:
            continue
        with torch.no_grad():
            score = float(validate())
        if report is not None:
            report(epoch, score)
        if score > best_score:
            best_score, best_epoch, best_state = score, epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= patience:
            break
    if validate is None:
        return {"best_epoch": epoch, "best_score": None, "epochs": epoch}
    model.load_state_dict(best_state)
    model.eval()
    return {"best_epoch": best_epoch, "best_score": best_score, "epochs": epoch}


class EarlyStoppedEpochs:
    """``fit`` / ``refit`` of a network trained by :func:`fit_with_early_stopping`.

    ``fit`` stops early on the validation score of ``self.task`` (a
    :class:`harness.supervision.Supervision`); ``refit`` trains fresh weights (same
    seed) on training + validation data for the number of epochs early stopping
    chose.  The method supplies ``_train(train, validate, max_epochs, report)``."""

    def fit(self, train, valid, report=None) -> dict:
        def validate() -> float:
            return self.task.score(valid, self.predict(valid))

        return self._train(train, validate, self.settings["max_epochs"], report)

    def refit(self, train, selection: dict) -> dict:
        return self._train(train, None, max(1, selection["best_epoch"]), None)
