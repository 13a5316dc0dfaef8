"""The CREMA-D adapter: audio + Flash video, names, known problem files, the distributed layouts."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_av_clip
from layouts.crema_d import write_tiny_crema_d

from harness.corpora.crema_d import CremaD
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound, MediaError


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
    misnamed = items["1040_ITH_SAD_XX"]
    assert misnamed.media["audio"].name == "1040_ITH_SAD_X.wav" and "level 'X' read as 'XX'" in misnamed.meta["note"]
    assert [(p.endswith("1040_ITH_SAD_X.wav"), "level 'X'" in why) for p, why in corpus.log.inferred] == [(True, True)]
    notes = "\n".join(corpus.notes)
    assert "known problem clips present" in notes and "1076_MTI_SAD_XX (reported without audio" in notes
    assert items["1076_MTI_SAD_XX"].meta["note"].startswith("known problem: reported without audio")
    # the adapter keeps it; extraction is what reports the empty audio
    with pytest.raises(MediaError, match="1076_MTI_SAD_XX.wav: zero-length"):
        load_audio(items["1076_MTI_SAD_XX"].media["audio"], 16000)


@pytest.mark.parametrize("name, reason", [
    ("1001_DFA_JOY_XX.wav", "unknown CREMA-D emotion code 'JOY'"),
    ("1092_DFA_ANG_XX.wav", "actor 1092 outside CREMA-D's 1001..1091"),
    ("1001-DFA-ANG-XX.wav", "not a CREMA-D clip name"),
    ("copy of 1001_DFA_ANG_XX.wav", "not a CREMA-D clip name"),
])
def test_names_that_cannot_be_labelled_are_skipped_with_the_reason(tmp_path, name, reason):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    sf.write(root / "CREMA-D" / "AudioWAV" / name, tone(0, 0, seconds=0.3), 16000)
    corpus = CremaD.locate(root)
    assert len(corpus.items()) == 6
    assert [(p.endswith(name), reason in why) for p, why in corpus.log.skipped] == [(True, True)]
    assert corpus.reading_report()["skipped"] == 1


@pytest.mark.parametrize("name, clip, inferred", [
    ("1001_ABC_ANG_XX.wav", "1001_ABC_ANG_XX", "unknown sentence code 'ABC' kept as written"),
    ("1001_DFA_ANG_ZZ.wav", "1001_DFA_ANG_ZZ", "unknown level code 'ZZ' kept as written"),
    ("1002_dfa_sad_xx.wav", "1002_DFA_SAD_XX", "read as 1002_DFA_SAD_XX"),
])
def test_irregular_names_that_can_be_labelled_are_kept_with_a_note(tmp_path, name, clip, inferred):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    sf.write(root / "CREMA-D" / "AudioWAV" / name, tone(0, 0, seconds=0.3), 16000)
    corpus = CremaD.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 7 and inferred in items[clip].meta["note"] and items[clip].speaker == clip[:4]
    assert [(p.endswith(name), inferred in what) for p, what in corpus.log.inferred] == [(True, True)]


def test_a_copy_suffix_is_read_as_the_clip_and_kept_once(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    wav = root / "CREMA-D" / "AudioWAV"
    shutil.copyfile(wav / "1001_DFA_ANG_XX.wav", wav / "1001_DFA_ANG_XX (1).wav")
    sf.write(wav / "1001_DFA_DIS_XX_copy.wav", tone(3, 3, seconds=0.3), 16000)  # other bytes
    corpus = CremaD.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 6 and items["1001_DFA_ANG_XX"].media["audio"].name == "1001_DFA_ANG_XX.wav"
    assert items["1001_DFA_DIS_XX"].media["audio"].name == "1001_DFA_DIS_XX.wav"
    assert "note" not in items["1001_DFA_ANG_XX"].meta
    assert corpus.log.summary()["duplicates"] == {"identical": 1, "different": 1}


def test_a_bad_demographics_table_loses_genders_never_the_corpus(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001", "1002"), video_for=())
    (root / "CREMA-D" / "VideoDemographics.csv").write_text("ActorID,Sex\n1001,M\n1002,Female\n")
    corpus = CremaD.locate(root)
    genders = {it.speaker: it.meta.get("gender") for it in corpus.items()}
    assert genders == {"1001": None, "1002": "female"}
    assert any("1 row(s) with a Sex neither Male nor Female" in n and "line 2: Sex 'M'" in n for n in corpus.notes)
    (root / "CREMA-D" / "VideoDemographics.csv").write_text("Actor,Gender\n1001,Male\n")
    corpus = CremaD.locate(root)
    assert len(corpus.items()) == 12 and any("no columns ActorID and Sex" in n for n in corpus.notes)


def test_other_files_and_archiver_junk_are_ignored_and_counted(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), video_for=())
    base = root / "CREMA-D"
    (base / "AudioWAV" / "list.txt").write_text("x")
    (base / "AudioWAV" / "._1001_DFA_ANG_XX.wav").write_bytes(b"\0" * 10)
    (base / "AudioWAV" / ".DS_Store").write_bytes(b"\0")
    (base / "AudioMP3").mkdir()
    (base / "processedResults").mkdir()
    (base / "SentenceFilenames.csv").write_text("Stimulus_Number,Filename\n")
    (base / "README.md").write_text("CREMA-D")
    (root / "__MACOSX" / "CREMA-D").mkdir(parents=True)
    corpus = CremaD.locate(root)
    assert corpus.root == base and len(corpus.items()) == 6
    assert corpus.log.summary()["ignored"] == {
        "archiver junk (__MACOSX, .DS_Store, ._*)": 2, "files that are not CREMA-D clips": 1,
        "folders not read (AudioMP3/, processedResults/)": 2, "tables, scripts and documents (CSV, R, readme)": 2}
    notes = "\n".join(corpus.notes)
    assert "AudioMP3/ not read" in notes and "no VideoFlash/ folder" in notes


def test_git_lfs_pointers_of_the_download_zip_are_skipped_with_the_reason(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1001",), layout="zip")
    with pytest.raises(CorpusError, match=r"every media file .* is a git-lfs pointer \(8 files.*git lfs install"):
        CremaD.locate(root).items()  # nothing but pointers: the whole copy is unusable
    sf.write(root / "CREMA-D-master" / "AudioWAV" / "1002_DFA_ANG_XX.wav", tone(0, 1, seconds=0.3), 16000)
    corpus = CremaD.locate(root)  # found through the CREMA-D-master wrapper name
    assert corpus.root.name == "CREMA-D-master" and [it.id for it in corpus.items()] == ["1002_DFA_ANG_XX"]
    assert len(corpus.log.skipped) == 8 and all("git-lfs pointer" in why for _, why in corpus.log.skipped)
    assert any(n.startswith("8 git-lfs pointer file(s) skipped") and "clone with git-lfs" in n for n in corpus.notes)


@pytest.mark.parametrize("layout, where", [
    ("kaggle", "cremad"), ("hf", "crema-d/data"), ("audb", "crema-d"), ("flat", "crema-d")])
def test_redistributed_layouts_are_found_from_the_data_root(tmp_path, layout, where):
    root = write_tiny_crema_d(tmp_path, actors=("1001", "1002"), layout=layout)
    (root / where / "readme.txt").write_text("from a mirror")
    corpus = CremaD.locate(root)
    assert corpus.root == root / where
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 12 and {it.speaker for it in items.values()} == {"1001", "1002"}
    assert items["1002_DFA_SAD_XX"].label == "sadness" and items["1002_DFA_SAD_XX"].media["audio"].is_file()
    assert sum(corpus.log.summary()["ignored"].values()) == 1


def test_the_release_inside_a_wrapper_folder_is_found(tmp_path):
    write_tiny_crema_d(tmp_path / "crema-d", actors=("1001",), video_for=())
    (tmp_path / "crema-d" / "CREMA-D").rename(tmp_path / "crema-d" / "CREMA-D-master")
    (tmp_path / "crema-d" / "download.txt").write_text("x")
    corpus = CremaD.locate(tmp_path)
    assert corpus.root == tmp_path / "crema-d" / "CREMA-D-master" and len(corpus.items()) == 6


def test_clips_without_wav_upstream_are_noted(tmp_path):
    root = write_tiny_crema_d(tmp_path, actors=("1006",), sentence="TIE", video_for=())
    (root / "CREMA-D" / "AudioWAV" / "1006_TIE_NEU_XX.wav").unlink()
    write_av_clip(root / "CREMA-D" / "VideoFlash" / "1006_TIE_NEU_XX.flv", frames=[np.zeros((32, 32, 3), np.uint8)] * 2)
    corpus = CremaD.locate(root)
    assert set({it.id: it for it in corpus.items()}["1006_TIE_NEU_XX"].media) == {"visual"}
    assert any(n.startswith("1006_TIE_NEU_XX: no wav in this copy") for n in corpus.notes)
    assert corpus.check_counts() == ["6 items where a complete copy has 7442", "1 speakers where a complete copy has 91"]


def test_missing_corpus_is_not_found_with_the_layouts(tmp_path):
    (tmp_path / "CREMA-D" / "AudioMP3").mkdir(parents=True)
    with pytest.raises(CorpusNotFound) as err:
        CremaD.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:\n  - CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav" in text
    for example in ("CREMA-D-master/AudioWAV/", "AudioWAV/AudioWAV/", "crema-d/data/AudioWAV/",
                    "crema-d/1001/1001_DFA_ANG_XX.wav"):
        assert example in text
