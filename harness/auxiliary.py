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
        items = {it.key: it for it in corpus.items() if it.label in index}
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
    x = {p: np.stack([feats[k] for k in keys]) for p, keys in present.items()}
    speakers = {p: [items[k].speaker_key for k in keys] for p, keys in present.items()}
    x = standardise(x, speakers, request.norm, ("train",))
    sets = {p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                          domains=[items[k].corpus for k in keys], labels=prep.labels,
                          y=np.array([index[items[k].label] for k in keys], dtype=np.int64),
                          target_domain=prep.experiment.test_corpus)
            for p, keys in present.items()}
    ident = {"modality": modality, "corpus": name or "same", "features": identity}
    if name is not None and name not in prep.experiment.train_corpora:
        ident["fingerprint"] = preparer.corpus(name).fingerprint()
    return sets["train"], sets.get("valid"), ident
