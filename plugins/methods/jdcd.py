"""Joint deep cross-domain learning — continuous fine-tuning chains and joint learning (paper 000).

Nguyen et al. train one GroupNorm CNN (:mod:`harness.plugins.methods._jdcd_net`) on
64×64×3 inputs -- log-mel segments or face crops (``inputs = segments``) --
through a *chain* of stages, each continuing from the previous weights:

    V_eNTER (pre-train, all layers) → V_SAV (fine-tune FC layers) → A_SAV (all)
        → A_EMO (all) → joint learning on V_SAV and V_eNTER

Every stage but the last minimises the cross-entropy of eq. 1 on segments
carrying their utterance's label.  The joint stage adds a second classifier
head and minimises, for a mini-batch of K items of each of two corpora,

    L = λ1·CE_1 + λ2·CE_2 + λ3·L_c,     (eq. 3; λ = 1, 1, 0.01)
    L_c = mean over the K² cross-corpus pairs (i, j) of
          ½‖f_i − f_j‖²               if l_i = l_j      (eq. 2)
          ½·max(0, m − ‖f_i − f_j‖)²  otherwise

(paper: K = 2, lr 1e-6).  ``joint_heads=both`` (default, Algorithm 1 of the
paper: each head's cross-entropy on both corpora's batches); ``joint_heads=per-corpus``
(the reading of eq. 3's names, v2's default): CE_1 is head 1 on corpus 1's batch,
CE_2 head 2 on corpus 2's.  An utterance's posterior is the mean of its segments'
posteriors.

Chains are data.  ``chain`` takes a preset or a chain written as

    STAGE > STAGE > ...       STAGE = DATA [@LAYERS] [[OPTION, ...]]
    DATA    = SET (+ SET)*            cross-entropy on the union (one head)
            | joint(SET, SET)         the joint stage (must be last)
    SET     = train | target | CORPUS:MODALITY
    LAYERS  = all | conv | fc | head  (trained in the stage; the rest frozen)
    OPTION  = lr=FLOAT | epochs=INT | batch=INT

``train`` is the fold's training side (for ``jdcd-joint``: its source items),
``target`` the labelled target-adaptation items (``jdcd-joint`` only),
``CORPUS:MODALITY`` a pre-training set the core provides in ``train.extra``
(``--pretrain CORPUS:MODALITY``; see harness/experiment/pretraining.py), e.g.
``--hp jdcd.chain="enterface:visual@all>savee:visual@fc>train@all"``.
Presets: ``auto`` (every pre-training set @all in the order given, then
train@all, then -- jdcd-joint -- joint(train,target)); ``paper`` (first
pre-training set @all, second @fc, the rest @all, train@all, joint when there
is target data); ``scratch`` (train@all: the paper's A_EMO_Model baseline);
jdcd-joint also ``pooled`` (train+target: the A∪B CE-only baseline),
``source-only``, ``target-only`` and ``finetune`` (train@all>target@all).

Stages on ``train``/``target`` data are early-stopped on the matching
validation items (utterance UAR); pre-training sets have no validation part
and train for a fixed number of epochs.  The refit replays the chain with the
epochs each stage selected.  The joint stage predicts with the head of its
operand holding target-corpus items (else its first operand's).

Deviations from the paper, for CPU budgets (**read before comparing**):
Adam instead of SGD, lr 1e-3 (Adam's usual rate; the paper's SGD rate
"10e-5" over 100,000 iterations learnt nothing in a CPU budget of epochs) for
all stages, the joint one included (``joint_lr``; the paper's 1e-6 over 20,000
iterations moves Adam's weights by ~1e-6 per step, so in a budget of a few
epochs the joint stage left the transferred model as it was: demo-a → demo-b
log-mel, paper chain, 4 joint epochs: UAR .214 at 1e-6, .333 at 1e-4, .389 at 1e-3;
``--hp jdcd-joint.joint_lr=1e-6`` restores the paper's rate); epochs instead
of the paper's 100,000 / 20,000 iterations; and the
``width`` multiplier of all convolution channels: the ``smoke`` and
``default`` budgets use **width 0.125 and 0.25** (channels 16-32-64-128 at
0.25; 1.0 = the paper's 64-128-256-512 trains at ~45 segments/s on one CPU
core, too slow for a LOSO run) and batch 8 / 16 instead of 2; ``--budget paper``
uses width 1.0 and batch 2.  ``--hp jdcd.width=1.0`` forces the paper's width.
The margin m is not given in the paper: default 1.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from harness.errors import HarnessError
from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet, Method
from harness.learning.metrics import classification_metrics
from harness.learning.nn import flatten_segments, pool_segments, to_tensor
from harness.learning.space import Categorical, Float, Int
from harness.learning.training import fit_with_early_stopping, seed_everything
from harness.plugins.methods._jdcd_net import LAYER_GROUPS, JDCDNet, contrastive_pairs


# -- chains ----------------------------------------------------------------------
class ChainError(ValueError):
    """A chain string that does not parse."""


@dataclass(frozen=True)
class Stage:
    sets: tuple[str, ...]
    layers: str = "all"
    joint: bool = False
    options: dict = field(default_factory=dict, hash=False, compare=True)

    def __str__(self) -> str:
        data = f"joint({','.join(self.sets)})" if self.joint else "+".join(self.sets)
        opts = "[" + ",".join(f"{k}={v}" for k, v in self.options.items()) + "]" if self.options else ""
        return f"{data}@{self.layers}{opts}"


_SET = r"(?:train|target|[a-z0-9][a-z0-9_.-]*:[a-z]+)"
_STAGE = re.compile(rf"^(?:joint\((?P<a>{_SET}),(?P<b>{_SET})\)|(?P<sets>{_SET}(?:\+{_SET})*))"
                    rf"(?:@(?P<layers>[a-z]+))?(?:\[(?P<opts>[^\]]*)\])?$")
_OPTIONS = {"lr": float, "epochs": int, "batch": int}


def parse_chain(text: str) -> list[Stage]:
    """Stages of a chain string (see the module docstring); ChainError names the bad stage."""
    if not isinstance(text, str) or not text.strip():
        raise ChainError("empty chain")
    stages = []
    parts = [p.strip().replace(" ", "") for p in text.split(">")]
    for n, part in enumerate(parts, 1):
        where = f"chain stage {n} {part!r}"
        m = _STAGE.match(part)
        if not m:
            raise ChainError(f"{where}: expected SET[+SET...][@LAYERS][[lr=..,epochs=..,batch=..]] or "
                             f"joint(SET,SET)[@LAYERS][...], SET = train | target | CORPUS:MODALITY")
        layers = m["layers"] or "all"
        if layers not in LAYER_GROUPS:
            raise ChainError(f"{where}: unknown layers {layers!r}; known: {', '.join(LAYER_GROUPS)}")
        options = {}
        for opt in filter(None, (m["opts"] or "").split(",")):
            key, _, value = opt.partition("=")
            if key not in _OPTIONS or not value:
                raise ChainError(f"{where}: bad option {opt!r}; known: {', '.join(k + '=' for k in _OPTIONS)}")
            try:
                options[key] = _OPTIONS[key](value)
            except ValueError:
                raise ChainError(f"{where}: option {key} needs a number, got {value!r}") from None
            if options[key] <= 0:
                raise ChainError(f"{where}: option {key} must be positive")
        joint = m["a"] is not None
        sets = (m["a"], m["b"]) if joint else tuple(m["sets"].split("+"))
        if len(set(sets)) != len(sets):
            raise ChainError(f"{where}: a set is named twice")
        if joint and n != len(parts):
            raise ChainError(f"{where}: the joint stage must be the last stage")
        stages.append(Stage(sets, layers, joint, options))
    return stages


@dataclass(frozen=True)
class ChainParam(Categorical):
    """A preset name (what the tuner draws from) or any chain string that parses."""

    def parse(self, text: str):
        self.check(text)
        return text

    def check(self, value) -> None:
        if value not in self.choices:
            try:
                parse_chain(value)
            except ChainError as exc:
                raise ValueError(f"{value!r} is neither a preset {list(self.choices)} nor a valid chain: "
                                 f"{exc}") from None


def preset_chain(name: str, extras: list[str], has_target: bool) -> list[Stage]:
    joint = [Stage(("train", "target"), "all", True)] if has_target else []
    if name == "auto":
        return [Stage((k,)) for k in extras] + [Stage(("train",))] + joint
    if name == "paper":
        if len(extras) < 2:
            raise HarnessError(f"jdcd chain 'paper' needs at least two pre-training sets (--pretrain "
                               f"CORPUS:MODALITY, visual source then visual target); given: {extras or 'none'}")
        return ([Stage((extras[0],)), Stage((extras[1],), "fc")] + [Stage((k,)) for k in extras[2:]]
                + [Stage(("train",))] + joint)
    fixed = {"scratch": "train", "source-only": "train", "target-only": "target",
             "pooled": "train+target", "finetune": "train@all>target@all"}
    if name in fixed:
        return parse_chain(fixed[name])
    return parse_chain(name)


# -- the method ------------------------------------------------------------------
def _uar(data: FeatureSet, posteriors: np.ndarray) -> float:
    return classification_metrics(data.y, posteriors.argmax(axis=1), list(data.labels))["uar"]


class _Segments:
    """A stage's training data as segments (N_seg, C, H, W) with their utterance labels."""

    def __init__(self, data: FeatureSet):
        flat, owner = flatten_segments(data.x)
        if flat.ndim == 3:
            flat = flat[..., None]
        if flat.ndim != 4:
            raise HarnessError(f"jdcd needs image-like segments (S, H, W[, C]) per item, got {flat.shape[1:]}")
        self.x = np.ascontiguousarray(flat.transpose(0, 3, 1, 2))
        self.y = np.asarray(data.y)[owner]
        self.domains = sorted(set(data.domains))

    def __len__(self) -> int:
        return len(self.y)

    def batch(self, index) -> tuple[torch.Tensor, torch.Tensor]:
        return to_tensor(self.x[index]), torch.as_tensor(self.y[index], dtype=torch.long)


class JDCD(Method):
    name = "jdcd"
    uses_pretraining = True
    description = "GroupNorm CNN on 64x64x3 segments trained through a chain of fine-tuning stages (paper 000)"
    # 2: default budget with a 30-epoch cap (was 12), joint stage 10 epochs (was 4);
    # 3: joint heads default to Algorithm 1 (both heads on both batches; was per-corpus)
    version = "3"
    inputs = ("segments",)
    presets: tuple[str, ...] = ("auto", "paper", "scratch")
    space = {
        "chain": ChainParam(presets, default="auto"),
        "lr": Float(1e-6, 1e-2, default=1e-3, log=True),
        "joint_lr": Float(1e-8, 1e-2, default=1e-3, log=True),
        "width": Categorical(("budget", 0.125, 0.25, 0.5, 1.0), default="budget"),
        "batch_size": Categorical(("budget", 2, 4, 8, 16, 32, 64), default="budget"),
        "joint_batch": Int(2, 64, default=2),
        "dropout": Float(0.0, 0.7, default=0.5),
        "margin": Float(0.01, 100.0, default=1.0, log=True),
        "lambda1": Float(0.0, 10.0, default=1.0),
        "lambda2": Float(0.0, 10.0, default=1.0),
        "lambda3": Float(0.0, 1.0, default=0.01),
        "joint_heads": Categorical(("both", "per-corpus"), default="both"),
    }
    budgets = {
        "smoke": {"width": 0.125, "batch_size": 8, "max_epochs": 10, "patience": 4, "pretrain_epochs": 1,
                  "joint_epochs": 2},
        # v2: cap 12 -> 30 epochs, joint 4 -> 10: at 12 the cap bound in 5 of 10 EMO-DB LOSO folds
        "default": {"width": 0.25, "batch_size": 16, "max_epochs": 30, "patience": 5, "pretrain_epochs": 4,
                    "joint_epochs": 10},
        "paper": {"width": 1.0, "batch_size": 2, "max_epochs": 100, "patience": 10, "pretrain_epochs": 50,
                  "joint_epochs": 20},
    }

    def _setting(self, name: str):
        value = self.hparams.get(name, "budget")
        return self.settings[name] if value == "budget" else value

    # -- data of a stage --------------------------------------------------------------
    def _resolve(self, name: str, data: FeatureSet, extra: dict, training: bool) -> FeatureSet | None:
        if name == "train":
            return data.in_domain(False) if self.uses_target_labels else data
        if name == "target":
            if not self.uses_target_labels:
                raise HarnessError(f"{self.name}: chain set 'target' needs labelled target data; use "
                                   f"jdcd-joint under the cross/multi protocols")
            return data.in_domain(True)
        if not training:
            return None  # pre-training sets have no validation part
        if name not in extra:
            raise HarnessError(f"{self.name}: chain set {name!r} is not among the pre-training sets of this "
                               f"run ({', '.join(extra) or 'none'}); pass --pretrain {name}")
        return extra[name]

    def _stage_data(self, stage: Stage, train: FeatureSet, valid: FeatureSet | None):
        extra = getattr(train, "extra", None) or {}
        parts = [self._resolve(s, train, extra, True) for s in stage.sets]
        for s, p in zip(stage.sets, parts):
            if len(p) == 0:
                raise HarnessError(f"{self.name}: chain stage {stage}: set {s!r} has no items")
        vparts = [] if valid is None else [self._resolve(s, valid, extra, False) for s in stage.sets]
        vparts = [p for p in vparts if p is not None and len(p)]
        return parts, (FeatureSet.concat(*vparts) if vparts else None)

    # -- fitting ---------------------------------------------------------------------
    def _chain(self, train: FeatureSet) -> list[Stage]:
        extras = list((getattr(train, "extra", None) or {}).keys())
        has_target = self.uses_target_labels and len(train.in_domain(True)) > 0
        return preset_chain(self.hparams["chain"], extras, has_target)

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        return self._run(train, valid, report, None)

    def refit(self, train: FeatureSet, selection: dict) -> dict:
        return self._run(train, None, None, [s["best_epoch"] for s in selection["stages"]])

    def _run(self, train: FeatureSet, valid: FeatureSet | None, report, epochs: list[int] | None) -> dict:
        chain = self._chain(train)
        rng = seed_everything(self.seed)
        first = _Segments(train.subset([0]))
        self.net = JDCDNet(train.n_classes, first.x.shape[1], first.x.shape[2], float(self._setting("width")),
                           self.hparams["dropout"])
        self.predict_head = 1
        stages = []
        for n, stage in enumerate(chain):
            parts, vdata = self._stage_data(stage, train, valid)
            last = n == len(chain) - 1
            fixed = None if epochs is None else max(1, epochs[n])
            info = self._train_stage(stage, parts, vdata, fixed, report if last else None, rng)
            stages.append({"stage": str(stage), "items": [len(p) for p in parts], **info})
        return {"chain": [str(s) for s in chain], "stages": stages, "best_score": stages[-1].get("best_score")}

    def _train_stage(self, stage: Stage, parts: list[FeatureSet], vdata, fixed_epochs, report, rng) -> dict:
        hp, st = self.hparams, self.settings
        lr = stage.options.get("lr", hp["joint_lr"] if stage.joint else hp["lr"])
        target_domain = parts[0].target_domain
        if stage.joint:
            self.net.add_second_head()
            self.predict_head = 2 if (target_domain in parts[1].domains
                                      and target_domain not in parts[0].domains) else 1
        params = self.net.group_parameters(stage.layers)
        trainable = {id(p) for p in params}
        for p in self.net.parameters():
            p.requires_grad_(id(p) in trainable)
        optimizer = torch.optim.Adam(params, lr=lr)
        validate = None
        if stage.joint and vdata is not None and target_domain in vdata.domains:
            vdata = vdata.in_domain(True)  # the joint stage is selected on the corpus it predicts
        if vdata is not None and fixed_epochs is None:
            def validate() -> float:
                return _uar(vdata, self.predict(vdata))
        if fixed_epochs is not None:
            max_epochs = fixed_epochs
        elif validate is None:
            max_epochs = stage.options.get("epochs", st["pretrain_epochs"])
        else:
            max_epochs = stage.options.get("epochs", st["joint_epochs"] if stage.joint else st["max_epochs"])
        if stage.joint:
            a, b = _Segments(parts[0]), _Segments(parts[1])
            batch, batch_loss = stage.options.get("batch", hp["joint_batch"]), self._joint_loss(a, b, rng)
            n_train = len(a)
        else:
            data = _Segments(FeatureSet.concat(*parts))
            batch = stage.options.get("batch", int(self._setting("batch_size")))
            loss_fn = nn.CrossEntropyLoss()

            def batch_loss(index):
                x, y = data.batch(index)
                return loss_fn(self.net(x, self.predict_head), y)
            n_train = len(data)
        try:
            info = fit_with_early_stopping(self.net, optimizer, batch_loss, validate, n_train, batch, max_epochs,
                                           st["patience"], rng, report)
        finally:
            for p in self.net.parameters():
                p.requires_grad_(True)
        return {**info, "lr": lr, "layers": stage.layers, "segments": n_train}

    def _joint_loss(self, a: _Segments, b: _Segments, rng: np.random.Generator):
        """Loss of one joint step: a batch of corpus 1 (the loop's index) and the next batch of
        corpus 2 (its own shuffled order, cycled)."""
        hp = self.hparams
        ce = nn.CrossEntropyLoss()
        state = {"order": rng.permutation(len(b)), "pos": 0}

        def partner(k: int) -> np.ndarray:
            out = []
            while len(out) < k:
                if state["pos"] >= len(state["order"]):
                    state["order"], state["pos"] = rng.permutation(len(b)), 0
                take = state["order"][state["pos"]:state["pos"] + k - len(out)]
                state["pos"] += len(take)
                out += list(take)
            return np.asarray(out)

        def loss(index: np.ndarray) -> torch.Tensor:
            (xi, yi), (xj, yj) = a.batch(index), b.batch(partner(len(index)))
            f_i, f_j = self.net.features(xi), self.net.features(xj)
            if hp["joint_heads"] == "both":
                ce1 = ce(self.net.head(f_i), yi) + ce(self.net.head(f_j), yj)
                ce2 = ce(self.net.head2(f_i), yi) + ce(self.net.head2(f_j), yj)
            else:
                ce1, ce2 = ce(self.net.head(f_i), yi), ce(self.net.head2(f_j), yj)
            lc = contrastive_pairs(f_i, yi, f_j, yj, hp["margin"])
            return hp["lambda1"] * ce1 + hp["lambda2"] * ce2 + hp["lambda3"] * lc
        return loss

    # -- inference -------------------------------------------------------------------
    def predict(self, data: FeatureSet) -> np.ndarray:
        flat, owner = flatten_segments(data.x)
        if flat.ndim == 3:
            flat = flat[..., None]
        self.net.eval()
        out = []
        with torch.no_grad():
            for start in range(0, len(flat), 256):
                x = to_tensor(np.ascontiguousarray(flat[start:start + 256].transpose(0, 3, 1, 2)))
                out.append(torch.softmax(self.net(x, self.predict_head), dim=1).detach().cpu().numpy())
        self.segment_scores = (np.concatenate(out), owner)  # for the core's segment-level accuracy
        return pool_segments(self.segment_scores[0], owner, len(data))


class JDCDJoint(JDCD):
    name = "jdcd-joint"
    description = ("jdcd with labelled target data: chain ending in joint learning on source and target "
                   "(two heads, CE + contrastive over K² cross-corpus pairs; paper 000)")
    uses_target_labels = True
    presets = ("auto", "paper", "pooled", "source-only", "target-only", "finetune")
    space = {**JDCD.space, "chain": ChainParam(presets, default="auto")}


@hookimpl
def harness_methods():
    return [JDCD, JDCDJoint]
