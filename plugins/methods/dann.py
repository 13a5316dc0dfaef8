"""DANN — domain-adversarial training (Ganin et al., JMLR 2016).

A feature extractor ``G_f`` (here the classic network's encoder ``f``), a label
predictor ``G_y`` (its shared layer ``g`` and classifier) trained on labelled source
items, and a domain classifier ``G_d`` that tells source from target features.  The
gradient reversal layer makes the extractor *maximise* the domain loss while ``G_d``
minimises it, so the features become domain-invariant:

    E(θ_f, θ_y, θ_d) = L_y(G_y(G_f(x_s)), y_s) − λ · L_d(G_d(G_f(x)), d)     (eq. 18)

optimised by SGD with the reversal layer R_λ (identity forward, −λ·∂ backward)
between ``G_f`` and ``G_d``.  ``L_d`` is the binary cross-entropy of source (0) vs
target (1) on a source batch and an equally large batch of unlabelled target items.
The paper's schedule grows the adaptation factor from 0 to 1 over training,
``λ_p = 2 / (1 + exp(−10 p)) − 1`` with p the training progress, and its domain
classifier has one hidden layer (100 units on the toy problems, 1024 on Office).

Here (choices the paper leaves open or sets for images): Adam as in ``classic`` (the
paper: SGD with annealed rate), the domain classifier ``E → 100 → 1`` with ReLU,
``weight`` multiplies λ_p (default 1, the paper's), batches of 64 source + 64 target.
Target features come from the target's unlabelled adaptation part (or the test items
under ``cross-transductive``); selection is on the source validation part.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from harness.hookspecs import hookimpl
from harness.learning.space import Float, Int
from harness.plugins.methods._alignment import Aligned, grad_reverse
from harness.plugins.methods.classic import Classic


class DANN(Aligned):
    name = "dann"
    description = "domain-adversarial network: gradient reversal against a source/target classifier (Ganin 2016)"
    tasks = ("classification",)
    space = {**Classic.space,
             "weight": Float(0.01, 10.0, default=1.0, log=True),
             "disc_hidden": Int(16, 1024, default=100, log=True)}

    def _alignment_parameters(self) -> list[torch.nn.Parameter]:
        width = self.hparams["embedding"]
        self.discriminator = nn.Sequential(nn.Linear(width, self.hparams["disc_hidden"]), nn.ReLU(),
                                           nn.Linear(self.hparams["disc_hidden"], 1))
        return list(self.discriminator.parameters())

    def alignment(self, source: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
        lam = 2.0 / (1.0 + math.exp(-10.0 * min(progress, 1.0))) - 1.0
        features = grad_reverse(torch.cat([source, target]), lam)
        domain = torch.cat([torch.zeros(len(source)), torch.ones(len(target))]).to(source.device)
        return nn.functional.binary_cross_entropy_with_logits(self.discriminator(features).squeeze(1), domain)


@hookimpl
def harness_methods():
    return [DANN]
