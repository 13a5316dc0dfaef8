"""The FER-2013 adapter: the challenge CSV (materialised once as PNG files) and the image folders."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from layouts.ckplus import face
from layouts.fer2013 import csv_row, write_fer_csv, write_fer_folders

import harness.corpora.fer2013 as fer
from harness.cli.commands import main
from harness.corpora.fer2013 import Fer2013
from harness.data.digest import content_digest
from harness.errors import CorpusError, CorpusNotFound, LabelError


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / "cache"
    monkeypatch.setenv("HARNESS_CACHE", str(path))
    return path


def snapshot(folder):
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes()) for p in sorted(folder.iterdir())}


def test_csv_rows_become_items_with_splits_labels_and_png_media(tmp_path, cache):
    root = write_fer_csv(tmp_path / "data", rows=14)
    csv = root / "fer2013" / "fer2013.csv"
    items = {it.id: it for it in Fer2013.locate(root).items()}
    assert len(items) == 14 and all(it.speaker is None for it in items.values())
    assert [items[f"row{i:05d}"].label for i in range(7)] == [
        "anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    assert [items[f"row{i:05d}"].split for i in range(5)] == ["train", "train", "train", "valid", "test"]
    assert items["row00003"].meta == {"line": "5", "usage": "PublicTest"}
    target = cache / "materialised" / f"fer2013-{content_digest(csv)[:20]}"
    assert items["row00012"].media == {"visual": target / "00012.png"}
    assert sorted(p.name for p in target.iterdir()) == [f"{i:05d}.png" for i in range(14)]
    pixels = cv2.imread(str(target / "00012.png"), cv2.IMREAD_UNCHANGED)
    assert pixels.shape == (48, 48) and np.array_equal(pixels, face(12))
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary folder left


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


def test_changed_csv_gets_a_new_folder_and_missing_images_are_rebuilt(tmp_path, cache):
    root = write_fer_csv(tmp_path / "data", rows=7)
    old = Fer2013.locate(root).items()[0].media["visual"].parent
    (old / "00003.png").unlink()
    corpus = Fer2013.locate(root)
    assert all(it.media["visual"].is_file() for it in corpus.items())
    assert "rebuilt" in corpus.notes[0] and "1 materialised image(s) were missing (00003.png)" in corpus.notes[0]
    write_fer_csv(tmp_path / "data", rows=8)
    new = Fer2013.locate(root).items()[0].media["visual"].parent
    assert new != old and len(list(new.iterdir())) == 8
    assert sorted(p.name for p in (cache / "materialised").iterdir()) == sorted([old.name, new.name])


GOOD = [str(v) for v in face(1).reshape(-1)]


def row(code, values, usage="Training"):
    return f"{code},{' '.join(values)},{usage}"


@pytest.mark.parametrize("bad_line, error, message", [
    (row(3, GOOD[:-1]), CorpusError, r"line 4: 2303 pixel values, expected 2304 \(48x48\)"),
    (row(3, GOOD[:-1] + ["1.5"]), CorpusError, r"line 4: pixel value '1\.5' is not an integer"),
    (row(3, GOOD[:-1] + ["-1"]), CorpusError, r"line 4: pixel value '-1' is not an integer"),
    (row(3, GOOD[:-1] + ["300"]), CorpusError, r"line 4: pixel values must lie in 0-255 \(found 300\)"),
    (row(7, GOOD), LabelError, r"line 4: unknown fer2013 label code '7'"),
    (row(2, GOOD, "Validation"), CorpusError, r"line 4: unknown Usage 'Validation'"),
    ("3,1 2 3", CorpusError, r"line 4: 2 field\(s\), expected 3"),
])
def test_bad_rows_name_the_csv_and_line_and_leave_nothing_behind(tmp_path, cache, bad_line, error, message):
    root = write_fer_csv(tmp_path / "data", rows=2, extra_lines=[bad_line, csv_row(0, "Training", 2)])
    with pytest.raises(error, match=r"fer2013\.csv, " + message):
        Fer2013.locate(root).items()
    assert list((cache / "materialised").iterdir()) == []


def test_header_without_usage_is_an_error(tmp_path, cache):
    (tmp_path / "fer2013").mkdir()
    (tmp_path / "fer2013" / "fer2013.csv").write_text("emotion,pixels\n" + "0," + " ".join(["1"] * 2304) + "\n")
    with pytest.raises(CorpusError, match=r"fer2013\.csv, line 1: header emotion,pixels lacks column\(s\) usage"):
        Fer2013.locate(tmp_path).items()


def test_icml_face_data_column_order_is_read(tmp_path, cache):
    (tmp_path / "fer2013").mkdir()
    rows = [f"{code}, {usage},{' '.join(str(v) for v in face(seed).reshape(-1))}"
            for seed, (code, usage) in enumerate([(3, "Training"), (6, "PrivateTest")])]
    (tmp_path / "fer2013" / "icml_face_data.csv").write_text("emotion, Usage, pixels\n" + "\n".join(rows) + "\n")
    items = Fer2013.locate(tmp_path).items()
    assert [(it.label, it.split) for it in items] == [("happiness", "train"), ("neutral", "test")]
    assert np.array_equal(cv2.imread(str(items[1].media["visual"]), cv2.IMREAD_UNCHANGED), face(1))


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_image_folders_give_items_labels_and_splits(tmp_path, cache, suffix):
    root = write_fer_folders(tmp_path, per_folder=1, suffix=suffix)
    corpus = Fer2013.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 7 * 3 and all(it.speaker is None for it in items.values())
    assert items["train.angry.Training_1"].label == "anger"
    angry = root / "fer2013" / "train" / "angry"
    assert items["train.angry.Training_1"].media == {"visual": angry / f"Training_1{suffix}"}
    assert items["test.happy.PublicTest_14"].split == "valid" and items["test.happy.PrivateTest_15"].split == "test"
    assert corpus.summary()["splits"] == {"test": 7, "train": 7, "valid": 7}
    assert corpus.summary()["labels"] == {label: 3 for label in Fer2013.labels}
    assert corpus.notes == ["7 PublicTest_* image(s) of test/ form the valid split (challenge public test)"]
    assert not cache.exists()  # nothing materialised for image folders


def test_image_folders_bad_input(tmp_path, cache):
    root = write_fer_folders(tmp_path, per_folder=1)
    (root / "fer2013" / "train" / "angry" / "Thumbs.db").write_bytes(b"x")
    (root / "fer2013" / "README.txt").write_text("x")
    corpus = Fer2013.locate(root)
    assert len(corpus.items()) == 21
    notes = "\n".join(corpus.notes)
    assert "train/angry/Thumbs.db" in notes and "README.txt" in notes
    (root / "fer2013" / "train" / "contempt").mkdir()
    with pytest.raises(LabelError, match=r"train/contempt: unknown fer2013 label code 'contempt'"):
        Fer2013.locate(root).items()


def test_csv_is_preferred_over_image_folders_with_a_note(tmp_path, cache):
    write_fer_folders(tmp_path, per_folder=1)
    write_fer_csv(tmp_path, rows=3)
    corpus = Fer2013.locate(tmp_path)
    assert [it.id for it in corpus.items()] == ["row00000", "row00001", "row00002"]
    assert "not read: 2 entr(ies) beside fer2013.csv" in corpus.notes[0] and "test, train" in corpus.notes[0]


def test_missing_corpus_shows_both_layouts(tmp_path):
    (tmp_path / "fer2013" / "train" / "unrelated").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"fer2013/fer2013\.csv \(columns emotion,pixels,Usage\) or "
                                             r"fer2013/train/<angry"):
        Fer2013.locate(tmp_path)


def test_corrupt_image_is_reported_by_corpora_check(tmp_path, cache, capsys):
    root = write_fer_folders(tmp_path, per_folder=1)
    (root / "fer2013" / "test" / "sad" / "PublicTest_16.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert main(["corpora", "check", "fer2013", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "official split: test 7, train 7, valid 7" in out
    assert "PROBLEM: 1 unreadable media file(s)" in out and "PublicTest_16.png: cannot decode image" in out
