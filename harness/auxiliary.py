"""Auxiliary-modality training data for crossmodal methods (EmoBed, paper 004).

A method that declares ``uses_auxiliary`` is trained on its target modality
(the run's ``--modality``) *and* on a second, auxiliary modality whose items
need not be paired with the target ones.  The auxiliary items come either

* from the same corpora as the training side: the auxiliary-modality features
  of exactly the fold's training (and validation) items -- never of its test
  items -- or
* from another corpus (``--aux-corpus``): all of its items whose labels are in
  the experiment's label set; it must not be the test corpus.

Inference uses the target modality only, so the test part is untouched.
Features are standardised as the run asks (``--norm``), statistics from the
auxiliary training items only.
"""

from __future__ import annotations

import numpy as np

from .errors import HarnessError
from .method import FeatureSet
from .normalize import standardise
from .protocols import Fold
from .targets import align_series, item_target


def auxiliary_modality(request, target_modality: str) -> str:
    if request.aux_modality:
        return request.aux_modality
    return "visual" if target_modality == "audio" else "audio"


def auxiliary_sets(preparer, prep, fold: Fold) -> tuple[FeatureSet, FeatureSet | None, dict]:
    """(auxiliary training set, auxiliary validation set or None, identity for the job config)."""
    request = preparer.request
    modality = auxiliary_modality(request, prep.report["modality"])
    if modality == prep.report["modality"]:
        raise HarnessError(f"the auxiliary modality must differ from the target modality ({modality})")
    index = {lab: i for i, lab in enumerate(prep.labels)}
    name = request.aux_corpus
    if name is None or name in prep.experiment.train_corpora:
        parts = {"train": list(fold.train), "valid": list(fold.valid)}
        corpora = {prep.items[k].corpus for keys in parts.values() for k in keys}
        items = prep.items
        if name is not None:
            parts = {p: [k for k in keys if prep.items[k].corpus == name] for p, keys in parts.items()}
            corpora = {name}
    else:
        if name == prep.experiment.test_corpus:
            raise HarnessError(f"--aux-corpus {name}: the test corpus cannot provide auxiliary training data")
        corpus = preparer.corpus(name)
        items = {it.key: it for it in corpus.items()
                 if (it.label in index if prep.task == "classification" else True)}
        parts = {"train": sorted(items), "valid": []}
        corpora = {name}
    feats, identity = {}, None
    for c in sorted(corpora):
        corpus = preparer.corpus(c)
        if modality not in corpus.modalities:
            raise HarnessError(f"corpus {c!r} has no {modality} modality for the auxiliary data "
                               f"(it has {', '.join(corpus.modalities)})")
        f, _, identity = preparer.features(corpus, modality)
        feats.update(f)
    parts = {p: [k for k in keys if k in feats and modality in items[k].media] for p, keys in parts.items()}
    if not parts["train"]:
        raise HarnessError(f"no auxiliary {modality} items for fold {fold.name}")
    present = {p: keys for p, keys in parts.items() if keys}
    kind = preparer.registry.feature(identity["name"]).kind
    targets: dict = {}
    if prep.task == "regression":  # the auxiliary items' own targets (aligned series where time-continuous)
        for keys in present.values():
            for k in keys:
                t = item_target(items[k], prep.dimensions)
                if t is not None and t.ndim == 2:
                    feats[k], t = align_series(feats[k], t, items[k].series_step, request.annotation_delay, k)
                targets[k] = t
        present = {p: [k for k in keys if targets[k] is not None] for p, keys in present.items()}
    x = {p: np.stack([feats[k] for k in keys]) if kind == "vector" else [feats[k] for k in keys]
         for p, keys in present.items()}
    speakers = {p: [items[k].speaker_key for k in keys] for p, keys in present.items()}
    x = standardise(x, speakers, request.norm, ("train",))

    def target_values(keys):
        if prep.task != "regression":
            return None
        values = [targets[k] for k in keys]
        return values if values[0].ndim == 2 else np.stack(values)

    sets = {p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                          domains=[items[k].corpus for k in keys], labels=prep.labels,
                          y=None if prep.task == "regression" else
                          np.array([index[items[k].label] for k in keys], dtype=np.int64),
                          targets=target_values(keys), dimensions=prep.dimensions,
                          target_domain=prep.experiment.test_corpus, kind=kind)
            for p, keys in present.items() if keys}
    ident = {"modality": modality, "corpus": name or "same", "features": identity}
    if name is not None and name not in prep.experiment.train_corpora:
        ident["fingerprint"] = preparer.corpus(name).fingerprint()
    if "train" not in sets:
        raise HarnessError(f"no auxiliary {modality} items with {'/'.join(prep.dimensions)} targets "
                           f"for fold {fold.name}")
    return sets["train"], sets.get("valid"), ident
