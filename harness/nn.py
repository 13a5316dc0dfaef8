"""Small network building blocks shared by method plugins."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "leaky_relu": nn.LeakyReLU}


def mlp(n_in: int, widths: Sequence[int], dropout: float = 0.0, activation: str = "relu") -> nn.Sequential:
    """Dense layers ``n_in -> widths[0] -> ... -> widths[-1]``, each followed by
    the activation and dropout."""
    layers: list[nn.Module] = []
    for width in widths:
        layers += [nn.Linear(n_in, width), ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers)


def class_weights(y, n_classes: int, scheme: str) -> torch.Tensor | None:
    """Cross-entropy class weights: ``none`` or ``balanced`` (n / (C * n_c))."""
    if scheme == "none":
        return None
    counts = torch.bincount(torch.as_tensor(y), minlength=n_classes).float()
    weights = counts.sum() / (n_classes * counts.clamp(min=1))
    return weights


def to_tensor(x) -> torch.Tensor:
    return torch.as_tensor(x, dtype=torch.float32)
