"""The CHEAVD adapter: default tables, configurable layout, strict labels, bad input."""

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
from harness.errors import CorpusError, CorpusNotFound, LabelError


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


def test_anxious_and_worried_are_errors_unless_configured(tmp_path):
    root = write_cheavd(tmp_path, labels=("angry", "happy", "anxious", "worried", "sad"))
    with pytest.raises(LabelError, match=r"train\.csv, line 4: unknown cheavd label 'anxious' .*"
                                         r"no canonical emotion: list it under \"exclude_labels\""):
        Cheavd.locate(root).items()
    _config(root, exclude_labels=["anxious", "Worried"])
    corpus = Cheavd.locate(root)
    assert len(corpus.items()) == 4 * 3
    assert "skipped 4 row(s) labelled 'anxious'" in " ".join(corpus.notes)
    assert "skipped 4 row(s) labelled 'worried'" in " ".join(corpus.notes)
    _config(root, labels={"anxious": "fear"}, exclude_labels=["worried"])
    labels = {it.label for it in Cheavd.locate(root).items()}
    assert labels == {"anger", "happiness", "fear", "sadness"}


def test_chinese_anxious_gets_the_same_hint(tmp_path):
    root = write_cheavd(tmp_path, labels=("焦虑",))
    with pytest.raises(LabelError, match="'焦虑' has no canonical emotion"):
        Cheavd.locate(root).items()


def test_missing_column_names_the_table_and_the_columns_present(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "val.csv", ["path", "emotion"], [["val/spk03_000.avi", "angry"]])
    with pytest.raises(CorpusError, match=r"val\.csv: no file column 'file'; columns present: 'path', 'emotion'"):
        Cheavd.locate(root).items()


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


def test_wrong_encoding_suggests_the_setting(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "test.csv", ["file", "label"], [["test/spk04_000.avi", "愤怒"]], encoding="gbk")
    with pytest.raises(CorpusError, match=r"test\.csv: not readable as utf-8-sig .*set \"encoding\""):
        Cheavd.locate(root).items()


def test_missing_media_and_unknown_split_name_the_row(tmp_path):
    root = write_cheavd(tmp_path)
    write_table(root / "cheavd" / "test.csv", ["file", "label"], [["test/spk04_000.avi", "sad"],
                                                                  ["test/gone.avi", "sad"]])
    with pytest.raises(CorpusError, match=r"test\.csv, line 3: media file .*gone\.avi not found"):
        Cheavd.locate(root).items()
    for split in ("train", "val", "test"):
        (root / "cheavd" / f"{split}.csv").unlink()
    write_table(root / "cheavd" / "labels.csv", ["file", "label", "split"], [["test/spk04_000.avi", "sad", "holdout"]])
    with pytest.raises(CorpusError, match=r"labels\.csv, line 2: unknown split 'holdout'"):
        Cheavd.locate(root).items()


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


def test_missing_corpus_names_the_layout(tmp_path):
    (tmp_path / "cheavd").mkdir()
    with pytest.raises(CorpusNotFound, match=r"cheavd/train\.csv val\.csv test\.csv"):
        Cheavd.locate(tmp_path)


def test_corrupt_clip_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_cheavd(tmp_path)
    (root / "cheavd" / "test" / "spk04_002.avi").write_bytes(b"RIFF1234AVI LIST")
    assert main(["corpora", "check", "cheavd", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "official split: test 7, train 14, valid 7" in out
    problem = out[out.index("PROBLEM:"):]
    assert "spk04_002.avi: " in problem and "spk04_001" not in problem
