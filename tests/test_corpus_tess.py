"""The TESS adapter: folder-name variants, emotion from the file name, agreement checks."""

from __future__ import annotations

import pytest
import soundfile as sf
from builders import tone
from layouts.tess import write_tiny_tess

from harness.corpora.tess import Tess
from harness.errors import CorpusError, CorpusNotFound, LabelError


def test_items_speakers_labels_and_meta(tmp_path):
    corpus = Tess.locate(write_tiny_tess(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 2 * 7 * 2 and corpus.notes == []
    assert {it.speaker for it in items.values()} == {"OAF", "YAF"}
    assert items["OAF_back_ps"].label == "surprise"
    assert items["OAF_back_ps"].media["audio"].parent.name == "OAF_Pleasant_surprise"
    assert items["YAF_bar_ps"].media["audio"].parent.name == "YAF_pleasant_surprised"
    assert items["OAF_bar_fear"].label == "fear" and items["YAF_back_happy"].label == "happiness"
    assert items["YAF_bar_sad"].meta == {"word": "bar", "age_group": "younger", "gender": "female"}
    assert {it.label for it in items.values()} == set(Tess.labels) and len(Tess.labels) == 7


def test_kaggle_double_nesting_is_read(tmp_path):
    top = "TESS Toronto emotional speech set data"
    write_tiny_tess(tmp_path / top, words=("back",), top=top)
    corpus = Tess.locate(tmp_path)
    assert corpus.root == (tmp_path / top).absolute() and len(corpus.items()) == 14


def test_emotion_must_agree_with_the_folder(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    sf.write(root / "tess" / "OAF_Sad" / "OAF_bar_happy.wav", tone(0, 0, seconds=0.3), 24414)
    with pytest.raises(CorpusError, match=r"OAF_bar_happy\.wav: emotion 'happy' disagrees with its folder OAF_Sad"):
        Tess.locate(root).items()


def test_speaker_must_agree_with_the_folder(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    sf.write(root / "tess" / "OAF_Sad" / "YAF_bar_sad.wav", tone(0, 0, seconds=0.3), 24414)
    with pytest.raises(CorpusError, match=r"YAF_bar_sad\.wav: speaker YAF disagrees with its folder OAF_Sad"):
        Tess.locate(root).items()


@pytest.mark.parametrize("folder, name, error, message", [
    ("OAF_angry", "OAF_bar_furious.wav", LabelError, r"OAF_bar_furious\.wav: unknown tess label code 'furious'"),
    ("misc", "MAF_bar_angry.wav", CorpusError, r"MAF_bar_angry\.wav: unknown TESS speaker 'MAF'"),
    ("misc", "hello.wav", CorpusError, r"hello\.wav: not a TESS file name"),
    ("OAF_bored", "OAF_bar_angry.wav", CorpusError, r"OAF_bar_angry\.wav: unknown TESS emotion folder 'OAF_bored'"),
])
def test_bad_names_are_errors_naming_the_file(tmp_path, folder, name, error, message):
    root = write_tiny_tess(tmp_path, words=("back",))
    (root / "tess" / folder).mkdir(exist_ok=True)
    sf.write(root / "tess" / folder / name, tone(0, 0, seconds=0.3), 24414)
    with pytest.raises(error, match=message):
        Tess.locate(root).items()


def test_other_files_are_reported(tmp_path):
    root = write_tiny_tess(tmp_path, words=("back",))
    (root / "tess" / "OAF_angry" / "Thumbs.db").write_text("x")
    (root / "tess" / ".DS_Store").write_text("x")
    corpus = Tess.locate(root)
    assert len(corpus.items()) == 14
    assert corpus.notes == [f"ignored 1 non-wav file(s) under {root / 'tess'}: OAF_angry/Thumbs.db"]


def test_missing_corpus_is_not_found_with_the_layout(tmp_path):
    (tmp_path / "tess" / "wav").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"Layouts read:\n  - tess/OAF_angry/OAF_back_angry\.wav"):
        Tess.locate(tmp_path)
