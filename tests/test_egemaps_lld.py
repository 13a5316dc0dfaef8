"""eGeMAPS low-level descriptors: a (T, 25) sequence at 10 ms, consistent with the functionals."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from builders import tone

from harness.data.corpus import Item
from harness.errors import MediaError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features.egemaps import EGeMAPSFunctionals
from harness.plugins.features.egemaps_lld import EGeMAPSLowLevel
from harness.registry import default_registry


def test_shape_is_one_row_per_10_ms(tmp_path):
    path = tmp_path / "a.wav"
    sf.write(path, tone(1, 2, seconds=1.5), 16000)
    features = EGeMAPSLowLevel().extract(path)
    # N = 24000 samples: T = 1 + floor((24000 - 800) / 160) = 146, i.e. about 1.5 s / 10 ms
    assert features.shape == (146, 25)
    assert features.dtype == np.float32 and np.all(np.isfinite(features))
    names = EGeMAPSLowLevel().feature_names
    assert len(names) == 25 and names[0] == "Loudness_sma3" and "F0semitoneFrom27.5Hz_sma3nz" in names


def test_resampled_input_gives_the_same_number_of_rows(tmp_path):
    path = tmp_path / "b.wav"
    sf.write(path, tone(4, 0, seconds=2.0, sr=44100), 44100)
    assert EGeMAPSLowLevel().extract(path).shape == (1 + (32000 - 800) // 160, 25)


def test_functionals_are_taken_over_these_descriptors(tmp_path):
    path = tmp_path / "c.wav"
    sf.write(path, tone(5, 3, seconds=1.2), 16000)
    lld = EGeMAPSLowLevel()
    frames = lld.extract(path)
    functionals = EGeMAPSFunctionals()
    values = dict(zip(functionals._smile().feature_names, functionals.extract(path)))
    loudness = frames[:, lld.feature_names.index("Loudness_sma3")]
    assert values["loudness_sma3_amean"] == pytest.approx(loudness.mean(), rel=1e-3)


def test_too_short_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "tiny.wav"
    sf.write(path, tone(0, 0, seconds=0.03), 16000)
    with pytest.raises(MediaError, match="tiny.wav.*too short"):
        EGeMAPSLowLevel().extract(path)


def test_registered_and_cached_in_parallel(tmp_path):
    assert default_registry().feature("egemaps-lld") is EGeMAPSLowLevel
    items = []
    for i in range(16):  # 16 items: extract_features uses the process pool (pickled extractor)
        path = tmp_path / f"{i}.wav"
        sf.write(path, tone(i % 7, i % 3, seconds=0.5 + 0.05 * i), 16000)
        items.append(Item(id=str(i), corpus="t", media={"audio": path}))
    cache = FeatureCache(tmp_path / "cache")
    par, report = extract_features(items, EGeMAPSLowLevel(), cache, workers=2, progress=False)
    assert report.computed == 16
    seq, _ = extract_features(items, EGeMAPSLowLevel(), FeatureCache(None), workers=1, progress=False)
    for i, it in enumerate(items):
        n = int((0.5 + 0.05 * i) * 16000)
        assert par[it.key].shape == (1 + (n - 800) // 160, 25)
        np.testing.assert_array_equal(par[it.key], seq[it.key])
