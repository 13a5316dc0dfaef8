"""The AFEW (EmotiW 2017) adapter: official train/valid split, variants, skipped test set, bad input."""

from __future__ import annotations

import pytest
from layouts.afew import write_afew
from layouts.enterface import clip

from harness.cli.commands import main
from harness.corpora.afew import Afew
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound


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
    assert "skipped 1 folder(s) of precomputed faces/features in Train_AFEW/: AlignedFaces_LBPTOP_Points" in notes
    assert "ignored 1 file(s)/folder(s) that are not AFEW clips: Val_AFEW/Sad/Thumbs.db" in notes


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


def test_two_folders_for_one_split_is_an_error(tmp_path):
    root = write_afew(tmp_path)
    clip(root / "afew" / "Train" / "Sad" / "000000001.avi", 4)
    with pytest.raises(CorpusError, match=r"2 folders for the train split .*Train, Train_AFEW"):
        Afew.locate(root).items()


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


def test_missing_corpus_names_the_layout(tmp_path):
    (tmp_path / "afew" / "Train_AFEW").mkdir(parents=True)  # no emotion folders: not AFEW
    with pytest.raises(CorpusNotFound, match=r"Train_AFEW/Angry/000046280\.avi"):
        Afew.locate(tmp_path)


def test_unknown_emotion_folder_names_the_path(tmp_path):
    root = write_afew(tmp_path)
    clip(root / "afew" / "Val_AFEW" / "Contempt" / "000000001.avi", 0)
    with pytest.raises(CorpusError, match=r"Val_AFEW/Contempt: unknown AFEW emotion folder 'Contempt'"):
        Afew.locate(root).items()


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
