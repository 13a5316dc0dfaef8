"""URDU: the repository's layout and its redistributions, speaker tokens, irregular names."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from layouts.urdu import write_tiny_urdu

from harness.corpora.urdu import Urdu
from harness.errors import CorpusNotFound


def test_items_speakers_labels_and_meta(tmp_path):
    corpus = Urdu.locate(write_tiny_urdu(tmp_path))
    items = corpus.items()
    assert len(items) == 12 and corpus.summary()["labels"] == {"anger": 3, "happiness": 3, "neutral": 3,
                                                               "sadness": 3}
    by_id = {it.id: it for it in items}
    assert by_id["SM2_F2_A03"].speaker == "SM2" and by_id["SM2_F2_A03"].label == "anger"
    assert by_id["SF10_F1_S02"].meta["gender"] == "female" and by_id["SF10_F1_S02"].label == "sadness"
    assert {it.speaker for it in items} == {"SM1", "SM2", "SF1", "SM3", "SM5", "SM24", "SF10"}
    # SM3 speaks under two emotions: the same speaker token in two folders is one speaker
    assert {it.label for it in items if it.speaker == "SM3"} == {"happiness", "neutral"}
    assert corpus.check_counts() == ["12 items where a complete copy has 400", "7 speakers where a complete copy has 29"]


@pytest.mark.parametrize("top", ["URDU-Dataset-master", "urdu-emotion-dataset", "URDU"])
def test_redistributions_are_found_from_the_data_root(tmp_path, top):
    write_tiny_urdu(tmp_path / "data", top=top)
    (tmp_path / "data" / top / "README.md").write_text("# URDU-Dataset\n")
    corpus = Urdu.locate(tmp_path / "data")
    assert len(corpus.items()) == 12 and corpus.log.ignored  # the README is counted, not read


def test_a_nested_zip_folder_and_speaker_subfolders(tmp_path):
    write_tiny_urdu(tmp_path / "dl" / "URDU-Dataset-master", top="URDU-Dataset-master")
    corpus = Urdu.locate(None, tmp_path / "dl")
    assert corpus.root.name == "URDU-Dataset-master" and len(corpus.items()) == 12
    angry = corpus.root / "Angry"
    (angry / "SM1").mkdir()
    shutil.move(angry / "SM1_F1_A01.wav", angry / "SM1" / "SM1_F1_A01.wav")
    again = Urdu.locate(None, tmp_path / "dl")
    assert {it.id for it in again.items()} == {it.id for it in corpus.items()}


def test_irregular_names_are_kept_with_a_note_or_skipped_with_a_reason(tmp_path):
    root = write_tiny_urdu(tmp_path)
    happy, sad = root / "urdu" / "Happy", root / "urdu" / "Sad"
    shutil.copy(happy / "SF1_F1_H01.wav", happy / "SF1_F9_A0100.wav")  # letter disagrees with the folder
    shutil.copy(happy / "SF1_F1_H01.wav", happy / "SF1_clip.wav")  # irregular but has a speaker token
    sf.write(sad / "clip_07.wav", np.zeros(4410, dtype=np.float32) + 0.1, 44100)  # no speaker at all
    (sad / "notes.txt").write_text("x")
    (sad / ".DS_Store").write_bytes(b"\0")
    corpus = Urdu.locate(root)
    by_id = {it.id: it for it in corpus.items()}
    assert by_id["SF1_F9_A0100"].label == "happiness" and "folder" in by_id["SF1_F9_A0100"].meta["note"]
    assert by_id["SF1_clip"].speaker == "SF1" and by_id["SF1_clip"].label == "happiness"
    assert "clip_07" not in by_id and corpus.log.skipped[0][1].startswith("no speaker token")
    assert corpus.log.summary()["inferred"] == 2 and corpus.log.ignored == {"non-wav file(s) in the emotion folders": 1}


def test_not_found_lists_the_layouts(tmp_path):
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - urdu/Angry/SM1_F10_A010\.wav.*\n  - URDU-Dataset"):
        Urdu.locate(tmp_path)


@pytest.mark.realdata
def test_the_real_corpus(data_root):
    corpus = Urdu.locate(data_root)
    items = corpus.items()
    assert len(items) == 400 and len({it.speaker for it in items}) == 29
    assert corpus.summary()["labels"] == {"anger": 100, "happiness": 100, "neutral": 100, "sadness": 100}
    per_speaker = {s: sum(it.speaker == s for it in items) for s in {it.speaker for it in items}}
    assert per_speaker["SM5"] == 80 and sum(n == 2 for n in per_speaker.values()) == 9
    assert not corpus.log.inferred and not corpus.log.skipped and not corpus.check_counts()
    assert not {it.speaker for it in items if it.label == "anger"} & {s for s in per_speaker if s.startswith("SF")}
