"""PathNet (paper 001): genotypes, mutation, tournament, the fixed source pathway, segments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from harness.learning.method import FeatureSet
from harness.learning.space import defaults
from harness.plugins.methods.pathnet import (
    PathNet,
    PathNetModel,
    PathNetTarget,
    PathNetTransfer,
    active_modules,
    draw_pathway,
    mutate,
    random_genotype,
    tournament,
)

LABELS = ("anger", "happiness", "sadness")


def test_mutation_draws_each_gene_with_probability_one_twelfth_and_adds_minus_two_to_two():
    rng = np.random.default_rng(0)
    genotype = np.full((3, 4), 10)
    draws = 20000
    masks, deltas = [], []
    for _ in range(draws):
        new, mask = mutate(genotype, rng, modules=20)
        masks.append(mask)
        deltas.append(new - genotype)
    masks, deltas = np.array(masks), np.array(deltas)
    n = masks.size
    p = 1 / 12
    assert abs(masks.mean() - p) < 5 * math.sqrt(p * (1 - p) / n)
    assert np.all(deltas[~masks] == 0)  # genes not drawn never change
    assert set(np.unique(deltas[masks])) == {-2, -1, 0, 1, 2}
    changed = (deltas != 0).mean()
    q = p * 4 / 5  # an increment of 0 leaves a drawn gene as it was
    assert abs(changed - q) < 5 * math.sqrt(q * (1 - q) / n)
    assert np.all(genotype == 10)  # the input is not modified


def test_mutated_genes_wrap_around_and_stay_module_indices():
    rng = np.random.default_rng(1)
    for start in (0, 1, 18, 19):
        genotype = np.full((3, 4), start)
        for _ in range(500):
            new, mask = mutate(genotype, rng, modules=20, rate=1.0)
            assert mask.all() and new.min() >= 0 and new.max() < 20
            step = (new - start + 2) % 20 - 2  # the increment, read around the ring
            assert np.all((step >= -2) & (step <= 2))
    new, _ = mutate(np.zeros((1, 200), dtype=int), np.random.default_rng(2), modules=20, rate=1.0)
    assert {18, 19} <= set(new.ravel().tolist())  # 0 - 1 and 0 - 2 wrap to the top of the layer


def test_genotypes_select_at_most_four_modules_per_layer():
    rng = np.random.default_rng(3)
    for _ in range(200):
        genotype = random_genotype(rng, layers=3, modules=20, genes=4)
        assert genotype.shape == (3, 4) and genotype.min() >= 0 and genotype.max() < 20
        for _ in range(20):
            genotype, _ = mutate(genotype, rng, 20)
        active = active_modules(genotype, [set(), set(), set()])
        assert all(1 <= len(layer) <= 4 for layer in active)
    # duplicates count once; fixed modules join every layer
    assert active_modules(np.array([[1, 1, 1, 1], [2, 3, 2, 3]]), [{5}, {2}]) == [[1, 5], [2, 3]]


def test_tournament_copies_the_winner_into_the_loser():
    rng = np.random.default_rng(4)
    population = [random_genotype(rng, 3, 20, 4) for _ in range(5)]
    winner_before = population[3].copy()
    fitness = [0.1, 0.2, 0.3, 0.9, 0.5]
    winner, loser = tournament(population, fitness, (1, 3), rng, 20, rate=0.0)
    assert (winner, loser) == (3, 1)
    assert np.array_equal(population[1], winner_before) and np.array_equal(population[3], winner_before)
    assert population[1] is not population[3]  # a copy: mutating the loser leaves the winner alone
    assert fitness[1] == -math.inf and fitness[3] == 0.9
    # with mutation the loser is the winner up to its mutated genes
    fitness = [0.7, 0.7, 0.3, 0.9, 0.5]
    winner, loser = tournament(population, fitness, (0, 1), rng, 20, rate=1.0)
    assert (winner, loser) == (0, 1)  # ties: the first drawn wins
    assert np.all(np.abs((population[1] - population[0] + 2) % 20 - 2) <= 2)


def test_a_layer_averages_its_active_modules():
    torch.manual_seed(0)
    net = PathNetModel(5, 3, layers=2, modules=4, units=6)
    x = torch.randn(7, 5)
    grid = net.grid
    h1 = (torch.relu(grid[0][0](x)) + torch.relu(grid[0][2](x))) / 2
    expected = net.head((torch.relu(grid[1][1](h1)) + torch.relu(grid[1][2](h1)) + torch.relu(grid[1][3](h1))) / 3)
    assert torch.allclose(net(x, [[0, 2], [1, 2, 3]]), expected, atol=1e-6)


def test_drawing_marks_active_and_fixed_modules():
    text = draw_pathway(np.array([[0, 2, 2, 2], [1, 1, 1, 1]]), [{3}, set()], modules=4)
    lines = text.splitlines()
    assert lines[1].split() == ["1", "#", ".", "#", "F"]
    assert lines[2].split() == ["2", ".", "#", ".", "."]


def _blobs(n_per_class: int, seed: int, domain: str = "c", dim: int = 8, centres_seed: int = 0) -> FeatureSet:
    centres = np.random.default_rng(centres_seed).normal(0, 3, (len(LABELS), dim))
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(len(LABELS)), n_per_class)
    x = (centres[y] + rng.normal(0, 1, (len(y), dim))).astype(np.float32)
    return FeatureSet(x=x, keys=[f"{domain}/{seed}-{i}" for i in range(len(y))], speakers=[None] * len(y),
                      domains=[domain] * len(y), labels=LABELS, y=y, target_domain="c")


def _transfer_data(sources=("a",)):
    train = FeatureSet.concat(*[_blobs(12, 10 + i, d) for i, d in enumerate(sources)], _blobs(8, 20, "c"))
    valid = FeatureSet.concat(*[_blobs(4, 30 + i, d) for i, d in enumerate(sources)], _blobs(4, 40, "c"))
    return train, valid


def test_the_fixed_source_pathway_is_bit_identical_after_target_training():
    train, valid = _transfer_data()
    method = PathNetTransfer(defaults(PathNetTransfer.space), seed=0, budget="smoke")
    method.settings = {"generations": 8, "min_steps": 3}
    states = {}
    original = method._reinitialise

    def spy():
        states["source"] = {k: v.clone() for k, v in method.net.state_dict().items()}
        original()
        states["start"] = {k: v.clone() for k, v in method.net.state_dict().items()}

    method._reinitialise = spy
    info = method.fit(train, valid)
    source, target = info["stages"]
    assert source["stage"] == "source:a" and target["stage"] == "target:c"
    assert info["fixed"] == source["active"]  # exactly the best source pathway's modules are fixed
    end = method.net.state_dict()
    changed = 0
    for layer, modules in enumerate(method.net.grid):
        for m, module in enumerate(modules):
            fixed = m in info["fixed"][layer]
            for name in ("weight", "bias"):
                key = f"grid.{layer}.{m}.{name}"
                if fixed:
                    assert torch.equal(end[key], states["source"][key]), f"fixed module {layer}/{m} changed"
                    assert not getattr(module, name).requires_grad
                else:
                    assert not torch.equal(states["start"][key], states["source"][key]) or name == "bias"
                    changed += not torch.equal(end[key], states["start"][key])
    assert changed > 0  # target training moved other modules
    assert not torch.equal(end["head.weight"], states["start"]["head.weight"])
    assert all(set(f) <= set(a) for f, a in zip(info["fixed"], target["active"]))  # always active
    assert "F" in info["drawing"] and "#" in source["drawing"]


def test_multi_source_pooled_and_sequential():
    train, valid = _transfer_data(("a", "b"))
    hp = defaults(PathNetTransfer.space)
    pooled = PathNetTransfer(hp, seed=0, budget="smoke")
    pooled.settings = {"generations": 3, "min_steps": 1}
    info = pooled.fit(train, valid)
    assert [s["stage"] for s in info["stages"]] == ["source:a+b", "target:c"]
    sequential = PathNetTransfer({**hp, "multi_source": "sequential"}, seed=0, budget="smoke")
    sequential.settings = {"generations": 3, "min_steps": 1}
    info = sequential.fit(train, valid)
    a, b, c = info["stages"]
    assert [s["stage"] for s in (a, b, c)] == ["source:a", "source:b", "target:c"]
    assert b["fixed"] == a["active"]  # a fixed while b evolves, b's best joins it before the target
    assert info["fixed"] == b["active"] and all(set(x) <= set(y) for x, y in zip(a["active"], b["active"]))


def test_target_only_baseline_evolves_on_the_target_items_alone():
    train, valid = _transfer_data(("a", "b"))
    method = PathNetTarget(defaults(PathNetTarget.space), seed=0, budget="smoke")
    method.settings = {"generations": 3, "min_steps": 1}
    seen = []
    original = method._evolve
    method._evolve = lambda t, v, rng, report: seen.append((set(t.domains), set(v.domains))) or original(t, v, rng,
                                                                                                        report)
    info = method.fit(train, valid)
    assert [s["stage"] for s in info["stages"]] == ["target:c"]
    assert seen == [({"c"}, {"c"})]  # no source item trains or selects it
    assert not any(info["fixed"])  # nothing fixed: from scratch


def test_transfer_needs_source_and_target_items():
    train, valid = _blobs(5, 0, "c"), _blobs(2, 1, "c")
    with pytest.raises(Exception, match="source and labelled target"):
        PathNetTransfer(defaults(PathNetTransfer.space), seed=0, budget="smoke").fit(train, valid)


def _segments(n_per_class: int, seed: int) -> FeatureSet:
    """Items of 1-4 segments of 4x4x3 patches; the class shows in one channel's mean."""
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(len(LABELS)), n_per_class)
    xs = []
    for label in y:
        seg = rng.normal(0, 1, (int(rng.integers(1, 5)), 4, 4, 3)).astype(np.float32)
        seg[..., label] += 2.5
        xs.append(seg)
    return FeatureSet(x=xs, keys=[f"s/{seed}-{i}" for i in range(len(y))], speakers=[None] * len(y),
                      domains=["s"] * len(y), labels=LABELS, y=y, kind="segments")


def test_pathnet_learns_a_toy_task_on_segments_and_pools_segment_posteriors():
    train, valid, test = _segments(20, 0), _segments(6, 1), _segments(10, 2)
    method = PathNet(defaults(PathNet.space), seed=3, budget="smoke")
    info = method.fit(train, valid)
    p = method.predict(test)
    assert p.shape == (len(test), 3) and np.allclose(p.sum(axis=1), 1)
    assert (p.argmax(axis=1) == test.y).mean() > 0.8
    assert info["stages"][0]["n_train_rows"] == sum(len(s) for s in train.x)
    assert np.array(info["genotype"]).shape == (3, 4)
    # an utterance's posterior is the mean of its segments' posteriors
    a, b = test.x[0][:1], test.x[1][:1]
    probe = FeatureSet(x=[a, b, np.concatenate([a, b])], keys=["p/0", "p/1", "p/2"], speakers=[None] * 3,
                       domains=["s"] * 3, labels=LABELS, y=np.zeros(3, dtype=int), kind="segments")
    q = method.predict(probe)
    assert np.allclose(q[2], (q[0] + q[1]) / 2)
    # the segment posteriors behind the last prediction are left for the core's segment-level accuracy
    scores, owner = method.segment_scores
    assert scores.shape == (4, 3) and list(owner) == [0, 1, 2, 2]
    from harness.execution.evaluation import segment_metrics

    seg = segment_metrics(probe, scores, owner)
    assert seg["segments"] == 4 and seg["segment_accuracy"] == np.mean(scores.argmax(1) == 0)


def test_same_seed_same_model_other_seed_other_model():
    train, valid = _transfer_data()
    hp = defaults(PathNetTransfer.space)

    def run(seed):
        method = PathNetTransfer(hp, seed=seed, budget="smoke")
        method.settings = {"generations": 6, "min_steps": 2}
        info = method.fit(train, valid)
        return info, method.predict(valid)

    (info1, p1), (info2, p2), (_, p3) = run(5), run(5), run(6)
    assert np.array_equal(p1, p2) and info1 == info2
    assert not np.array_equal(p1, p3)


def test_selection_by_fitness_is_the_papers_rule():
    train, valid = _blobs(10, 0), _blobs(3, 1)
    method = PathNet({**defaults(PathNet.space), "selection": "fitness"}, seed=0, budget="smoke")
    method.settings = {"generations": 10, "min_steps": 2}
    info = method.fit(train, valid)
    assert info["stages"][0]["selection"] == "fitness" and info["stages"][0]["fitness"] > -math.inf
    empty = valid.subset([])
    fallback = PathNet(defaults(PathNet.space), seed=0, budget="smoke")
    fallback.settings = {"generations": 4, "min_steps": 1}
    assert fallback.fit(train, empty)["stages"][0]["selection"] == "fitness (no validation items)"
