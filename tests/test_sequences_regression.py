"""Ragged inputs (frame sequences, segments), regression with the CCC loss, time-continuous
targets (alignment, annotation delay, RECOLA's post-processing) and their path through the runner."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from layouts import recola as recola_layout

from harness.cli.commands import main
from harness.data.labels import EMOTIONS
from harness.data.targets import align_series
from harness.errors import HarnessError
from harness.features.normalize import standardise
from harness.learning.method import FeatureSet
from harness.learning.metrics import ccc
from harness.learning.nn import flatten_segments, pad_sequences, pool_segments
from harness.learning.postprocess import apply_chain, choose_chain
from harness.learning.space import defaults
from harness.learning.supervision import ccc_loss
from harness.plugins.methods.classic import Classic
from harness.plugins.methods.emobed import EmoBed
from harness.results.store import ResultsStore


def sequences(n_per_class: int, seed: int, n_classes: int = 3) -> FeatureSet:
    """Class c: frames drift with slope (c - 1) in feature 0; lengths 3..12; noise elsewhere."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    x = []
    for c in y:
        t = int(rng.integers(3, 13))
        seq = rng.normal(0, 0.3, (t, 4)).astype(np.float32)
        seq[:, 0] += (c - 1) * np.arange(t) / 4
        x.append(seq)
    return FeatureSet(x=x, keys=[f"s/{seed}-{i}" for i in range(len(y))], speakers=["s:a"] * len(y),
                      domains=["s"] * len(y), labels=tuple(EMOTIONS[:n_classes]), y=y, kind="sequence")


def test_ragged_helpers():
    batch, lengths = pad_sequences([np.ones((2, 3)), 2 * np.ones((4, 3))])
    assert batch.shape == (2, 4, 3) and lengths.tolist() == [2, 4]
    assert float(batch[0, 2:].abs().sum()) == 0 and float(batch[1].sum()) == 24
    flat, owner = flatten_segments([np.zeros((2, 8, 8, 3)), np.ones((3, 8, 8, 3))])
    assert flat.shape == (5, 8, 8, 3) and owner.tolist() == [0, 0, 1, 1, 1]
    pooled = pool_segments(np.array([[1, 0], [0, 1], [1, 0], [1, 0], [0, 1]], float), owner, 2)
    assert np.allclose(pooled, [[0.5, 0.5], [2 / 3, 1 / 3]])
    with pytest.raises(ValueError):
        pool_segments(np.ones((2, 2)), np.array([0, 0]), 2)  # item 1 has no segment


def test_ragged_standardisation_uses_training_frames_only():
    parts = {"train": [np.full((2, 2), 1.0), np.full((2, 2), 3.0)], "test": [np.full((5, 2), 100.0)]}
    out, _ = standardise(parts, {"train": [None, None], "test": [None]}, "global")
    assert np.allclose(out["train"][0], -1) and np.allclose(out["train"][1], 1)
    assert np.allclose(out["test"][0], 98)  # (100 - 2) / 1: the test frames did not move the statistics


def test_featureset_subset_and_concat_keep_ragged_items():
    data = sequences(2, seed=0)
    sub = data.subset([4, 1])
    assert [len(s) for s in sub.x] == [len(data.x[4]), len(data.x[1])] and sub.kind == "sequence"
    both = FeatureSet.concat(sub, data.subset([0]))
    assert len(both.x) == 3 and both.y.tolist() == [2, 0, 0]


def test_classic_gru_learns_sequences_and_ignores_padding():
    train, valid, test = sequences(20, 0), sequences(6, 1), sequences(10, 2)
    method = Classic(defaults(Classic.space), seed=3, budget="smoke")
    method.fit(train, valid)
    p = method.predict(test)
    assert p.shape == (len(test), 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert (p.argmax(axis=1) == test.y).mean() > 0.8
    # an item's prediction does not depend on the longer items it is batched with
    short = int(np.argmin([len(s) for s in test.x]))
    alone = method.predict(test.subset([short]))
    assert np.allclose(alone[0], p[short], atol=1e-5)


def regression_blobs(n: int, seed: int) -> FeatureSet:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, (n, 6)).astype(np.float32)
    targets = np.stack([0.5 * x[:, 0] - 0.2 * x[:, 1], 0.3 * x[:, 2]], axis=1).astype(np.float32)
    return FeatureSet(x=x, keys=[f"r/{seed}-{i}" for i in range(n)], speakers=["r:a"] * n, domains=["r"] * n,
                      targets=targets, dimensions=("arousal", "valence"))


def test_ccc_loss_is_one_minus_mean_ccc():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 0.5 * rng.normal(size=(50, 2))
    expected = 1 - np.mean([ccc(a[:, k], b[:, k]) for k in range(2)])
    assert float(ccc_loss(torch.as_tensor(b), torch.as_tensor(a))) == pytest.approx(expected, abs=1e-6)


def test_classic_regression_on_vectors_with_the_ccc_loss():
    method = Classic(defaults(Classic.space), seed=0, budget="smoke")
    train, valid, test = regression_blobs(200, 0), regression_blobs(50, 1), regression_blobs(80, 2)
    info = method.fit(train, valid)
    values = method.predict(test)
    assert values.shape == (80, 2)
    assert min(ccc(test.targets[:, k], values[:, k]) for k in range(2)) > 0.6
    assert info["best_score"] > 0.6


def test_emobed_regression_uses_the_auxiliary_modality():
    hp = {**defaults(EmoBed.space), "alpha": 0.5, "beta": 0.3}
    train, valid, test = regression_blobs(120, 0), regression_blobs(40, 1), regression_blobs(40, 2)
    aux = regression_blobs(120, 5)
    aux.x = aux.x[:, :4]
    train.aux = aux
    method = EmoBed(hp, seed=0, budget="smoke")
    method.fit(train, valid)
    before = [p.detach().clone() for p in method.aux_encoder.parameters()]
    assert method.predict(test).shape == (40, 2)
    assert before and all(p.abs().sum() > 0 for p in before)


def test_series_alignment_and_annotation_delay():
    features = np.arange(40, dtype=np.float32)[:, None]  # 4 feature frames per target frame
    target = np.arange(10, dtype=np.float32)[:, None]
    x, y = align_series(features, target, step=0.04, delay=0.08, where="r/1")
    assert x[:, 0].tolist() == [0, 4, 8, 12, 16, 20, 24, 28] and y[:, 0].tolist() == list(range(2, 10))
    with pytest.raises(HarnessError, match="frame-sequence"):
        align_series(np.zeros(5), target, 0.04, 0.0, "r/1")


def test_postprocessing_recovers_delay_and_bias_chosen_on_validation():
    rng = np.random.default_rng(0)
    truth = [np.convolve(rng.normal(size=400), np.ones(25) / 25, "same")[:, None] for _ in range(3)]
    # predictions: early by 5 frames (annotation lag), biased and shrunk, noisy
    pred = [np.concatenate([t[5:], np.repeat(t[-1:], 5, axis=0)]) * 0.5 + 0.3
            + 0.02 * rng.normal(size=t.shape) for t in truth]
    chain = choose_chain(pred, truth, truth, ("arousal",), step_s=0.04)["arousal"]
    assert chain["shift"] == 5 and chain["centre"] is not None and chain["scale"] is not None
    assert chain["valid_ccc"] > chain["valid_ccc_raw"] + 0.1
    fixed = apply_chain({"arousal": chain}, pred, ("arousal",))
    assert ccc(np.concatenate(truth)[:, 0], np.concatenate(fixed)[:, 0]) == pytest.approx(chain["valid_ccc"])


@pytest.fixture
def tiny_recola(tmp_path):
    return recola_layout.write(tmp_path / "data")


def test_runner_time_continuous_regression_on_recola_layout(tiny_recola, tmp_path):
    args = ["run", "--method", "classic", "--corpus", "recola", "--protocol", "split",
            "--features", "audio=egemaps-lld", "--budget", "smoke", "--annotation-delay", "0.08",
            "--postprocess", "--hp", "batch_size=4", "--data-root", str(tiny_recola),
            "--results", str(tmp_path / "r"), "--quiet", "--json"]
    assert main(args) == 0
    store = ResultsStore(tmp_path / "r")
    (job,) = store.jobs()
    assert job["config"]["regression"] == {"dimensions": ["arousal", "valence"], "annotation_delay": 0.08,
                                           "postprocess": True}
    assert job["config"]["labels"] == [] and job["fold"] == "official-dev"
    metrics = job["metrics"]
    assert {"ccc", "ccc_arousal", "ccc_valence", "pcc", "rmse"} <= set(metrics)
    assert metrics["n"] == 2 * (recola_layout.FRAMES - 2)  # two dev recordings, delay of 2 frames
    assert set(job["report"]["postprocess"]["chain"]) == {"arousal", "valence"}
    test = store.predictions(job["job_id"])
    assert len(test) == 2 and all(len(p.scores) == 2 * (recola_layout.FRAMES - 2) for p in test)
    assert {p.item.split("/")[1] for p in store.predictions(job["job_id"], part="valid")}.isdisjoint(
        {p.item.split("/")[1] for p in test})


def test_time_continuous_targets_need_frame_sequences(tiny_recola, tmp_path, capsys):
    code = main(["run", "--method", "classic", "--corpus", "recola", "--protocol", "split",
                 "--features", "audio=logmel", "--data-root", str(tiny_recola),
                 "--results", str(tmp_path / "r"), "--quiet"])
    assert code != 0
    assert "time-continuous targets need frame-sequence features" in capsys.readouterr().err


def test_a_feature_kind_the_method_does_not_read_is_a_clear_error(tiny_emodb, tmp_path, capsys):
    code = main(["run", "--method", "classic", "--corpus", "emodb", "--features", "audio=logmel",
                 "--data-root", str(tiny_emodb), "--results", str(tmp_path / "r"), "--quiet"])
    assert code != 0
    assert "reads vector/sequence features, but 'logmel' gives segments" in capsys.readouterr().err


def test_classification_on_a_corpus_without_labels_names_the_way_out(tiny_recola, tmp_path, capsys):
    code = main(["run", "--method", "classic", "--corpus", "recola", "--task", "classification",
                 "--data-root", str(tiny_recola), "--results", str(tmp_path / "r"), "--quiet"])
    assert code != 0 and "--task regression" in capsys.readouterr().err
