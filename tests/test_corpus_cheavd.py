"""The CHEAVD adapter: default tables, configurable layout, labels outside the vocabulary skipped with counts,
irregular rows skipped naming the row, wrappers."""

from __future__ import annotations

import json

import pytest
import soundfile as sf
from builders import tone
from layouts.cheavd import write_cheavd, write_table
from layouts.enterface import clip

from harness.cli.commands import main
from harness.corpora.cheavd import Cheavd
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound


def _config(root, **settings):
    (root / "cheavd" / "harness-layout.json").write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")


def test_default_tables_items_speakers_splits(tmp_path):
    corpus = Cheavd.locate(write_cheavd(tmp_path))
    items = corpus.items()
    assert len(items) == 4 * 7
    summary = corpus.summary()
    assert summary["splits"] == {"test": 7, "train": 14, "valid": 7}
    assert summary["speakers"] == 4 and summary["labels"]["happiness"] == 4
    item = {it.id: it for it in items}["val/spk03_003"]
    assert item.label == "happiness" and item.speaker == "spk03" and item.split == "valid"
    assert item.media["audio"] == item.media["visual"] and item.media["audio"].name == "spk03_003.avi"
    assert Cheavd.labels == ("anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise")
    assert corpus.notes == []


def test_audio_of_a_clip_loads(tmp_path):
    item = Cheavd.locate(write_cheavd(tmp_path)).items()[0]
    assert load_audio(item.media["audio"], 16000)[0].size == 4800


def test_no_speaker_column_gives_unknown_speakers(tmp_path):
    items = Cheavd.locate(write_cheavd(tmp_path, speaker_column=False)).items()
    assert len(items) == 28 and all(it.speaker is None for it in items)


def test_single_table_with_configured_columns_encoding_and_chinese_labels(tmp_path):
    base = tmp_path / "cheavd"
    rows = []
    for i, (label, part) in enumerate([("愤怒", "训练"), ("高兴", "训练"), ("悲伤", "验证"), ("惊讶", "测试"),
                                       ("中性", "测试")]):
        clip(base / "clips" / f"c{i}.avi", i)
        rows.append([f"c{i}", label, part, f"演员{i % 2}"])
    write_table(base / "标注.tsv", ["文件", "情感", "集合", "说话人"], rows, encoding="gbk", delimiter="\t")
    _config(tmp_path, table="标注.tsv", encoding="gbk", media_folder="clips", extension=".avi",
            columns={"file": "文件", "label": "情感", "split": "集合", "speaker": "说话人"},
            split_values={"训练": "train", "验证": "valid", "测试": "test"})
    items = {it.id: it for it in Cheavd.locate(tmp_path).items()}
    assert set(items) == {"clips/c0", "clips/c1", "clips/c2", "clips/c3", "clips/c4"}
    assert [items[f"clips/c{i}"].label for i in range(5)] == ["anger", "happiness", "sadness", "surprise",
                                                               "neutral"]
    assert [items[f"clips/c{i}"].split for i in range(5)] == ["train", "train", "valid", "test", "test"]
    assert items["clips/c3"].speaker == "演员1"


def test_anxious_and_worried_are_skipped_with_a_count_unless_configured(tmp_path):
    root = write_cheavd(tmp_path, labels=("angry", "happy", "anxious", "worried", "sad"))
    corpus = Cheavd.locate(root)
    assert len(corpus.items()) == 4 * 3 and {it.label for it in corpus.items()} == {"anger", "happiness", "sadness"}
    notes = " ".join(corpus.notes)
    assert "skipped 4 row(s) labelled 'anxious' (CHEAVD 2.0's class without a canonical emotion; map it" in notes
    assert "skipped 4 row(s) labelled 'worried'" in notes
    where, why = corpus.log.skipped[0]
    assert where.endswith("train.csv, line 4") and why.startswith("label 'anxious' (anxious, a CHEAVD 2.0 class) has "
                                                                 "no canonical emotion")
    assert len(corpus.log.skipped) == 8 and corpus.log.summary()["ignored"] == {}  # their clips are named, not stray
    _config(root, exclude_labels=["anxious", "Worried"])
    corpus = Cheavd.locate(root)
    assert len(corpus.items()) == 4 * 3 and corpus.log.skipped == []
    assert "skipped 4 row(s) labelled 'anxious' (listed in exclude_labels" in " ".join(corpus.notes)
    _config(root, labels={"anxious": "fear"}, exclude_labels=["worried"])
    labels = {it.label for it in Cheavd.locate(root).items()}
    assert labels == {"anger", "happiness", "fear", "sadness"}


def test_chinese_spellings_of_anxious_and_worried_and_multi_emotion_cells_are_skipped(tmp_path):
    root = write_cheavd(tmp_path, labels=("焦虑", "担忧", "happy,surprise", "伪装高兴", "高兴"))
    corpus = Cheavd.locate(root)
    assert {it.label for it in corpus.items()} == {"happiness"} and len(corpus.items()) == 4
    reasons = [why for _, why in corpus.log.skipped]
    assert any(r.startswith("label '焦虑' (anxious, a CHEAVD 2.0 class)") for r in reasons)
    assert any(r.startswith("label '担忧' (worried, a CHEAVD 2.0 class)") for r in reasons)
    assert "multi-emotion label 'happy,surprise': the item cannot have one label" in reasons
    assert any(r.startswith("unknown cheavd label '伪装高兴'") for r in reasons)
    notes = " ".join(corpus.notes)
    assert "skipped 4 row(s) labelled 'multi-emotion'" in notes and "skipped 4 row(s) labelled '伪装高兴' (not in the" in notes


def test_a_table_without_the_file_column_is_not_read_and_the_others_are(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "val.csv", ["path", "emotion"], [["val/spk03_000.avi", "angry"]])
    corpus = Cheavd.locate(root)
    assert corpus.summary()["splits"] == {"test": 7, "train": 14}
    assert any(n.startswith("not read: val.csv (no file column 'file'; columns present: 'path', 'emotion'")
               for n in corpus.notes)
    assert corpus.log.summary()["ignored"] == {"media files no table row names": 7}


def test_configured_speaker_column_must_exist(tmp_path):
    root = write_cheavd(tmp_path, speaker_column=False)
    _config(root, columns={"speaker": "actor"})
    with pytest.raises(CorpusError, match=r"train\.csv: no speaker column 'actor' \(set in .*harness-layout\.json\); "
                                          r"columns present: 'file', 'label'"):
        Cheavd.locate(root).items()


def test_bad_configuration_is_reported(tmp_path):
    root = write_cheavd(tmp_path)
    _config(root, colums={"file": "x"})
    with pytest.raises(CorpusError, match=r"harness-layout\.json: unknown setting\(s\) \['colums'\]"):
        Cheavd.locate(root).items()
    _config(root, labels={"anxious": "anxiety"})
    with pytest.raises(CorpusError, match=r"'labels' maps 'anxious' to 'anxiety', which is not one of"):
        Cheavd.locate(root).items()
    (root / "cheavd" / "harness-layout.json").write_text("{not json")
    with pytest.raises(CorpusError, match=r"harness-layout\.json: not valid JSON"):
        Cheavd.locate(root).items()
    _config(root, tables={"train": "train.csv", "valid": "dev.csv"})
    with pytest.raises(CorpusError, match=r"label table\(s\) named in 'tables' not found: .*dev\.csv"):
        Cheavd.locate(root).items()


def test_toml_configuration(tmp_path):
    root = write_cheavd(tmp_path)
    (root / "cheavd" / "train.csv").rename(root / "cheavd" / "training.csv")
    (root / "cheavd" / "harness-layout.toml").write_text(
        '[tables]\ntrain = "training.csv"\nvalid = "val.csv"\ntest = "test.csv"\n', encoding="utf-8")
    assert Cheavd.locate(root).summary()["splits"] == {"test": 7, "train": 14, "valid": 7}


def test_a_gbk_table_is_read_as_gb18030_unless_an_encoding_is_set(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "test.csv", ["file", "label"], [["test/spk04_000.avi", "愤怒"]], encoding="gbk")
    corpus = Cheavd.locate(root)
    assert {it.id: it for it in corpus.items()}["test/spk04_000"].label == "anger"
    assert "test.csv: not UTF-8; read as GB18030" in " ".join(corpus.notes)
    _config(root, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"test\.csv: not readable as utf-8 .*set \"encoding\""):
        Cheavd.locate(root).items()


def test_rows_with_missing_media_or_an_unknown_split_are_skipped_naming_the_row(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "test.csv", ["file", "label"], [["test/spk04_000.avi", "sad"],
                                                                  ["test/gone.avi", "sad"]])
    corpus = Cheavd.locate(root)
    assert corpus.summary()["splits"]["test"] == 1
    [(where, why)] = corpus.log.skipped
    assert where.endswith("test.csv, line 3") and why.startswith("media file ") and why.endswith("gone.avi not found")
    assert "skipped 1 row(s) whose media file is missing" in corpus.notes
    for split in ("train", "val", "test"):
        (root / "cheavd" / f"{split}.csv").unlink()
    write_table(root / "cheavd" / "labels.csv", ["file", "label", "split"], [["test/spk04_000.avi", "sad", "holdout"],
                                                                             ["test/spk04_001.avi", "sad", "test"]])
    corpus = Cheavd.locate(root)
    assert [it.id for it in corpus.items()] == ["test/spk04_001"]
    assert [(w.endswith("labels.csv, line 2"), y.startswith("unknown split 'holdout'")) for w, y in corpus.log.skipped] \
        == [(True, True)]


def test_no_media_found_at_all_says_to_set_the_media_folder(tmp_path):
    root = write_cheavd(tmp_path)
    _config(root, media_folder="clips")
    with pytest.raises(CorpusError, match=r"none of the media files .* exists .*set \"media_folder\""):
        Cheavd.locate(root).items()


def test_headerless_whitespace_separated_lists_are_read(tmp_path):
    base = tmp_path / "cheavd"
    for split, name in (("train", "train.txt"), ("val", "dev.txt")):
        lines = []
        for i, label in enumerate(("angry", "sad", "neutral")):
            clip(base / "clips" / f"{split}_{i:04d}.mp4", i)
            lines.append(f"clips/{split}_{i:04d}.mp4   {label}")
        (base / name).write_text("\n".join(lines) + "\n")
    corpus = Cheavd.locate(tmp_path)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 6 and items["clips/val_0001"].label == "sadness" and items["clips/val_0001"].split == "valid"
    assert "train.txt: no header row; read as file, label by position" in corpus.notes
    assert corpus.log.summary()["ignored"] == {}


@pytest.mark.parametrize("where", ["cheavd/CHEAVD2.0", "MEC2017/data", "CHEAVD_2.0"])
def test_release_wrappers_are_found_from_the_data_root(tmp_path, where):
    write_cheavd(tmp_path / "x")
    (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / "x" / "cheavd").rename(tmp_path / where)
    (tmp_path / where.split("/")[0] / "README.txt").write_text("MEC 2017")
    (tmp_path / where / "__MACOSX").mkdir()
    (tmp_path / where / "test" / "._spk04_000.avi").write_bytes(b"\0")
    corpus = Cheavd.locate(tmp_path)
    assert corpus.root == tmp_path / where and len(corpus.items()) == 28
    assert corpus.log.summary()["ignored"] == {"archiver junk (__MACOSX, .DS_Store, ._*)": 2}


def test_rows_without_labels_are_skipped_with_a_count(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "test.csv", ["file", "label"], [["test/spk04_000.avi", ""],
                                                                  ["test/spk04_001.avi", ""]])
    corpus = Cheavd.locate(root)
    assert "test" not in corpus.summary()["splits"]
    assert corpus.notes == ["skipped 2 row(s) without a label in test.csv (labels withheld?)"]


def test_audio_file_with_separate_video_column(tmp_path):
    base = tmp_path / "cheavd"
    (base / "audio").mkdir(parents=True)
    sf.write(base / "audio" / "a1.wav", tone(1, 0), 16000)
    clip(base / "video" / "a1.avi", 1)
    sf.write(base / "audio" / "a2.wav", tone(2, 0), 16000)
    write_table(base / "train.csv", ["file", "label", "video"], [["audio/a1.wav", "happy", "video/a1.avi"],
                                                                 ["audio/a2.wav", "sad", ""]])
    _config(tmp_path, columns={"video": "video"})
    items = {it.id: it for it in Cheavd.locate(tmp_path).items()}
    assert items["audio/a1"].media == {"audio": base / "audio" / "a1.wav", "visual": base / "video" / "a1.avi"}
    assert items["audio/a2"].media == {"audio": base / "audio" / "a2.wav"}


def test_missing_corpus_names_the_layouts(tmp_path):
    (tmp_path / "cheavd").mkdir()
    with pytest.raises(CorpusNotFound, match=r"cheavd/train\.csv val\.csv test\.csv") as err:
        Cheavd.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:\n  - cheavd/train.csv" in text and "cheavd/train.txt val.txt test.txt" in text
    assert "cheavd/CHEAVD2.0/train.csv" in text


def test_corrupt_clip_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_cheavd(tmp_path)
    (root / "cheavd" / "test" / "spk04_002.avi").write_bytes(b"RIFF1234AVI LIST")
    assert main(["corpora", "check", "cheavd", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "official split: test 7, train 14, valid 7" in out
    problem = out[out.index("PROBLEM:"):]
    assert "spk04_002.avi: " in problem and "spk04_001" not in problem
