"""EmoBed — crossmodal emotion embeddings (Han, Zhang, Pantic & Schuller, 2019; paper 004).

Two modality encoders map the target modality A and the auxiliary modality V
into one E-dimensional embedding space; one shared recognition network ``g``
classifies embeddings of either modality:

    e_A = f_A(x_A),  e_V = f_V(x_V),  p(y | e) = softmax(g(e))
    J = L_A + α·L_V + β·L_VAT + λ·‖θ‖²                               (eq. 8)

``L_A``, ``L_V``: cross-entropy of the target and auxiliary batches.
``L_VAT``: the crossmodal batch-hard triplet loss over the double batch
{e_A; e_V} (eq. 6): for every embedding, the hardest positive (largest
distance, same label, either modality, not itself) and the hardest negative
(smallest distance, another label),

    L_VAT = mean_e [ D(e, e⁺) − D(e, e⁻) ]                 (``triplet=difference``, the paper)
    L_VAT = mean_e max(0, D(e, e⁺) − D(e, e⁻) + m)          (``triplet=hinge``, margin m)

with Euclidean D.  Audio and video batches are drawn independently, so the
auxiliary modality may come from the same corpus (its own items of the fold's
training side) or, unpaired, from another corpus (``--aux-corpus``).
Inference uses the target modality only: ``g(f_A(x_A))``.

Registered ablations, as the paper reports them: ``emobed-joint`` (β = 0,
joint audiovisual training) and ``emobed-triplet`` (α = 0, crossmodal triplet
training); with α = β = 0 it is the classic monomodal system and gives
exactly the ``classic`` plugin's result for the same seed (the auxiliary
encoder is initialised and sampled from its own random streams).

Settings as :mod:`harness.plugins.methods.classic` (120-unit layers, Adam 1e-3, L2
1e-4, batch 64, early stopping on the target-modality validation UAR, refit);
α, β defaults 0.5 (the paper's best α = 0.5, β 0.3–0.8, tuned on dev).  The
paper's GRU layers apply to sequences; on utterance-level vectors the
encoders are dense layers; on frame sequences they are GRU layers.

Regression (RECOLA, OMG arousal/valence): L_A and L_V are ``1 − mean CCC``
(harness/learning/supervision.py); the triplet's classes are high/low of each
dimension against the training median (the paper's Fig. 3 shows embeddings
by high and low arousal/valence), combined over the dimensions; with
time-continuous targets the triplet acts on each recording's mean embedding
and the class of its mean target.
"""

from __future__ import annotations

import numpy as np
import torch

from harness.errors import HarnessError
from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet
from harness.learning.nn import encoder
from harness.learning.space import Categorical, Float
from harness.learning.supervision import Supervision
from harness.plugins.methods.classic import Classic, input_width


def hardest_pairs(embeddings: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per anchor: (index of its hardest positive, index of its hardest negative); -1 where none."""
    d = torch.cdist(embeddings, embeddings)
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool)
    pos = torch.where(same & ~eye, d, torch.full_like(d, -1.0)).argmax(dim=1)
    neg = torch.where(~same, d, torch.full_like(d, float("inf"))).argmin(dim=1)
    has_pos, has_neg = (same & ~eye).any(dim=1), (~same).any(dim=1)
    return torch.where(has_pos, pos, -1), torch.where(has_neg, neg, -1)


def crossmodal_triplet(embeddings: torch.Tensor, labels: torch.Tensor, kind: str = "difference",
                       margin: float = 0.0) -> torch.Tensor:
    """Batch-hard triplet loss over the combined batch (eq. 6); anchors without a positive
    or a negative are left out."""
    pos, neg = hardest_pairs(embeddings, labels)
    valid = (pos >= 0) & (neg >= 0)
    if not valid.any():
        return embeddings.sum() * 0.0
    a = embeddings[valid]
    d_pos = (a - embeddings[pos[valid]]).norm(dim=1)
    d_neg = (a - embeddings[neg[valid]]).norm(dim=1)
    gap = d_pos - d_neg
    return (gap if kind == "difference" else torch.relu(gap + margin)).mean()


def _item_embeddings(embeddings: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """(B, E) embeddings; per-frame embeddings (B, T, E) are averaged over each item's valid frames."""
    if lengths is None:
        return embeddings
    mask = (torch.arange(embeddings.shape[1])[None, :] < lengths[:, None]).to(embeddings.dtype)
    return (embeddings * mask[..., None]).sum(dim=1) / lengths[:, None].to(embeddings.dtype)


class EmoBed(Classic):
    name = "emobed"
    description = "EmoBed: crossmodal embeddings, shared recogniser, L_A + α·L_V + β·triplet (paper 004)"
    uses_auxiliary = True
    space = {
        **Classic.space,
        "alpha": Float(0.0, 1.0, default=0.5),
        "beta": Float(0.0, 1.0, default=0.5),
        "triplet": Categorical(("difference", "hinge"), default="difference"),
        "margin": Float(0.0, 2.0, default=0.5),
    }
    #: ablations fix α or β (not searched by the tuner)
    fixed: dict = {}

    def __init__(self, hparams, seed, budget="default"):
        super().__init__({**hparams, **self.fixed}, seed, budget)

    def _extra_parameters(self, train: FeatureSet) -> list[torch.nn.Parameter]:
        hp = self.hparams
        self.crossmodal = hp["alpha"] > 0 or hp["beta"] > 0
        if not self.crossmodal:  # the classic system: the auxiliary data are not touched
            return []
        aux = train.aux
        if aux is None or len(aux) == 0:
            raise HarnessError(f"{self.name}: no auxiliary-modality training data (see --aux-modality/--aux-corpus)")
        if (aux.targets is None) != (train.targets is None):
            raise HarnessError(f"{self.name}: the auxiliary data have no targets of the run's task")
        with torch.random.fork_rng():  # own stream: the target side stays that of `classic`
            torch.manual_seed(self.seed + 1)
            self.aux_encoder = encoder(aux.kind, input_width(aux), hp["embedding"], hp["dropout"],
                                       hp["activation"], per_frame=aux.time_continuous)
        self.aux_rng = np.random.default_rng([self.seed, 1])
        self.aux_task = Supervision(aux, hp["class_weighting"])
        return list(self.aux_encoder.parameters())

    def _add_terms(self, loss: torch.Tensor, e_a: torch.Tensor, index: np.ndarray) -> torch.Tensor:
        """L_A + α·L_V + β·L_VAT, the auxiliary batch drawn independently of the target batch."""
        if not self.crossmodal:
            return loss
        hp = self.hparams
        self.aux_encoder.train(self.net.training)
        n_aux = len(self.aux_task.data)
        v_index = self.aux_rng.choice(n_aux, size=min(len(index), n_aux), replace=False)
        batch = self.aux_task.inputs(v_index)
        lengths = batch[1] if isinstance(batch, tuple) else None
        e_v = self.aux_encoder(batch)
        if hp["alpha"] > 0:
            loss = loss + hp["alpha"] * self.aux_task.loss(self.net.classifier(self.net.shared(e_v)), v_index, lengths)
        if hp["beta"] > 0:
            lengths_a = self.task.inputs(index)[1] if e_a.dim() == 3 else None
            pooled_a, pooled_v = _item_embeddings(e_a, lengths_a), _item_embeddings(e_v, lengths)
            labels = torch.cat([self.task.batch_labels(index), self.aux_task.batch_labels(v_index)])
            loss = loss + hp["beta"] * crossmodal_triplet(torch.cat([pooled_a, pooled_v]), labels,
                                                          hp["triplet"], hp["margin"])
        return loss

    def __getstate__(self):
        state = dict(self.__dict__)
        for key in ("aux_task", "aux_rng"):  # training-time data, not part of the model
            state.pop(key, None)
        return state


class EmoBedJoint(EmoBed):
    name = "emobed-joint"
    description = "EmoBed ablation: joint audiovisual training, no triplet term (β = 0)"
    space = {k: v for k, v in EmoBed.space.items() if k not in ("beta", "triplet", "margin")}
    fixed = {"beta": 0.0, "triplet": "difference", "margin": 0.0}


class EmoBedTriplet(EmoBed):
    name = "emobed-triplet"
    description = "EmoBed ablation: crossmodal triplet training, no auxiliary classification term (α = 0)"
    space = {k: v for k, v in EmoBed.space.items() if k != "alpha"}
    fixed = {"alpha": 0.0}


@hookimpl
def harness_methods():
    return [EmoBed, EmoBedJoint, EmoBedTriplet]
