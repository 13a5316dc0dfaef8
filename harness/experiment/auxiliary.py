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

from harness.errors import HarnessError
from harness.experiment.pretraining import training_side_sets
from harness.experiment.protocols import Fold
from harness.learning.method import FeatureSet


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
    sets, ident, dropped = training_side_sets(preparer, prep, fold, request.aux_corpus, modality,
                                        f"auxiliary {modality} data (--aux-corpus {request.aux_corpus or 'same'})")
    if dropped:
        preparer.say_once(f"[{request.aux_corpus}] auxiliary {modality} data: left out "
                          + ", ".join(f"{n} {why}" for why, n in dropped.items()))
    return sets["train"], sets.get("valid"), ident
