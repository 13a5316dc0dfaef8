"""Feature standardisation: which statistics each mode may use."""

from __future__ import annotations

import numpy as np
import pytest

from harness.features.normalize import standardise


def test_global_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    parts = {"train": rng.normal(5, 2, (50, 3)), "test": rng.normal(100, 9, (10, 3))}
    out = standardise(parts, {"train": [None] * 50, "test": [None] * 10}, "global")
    assert np.allclose(out["train"].mean(0), 0, atol=1e-6) and np.allclose(out["train"].std(0), 1, atol=1e-5)
    expected = (parts["test"] - parts["train"].mean(0)) / parts["train"].std(0)
    assert np.allclose(out["test"], expected, atol=1e-5)


def test_speaker_uses_each_speakers_own_statistics():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, (20, 2)), rng.normal(50, 5, (20, 2))
    out = standardise({"train": a, "test": b}, {"train": ["s1"] * 20, "test": ["s2"] * 20}, "speaker")
    for part in out.values():
        assert np.allclose(part.mean(0), 0, atol=1e-5) and np.allclose(part.std(0), 1, atol=1e-4)


def test_speaker_groups_across_parts_and_falls_back_for_unknown_speakers():
    x = {"train": np.array([[0.0], [2.0], [10.0]]), "valid": np.array([[4.0]])}
    spk = {"train": ["s", "s", None], "valid": ["s"]}
    out = standardise(x, spk, "speaker")
    s_vals = np.array([0.0, 2.0, 4.0])
    assert np.allclose(out["train"][:2, 0], (s_vals[:2] - s_vals.mean()) / s_vals.std())
    g = x["train"][:, 0]
    assert np.isclose(out["train"][2, 0], (10.0 - g.mean()) / g.std())


def test_constant_features_do_not_divide_by_zero():
    out = standardise({"train": np.ones((5, 2))}, {"train": [None] * 5}, "global")
    assert np.all(np.isfinite(out["train"]))


def test_unknown_mode():
    with pytest.raises(ValueError, match="unknown normalisation"):
        standardise({"train": np.ones((2, 1))}, {"train": [None, None]}, "minmax")
