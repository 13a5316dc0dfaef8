"""The CK+ adapter: apex frames of labelled sequences, unlabelled sequences counted, bad input named."""

from __future__ import annotations

import pytest
from layouts.ckplus import write_ckplus, write_sequence

from harness.cli.commands import main
from harness.corpora.ckplus import CKPlus, CKPlusWithNeutral
from harness.errors import CorpusError, CorpusNotFound, LabelError
from harness.registry import default_registry


def test_items_are_the_apex_frames_of_labelled_sequences(tmp_path):
    corpus = CKPlus.locate(write_ckplus(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert {k: it.label for k, it in items.items()} == {
        "S005_001": "disgust", "S010_001": "happiness", "S010_004": "surprise", "S011_001": "anger"}
    images = tmp_path / "CK+" / "cohn-kanade-images"
    assert items["S010_001"].media == {"visual": images / "S010" / "001" / "S010_001_00000004.png"}
    assert {it.speaker for it in items.values()} == {"S005", "S010", "S011"}
    assert all(it.split is None for it in items.values())
    assert items["S010_004"].meta == {"sequence": "004", "frame": "3", "frames": "3", "role": "apex"}


def test_unlabelled_sequences_are_skipped_with_a_count(tmp_path):
    corpus = CKPlus.locate(write_ckplus(tmp_path))
    assert len(corpus.items()) == 4
    assert len(corpus.notes) == 1
    assert "skipped 2 of 6 sequence(s) without an emotion file" in corpus.notes[0]
    assert "S005/002" in corpus.notes[0] and "S011/002" in corpus.notes[0]


def test_neutral_first_frame_variant_is_documented_and_not_registered(tmp_path):
    root = write_ckplus(tmp_path)
    items = {it.id: it for it in CKPlusWithNeutral.locate(root).items()}
    assert len(items) == 8
    neutral = items["S010_001_neutral"]
    assert neutral.label == "neutral" and neutral.speaker == "S010"
    assert neutral.media["visual"].name == "S010_001_00000001.png"
    assert neutral.meta["role"] == "neutral-first-frame"
    assert "ckplus" in default_registry().names("corpora")
    assert "ckplus-neutral" not in default_registry().names("corpora")


def test_emotion_file_naming_an_earlier_frame_is_used_and_noted(tmp_path):
    root = write_ckplus(tmp_path)
    labels = root / "CK+" / "Emotion" / "S010" / "001"
    (labels / "S010_001_00000004_emotion.txt").rename(labels / "S010_001_00000003_emotion.txt")
    corpus = CKPlus.locate(root)
    item = next(it for it in corpus.items() if it.id == "S010_001")
    assert item.media["visual"].name == "S010_001_00000003.png"
    assert any("1 emotion file(s) name a frame other than the sequence's last" in n and "S010/001" in n
               for n in corpus.notes)


@pytest.mark.parametrize("content, error, message", [
    ("   9.0000000e+00\n", LabelError, r"S005_001_00000003_emotion\.txt: unknown ckplus label code '9'"),
    ("2.5\n", LabelError, r"S005_001_00000003_emotion\.txt: unknown ckplus label code '2\.5'"),
    ("happy\n", CorpusError, r"S005_001_00000003_emotion\.txt: expected one number.*'happy'"),
])
def test_bad_emotion_codes_name_the_file(tmp_path, content, error, message):
    root = write_ckplus(tmp_path)
    (root / "CK+" / "Emotion" / "S005" / "001" / "S005_001_00000003_emotion.txt").write_text(content)
    with pytest.raises(error, match=message):
        CKPlus.locate(root).items()


def test_emotion_file_without_its_frames_is_an_error(tmp_path):
    root = write_ckplus(tmp_path)
    labels = root / "CK+" / "Emotion" / "S020" / "001"
    labels.mkdir(parents=True)
    (labels / "S020_001_00000005_emotion.txt").write_text("1.0\n")
    with pytest.raises(CorpusError, match=r"S020_001_00000005_emotion\.txt: labels sequence S020/001, which has no"):
        CKPlus.locate(root).items()
    (labels / "S020_001_00000005_emotion.txt").unlink()
    write_sequence(root / "CK+", "S020", "001", 3, None)
    (labels / "S020_001_00000005_emotion.txt").write_text("1.0\n")
    with pytest.raises(CorpusError, match=r"names frame S020_001_00000005\.png, which is not in"):
        CKPlus.locate(root).items()


def test_foreign_frames_and_stray_files(tmp_path):
    root = write_ckplus(tmp_path)
    seq = root / "CK+" / "cohn-kanade-images" / "S005" / "001"
    (seq / ".DS_Store").write_bytes(b"x")
    (seq / "Thumbs.db").write_bytes(b"x")
    (root / "CK+" / "ReadMeCohnKanadeDatabase_website.txt").write_text("x")
    corpus = CKPlus.locate(root)
    assert len(corpus.items()) == 4
    notes = "\n".join(corpus.notes)
    assert "ignored 1 file(s) that are not CK+ frames" in notes and "S005/001/Thumbs.db" in notes
    assert "ReadMeCohnKanadeDatabase_website.txt" in notes and ".DS_Store" not in notes
    (seq / "S006_001_00000009.png").write_bytes(b"x")
    with pytest.raises(CorpusError, match=r"S006_001_00000009\.png: not a frame of CK\+ sequence S005/001"):
        CKPlus.locate(root).items()


def test_missing_corpus_or_labels(tmp_path):
    with pytest.raises(CorpusNotFound, match="cohn-kanade-images/S005/001/S005_001_00000001.png"):
        CKPlus.locate(tmp_path)
    root = write_ckplus(tmp_path)
    for path in sorted((root / "CK+" / "Emotion").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (root / "CK+" / "Emotion").rmdir()
    with pytest.raises(CorpusError, match=r"Emotion: folder missing.*Emotion_labels\.zip"):
        CKPlus.locate(root).items()


def test_two_emotion_files_for_one_sequence_name_both(tmp_path):
    root = write_ckplus(tmp_path)
    labels = root / "CK+" / "Emotion" / "S005" / "001"
    (labels / "S005_001_00000002_emotion.txt").write_text("1.0\n")
    with pytest.raises(CorpusError, match=r"two emotion files for sequence S005/001: .*00000002_emotion\.txt and "):
        CKPlus.locate(root).items()


def test_corpora_check_lists_counts_and_notes(tmp_path, capsys):
    root = write_ckplus(tmp_path)
    assert main(["corpora", "check", "ckplus", "--data-root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "items 4, speakers 3" in out and "note: skipped 2 of 6 sequence(s)" in out


def test_corrupt_apex_frame_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_ckplus(tmp_path)
    apex = root / "CK+" / "cohn-kanade-images" / "S005" / "001" / "S005_001_00000003.png"
    apex.write_bytes(apex.read_bytes()[:40])
    assert main(["corpora", "check", "ckplus", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: 1 unreadable media file(s)" in out and "S005_001_00000003.png" in out
