"""The JAFFE adapter: posers, expression codes, suffix and case variants, bad input named."""

from __future__ import annotations

import pytest
from layouts.jaffe import write_jaffe

from harness.cli.commands import main
from harness.corpora.jaffe import Jaffe
from harness.errors import CorpusError, CorpusNotFound, LabelError


def test_items_speakers_and_labels(tmp_path):
    corpus = Jaffe.locate(write_jaffe(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 3 * 7
    assert {it.speaker for it in items.values()} == {"KA", "KL", "YM"}
    ka = items["KA.SU1.7"]
    assert ka.label == "surprise" and ka.speaker == "KA" and ka.meta == {"take": "1", "image": "7"}
    assert ka.media == {"visual": tmp_path / "jaffedbase" / "KA.SU1.7.tiff"}
    assert sorted({it.label for it in items.values()}) == list(Jaffe.labels)
    assert all(it.split is None for it in items.values())
    assert corpus.notes == [f"not read: 1 entr(ies) that are not JAFFE images in {tmp_path / 'jaffedbase'}: README"]


@pytest.mark.parametrize("folder", ["jaffe", "jaffe/jaffedbase", "JAFFE"])
def test_folder_variants_are_found(tmp_path, folder):
    corpus = Jaffe.locate(write_jaffe(tmp_path, posers=("NA",), folder=folder))
    assert corpus.root == (tmp_path / folder).absolute() and len(corpus.items()) == 7


def test_tif_and_upper_case_names_give_the_same_ids(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",), suffix=".tif")
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tif").rename(base / "KA.AN1.1.TIFF")
    (base / "KA.DI1.2.tif").rename(base / "ka.di1.2.tif")
    items = {it.id: it for it in Jaffe.locate(root).items()}
    assert set(items) == {"KA.AN1.1", "KA.DI1.2", "KA.FE1.3", "KA.HA1.4", "KA.NE1.5", "KA.SA1.6", "KA.SU1.7"}
    assert items["KA.DI1.2"].media["visual"].name == "ka.di1.2.tif" and items["KA.DI1.2"].label == "disgust"
    assert items["KA.DI1.2"].speaker == "KA"


def test_unknown_code_poser_and_name_are_errors_naming_the_file(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tiff").rename(base / "KA.XX1.1.tiff")
    with pytest.raises(LabelError, match=r"KA\.XX1\.1\.tiff: unknown jaffe label code 'XX'"):
        Jaffe.locate(root).items()
    (base / "KA.XX1.1.tiff").rename(base / "ZZ.AN1.1.tiff")
    with pytest.raises(CorpusError, match=r"ZZ\.AN1\.1\.tiff: unknown JAFFE poser 'ZZ'"):
        Jaffe.locate(root).items()
    (base / "ZZ.AN1.1.tiff").rename(base / "KA_AN1_1.tiff")
    with pytest.raises(CorpusError, match=r"KA_AN1_1\.tiff: not a JAFFE file name"):
        Jaffe.locate(root).items()


def test_the_same_image_twice_is_kept_once_and_counted(tmp_path):
    root = write_jaffe(tmp_path, posers=("KA",))
    base = root / "jaffedbase"
    (base / "KA.AN1.1.tif").write_bytes((base / "KA.AN1.1.tiff").read_bytes())
    corpus = Jaffe.locate(root)
    assert sum(it.id == "KA.AN1.1" for it in corpus.items()) == 1
    assert corpus.log.duplicates and corpus.log.duplicates[0][2]


def test_missing_corpus_shows_the_layout(tmp_path):
    (tmp_path / "jaffedbase").mkdir()
    (tmp_path / "jaffedbase" / "README").write_text("x")
    with pytest.raises(CorpusNotFound, match=r"jaffedbase/KA\.AN1\.39\.tiff"):
        Jaffe.locate(tmp_path)


def test_corrupt_image_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_jaffe(tmp_path, posers=("KA",))
    (root / "jaffedbase" / "KA.HA1.4.tiff").write_bytes(b"II*\x00 not really a tiff")
    assert main(["corpora", "check", "jaffe", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "items 7, speakers 1" in out
    assert "PROBLEM: 1 unreadable media file(s)" in out and "KA.HA1.4.tiff: cannot decode image" in out
