"""jdcd (paper 000): contrastive loss over K² pairs, chains, frozen layers, the joint stage, pre-training sets."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.errors import HarnessError
from harness.execution.runner import Runner
from harness.experiment.jobs import RunRequest, plan_experiments
from harness.experiment.pretraining import pretraining_sets
from harness.learning.method import FeatureSet
from harness.learning.space import defaults, resolve
from harness.learning.training import seed_everything
from harness.plugins.methods._jdcd_net import JDCDNet, contrastive_pairs
from harness.plugins.methods.jdcd import JDCD, ChainError, JDCDJoint, Stage, parse_chain, preset_chain

LABELS = ("anger", "happiness", "sadness")


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as the runner does; small convolutions are slower with more
    yield
    torch.set_num_threads(before)


def segments(n_per_class: int, seed: int, domain: str = "c", target: str = "c", size: int = 16,
             shift: float = 2.0) -> FeatureSet:
    """Items of 1-3 segments (size×size×3); class c brightens a band of rows in channel c."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(LABELS)), n_per_class)
    xs = []
    for c in y:
        a = rng.normal(0, 1, (int(rng.integers(1, 4)), size, size, 3)).astype(np.float32)
        a[:, c * size // 3:(c + 1) * size // 3, :, c] += shift
        xs.append(a)
    return FeatureSet(x=xs, keys=[f"{domain}/{seed}-{i}" for i in range(len(y))],
                      speakers=[f"{domain}:s{i % 3}" for i in range(len(y))], domains=[domain] * len(y),
                      labels=LABELS, y=y, target_domain=target, kind="segments")


# -- eq. 2 over K² pairs -------------------------------------------------------------
def test_contrastive_loss_over_all_cross_corpus_pairs_by_hand():
    f_i = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    y_i = torch.tensor([0, 1])
    f_j = torch.tensor([[0.0, 1.0], [0.0, 0.5], [4.0, 0.0]])
    y_j = torch.tensor([0, 0, 1])
    m = 2.0
    # (i, j): same label -> ½ d²;  other label -> ½ max(0, m - d)²
    pairs = [0.5 * 1.0, 0.5 * 0.25, 0.5 * max(0, m - 4.0) ** 2,            # i = 0
             0.5 * (m - np.sqrt(2)) ** 2, 0.5 * (m - np.sqrt(1.25)) ** 2,   # i = 1, other labels, inside margin
             0.5 * 9.0]                                                    # i = 1, j = 2 same label, d = 3
    assert len(pairs) == 2 * 3
    assert float(contrastive_pairs(f_i, y_i, f_j, y_j, m)) == pytest.approx(np.mean(pairs), rel=1e-6)
    # beyond the margin a different-label pair costs nothing; the margin is what makes it count
    assert float(contrastive_pairs(f_i[:1], y_i[:1], f_j[2:], y_j[2:] * 0 + 1, 2.0)) == 0.0
    assert float(contrastive_pairs(f_i[:1], y_i[:1], f_j[2:], y_j[2:] * 0 + 1, 5.0)) == pytest.approx(0.5)


def test_contrastive_gradient_is_finite_for_identical_features():
    f = torch.zeros(2, 3, requires_grad=True)
    contrastive_pairs(f, torch.tensor([0, 1]), f.detach().clone(), torch.tensor([1, 0]), 1.0).backward()
    assert torch.isfinite(f.grad).all()


# -- chains --------------------------------------------------------------------------
def test_chain_parser_reads_stages_layers_options_and_joint():
    chain = parse_chain("enterface:visual@all > savee:visual@fc>train+target@head[lr=1e-5,epochs=3]"
                        ">joint(train,target)[batch=4]")
    assert chain == [Stage(("enterface:visual",), "all"), Stage(("savee:visual",), "fc"),
                     Stage(("train", "target"), "head", options={"lr": 1e-5, "epochs": 3}),
                     Stage(("train", "target"), "all", True, {"batch": 4})]
    assert [str(s) for s in parse_chain("crema-d:audio>train")] == ["crema-d:audio@all", "train@all"]


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("train>", "stage 2"),
    ("train@everything", "unknown layers 'everything'"),
    ("train[lr=fast]", "option lr needs a number"),
    ("train[momentum=0.9]", "bad option 'momentum=0.9'"),
    ("train[epochs=0]", "must be positive"),
    ("joint(train,target)>train", "must be the last stage"),
    ("joint(train)", "stage 1"),
    ("savee", "stage 1"),
    ("train+train", "named twice"),
])
def test_chain_parser_rejects_bad_chains_with_the_stage(text, message):
    with pytest.raises(ChainError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_chain(text)


def test_chain_hyperparameter_takes_presets_and_chain_strings_only():
    assert resolve("jdcd", JDCD.space, {"chain": "savee:visual@fc>train"})["chain"] == "savee:visual@fc>train"
    assert resolve("jdcd", JDCD.space, {"chain": "paper"})["chain"] == "paper"
    with pytest.raises(HarnessError, match=r"jdcd.*chain.*unknown layers"):
        resolve("jdcd", JDCD.space, {"chain": "train@legs"})


def test_presets():
    extras = ["enterface:visual", "savee:visual", "savee:audio"]
    assert [str(s) for s in preset_chain("paper", extras, True)] == [
        "enterface:visual@all", "savee:visual@fc", "savee:audio@all", "train@all", "joint(train,target)@all"]
    assert [str(s) for s in preset_chain("auto", extras[:1], False)] == ["enterface:visual@all", "train@all"]
    assert [str(s) for s in preset_chain("pooled", [], True)] == ["train+target@all"]
    with pytest.raises(HarnessError, match="at least two pre-training sets"):
        preset_chain("paper", extras[:1], False)


def _method(cls=JDCD, seed=0, **hp):
    return cls({**defaults(cls.space), **hp}, seed=seed, budget="smoke")


def test_missing_pretraining_set_and_target_without_labels_are_clear_errors():
    train, valid = segments(4, 0), segments(2, 1)
    with pytest.raises(HarnessError, match=r"'savee:visual' is not among the pre-training sets.*--pretrain"):
        _method(chain="savee:visual>train").fit(train, valid)
    with pytest.raises(HarnessError, match="needs labelled target data; use jdcd-joint"):
        _method(chain="target").fit(train, valid)


# -- training --------------------------------------------------------------------------
def _initial_net(method: JDCD, train: FeatureSet) -> JDCDNet:
    """The network the fit starts from (same seed, same construction)."""
    seed_everything(method.seed)
    size = train.x[0].shape[1]
    return JDCDNet(train.n_classes, 3, size, float(method.settings["width"]), method.hparams["dropout"])


@pytest.mark.parametrize("layers, frozen, trained", [("fc", ("conv",), ("fc", "head")),
                                                     ("head", ("conv", "fc"), ("head",)),
                                                     ("conv", ("fc", "head"), ("conv",))])
def test_layers_frozen_in_a_stage_are_bit_identical_after_it(layers, frozen, trained):
    train, valid = segments(6, 0), segments(2, 1)
    method = _method(chain=f"train@{layers}[epochs=2]")
    method.fit(train, valid)
    start = _initial_net(method, train)
    for group in frozen:
        for a, b in zip(getattr(start, group).parameters(), getattr(method.net, group).parameters()):
            assert torch.equal(a, b), f"{group} changed in a stage training {layers}"
    for group in trained:
        assert any(not torch.equal(a, b) for a, b in
                   zip(getattr(start, group).parameters(), getattr(method.net, group).parameters()))


@pytest.mark.slow
def test_chain_learns_through_a_pretraining_stage_and_is_deterministic():
    train, valid, test = segments(15, 0, shift=3.0), segments(5, 1, shift=3.0), segments(5, 2, shift=3.0)
    train.extra = {"other:visual": segments(10, 3, domain="other")}
    def run(seed):
        method = _method(seed=seed)
        info = method.fit(train, valid)
        return method, info, method.predict(test)
    method, info, p = run(4)
    assert info["chain"] == ["other:visual@all", "train@all"]
    assert info["stages"][0]["items"] == [30] and info["stages"][0]["best_score"] is None  # no validation part
    assert p.shape == (len(test), 3) and np.allclose(p.sum(axis=1), 1)
    assert float((p.argmax(axis=1) == test.y).mean()) > 0.6
    assert np.array_equal(p, run(4)[2])
    assert not np.array_equal(p, run(5)[2])
    method.refit(FeatureSet.concat(train, valid), info)
    assert method.predict(test).shape == (len(test), 3)


def test_utterance_posterior_is_the_mean_of_its_segment_posteriors():
    train, valid = segments(4, 0), segments(2, 1)
    method = _method(chain="train[epochs=1]")
    method.fit(train, valid)
    item = FeatureSet(x=[train.x[0]], keys=["k"], speakers=[None], domains=["c"], labels=LABELS,
                      y=train.y[:1], kind="segments")
    singles = [method.predict(FeatureSet(x=[s[None]], keys=["k"], speakers=[None], domains=["c"], labels=LABELS,
                                          y=train.y[:1], kind="segments"))[0] for s in train.x[0]]
    assert np.allclose(method.predict(item)[0], np.mean(singles, axis=0), atol=1e-6)


def _adapt_sets():
    """Source 'src' and labelled target 'tgt' items on the training and validation sides."""
    train = FeatureSet.concat(segments(8, 0, "src", "tgt"), segments(8, 1, "tgt", "tgt", shift=2.5))
    valid = FeatureSet.concat(segments(3, 2, "src", "tgt"), segments(3, 3, "tgt", "tgt", shift=2.5))
    return train, valid, segments(4, 4, "tgt", "tgt", shift=2.5)


@pytest.mark.parametrize("heads", ["both", "per-corpus"])
def test_joint_stage_trains_two_heads_and_predicts_with_the_target_head(heads):
    """Algorithm 1 (both, the default) gives both heads -- the second a copy of the first -- the same
    loss on both batches, so with lambda1 = lambda2 they stay equal; per-corpus heads part."""
    train, valid, test = _adapt_sets()
    method = _method(JDCDJoint, chain="train[epochs=2]>joint(train,target)[lr=1e-3,epochs=2]", joint_heads=heads)
    info = method.fit(train, valid)
    assert info["chain"][-1] == "joint(train,target)@all[lr=0.001,epochs=2]"
    assert info["stages"][-1]["items"] == [24, 24] and method.predict_head == 2
    net = method.net
    assert net.head2 is not None and torch.equal(net.head.weight, net.head2.weight) == (heads == "both")
    with torch.no_grad():
        x = torch.as_tensor(np.concatenate(test.x)).permute(0, 3, 1, 2)
        expected = torch.softmax(net.head2(net.features(x)), dim=1).numpy()
    owner = np.repeat(np.arange(len(test)), [len(a) for a in test.x])
    pooled = np.stack([expected[owner == i].mean(axis=0) for i in range(len(test))])
    assert np.allclose(method.predict(test), pooled, atol=1e-6)


@pytest.mark.parametrize("heads", ["per-corpus", "both"])
def test_joint_loss_is_lambda_weighted_ce_of_the_heads_plus_contrastive(heads):
    train, _, _ = _adapt_sets()
    method = _method(JDCDJoint, joint_heads=heads, lambda1=0.7, lambda2=1.3, lambda3=0.5, margin=3.0)
    from harness.plugins.methods.jdcd import _Segments
    seed_everything(0)
    method.net = JDCDNet(3, 3, 16, 0.125, 0.0)
    method.net.add_second_head()
    with torch.no_grad():
        method.net.head2.weight.add_(0.3)
    a, b = _Segments(train.in_domain(False)), _Segments(train.in_domain(True))
    rng = np.random.default_rng(0)
    loss = method._joint_loss(a, b, np.random.default_rng(0))
    index = np.array([0, 5])
    partner = np.random.default_rng(0).permutation(len(b))[:2]
    method.net.eval()
    with torch.no_grad():
        got = float(loss(index))
        (xi, yi), (xj, yj) = a.batch(index), b.batch(partner)
        fi, fj = method.net.features(xi), method.net.features(xj)
        ce = torch.nn.functional.cross_entropy
        if heads == "per-corpus":
            ce1, ce2 = ce(method.net.head(fi), yi), ce(method.net.head2(fj), yj)
        else:
            ce1 = ce(method.net.head(fi), yi) + ce(method.net.head(fj), yj)
            ce2 = ce(method.net.head2(fi), yi) + ce(method.net.head2(fj), yj)
        want = 0.7 * ce1 + 1.3 * ce2 + 0.5 * contrastive_pairs(fi, yi, fj, yj, 3.0)
    assert rng is not None and got == pytest.approx(float(want), rel=1e-5)


def test_pooled_preset_is_one_ce_stage_on_the_union():
    train, valid, test = _adapt_sets()
    info = _method(JDCDJoint, chain="pooled").fit(train, valid)
    assert info["chain"] == ["train+target@all"] and info["stages"][0]["items"] == [24, 24]


# -- pre-training sets from the core ------------------------------------------------------
@pytest.mark.slow
def test_pretraining_sets_hold_training_side_items_only(tmp_path):
    request = RunRequest(methods=["jdcd"], corpora=["demo-a"], folds=3, modality="audio",
                         features={"visual": "faces"}, budget="smoke", results=tmp_path / "r", progress=False)
    runner = Runner(request)
    experiment = plan_experiments(request, lambda c: runner.registry.corpus(c).labels)[0]
    prep = runner.data.prepare(experiment)
    for fold in prep.folds:
        sets, identity = pretraining_sets(runner.data, prep, fold, ["demo-a:visual", "demo-b:visual"])
        assert list(sets) == ["demo-a:visual", "demo-b:visual"]
        own = sets["demo-a:visual"]
        assert own.keys and set(own.keys) <= set(fold.train) and not set(own.keys) & set(fold.test)
        assert own.kind == "segments" and own.x[0].shape[1:] == (64, 64, 3)
        assert np.isclose(np.concatenate([a.reshape(-1, 3) for a in own.x]).mean(), 0, atol=1e-3)
        other = sets["demo-b:visual"]
        assert len(other) == identity["demo-b:visual"]["items"] > 0
        assert set(other.domains) == {"demo-b"} and identity["demo-b:visual"]["fingerprint"]
        assert identity["demo-a:visual"]["features"]["name"] == "faces"
    with pytest.raises(HarnessError, match="expected CORPUS:MODALITY"):
        pretraining_sets(runner.data, prep, prep.folds[0], ["demo-b"])
    with pytest.raises(HarnessError, match="named twice"):
        pretraining_sets(runner.data, prep, prep.folds[0], ["demo-b:visual", "demo-b:visual"])
    cross = RunRequest(methods=["jdcd"], protocols=["cross"], sources=["demo-a"], targets=["demo-b"],
                       reference=False, budget="smoke", results=tmp_path / "x", progress=False)
    runner = Runner(cross)
    prep = runner.data.prepare(plan_experiments(cross, lambda c: runner.registry.corpus(c).labels)[0])
    with pytest.raises(HarnessError, match="test corpus cannot provide"):
        pretraining_sets(runner.data, prep, prep.folds[0], ["demo-b:audio"])


def test_target_pretraining_under_adaptation_is_the_adaptation_part_for_target_label_methods_only(tmp_path):
    request = RunRequest(methods=["jdcd-joint"], protocols=["cross-adapt"], sources=["demo-a"], targets=["demo-b"],
                         reference=False, modality="audio", features={"visual": "faces"}, budget="smoke",
                         results=tmp_path / "r", progress=False)
    runner = Runner(request)
    prep = runner.data.prepare(plan_experiments(request, lambda c: runner.registry.corpus(c).labels)[0])
    fold = prep.folds[0]
    assert fold.adapt and fold.test
    sets, identity = pretraining_sets(runner.data, prep, fold, ["demo-b:visual"], target_labels=True)
    target = sets["demo-b:visual"]
    assert set(target.keys) == set(fold.adapt)  # the adaptation part; never its validation part or a test item
    assert not set(target.keys) & (set(fold.test) | set(fold.adapt_valid))
    assert identity["demo-b:visual"]["items"] == len(fold.adapt)
    with pytest.raises(HarnessError, match="only to methods that use target labels"):
        pretraining_sets(runner.data, prep, fold, ["demo-b:visual"], target_labels=False)
