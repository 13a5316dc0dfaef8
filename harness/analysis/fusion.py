"""Decision-level fusion: the interface of fusion strategies.

A fusion strategy combines the class posteriors that two or more runs gave for
the same items.  Anything it learns (weights, a regression, thresholds) is fit
on validation predictions only, never on the test items it fuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np


class Fusion:
    name: ClassVar[str]
    description: ClassVar[str]
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any):
        self.params = {**self.defaults, **params}

    def fit(self, valid_posteriors: Sequence[np.ndarray], y_valid: np.ndarray) -> "Fusion":
        """Learn from validation posteriors (one (N, C) array per run); default: nothing."""
        return self

    def fuse(self, posteriors: Sequence[np.ndarray]) -> np.ndarray:
        """Combine one (N, C) array per run into fused (N, C) posteriors."""
        raise NotImplementedError

    @staticmethod
    def check(posteriors: Sequence[np.ndarray]) -> list[np.ndarray]:
        arrays = [np.asarray(p, dtype=np.float64) for p in posteriors]
        if len(arrays) < 2:
            raise ValueError("fusion needs the posteriors of at least two runs")
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 2:
            raise ValueError(f"posterior arrays differ in shape: {[a.shape for a in arrays]}")
        return arrays
