"""The IEMOCAP adapters: full categorical set with dimensions, and the 4-class merge."""

from __future__ import annotations

from collections import Counter

import pytest
import soundfile as sf
from builders import tone
from layouts.iemocap import evaluation_text, write_tiny_iemocap

from harness.corpora.iemocap import Iemocap, Iemocap4
from harness.errors import CorpusError, CorpusNotFound, LabelError


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


def test_unknown_code_names_the_file_and_line(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    table = _evaluation(root, 1, "Ses01F_impro01")
    table.write_text(table.read_text().replace("\tfru\t", "\tbor\t"))
    for cls in (Iemocap, Iemocap4):
        with pytest.raises(LabelError, match=r"Ses01F_impro01\.txt, line 23: unknown iemocap label code 'bor'"):
            cls.locate(root).items()


def test_labelled_utterance_without_audio_is_an_error(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    wav_dir = root / "IEMOCAP_full_release" / "Session1" / "sentences" / "wav" / "Ses01F_impro01"
    (wav_dir / "Ses01F_impro01_F001.wav").unlink()
    with pytest.raises(CorpusError, match=r"Ses01F_impro01\.txt, line 11: labelled utterance Ses01F_impro01_F001 "
                                          r"has no audio file .*Ses01F_impro01_F001\.wav"):
        Iemocap.locate(root).items()


def test_malformed_lines_and_misfiled_utterances(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    table = _evaluation(root, 1, "Ses01F_impro01")
    table.write_text(table.read_text().replace("[1.5000, 4.0000, 4.0000]", "[1.5000, 4.0000]"))
    with pytest.raises(CorpusError, match=r"Ses01F_impro01\.txt, line 7: not an IEMOCAP label line"):
        Iemocap.locate(root).items()
    table.write_text(evaluation_text("Ses01F_impro01", [("F000", "neu", (2.5, 2.5, 2.5))]).replace(
        "Ses01F_impro01_F000", "Ses01F_impro02_F000"))
    with pytest.raises(CorpusError, match=r"line 3: utterance 'Ses01F_impro02_F000' is not of dialog Ses01F_impro01"):
        Iemocap.locate(root).items()


def test_unlabelled_wavs_and_appledouble_files_are_reported_not_read(tmp_path):
    root = write_tiny_iemocap(tmp_path, sessions=(1,))
    session = root / "IEMOCAP_full_release" / "Session1"
    sf.write(session / "sentences" / "wav" / "Ses01F_impro01" / "Ses01F_impro01_F009.wav", tone(0, 0), 16000)
    (session / "dialog" / "EmoEvaluation" / "._Ses01F_impro01.txt").write_bytes(b"\x00\x05\x16\x07[binary")
    (session / "dialog" / "avi" / "DivX").mkdir(parents=True)
    corpus = Iemocap.locate(root)
    assert len(corpus.items()) == 12
    notes = "\n".join(corpus.notes)
    assert "ignored 1 wav file(s) without a label line in EmoEvaluation: Ses01F_impro01_F009.wav" in notes
    assert "Session2 not found" in notes and "dialog-level videos" in notes


def test_missing_corpus_is_not_found_with_the_layout(tmp_path):
    (tmp_path / "IEMOCAP_full_release" / "Session1" / "sentences").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - IEMOCAP_full_release/Session1/sentences/wav/"):
        Iemocap4.locate(tmp_path)
