"""MMD — deep adaptation with the multi-kernel maximum mean discrepancy (DAN; Long et al., ICML 2015).

The classic network trained on labelled source items, plus the squared MK-MMD
between source and target representations of the task-specific layers:

    min_θ  (1/n_a) Σ J(θ(x_i^a), y_i^a) + λ Σ_l d²_k(D_s^l, D_t^l)            (eq. 5)

    d²_k(p, q) = ‖E_p φ(x^s) − E_q φ(x^t)‖²_H,   k = Σ_u β_u k_u   (Gaussian kernels)

DAN adapts the last three fully connected layers with kernel bandwidths spread around
the data's scale and learns the kernel weights β; here the adapted layers are the classic
network's embedding ``f(x)`` and hidden layer ``g(f(x))`` (the layers before the
classifier), with five Gaussian kernels of bandwidths σ²·{1/8, 1/4, 1/2, 1, 2}, σ² the mean
squared distance within the pooled batch, equal weights β (the common simplification,
as in TLlib's default), the biased estimate on batches of 64 source + 64 unlabelled target
items, λ = ``weight`` (default 1), Adam as in ``classic``.  Target features come from
the target's unlabelled adaptation part (or the test items under ``cross-transductive``);
selection is on the source validation part.
"""

from __future__ import annotations

import torch

from harness.hookspecs import hookimpl
from harness.learning.space import Float
from harness.plugins.methods._alignment import Aligned, mk_mmd
from harness.plugins.methods.classic import Classic


class MMD(Aligned):
    name = "mmd"
    description = "multi-kernel MMD between source and target representations (DAN, Long et al. 2015)"
    tasks = ("classification",)
    space = {**Classic.space, "weight": Float(0.01, 100.0, default=1.0, log=True)}

    def alignment(self, source: torch.Tensor, target: torch.Tensor, progress: float) -> torch.Tensor:
        return mk_mmd(source, target) + mk_mmd(self.net.shared(source), self.net.shared(target))


@hookimpl
def harness_methods():
    return [MMD]
