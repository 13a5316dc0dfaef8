"""What ``harness run`` asks for and the jobs it expands into.

A request names methods, corpora and protocols; it expands into experiments
(one protocol over a set of corpora) and each experiment into jobs, one per
method x fold x model seed.  A job is named by the hash of its canonical
config, so running the same request again finds its finished jobs in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.data.digest import json_digest
from harness.data.labels import shared_labels
from harness.errors import HarnessError
from harness.experiment.protocols import ADAPT_PROTOCOLS, CROSS_PROTOCOLS, PROTOCOLS, TRANSDUCTIVE_PROTOCOLS

#: The feature extractor used for a modality when the request names none.
DEFAULT_FEATURES = {"audio": "egemaps", "visual": "face-hog"}


@dataclass
class RunRequest:
    methods: list[str]
    corpora: list[str] = field(default_factory=list)
    protocols: list[str] = field(default_factory=lambda: ["within"])
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    seeds: int = 1
    split_seed: int = 0
    folds: int = 5
    modality: str | None = None
    features: dict[str, str] = field(default_factory=dict)
    #: extractor name -> parameter -> value (``--feature-param NAME.KEY=VALUE``)
    feature_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: feature standardisation (harness/features/normalize.py): inductive ``global`` by default
    norm: str = "global"
    #: restrict every experiment to these labels (``--labels``; None: the labels the corpora share)
    labels: tuple[str, ...] | None = None
    #: protocol ``given``: a split table (item, part[, fold]) or the test speakers
    split_file: Path | None = None
    test_speakers: tuple[str, ...] = ()
    budget: str = "default"
    refit: bool = True
    hparams: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Optuna trials per (method, fold) on the inner validation data; 0 = the defaults
    trials: int = 0
    #: Optuna storage URL (default: SQLite in the results directory)
    storage: str | None = None
    #: supervised adaptation: fraction of the target corpus (by speakers) given, labelled,
    #: to methods that use target labels; the rest of the target is the test part
    adapt_fraction: float = 0.2
    #: crossmodal methods: the auxiliary modality (default: the other one) and corpus (default: the training corpora)
    aux_modality: str | None = None
    aux_corpus: str | None = None
    #: staged methods (jdcd): pre-training sets "corpus:modality" in order (harness/experiment/pretraining.py)
    pretrain: list[str] = field(default_factory=list)
    #: ``auto`` (classification where every corpus has labels), ``classification`` or ``regression``
    task: str = "auto"
    #: regression: the dimensions to predict (default: those the corpora share)
    dimensions: list[str] = field(default_factory=list)
    #: time-continuous regression: seconds the gold standard lags the signal (RECOLA: 2.4)
    annotation_delay: float = 0.0
    #: time-continuous regression: RECOLA's post-processing chain chosen on validation
    postprocess: bool = False
    reference: bool = True
    data_root: Path | None = None
    corpus_paths: dict[str, Path] = field(default_factory=dict)
    results: Path = Path("results")
    cache: Path | None = None
    skip_unreadable: bool = False
    workers: int | None = None
    progress: bool = True


@dataclass(frozen=True)
class Experiment:
    """One protocol over a set of corpora; ``role`` is ``main`` or ``reference``
    (the within-corpus score of a cross-corpus target, to show the drop)."""

    protocol: str
    train_corpora: tuple[str, ...]
    test_corpus: str
    role: str = "main"
    #: restrict to these labels (a reference uses the label set of its cross-corpus pair)
    labels: tuple[str, ...] | None = None

    @property
    def corpora(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.train_corpora + (self.test_corpus,)))


def plan_experiments(request: RunRequest, labels_of: Callable[[str], tuple[str, ...]],
                     adapting: bool = False) -> list[Experiment]:
    """Expand the request's protocols and corpora into experiments.

    ``labels_of(corpus)`` gives a corpus's label set; a cross-corpus target's
    within-corpus reference is restricted to the labels of its pair, so that
    the two numbers are comparable.  When the run has a method that uses
    target data -- labelled (supervised adaptation) or unlabelled (unsupervised
    adaptation) -- (``adapting``), cross/multi become their adaptation variants
    (cross-adapt/multi-adapt: the target split by speakers into an adaptation
    part and a test part) for every method of the run, so that every family is
    tested on the same target items.
    """
    out: list[Experiment] = []
    for protocol in request.protocols:
        if protocol not in PROTOCOLS:
            raise HarnessError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
        if adapting and protocol in CROSS_PROTOCOLS:
            protocol += "-adapt"
        if protocol in CROSS_PROTOCOLS + ADAPT_PROTOCOLS + TRANSDUCTIVE_PROTOCOLS:
            sources = request.sources or request.corpora
            targets = request.targets or request.corpora
            if not sources or not targets:
                raise HarnessError(f"protocol {protocol!r} needs --source and --target (or --corpus)")
            if protocol.startswith("cross"):
                pairs = [((s,), t) for s in sources for t in targets if s != t]
            else:
                pairs = [(tuple(s for s in sources if s != t), t) for t in targets]
                pairs = [(s, t) for s, t in pairs if len(s) >= 2]
            if not pairs:
                raise HarnessError(f"protocol {protocol!r}: no source/target combination "
                                   f"({'one source' if protocol.startswith('cross') else 'two or more sources'}"
                                   f" different from the target is needed)")
            for s, t in pairs:
                out.append(Experiment(protocol, s, t))
            if request.reference:
                for s, t in pairs:
                    shared = shared_labels(labels_of(c) for c in s + (t,))
                    out.append(Experiment("within", (t,), t, role="reference", labels=shared))
        else:
            if not request.corpora:
                hint = (" (--source/--target are for the cross-corpus protocols: add --protocol cross, multi, "
                        "cross-adapt-loso or cross-transductive)" if request.sources or request.targets else "")
                raise HarnessError(f"protocol {protocol!r} needs --corpus{hint}")
            out += [Experiment(protocol, (c,), c) for c in request.corpora]
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class JobSpec:
    """Everything that determines one job's result."""

    method: str
    method_version: str
    hparams: dict
    protocol: str
    train_corpora: tuple[str, ...]
    test_corpus: str
    fold: str
    fold_digest: str  # hash of the fold's train / validation / test items
    split_seed: int
    model_seed: int
    modality: str
    features: dict
    norm: str
    budget: str
    refit: bool  # retrain on train + validation with what validation selected
    labels: tuple[str, ...]
    data: dict  # corpus -> fingerprint of its item list
    #: None, or {"trials": N, "fixed": {...}}: hparams are then the tuning's starting point
    tuning: dict | None = None
    #: None, or the auxiliary modality, corpus and feature identity of a crossmodal method
    auxiliary: dict | None = None
    #: None, or the pre-training sets (corpus, modality, features, counts) of a staged method
    pretraining: dict | None = None
    #: None (classification), or the regression's dimensions, annotation delay and post-processing
    regression: dict | None = None
    #: digests of the code behind the result: the method's, the core's, each extractor's
    #: (:func:`harness.data.code_digest.job_code`); None only for specs built by hand
    code: dict | None = None
    #: None, or the target-corpus data the method saw beyond training on the sources: e.g.
    #: {"labels": "adaptation part"} (supervised adaptation), {"features": "unlabelled adaptation part"},
    #: {"features": "test items (transductive)"}, {"normalisation": ...} (corpus statistics)
    target_data: dict | None = None
    #: None when the fold is speaker-disjoint throughout; else how its parts were drawn,
    #: e.g. {"valid": "item", "test": "speaker"} (two speakers) or {"test": "item"} (speaker-dependent)
    grouping: dict | None = None

    def config(self) -> dict:
        cfg = asdict(self)
        cfg["train_corpora"] = list(self.train_corpora)
        cfg["labels"] = list(self.labels)
        for optional in ("tuning", "auxiliary", "regression", "pretraining", "code", "grouping", "target_data"):  # absent: job ids stay what they were before these existed
            if cfg[optional] is None:
                del cfg[optional]
        return cfg

    def study_identity(self) -> dict:
        """What determines a tuning objective: the job without its model seed, its
        trial count and its hyperparameter values (the fixed ones stay)."""
        cfg = self.config()
        for key in ("model_seed", "hparams", "tuning", "refit"):
            cfg.pop(key, None)
        cfg["fixed"] = (self.tuning or {}).get("fixed", {})
        return cfg

    @property
    def job_id(self) -> str:
        return json_digest(self.config(), 20)

    @property
    def config_key(self) -> str:
        """The id this job has without its code digests: a stored job with the same key and
        another id was produced by other code (the id of a job stored before code digests
        existed equals its key)."""
        return config_key(self.config())


def config_key(config: dict) -> str:
    """:attr:`JobSpec.config_key` of a stored config."""
    return json_digest({k: v for k, v in config.items() if k != "code"}, 20)
