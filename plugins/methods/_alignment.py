"""Shared parts of the unsupervised domain-adaptation methods (dann, coral, mmd): the alignment
losses, gradient reversal, batches of unlabelled target items, and the classic network that
adds an alignment term between a labelled source batch and an unlabelled target batch."""

from __future__ import annotations

import numpy as np
import torch

from harness.errors import HarnessError
from harness.learning.method import FeatureSet
from harness.learning.nn import pad_sequences, to_tensor
from harness.plugins.methods.classic import Classic


class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lam):
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.lam * grad, None


def grad_reverse(x: torch.Tensor, lam: float = 1.0) -> torch.Tensor:
    """Identity forward; the gradient multiplied by ``-lam`` backward (Ganin & Lempitsky, 2015)."""
    return _Reverse.apply(x, lam)


def covariance(h: torch.Tensor) -> torch.Tensor:
    """Unbiased (d, d) covariance of the rows of ``h``."""
    centred = h - h.mean(dim=0, keepdim=True)
    return centred.T @ centred / max(len(h) - 1, 1)


def coral_loss(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Deep CORAL (Sun & Saenko, 2016, eq. 1): ``‖C_S − C_T‖²_F / (4 d²)``."""
    d = source.shape[1]
    return ((covariance(source) - covariance(target)) ** 2).sum() / (4 * d * d)


def mk_mmd(source: torch.Tensor, target: torch.Tensor, scales=(0.125, 0.25, 0.5, 1.0, 2.0)) -> torch.Tensor:
    """Squared multi-kernel MMD (Long et al., 2015): the biased estimate with a sum of Gaussian
    kernels ``exp(−‖a − b‖² / (s·σ²))``, σ² the mean squared distance of the pooled batch (a data
    bandwidth, as DAN and TLlib set it), ``s`` over ``scales``."""
    z = torch.cat([source, target])
    d2 = torch.cdist(z, z) ** 2
    sigma2 = d2.detach().sum() / max(len(z) ** 2 - len(z), 1)
    k = sum(torch.exp(-d2 / (s * sigma2 + 1e-12)) for s in scales)
    n = len(source)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


class TargetBatches:
    """Seeded mini-batches of the unlabelled target items, as network inputs."""

    def __init__(self, data: FeatureSet, seed: int):
        self.data, self.rng = data, np.random.default_rng(seed)
        self._x = None if data.kind == "sequence" else to_tensor(np.asarray(data.x))

    def __call__(self, size: int):
        index = self.rng.choice(len(self.data), size=min(size, len(self.data)), replace=len(self.data) < size)
        if self._x is not None:
            return self._x[index]
        return pad_sequences([self.data.x[i] for i in index])


class Aligned(Classic):
    """The classic network plus ``weight · alignment(source batch, target batch)`` on each step.

    Subclasses define :meth:`alignment`.  The labelled data are the sources' only; the target
    enters as unlabelled features (``train.unlabelled``, given by the core under the adaptation
    protocols); model selection is on the source validation part, as the core hands it out.
    """

    uses_target_features = True
    selection = "source validation part (no target labels)"

    def _extra_parameters(self, train: FeatureSet) -> list[torch.nn.Parameter]:
        if train.unlabelled is None or not len(train.unlabelled):
            raise HarnessError(f"method {self.name!r} adapts to unlabelled target data, which this protocol does "
                               f"not give: run it under --protocol cross / multi (an unlabelled adaptation part of "
                               f"the target) or cross-transductive")
        self.target = TargetBatches(train.unlabelled, self.seed + 7919)
        self._step = 0
        n_batches = -(-len(train) // self.hparams["batch_size"])
        self._total = max(1, n_batches * self.settings["max_epochs"])
        return self._alignment_parameters()

    def _alignment_parameters(self) -> list[torch.nn.Parameter]:
        return []

    def _add_terms(self, loss: torch.Tensor, embedding: torch.Tensor, index: np.ndarray) -> torch.Tensor:
        self._step += 1
        target = self.net.encoder(self.target(len(index)))
        return loss + self.hparams["weight"] * self.alignment(embedding, target, self._step / self._total)

    def alignment(self, source: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
        raise NotImplementedError
