"""The FER-2013 adapter: the challenge CSV (materialised once as PNG files), the competition's
train.csv/test.csv, the image folders (msambare, jonathanoheix), FER+ votes; irregular rows and
files skipped with reasons or kept with notes, stray files counted."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from layouts.ckplus import face
from layouts.fer2013 import (
    OHEIX,
    csv_row,
    pixels,
    write_fer_competition,
    write_fer_csv,
    write_fer_folders,
    write_ferplus,
)

import harness.corpora.fer2013 as fer
from harness.cli.commands import main
from harness.corpora.fer2013 import Fer2013
from harness.data.digest import content_digest
from harness.errors import CorpusError, CorpusNotFound

COMPETITION = "challenges-in-representation-learning-facial-expression-recognition-challenge"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("HARNESS_CACHE", str(path))
    return path


def snapshot(folder):
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in sorted(folder.iterdir())}


def by_id(corpus):
    return {it.id: it for it in corpus.items()}


def test_csv_rows_become_items_with_splits_labels_and_png_media(tmp_path, cache):
    root = write_fer_csv(tmp_path / "data", rows=14)
    csv = root / "fer2013" / "fer2013.csv"
    corpus = Fer2013.locate(root)
    items = by_id(corpus)
    assert len(items) == 14 and all(it.speaker is None for it in items.values())
    assert [items[f"row{i:05d}"].label for i in range(7)] == [
        "anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    assert [items[f"row{i:05d}"].split for i in range(5)] == ["train", "train", "train", "valid", "test"]
    assert items["row00003"].meta == {"line": "5", "usage": "PublicTest", "face_crop": "yes"}
    assert Fer2013.face_crops is True and all(it.meta["face_crop"] == "yes" for it in items.values())
    target = cache / "materialised" / f"fer2013-{content_digest(csv)[:20]}"
    assert items["row00012"].media == {"visual": target / "00012.png"}
    assert sorted(p.name for p in target.iterdir()) == [f"{i:05d}.png" for i in range(14)] + ["manifest.json"]
    assert json.loads((target / "manifest.json").read_text()) == {"csv": "fer2013.csv", "rows": 14, "skipped": {},
                                                                 "notes": {}}
    pixels_ = cv2.imread(str(target / "00012.png"), cv2.IMREAD_UNCHANGED)
    assert pixels_.shape == (48, 48) and np.array_equal(pixels_, face(12))
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary folder left
    assert not corpus.log.skipped and not corpus.log.inferred and not corpus.log.ignored
    assert corpus.check_counts() == ["14 items where a complete copy has 35887"]


def test_materialised_images_are_reused_and_deterministic(tmp_path, cache, monkeypatch):
    root = write_fer_csv(tmp_path / "data", rows=7)
    first = Fer2013.locate(root)
    first.items()
    target = first.items()[0].media["visual"].parent
    assert first.notes[-1].startswith("materialised 7 image(s)")
    before = snapshot(target)

    def no_writes(*args, **kwargs):
        raise AssertionError("a second load must not write images")

    with monkeypatch.context() as m:
        m.setattr(fer.cv2, "imwrite", no_writes)
        again = Fer2013.locate(root)
        assert [it.media for it in again.items()] == [it.media for it in first.items()]
    assert again.notes[-1] == f"7 image(s) of {root / 'fer2013' / 'fer2013.csv'} reused from {target}"
    assert snapshot(target) == before
    assert again.fingerprint() == first.fingerprint()

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "other-cache"))
    elsewhere = Fer2013.locate(root).items()[0].media["visual"].parent
    assert elsewhere != target and elsewhere.name == target.name
    assert {k: v[2] for k, v in snapshot(elsewhere).items()} == {k: v[2] for k, v in before.items()}


def test_changed_csv_gets_a_new_folder_and_missing_images_or_manifest_are_rebuilt(tmp_path, cache):
    root = write_fer_csv(tmp_path / "data", rows=7)
    old = Fer2013.locate(root).items()[0].media["visual"].parent
    (old / "00003.png").unlink()
    corpus = Fer2013.locate(root)
    assert all(it.media["visual"].is_file() for it in corpus.items())
    assert "rebuilt" in corpus.notes[0] and "1 materialised image(s) were missing (00003.png)" in corpus.notes[0]
    (old / "manifest.json").unlink()  # a folder materialised before manifests existed
    corpus = Fer2013.locate(root)
    assert len(corpus.items()) == 7 and (old / "manifest.json").is_file()
    assert corpus.notes[0] == f"rebuilt {old}: its manifest.json was missing or unreadable"
    write_fer_csv(tmp_path / "data", rows=8)
    new = Fer2013.locate(root).items()[0].media["visual"].parent
    assert new != old and len(list(new.iterdir())) == 8 + 1
    assert sorted(p.name for p in (cache / "materialised").iterdir()) == sorted([old.name, new.name])


GOOD = [str(v) for v in face(50).reshape(-1)]  # unlike the pixels of the rows written


def row(code, values, usage="Training"):
    return f"{code},{' '.join(values)},{usage}"


@pytest.mark.parametrize("bad_line, reason", [
    (row(3, GOOD[:-1]), "2303 pixel values, expected 2304 (48x48)"),
    (row(3, GOOD[:-1] + ["1.5"]), "pixel value '1.5' is not an integer"),
    (row(3, GOOD[:-1] + ["-1"]), "pixel value '-1' is not an integer"),
    (row(3, GOOD[:-1] + ["300"]), "pixel values must lie in 0-255 (found 300)"),
    (row(7, GOOD), "unknown fer2013 label code '7'"),
    ("3,1 2 3", "2 field(s), expected 3 (emotion,pixels,usage)"),
])
def test_bad_rows_are_skipped_naming_the_csv_and_line(tmp_path, cache, bad_line, reason):
    root = write_fer_csv(tmp_path / "data", rows=2, extra_lines=[bad_line, csv_row(0, "Training", 2)])
    csv = root / "fer2013" / "fer2013.csv"
    for load in ("materialised", "reused"):
        corpus = Fer2013.locate(root)
        assert [it.id for it in corpus.items()] == ["row00000", "row00001", "row00003"], load
        assert len(corpus.log.skipped) == 1
        where, why = corpus.log.skipped[0]
        assert where == f"{csv}, line 4" and why.startswith(reason), load
        assert load in corpus.notes[-1]
    target = corpus.items()[0].media["visual"].parent
    assert sorted(p.name for p in target.iterdir()) == ["00000.png", "00001.png", "00003.png", "manifest.json"]


def test_unknown_usage_and_float_codes_are_kept_with_notes(tmp_path, cache):
    root = write_fer_csv(tmp_path, rows=2, extra_lines=[row(2, GOOD, "Validation"), row("4.0", GOOD[::-1])])
    items = by_id(Fer2013.locate(root))
    assert items["row00002"].label == "fear" and items["row00002"].split is None
    assert items["row00002"].meta["note"] == ("unknown Usage 'Validation' (known: Training, PublicTest, "
                                              "PrivateTest): split unknown")
    assert items["row00003"].label == "sadness" and "note" not in items["row00003"].meta


def test_blank_and_repeated_images_are_kept_with_notes_across_loads(tmp_path, cache):
    blank = ["128"] * 2304
    root = write_fer_csv(tmp_path, rows=3, extra_lines=[row(6, blank), row(5, pixels(1).split()),
                                                    row(6, blank, "PrivateTest")])
    corpus = Fer2013.locate(root)
    items = by_id(corpus)
    assert items["row00003"].meta["note"] == "a blank image (every pixel 128)"
    assert items["row00004"].meta["note"] == "the same pixels as row00001 (line 3, disgust)"
    assert items["row00005"].meta["note"] == "a blank image (every pixel 128); the same pixels as row00003 (line 5, neutral)"
    assert len(corpus.log.inferred) == 3 and len(items) == 6
    again = Fer2013.locate(root)
    again.items()
    assert again.notes[-1].startswith("6 image(s)") and again.fingerprint() == corpus.fingerprint()
    assert again.log.inferred == corpus.log.inferred


def test_csv_without_usage_is_read_without_split(tmp_path, cache):
    (tmp_path / "fer2013").mkdir()
    (tmp_path / "fer2013" / "fer2013.csv").write_text("emotion,pixels\n" + f"0,{pixels(1)}\n3,{pixels(2)}\n")
    corpus = Fer2013.locate(tmp_path)
    assert [(it.label, it.split) for it in corpus.items()] == [("anger", None), ("happiness", None)]
    assert corpus.notes[0] == "fer2013.csv has no Usage column: the official split of its rows is unknown (split None)"


def test_csv_without_pixels_or_emotion_is_an_error(tmp_path, cache):
    (tmp_path / "fer2013").mkdir()
    (tmp_path / "fer2013" / "fer2013.csv").write_text("emotion,Usage\n0,Training\n")
    with pytest.raises(CorpusError, match=r"fer2013\.csv, line 1: header emotion,usage lacks column\(s\) pixels"):
        Fer2013.locate(tmp_path).items()


def test_icml_face_data_column_order_is_read(tmp_path, cache):
    (tmp_path / "fer2013").mkdir()
    rows = [f"{code}, {usage},{' '.join(str(v) for v in face(seed).reshape(-1))}"
            for seed, (code, usage) in enumerate([(3, "Training"), (6, "PrivateTest")])]
    (tmp_path / "fer2013" / "icml_face_data.csv").write_text("emotion, Usage, pixels\n" + "\n".join(rows) + "\n")
    items = Fer2013.locate(tmp_path).items()
    assert [(it.label, it.split) for it in items] == [("happiness", "train"), ("neutral", "test")]
    assert np.array_equal(cv2.imread(str(items[1].media["visual"]), cv2.IMREAD_UNCHANGED), face(1))


def test_competition_train_and_test_csv(tmp_path, cache):
    root = write_fer_competition(tmp_path, rows=7, test_rows=3)
    base = tmp_path / COMPETITION
    (base / ".DS_Store").write_bytes(b"\0")
    corpus = Fer2013.locate(root)
    assert corpus.root == base.absolute()
    items = corpus.items()
    assert len(items) == 7 and {it.split for it in items} == {"train"}
    assert [it.label for it in items] == ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    assert np.array_equal(cv2.imread(str(items[4].media["visual"]), cv2.IMREAD_UNCHANGED), face(4))
    assert corpus.log.skipped == [(f"{base / 'test.csv'}, line {n}",
                                   "pixels only, no label (the challenge's unlabelled test part)") for n in (2, 3, 4)]
    assert corpus.log.ignored == {"archiver or file-manager junk": 1, "entries beside train.csv (it is read)": 1}
    assert "train.csv has no Usage column: its rows are the challenge's Training part (split train)" in corpus.notes
    assert any(n.startswith("test.csv: 3 unlabelled row(s) skipped") for n in corpus.notes)


def test_fer2013_csv_is_preferred_in_the_competition_download(tmp_path, cache):
    root = write_fer_competition(tmp_path)
    write_fer_csv(tmp_path, rows=3, folder=COMPETITION)
    corpus = Fer2013.locate(root)
    assert [it.id for it in corpus.items()] == ["row00000", "row00001", "row00002"]
    assert corpus.items()[0].media["visual"].parent.name.startswith("fer2013-")
    assert corpus.log.ignored == {"entries beside fer2013.csv (it is read)": 3} and not corpus.log.skipped


def test_the_unpacked_tar_is_preferred_to_train_csv(tmp_path, cache):
    root = write_fer_competition(tmp_path)
    write_fer_csv(tmp_path, rows=5, folder=f"{COMPETITION}/fer2013")
    corpus = Fer2013.locate(root)
    assert corpus.root == (tmp_path / COMPETITION / "fer2013").absolute() and len(corpus.items()) == 5
    assert {it.split for it in corpus.items()} == {"train", "valid", "test"}


def test_test_csv_alone_is_an_error_saying_where_the_labels_are(tmp_path, cache):
    write_fer_competition(tmp_path)
    (tmp_path / COMPETITION / "train.csv").unlink()
    with pytest.raises(CorpusError, match=r"test\.csv: 3 rows of pixels only, no labels .* the labels are in "
                                          r"fer2013\.csv, icml_face_data\.csv or train\.csv"):
        Fer2013.locate(tmp_path).items()


def test_another_corpus_train_csv_is_not_fer(tmp_path):
    (tmp_path / "fer2013").mkdir()
    (tmp_path / "fer2013" / "train.csv").write_text("file,label\na.wav,angry\n")
    with pytest.raises(CorpusNotFound):
        Fer2013.locate(tmp_path)


def test_ferplus_votes_in_meta_by_row_order(tmp_path, cache):
    root = write_ferplus(write_fer_csv(tmp_path, rows=14), rows=14)
    corpus = Fer2013.locate(root)
    items = by_id(corpus)
    assert len(items) == 14 and [it.label for it in corpus.items()][:3] == ["anger", "disgust", "fear"]  # FER labels
    assert items["row00000"].meta["ferplus_votes"] == "10 0 0 0 0 0 0 0 0 0"
    assert [items[f"row{i:05d}"].meta["ferplus_majority"] for i in range(14)] == [
        "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "not-a-face",
        "tie", "tie", "tie", "tie"]
    assert items["row00009"].meta["note"] == "FER+ votes it not a face (NF 10 of 10)"
    assert corpus.log.inferred == [(f"{root / 'fer2013' / 'fer2013.csv'}, line 11",
                                    "FER+ votes it not a face (NF 10 of 10)")]
    assert corpus.notes[-1].startswith("FER+ votes of fer2013new.csv in the meta of 14 item(s)")
    assert not corpus.log.ignored


def test_ferplus_note_completes_the_rows_own_note(tmp_path, cache):
    root = write_fer_csv(tmp_path, rows=1, extra_lines=[row(6, ["0"] * 2304)])
    write_ferplus(root, rows=2, votes={0: [9, 1, 0, 0, 0, 0, 0, 0, 0, 0], 1: [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]})
    corpus = Fer2013.locate(root)
    note = "a blank image (every pixel 0); FER+ votes it not a face (NF 10 of 10)"
    assert by_id(corpus)["row00001"].meta["note"] == note
    assert [n for _, n in corpus.log.inferred] == [note]


@pytest.mark.parametrize("change, message", [
    (lambda text: text.rsplit("\n", 2)[0] + "\n", "1 row(s) where fer2013.csv has 2"),
    (lambda text: text.replace("PublicTest", "Training"), None),
    (lambda text: text.replace("Training,fer", "PrivateTest,fer", 1), "its Usage differs from fer2013.csv's on 1 row"),
])
def test_ferplus_that_does_not_match_is_not_used(tmp_path, cache, change, message):
    root = write_ferplus(write_fer_csv(tmp_path, rows=2), rows=2)
    path = root / "fer2013" / "fer2013new.csv"
    path.write_text(change(path.read_text()))
    corpus = Fer2013.locate(root)
    if message is None:  # both rows are Training: nothing to change
        assert "ferplus_votes" in corpus.items()[0].meta
    else:
        assert all("ferplus_votes" not in it.meta for it in corpus.items())
        assert any(message in n for n in corpus.notes)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_image_folders_give_items_labels_and_splits(tmp_path, cache, suffix):
    root = write_fer_folders(tmp_path, per_folder=1, suffix=suffix)
    corpus = Fer2013.locate(root)
    items = by_id(corpus)
    assert len(items) == 7 * 3 and all(it.speaker is None for it in items.values())
    assert items["train.angry.Training_1"].label == "anger"
    angry = root / "fer2013" / "train" / "angry"
    assert items["train.angry.Training_1"].media == {"visual": angry / f"Training_1{suffix}"}
    assert items["train.angry.Training_1"].meta == {"face_crop": "yes"}
    assert items["test.happy.PublicTest_14"].split == "valid" and items["test.happy.PrivateTest_15"].split == "test"
    assert corpus.summary()["splits"] == {"test": 7, "train": 7, "valid": 7}
    assert corpus.summary()["labels"] == {label: 3 for label in Fer2013.labels}
    assert corpus.notes == ["7 PublicTest_* image(s) of test/ form the valid split (challenge public test)"]
    assert not cache.exists()  # nothing materialised for image folders


def test_images_validation_copy_reads_validation_as_the_test_part(tmp_path, cache):
    base = "face-expression-recognition-dataset/images/images"
    root = write_fer_folders(tmp_path, per_folder=2, suffix=".jpg", base=base, parts=OHEIX)
    corpus = Fer2013.locate(root)
    assert corpus.root == (tmp_path / base).absolute()
    items = by_id(corpus)
    assert len(items) == 28 and corpus.summary()["splits"] == {"test": 14, "train": 14}
    assert items["validation.sad.23"].split == "test" and items["validation.sad.23"].label == "sadness"
    assert corpus.notes[0].startswith("validation/ read as the test part: this copy has no test/ folder")


def test_a_validation_folder_beside_test_stays_valid(tmp_path, cache):
    parts = (("train", ("Training",)), ("val", ("PublicTest",)), ("test", ("PrivateTest",)))
    root = write_fer_folders(tmp_path, per_folder=1, parts=parts)
    assert Fer2013.locate(root).summary()["splits"] == {"test": 7, "train": 7, "valid": 7}


def test_emotion_folder_spellings_and_codes(tmp_path, cache):
    root = write_fer_folders(tmp_path, per_folder=1, parts=(("Training", ("x",)),))
    base = tmp_path / "fer2013" / "Training"
    (base / "angry").rename(base / "Angry")
    (base / "happy").rename(base / "3")
    (base / "sad").rename(base / "SADNESS")
    items = by_id(Fer2013.locate(root))
    assert items["training.angry.x_1"].label == "anger" and items["training.3.x_4"].label == "happiness"
    assert items["training.sadness.x_5"].label == "sadness" and {it.split for it in items.values()} == {"train"}


def test_image_folders_stray_files_and_unknown_classes(tmp_path, cache):
    root = write_fer_folders(tmp_path, per_folder=1)
    base = root / "fer2013"
    (base / "train" / "angry" / "Thumbs.db").write_bytes(b"x")
    (base / "train" / "angry" / "._Training_1.png").write_bytes(b"x")
    (base / "README.txt").write_text("x")
    (base / "__MACOSX").mkdir()
    (base / "test" / "list.txt").write_text("x")
    (base / "test" / "sad" / "notes.txt").write_text("x")
    (base / "train" / "contempt").mkdir()
    cv2.imwrite(str(base / "train" / "contempt" / "Training_99.png"), face(99))
    corpus = Fer2013.locate(root)
    assert len(corpus.items()) == 21
    assert corpus.log.ignored == {"archiver or file-manager junk": 3, "entries beside the split folders": 1,
                                  "files beside the emotion folders": 1, "files that are not images": 1}
    assert corpus.log.skipped == [(str(base / "train" / "contempt" / "Training_99.png"),
                                   "folder train/contempt is not one of FER-2013's seven classes "
                                   "(angry disgust fear happy sad surprise neutral)")]


def test_csv_is_preferred_over_image_folders(tmp_path, cache):
    write_fer_folders(tmp_path, per_folder=1)
    write_fer_csv(tmp_path, rows=3)
    corpus = Fer2013.locate(tmp_path)
    assert [it.id for it in corpus.items()] == ["row00000", "row00001", "row00002"]
    assert corpus.log.ignored == {"entries beside fer2013.csv (it is read)": 2}
    assert corpus.log.ignored_examples["entries beside fer2013.csv (it is read)"] == [
        str(tmp_path / "fer2013" / "test"), str(tmp_path / "fer2013" / "train")]


def test_missing_corpus_shows_every_layout(tmp_path):
    (tmp_path / "fer2013" / "train" / "unrelated").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"fer2013/fer2013\.csv \(columns emotion,pixels,Usage\) or "
                                             r"fer2013/train/<angry") as err:
        Fer2013.locate(tmp_path)
    assert all(layout in str(err.value) for layout in Fer2013.layouts)
    assert "images/validation" in str(err.value) and "test.csv" in str(err.value)


def test_corrupt_image_is_reported_by_corpora_check(tmp_path, cache, capsys):
    root = write_fer_folders(tmp_path, per_folder=1)
    (root / "fer2013" / "test" / "sad" / "PublicTest_16.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert main(["corpora", "check", "fer2013", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "official split: test 7, train 7, valid 7" in out
    assert "PROBLEM: 1 unreadable media file(s)" in out and "PublicTest_16.png: cannot decode image" in out
