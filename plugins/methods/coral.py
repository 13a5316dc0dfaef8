"""Deep CORAL — correlation alignment of deep features (Sun & Saenko, ECCV Workshops 2016).

The classic network trained on labelled source items, plus a loss that matches the
second-order statistics of source and target activations of the layer before the
classifier:

    ℓ = ℓ_class + λ · ℓ_CORAL,    ℓ_CORAL = ‖C_S − C_T‖²_F / (4 d²)      (eq. 1, 6)

with C_S, C_T the (d × d) covariances of a source batch and a target batch of the
d-dimensional activations.  The paper sets λ so that the two losses are about equal
at the end of training and uses the activations of the last layer; here they are the
classic network's shared hidden layer ``g(f(x))`` (the input of the classifier),
λ = ``weight`` (default 1), batches of 64 source + 64 unlabelled target items, Adam
as in ``classic``.  Target features come from the target's unlabelled adaptation
part (or the test items under ``cross-transductive``); selection is on the source
validation part.
"""

from __future__ import annotations

import torch

from harness.hookspecs import hookimpl
from harness.learning.space import Float
from harness.plugins.methods._alignment import Aligned, coral_loss
from harness.plugins.methods.classic import Classic


class DeepCORAL(Aligned):
    name = "coral"
    description = "Deep CORAL: source and target covariances of the last hidden layer aligned (Sun & Saenko 2016)"
    tasks = ("classification",)
    space = {**Classic.space, "weight": Float(0.01, 100.0, default=1.0, log=True)}

    def alignment(self, source: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
        return coral_loss(self.net.shared(source), self.net.shared(target))


@hookimpl
def harness_methods():
    return [DeepCORAL]
