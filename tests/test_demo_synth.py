"""Tests of the synthetic demo corpora (corpora/_demo_synth.py)."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from pathlib import Path

import cv2
import librosa
import numpy as np
import pytest
import soundfile as sf

from harness.corpora import _demo_synth as ds


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    roots = {}
    for variant in ds.VARIANTS:
        roots[variant] = tmp_path_factory.mktemp(variant)
        ds.generate_demo_corpus(roots[variant], variant)
    return roots


def _manifest(root: Path) -> list[dict[str, str]]:
    with open(root / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _by_emotion(rows, emotion):
    return [r for r in rows if r["emotion"] == emotion]


def test_api_constants():
    assert ds.DEMO_EMOTIONS == ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
    assert list(ds.DEMO_EMOTIONS) == sorted(ds.DEMO_EMOTIONS)
    assert set(ds.VARIANTS) == {"demo-a", "demo-b"}
    assert isinstance(ds.GENERATOR_VERSION, str) and ds.GENERATOR_VERSION
    assert all(isinstance(s, ds.DemoSpec) for s in ds.VARIANTS.values())


def test_unknown_variant(tmp_path):
    with pytest.raises(ValueError, match="demo-c"):
        ds.generate_demo_corpus(tmp_path, "demo-c")


@pytest.mark.slow
def test_deterministic(corpora, tmp_path):
    again = tmp_path / "again"
    ds.generate_demo_corpus(again, "demo-b")
    first = corpora["demo-b"]
    assert (again / "manifest.csv").read_bytes() == (first / "manifest.csv").read_bytes()
    rows = _manifest(first)
    for row in rows[:: len(rows) // 7]:
        for key in ("audio", "visual"):
            assert (again / row[key]).read_bytes() == (first / row[key]).read_bytes(), row[key]


def test_manifest_contents(corpora):
    speakers = {}
    for variant, root in corpora.items():
        spec, rows = ds.VARIANTS[variant], _manifest(root)
        with open(root / "manifest.csv", encoding="utf-8") as f:
            assert f.readline() == "id,speaker,emotion,audio,visual\n"
        assert len(rows) == spec.n_speakers * len(ds.DEMO_EMOTIONS) * spec.reps
        assert len({r["id"] for r in rows}) == len(rows)
        assert Counter(r["emotion"] for r in rows) == {
            e: spec.n_speakers * spec.reps for e in ds.DEMO_EMOTIONS}
        per_speaker = Counter(r["speaker"] for r in rows)
        assert sorted(per_speaker) == [f"{spec.speaker_prefix}{i:02d}" for i in range(1, spec.n_speakers + 1)]
        assert set(per_speaker.values()) == {len(ds.DEMO_EMOTIONS) * spec.reps}
        for r in rows:
            assert r["id"].startswith(f"{r['speaker']}_{r['emotion']}_")
            assert r["audio"] == f"audio/{r['id']}.wav" and r["visual"] == f"visual/{r['id']}.png"
            assert (root / r["audio"]).is_file() and (root / r["visual"]).is_file()
        assert not list(root.glob("manifest.csv.tmp*"))
        speakers[variant] = set(per_speaker)
    assert not speakers["demo-a"] & speakers["demo-b"]


def test_media_formats(corpora):
    for root in corpora.values():
        rows = _manifest(root)
        for row in rows[:: len(rows) // 10]:
            info = sf.info(root / row["audio"])
            assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
            assert 1.0 <= info.duration <= 2.0
            img = cv2.imread(str(root / row["visual"]), cv2.IMREAD_UNCHANGED)
            assert img.shape == (64, 64, 3) and img.dtype == np.uint8


def _voice_stats(path: Path) -> tuple[float, float]:
    """(median F0 in Hz over the loud frames, RMS) of one clip."""
    y, sr = sf.read(path)
    f0 = librosa.yin(y, fmin=60, fmax=600, sr=sr, frame_length=1024, hop_length=256)
    rms = librosa.feature.rms(y=y, frame_length=1024, hop_length=256)[0]
    n = min(len(f0), len(rms))
    loud = rms[:n] > 0.5 * rms[:n].max()
    return float(np.median(f0[:n][loud])), float(np.sqrt(np.mean(y**2)))


def test_prosody_depends_on_emotion(corpora):
    root = corpora["demo-a"]
    rows = _manifest(root)
    stats = {e: np.array([_voice_stats(root / r["audio"]) for r in _by_emotion(rows, e)])
             for e in ("anger", "sadness", "neutral")}
    f0 = {e: s[:, 0].mean() for e, s in stats.items()}
    rms = {e: s[:, 1].mean() for e, s in stats.items()}
    assert f0["anger"] > 1.2 * f0["sadness"]
    assert rms["anger"] > 2.0 * rms["sadness"]
    assert f0["anger"] > f0["neutral"] > f0["sadness"]
    assert rms["anger"] > rms["neutral"] > rms["sadness"]


def test_speaking_rate_depends_on_emotion(corpora):
    root = corpora["demo-a"]
    rows = _manifest(root)

    def onsets_per_second(emotion):
        rates = []
        for r in _by_emotion(rows, emotion):
            y, sr = sf.read(root / r["audio"])
            rates.append(len(librosa.onset.onset_detect(y=y, sr=sr)) / (len(y) / sr))
        return np.mean(rates)

    assert onsets_per_second("fear") > onsets_per_second("sadness")


def _class_means(root: Path) -> dict[str, np.ndarray]:
    rows = _manifest(root)
    return {e: np.mean([cv2.imread(str(root / r["visual"])).astype(float) for r in _by_emotion(rows, e)], 0)
            for e in ds.DEMO_EMOTIONS}


def test_faces_depend_on_emotion(corpora):
    for root in corpora.values():
        means = _class_means(root)
        for a, b in itertools.combinations(ds.DEMO_EMOTIONS, 2):
            assert np.abs(means[a] - means[b]).mean() > 1.0, (root.name, a, b)
    # Expected geometry (regions as (rows, columns) of the 64x64 image): smiles
    # and frowns change the mouth more than the eyes; anger (lowered, slanted
    # brows, narrowed eyes) changes the eye region more than the mouth.
    means = _class_means(corpora["demo-a"])
    mouth, eyes = (slice(40, 56), slice(18, 46)), (slice(14, 32),)
    diff = lambda a, b, region: np.abs(means[a][region] - means[b][region]).mean()
    assert diff("happiness", "sadness", mouth) > 1.2 * diff("happiness", "sadness", eyes)
    assert diff("anger", "neutral", eyes) > 2 * diff("anger", "neutral", mouth)
    assert diff("surprise", "neutral", eyes) > 3.0


def test_domain_shift(corpora):
    a, b = (_manifest(corpora[v]) for v in ("demo-a", "demo-b"))

    def low_band_share(root, rows):
        shares = []
        for r in rows[::12]:
            y, sr = sf.read(root / r["audio"])
            spec = np.abs(np.fft.rfft(y)) ** 2
            freqs = np.fft.rfftfreq(len(y), 1 / sr)
            shares.append(spec[freqs < 200].sum() / spec.sum())
        return np.mean(shares)

    assert low_band_share(corpora["demo-b"], b) < 0.2 * low_band_share(corpora["demo-a"], a)
    # Lighting: demo-b faces are lit from one side (left-right brightness difference).
    def side(root, rows):
        imgs = [cv2.imread(str(root / r["visual"]), cv2.IMREAD_GRAYSCALE).astype(float) for r in rows[::12]]
        return np.mean([np.abs(img[:, 61] - img[:, 2]).mean() for img in imgs])

    assert side(corpora["demo-b"], b) > side(corpora["demo-a"], a) + 5
