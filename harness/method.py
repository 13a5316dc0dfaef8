"""The method interface and the feature sets methods see.

A method never opens a file and knows nothing about folds: the core hands it a
training and a validation :class:`FeatureSet` (validation for early stopping
and tuning only) and asks for predictions on other feature sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .space import Param

BUDGETS: tuple[str, ...] = ("smoke", "default", "paper")


@dataclass
class FeatureSet:
    """Features of a list of items with their targets and provenance."""

    x: np.ndarray
    keys: list[str]
    speakers: list[str | None]
    domains: list[str]
    labels: tuple[str, ...] = ()
    y: np.ndarray | None = None
    targets: np.ndarray | None = None
    dimensions: tuple[str, ...] = field(default=())
    #: the corpus the test part comes from (cross-corpus: the target); items whose
    #: domain equals it are labelled target data (supervised adaptation)
    target_domain: str | None = None
    #: auxiliary-modality training data (crossmodal methods), not paired with these items
    aux: "FeatureSet | None" = None

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def n_classes(self) -> int:
        return len(self.labels)

    @staticmethod
    def concat(*sets: "FeatureSet") -> "FeatureSet":
        first = sets[0]
        return FeatureSet(
            x=np.concatenate([s.x for s in sets]), keys=[k for s in sets for k in s.keys],
            speakers=[k for s in sets for k in s.speakers], domains=[d for s in sets for d in s.domains],
            labels=first.labels, y=None if first.y is None else np.concatenate([s.y for s in sets]),
            targets=None if first.targets is None else np.concatenate([s.targets for s in sets]),
            dimensions=first.dimensions, target_domain=first.target_domain,
            aux=None if all(s.aux is None for s in sets) else
            FeatureSet.concat(*[s.aux for s in sets if s.aux is not None]))

    def subset(self, index) -> "FeatureSet":
        index = np.asarray(index)
        return FeatureSet(
            x=self.x[index], keys=[self.keys[i] for i in index],
            speakers=[self.speakers[i] for i in index], domains=[self.domains[i] for i in index],
            labels=self.labels, y=None if self.y is None else self.y[index],
            targets=None if self.targets is None else self.targets[index],
            dimensions=self.dimensions, target_domain=self.target_domain, aux=self.aux,
        )

    def in_domain(self, target: bool) -> "FeatureSet":
        """The items of the target domain (``target=True``) or of the other domains."""
        return self.subset([i for i, d in enumerate(self.domains) if (d == self.target_domain) == target])


class Method:
    """Base class of methods.

    Subclasses declare ``space`` (hyperparameters with the paper's defaults),
    ``budgets`` (iteration counts per budget preset) and implement
    :meth:`fit` and :meth:`predict`.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    #: Bump when the method's results change for the same data, seed and hyperparameters.
    version: ClassVar[str] = "1"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    #: Feature kind consumed: ``vector``, ``sequence`` or ``segments``.
    inputs: ClassVar[str] = "vector"
    space: ClassVar[dict[str, Param]] = {}
    #: True for methods trained with labelled target-corpus data (fine-tuning, pooling,
    #: centroid adaptation): they run under the supervised-adaptation protocols only,
    #: and only they are given the adaptation part
    uses_target_labels: ClassVar[bool] = False
    #: True for crossmodal methods trained with a second, auxiliary modality
    #: (``train.aux``; see harness/auxiliary.py); inference uses the target modality only
    uses_auxiliary: ClassVar[bool] = False
    #: budget preset -> settings (epochs, patience, generations ...).
    budgets: ClassVar[dict[str, dict[str, Any]]] = {b: {} for b in BUDGETS}

    def __init__(self, hparams: dict[str, Any], seed: int, budget: str = "default"):
        self.hparams = dict(hparams)
        self.seed = int(seed)
        self.budget = budget
        self.settings = dict(self.budgets[budget])

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict[str, Any]:
        """Train; return a small dict of training facts to store (best epoch, ...).

        ``valid`` serves early stopping and model selection only.  Iterative
        methods call ``report(step, validation_score)`` so that a tuner can
        prune poor trials.
        """
        raise NotImplementedError

    @classmethod
    def refits(cls) -> bool:
        """Whether the method implements :meth:`refit`."""
        return cls.refit is not Method.refit

    def refit(self, train: FeatureSet, selection: dict[str, Any]) -> dict[str, Any] | None:
        """Retrain on training + validation data with what :meth:`fit` selected on
        validation (``selection`` is its return value, e.g. the best epoch).

        Called by the core when refitting is on.  Methods that do not override it
        keep the model selected on validation (and their jobs record refit off).
        """
        return None

    def predict(self, data: FeatureSet) -> np.ndarray:
        """Class posteriors (N, C) for classification, values (N, K) for regression."""
        raise NotImplementedError
