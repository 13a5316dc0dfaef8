"""``harness bench features``: columns, figures that add up, JSON, missing corpus, video durations."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_av_clip, write_tiny_emodb

from harness.cli.bench import COLUMNS, audio_seconds
from harness.cli.commands import main
from harness.errors import MediaError


@pytest.fixture
def tiny_root(tmp_path):
    return write_tiny_emodb(tmp_path / "data", speakers=("03", "08"))  # 14 files of 0.6 s


def test_table_has_every_column_and_a_row_per_extractor(tiny_root, capsys):
    code = main(["bench", "features", "--corpus", "emodb", "--data-root", str(tiny_root),
                 "--extractor", "logmel", "--extractor", "egemaps", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0
    header = out.splitlines()[0]
    for column in COLUMNS:
        assert column in header
    rows = [line for line in out.splitlines() if line.startswith("| logmel") or line.startswith("| egemaps")]
    assert len(rows) == 2
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert cells[:4] == ["logmel", "emodb", "14", "8.4"]  # 14 x 0.6 s
    assert "worker(s)" in out


def test_json_figures_add_up(tiny_root, capsys):
    code = main(["bench", "features", "--corpus", "emodb", "--data-root", str(tiny_root),
                 "--extractor", "logmel", "--workers", "1", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    (row,) = doc["rows"]
    assert row["files"] == row["computed"] == 14
    assert row["audio_seconds"] == pytest.approx(14 * 0.6)
    assert row["cold_x_realtime"] == pytest.approx(row["audio_seconds"] / row["cold_s"])
    assert row["warm_speedup"] == pytest.approx(row["cold_s"] / row["warm_s"])
    # 0.6 s = 9600 samples -> 58 frames < 64: one padded segment of 64x64x3 float32 per file
    assert row["cache_bytes"] > 14 * 64 * 64 * 3 * 4
    assert row["notes"] == {"shorter than one 64-frame context window: edge-padded to one segment": 14}


def test_default_extractors_are_the_audio_ones(tiny_root, capsys, monkeypatch):
    import harness.cli.bench as bench

    seen = []
    monkeypatch.setattr(bench, "bench_one", lambda ex, corpus, **kw: seen.append((ex.name, ex.params)) or {})
    bench.run_features_bench(["emodb"], [], data_root=tiny_root, corpus_paths={}, workers=1,
                             tmp_parent=None, skip_unreadable=False, progress=False,
                             feature_params={"logmel": {"overlap": "20"}})
    names = [name for name, _ in seen]
    assert "logmel" in names and "egemaps" in names and "egemaps-lld" in names
    assert "face-hog" not in names
    assert dict(seen)["logmel"]["overlap"] == 20


def test_demo_corpus(capsys):
    code = main(["bench", "features", "--corpus", "demo-a", "--extractor", "logmel", "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 0 and "| logmel" in out and "demo-a" in out


def test_missing_corpus_exits_2_with_the_usual_message(tmp_path, capsys):
    code = main(["bench", "features", "--corpus", "savee", "--data-root", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "corpus 'savee' not found" in err and "Layouts read:" in err


def test_unknown_extractor_is_an_error(tiny_root, capsys):
    code = main(["bench", "features", "--corpus", "emodb", "--data-root", str(tiny_root), "--extractor", "nope"])
    assert code == 2 and "unknown feature extractor 'nope'" in capsys.readouterr().err


def test_audio_seconds_from_wav_and_video_headers(tmp_path):
    wav = tmp_path / "a.wav"
    sf.write(wav, tone(0, 0, seconds=1.25, sr=44100), 44100)
    assert audio_seconds(wav) == pytest.approx(1.25)
    clip = write_av_clip(tmp_path / "b.avi", audio=tone(1, 1, seconds=2.0))
    assert audio_seconds(clip) == pytest.approx(2.0, abs=0.05)
    silent = write_av_clip(tmp_path / "c.avi", frames=[np.zeros((32, 32, 3), np.uint8)] * 3)
    with pytest.raises(MediaError, match="c.avi: no audio stream"):
        audio_seconds(silent)
