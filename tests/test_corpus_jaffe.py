"""The JAFFE adapter: posers, expression codes, every distributed layout (flat, nested, converted,
per-expression folders), irregular names kept with notes or skipped with reasons, stray files counted."""

from __future__ import annotations

import cv2
import pytest
from layouts.ckplus import face
from layouts.jaffe import write_jaffe, write_jaffe_by_expression

from harness.cli.commands import main
from harness.corpora.jaffe import Jaffe
from harness.errors import CorpusError, CorpusNotFound


def by_id(corpus):
    return {it.id: it for it in corpus.items()}


def skipped(corpus):
    return {p.rsplit("/", 1)[-1]: why for p, why in corpus.log.skipped}


def test_items_speakers_and_labels(tmp_path):
    corpus = Jaffe.locate(write_jaffe(tmp_path))
    items = by_id(corpus)
    assert len(items) == 3 * 7
    assert {it.speaker for it in items.values()} == {"KA", "KL", "YM"}
    ka = items["KA.SU1.7"]
    assert ka.label == "surprise" and ka.speaker == "KA"
    assert ka.meta == {"take": "1", "image": "7", "face_crop": "no"}
    assert ka.media == {"visual": tmp_path / "jaffedbase" / "KA.SU1.7.tiff"}
    assert sorted({it.label for it in items.values()}) == list(Jaffe.labels)
    assert all(it.split is None and it.meta["face_crop"] == "no" for it in items.values())
    assert Jaffe.face_crops is False  # head-and-shoulders photographs: the visual pipeline finds the face
    assert corpus.log.ignored == {"readme or ratings files": 1} and not corpus.log.skipped
    assert corpus.notes == [] and not corpus.log.inferred
    assert corpus.check_counts() == ["21 items where a complete copy has 213", "3 speakers where a complete copy has 10"]


@pytest.mark.parametrize("folder", ["jaffe", "jaffe/jaffedbase", "JAFFE", "jaffedbase/jaffedbase", "jaffe/jaffe",
                                    "jaffefacialexpression/jaffe/jaffe", "JAFFE-master/jaffedbase"])
def test_folder_variants_are_found(tmp_path, folder):
    corpus = Jaffe.locate(write_jaffe(tmp_path, posers=("NA",), folder=folder))
    assert corpus.root == (tmp_path / folder).absolute() and len(corpus.items()) == 7


def test_nested_extraction_beside_a_readme_is_found(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",), folder="jaffedbase/jaffedbase")
    (tmp_path / "jaffedbase" / "README_FIRST.txt").write_text("ratings\n")
    (tmp_path / "jaffedbase" / "__MACOSX").mkdir()
    assert Jaffe.locate(root).root == (tmp_path / "jaffedbase" / "jaffedbase").absolute()


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".tiff.bmp", ".tif.png"])
def test_converted_copies_give_the_ids_of_the_originals(tmp_path, suffix):
    corpus = Jaffe.locate(write_jaffe(tmp_path, posers=("KA",), suffix=suffix))
    items = by_id(corpus)
    assert set(items) == {"KA.AN1.1", "KA.DI1.2", "KA.FE1.3", "KA.HA1.4", "KA.NE1.5", "KA.SA1.6", "KA.SU1.7"}
    assert items["KA.HA1.4"].media["visual"].name == f"KA.HA1.4{suffix}" and items["KA.HA1.4"].label == "happiness"
    assert not corpus.log.inferred and not corpus.log.skipped
    last = suffix.rsplit(".", 1)[-1]
    assert corpus.notes == [f"a converted copy: 7 .{last} image(s) (read like the .tiff originals)"]


def test_a_converted_copy_beside_its_original_is_one_item(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    cv2.imwrite(str(base / "KA.AN1.1.tiff.bmp"), cv2.imread(str(base / "KA.AN1.1.tiff")))
    corpus = Jaffe.locate(root)
    assert len(corpus.items()) == 7 and [it.id for it in corpus.items()].count("KA.AN1.1") == 1
    assert len(corpus.log.duplicates) == 1


def test_tif_and_upper_case_names_give_the_same_ids(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",), suffix=".tif")
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tif").rename(base / "KA.AN1.1.TIFF")
    (base / "KA.DI1.2.tif").rename(base / "ka.di1.2.tif")
    items = {it.id: it for it in Jaffe.locate(root).items()}
    assert set(items) == {"KA.AN1.1", "KA.DI1.2", "KA.FE1.3", "KA.HA1.4", "KA.NE1.5", "KA.SA1.6", "KA.SU1.7"}
    assert items["KA.DI1.2"].media["visual"].name == "ka.di1.2.tif" and items["KA.DI1.2"].label == "disgust"
    assert items["KA.DI1.2"].speaker == "KA"


def test_irregular_names_are_kept_with_notes(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA", "KL"))
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tiff").rename(base / "KA.AN1.1 copy.tiff")
    (base / "KA.DI1.2.tiff").rename(base / "KA_DI1_2.tiff")
    (base / "KA.NE1.5.tiff").rename(base / "KA.NA1.5.tiff")  # NA as the expression: neutral
    (base / "KL.FE1.10.tiff").rename(base / "YN.FE1.10.tiff")  # the ratings table's typo for YM
    corpus = Jaffe.locate(root)
    items = by_id(corpus)
    assert len(items) == 14 and not corpus.log.skipped
    assert items["KA.AN1.1"].label == "anger" and items["KA.AN1.1"].speaker == "KA"
    assert items["KA.AN1.1"].meta["note"] == "irregular name read as KA.AN1.1"
    assert items["KA.DI1.2"].meta == {"take": "1", "image": "2", "face_crop": "no",
                                      "note": "irregular name read as KA.DI1.2"}
    assert items["KA.NE1.5"].label == "neutral" and items["KA.NE1.5"].meta["note"] == \
        "expression code NA read as NE (neutral)"
    assert items["YM.FE1.10"].speaker == "YM" and "poser YN read as YM" in items["YM.FE1.10"].meta["note"]
    assert len(corpus.log.inferred) == 4
    assert {n for _, n in corpus.log.inferred} == {it.meta["note"] for it in items.values() if "note" in it.meta}


def test_unknown_codes_posers_and_names_are_skipped_with_reasons(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tiff").rename(base / "KA.XX1.1.tiff")
    (base / "KA.DI1.2.tiff").rename(base / "ZZ.DI1.2.tiff")
    (base / "KA.FE1.3.tiff").rename(base / "KX.FE1.3.tiff")  # one letter from KA, KL, KM and KR
    (base / "KA.HA1.4.tiff").rename(base / "photo.tiff")
    cv2.imwrite(str(base / "KA_smile.png"), face(1))
    corpus = Jaffe.locate(root)
    assert sorted(it.id for it in corpus.items()) == ["KA.NE1.5", "KA.SA1.6", "KA.SU1.7"]
    why = skipped(corpus)
    assert why["KA.XX1.1.tiff"].startswith("unknown JAFFE expression code 'XX'")
    assert why["ZZ.DI1.2.tiff"].startswith("unknown JAFFE poser 'ZZ'")
    assert why["KX.FE1.3.tiff"].startswith("unknown JAFFE poser 'KX'")
    assert why["photo.tiff"].startswith("not a JAFFE file name")
    assert why["KA_smile.png"] == "names poser KA but no expression, and lies in no expression folder"
    assert "5 file(s) skipped, with the reason:" in corpus.log.lines()


@pytest.mark.parametrize("folder, folders", [
    ("jaffe/jaffe", ("ANGRY", "DISGUST", "FEAR", "HAPPY", "NEUTRAL", "SAD", "SURPRISE")),
    ("emotions", ("Anger", "Disgust", "Fear", "Happy", "Neutral", "Sad", "Surprise")),
    ("JAFFE", ("angry", "disgusted", "fearful", "happy", "neutral", "sad", "surprised")),
])
def test_per_expression_folders_with_original_names(tmp_path, folder, folders):
    root = write_jaffe_by_expression(tmp_path, folder=folder, folders=folders)
    corpus = Jaffe.locate(root)
    assert corpus.root == (tmp_path / folder).absolute()
    items = by_id(corpus)
    assert len(items) == 14 and {it.speaker for it in items.values()} == {"KA", "KL"}
    assert items["KL.SU1.14"].label == "surprise" and items["KL.SU1.14"].media["visual"].parent.name == folders[6]
    assert items["KA.AN1.1"].meta == {"take": "1", "image": "1", "face_crop": "no"}
    assert sorted({it.label for it in items.values()}) == list(Jaffe.labels)
    assert corpus.log.ignored == {"archiver or file-manager junk": 1}  # .ipynb_checkpoints/
    assert not corpus.log.skipped and not corpus.log.inferred


def test_per_expression_folders_the_poser_from_the_name_or_skipped(tmp_path):
    root = write_jaffe_by_expression(tmp_path, names="numbered")  # jaffe/jaffe/ANGRY/angry1.jpg ...
    base = tmp_path / "jaffe" / "jaffe"
    (base / "ANGRY" / "angry1.jpg").rename(base / "ANGRY" / "KA.AN1.1.jpg")
    (base / "HAPPY" / "happy2.jpg").rename(base / "HAPPY" / "KL_happy_2.jpg")
    (base / "SAD" / "sad1.jpg").rename(base / "SAD" / "KM.HA2.7.jpg")  # filed under SAD, the name says HA
    corpus = Jaffe.locate(root)
    items = by_id(corpus)
    assert set(items) == {"KA.AN1.1", "KL.HA.KL_happy_2", "KM.HA2.7"}
    assert items["KA.AN1.1"].label == "anger" and "note" not in items["KA.AN1.1"].meta
    assert items["KL.HA.KL_happy_2"].label == "happiness" and items["KL.HA.KL_happy_2"].speaker == "KL"
    assert items["KL.HA.KL_happy_2"].meta["note"] == "poser KL from the name's start, the expression from HAPPY/"
    assert items["KM.HA2.7"].label == "happiness"
    assert items["KM.HA2.7"].meta["note"] == ("filed under SAD/ (sadness) but its name codes HA (happiness): "
                                              "the name's code kept (the original coding)")
    why = skipped(corpus)
    assert len(why) == 11 and why["angry2.jpg"] == ("the name carries no JAFFE poser (KA KL KM KR MK NA NM TM UY YM): "
                                                    "the speaker cannot be known")


def test_per_expression_folders_without_any_poser_are_an_error_saying_why(tmp_path):
    root = write_jaffe_by_expression(tmp_path, names="numbered")
    with pytest.raises(CorpusError, match=r"none of the 14 image\(s\) in its per-expression folders names its poser "
                                          r"\(e\.g\. ANGRY/angry1\.jpg, ANGRY/angry2\.jpg, DISGUST/disgust1\.jpg \.\.\.\)"):
        Jaffe.locate(root).items()


def test_stray_files_are_ignored_and_counted(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "README").unlink()
    (base / "README_FIRST.txt").write_text(  # the ratings table and its quirks
        "N HAP SAD SUR ANG DIS FEA PIC\n1 2.87 2.52 2.10 1.97 1.97 2.06 KM-NE1\n"
        "5 1.00 1.00 1.00 1.00 1.00 1.00 KM-HA5\n200 2.0 2.0 2.0 2.0 2.0 2.0 YN-SA1\n")
    (base / ".DS_Store").write_bytes(b"\0")
    (base / "._KA.AN1.1.tiff").write_bytes(b"\0\5\26\7")
    (base / "Thumbs.db").write_bytes(b"\0")
    (base / "__MACOSX").mkdir()
    (base / "jaffe.pdf").write_bytes(b"%PDF")
    (base / "extra" / "docs").mkdir(parents=True)
    cv2.imwrite(str(base / "extra" / "figure.png"), face(2))
    corpus = Jaffe.locate(root)
    assert len(corpus.items()) == 7 and not corpus.log.skipped
    assert corpus.log.ignored == {"archiver or file-manager junk": 4, "readme or ratings files": 1,
                                  "files that are not images": 1, "folders not read": 1,
                                  "images without a JAFFE name in other folders": 1}


def test_images_with_jaffe_names_in_other_folders_are_read(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "more").mkdir()
    write_jaffe(base / "more", posers=("KL",), folder=".")
    corpus = Jaffe.locate(root)
    assert {it.speaker for it in corpus.items()} == {"KA", "KL"} and len(corpus.items()) == 14


def test_the_same_image_twice_is_kept_once_and_counted(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tif").write_bytes((base / "KA.AN1.1.tiff").read_bytes())
    corpus = Jaffe.locate(root)
    assert sum(it.id == "KA.AN1.1" for it in corpus.items()) == 1
    assert corpus.log.duplicates and corpus.log.duplicates[0][2]


def test_missing_corpus_shows_the_layouts(tmp_path):
    (tmp_path / "jaffedbase").mkdir()
    (tmp_path / "jaffedbase" / "README").write_text("x")
    with pytest.raises(CorpusNotFound, match=r"jaffedbase/KA\.AN1\.39\.tiff") as err:
        Jaffe.locate(tmp_path)
    assert all(layout in str(err.value) for layout in Jaffe.layouts)
    assert "jaffe/ANGRY/KA.AN1.39.tiff" in str(err.value) and "KA.AN1.39.tiff.bmp" in str(err.value)


@pytest.mark.parametrize("where", ["CK+48", "fer2013/train", "train"])
def test_other_folders_of_emotions_are_not_jaffe(tmp_path, where):
    for emotion in ("anger", "disgust", "fear", "happy"):
        (tmp_path / where / emotion).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / where / emotion / "S010_004_00000017.png"), face(3))
    with pytest.raises(CorpusNotFound):
        Jaffe.locate(tmp_path)


def test_corrupt_image_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_jaffe(tmp_path, posers=("KA",))
    (root / "jaffedbase" / "KA.HA1.4.tiff").write_bytes(b"II*\x00 not really a tiff")
    assert main(["corpora", "check", "jaffe", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "items 7, speakers 1" in out
    assert "PROBLEM: 1 unreadable media file(s)" in out and "KA.HA1.4.tiff: cannot decode image" in out
