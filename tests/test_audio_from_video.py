"""Audio tracks of video files decode through PyAV with the same conversions as audio files."""

from __future__ import annotations

import numpy as np
import pytest
from builders import tone, write_av_clip

from harness.data.audio import load_audio, probe_audio
from harness.errors import MediaError

FRAME = np.full((48, 64, 3), 120, np.uint8)


def _aligned_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Correlation after removing the codec's priming delay (AAC adds 1024 samples)."""
    n = min(len(x), len(y))
    lag = int(np.argmax(np.correlate(y[:n], x[:n], "full"))) - (n - 1)
    y = np.roll(y[:n], -lag)
    return float(np.corrcoef(y[2000:-2000], x[:n][2000:-2000])[0, 1])


@pytest.mark.parametrize("suffix", [".avi", ".mp4", ".flv", ".mkv"])
def test_audio_track_of_video_is_decoded(tmp_path, suffix):
    x = tone(2, 1, seconds=1.0)
    clip = write_av_clip(tmp_path / f"clip{suffix}", audio=x, frames=[FRAME] * 10)
    y, notes = load_audio(clip, 16000)
    assert y.dtype == np.float32 and abs(len(y) - len(x)) <= 2048
    assert _aligned_correlation(x, y) > 0.99
    assert notes == []
    probe_audio(clip)


def test_pcm_track_is_bit_exact_and_resampled_like_a_wav(tmp_path):
    x = tone(1, 0, seconds=0.5, sr=44100)
    clip = write_av_clip(tmp_path / "clip.avi", audio=x, sr=44100, frames=[FRAME] * 3)
    native, _ = load_audio(clip, 44100)
    assert np.allclose(native, np.round(x * 32768) / 32768, atol=1 / 32768)
    y, notes = load_audio(clip, 16000)
    assert notes == ["resampled 44100->16000 Hz"] and len(y) == round(len(x) * 16000 / 44100)


def test_video_without_audio_track_names_the_file(tmp_path):
    clip = write_av_clip(tmp_path / "mute.avi", frames=[FRAME] * 5)
    with pytest.raises(MediaError, match=r"mute\.avi: no audio stream"):
        load_audio(clip, 16000)
    with pytest.raises(MediaError, match="no audio stream"):
        probe_audio(clip)


def test_garbage_with_a_video_name_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 50)
    with pytest.raises(MediaError, match=r"junk\.mp4: cannot decode audio"):
        load_audio(junk, 16000)
