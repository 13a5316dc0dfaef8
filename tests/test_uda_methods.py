"""The unsupervised domain-adaptation methods: their losses against hand computations, gradient
reversal, and that alignment moves the target representation towards the source."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.errors import HarnessError
from harness.learning.method import FeatureSet
from harness.learning.space import defaults
from harness.plugins.methods._alignment import coral_loss, covariance, grad_reverse, mk_mmd
from harness.plugins.methods.coral import DeepCORAL
from harness.plugins.methods.dann import DANN
from harness.plugins.methods.mmd import MMD


def test_gradient_reversal_flips_and_scales_the_feature_gradient():
    x = torch.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    (grad_reverse(x, 0.7) * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert torch.allclose(x.grad, -0.7 * torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert torch.equal(grad_reverse(x, 0.7), x)  # identity forward


def test_coral_loss_by_hand():
    s = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    t = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    # unbiased covariances: diag(2/3, 8/3) and diag(8/3, 2/3); squared Frobenius distance 2 * 2^2 = 8; / (4 d^2 = 16)
    assert torch.allclose(covariance(s), torch.diag(torch.tensor([2 / 3, 8 / 3])))
    assert float(coral_loss(s, t)) == pytest.approx(8 / 16)
    assert float(coral_loss(s, s)) == 0.0


def test_mmd_by_hand():
    s, t = torch.tensor([[0.0], [1.0]]), torch.tensor([[3.0], [4.0]])
    z = np.array([0.0, 1.0, 3.0, 4.0])
    d2 = (z[:, None] - z[None, :]) ** 2
    sigma2 = d2.sum() / (16 - 4)
    scales = (0.125, 0.25, 0.5, 1.0, 2.0)
    k = sum(np.exp(-d2 / (s_ * sigma2)) for s_ in scales)
    expected = k[:2, :2].mean() + k[2:, 2:].mean() - 2 * k[:2, 2:].mean()
    assert float(mk_mmd(s, t)) == pytest.approx(expected, rel=1e-6)
    assert float(mk_mmd(s, s)) == pytest.approx(0.0, abs=1e-7)
    assert float(mk_mmd(s, t)) > float(mk_mmd(s, s + 0.1))


def _shifted(n, shift, seed, labelled=True):
    """Two classes on a line in 6-D, the whole cloud moved by ``shift`` (the target's domain shift)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(0, 0.6, (n, 6)).astype(np.float32)
    x[:, 0] += 2.0 * y - 1.0
    x += np.float32(shift)
    data = FeatureSet(x=x, keys=[f"{seed}/{i}" for i in range(n)], speakers=[None] * n, domains=["s"] * n,
                      labels=("anger", "sadness"), y=y)
    return data if labelled else data.without_labels()


@pytest.mark.parametrize("cls", [DANN, DeepCORAL, MMD])
def test_alignment_brings_the_target_representation_towards_the_source(cls):
    """Trained with the unlabelled shifted target, the method's source/target gap in the hidden layer
    is smaller than that of the same network trained without the alignment term."""
    train, valid = _shifted(80, 0.0, 0), _shifted(30, 0.0, 1)
    target = _shifted(80, 1.5, 2, labelled=False)
    train.unlabelled = target

    def gap(weight):
        method = cls({**defaults(cls.space), "weight": weight}, seed=0, budget="smoke")
        method.fit(train, valid)
        with torch.no_grad():
            hs = method.net.shared(method.net.encoder(torch.as_tensor(train.x)))
            ht = method.net.shared(method.net.encoder(torch.as_tensor(target.x)))
        return float(mk_mmd(hs, ht))

    assert gap(5.0) < gap(1e-6)


def test_without_unlabelled_target_data_the_method_says_where_to_run_it():
    with pytest.raises(HarnessError, match="cross / multi .* or cross-transductive"):
        DANN(defaults(DANN.space), seed=0, budget="smoke").fit(_shifted(20, 0, 0), _shifted(10, 0, 1))


# -- the classic learners and the other families --------------------------------------------------
def _blobs(n, seed, shift=0.0, classes=3, domain="s"):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    x = rng.normal(0, 0.8, (n, 5)) + np.eye(classes, 5)[y] * 3 + shift
    return FeatureSet(x=x.astype(np.float32), keys=[f"{domain}{seed}/{i}" for i in range(n)], speakers=[None] * n,
                      domains=[domain] * n, labels=("anger", "happiness", "sadness"), y=y)


def test_svm_chooses_c_and_gamma_on_validation_and_predicts_like_the_svm():
    from sklearn.svm import SVC

    from harness.plugins.methods.svm import SVM

    train, valid, test = _blobs(60, 0), _blobs(30, 1), _blobs(30, 2)
    method = SVM(defaults(SVM.space), seed=0, budget="smoke")
    info = method.fit(train, valid)
    assert len(info["grid"]) == 12 and set(info["chosen"]) == {"C", "gamma"}
    best = max(info["grid"], key=lambda r: r["valid_uar"])
    assert best["valid_uar"] == max(r["valid_uar"] for r in info["grid"])
    p = method.predict(test)
    svc = SVC(kernel="rbf", class_weight="balanced", **info["chosen"]).fit(train.x, train.y)
    assert np.array_equal(p.argmax(1), svc.predict(test.x)) and np.allclose(p.sum(1), 1)
    fixed = SVM({**defaults(SVM.space), "grid": False, "C": 3.0}, seed=0, budget="smoke")
    assert fixed.fit(train, valid)["chosen"] == {"C": 3.0, "gamma": SVM.space["gamma"].default}
    refit = method.refit(FeatureSet.concat(train, valid), info)
    assert refit["chosen"] == info["chosen"]


def test_a_class_absent_from_training_gets_zero_posterior_columns():
    from harness.plugins.methods.logreg import LogReg

    train = _blobs(60, 0)
    keep = np.flatnonzero(train.y != 2)
    method = LogReg(defaults(LogReg.space), seed=0, budget="smoke")
    method.fit(train.subset(keep), _blobs(30, 1).subset(np.arange(20)))
    p = method.predict(_blobs(30, 2))
    assert p.shape == (30, 3) and np.all(p[:, 2] == 0) and np.allclose(p.sum(1), 1)


def test_coral_recolours_the_source_covariance_into_the_targets():
    from harness.plugins.methods.coral_features import coral_map

    rng = np.random.default_rng(0)
    source = rng.normal(0, 1, (400, 3)) @ np.array([[2.0, 0, 0], [0.5, 1, 0], [0, 0, 0.3]])
    target = rng.normal(0, 1, (400, 3)) @ np.array([[0.5, 0.2, 0], [0, 3, 0], [0, 1, 1]])
    a = coral_map(source, target)
    cs, ct = np.cov(source, rowvar=False) + np.eye(3), np.cov(target, rowvar=False) + np.eye(3)
    assert np.allclose(a.T @ cs @ a, ct, atol=1e-8)


def test_groupdro_puts_its_weight_on_the_harder_source_corpus():
    from harness.plugins.methods.groupdro import GroupDRO

    easy, hard = _blobs(60, 0, domain="a"), _blobs(60, 1, domain="b")
    rng = np.random.default_rng(3)
    hard.y = np.where(rng.random(60) < 0.4, rng.integers(0, 3, 60), hard.y)  # noisy labels: always harder
    train = FeatureSet.concat(easy, hard)
    method = GroupDRO({**defaults(GroupDRO.space), "eta": 0.1}, seed=0, budget="smoke")
    method.fit(train, _blobs(30, 2))
    q = method.q.numpy()
    assert q[1] > q[0] and np.isclose(q.sum(), 1)
