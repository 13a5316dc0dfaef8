"""The IEMOCAP adapters: full categorical set with dimensions, and the 4-class merge."""

from __future__ import annotations

from collections import Counter

import pytest
import soundfile as sf
from builders import tone
from layouts.iemocap import evaluation_text, write_tiny_iemocap

from harness.corpora.iemocap import Iemocap, Iemocap4
from harness.errors import CorpusNotFound


def _evaluation(root, session, dialog):
    return root / "IEMOCAP_full_release" / f"Session{session}" / "dialog" / "EmoEvaluation" / f"{dialog}.txt"


def test_full_set_speakers_dims_and_meta(tmp_path):
    corpus = Iemocap.locate(write_tiny_iemocap(tmp_path, with_xxx=True))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 5 * 2 * 7
    assert {it.speaker for it in items.values()} == {f"Ses0{s}{g}" for s in range(1, 6) for g in "FM"}
    male = items["Ses02F_script01_1_M000"]  # a male turn in a dialog whose prefix names the female actor
    assert male.speaker == "Ses02M" and male.label == "anger"
    assert male.dims == {"valence": 1.5, "arousal": 4.0, "dominance": 4.0}  # raw 1..5 scale
    assert male.meta["session"] == "Session2" and male.meta["mode"] == "scripted" and male.meta["gender"] == "male"
    assert items["Ses02F_impro01_F001"].meta["mode"] == "improvised" and items["Ses02F_impro01_F001"].split is None
    labels = Counter(it.label for it in items.values())
    assert labels["excitement"] == 10 and labels["frustration"] == 10 and labels[None] == 10
    xxx = items["Ses05F_impro01_F003"]
    assert xxx.label is None and xxx.dims == {"valence": 2.0, "arousal": 3.0, "dominance": 3.0}
    assert "10 utterance(s) labelled xxx (no majority) kept with dimensions only, label None" in corpus.notes


def test_four_class_merge_and_skips_with_counts(tmp_path):
    root = write_tiny_iemocap(tmp_path, with_xxx=True)
    corpus = Iemocap4.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert Iemocap4.labels == ("anger", "happiness", "neutral", "sadness")
    assert Counter(it.label for it in items.values()) == {"happiness": 20, "anger": 10, "neutral": 10, "sadness": 10}
    assert items["Ses01F_impro01_M001"].label == "happiness"  # exc merged
    assert items["Ses01F_impro01_F001"].label == "happiness"  # hap
    assert "Ses01F_impro01_M002" not in items and "Ses01F_impro01_F003" not in items
    assert "skipped 20 utterance(s) outside the iemocap-4 classes: 10 fru, 10 xxx" in corpus.notes


def test_an_unknown_code_is_skipped_naming_the_file_and_line(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    table = _evaluation(root, 1, "Ses01F_impro01")
    table.write_text(table.read_text().replace("\tfru\t", "\tbor\t"))
    for cls in (Iemocap, Iemocap4):
        corpus = cls.locate(root)
        assert "Ses01F_impro01_M002" not in {it.id for it in corpus.items()}
        [(where, why)] = corpus.log.skipped
        assert where.endswith("Ses01F_impro01.txt, line 23") and "unknown iemocap label code 'bor'" in why
    assert len(Iemocap.locate(root).items()) == 11


def test_a_labelled_utterance_without_audio_is_skipped_and_counted(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    wav_dir = root / "IEMOCAP_full_release" / "Session1" / "sentences" / "wav" / "Ses01F_impro01"
    (wav_dir / "Ses01F_impro01_F001.wav").unlink()
    corpus = Iemocap.locate(root)
    assert len(corpus.items()) == 11 and "Ses01F_impro01_F001" not in {it.id for it in corpus.items()}
    [(where, why)] = corpus.log.skipped
    assert where.endswith("Ses01F_impro01.txt, line 11")
    assert "labelled utterance Ses01F_impro01_F001 has no audio file" in why and "Ses01F_impro01_F001.wav" in why
    assert any(n.startswith("skipped 1 labelled utterance(s) without a wav file") for n in corpus.notes)


def test_malformed_lines_are_skipped_and_misfiled_utterances_read_from_their_name(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    table = _evaluation(root, 1, "Ses01F_impro01")
    table.write_text(table.read_text().replace("[1.5000, 4.0000, 4.0000]", "[1.5000, 4.0000]")
                     .replace("[4.0000, 3.5000, 3.0000]", "[nan, 3.5000, 3.0000]"))
    corpus = Iemocap.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 11 and "Ses01F_impro01_M000" not in items
    (where, why), (wav, no_label) = corpus.log.skipped  # the line, then its wav (left without a label)
    assert where.endswith("Ses01F_impro01.txt, line 7") and why.startswith("not an IEMOCAP label line")
    assert wav.endswith("Ses01F_impro01_M000.wav") and no_label == "no label line in EmoEvaluation"
    hap = items["Ses01F_impro01_F001"]  # label known, dimensions not: kept without them
    assert hap.label == "happiness" and hap.dims == {} and "not finite numbers: dropped" in hap.meta["note"]
    # a line filed in the wrong dialog's file: read from the utterance's own name and folder
    other = _evaluation(root, 1, "Ses01F_script01_1")
    other.write_text(other.read_text() + evaluation_text("Ses01F_script01_1", [("F000", "neu", (2.5, 2.5, 2.5))])
                     .replace("Ses01F_script01_1_F000", "Ses01F_impro01_F005"))
    sf.write(table.parent.parent.parent / "sentences" / "wav" / "Ses01F_impro01" / "Ses01F_impro01_F005.wav",
             tone(0, 0), 16000)
    corpus = Iemocap.locate(root)
    moved = {it.id: it for it in corpus.items()}["Ses01F_impro01_F005"]
    assert moved.meta["dialog"] == "Ses01F_impro01" and moved.speaker == "Ses01F"
    assert "labelled in Session1/dialog/EmoEvaluation/Ses01F_script01_1.txt" in moved.meta["note"]
    bad_name = evaluation_text("Ses01F_impro01", [("F000", "neu", (2.5, 2.5, 2.5))]).replace(
        "Ses01F_impro01_F000", "impro01_F000")
    table.write_text(bad_name)
    corpus = Iemocap.locate(root)
    assert "Ses01F_impro01_F000" not in {it.id for it in corpus.items()}
    assert any("'impro01_F000' is not an IEMOCAP utterance name" in why for _, why in corpus.log.skipped)


def test_irregular_turn_numbers_of_session_3_are_read_with_a_note(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(3,))
    table = _evaluation(root, 3, "Ses03F_impro01")
    table.write_text(table.read_text() + evaluation_text("Ses03F_impro01", [("FXX0", "sad", (2.0, 2.0, 2.0))]))
    wav_dir = root / "IEMOCAP_full_release" / "Session3" / "sentences" / "wav" / "Ses03F_impro01"
    sf.write(wav_dir / "Ses03F_impro01_FXX0.wav", tone(0, 0), 16000)
    sf.write(wav_dir / "Ses03F_impro01_FXX1.wav", tone(1, 0), 16000)  # no label line
    for cls in (Iemocap, Iemocap4):
        corpus = cls.locate(root)
        item = {it.id: it for it in corpus.items()}["Ses03F_impro01_FXX0"]
        assert item.speaker == "Ses03F" and item.label == "sadness" and item.meta["gender"] == "female"
        assert "irregular turn number 'XX0'" in item.meta["note"]
        assert [p.endswith("Ses03F_impro01_FXX0.wav") for p, _ in corpus.log.inferred] == [True]
        assert [(p.endswith("Ses03F_impro01_FXX1.wav"), why) for p, why in corpus.log.skipped] == [
            (True, "no label line in EmoEvaluation")]


def test_unlabelled_wavs_appledouble_files_and_unread_folders_are_counted(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    release = root / "IEMOCAP_full_release"
    session = release / "Session1"
    sf.write(session / "sentences" / "wav" / "Ses01F_impro01" / "Ses01F_impro01_F009.wav", tone(0, 0), 16000)
    (session / "sentences" / "wav" / "Ses01F_impro01" / "._Ses01F_impro01_F000.wav").write_bytes(b"\x00\x05")
    (session / "dialog" / "EmoEvaluation" / "._Ses01F_impro01.txt").write_bytes(b"\x00\x05\x16\x07[binary")
    (session / "dialog" / "EmoEvaluation" / "Categorical").mkdir()
    (session / "dialog" / "avi" / "DivX").mkdir(parents=True)
    (session / "dialog" / "avi" / "DivX" / "._Ses01F_impro01.avi").write_bytes(b"\x00")
    (session / "sentences" / "ForcedAlignment").mkdir()
    (release / "Documentation").mkdir()
    (release / "README.txt").write_text("IEMOCAP")
    corpus = Iemocap.locate(root)
    assert len(corpus.items()) == 12
    assert [(p.endswith("Ses01F_impro01_F009.wav"), why) for p, why in corpus.log.skipped] == [
        (True, "no label line in EmoEvaluation")]
    ignored = corpus.log.summary()["ignored"]
    assert ignored["archiver junk (__MACOSX, .DS_Store, ._*)"] == 2
    assert ignored["annotation files not read (Categorical/, Attribute/, Self-evaluation/)"] == 1
    assert ignored["folders not read (videos, motion capture, transcriptions, alignments, documentation)"] == 3
    assert ignored["documents (README.txt, ...)"] == 1
    notes = "\n".join(corpus.notes)
    assert "Session2 not found" in notes and "dialog-level videos" in notes


@pytest.mark.parametrize("folder", [
    "IEMOCAP_full_release/IEMOCAP_full_release", "iemocapfullrelease/IEMOCAP_full_release",
    "iemocap-full-release/IEMOCAP_full_release", "IEMOCAP", "IEMOCAP/IEMOCAP_full_release"])
def test_redistributed_and_nested_copies_are_found_from_the_data_root(tmp_path, folder):
    root = write_tiny_iemocap(tmp_path, sessions=(1, 2), folder=folder)
    (tmp_path / folder.split("/")[0] / "notes.pdf").write_bytes(b"%PDF")  # the wrapper is not a single child
    for cls, n in ((Iemocap, 24), (Iemocap4, 20)):
        corpus = cls.locate(root)
        assert corpus.root == tmp_path / folder and len(corpus.items()) == n
        assert corpus.check_counts()[0].endswith(f"where a complete copy has {cls.expected['items']}")


def test_missing_corpus_is_not_found_with_the_layouts(tmp_path):
    (tmp_path / "IEMOCAP_full_release" / "Session1" / "sentences").mkdir(parents=True)
    with pytest.raises(CorpusNotFound) as err:
        Iemocap4.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:\n  - IEMOCAP_full_release/Session1/sentences/wav/" in text
    assert "IEMOCAP_full_release/IEMOCAP_full_release/Session1/" in text and "iemocapfullrelease/" in text
