"""The CREMA-D adapter: audio + Flash video, names, known problem files."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_av_clip
from layouts.crema_d import write_tiny_crema_d

from harness.corpora.crema_d import CremaD
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound, LabelError, MediaError


def test_items_speakers_labels_and_media(tmp_path):
    corpus = CremaD.locate(write_tiny_crema_d(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 18 and {it.speaker for it in items.values()} == {"1001", "1002", "1091"}
    ang = items["1001_DFA_ANG_XX"]
    assert ang.label == "anger" and ang.meta == {"sentence": "DFA", "level": "unspecified"}
    assert ang.media["audio"].name == "1001_DFA_ANG_XX.wav" and ang.media["visual"].name == "1001_DFA_ANG_XX.flv"
    assert set(items["1002_DFA_SAD_XX"].media) == {"audio"} and items["1002_DFA_SAD_XX"].label == "sadness"
    assert "16 clip(s) without visual (VideoFlash/ lacks it)" in corpus.notes
    signal, _ = load_audio(ang.media["visual"], 16000)  # the .flv's audio track decodes
    assert signal.size > 1000


def test_levels_gender_and_video_only_clips(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), sentence="IEO", level="HI", video_for=())
    base = root / "CREMA-D"
    write_av_clip(base / "VideoFlash" / "1001_IEO_FEA_LO.flv", frames=[np.zeros((32, 32, 3), np.uint8)] * 2)
    (base / "VideoDemographics.csv").write_text("ActorID,Age,Sex,Race,Ethnicity\n1001,51,Male,Caucasian,Not Hispanic\n")
    corpus = CremaD.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert items["1001_IEO_HAP_HI"].meta == {"sentence": "IEO", "level": "high", "gender": "male"}
    assert set(items["1001_IEO_FEA_LO"].media) == {"visual"} and items["1001_IEO_FEA_LO"].meta["level"] == "low"
    assert "1 clip(s) without audio (AudioWAV/ lacks it)" in corpus.notes


def test_misnamed_level_x_and_known_problem_files(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1040",), video_for=())
    wav = root / "CREMA-D" / "AudioWAV"
    sf.write(wav / "1040_ITH_SAD_X.wav", tone(5, 0, seconds=0.3), 16000)
    sf.write(wav / "1076_MTI_SAD_XX.wav", np.zeros(0, np.float32), 16000)  # empty in copies of the release
    corpus = CremaD.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert items["1040_ITH_SAD_XX"].media["audio"].name == "1040_ITH_SAD_X.wav"
    notes = "\n".join(corpus.notes)
    assert "1040_ITH_SAD_X.wav: level 'X' read as 'XX'" in notes
    assert "known problem clips present" in notes and "1076_MTI_SAD_XX (reported empty" in notes
    # the adapter keeps it; extraction is what reports the empty audio
    with pytest.raises(MediaError, match="1076_MTI_SAD_XX.wav: zero-length"):
        load_audio(items["1076_MTI_SAD_XX"].media["audio"], 16000)


@pytest.mark.parametrize("name, error, message", [
    ("1001_DFA_JOY_XX.wav", LabelError, r"1001_DFA_JOY_XX\.wav: unknown crema-d label code 'JOY'"),
    ("1001_ABC_ANG_XX.wav", CorpusError, r"1001_ABC_ANG_XX\.wav: unknown CREMA-D sentence 'ABC'"),
    ("1092_DFA_ANG_XX.wav", CorpusError, r"1092_DFA_ANG_XX\.wav: CREMA-D actor 1092 outside 1001\.\.1091"),
    ("1001_DFA_ANG_ZZ.wav", CorpusError, r"1001_DFA_ANG_ZZ\.wav: unknown CREMA-D emotion level 'ZZ'"),
    ("1001-DFA-ANG-XX.wav", CorpusError, r"1001-DFA-ANG-XX\.wav: not a CREMA-D file name"),
])
def test_bad_names_are_errors_naming_the_file(tmp_path, name, error, message):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    sf.write(root / "CREMA-D" / "AudioWAV" / name, tone(0, 0, seconds=0.3), 16000)
    with pytest.raises(error, match=message):
        CremaD.locate(root).items()


def test_bad_demographics_table_names_the_file(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    (root / "CREMA-D" / "VideoDemographics.csv").write_text("ActorID,Sex\n1001,M\n")
    with pytest.raises(CorpusError, match=r"VideoDemographics\.csv, line 2: Sex 'M'"):
        CremaD.locate(root).items()


def test_other_files_are_reported(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    (root / "CREMA-D" / "AudioWAV" / "list.txt").write_text("x")
    (root / "CREMA-D" / "AudioMP3").mkdir()
    corpus = CremaD.locate(root)
    assert len(corpus.items()) == 6
    notes = "\n".join(corpus.notes)
    assert "ignored 1 file(s) that are not CREMA-D clips: AudioWAV/list.txt" in notes
    assert "AudioMP3/ not read" in notes and "no VideoFlash/ folder" in notes


def test_missing_corpus_is_not_found_with_the_layout(tmp_path):
    (tmp_path / "CREMA-D" / "AudioMP3").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - CREMA-D/AudioWAV/1001_DFA_ANG_XX\.wav"):
        CremaD.locate(tmp_path)
