"""PathNet transfer (Nguyen et al., "Meta transfer learning for emotion recognition", paper 001),
built on PathNet (Fernando et al., 2017).

Network: ``L`` layers of ``M`` modules; a module is a linear map of ``units``
neurons followed by a ReLU.  A pathway selects the active modules of every
layer; the outputs of a layer's active modules are **averaged** (the paper,
§3.3.1 and Fig. 3b: "the outputs of the modules of this layer are averaged";
Fernando et al. summed) before they enter the active modules of the next
layer, and a task-specific linear layer with softmax closes the pathway:

    h_0 = x,   h_l = mean_{m in A_l} ReLU(W_lm h_{l-1} + b_lm),   p(y | x) = softmax(W_t h_L + b_t)

A pathway's genotype is an integer matrix with ``active`` genes per layer
(the paper's 4×3 matrix, stored here as layers × genes); genes are module
indices in [0, M), duplicates allowed, so a layer has at most ``active``
distinct active modules ``A_l``.  Paper defaults: L = 3, M = 20, 20 units,
4 genes per layer, population 20, SGD with learning rate 0.02 and mini-batch
64, 200 generations.

Evolution (binary tournament, the microbial GA of Harvey 2011, §3.3.2): a
random population of genotypes; each generation draws two distinct pathways
at random and trains each in turn with SGD (no momentum) for ``T``
mini-batches; its fitness is the fraction of training samples it classified
correctly during that training (each mini-batch's forward pass, before that
step's update).  The loser's genotype becomes a copy of the winner's, and
every gene of the copy is mutated with probability 1/(genes per layer × L) by
adding a random integer of [−2, 2] (the paper writes both "the winner is then
mutated" and "added to the current value of the lose candidate"; mutating the
loser's copy keeps the winner, as in Fernando et al. and Harvey's microbial GA).  Parameters are shared by all pathways of a population: training a
pathway updates its modules wherever else they are used.  One task head is
shared by the pathways of one stage.

Transfer (``pathnet-transfer``): evolve on the source items, fix the best
source pathway's modules (``requires_grad`` off, left out of the optimiser),
re-initialise every other module, then evolve a new population with a new
head on the labelled target items.  The fixed modules are always active: in
every layer a target pathway averages over its own modules and the fixed ones
(§3.3.2: "the best pathway achieved when completed training on source data is
always activated during learning with the destination data"; Figs. 20–22).
``pathnet`` is the same network evolved from scratch on whatever training
data the fold gives (the paper's A_SAV, A_EMO baselines); ``pathnet-target``
evolves from scratch on the labelled target items alone, the baseline the
transfer is compared with on the same test items.

Choices the paper leaves open, made here and stated:

* ``T``: the paper writes "T epochs (T equals the number of samples counted in
  training set divided by mini-batch size)"; the quantity is a number of
  mini-batches (Fernando et al.: "T = 50 mini-batches"), so a pathway is
  trained for T = max(⌈n/batch⌉, ``min_steps``) mini-batches of consecutive
  shuffled passes over the stage's n training rows (segments, for segment
  features).  ``min_steps`` is a budget setting: 1 under ``paper`` (the
  literal rule), 50 (Fernando et al.'s T) under ``default``, 20 under
  ``smoke``.  Without it a small training set (168 eGeMAPS vectors: T = 3)
  decides every tournament on two or three mini-batches and 60 generations
  stay near chance level; on the paper's data the floor does not bind
  (EMO-DB log-mel segments, ~3000 per LOSO fold: T = 49).
* Initialisation: He-normal module weights, zero biases (not stated by the
  papers; PyTorch's default init shrinks the signal through three averaged
  layers and the network stayed at chance for dozens of generations).
* Mutation range: the genotype's range is not stated consistently (§4 says
  integers in [1, 13] with M = 20).  Genes live in [0, M) and a mutated gene
  wraps around (modulo M), as in public PathNet implementations; clipping
  would pile mutated genes onto modules 0 and M−1.  An increment of 0 leaves
  the gene unchanged, so a gene changes with probability (1/12)·(4/5).
* Ties in the tournament: the pathway drawn first wins.
* Model selection (``selection``): ``valid`` (default) scores the winner of
  every tournament on the stage's validation items (UAR of the utterance
  posteriors; never test items) and keeps a copy of the pathway's modules and
  head with the best score (earliest on ties); ``fitness`` is the paper's
  literal rule: at the end, the population's pathway with the highest last
  fitness (first in population order on ties) with the parameters as they are.
  Training accuracy saturates at 1.0 on small corpora, so fitness alone cannot
  tell pathways apart; a stage without validation items falls back to
  ``fitness`` and says so in the fit report.  No refit: an evolutionary run
  has no epoch count to replay on training + validation data.
* Multi-source (A+B → C, ``multi_source``): the paper trained on "(audio
  eNTERFACE and audio SAVEE) which are set as source data" and transferred
  "the best pathway" (one), i.e. the sources pooled into one source stage —
  the default ``pooled``.  ``sequential`` evolves on each source in the
  order the fold lists them (the order of ``--source``), fixing each stage's
  best pathway in turn (all fixed modules stay active), then the target.
* Inputs: the paper feeds the 64×64×3 log-mel segment (or face crop)
  flattened into the first layer's modules (its parameter count
  64·64·3·20 + 20 per module, §4 Discussion); no convolutional front end.
  Segments carry their utterance's label; an utterance's posterior is the
  mean of its segments' posteriors.  Utterance-level vectors are one
  "segment" per item.  Standardisation is the core's ``--norm``.
* Loss: cross-entropy, unweighted (``class_weighting`` offers balanced).
* Fit and predict run torch single-threaded (see :func:`one_thread`).

The fit report stores every stage's best genotype, its active and fixed
modules and a text drawing of the layers × modules grid.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import torch
from torch import nn

from harness.errors import HarnessError
from harness.hookspecs import hookimpl
from harness.learning.method import FeatureSet, Method
from harness.learning.metrics import classification_metrics
from harness.learning.nn import class_weights, flatten_segments, pool_segments, to_tensor
from harness.learning.space import Categorical, Float, Int
from harness.learning.training import minibatches, seed_everything
from harness.plugins.methods.finetune import split_domains

MUTATION_SPAN = 2  # increments drawn from [-2, 2]
_CHUNK = 4096  # segments per forward pass at prediction time


# -- genotypes and the tournament ----------------------------------------------------
def random_genotype(rng: np.random.Generator, layers: int, modules: int, genes: int) -> np.ndarray:
    """A (layers, genes) matrix of module indices drawn uniformly from [0, modules)."""
    return rng.integers(0, modules, size=(layers, genes))


def mutate(genotype: np.ndarray, rng: np.random.Generator, modules: int,
           rate: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A mutated copy and the mask of genes drawn for mutation.

    Each gene is drawn with probability ``rate`` (default 1/genotype.size, the
    paper's 1/(4×3)); a drawn gene gets an integer of [−2, 2] added, wrapping
    around modulo ``modules``.
    """
    rate = 1.0 / genotype.size if rate is None else rate
    mask = rng.random(genotype.shape) < rate
    delta = rng.integers(-MUTATION_SPAN, MUTATION_SPAN + 1, size=genotype.shape)
    return np.where(mask, (genotype + delta) % modules, genotype), mask


def tournament(population: list[np.ndarray], fitness: list[float], pair: tuple[int, int],
               rng: np.random.Generator, modules: int, rate: float | None = None) -> tuple[int, int]:
    """Binary tournament on two evaluated pathways: the loser's genotype becomes a
    mutated copy of the winner's (the first of ``pair`` wins ties).  Returns
    (winner, loser); the loser's fitness is unknown until it is trained again."""
    a, b = pair
    winner, loser = (a, b) if fitness[a] >= fitness[b] else (b, a)
    population[loser], _ = mutate(population[winner].copy(), rng, modules, rate)
    fitness[loser] = -math.inf
    return winner, loser


def active_modules(genotype: np.ndarray, frozen: list[set[int]]) -> list[list[int]]:
    """Per layer, the sorted distinct modules of the genotype plus the fixed ones."""
    return [sorted(set(int(g) for g in genes) | frozen[layer]) for layer, genes in enumerate(genotype)]


def draw_pathway(genotype: np.ndarray, frozen: list[set[int]], modules: int) -> str:
    """Text drawing of the layers × modules grid: ``#`` active, ``F`` fixed
    (transferred, always active), ``.`` inactive."""
    lines = ["layer " + "".join(f"{m:>3}" for m in range(modules))]
    for layer, genes in enumerate(genotype):
        chosen = set(int(g) for g in genes)
        cells = ["F" if m in frozen[layer] else "#" if m in chosen else "." for m in range(modules)]
        lines.append(f"{layer + 1:>5} " + "".join(f"{c:>3}" for c in cells))
    lines.append("input -> layer 1 -> ... -> task head;  # active  F fixed (transferred, always active)  . unused")
    return "\n".join(lines)


# -- the network -----------------------------------------------------------------------
def init_module(module: nn.Linear) -> None:
    """He initialisation for ReLU units (weights N(0, 2/fan_in), zero biases)."""
    nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    nn.init.zeros_(module.bias)


class PathNetModel(nn.Module):
    """``layers`` × ``modules`` linear+ReLU modules and one task head."""

    def __init__(self, n_in: int, n_classes: int, layers: int, modules: int, units: int):
        super().__init__()
        self.grid = nn.ModuleList(
            nn.ModuleList(nn.Linear(n_in if layer == 0 else units, units) for _ in range(modules))
            for layer in range(layers))
        for modules_of_layer in self.grid:
            for module in modules_of_layer:
                init_module(module)
        self.head = nn.Linear(units, n_classes)

    def forward(self, x: torch.Tensor, active: list[list[int]]) -> torch.Tensor:
        h = x
        for layer, chosen in zip(self.grid, active):
            weight = torch.cat([layer[m].weight for m in chosen])  # one matmul for the layer's modules
            bias = torch.cat([layer[m].bias for m in chosen])
            out = torch.relu(nn.functional.linear(h, weight, bias))
            h = out.view(len(h), len(chosen), -1).mean(dim=1)
        return self.head(h)


@contextlib.contextmanager
def one_thread():
    """Run torch single-threaded, then restore the thread count.  PathNet takes thousands
    of small mini-batch steps, where the intra-op thread pool costs more than it gains
    (measured: a smoke fit 5.8 s single-threaded, 79 s with 2 threads on a busy 2-core machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def flat_inputs(data: FeatureSet) -> tuple[np.ndarray, np.ndarray]:
    """(rows (n, D), owning item of each row): flattened segments, or one row per vector."""
    if data.kind == "segments":
        rows, owner = flatten_segments(data.x)
        return rows.reshape(len(rows), -1), owner
    x = np.asarray(data.x, dtype=np.float32)
    return x.reshape(len(x), -1), np.arange(len(x), dtype=np.int64)


class PathNet(Method):
    name = "pathnet"
    description = "PathNet evolved from scratch on the training data (paper 001's baseline)"
    inputs = ("vector", "segments")
    space = {
        "lr": Float(1e-3, 0.2, default=0.02, log=True),
        "units": Int(5, 128, default=20, log=True),
        "modules": Int(4, 40, default=20),
        "layers": Int(1, 5, default=3),
        "active": Int(1, 8, default=4),
        "population": Int(4, 64, default=20),
        "batch_size": Categorical((16, 32, 64, 128), default=64),
        "selection": Categorical(("valid", "fitness"), default="valid"),
        "class_weighting": Categorical(("none", "balanced"), default="none"),
    }
    budgets = {
        "smoke": {"generations": 20, "min_steps": 20},
        "default": {"generations": 60, "min_steps": 50},
        "paper": {"generations": 200, "min_steps": 1},
    }

    def stages(self, train: FeatureSet, valid: FeatureSet) -> list[tuple[str, FeatureSet, FeatureSet]]:
        """(name, training items, validation items) of each evolution stage, in order."""
        return [("all", train, valid)]

    def fit(self, train: FeatureSet, valid: FeatureSet, report=None) -> dict:
        with one_thread():
            return self._fit(train, valid, report)

    def _fit(self, train: FeatureSet, valid: FeatureSet, report) -> dict:
        hp = self.hparams
        stages = self.stages(train, valid)
        rng = seed_everything(self.seed)
        n_in = flat_inputs(train.subset([0]))[0].shape[1]
        self.net = PathNetModel(n_in, train.n_classes, hp["layers"], hp["modules"], hp["units"])
        self.frozen: list[set[int]] = [set() for _ in range(hp["layers"])]
        done = []
        for number, (name, stage_train, stage_valid) in enumerate(stages):
            if number > 0:  # fix the previous stage's best pathway, start every other module afresh
                for layer, chosen in enumerate(self.best_active):
                    self.frozen[layer] |= set(chosen)
                self._reinitialise()
            last = number == len(stages) - 1
            done.append({"stage": name, **self._evolve(stage_train, stage_valid, rng, report if last else None)})
        final = done[-1]
        return {"stages": done, "genotype": final["genotype"], "active": final["active"],
                "fixed": final["fixed"], "drawing": final["drawing"], "best_score": final["valid_uar"]}

    def _reinitialise(self) -> None:
        for layer, modules in enumerate(self.net.grid):
            for m, module in enumerate(modules):
                fixed = m in self.frozen[layer]
                if not fixed:
                    init_module(module)
                for p in module.parameters():
                    p.requires_grad_(not fixed)
        self.net.head = nn.Linear(self.net.head.in_features, self.net.head.out_features)

    def _evolve(self, train: FeatureSet, valid: FeatureSet, rng: np.random.Generator, report) -> dict:
        hp, settings = self.hparams, self.settings
        if len(train) == 0:
            raise HarnessError(f"{self.name}: a stage has no training items")
        rows, owner = flat_inputs(train)
        x = to_tensor(rows)
        y = torch.as_tensor(np.asarray(train.y)[owner], dtype=torch.long)
        weight = class_weights(np.asarray(train.y)[owner], train.n_classes, hp["class_weighting"])
        loss_fn = nn.CrossEntropyLoss(weight=weight)
        params = [p for p in self.net.parameters() if p.requires_grad]
        optimizer = torch.optim.SGD(params, lr=hp["lr"])
        steps = max(math.ceil(len(rows) / hp["batch_size"]), settings["min_steps"])
        population = [random_genotype(rng, hp["layers"], hp["modules"], hp["active"])
                      for _ in range(hp["population"])]
        fitness = [-math.inf] * len(population)
        use_valid = hp["selection"] == "valid" and len(valid) > 0
        best = {"score": -math.inf, "generation": 0, "genotype": population[0], "fitness": -math.inf}
        snapshot = None
        for generation in range(1, settings["generations"] + 1):
            pair = tuple(int(i) for i in rng.choice(len(population), size=2, replace=False))
            for i in pair:
                fitness[i] = self._train_pathway(population[i], x, y, loss_fn, optimizer, steps, rng)
            winner_fitness = max(fitness[i] for i in pair)
            winner, _ = tournament(population, fitness, pair, rng, hp["modules"])
            winner_genotype = population[winner]
            if use_valid:
                score = self._uar(valid, winner_genotype)
                if report is not None:
                    report(generation, score)
                if score > best["score"]:
                    best = {"score": score, "generation": generation, "genotype": winner_genotype.copy(),
                            "fitness": winner_fitness}
                    snapshot = self._snapshot(winner_genotype)
        if use_valid:
            self._restore(snapshot)
        else:
            index = int(np.argmax(fitness))  # first in population order on ties
            best = {"score": None, "generation": settings["generations"], "genotype": population[index].copy(),
                    "fitness": fitness[index]}
            if len(valid) > 0:
                best["score"] = self._uar(valid, best["genotype"])
        self.best_genotype = best["genotype"]
        self.best_active = active_modules(self.best_genotype, self.frozen)
        self.net.eval()
        return {
            "n_train_rows": len(rows), "steps_per_pathway": steps, "generations": settings["generations"],
            "selection": "valid" if use_valid else
            ("fitness" if hp["selection"] == "fitness" else "fitness (no validation items)"),
            "selected_generation": best["generation"], "fitness": float(best["fitness"]),
            "valid_uar": None if best["score"] is None else float(best["score"]),
            "genotype": self.best_genotype.tolist(), "active": self.best_active,
            "fixed": [sorted(f) for f in self.frozen],
            "drawing": draw_pathway(self.best_genotype, self.frozen, hp["modules"]),
        }

    def _train_pathway(self, genotype: np.ndarray, x: torch.Tensor, y: torch.Tensor, loss_fn,
                       optimizer: torch.optim.Optimizer, steps: int, rng: np.random.Generator) -> float:
        """SGD for ``steps`` mini-batches drawn from shuffled passes over the samples;
        fitness = fraction of the samples classified correctly by the forward passes."""
        active = active_modules(genotype, self.frozen)
        self.net.train()
        correct = seen = 0
        for index in self._batches(len(x), steps, rng):
            index = torch.as_tensor(index)
            optimizer.zero_grad(set_to_none=True)
            logits = self.net(x[index], active)
            loss = loss_fn(logits, y[index])
            loss.backward()
            optimizer.step()
            correct += int((logits.detach().argmax(dim=1) == y[index]).sum())
            seen += len(index)
        return correct / seen

    def _batches(self, n: int, steps: int, rng: np.random.Generator):
        """``steps`` mini-batches: consecutive shuffled passes, the last one cut short."""
        done = 0
        while done < steps:
            for index in minibatches(n, self.hparams["batch_size"], rng):
                if done == steps:
                    return
                done += 1
                yield index

    def _snapshot(self, genotype: np.ndarray) -> dict:
        active = active_modules(genotype, self.frozen)
        return {"modules": {(layer, m): {k: v.detach().clone() for k, v in self.net.grid[layer][m].state_dict().items()}
                            for layer, chosen in enumerate(active) for m in chosen},
                "head": {k: v.detach().clone() for k, v in self.net.head.state_dict().items()}}

    def _restore(self, snapshot: dict) -> None:
        with torch.no_grad():
            for (layer, m), state in snapshot["modules"].items():
                self.net.grid[layer][m].load_state_dict(state)
            self.net.head.load_state_dict(snapshot["head"])

    def _posteriors(self, data: FeatureSet, genotype: np.ndarray) -> np.ndarray:
        rows, owner = flat_inputs(data)
        active = active_modules(genotype, self.frozen)
        self.net.eval()
        scores = []
        with torch.no_grad():
            for start in range(0, len(rows), _CHUNK):
                logits = self.net(to_tensor(rows[start:start + _CHUNK]), active)
                scores.append(torch.softmax(logits, dim=1).detach().cpu().numpy())
        self.segment_scores = (np.concatenate(scores), owner)  # for the core's segment-level accuracy
        return pool_segments(self.segment_scores[0], owner, len(data))

    def _uar(self, data: FeatureSet, genotype: np.ndarray) -> float:
        pred = self._posteriors(data, genotype).argmax(axis=1)
        return float(classification_metrics(data.y, pred, data.labels)["uar"])

    def predict(self, data: FeatureSet) -> np.ndarray:
        with one_thread():
            return self._posteriors(data, self.best_genotype)


class PathNetTransfer(PathNet):
    name = "pathnet-transfer"
    description = ("PathNet transfer: best source pathway fixed and always active while a new population "
                   "evolves on the labelled target adaptation part (paper 001)")
    uses_target_labels = True
    space = {**PathNet.space, "multi_source": Categorical(("pooled", "sequential"), default="pooled")}

    def stages(self, train: FeatureSet, valid: FeatureSet) -> list[tuple[str, FeatureSet, FeatureSet]]:
        src, tgt = split_domains(train, f"{self.name} (training side)")
        vsrc, vtgt = valid.in_domain(False), valid.in_domain(True)
        if self.hparams["multi_source"] == "pooled":
            sources = [("source:" + "+".join(dict.fromkeys(src.domains)), src, vsrc)]
        else:
            sources = []
            for domain in dict.fromkeys(src.domains):  # the fold's order of the sources
                pick = [i for i, d in enumerate(src.domains) if d == domain]
                vpick = [i for i, d in enumerate(vsrc.domains) if d == domain]
                sources.append((f"source:{domain}", src.subset(pick), vsrc.subset(vpick)))
        return sources + [(f"target:{train.target_domain}", tgt, vtgt)]


class PathNetTarget(PathNet):
    """The paper's from-scratch baseline under the adaptation protocols: evolved on the
    labelled target adaptation items only (the source items are not used), tested on the
    same target items as ``pathnet-transfer`` -- what the transfer must beat."""

    name = "pathnet-target"
    description = ("PathNet evolved from scratch on the labelled target adaptation part only "
                   "(paper 001's baseline for pathnet-transfer, same test items)")
    uses_target_labels = True

    def stages(self, train: FeatureSet, valid: FeatureSet) -> list[tuple[str, FeatureSet, FeatureSet]]:
        _, tgt = split_domains(train, f"{self.name} (training side)")
        return [(f"target:{train.target_domain}", tgt, valid.in_domain(True))]


@hookimpl
def harness_methods():
    return [PathNet, PathNetTransfer, PathNetTarget]
