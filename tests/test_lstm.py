"""The per-modality LSTM of paper 003 on toy frame sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.data.labels import EMOTIONS
from harness.learning.method import FeatureSet
from harness.learning.space import defaults
from harness.registry import default_registry

LSTM = default_registry().method("lstm")


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small networks: one intra-op thread, as the runner uses."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def ramps(n_per_class: int, seed: int, dim: int = 3) -> FeatureSet:
    """Class 0 rises, class 1 falls, class 2 rises then falls: the frames of all classes
    cover the same values, only their order tells the class.  Lengths 4..14."""
    rng = np.random.default_rng(seed)
    xs, y = [], []
    for c in range(3):
        for _ in range(n_per_class):
            t = int(rng.integers(4, 15))
            ramp = np.linspace(-1, 1, t)
            shape = {0: ramp, 1: ramp[::-1], 2: 1 - 2 * np.abs(ramp)}[c]
            xs.append((shape[:, None] + rng.normal(0, 0.2, (t, dim))).astype(np.float32))
            y.append(c)
    keys = [f"toy/{seed}-{i}" for i in range(len(xs))]
    return FeatureSet(x=xs, keys=keys, speakers=[f"toy:s{i % 3}" for i in range(len(xs))],
                      domains=["toy"] * len(xs), labels=tuple(EMOTIONS[:3]), y=np.array(y), kind="sequence")


def fitted(seed: int = 0, budget: str = "smoke", n: int = 12, n_valid: int = 5, **hp):
    method = LSTM({**defaults(LSTM.space), **hp}, seed=seed, budget=budget)
    info = method.fit(ramps(n, 1), ramps(n_valid, 2))
    return method, info


def test_paper_defaults():
    hp = defaults(LSTM.space)
    assert (hp["hidden"], hp["units"], hp["dropout"], hp["weight_decay"]) == (128, 128, 0.5, 1e-4)
    assert LSTM.inputs == ("sequence",) and LSTM.refits()
    assert (hp["readout"], hp["frame_pool"]) == ("last", 1)  # the paper: last state, every frame


def test_frame_pooling_averages_windows_and_keeps_the_tail():
    from harness.plugins.methods.lstm import pool_frames
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    pooled = pool_frames(x, 4)
    assert pooled.shape == (3, 2) and pooled.dtype == np.float32
    assert np.allclose(pooled[:, 0], [x[0:4, 0].mean(), x[4:8, 0].mean(), x[8:10, 0].mean()])
    assert pool_frames(x, 1) is x


@pytest.mark.parametrize("readout", ["last", "mean"])
def test_readouts_learn_and_pooled_frames_train(readout):
    method, info = fitted(budget="default", n=30, n_valid=10, readout=readout, frame_pool=2)
    test = ramps(15, 3)
    assert np.mean(method.predict(test).argmax(axis=1) == test.y) > 0.6, info  # chance .33


def test_learns_the_order_of_frames():
    method, info = fitted(budget="default", n=40, n_valid=15)
    test = ramps(20, 3)
    p = method.predict(test)
    assert p.shape == (60, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert np.mean(p.argmax(axis=1) == test.y) > 0.75, info  # chance .33; the exact figure varies with torch thread counts
    assert 1 <= info["best_epoch"] <= info["epochs"]


@pytest.mark.parametrize("readout", ["last", "mean"])
def test_padding_never_changes_an_item_posteriors(readout):
    method, _ = fitted(readout=readout)
    test = ramps(5, 4)
    short = int(np.argmin([len(x) for x in test.x]))
    alone = method.predict(test.subset([short]))
    long = FeatureSet.concat(test.subset([short]), ramps(1, 5))
    long.x[1] = np.concatenate([long.x[1]] * 6)  # a much longer item in the same batch
    assert len(long.x[1]) > 3 * len(long.x[0])
    batched = method.predict(long)
    assert np.allclose(alone[0], batched[0], atol=1e-6)
    # and zero frames appended to the item itself do change it: the test would see padding leak
    padded = test.subset([short])
    padded.x = [np.concatenate([padded.x[0], np.zeros((20, 3), np.float32)])]
    assert not np.allclose(method.predict(padded)[0], alone[0], atol=1e-6)


def test_same_seed_same_predictions_other_seed_other_model():
    test = ramps(5, 6)
    a, b, c = fitted(7)[0].predict(test), fitted(7)[0].predict(test), fitted(8)[0].predict(test)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_refit_trains_fresh_weights_for_the_selected_epochs():
    method, info = fitted(3)
    before = method.predict(ramps(5, 7))
    again = method.refit(FeatureSet.concat(ramps(12, 1), ramps(5, 2)), info)
    assert again["epochs"] == max(1, info["best_epoch"]) and again["best_score"] is None
    after = method.predict(ramps(5, 7))
    assert after.shape == before.shape and not np.array_equal(after, before)


def test_weight_decay_is_on_the_softmax_layer_only(monkeypatch):
    groups = []
    adam = torch.optim.Adam

    class Spy(adam):
        def __init__(self, params, **kwargs):
            super().__init__(params, **kwargs)
            groups.extend(self.param_groups)

    monkeypatch.setattr(torch.optim, "Adam", Spy)
    method, _ = fitted(budget="smoke", weight_decay=3e-3)
    classifier = {id(p) for p in method.net.classifier.parameters()}
    decayed = [g for g in groups if g["weight_decay"] > 0]
    assert len(decayed) == 1 and decayed[0]["weight_decay"] == 3e-3
    assert {id(p) for p in decayed[0]["params"]} == classifier
    others = {id(p) for g in groups if g["weight_decay"] == 0 for p in g["params"]}
    assert others == {id(p) for p in method.net.parameters()} - classifier


def test_refuses_vectors_and_empty_sequences_with_clear_errors():
    method = LSTM(defaults(LSTM.space), seed=0, budget="smoke")
    vectors = ramps(3, 8)
    vectors.x = np.zeros((9, 3), np.float32)
    with pytest.raises(ValueError, match="sequence features"):
        method.fit(vectors, vectors)
    empty = ramps(3, 9)
    empty.x[4] = np.zeros((0, 3), np.float32)
    with pytest.raises(ValueError, match=r"1 item\(s\).*toy/9-4"):
        method.fit(empty, ramps(3, 10))
