"""The TESS adapter: folder-name variants, the layouts it is distributed in, and its irregular files
(kept with a note, skipped with a reason, or ignored and counted; never a failed corpus)."""

from __future__ import annotations

import shutil

import pytest
from builders import write_tone
from layouts.tess import write_tiny_tess

from harness.corpora.tess import Tess
from harness.errors import CorpusError, CorpusNotFound

KAGGLE_TOP = "TESS Toronto emotional speech set data"


def test_items_speakers_labels_and_meta(tmp_path):
    corpus = Tess.locate(write_tiny_tess(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 2 * 7 * 2 and corpus.notes == []
    assert corpus.log.summary()["inferred"] == corpus.log.summary()["skipped"] == 0
    assert {it.speaker for it in items.values()} == {"OAF", "YAF"}
    assert items["OAF_back_ps"].label == "surprise"
    assert items["OAF_back_ps"].media["audio"].parent.name == "OAF_Pleasant_surprise"
    assert items["YAF_bar_ps"].media["audio"].parent.name == "YAF_pleasant_surprised"
    assert items["OAF_bar_fear"].label == "fear" and items["YAF_back_happy"].label == "happiness"
    assert items["YAF_bar_sad"].meta == {"word": "bar", "age_group": "younger", "age": "26", "gender": "female"}
    assert items["OAF_bar_sad"].meta["age"] == "64"
    assert {it.label for it in items.values()} == set(Tess.labels) and len(Tess.labels) == 7


def test_the_oa_bite_neutral_erratum_is_kept_with_a_note(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    write_tone(root / "tess" / "OAF_neutral" / "OA_bite_neutral.wav", 4, 0, sr=24414)
    corpus = Tess.locate(root)
    items = {it.id: it for it in corpus.items()}
    item = items["OAF_bite_neutral"]
    assert item.speaker == "OAF" and item.label == "neutral" and item.meta["word"] == "bite"
    assert "speaker code 'OA'" in item.meta["note"] and "OAF_neutral" in item.meta["note"]
    assert corpus.log.inferred == [(str(item.media["audio"]), item.meta["note"])]
    assert {it.speaker for it in items.values()} == {"OAF", "YAF"}  # no third one-file speaker "OA"


def test_the_erratum_in_a_flat_copy_is_read_as_oaf(tmp_path):
    write_tone(tmp_path / "tess" / "OAF_back_angry.wav", 0, 0, sr=24414)
    write_tone(tmp_path / "tess" / "OA_bite_neutral.wav", 4, 0, sr=24414)
    items = {it.id: it for it in Tess.locate(tmp_path).items()}
    assert set(items) == {"OAF_back_angry", "OAF_bite_neutral"}
    assert "known erratum" in items["OAF_bite_neutral"].meta["note"]


def _flat_tess(folder):
    for si, speaker in enumerate(("OAF", "YAF")):
        for ei, code in enumerate(("angry", "disgust", "fear", "happy", "neutral", "ps", "sad")):
            write_tone(folder / f"{speaker}_back_{code}.wav", ei, si, sr=24414)
    return folder


@pytest.mark.parametrize("where", ["tess", "dataverse_files", "tess/dataverse_files"])
def test_the_flat_dataverse_layout_is_found(tmp_path, where):
    """dataverse_files.zip: every wav in one folder, no speaker/emotion folders."""
    flat = _flat_tess(tmp_path / where)
    corpus = Tess.locate(tmp_path)
    items = {it.id: it for it in corpus.items()}
    assert corpus.root == flat.absolute() and len(items) == 14
    assert items["YAF_back_ps"].label == "surprise" and items["OAF_back_sad"].speaker == "OAF"
    assert corpus.log.summary()["skipped"] == corpus.log.summary()["inferred"] == 0


def test_kaggle_wrapper_is_found_from_the_data_root(tmp_path):
    write_tiny_tess(tmp_path / "toronto-emotional-speech-set-tess", words=("back",), top=KAGGLE_TOP)
    corpus = Tess.locate(tmp_path)
    assert corpus.root.name == KAGGLE_TOP and len(corpus.items()) == 14
    assert corpus.log.summary()["duplicates"] == {"identical": 0, "different": 0}


def test_kaggle_double_tree_keeps_identical_copies_once(tmp_path):
    """The Kaggle archive holds the tree twice: ``TESS Toronto emotional speech set data/...`` and
    ``tess toronto emotional speech set data/TESS Toronto emotional speech set data/...``."""
    archive = tmp_path / "toronto-emotional-speech-set-tess"
    write_tiny_tess(archive, words=("back",), top=KAGGLE_TOP)
    shutil.copytree(archive / KAGGLE_TOP, archive / KAGGLE_TOP.lower() / KAGGLE_TOP)
    corpus = Tess.locate(tmp_path)
    assert corpus.root == archive.absolute()
    items = corpus.items()
    assert len(items) == 14 and all(KAGGLE_TOP.lower() not in str(it.media["audio"]) for it in items)
    assert corpus.log.summary()["duplicates"] == {"identical": 14, "different": 0}
    assert corpus.log.summary()["skipped"] == 0


def test_kaggle_double_tree_with_the_erratum_in_both(tmp_path):
    archive = tmp_path / "tess"
    write_tiny_tess(archive, words=("back",), top=KAGGLE_TOP)
    write_tone(archive / KAGGLE_TOP / "OAF_neutral" / "OA_bite_neutral.wav", 4, 0, sr=24414)
    shutil.copytree(archive / KAGGLE_TOP, archive / KAGGLE_TOP.lower() / KAGGLE_TOP)
    corpus = Tess.locate(tmp_path)
    assert len(corpus.items()) == 15
    assert len(corpus.log.inferred) == 2 and corpus.log.summary()["duplicates"]["identical"] == 15


@pytest.mark.parametrize("folder", ["OAF_Fear", "OAF_fearful", "OAF_FEAR", "OAF fear", "OAF-Fear"])
def test_folder_spellings_of_fear(tmp_path, folder):
    write_tone(tmp_path / "tess" / folder / "OAF_back_fear.wav", 2, 0, sr=24414)
    corpus = Tess.locate(tmp_path)
    (item,) = corpus.items()
    assert item.label == "fear" and "note" not in item.meta


@pytest.mark.parametrize("folder", ["YAF_pleasant_surprised", "OAF_Pleasant_surprise", "YAF_surprised",
                                    "OAF_surprise", "YAF_pleasant surprise", "OAF_ps"])
def test_folder_spellings_of_pleasant_surprise(tmp_path, folder):
    speaker = folder[:3]
    write_tone(tmp_path / "tess" / folder / f"{speaker}_back_ps.wav", 5, 0, sr=24414)
    (item,) = Tess.locate(tmp_path).items()
    assert item.label == "surprise" and item.speaker == speaker and "note" not in item.meta


def test_a_file_contradicting_its_folder_is_skipped_with_the_reason(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    write_tone(root / "tess" / "OAF_Sad" / "OAF_bar_happy.wav", 3, 0, sr=24414)
    write_tone(root / "tess" / "OAF_Sad" / "YAF_bar_sad.wav", 6, 1, sr=24414)
    corpus = Tess.locate(root)
    assert len(corpus.items()) == 14
    reasons = dict(corpus.log.skipped)
    assert reasons[str(root / "tess" / "OAF_Sad" / "OAF_bar_happy.wav")] == \
        "emotion 'happy' disagrees with its folder OAF_Sad"
    assert reasons[str(root / "tess" / "OAF_Sad" / "YAF_bar_sad.wav")] == "speaker YAF disagrees with its folder OAF_Sad"


@pytest.mark.parametrize("folder, name, kept_id, note", [
    ("OAF_angry", "OAF_bar_furious.wav", "OAF_bar_angry", "emotion 'furious' is not a TESS code: anger from its folder"),
    ("OAF_angry", "MAF_bar_angry.wav", "OAF_bar_angry", "speaker code 'MAF' read as OAF, from its folder OAF_angry"),
    ("OAF_bored", "OAF_bar_angry.wav", "OAF_bar_angry", "folder 'OAF_bored' is not a known emotion spelling"),
])
def test_irregular_names_inside_a_speaker_folder_are_kept_with_a_note(tmp_path, folder, name, kept_id, note):
    root = write_tiny_tess(tmp_path, words=("back",))
    write_tone(root / "tess" / folder / name, 0, 0, sr=24414)
    corpus = Tess.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 15 and note in items[kept_id].meta["note"]
    assert corpus.log.summary()["inferred"] == 1


@pytest.mark.parametrize("name, reason", [
    ("OAF_bar_furious.wav", "unknown tess label code 'furious'"),
    ("MAF_bar_angry.wav", "unknown TESS speaker 'MAF'"),
    ("hello.wav", "not a TESS file name"),
])
def test_files_that_cannot_be_placed_are_skipped_with_the_reason(tmp_path, name, reason):
    root = write_tiny_tess(tmp_path, words=("back",))
    write_tone(root / "tess" / name, 0, 0, sr=24414)
    corpus = Tess.locate(root)
    assert len(corpus.items()) == 14
    ((path, why),) = corpus.log.skipped
    assert path == str(root / "tess" / name) and reason in why


def test_stray_files_are_ignored_and_counted(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    (root / "tess" / "OAF_angry" / "Thumbs.db").write_text("x")
    (root / "tess" / ".DS_Store").write_text("x")
    (root / "tess" / "OAF_angry" / "._OAF_back_angry.wav").write_bytes(b"\0\5\26\7")
    (root / "tess" / "__MACOSX" / "OAF_angry").mkdir(parents=True)
    (root / "tess" / "__MACOSX" / "OAF_angry" / "OAF_back_angry.wav").write_bytes(b"\0\5\26\7")
    (root / "tess" / "readme.txt").write_text("x")
    (root / "tess" / "OAF_angry" / "list.csv").write_text("x")
    (root / "tess" / "spectrograms").mkdir()
    corpus = Tess.locate(root)
    assert len(corpus.items()) == 14 and corpus.notes == []
    assert corpus.log.summary()["ignored"] == {"folders that are not TESS speaker/emotion folders": 1,
                                               "non-wav files": 2}


def test_a_second_copy_with_other_bytes_is_skipped(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    write_tone(root / "tess" / "OAF_angry" / "OAF_BACK_ANGRY.wav", 0, 5, sr=24414)
    corpus = Tess.locate(root)
    assert len(corpus.items()) == 14
    assert corpus.log.summary()["duplicates"] == {"identical": 0, "different": 1}


def test_a_folder_without_tess_files_is_no_corpus(tmp_path):
    (tmp_path / "tess" / "OAF_angry").mkdir(parents=True)
    with pytest.raises(CorpusError, match="tess: no items found"):
        Tess.locate(tmp_path).items()


def test_missing_corpus_is_not_found_with_every_layout(tmp_path):
    (tmp_path / "tess" / "wav").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - tess/OAF_angry/OAF_back_angry\.wav") as err:
        Tess.locate(tmp_path)
    text = str(err.value)
    assert all(layout in text for layout in Tess.layouts) and "dataverse_files.zip" in text
    assert "TESS Toronto emotional speech set data/OAF_Fear" in text


def test_docstring_lists_the_layouts_and_irregularities():
    import harness.corpora.tess as module

    doc = module.__doc__
    for fact in ("24414 Hz", "OA_bite_neutral.wav", "dataverse_files.zip", "tess toronto emotional speech set data",
                 "YAF_pleasant_surprised", "OAF_Pleasant_surprise", "surprised", "__MACOSX"):
        assert fact in doc, fact
