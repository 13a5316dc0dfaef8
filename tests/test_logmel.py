"""The 3-channel log-mel segments: window arithmetic, the log-mel itself, deltas, padding, cache."""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
import soundfile as sf
from builders import tone

from harness.errors import HarnessError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features.logmel import LogMelSegments, expected_segments, segment_starts
from harness.registry import default_registry


def signal(n: int, seed: int = 0) -> np.ndarray:
    """A harmonic tone plus noise (no spectral holes, so no log of ~0)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    x = sum(0.1 / h * np.sin(2 * np.pi * h * 180 * t + h) for h in range(1, 8))
    return (x + rng.normal(0, 0.01, n)).astype(np.float32)


def hand_log_mel(x: np.ndarray) -> np.ndarray:
    """(64, T) in dB, frame by frame with numpy: 400-sample periodic Hamming, 512-point FFT, 160 hop."""
    n = np.arange(400)
    window = 0.54 - 0.46 * np.cos(2 * np.pi * n / 400)
    fb = librosa.filters.mel(sr=16000, n_fft=512, n_mels=64, fmin=20, fmax=8000)
    frames = [x[s:s + 400].astype(np.float64) for s in range(0, len(x) - 400 + 1, 160)]
    power = np.array([np.abs(np.fft.rfft(f * window, 512)) ** 2 for f in frames])  # (T, 257)
    return 10 * np.log10(np.maximum(fb @ power.T, 1e-10))


def test_window_arithmetic_with_the_last_window_aligned_to_the_end():
    # N = 20000 samples -> T = 1 + floor((20000 - 400) / 160) = 1 + 122 = 123 frames;
    # windows of 64 frames every 64 - 30 = 34: starts 0, 34 (ends 98 < 123), then the last
    # one aligned to the end: 123 - 64 = 59  ->  S = 1 + ceil((123 - 64) / 34) = 3.
    x = signal(20000)
    ex = LogMelSegments()
    static = ex.log_mel(x)
    assert static.shape == (64, 123)
    assert segment_starts(123, 64, 34) == [0, 34, 59]
    assert expected_segments(20000) == 3 == 1 + math.ceil((123 - 64) / 34)
    out = ex.from_signal(x)
    assert out.shape == (3, 64, 64, 3) and out.dtype == np.float32
    for i, start in enumerate([0, 34, 59]):
        np.testing.assert_array_equal(out[i, :, :, 0], static[:, start:start + 64])
    assert ex.notes == []


def test_no_extra_window_when_the_last_regular_one_ends_exactly():
    # N = 16000 -> T = 1 + 15600 // 160 = 98 = 34 + 64: starts 0 and 34 only.
    out = LogMelSegments().from_signal(signal(16000))
    assert out.shape == (2, 64, 64, 3)
    assert segment_starts(98, 64, 34) == [0, 34]
    # one more frame (N + 160) adds an end-aligned window starting at 35
    assert segment_starts(99, 64, 34) == [0, 34, 35]
    assert LogMelSegments().from_signal(signal(16160)).shape == (3, 64, 64, 3)


def test_exactly_one_window():
    n = 400 + 63 * 160  # 64 frames = 655 ms, the paper's context window
    out = LogMelSegments().from_signal(signal(n))
    assert out.shape == (1, 64, 64, 3)


@pytest.mark.parametrize("n, frames", [(8000, 48), (1000, 4), (200, 1)])
def test_short_utterance_is_edge_padded_symmetrically(n, frames):
    x = signal(n)
    ex = LogMelSegments()
    static = ex.log_mel(x)
    assert static.shape == (64, frames)
    out = ex.from_signal(x)
    assert out.shape == (1, 64, 64, 3)
    before = (64 - frames) // 2
    after = 64 - frames - before
    seg = out[0, :, :, 0]
    np.testing.assert_array_equal(seg[:, before:before + frames], static)
    np.testing.assert_array_equal(seg[:, :before], np.repeat(static[:, :1], before, axis=1))
    np.testing.assert_array_equal(seg[:, 64 - after:], np.repeat(static[:, -1:], after, axis=1))
    assert ex.notes == ["shorter than one 64-frame context window: edge-padded to one segment"]


def test_static_channel_equals_a_direct_numpy_log_mel():
    x = signal(12000, seed=3)
    expected = hand_log_mel(x)  # T = 1 + (12000 - 400) // 160 = 73
    assert expected.shape == (64, 73)
    out = LogMelSegments().from_signal(x)
    assert out.shape == (2, 64, 64, 3)  # starts 0 and 73 - 64 = 9
    np.testing.assert_allclose(out[0, :, :, 0], expected[:, :64], atol=2e-3)
    np.testing.assert_allclose(out[1, :, :, 0], expected[:, 9:73], atol=2e-3)


def test_axis_1_is_the_mel_band_low_to_high():
    t = np.arange(16000) / 16000
    x = (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    static = LogMelSegments().from_signal(x)[0, :, :, 0]
    centres = librosa.mel_frequencies(n_mels=66, fmin=20, fmax=8000)[1:-1]
    peak = int(np.argmax(static.mean(axis=1)))
    assert abs(centres[peak] - 1000) < 120


def test_deltas_are_the_regression_formulas_over_nine_frames():
    x = signal(30000, seed=5)
    out = LogMelSegments().from_signal(x)
    static, delta, delta2 = out[1, :, :, 0], out[1, :, :, 1], out[1, :, :, 2]
    n = np.arange(-4, 5)
    m = np.mean(n ** 2)
    for t in range(4, 60):  # frames whose +-4 neighbours lie in the segment
        block = static[:, t - 4:t + 5].astype(np.float64)
        slope = block @ n / np.sum(n ** 2)  # HTK: sum n (c[t+n] - c[t-n]) / (2 sum n^2)
        curvature = 2 * block @ (n ** 2 - m) / np.sum((n ** 2 - m) ** 2)  # 2nd derivative of LSQ quadratic
        np.testing.assert_allclose(delta[:, t], slope, atol=1e-3)
        np.testing.assert_allclose(delta2[:, t], curvature, atol=1e-3)


def test_deltas_equal_librosa_over_the_whole_utterance_edges_included():
    x = signal(25000, seed=7)
    ex = LogMelSegments()
    static = ex.log_mel(x)
    out = ex.from_signal(x)
    starts = segment_starts(static.shape[1], 64, 34)
    for channel, order in ((1, 1), (2, 2)):
        full = librosa.feature.delta(static, width=9, order=order, axis=1, mode="interp")
        for i, s in enumerate(starts):
            np.testing.assert_allclose(out[i, :, :, channel], full[:, s:s + 64], atol=1e-3)


def test_deterministic_and_parameters_change_the_identity():
    x = signal(21000, seed=9)
    a, b = LogMelSegments().from_signal(x), LogMelSegments().from_signal(x.copy())
    np.testing.assert_array_equal(a, b)
    assert LogMelSegments().identity() != LogMelSegments(overlap="20").identity()
    small = LogMelSegments(window="32", overlap="16", n_mels="40").from_signal(x)
    frames = 1 + (21000 - 400) // 160  # 129
    assert small.shape == (1 + math.ceil((frames - 32) / 16), 40, 32, 3)


@pytest.mark.parametrize("params", [{"overlap": 64}, {"delta_width": 4}, {"fmax": 9000.0}, {"win_ms": 40.0},
                                    {"window_fn": "nonsense"}, {"amin": 0.0}])
def test_bad_parameters_are_refused(params):
    with pytest.raises(HarnessError, match="logmel"):
        LogMelSegments(**params)


def test_registered_and_extracted_through_the_cache(tmp_path):
    assert default_registry().feature("logmel") is LogMelSegments
    from harness.data.corpus import Item

    long_wav, short_wav = tmp_path / "long.wav", tmp_path / "short.wav"
    sf.write(long_wav, tone(2, 1, seconds=2.0, sr=44100), 44100)  # resampled by the core
    sf.write(short_wav, tone(3, 1, seconds=0.3), 16000)
    items = [Item(id=p.stem, corpus="t", media={"audio": p}) for p in (long_wav, short_wav)]
    cache = FeatureCache(tmp_path / "cache")
    feats, report = extract_features(items, LogMelSegments(), cache, workers=1, progress=False)
    # 2 s at 16 kHz: T = 1 + (32000 - 400) // 160 = 198 -> S = 1 + ceil(134 / 34) = 5
    assert feats["t/long"].shape == (5, 64, 64, 3)
    assert feats["t/short"].shape == (1, 64, 64, 3)
    assert report.notes["shorter than one 64-frame context window: edge-padded to one segment"] == 1
    again, report2 = extract_features(items, LogMelSegments(), cache, workers=1, progress=False)
    assert report2.cached == 2 and np.array_equal(again["t/long"], feats["t/long"])
    assert report2.notes == report.notes
