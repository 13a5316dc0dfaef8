"""Small network building blocks shared by method plugins."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
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


# -- ragged inputs ---------------------------------------------------------------
def pad_sequences(xs: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Zero-padded batch (B, T_max, D) of (T_i, D) sequences and their lengths (B,) int64."""
    lengths = torch.as_tensor([len(x) for x in xs], dtype=torch.int64)
    if len(xs) == 0 or int(lengths.min()) < 1:
        raise ValueError("pad_sequences needs at least one sequence, each with at least one frame")
    dim = xs[0].shape[1:]
    batch = np.zeros((len(xs), int(lengths.max()), *dim), dtype=np.float32)
    for i, x in enumerate(xs):
        batch[i, :len(x)] = x
    return torch.as_tensor(batch), lengths


def flatten_segments(xs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """All segments of all items stacked (sum S_i, ...) and the item each belongs to (sum S_i,)."""
    if len(xs) == 0:
        raise ValueError("flatten_segments needs at least one item")
    owner = np.repeat(np.arange(len(xs)), [len(x) for x in xs]).astype(np.int64)
    return np.concatenate([np.asarray(x, dtype=np.float32) for x in xs]), owner


def pool_segments(scores: np.ndarray, owner: np.ndarray, n_items: int) -> np.ndarray:
    """Item scores (n_items, C): the mean of each item's segment scores (the papers'
    utterance-level decision from segment posteriors)."""
    scores = np.asarray(scores, dtype=np.float64)
    counts = np.bincount(owner, minlength=n_items).astype(np.float64)
    if np.any(counts == 0):
        raise ValueError(f"{int((counts == 0).sum())} item(s) without any segment")
    out = np.zeros((n_items, scores.shape[1]))
    np.add.at(out, owner, scores)
    return out / counts[:, None]


class SequenceEncoder(nn.Module):
    """A GRU layer over zero-padded frame sequences (padding never enters the state),
    followed by the activation and dropout; returns the last valid state (B, E) or,
    with ``per_frame``, every frame's state (B, T, E)."""

    def __init__(self, n_in: int, width: int, dropout: float = 0.0, activation: str = "relu",
                 per_frame: bool = False):
        super().__init__()
        self.gru = nn.GRU(n_in, width, batch_first=True)
        after: list[nn.Module] = [ACTIVATIONS[activation]()]
        if dropout > 0:
            after.append(nn.Dropout(dropout))
        self.after = nn.Sequential(*after)
        self.per_frame = per_frame

    def forward(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x, lengths = batch
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, last = self.gru(packed)
        if not self.per_frame:
            return self.after(last[-1])
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.after(out)


def encoder(kind: str, n_in: int, width: int, dropout: float, activation: str, per_frame: bool = False) -> nn.Module:
    """An embedding subnetwork for a feature kind: dense for vectors, GRU for sequences."""
    if kind == "sequence":
        return SequenceEncoder(n_in, width, dropout, activation, per_frame)
    return mlp(n_in, [width], dropout, activation)
