"""Supervised adaptation: the protocol, who sees target labels, and the adaptation methods."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_protocols import corpus

from harness.errors import HarnessError
from harness.execution.runner import Runner
from harness.experiment.jobs import RunRequest
from harness.experiment.protocols import SupervisedAdaptation, check_fold
from harness.learning.method import FeatureSet
from harness.learning.space import defaults
from harness.plugins.methods.centroid import centroid_loss, centroid_scores, labelled_centroids
from harness.plugins.methods.finetune import FineTune
from harness.results.store import ResultsStore


def test_adaptation_part_is_speaker_disjoint_from_the_target_test_part():
    src, tgt = corpus("a", 4), corpus("b", 10)
    (fold,) = SupervisedAdaptation(["a"], "b", 0.2).folds({"a": src, "b": tgt}, 0)
    items = {it.key: it for it in src + tgt}
    check_fold(fold, items)  # all five parts pairwise item- and speaker-disjoint
    assert fold.name == "a->b@adapt0.2" and fold.adapt and fold.adapt_valid
    assert {k.split("/")[0] for k in fold.adapt + fold.adapt_valid + fold.test} == {"b"}
    assert len(fold.adapt + fold.adapt_valid) >= 0.2 * len(tgt)
    assert set(fold.adapt + fold.adapt_valid + fold.test) == {it.key for it in tgt}
    (again,) = SupervisedAdaptation(["a"], "b", 0.2).folds({"a": src, "b": tgt}, 0)
    (other,) = SupervisedAdaptation(["a"], "b", 0.2).folds({"a": src, "b": tgt}, 1)
    assert again == fold and other.test != fold.test and other.digest() != fold.digest()


def test_centroid_loss_matches_a_hand_computation():
    hidden = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    centroids = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    onehot = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    outputs = torch.tensor([[0.0, 0.0], [0.0, 0.0]])  # softmax 1/2, 1/2
    # V = squared distances: sample 1 -> (1, 4), sample 2 -> (1, 2); divide-by-sum -> (.2, .8), (1/3, 2/3)
    scores = centroid_scores(hidden, centroids, "sum")
    assert torch.allclose(scores, torch.tensor([[0.8, 0.2], [2 / 3, 1 / 3]]))
    e_b = ((1 - 0.8) ** 2 + 0.2 ** 2 + (2 / 3) ** 2 + (1 - 1 / 3) ** 2) / 4
    e_a = 0.25  # every (d - 1/2)^2 is 1/4
    for lam in (0.0, 0.25, 1.0):
        loss = centroid_loss(outputs, hidden, onehot, centroids, lam, "sum")
        assert float(loss) == pytest.approx(lam * e_a + (1 - lam) * e_b)
    soft = centroid_scores(hidden, centroids, "softmax")
    v = np.array([[1.0, 4.0], [1.0, 2.0]])
    assert np.allclose(soft.numpy(), 1 - np.exp(v) / np.exp(v).sum(axis=1, keepdims=True))


def test_cluster_centroids_are_matched_to_their_classes():
    rng = np.random.default_rng(0)
    centres = np.array([[5.0, 0.0], [0.0, 5.0], [-5.0, -5.0]])
    y = np.repeat([0, 1, 2], 30)
    u = centres[y] + rng.normal(0, 0.3, (90, 2))
    z = labelled_centroids(u, y, 3, seed=0)
    assert np.allclose(z, centres, atol=0.2)


def _two_domains(seed: int) -> tuple[FeatureSet, FeatureSet]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (3, 6))

    def part(n):
        y = np.tile(np.arange(3), n)
        x = (centres[y] + rng.normal(0, 1, (len(y), 6))).astype(np.float32)
        return FeatureSet(x=x, keys=[f"k{seed}-{i}" for i in range(len(y))], speakers=[None] * len(y),
                          domains=["src" if i % 2 else "tgt" for i in range(len(y))],
                          labels=("anger", "happiness", "sadness"), y=y, target_domain="tgt")
    return part(20), part(6)


def test_finetune_leaves_the_layers_it_does_not_tune_unchanged():
    train, valid = _two_domains(0)
    hp = {**defaults(FineTune.space), "finetune_layers": "classifier"}
    method = FineTune(hp, seed=0, budget="smoke")
    method.fit(train, valid)
    tuned = {k: v.clone() for k, v in method.net.state_dict().items()}
    # rerun stage 1 alone with the same seed: the encoder and shared layer must be the pre-trained ones
    pre = FineTune(hp, seed=0, budget="smoke")
    from harness.learning.training import seed_everything

    rng = seed_everything(0)
    pre.net = pre._net(train)
    src, vsrc = train.in_domain(False), valid.in_domain(False)
    pre._stage(src, vsrc, hp["lr"], ("encoder", "shared", "classifier"), pre.settings["max_epochs"], None, rng)
    for name, value in pre.net.state_dict().items():
        if name.startswith(("encoder", "shared")):
            assert torch.equal(value, tuned[name]), f"{name} changed during fine-tuning"
    assert any(not torch.equal(pre.net.state_dict()[k], tuned[k]) for k in tuned if k.startswith("classifier"))
    assert all(p.requires_grad for p in method.net.parameters())


def test_supervised_methods_need_a_cross_corpus_protocol(tmp_path):
    with pytest.raises(HarnessError, match="cross-corpus protocols only"):
        Runner(RunRequest(methods=["finetune"], corpora=["demo-a"], results=tmp_path, progress=False))
    with pytest.raises(HarnessError, match="adapt-fraction"):
        Runner(RunRequest(methods=["classic"], protocols=["cross"], sources=["demo-a"], targets=["demo-b"],
                          adapt_fraction=1.0, results=tmp_path, progress=False))


@pytest.mark.slow
def test_only_supervised_methods_see_target_labels_and_all_share_the_test_items(tmp_path, monkeypatch):
    seen: dict[str, set] = {}
    original = Runner.training_data

    def spy(self, prep, fold, supervised, refit=False, unsupervised=False):
        train, valid, test, norm = original(self, prep, fold, supervised, refit, unsupervised)
        seen.setdefault(str(supervised), set()).update(train.keys, valid.keys)
        return train, valid, test, norm

    monkeypatch.setattr(Runner, "training_data", spy)
    request = RunRequest(methods=["classic", "pooled", "finetune", "centroid"], protocols=["cross"],
                         sources=["demo-a"], targets=["demo-b"], budget="smoke", reference=False,
                         results=tmp_path / "r", progress=False)
    outcome = Runner(request).run()
    store = ResultsStore(tmp_path / "r")
    jobs = {j["method"]: j for j in store.jobs(outcome.job_ids)}
    assert set(jobs) == {"classic", "pooled", "finetune", "centroid"}
    assert {j["protocol"] for j in jobs.values()} == {"cross-adapt"}
    tests = {m: {p.item for p in store.predictions(j["job_id"])} for m, j in jobs.items()}
    assert len({frozenset(t) for t in tests.values()}) == 1  # the same test items for every method
    test_items = tests["classic"]
    assert not any(k.startswith("demo-b/") for k in seen["False"])  # classic: no target item at all
    target_seen = {k for k in seen["True"] if k.startswith("demo-b/")}
    assert target_seen and not target_seen & test_items
    assert jobs["classic"]["report"]["target_labels_used"] is False
    assert jobs["pooled"]["report"]["target_labels_used"] is True


def test_small_targets_keep_adaptation_validation_speaker_disjoint():
    src, tgt = corpus("a", 4), corpus("b", 4)
    (fold,) = SupervisedAdaptation(["a"], "b", 0.2).folds({"a": src, "b": tgt}, 0)
    check_fold(fold, {it.key: it for it in src + tgt})
    speakers = {part: {k.split("/")[1].split("_")[0] for k in keys} for part, keys in fold.parts().items()
                if part in ("adapt", "adapt_valid", "test")}
    assert len(speakers["adapt"]) == len(speakers["adapt_valid"]) == 1 and len(speakers["test"]) == 2
    with pytest.raises(Exception, match="at least 3 speakers"):
        SupervisedAdaptation(["a"], "b", 0.2).folds({"a": src, "b": corpus("b", 2)}, 0)
