"""Training data of another corpus or modality: pre-training sets and the rule that keeps them leak-free.

Methods that train in stages (jdcd, paper 000: pre-train on visual eNTERFACE,
fine-tune on visual SAVEE, then on audio corpora, ...) receive *pre-training
sets* keyed ``"corpus:modality"`` in ``train.extra`` (``--pretrain
CORPUS:MODALITY``, repeatable, in the order given).  Each set holds the
``modality`` features of the run's extractor for that modality, the labels
restricted to the experiment's label set.

The leakage rule is the one of crossmodal auxiliary data (harness/experiment/auxiliary.py
uses :func:`training_side_sets` too):

* a corpus of the experiment's training side (under within/LOSO this is the
  test corpus itself) gives only the fold's training-side items -- for a
  pre-training set its ``train`` part, never a validation item (later stages
  are early-stopped on those) and never a test item;
* the test corpus of a cross-corpus experiment gives nothing (an error) -- except,
  under the supervised-adaptation protocols and to methods that use target labels,
  its labelled adaptation part (``fold.adapt``; the test speakers stay unseen);
* any other corpus gives all its items whose label is in the label set; items
  with other labels are dropped and counted in the set's identity.

Features are standardised as the run asks (``--norm``), global statistics
from the set itself.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from harness.data.targets import align_series, item_target, stack_targets
from harness.errors import HarnessError
from harness.experiment.protocols import Fold
from harness.features.normalize import standardise
from harness.learning.method import FeatureSet


def training_side_sets(preparer, prep, fold: Fold, name: str | None, modality: str,
                       what: str, target_labels: bool = False) -> tuple[dict[str, FeatureSet], dict, dict[str, int]]:
    """Labelled ``modality`` features of corpus ``name`` (None: all training corpora) allowed
    for training on ``fold``: {"train": set, "valid": set (where there is one)}, the identity
    (modality, corpus, features[, fingerprint]) and the items dropped (reason -> count).
    Under regression the items carry their own targets (series aligned with their features).
    ``target_labels``: the method trains on labelled target data, so under supervised
    adaptation the test corpus gives its adaptation part (never a test speaker)."""
    regression = prep.task == "regression"
    request = preparer.request
    index = {lab: i for i, lab in enumerate(prep.labels)}
    dropped: Counter = Counter()
    if name is not None and name == prep.experiment.test_corpus and name not in prep.experiment.train_corpora \
            and target_labels and fold.adapt:
        # supervised adaptation: the target's labelled adaptation speakers are training side
        parts, corpora, items = {"train": list(fold.adapt), "valid": list(fold.adapt_valid)}, {name}, prep.items
    elif name is None or name in prep.experiment.train_corpora:
        parts = {"train": list(fold.train), "valid": list(fold.valid)}
        corpora = {prep.items[k].corpus for keys in parts.values() for k in keys}
        items = prep.items
        if name is not None:
            parts = {p: [k for k in keys if prep.items[k].corpus == name] for p, keys in parts.items()}
            corpora = {name}
    else:
        if name == prep.experiment.test_corpus:
            raise HarnessError(f"{what}: the test corpus cannot provide {modality} training data under a "
                               f"cross-corpus protocol (under cross-adapt/multi-adapt, only its labelled "
                               f"adaptation speakers, and only to methods that use target labels)")
        items = {}
        for it in preparer.corpus(name).items():
            if regression or it.label in index:
                items[it.key] = it
            else:
                dropped["unlabelled" if it.label is None else it.label] += 1
        parts = {"train": sorted(items), "valid": []}
        corpora = {name}
    feats, identity, kind = {}, None, "vector"
    for c in sorted(corpora):
        corpus = preparer.corpus(c)
        if modality not in corpus.modalities:
            raise HarnessError(f"{what}: corpus {c!r} has no {modality} modality "
                               f"(it has {', '.join(corpus.modalities)})")
        f, _, identity = preparer.features(corpus, modality)
        kind = preparer.registry.feature(identity["name"]).kind
        feats.update(f)
    parts = {p: [k for k in keys if k in feats and modality in items[k].media] for p, keys in parts.items()}
    leaked = set(fold.test).intersection(k for keys in parts.values() for k in keys)
    if leaked:  # cannot happen by construction; a guard for the rule above
        raise HarnessError(f"{what}: {len(leaked)} test item(s) of fold {fold.name} in the training data")
    if not parts["train"]:
        raise HarnessError(f"{what}: no {modality} items of {name or 'the training corpora'} for fold {fold.name}")
    targets: dict = {}
    if regression:  # each item's own targets; items without them are dropped and counted
        for k in (k for keys in parts.values() for k in keys):
            t = item_target(items[k], prep.dimensions)
            if t is not None and t.ndim == 2:
                feats[k], t = align_series(feats[k], t, items[k].series_step, request.annotation_delay, k)
            if t is None:
                dropped["without " + "/".join(prep.dimensions)] += 1
            targets[k] = t
        parts = {p: [k for k in keys if targets[k] is not None] for p, keys in parts.items()}
        if not parts["train"]:
            raise HarnessError(f"{what}: no {modality} items with {'/'.join(prep.dimensions)} targets "
                               f"for fold {fold.name}")
    present = {p: keys for p, keys in parts.items() if keys}
    x = {p: (np.stack([feats[k] for k in keys]) if kind == "vector" else [feats[k] for k in keys])
         for p, keys in present.items()}
    speakers = {p: [items[k].speaker_key for k in keys] for p, keys in present.items()}
    domains = {p: [items[k].corpus for k in keys] for p, keys in present.items()}
    x, _ = standardise(x, speakers, request.norm, ("train",), domains=domains,
                       pooled=preparer.registry.feature(identity["name"]).norm_pooled)
    sets = {p: FeatureSet(x=x[p], keys=list(keys), speakers=speakers[p],
                          domains=[items[k].corpus for k in keys], labels=prep.labels,
                          y=None if regression else np.array([index[items[k].label] for k in keys], dtype=np.int64),
                          targets=stack_targets([targets[k] for k in keys], len(prep.dimensions))
                          if regression else None,
                          dimensions=prep.dimensions, target_domain=prep.experiment.test_corpus, kind=kind)
            for p, keys in present.items()}
    ident = {"modality": modality, "corpus": name or "same", "features": identity}
    if name is not None and name not in prep.experiment.train_corpora:
        ident["fingerprint"] = preparer.corpus(name).fingerprint()
    return sets, ident, dict(sorted(dropped.items()))


def parse_spec(spec: str) -> tuple[str, str]:
    corpus, sep, modality = spec.partition(":")
    if not sep or not corpus or not modality or ":" in modality:
        raise HarnessError(f"--pretrain {spec!r}: expected CORPUS:MODALITY, e.g. savee:visual")
    return corpus, modality


def pretraining_sets(preparer, prep, fold: Fold, specs: list[str], target_labels: bool = False
                     ) -> tuple[dict[str, FeatureSet], dict]:
    """Pre-training sets keyed by spec ("corpus:modality", in the order given) and their
    identity for the job config (per spec: modality, corpus, features, item count,
    dropped labels, and the fingerprint of a corpus outside the experiment)."""
    if len(set(specs)) != len(specs):
        raise HarnessError(f"--pretrain: a set is named twice ({', '.join(specs)})")
    sets, identity = {}, {}
    for spec in specs:
        corpus, modality = parse_spec(spec)
        parts, ident, dropped = training_side_sets(preparer, prep, fold, corpus, modality, f"--pretrain {spec}",
                                                   target_labels)
        sets[spec] = parts["train"]
        identity[spec] = {**ident, "items": len(parts["train"]), "dropped": dropped}
    return sets, identity
