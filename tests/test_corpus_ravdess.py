"""The RAVDESS adapters (speech and song) in both distributed layouts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_tone
from layouts.ravdess import write_tiny_ravdess

from harness.corpora.ravdess import Ravdess, RavdessSong
from harness.data.audio import load_audio
from harness.errors import CorpusNotFound


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
    assert speech.log.summary()["ignored"] == {"song files (read by ravdess-song)": 6}
    assert song.log.summary()["ignored"] == {"speech files (read by ravdess)": 16}


def test_speech_only_copy_has_no_song_corpus(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    with pytest.raises(CorpusNotFound, match="Audio_Song_Actors_01-24"):
        RavdessSong.locate(root)


def _skipped(corpus) -> dict[str, str]:
    return {path.rsplit("/", 1)[1]: reason for path, reason in corpus.log.skipped}


def test_disgust_in_song_is_skipped_naming_the_code(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", channel="02", actors=("01",), video_for=())
    sf.write(root / "ravdess" / "Actor_01" / "03-02-07-01-01-01-01.wav", tone(0, 0, seconds=0.3), 16000)
    corpus = RavdessSong.locate(root)
    assert len(corpus.items()) == 6
    assert "unknown ravdess-song label code '07'" in _skipped(corpus)["03-02-07-01-01-01-01.wav"]


def test_unknown_emotion_code_is_skipped_naming_the_code(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    folder = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    sf.write(folder / "03-01-09-01-01-01-01.wav", tone(0, 0, seconds=0.3), 16000)
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert "unknown ravdess label code '09'" in _skipped(corpus)["03-01-09-01-01-01-01.wav"]


def test_actor_field_disagreeing_with_its_folder_is_skipped(tmp_path):
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    folder = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    sf.write(folder / "03-01-03-01-01-01-05.wav", tone(0, 0, seconds=0.3), 16000)
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8 and {it.speaker for it in corpus.items()} == {"01"}
    assert _skipped(corpus) == {"03-01-03-01-01-01-05.wav": "actor field 05 disagrees with its folder Actor_01"}


@pytest.mark.parametrize("name, problem", [
    ("03-01-01-02-01-01-01.wav", "neutral .* no strong intensity"),
    ("04-01-03-01-01-01-01.wav", "unknown RAVDESS modality '04'"),
    ("03-01-03-01-01-01-01.mp4", "modality 03 should be a .wav file"),
    ("03-01-03-01-03-01-01.wav", "unknown RAVDESS statement '03'"),
    ("03-01-03-03-01-01-01.wav", "unknown RAVDESS intensity '03'"),
    ("03-03-03-01-01-01-01.wav", "unknown RAVDESS vocal channel '03'"),
    ("03-01-03-01-01-01-25.wav", "RAVDESS actor '25' outside 01..24"),
])
def test_malformed_names_are_skipped_with_the_reason(tmp_path, name, problem):
    import re

    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",), video_for=())
    sf.write(root / "ravdess" / "Actor_01" / name, tone(0, 0, seconds=0.3), 16000, format="WAV")
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert re.search(problem, _skipped(corpus)[name])


def test_both_layouts_at_once_keep_one_copy(tmp_path):
    """Kaggle's speech archive: Actor_01/ and audio_speech_actors_01-24/Actor_01/, the same files."""
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    release = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    shutil.copytree(release, root / "ravdess" / "Actor_01")
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert corpus.log.summary()["duplicates"] == {"identical": 8, "different": 0}


def test_a_differing_second_copy_keeps_the_higher_sample_rate(tmp_path):
    """A 16 kHz re-pack beside the 48 kHz original (in either order) does not fail the corpus."""
    root = write_tiny_ravdess(tmp_path, actors=("01",), video_for=())
    release = root / "ravdess" / "Audio_Speech_Actors_01-24" / "Actor_01"
    for folder in ("Audio_Speech_Actors_01-24_16k", "16k"):  # sorts after, and before, the original
        repack = root / "ravdess" / folder / "Actor_01"
        repack.mkdir(parents=True)
        for wav in release.iterdir():
            signal, rate = sf.read(wav)
            sf.write(repack / wav.name, signal[::2], rate // 2)
    for wav in release.iterdir():  # the original at 48 kHz (the builder writes 16 kHz)
        signal, rate = sf.read(wav)
        sf.write(wav, np.repeat(signal, 3), rate * 3)
    corpus = Ravdess.locate(root)
    items = corpus.items()
    assert len(items) == 8 and all(it.media["audio"].parent == release for it in items)
    assert corpus.log.summary()["duplicates"] == {"identical": 0, "different": 16}
    assert any("second copies with other bytes skipped" in line for line in corpus.log.lines())


@pytest.mark.parametrize("path", [
    "ravdess/audio/Audio_Speech_Actors_01-24",  # EmoBox
    "ravdess-emotional-speech-audio/archive/audio_speech_actors_01-24",  # a Kaggle archive unpacked in a folder
    "ravdess/Video_Speech_Actor_01/Video_Speech_Actor_01",
    "ravdess/Audio_Speech_Actors_01-24 (1)",  # a browser's second download
])
def test_deeper_nesting_is_found(tmp_path, path):
    actor = tmp_path / path / "Actor_01"
    for ei, emotion in enumerate(("01", "02", "03")):
        write_tone(actor / f"03-01-{emotion}-01-01-01-01.wav", ei, 0)
    corpus = Ravdess.locate(tmp_path)
    assert len(corpus.items()) == 3 and {it.label for it in corpus.items()} == {"neutral", "calm", "happiness"}


def test_kaggle_song_archive_is_found_from_the_data_root(tmp_path):
    actor = tmp_path / "ravdess-emotional-song-audio" / "audio_song_actors_01-24" / "Actor_02"
    for ei, emotion in enumerate(("01", "05")):
        write_tone(actor / f"03-02-{emotion}-01-01-01-02.wav", ei, 0)
    corpus = RavdessSong.locate(tmp_path)
    assert {it.label for it in corpus.items()} == {"neutral", "anger"}
    assert corpus.items()[0].meta["gender"] == "female"
    with pytest.raises(CorpusNotFound):
        Ravdess.locate(tmp_path)


def test_other_files_are_ignored_and_counted(tmp_path):
    root = write_tiny_ravdess(tmp_path, layout="flat", actors=("01",), video_for=())
    (root / "ravdess" / "Actor_01" / "readme.txt").write_text("x")
    (root / "ravdess" / "Actor_01" / "01-01-01-01-01-01-01.csv").write_text("landmarks")
    (root / "ravdess" / "Actor_01" / ".DS_Store").write_text("x")
    (root / "ravdess" / "Actor_01" / "._03-01-01-01-01-01-01.wav").write_bytes(b"\0\5\26\7")
    (root / "ravdess" / "__MACOSX" / "Actor_01").mkdir(parents=True)
    (root / "ravdess" / "__MACOSX" / "Actor_01" / "03-01-01-01-01-01-01.wav").write_bytes(b"\0\5\26\7")
    corpus = Ravdess.locate(root)
    assert len(corpus.items()) == 8
    assert corpus.notes == ["8 utterance(s) without video"]
    assert corpus.log.summary()["ignored"] == {"files that are not RAVDESS recordings": 2}
    assert corpus.log.summary()["skipped"] == 0 and corpus.log.summary()["duplicates"]["identical"] == 0


def test_a_partial_copy_is_noted(tmp_path):
    corpus = Ravdess.locate(write_tiny_ravdess(tmp_path, actors=("01", "02"), video_for=()))
    assert corpus.check_counts() == ["16 items where a complete copy has 1440", "2 speakers where a complete copy has 24"]


def test_missing_corpus_is_not_found_with_every_layout(tmp_path):
    (tmp_path / "ravdess").mkdir()
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - .*Audio_Speech_Actors_01-24/Actor_01/03-01") as err:
        Ravdess.locate(tmp_path)
    assert all(layout in str(err.value) for layout in Ravdess.layouts)
    assert "ravdess/audio/Audio_Speech_Actors_01-24/Actor_01" in str(err.value)


def test_docstring_lists_the_layouts_and_irregularities():
    import harness.corpora.ravdess as module

    for fact in ("Audio_Speech_Actors_01-24/Actor_01", "Video_Speech_Actor_01", "ravdess/Actor_01",
                 "ravdess/audio/Audio_Speech_Actors_01-24", "audio_speech_actors_01-24", "16 kHz re-pack",
                 "Actor_18", "FLLR", "__MACOSX"):
        assert fact in module.__doc__, fact
