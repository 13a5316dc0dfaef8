"""The RAVDESS adapters (speech and song) in both distributed layouts."""

from __future__ import annotations

import shutil

import pytest
import soundfile as sf
from builders import tone
from layouts.ravdess import write_tiny_ravdess

from harness.corpora.ravdess import Ravdess, RavdessSong
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound, LabelError


@pytest.mark.parametrize("layout", ["release", "flat"])
def test_layouts_give_the_same_items(tmp_path, layout):
    corpus = Ravdess.locate(write_tiny_ravdess(tmp_path, layout=layout))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 3 * 8
    assert {it.speaker for it in items.values()} == {"01", "02", "03"}
    assert items["01-08-01-01-01-02"].label == "surprise" and items["01-02-01-01-01-03"].label == "calm"
    assert all(it.split is None for it in items.values())
    first = items["01-01-01-01-01-01"]
    assert first.media["audio"].name == "03-01-01-01-01-01-01.wav"
    assert first.media["visual"].name == "01-01-01-01-01-01-01.mp4"  # full AV preferred over video-only 02
    assert "visual" not in items["01-01-01-01-01-02"].media
    assert "23 utterance(s) without video" in corpus.notes


def test_meta_gender_and_intensity(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01", "02"), video_for=())
    folder = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_02"
    sf.write(folder / "03-01-05-02-02-02-02.wav", tone(4, 1, seconds=0.3), 16000)
    items = {it.id: it for it in Ravdess.locate(root).items()}
    assert items["01-05-02-02-02-02"].meta == {"intensity": "strong", "statement": "02", "repetition": "02",
                                               "gender": "female"}
    assert items["01-05-01-01-01-01"].meta["gender"] == "male"
    assert items["01-05-02-02-02-02"].label == "anger"


def test_audio_falls_back_to_the_full_av_mp4(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",))
    (root / "ravdess" / "Actor_01" / "03-01-01-01-01-01-01.wav").unlink()
    corpus = Ravdess.locate(root)
    item = {it.id: it for it in corpus.items()}["01-01-01-01-01-01"]
    assert item.media["audio"] == item.media["visual"] == root / "ravdess" / "Actor_01" / "01-01-01-01-01-01-01.mp4"
    assert "1 utterance(s) audio from the full audio-video mp4 (no 03 wav)" in corpus.notes
    signal, _ = load_audio(item.media["audio"], 16000)
    assert signal.size > 1000


def test_video_only_clip_is_the_visual_without_audio(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",))
    actor = root / "ravdess" / "Actor_01"
    for name in ("03-01-01-01-01-01-01.wav", "01-01-01-01-01-01-01.mp4"):
        (actor / name).unlink()
    corpus = Ravdess.locate(root)
    item = {it.id: it for it in corpus.items()}["01-01-01-01-01-01"]
    assert item.media == {"visual": actor / "02-01-01-01-01-01-01.mp4"}
    assert "1 utterance(s) without audio (video-only 02 mp4 only)" in corpus.notes


def test_speech_and_song_are_separate_corpora(tmp_path):
    write_tiny_ravdess(tmp_path, layout="flat", channel="01", actors=("01", "02"), video_for=())
    write_tiny_ravdess(tmp_path, layout="flat", channel="02", actors=("01",), video_for=())
    speech, song = Ravdess.locate(tmp_path), RavdessSong.locate(tmp_path)
    assert len(speech.items()) == 16 and len(song.items()) == 6
    assert set(RavdessSong.labels) == {"anger", "calm", "fear", "happiness", "neutral", "sadness"}
    assert {it.label for it in song.items()} == set(RavdessSong.labels)
    assert "6 song (read by ravdess-song) file(s) not read" in speech.notes
    assert "16 speech (read by ravdess) file(s) not read" in song.notes


def test_speech_only_copy_has_no_song_corpus(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    with pytest.raises(CorpusNotFound, match="Audio_Song_Actors_01-24"):
        RavdessSong.locate(root)


def test_disgust_in_song_is_a_label_error_naming_the_file(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", channel="02", actors=("01",), video_for=())
    sf.write(root / "ravdess" / "Actor_01" / "03-02-07-01-01-01-01.wav", tone(0, 0, seconds=0.3), 16000)
    with pytest.raises(LabelError, match=r"03-02-07-01-01-01-01\.wav: unknown ravdess-song label code '07'"):
        RavdessSong.locate(root).items()


def test_unknown_emotion_code_names_the_file(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    folder = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    sf.write(folder / "03-01-09-01-01-01-01.wav", tone(0, 0, seconds=0.3), 16000)
    with pytest.raises(LabelError, match=r"03-01-09-01-01-01-01\.wav: unknown ravdess label code '09'"):
        Ravdess.locate(root).items()


def test_actor_field_must_match_its_folder(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    folder = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    sf.write(folder / "03-01-03-01-01-01-05.wav", tone(0, 0, seconds=0.3), 16000)
    with pytest.raises(CorpusError,
                       match=r"03-01-03-01-01-01-05\.wav: actor field 05 disagrees with its folder Actor_01"):
        Ravdess.locate(root).items()


@pytest.mark.parametrize("name, problem", [
    ("03-01-01-02-01-01-01.wav", "neutral .* no strong intensity"),
    ("04-01-03-01-01-01-01.wav", "unknown RAVDESS modality '04'"),
    ("03-01-03-01-01-01-01.mp4", "modality 03 should be a .wav file"),
    ("03-01-03-01-03-01-01.wav", "unknown RAVDESS statement '03'"),
])
def test_malformed_names_are_errors_naming_the_file(tmp_path, name, problem):
    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",), video_for=())
    sf.write(root / "ravdess" / "Actor_01" / name, tone(0, 0, seconds=0.3), 16000, format="WAV")
    with pytest.raises(CorpusError, match=rf"{name.replace('.', '[.]')}: {problem}"):
        Ravdess.locate(root).items()


def test_both_layouts_at_once_keep_one_copy_or_name_both_files(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    release = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    shutil.copytree(release, root / "ravdess" / "Actor_01")
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert any(n.startswith("ignored 8 identical second copies") for n in corpus.notes)
    sf.write(root / "ravdess" / "Actor_01" / "03-01-04-01-01-01-01.wav", tone(0, 5, seconds=0.3), 16000)
    with pytest.raises(CorpusError, match=r"01-04-01-01-01-01 modality 03 found twice, with different content: "
                                          r".*03-01-04-01-01-01-01\.wav and .*03-01-04-01-01-01-01\.wav"):
        Ravdess.locate(root).items()


def test_other_files_are_reported(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",), video_for=())
    (root / "ravdess" / "Actor_01" / "readme.txt").write_text("x")
    (root / "ravdess" / "Actor_01" / ".DS_Store").write_text("x")
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert corpus.notes == ["ignored 1 file(s) that are not RAVDESS recordings: Actor_01/readme.txt",
                            "8 utterance(s) without video"]


def test_missing_corpus_is_not_found_with_the_layout(tmp_path):
    (tmp_path / "ravdess").mkdir()
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - .*Audio_Speech_Actors_01-24/Actor_01/03-01"):
        Ravdess.locate(tmp_path)
