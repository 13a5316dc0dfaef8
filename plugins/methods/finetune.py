"""Fine-tuning — the pre-train-then-fine-tune baseline of the transfer papers (000, 001).

Stage 1 trains the classic network (:mod:`harness.plugins.methods.classic`) on the
source corpora, early-stopped on the source validation speakers.  Stage 2
continues training the same weights on the labelled adaptation part of the
target corpus with a smaller learning rate, early-stopped on the target
adaptation-validation speakers:

    θ_s = argmin CE(source; θ),   θ_t = argmin CE(target-adaptation; θ) from θ_s

``finetune_layers`` says which layers stage 2 updates (``all``; ``head`` =
the shared layer ``g`` and the classifier; ``classifier`` only); the others
stay as pre-trained.  The refit retrains both stages on their training +
validation data for the epochs each stage selected.  Needs labelled target
data: runs under the supervised-adaptation protocols only.
"""

from __future__ import annotations

import numpy as np
import torch

from harness.errors import HarnessError
from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet
from harness.learning.space import Categorical, Float
from harness.learning.supervision import Supervision
from harness.learning.training import fit_with_early_stopping, seed_everything
from harness.plugins.methods.classic import Classic, ClassicNet, input_width

LAYERS = {"all": ("encoder", "shared", "classifier"), "head": ("shared", "classifier"),
          "classifier": ("classifier",)}


def split_domains(data: FeatureSet, what: str) -> tuple[FeatureSet, FeatureSet]:
    """(source items, target items) of a training or validation set; both must be present."""
    source, target = data.in_domain(False), data.in_domain(True)
    if len(source) == 0 or len(target) == 0:
        raise HarnessError(f"{what}: needs source and labelled target items (got {len(source)} and "
                           f"{len(target)}); run it under cross/multi, which then hold out an adaptation part")
    return source, target


class FineTune(Classic):
    name = "finetune"
    description = "classic network pre-trained on the source corpora, fine-tuned on the labelled target adaptation part"
    uses_target_labels = True
    space = {
        **Classic.space,
        "finetune_lr": Float(1e-5, 1e-2, default=1e-4, log=True),
        "finetune_layers": Categorical(tuple(LAYERS), default="all"),
    }
    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        src, tgt = split_domains(train, "finetune (training side)")
        vsrc, vtgt = split_domains(valid, "finetune (validation side)")
        rng = seed_everything(self.seed)
        self.net = self._net(train)
        pre = self._stage(src, vsrc, self.hparams["lr"], LAYERS["all"], self.settings["max_epochs"], None, rng)
        fine = self._stage(tgt, vtgt, self.hparams["finetune_lr"], LAYERS[self.hparams["finetune_layers"]],
                           self.settings["max_epochs"], report, rng)
        return {"pretrain": pre, "finetune": fine, "best_score": fine["best_score"]}

    def refit(self, train: FeatureSet, selection: dict) -> dict:
        src, tgt = split_domains(train, "finetune (refit)")
        rng = seed_everything(self.seed)
        self.net = self._net(train)
        pre = self._stage(src, None, self.hparams["lr"], LAYERS["all"],
                          max(1, selection["pretrain"]["best_epoch"]), None, rng)
        fine = self._stage(tgt, None, self.hparams["finetune_lr"], LAYERS[self.hparams["finetune_layers"]],
                           max(1, selection["finetune"]["best_epoch"]), None, rng)
        return {"pretrain": pre, "finetune": fine}

    def _net(self, data: FeatureSet) -> ClassicNet:
        hp = self.hparams
        self.task = Supervision(data, hp["class_weighting"])
        return ClassicNet(data.kind, input_width(data), self.task.n_outputs, hp["embedding"], hp["hidden"],
                          hp["dropout"], hp["activation"], self.task.per_frame)

    def _stage(self, data: FeatureSet, valid: FeatureSet | None, lr: float, layers, max_epochs: int,
               report, rng: np.random.Generator) -> dict:
        hp = self.hparams
        params = [p for name in layers for p in getattr(self.net, name).parameters()]
        for p in self.net.parameters():
            p.requires_grad_(False)
        for p in params:
            p.requires_grad_(True)
        task = Supervision(data, hp["class_weighting"])
        optimizer = torch.optim.Adam(params, lr=lr, weight_decay=hp["weight_decay"])

        def batch_loss(index: np.ndarray) -> torch.Tensor:
            batch = task.inputs(index)
            return task.loss(self.net(batch), index, batch[1] if isinstance(batch, tuple) else None)

        def validate() -> float:
            return self.task.score(valid, self.predict(valid))

        try:
            return fit_with_early_stopping(
                self.net, optimizer, batch_loss,
                None if valid is None else validate, len(data), hp["batch_size"], max_epochs,
                self.settings["patience"], rng, report)
        finally:
            for p in self.net.parameters():
                p.requires_grad_(True)


@hookimpl
def harness_methods():
    return [FineTune]
