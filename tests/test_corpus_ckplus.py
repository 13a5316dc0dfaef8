"""The CK+ adapter: apex frames of labelled sequences, unlabelled sequences counted, bad input named."""

from __future__ import annotations

import re

import pytest
from layouts.ckplus import face, write_ckplus, write_sequence

from harness.cli.commands import main
from harness.corpora.ckplus import CKPlus, CKPlusWithNeutral
from harness.errors import CorpusError, CorpusNotFound
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
    assert items["S010_004"].meta == {"sequence": "004", "frame": "3", "frames": "3", "role": "apex",
                                      "face_crop": "no"}


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


@pytest.mark.parametrize("content, message", [
    ("   9.0000000e+00\n", r"unknown ckplus label code '9'"),
    ("2.5\n", r"unknown ckplus label code '2\.5'"),
    ("happy\n", r"expected one number.*'happy'"),
])
def test_a_bad_emotion_code_skips_its_sequence_with_the_reason(tmp_path, content, message):
    root = write_ckplus(tmp_path)
    (root / "CK+" / "Emotion" / "S005" / "001" / "S005_001_00000003_emotion.txt").write_text(content)
    corpus = CKPlus.locate(root)
    assert {it.id for it in corpus.items()} == {"S010_001", "S010_004", "S011_001"}
    (path, reason), = corpus.log.skipped
    assert path.endswith("S005_001_00000003_emotion.txt") and re.search(message, reason)


def test_an_emotion_file_without_its_frames_is_skipped_with_the_reason(tmp_path):
    root = write_ckplus(tmp_path)
    labels = root / "CK+" / "Emotion" / "S020" / "001"
    labels.mkdir(parents=True)
    (labels / "S020_001_00000005_emotion.txt").write_text("1.0\n")
    corpus = CKPlus.locate(root)
    assert len(corpus.items()) == 4 and "labels sequence S020/001, which has no frames" in corpus.log.skipped[0][1]
    write_sequence(root / "CK+", "S020", "001", 3, None)
    (labels / "S020_001_00000005_emotion.txt").write_text("1.0\n")
    corpus = CKPlus.locate(root)
    assert len(corpus.items()) == 4 and "names frame S020_001_00000005.png, which is not in" in \
        corpus.log.skipped[0][1]


def test_foreign_frames_and_stray_files(tmp_path):
    root = write_ckplus(tmp_path)
    seq = root / "CK+" / "cohn-kanade-images" / "S005" / "001"
    (seq / ".DS_Store").write_bytes(b"x")
    (seq / "Thumbs.db").write_bytes(b"x")
    (root / "CK+" / "ReadMeCohnKanadeDatabase_website.txt").write_text("x")
    corpus = CKPlus.locate(root)
    assert len(corpus.items()) == 4
    notes = "\n".join(corpus.notes)
    # archiver junk (.DS_Store, Thumbs.db) is never a frame; the readme is listed as not read
    assert "ReadMeCohnKanadeDatabase_website.txt" in notes and ".DS_Store" not in notes and "Thumbs.db" not in notes
    (seq / "S006_001_00000009.png").write_bytes(b"x")
    corpus = CKPlus.locate(root)
    assert len(corpus.items()) == 4
    assert corpus.log.skipped[0][0].endswith("S006_001_00000009.png") and \
        "not a frame of CK+ sequence S005/001" in corpus.log.skipped[0][1]


def test_missing_corpus_or_labels(tmp_path):
    with pytest.raises(CorpusNotFound, match="cohn-kanade-images/S005/001/S005_001_00000001.png"):
        CKPlus.locate(tmp_path)
    root = write_ckplus(tmp_path)
    for path in sorted((root / "CK+" / "Emotion").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (root / "CK+" / "Emotion").rmdir()
    with pytest.raises(CorpusError, match=r"Emotion: folder missing.*Emotion_labels\.zip"):
        CKPlus.locate(root).items()


def test_two_emotion_files_for_one_sequence_leave_it_out_naming_both(tmp_path):
    root = write_ckplus(tmp_path)
    labels = root / "CK+" / "Emotion" / "S005" / "001"
    (labels / "S005_001_00000002_emotion.txt").write_text("1.0\n")
    corpus = CKPlus.locate(root)
    assert "S005_001" not in {it.id for it in corpus.items()}
    skipped = dict(corpus.log.skipped)
    assert len(skipped) == 2 and all("S005/001" in why for why in skipped.values())


def test_the_label_zip_unpacked_as_emotion_labels_is_read(tmp_path):
    root = write_ckplus(tmp_path)
    (root / "CK+" / "Emotion").rename(root / "CK+" / "Emotion_labels")
    assert len(CKPlus.locate(root).items()) == 4


def write_ck48(root, top="CK+48", folders=("anger", "happy", "sadness")):
    """CK+48: emotion folders of 48x48 crops, three frames per sequence."""
    import cv2

    for fi, folder in enumerate(folders):
        (root / top / folder).mkdir(parents=True, exist_ok=True)
        for subject in ("S010", "S011"):
            for frame in (15, 16, 17):
                cv2.imwrite(str(root / top / folder / f"{subject}_00{fi + 1}_{frame:08d}.png"),
                            face([int(subject[1:]), fi, frame]))
    return root


def test_ck48_face_crops_in_emotion_folders(tmp_path):
    corpus = CKPlus.locate(write_ck48(tmp_path))
    items = corpus.items()
    assert len(items) == 18 and {it.speaker for it in items} == {"S010", "S011"}
    assert corpus.summary()["labels"] == {"anger": 6, "happiness": 6, "sadness": 6}
    first = next(it for it in items if it.id == "S010_001_00000015")
    assert first.label == "anger" and first.meta == {"face_crop": "yes", "sequence": "001", "frame": "15"}
    assert corpus.check_counts() == ["18 items where a complete copy has 981", "2 speakers where a complete copy has 118"]


@pytest.mark.parametrize("top", ["CK+48", "ck+48", "archive/CK+48"])
def test_ck48_is_found_from_the_data_root_and_through_a_wrapper(tmp_path, top):
    write_ck48(tmp_path / "data", top=top)
    assert len(CKPlus.locate(tmp_path / "data").items()) == 18


def test_ck48_irregular_names_and_stray_files(tmp_path):
    import shutil

    root = write_ck48(tmp_path)
    anger = root / "CK+48" / "anger"
    shutil.copy(anger / "S010_001_00000015.png", anger / "S010_copy.png")
    shutil.copy(anger / "S010_001_00000015.png", anger / "img_0001.png")
    (anger / "Thumbs.db").write_bytes(b"x")
    (anger / "list.txt").write_text("x")
    corpus = CKPlus.locate(root)
    by_id = {it.id: it for it in corpus.items()}
    assert by_id["S010_copy"].speaker == "S010" and "subject S010" in by_id["S010_copy"].meta["note"]
    assert "img_0001" not in by_id and "no subject" in corpus.log.skipped[0][1]
    assert corpus.log.ignored == {"non-image file(s) in the emotion folders": 1}


@pytest.mark.realdata
def test_the_real_ck48(data_root):
    corpus = CKPlus.locate(data_root)
    items = corpus.items()
    assert len(items) == 981 and len({it.speaker for it in items}) == 118
    assert corpus.summary()["labels"] == {"anger": 135, "contempt": 54, "disgust": 177, "fear": 75,
                                          "happiness": 207, "sadness": 84, "surprise": 249}
    assert all(it.meta["face_crop"] == "yes" for it in items) and not corpus.check_counts()


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
