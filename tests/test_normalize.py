"""Feature standardisation: which statistics each mode may use, where they are taken, and what
happens to speakers with too few items and to constant features."""

from __future__ import annotations

import numpy as np
import pytest

from harness.features.normalize import DEFAULT_NORM, MIN_ITEMS, TRANSDUCTIVE, standardise


def test_the_default_is_inductive():
    assert DEFAULT_NORM == "global" and DEFAULT_NORM not in TRANSDUCTIVE and {"speaker", "corpus"} <= TRANSDUCTIVE


def test_global_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    parts = {"train": rng.normal(5, 2, (50, 3)), "valid": rng.normal(-7, 3, (9, 3)), "test": rng.normal(100, 9, (10, 3))}
    out, report = standardise(parts, {p: [None] * len(v) for p, v in parts.items()}, "global")
    assert np.allclose(out["train"].mean(0), 0, atol=1e-6) and np.allclose(out["train"].std(0), 1, atol=1e-5)
    expected = (parts["test"] - parts["train"].mean(0)) / parts["train"].std(0)
    assert np.allclose(out["test"], expected, atol=1e-5)
    assert not report.transductive and report.mode == "global"
    # changing every validation and test feature changes nothing in the statistics
    other = {**parts, "valid": parts["valid"] * 1000, "test": parts["test"] - 1e6}
    out2, _ = standardise(other, {p: [None] * len(v) for p, v in other.items()}, "global")
    assert np.allclose(out2["train"], out["train"])


def test_speaker_uses_each_speakers_own_statistics_and_says_it_is_transductive():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, (20, 2)), rng.normal(50, 5, (20, 2))
    out, report = standardise({"train": a, "test": b}, {"train": ["s1"] * 20, "test": ["s2"] * 20}, "speaker")
    for part in out.values():
        assert np.allclose(part.mean(0), 0, atol=1e-5) and np.allclose(part.std(0), 1, atol=1e-4)
    assert report.transductive and report.groups == 2 and not report.fallback


def test_a_speaker_with_too_few_items_falls_back_to_the_training_statistics_and_is_counted():
    """One item's own statistics would turn it into zeros: it takes the training side's instead."""
    rng = np.random.default_rng(2)
    train = rng.normal(3, 2, (30, 2))
    lonely = np.array([[9.0, -1.0]])
    out, report = standardise({"train": train, "test": lonely}, {"train": ["s1"] * 30, "test": ["s2"]}, "speaker")
    assert report.fallback == ["s2"] and MIN_ITEMS > 1
    assert np.allclose(out["test"][0], (lonely[0] - train.mean(0)) / train.std(0), atol=1e-5)
    assert not np.allclose(out["test"], 0)
    assert not report.transductive  # the only test speaker used no statistics of its own


def test_corpus_mode_uses_each_corpus_and_can_be_restricted_to_its_own_parts():
    rng = np.random.default_rng(3)
    src, tgt = rng.normal(0, 1, (40, 2)), rng.normal(20, 4, (40, 2))
    parts = {"train": src, "test": tgt}
    spk = {"train": [None] * 40, "test": [None] * 40}
    dom = {"train": ["a"] * 40, "test": ["b"] * 40}
    out, report = standardise(parts, spk, "corpus", domains=dom)
    assert np.allclose(out["test"].mean(0), 0, atol=1e-5) and report.transductive
    # statistics of the target from another part (an unlabelled adaptation part), not from the test items
    parts["adapt"] = rng.normal(20, 4, (40, 2))
    spk["adapt"], dom["adapt"] = [None] * 40, ["b"] * 40
    out, report = standardise(parts, spk, "corpus", domains=dom, own_parts={"a": ("train",), "b": ("adapt",)})
    assert not report.transductive
    assert np.allclose(out["test"], (tgt - parts["adapt"].mean(0)) / parts["adapt"].std(0), atol=1e-5)


def test_segments_are_standardised_per_band_and_channel_not_per_channel():
    """(S, frames, bands, channels) log-mel stacks: with two pooled axes each band has its own statistics."""
    rng = np.random.default_rng(4)
    band_level = np.linspace(-50, 50, 8)[None, None, :, None]  # every band at its own level
    items = [rng.normal(0, 1, (3, 5, 8, 2)) + band_level for _ in range(12)]
    out, _ = standardise({"train": items}, {"train": [None] * 12}, "global", pooled=2)
    stacked = np.concatenate([a.reshape(-1, 8, 2) for a in out["train"]])
    assert np.allclose(stacked.mean(0), 0, atol=1e-6) and np.allclose(stacked.std(0), 1, atol=1e-5)
    per_channel, _ = standardise({"train": items}, {"train": [None] * 12}, "global")  # default: last axis only
    bands = np.concatenate([a.reshape(-1, 8, 2) for a in per_channel["train"]]).mean(0)
    assert np.ptp(bands[:, 0]) > 1.0  # per channel only, the band levels survive


def test_sequences_pool_their_frames_per_feature():
    rng = np.random.default_rng(5)
    items = [rng.normal(4, 3, (int(rng.integers(5, 15)), 6)) for _ in range(10)]
    out, _ = standardise({"train": items}, {"train": [None] * 10}, "global")
    rows = np.concatenate(out["train"])
    assert np.allclose(rows.mean(0), 0, atol=1e-6) and np.allclose(rows.std(0), 1, atol=1e-5)


def test_constant_features_are_centred_counted_and_never_divided_by_zero():
    x = np.column_stack([np.ones(12), np.arange(12.0)])
    out, report = standardise({"train": x, "test": x[:3] + 1}, {"train": [None] * 12, "test": [None] * 3}, "global")
    assert np.all(np.isfinite(out["train"])) and report.constant_features == 1
    assert np.allclose(out["train"][:, 0], 0) and np.allclose(out["test"][:, 0], 1)


def test_none_and_unknown_modes():
    x = np.arange(6.0).reshape(3, 2)
    out, report = standardise({"train": x}, {"train": [None] * 3}, "none")
    assert np.array_equal(out["train"], x.astype(np.float32)) and not report.transductive
    with pytest.raises(ValueError, match="unknown normalisation"):
        standardise({"train": np.ones((2, 1))}, {"train": [None, None]}, "minmax")


def test_a_default_run_takes_no_statistic_from_validation_or_test_features(tiny_emodb, tmp_path):
    """End to end: replacing every validation and test item's features leaves the training data a
    method sees unchanged, and the job's report says the normalisation was inductive."""
    from harness.execution.runner import Runner
    from harness.experiment.jobs import Experiment, RunRequest

    runner = Runner(RunRequest(methods=["classic"], corpora=["emodb"], folds=3, budget="smoke", data_root=tiny_emodb,
                               results=tmp_path / "r", progress=False))
    assert runner.request.norm == "global"
    prep = runner.data.prepare(Experiment("within", ("emodb",), "emodb"))
    fold = prep.folds[0]
    train, valid, test, report = runner.training_data(prep, fold, supervised=False)
    for key in fold.valid + fold.test:
        prep.features[key] = prep.features[key] * 100 + 7
    train2, valid2, test2, report2 = runner.training_data(prep, fold, supervised=False)
    assert np.array_equal(train.x, train2.x) and not report.transductive and not report2.transductive
    assert not np.array_equal(valid.x, valid2.x)  # they were changed, and standardised with the same statistics
    mean, std = train.x.mean(0), train.x.std(0)
    assert np.allclose(mean, 0, atol=1e-5) and np.allclose(std[std > 0], 1, atol=1e-4)
