"""The method interface and the feature sets methods see.

A method never opens a file and knows nothing about folds: the core hands it a
training and a validation :class:`FeatureSet` (validation for early stopping
and tuning only) and asks for predictions on other feature sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from harness.learning.space import Param

BUDGETS: tuple[str, ...] = ("smoke", "default", "paper")


KINDS: tuple[str, ...] = ("vector", "sequence", "segments")


def _take(values, index: np.ndarray):
    """Rows of an array, or entries of a list (ragged inputs or targets)."""
    if values is None:
        return None
    if isinstance(values, np.ndarray):
        return values[index]
    return [values[i] for i in index]


def _join(parts: list):
    if parts[0] is None:
        return None
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    return [v for part in parts for v in part]


@dataclass
class FeatureSet:
    """Features of a list of items with their targets and provenance.

    ``x`` is an (N, D) array of utterance-level vectors (``kind="vector"``) or a
    list of N arrays: (T_i, D) frame sequences (``sequence``) or (S_i, ...)
    segments such as 64×64×3 log-mel patches (``segments``).  Classification
    targets are ``y`` (class indices of ``labels``); regression targets are
    ``targets`` over ``dimensions``: an (N, K) array, or a list of (T_i, K)
    arrays for time-continuous targets (one value per frame of ``x``).
    """

    x: np.ndarray | list
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
    #: unsupervised adaptation: features of target-domain items without their labels (y and targets None)
    unlabelled: "FeatureSet | None" = None
    kind: str = "vector"
    #: pre-training sets of other corpora/modalities keyed "corpus:modality" (see harness/experiment/pretraining.py)
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def n_classes(self) -> int:
        return len(self.labels)

    @property
    def time_continuous(self) -> bool:
        """True when the regression targets are per-frame series (a list of (T_i, K) arrays)."""
        return self.targets is not None and not isinstance(self.targets, np.ndarray)

    @staticmethod
    def concat(*sets: "FeatureSet") -> "FeatureSet":
        first = sets[0]
        return FeatureSet(
            x=_join([s.x for s in sets]), keys=[k for s in sets for k in s.keys],
            speakers=[k for s in sets for k in s.speakers], domains=[d for s in sets for d in s.domains],
            labels=first.labels, y=_join([s.y for s in sets]), targets=_join([s.targets for s in sets]),
            dimensions=first.dimensions, target_domain=first.target_domain,
            aux=None if all(s.aux is None for s in sets) else
            FeatureSet.concat(*[s.aux for s in sets if s.aux is not None]),
            unlabelled=first.unlabelled, kind=first.kind, extra=first.extra)

    def subset(self, index) -> "FeatureSet":
        index = np.asarray(index, dtype=np.int64)
        return FeatureSet(
            x=_take(self.x, index), keys=[self.keys[i] for i in index],
            speakers=[self.speakers[i] for i in index], domains=[self.domains[i] for i in index],
            labels=self.labels, y=_take(self.y, index), targets=_take(self.targets, index),
            dimensions=self.dimensions, target_domain=self.target_domain, aux=self.aux,
            unlabelled=self.unlabelled, kind=self.kind, extra=self.extra,
        )

    def without_labels(self) -> "FeatureSet":
        """The same items with their labels and regression targets removed (unsupervised adaptation)."""
        return FeatureSet(x=self.x, keys=list(self.keys), speakers=list(self.speakers), domains=list(self.domains),
                          labels=self.labels, y=None, targets=None, dimensions=self.dimensions,
                          target_domain=self.target_domain, kind=self.kind)

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
    #: ``classification`` and/or ``regression`` (utterance-level dims and, for methods
    #: accepting sequences, time-continuous series)
    tasks: ClassVar[tuple[str, ...]] = ("classification",)
    #: Feature kinds accepted: ``vector``, ``sequence``, ``segments`` (see FeatureSet).
    inputs: ClassVar[tuple[str, ...]] = ("vector",)
    space: ClassVar[dict[str, Param]] = {}
    #: True for methods trained with labelled target-corpus data (fine-tuning, pooling,
    #: centroid adaptation): they run under the supervised-adaptation protocols only,
    #: and only they are given the adaptation part
    uses_target_labels: ClassVar[bool] = False
    #: True for crossmodal methods trained with a second, auxiliary modality
    #: (``train.aux``; see harness/experiment/auxiliary.py); inference uses the target modality only
    uses_auxiliary: ClassVar[bool] = False
    #: True for staged methods given pre-training sets of other corpora/modalities in
    #: ``train.extra`` (``--pretrain CORPUS:MODALITY``; see harness/experiment/pretraining.py)
    uses_pretraining: ClassVar[bool] = False
    #: True for unsupervised domain adaptation: the method is given the *features* of target items,
    #: never their labels (``train.unlabelled``) -- the target's unlabelled adaptation part under the
    #: adaptation protocols, its test items under the protocols named ``*-transductive``
    uses_target_features: ClassVar[bool] = False
    #: How the method selects its model (epochs, hyperparameters): stated and stored with every job.
    #: Without target labels, selection is on the source's validation part (DomainBed's lesson:
    #: the selection rule decides rankings, so it is never left implicit).
    selection: ClassVar[str] = "source validation part"
    #: budget preset -> settings (epochs, patience, generations ...).
    budgets: ClassVar[dict[str, dict[str, Any]]] = {b: {} for b in BUDGETS}

    #: methods on segments may leave here the (segment posteriors (S, C), owning item (S,)) of their last
    #: ``predict``: the core then also reports segment-level accuracy (the papers' figure on segments)
    segment_scores: tuple[np.ndarray, np.ndarray] | None = None

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

    def predict(self, data: FeatureSet) -> np.ndarray | list:
        """Class posteriors (N, C) for classification; values (N, K) for regression, or
        a list of (T_i, K) arrays when the targets are time-continuous."""
        raise NotImplementedError

    @classmethod
    def accepted_inputs(cls) -> tuple[str, ...]:
        return (cls.inputs,) if isinstance(cls.inputs, str) else tuple(cls.inputs)
