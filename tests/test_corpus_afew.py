"""The AFEW (EmotiW 2017) adapter: official train/valid split, variants, skipped test set, bad input."""

from __future__ import annotations

import shutil

import pytest
from layouts.afew import write_afew
from layouts.enterface import clip

from harness.cli.commands import main
from harness.corpora.afew import Afew
from harness.data.audio import load_audio
from harness.errors import CorpusNotFound


def test_items_labels_and_official_split(tmp_path):
    corpus = Afew.locate(write_afew(tmp_path, per_emotion=2))
    items = corpus.items()
    assert len(items) == 2 * 7 * 2
    assert {it.split for it in items} == {"train", "valid"}
    assert sum(it.split == "valid" for it in items) == 14
    assert all(it.speaker is None for it in items)
    assert corpus.summary()["speakers"] == 0
    assert Afew.labels == ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
    by_id = {it.id: it for it in items}
    item = by_id["train_000001031"]  # Happy is the 4th emotion folder
    assert item.label == "happiness" and item.split == "train"
    assert item.media["audio"] == item.media["visual"] and item.media["audio"].parent.name == "Happy"
    assert by_id["valid_000002050"].label == "sadness"
    assert corpus.notes == []


def test_audio_track_loads(tmp_path):
    item = Afew.locate(write_afew(tmp_path)).items()[0]
    signal, _ = load_audio(item.media["audio"], 16000)
    assert signal.size == 4800 and signal.std() > 0.01


def test_unlabelled_test_folder_and_precomputed_faces_are_skipped_with_counts(tmp_path):
    root = write_afew(tmp_path)
    for n in range(3):
        clip(root / "afew" / "Test_AFEW" / f"00000{n}.avi", 0)
    faces = root / "afew" / "Train_AFEW" / "AlignedFaces_LBPTOP_Points" / "Faces" / "000001000"
    faces.mkdir(parents=True)
    (faces / "frame1.png").write_bytes(b"x")
    (root / "afew" / "Val_AFEW" / "Sad" / "Thumbs.db").write_bytes(b"x")
    corpus = Afew.locate(root)
    assert len(corpus.items()) == 14 and {it.split for it in corpus.items()} == {"train", "valid"}
    notes = "\n".join(corpus.notes)
    assert "skipped Test_AFEW/: 3 clip(s) without emotion folders" in notes
    assert corpus.log.summary()["ignored"] == {
        "archiver junk (__MACOSX, Thumbs.db, ._*)": 1,
        "folders that are not emotion folders (faces, frames, audio, features)": 1}


def test_extra_folders_and_files_in_a_split_are_ignored_and_counted(tmp_path):
    root = write_afew(tmp_path)
    train = root / "afew" / "Train_AFEW"
    for extra in ("face_images/000001000", "frames/000001000", "audio", "wav"):
        (train / extra).mkdir(parents=True)
    (train / "face_images" / "000001000" / "0001.jpg").write_bytes(b"x")
    (train / "AlignedFaces_LBPTOP_Points.zip").write_bytes(b"PK")
    (train / "Train_6.xml").write_text("<root/>")
    (train / "Angry" / "000001000.wav").write_bytes(b"RIFF")  # audio extracted beside the clip
    (train / "Angry" / "._000001000.avi").write_bytes(b"\0")
    (root / "__MACOSX" / "afew").mkdir(parents=True)
    corpus = Afew.locate(root)
    assert len(corpus.items()) == 14 and corpus.log.skipped == []
    assert corpus.log.summary()["ignored"] == {
        "archiver junk (__MACOSX, Thumbs.db, ._*)": 1,
        "files that are not clips (archives, XML metadata, extracted audio, text)": 3,
        "folders that are not emotion folders (faces, frames, audio, features)": 4}
    assert "clip" not in " ".join(corpus.notes)


def test_labelled_test_folder_is_read_as_test(tmp_path):
    root = write_afew(tmp_path)
    clip(root / "afew" / "Test_AFEW" / "Fear" / "000009999.avi", 2)
    items = {it.id: it for it in Afew.locate(root).items()}
    assert items["test_000009999"].split == "test" and items["test_000009999"].label == "fear"


def test_variant_folder_names_and_mp4(tmp_path):
    root = write_afew(tmp_path, train="Train", val="val", suffix=".mp4")
    items = Afew.locate(root).items()
    assert len(items) == 14 and {it.split for it in items} == {"train", "valid"}
    assert all(it.media["audio"].suffix == ".mp4" for it in items)
    assert load_audio(items[0].media["audio"], 16000)[0].size > 4000


def test_two_folders_for_one_split_are_both_read(tmp_path):
    root = write_afew(tmp_path)
    shutil.copytree(root / "afew" / "Train_AFEW" / "Angry", root / "afew" / "Train" / "Angry")  # a second copy
    clip(root / "afew" / "Train" / "Sad" / "000000001.avi", 4)  # and a clip only there
    corpus = Afew.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 15 and items["train_000000001"].label == "sadness"
    assert corpus.log.summary()["duplicates"] == {"identical": 1, "different": 0}
    assert any(n.startswith("2 folders for the train split") and "Train, Train_AFEW" in n for n in corpus.notes)


def test_missing_validation_folder_is_noted(tmp_path):
    root = write_afew(tmp_path)
    for f in (root / "afew" / "Val_AFEW").rglob("*.avi"):
        f.unlink()
    for d in sorted((root / "afew" / "Val_AFEW").iterdir()):
        d.rmdir()
    (root / "afew" / "Val_AFEW").rmdir()
    corpus = Afew.locate(root)
    assert {it.split for it in corpus.items()} == {"train"}
    assert any("no valid folder" in n for n in corpus.notes)


def test_missing_corpus_names_the_layouts(tmp_path):
    (tmp_path / "afew" / "Train_AFEW").mkdir(parents=True)  # no emotion folders: not AFEW
    with pytest.raises(CorpusNotFound) as err:
        Afew.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:\n  - afew/Train_AFEW/Angry/000046280.avi" in text
    assert "afew/EmotiW_2018/Train_AFEW/Angry/" in text and "afew/Train_AFEW/Train_AFEW/Angry/" in text
    assert "Test_vid_Distribute" in text


def test_clips_in_an_unknown_emotion_folder_are_skipped_with_a_count(tmp_path):
    root = write_afew(tmp_path)
    clip(root / "afew" / "Val_AFEW" / "Contempt" / "000000001.avi", 0)
    clip(root / "afew" / "Val_AFEW" / "Contempt" / "000000002.avi", 0)
    corpus = Afew.locate(root)
    assert len(corpus.items()) == 14
    assert [why for _, why in corpus.log.skipped] == ["unknown AFEW emotion folder 'Contempt' (expected one of: "
                                                      "Angry Disgust Fear Happy Neutral Sad Surprise)"] * 2
    assert any(n.startswith("skipped 2 clip(s) in Val_AFEW/Contempt/") for n in corpus.notes)


def test_other_spellings_of_emotion_folders_are_read_with_a_note(tmp_path):
    root = write_afew(tmp_path)
    (root / "afew" / "Val_AFEW" / "Happy").rename(root / "afew" / "Val_AFEW" / "happiness")
    corpus = Afew.locate(root)
    item = {it.id: it for it in corpus.items()}["valid_000002030"]
    assert item.label == "happiness" and item.meta["note"] == "emotion folder 'happiness' read as happiness"
    assert len(corpus.log.inferred) == 1


@pytest.mark.parametrize("top, train, val, where", [
    ("afew/EmotiW_2018", "Train_AFEW", "Val_AFEW", "afew/EmotiW_2018"),
    ("EmotiW2017/AEFW", "Train", "Val", "EmotiW2017/AEFW"),
    ("afew", "Train_AFEW/Train_AFEW", "Val_AFEW/Val_AFEW", "afew"),
    ("AFEW", "Train", "Validation", "AFEW"),
    ("data/afew", "training", "valid", "data/afew"),
])
def test_redistributed_layouts_are_found_from_the_data_root(tmp_path, top, train, val, where):
    root = write_afew(tmp_path, top=top, train=train, val=val)
    (tmp_path / top.split("/")[0] / "README.txt").write_text("EmotiW")  # the wrapper is not a single child
    (tmp_path / top / "Test" / "Test_vid_Distribute" / "Test_vid_Distribute").mkdir(parents=True)
    clip(tmp_path / top / "Test" / "Test_vid_Distribute" / "Test_vid_Distribute" / "000029320.avi", 1)
    corpus = Afew.locate(root if not top.startswith("data/") else root / "data")
    assert corpus.root == tmp_path / where
    items = corpus.items()
    assert len(items) == 14 and {it.split for it in items} == {"train", "valid"}
    assert any(n.startswith("skipped Test/Test_vid_Distribute/Test_vid_Distribute/: 1 clip(s)") for n in corpus.notes)
    assert corpus.check_counts() == ["14 items where a complete copy has 1156"]


def test_a_clip_in_two_emotion_folders_is_skipped_naming_both(tmp_path):
    """Its label cannot be known: both copies are left out, counted, with the two files named."""
    root = write_afew(tmp_path)
    clip(root / "afew" / "Train_AFEW" / "Sad" / "000001000.avi", 4)  # also in Angry
    corpus = Afew.locate(root)
    assert "train_000001000" not in {it.id for it in corpus.items()}
    reasons = [why for _, why in corpus.log.skipped]
    assert len(reasons) == 2 and "Angry/000001000.avi" in reasons[0] and "Sad/000001000.avi" in reasons[0]


def test_corrupt_clip_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_afew(tmp_path)
    (root / "afew" / "Val_AFEW" / "Fear" / "000002020.avi").write_bytes(b"\0" * 64)
    assert main(["corpora", "check", "afew", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "items 14, speakers 0" in out and "official split: train 7, valid 7" in out
    problem = out[out.index("PROBLEM:"):]
    assert "000002020.avi: " in problem and "000001020" not in problem
