"""GroupDRO — group distributionally robust optimisation over source corpora (Sagawa et al., ICLR 2020).

Domain generalisation for the multi-source protocol (A + B → C): instead of the
average loss over the pooled sources (``pooled`` ERM, i.e. ``classic`` on A ∪ B), the
worst-case loss over the source corpora (the groups) is minimised with the online
algorithm of the paper (Algorithm 1):

    q_g ← q_g · exp(η · ℓ_g(θ)),  q ← q / Σ q,      θ ← θ − lr · ∇ Σ_g q_g ℓ_g(θ)

with ℓ_g the (class-weighted) cross-entropy of the batch's items of corpus g.  η = 0.01
(DomainBed's default ``groupdro_eta``); the network and the rest of the training are
``classic``'s.  With one source corpus it is ERM.  Selection is on the pooled source
validation part (training-domain validation, DomainBed's default).
"""

from __future__ import annotations

import numpy as np
import torch

from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet
from harness.learning.space import Float
from harness.plugins.methods.classic import Classic


class GroupDRO(Classic):
    name = "groupdro"
    description = "GroupDRO over the source corpora: the worst-case corpus loss minimised (Sagawa et al. 2020)"
    tasks = ("classification",)
    selection = "pooled source validation part (training-domain validation)"
    space = {**Classic.space, "eta": Float(1e-4, 1.0, default=0.01, log=True)}

    def _extra_parameters(self, train: FeatureSet) -> list[torch.nn.Parameter]:
        names = sorted(set(train.domains))
        self.groups = np.array([names.index(d) for d in train.domains])
        self.q = torch.ones(len(names)) / len(names)
        return []

    def _batch_loss(self, index: np.ndarray) -> torch.Tensor:
        batch = self.task.inputs(index)
        outputs = self.net.classifier(self.net.shared(self.net.encoder(batch)))
        lengths = batch[1] if isinstance(batch, tuple) else None
        losses = torch.zeros(len(self.q))
        present = np.unique(self.groups[index])
        for g in present:
            rows = np.flatnonzero(self.groups[index] == g)
            losses[g] = self.task.loss(outputs[rows], index[rows], None if lengths is None else lengths[rows])
        with torch.no_grad():
            update = torch.zeros(len(self.q))
            update[present] = losses[present].detach()
            self.q = self.q * torch.exp(self.hparams["eta"] * update)
            self.q = self.q / self.q.sum()
        return (self.q * losses).sum()


@hookimpl
def harness_methods():
    return [GroupDRO]
