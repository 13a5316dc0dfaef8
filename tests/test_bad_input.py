"""Bad input: strict label maps, malformed corpora, undecodable or odd media."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_tiny_emodb

from harness.corpora.emodb import EmoDB
from harness.data.audio import load_audio
from harness.data.labels import LabelMap
from harness.errors import CorpusError, CorpusNotFound, LabelError, MediaError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features.egemaps import EGeMAPSFunctionals


def test_label_map_is_strict_and_names_file_and_code():
    codes = LabelMap("toy", {"a": "anger", "h": "happiness"})
    assert codes("a", "x.wav") == "anger"
    with pytest.raises(LabelError, match=r"x\.wav: unknown toy label code 'q'.*a=anger"):
        codes("q", "x.wav")


def test_label_map_rejects_non_canonical_targets():
    with pytest.raises(ValueError, match="non-canonical"):
        LabelMap("toy", {"a": "angry"})


def test_emodb_unknown_emotion_code_is_skipped_naming_the_code(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    sf.write(root / "emodb" / "wav" / "03a05Xa.wav", tone(0, 0), 16000)
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7
    ((path, reason),) = corpus.log.skipped
    assert path == str(root / "emodb" / "wav" / "03a05Xa.wav") and "unknown emodb label code 'X'" in reason
    assert "1 file(s) skipped" in "\n".join(corpus.log.lines())


@pytest.mark.parametrize("name, reason", [
    ("hello.wav", "not an EMO-DB file name"),
    ("17a01Fa.wav", "unknown EMO-DB speaker '17'"),
])
def test_emodb_foreign_file_name_is_skipped_with_the_reason(tmp_path, name, reason):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    sf.write(root / "emodb" / "wav" / name, tone(0, 0), 16000)
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7
    ((path, why),) = corpus.log.skipped
    assert path.endswith(name) and reason in why


def test_empty_corpus_folder_is_a_clear_error(tmp_path):
    (tmp_path / "emodb" / "wav").mkdir(parents=True)
    with pytest.raises(CorpusError, match="emodb: no items found in .*Expected layout"):
        EmoDB.locate(tmp_path).items()


def test_missing_corpus_is_not_found(tmp_path):
    with pytest.raises(CorpusNotFound, match="corpus 'emodb' not found"):
        EmoDB.locate(tmp_path / "nowhere")


def test_truncated_wav_is_a_media_error(tmp_path):
    path = tmp_path / "t.wav"
    sf.write(path, tone(0, 0, seconds=1.0), 16000, subtype="PCM_16")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match=r"t\.wav: truncated WAV"):
        load_audio(path, 16000)


def test_zero_length_and_silent_files_are_reported(tmp_path):
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 16000)
    with pytest.raises(MediaError, match="zero-length"):
        load_audio(empty, 16000)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(8000, np.float32), 16000)
    with pytest.raises(MediaError, match="silent"):
        load_audio(silent, 16000)


def test_stereo_file_is_mixed_down_with_a_note(tmp_path):
    path = tmp_path / "stereo.wav"
    x = tone(1, 0)
    sf.write(path, np.stack([x, 0.5 * x], axis=1), 16000)
    signal, notes = load_audio(path, 16000)
    assert signal.ndim == 1 and np.allclose(signal, 0.75 * x, atol=1e-4)
    assert notes == ["mixed down from 2 channels"]


def test_decoding_follows_content_not_extension(tmp_path):
    path = tmp_path / "really_aiff.wav"
    sf.write(path, tone(1, 0), 22050, format="AIFF")
    signal, notes = load_audio(path, 16000)
    assert notes == ["resampled 22050->16000 Hz"] and abs(signal.size - 9600 * 16000 / 22050) <= 2


def test_extraction_errors_or_skips_with_counts(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    wav = root / "emodb" / "wav" / "03a01Wa.wav"
    wav.write_bytes(wav.read_bytes()[:100])
    items = EmoDB.locate(root).items()
    cache = FeatureCache(tmp_path / "cache")
    with pytest.raises(MediaError, match=r"03a01Wa\.wav.*--skip-unreadable"):
        extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    feats, report = extract_features(items, EGeMAPSFunctionals(), cache, skip_unreadable=True,
                                     workers=1, progress=False)
    assert len(feats) == len(items) - 1
    assert [k for k, _ in report.skipped] == ["emodb/03a01Wa"]
    assert "skipped 1 item(s)" in "\n".join(report.lines())


def test_full_scale_resampled_audio_is_clipped_with_a_note(tmp_path):
    path = tmp_path / "loud.wav"
    t = np.arange(44100) / 44100
    square = np.sign(np.sin(2 * np.pi * 220 * t)).astype(np.float32) * 0.99997
    sf.write(path, square, 44100, subtype="PCM_16")
    signal, notes = load_audio(path, 16000)
    assert "clipped to full scale" in notes and signal.max() <= 32767 / 32768 and signal.min() >= -1


def test_non_finite_samples_are_a_media_error(tmp_path):
    path = tmp_path / "nan.wav"
    x = tone(0, 0)
    x[100] = np.nan
    sf.write(path, x, 16000, subtype="FLOAT")
    with pytest.raises(MediaError, match="non-finite"):
        load_audio(path, 16000)


def test_directory_named_like_a_wav_is_ignored_and_counted(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    (root / "emodb" / "wav" / "03a09Wa.wav").mkdir()
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7
    assert corpus.log.summary()["ignored"] == {"folders inside wav/": 1}


def test_emodb_accepts_upper_case_suffix_and_reports_other_files(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    wav = root / "emodb" / "wav"
    (wav / "03a01Wa.wav").rename(wav / "03a01Wa.WAV")
    (wav / "notes.txt").write_text("x")
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7 and corpus.notes == []
    assert corpus.log.summary()["ignored"] == {"non-audio files in wav/": 1}
    assert corpus.log.lines() == [f"1 non-audio files in wav/ ignored (e.g. {wav / 'notes.txt'})"]


def test_vanished_file_is_reported_or_skipped(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    items = EmoDB.locate(root).items()
    items[0].media["audio"].unlink()
    cache = FeatureCache(tmp_path / "cache")
    with pytest.raises(MediaError, match=rf"{items[0].id}\.wav: cannot read \(No such file"):
        extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    feats, report = extract_features(items, EGeMAPSFunctionals(), cache, skip_unreadable=True,
                                     workers=1, progress=False)
    assert len(feats) == 6 and len(report.skipped) == 1


def test_damaged_cache_entry_is_recomputed(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    items = EmoDB.locate(root).items()
    cache = FeatureCache(tmp_path / "cache")
    first, _ = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    entry = next((tmp_path / "cache").rglob("*.npy"))
    entry.write_bytes(b"")
    again, report = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    assert report.computed == 1 and report.cached == 6 and report.damaged == 1
    assert all(np.array_equal(first[k], again[k]) for k in first)


def test_a_cache_entry_altered_after_writing_is_detected_and_recomputed(tmp_path):
    """Bytes that still load as an array but are not what was written are never used."""
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    items = EmoDB.locate(root).items()
    cache = FeatureCache(tmp_path / "cache")
    first, _ = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    entry = next((tmp_path / "cache").rglob("*.npy"))
    forged = np.load(entry) + 1.0
    np.save(entry, forged)
    again, report = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    assert report.damaged == 1 and report.computed == 1
    assert any("altered or damaged since written" in line for line in report.lines())
    assert all(np.array_equal(first[k], again[k]) for k in first)


def test_cache_files_are_shared_under_the_users_umask(tmp_path):
    import os
    import stat

    root = write_tiny_emodb(tmp_path, speakers=("03",))
    old = os.umask(0o002)
    try:
        extract_features(EmoDB.locate(root).items()[:1], EGeMAPSFunctionals(), FeatureCache(tmp_path / "c"),
                         workers=1, progress=False)
    finally:
        os.umask(old)
    for f in (tmp_path / "c").rglob("*.*"):
        mode = stat.S_IMODE(f.stat().st_mode)
        assert mode & stat.S_IRGRP and mode & stat.S_IWGRP, (f, oct(mode))


def test_warm_cache_reports_the_same_conversions(tmp_path):
    path = tmp_path / "emodb" / "wav"
    path.mkdir(parents=True)
    sf.write(path / "03a01Wa.wav", np.stack([tone(0, 0)] * 2, axis=1), 22050)
    items = EmoDB.locate(tmp_path).items()
    cache = FeatureCache(tmp_path / "cache")
    _, cold = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    _, warm = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    assert cold.computed == 1 and warm.cached == 1
    assert cold.notes == warm.notes == {"mixed down from 2 channels": 1, "resampled 22050->16000 Hz": 1}
