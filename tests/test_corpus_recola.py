"""The RECOLA adapter: AVEC 2016 package (gold-standard series, splits, media, provided features, bad ARFF,
nested copies) and the original release (mean of the raters)."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest
from layouts.recola import (
    FRAMES,
    ORIGINAL_MEAN,
    RECORDINGS,
    curve,
    gold_arff,
    write,
    write_gold,
    write_original,
    write_recording,
)

from harness.corpora.recola import STEP, Recola, feature_file, read_arff
from harness.errors import CorpusError, CorpusNotFound


@pytest.fixture
def root(tmp_path):
    return write(tmp_path)


def gold_file(root, rec, dim="arousal"):
    return root / "recola" / "ratings_gold_standard" / dim / f"{rec}.arff"


def test_items_speakers_splits_and_series(root):
    corpus = Recola.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert sorted(items) == sorted(RECORDINGS)
    assert {it.split for it in items.values()} == {"train", "dev"}
    assert [i for i, it in items.items() if it.split == "dev"] == ["dev_1", "dev_2"]
    assert all(it.speaker == it.id and it.label is None and it.dims == {} for it in items.values())
    for index, rec in enumerate(RECORDINGS):
        it = items[rec]
        assert it.series_step == STEP == 0.04
        assert set(it.series) == {"arousal", "valence"}
        for dim in ("arousal", "valence"):
            assert len(it.series[dim]) == FRAMES
            assert np.allclose(it.series[dim], curve(index, dim), atol=1e-6)
        assert it.meta["frames"] == str(FRAMES) and it.meta["duration_s"] == "1.00"
    assert items["train_1"].media["visual"].name == "train_1.mp4"
    assert "visual" not in items["dev_1"].media
    assert all(it.media["audio"].name == f"{it.id}.wav" for it in items.values())


def test_test_recordings_are_left_out_with_a_count_and_unread_folders_noted(root):
    corpus = Recola.locate(root)
    corpus.items()
    notes = "\n".join(corpus.notes)
    assert "left out 1 test recording(s) without gold standard" in notes and "test_1" in notes
    assert "ratings_individual/" in notes


def test_provided_feature_paths_are_recorded_relative_and_resolve(root):
    corpus = Recola.locate(root)
    it = next(it for it in corpus.items() if it.id == "dev_2")
    assert it.meta["features_audio/arousal"] == "features_audio/arousal/dev_2.arff"
    assert it.meta["features_audio/valence"] == "features_audio/valence/dev_2.arff"
    path = feature_file(it, "features_audio/valence")
    assert path == corpus.root / "features_audio" / "valence" / "dev_2.arff" and path.is_file()
    assert feature_file(it, "features_audio/arousal", root=corpus.root).is_file()
    with pytest.raises(CorpusError, match="no provided features 'features_video_geometric/arousal'"):
        feature_file(it, "features_video_geometric/arousal")


def test_fingerprint_does_not_depend_on_where_the_corpus_lies(root, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(root / "recola", moved / "recola")
    assert Recola.locate(root).fingerprint() == Recola.locate(moved).fingerprint()


def test_feature_file_missing_for_some_recordings_is_noted(root):
    (root / "recola" / "features_audio" / "arousal" / "train_2.arff").unlink()
    corpus = Recola.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert "features_audio/arousal" not in items["train_2"].meta
    assert any("features_audio/arousal: no file for 1 of 4 recording(s): train_2" in n for n in corpus.notes)


def test_grouped_copy_one_level_deeper_gives_the_same_items(root, tmp_path):
    flat = Recola.locate(root).items()
    base = tmp_path / "grouped" / "RECOLA_2016"
    src = root / "recola"
    shutil.copytree(src / "ratings_gold_standard", base / "ratings" / "ratings_gold_standard")
    shutil.copytree(src / "recordings_audio", base / "recordings" / "recordings_audio")
    shutil.copytree(src / "recordings_video", base / "recordings" / "recordings_video")
    shutil.copytree(src / "features_audio", base / "features" / "features_audio")
    grouped = Recola.locate(tmp_path / "grouped")
    items = grouped.items()
    assert [(it.id, it.split, sorted(it.media), it.series) for it in items] == \
           [(it.id, it.split, sorted(it.media), it.series) for it in flat]
    assert items[0].meta["features_audio/arousal"] == "features/features_audio/arousal/dev_1.arff"
    assert feature_file(items[0], "features_audio/arousal").is_file()
    assert not any("feature folder" in n for n in grouped.notes)


def test_test_gold_standard_when_present_is_read_as_test_split(root):
    write_gold(root / "recola", "test_1", 5)
    items = {it.id: it for it in Recola.locate(root).items()}
    assert items["test_1"].split == "test" and len(items["test_1"].series["valence"]) == FRAMES


def test_recordings_and_gold_standards_without_each_other_are_noted(root):
    write_recording(root / "recola", "train_3", 6)
    write_gold(root / "recola", "train_4", 7)
    corpus = Recola.locate(root)
    assert len(corpus.items()) == 4
    notes = "\n".join(corpus.notes)
    assert "left out 1 train/dev recording(s) without a readable gold-standard file" in notes and "train_3" in notes
    assert "left out 1 recording(s) with a gold standard but neither" in notes and "train_4" in notes


def test_missing_folder_is_not_found_with_the_layouts(tmp_path):
    (tmp_path / "recola" / "recordings_audio").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"ratings_gold_standard/\{arousal,valence\}/train_1\.arff") as err:
        Recola.locate(tmp_path)
    text = str(err.value)
    assert "corpus 'recola' not found" in text and "Layouts read:\n  - recola/ratings_gold_standard/" in text
    assert "ratings_gold_standard/ratings_gold_standard/arousal/" in text
    assert "RECOLA-Annotation/emotional_behaviour/{arousal,valence}/P16.csv" in text


def _skipped(corpus, rec):
    """The reasons the recording's gold-standard files were skipped for."""
    return [why for path, why in corpus.log.skipped if path.endswith(f"{rec}.arff")]


def test_a_malformed_arff_skips_its_recording_naming_file_and_line(root):
    path = gold_file(root, "train_2")
    lines = path.read_text().splitlines()
    data_start = lines.index("@data") + 2
    lines[data_start + 3] = "'train_2',0.12"
    path.write_text("\n".join(lines) + "\n")
    corpus = Recola.locate(root)
    items = {it.id: it for it in corpus.items()}
    # the valence file still is read: the recording is kept with valence only, noted
    assert set(items["train_2"].series) == {"valence"} and "only valence read" in items["train_2"].meta["note"]
    [why] = _skipped(corpus, "train_2")
    assert why.startswith("gold standard not read: ") and \
        f"train_2.arff:{data_start + 4}: 2 values, but the header declares 3" in why
    lines[data_start + 3] = "'train_2',0.12,high"
    path.write_text("\n".join(lines) + "\n")
    gold_file(root, "train_2", "valence").write_text(path.read_text())
    corpus = Recola.locate(root)
    assert "train_2" not in {it.id for it in corpus.items()} and len(corpus.items()) == 3
    assert all(f"train_2.arff:{data_start + 4}: attribute 'GoldStandard' is numeric but the value is 'high'" in why
               for why in _skipped(corpus, "train_2")) and len(_skipped(corpus, "train_2")) == 2
    assert any("left out 1 train/dev recording(s) without a readable gold-standard file" in n and "train_2" in n
               for n in corpus.notes)


def test_a_file_without_data_section_or_attribute_is_skipped(root):
    path = gold_file(root, "dev_1", "valence")
    path.write_text("@relation x\n@attribute frameTime numeric\n")
    corpus = Recola.locate(root)
    assert set({it.id: it for it in corpus.items()}["dev_1"].series) == {"arousal"}
    assert "valence/dev_1.arff: no @data section" in _skipped(corpus, "dev_1")[0]
    path.write_text("@relation x\n@attribute frameTime numeric\n@attribute Value numeric\n@data\n0.0,1\n")
    corpus = Recola.locate(root)
    corpus.items()
    assert re.search(r"valence/dev_1\.arff: no attribute 'GoldStandard'.*frameTime, Value", _skipped(corpus, "dev_1")[0])


def test_uneven_frame_times_are_skipped_naming_file_and_line(root):
    path = gold_file(root, "dev_2", "valence")
    times = [i * 0.04 for i in range(FRAMES)]
    times[7] = 0.30  # 0.28 expected
    path.write_text(gold_arff("dev_2", curve(3, "valence"), times))
    line = path.read_text().splitlines().index("'dev_2',0.30,{:.6f}".format(curve(3, "valence")[7])) + 1
    corpus = Recola.locate(root)
    corpus.items()
    assert f"dev_2.arff:{line}: frameTime 0.3 s where 0.28 s was expected" in _skipped(corpus, "dev_2")[0]


def test_a_series_not_starting_at_zero_is_skipped(root):
    path = gold_file(root, "train_1")
    path.write_text(gold_arff("train_1", curve(0, "arousal"), [0.04 * (i + 1) for i in range(FRAMES)]))
    corpus = Recola.locate(root)
    corpus.items()
    assert re.search(r"train_1\.arff:\d+: frameTime 0\.04 s where 0\.00 s was expected", _skipped(corpus, "train_1")[0])


def test_arousal_and_valence_of_different_length_are_kept_on_their_common_frames(root):
    gold_file(root, "dev_1", "valence").write_text(gold_arff("dev_1", curve(2, "valence", FRAMES - 1)))
    corpus = Recola.locate(root)
    item = {it.id: it for it in corpus.items()}["dev_1"]
    assert {d: len(v) for d, v in item.series.items()} == {"arousal": FRAMES - 1, "valence": FRAMES - 1}
    assert item.meta["frames"] == str(FRAMES - 1)
    assert f"arousal {FRAMES}, valence {FRAMES - 1} frames): read on their {FRAMES - 1} common frames" in \
        item.meta["note"]
    assert [p.endswith("dev_1.wav") for p, _ in corpus.log.inferred] == [True]


def test_a_missing_counterpart_dimension_keeps_the_other(root):
    gold_file(root, "train_2", "valence").unlink()
    corpus = Recola.locate(root)
    item = {it.id: it for it in corpus.items()}["train_2"]
    assert set(item.series) == {"arousal"} and "no valence gold standard" in item.meta["note"]


def test_a_missing_gold_standard_value_is_skipped(root):
    path = gold_file(root, "train_1", "valence")
    path.write_text(path.read_text().replace("'train_1',0.08,", "'train_1',0.08,?\n%", 1))
    corpus = Recola.locate(root)
    corpus.items()
    assert re.search(r"valence/train_1\.arff:\d+: missing or non-finite", _skipped(corpus, "train_1")[0])


def test_no_readable_gold_standard_at_all_is_an_error(root):
    for rec in RECORDINGS:
        for dim in ("arousal", "valence"):
            gold_file(root, rec, dim).write_text("not arff")
    with pytest.raises(CorpusError, match=r"no readable gold-standard file <split>_<n>\.arff .*8 unreadable"):
        Recola.locate(root).items()


def test_doubled_folders_and_wrappers_are_read(root, tmp_path):
    flat = [(it.id, it.series) for it in Recola.locate(root).items()]
    base = tmp_path / "copy" / "AVEC2016" / "RECOLA_2016"
    src = root / "recola"
    shutil.copytree(src / "ratings_gold_standard", base / "ratings_gold_standard" / "ratings_gold_standard")
    shutil.copytree(src / "recordings_audio", base / "recordings_audio" / "recordings_audio")
    (base / "readme.txt").write_text("AVEC 2016")
    (tmp_path / "copy" / "AVEC2016" / "baseline_scripts").mkdir()
    corpus = Recola.locate(tmp_path / "copy")
    assert base.is_relative_to(corpus.root) and [(it.id, it.series) for it in corpus.items()] == flat


def test_stray_files_are_ignored_and_counted(root):
    base = root / "recola"
    (base / "ratings_gold_standard" / "arousal" / "train_all.arff").write_text("@relation x\n")
    (base / "ratings_gold_standard" / "valence" / "._train_1.arff").write_bytes(b"\0")
    (base / "recordings_audio" / "train_1_16k.wav").write_bytes(b"RIFF")
    (base / "recordings_audio" / "readme.txt").write_text("x")
    shutil.copyfile(base / "recordings_video" / "train_1.mp4", base / "recordings_video" / "train_1.avi")
    (base / "ratings_individual_centred").mkdir()
    corpus = Recola.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 4 and items["train_1"].media["visual"].name == "train_1.mp4"
    assert corpus.log.summary()["ignored"] == {
        "archiver junk (__MACOSX, .DS_Store, ._*)": 1,
        "files among the recordings that are not recordings (<split>_<n>.wav/.mp4/.avi)": 2,
        "files in the gold-standard folders that are not <split>_<n>.arff (train_all.arff, ...)": 1}
    assert corpus.log.summary()["duplicates"] == {"identical": 1, "different": 0}
    assert any("ratings_individual_centred/" in n for n in corpus.notes)


def test_the_original_release_is_read_with_the_mean_of_the_raters(tmp_path):
    write_original(tmp_path, participants=("P16", "P17", "P19"))
    base = tmp_path / "RECOLA"
    (base / "RECOLA-Audio-recordings" / "P19.wav").unlink()
    corpus = Recola.locate(tmp_path)
    items = {it.id: it for it in corpus.items()}
    assert sorted(items) == ["P16", "P17"] and items["P16"].speaker == "P16" and items["P16"].split is None
    p16 = items["P16"]
    assert p16.series_step == 0.04 and len(p16.series["arousal"]) == FRAMES
    assert np.allclose(p16.series["arousal"], ORIGINAL_MEAN["arousal"], atol=1e-5) and \
        np.allclose(p16.series["valence"], ORIGINAL_MEAN["valence"], atol=1e-5)
    assert p16.meta["raters"] == "FF1 FF2 FF3 FM1 FM2 FM3" and p16.meta["gold"].startswith("mean of the raters")
    notes = "\n".join(corpus.notes)
    assert "left out 1 participant(s) with ratings but no file" in notes and "P19" in notes
    assert "not the AVEC 2016 gold standard" in notes and corpus.check_counts() == []


def test_the_original_release_skips_unreadable_ratings(tmp_path):
    write_original(tmp_path, participants=("P16", "P17"))
    ann = tmp_path / "RECOLA" / "RECOLA-Annotation" / "emotional_behaviour"
    (ann / "valence" / "P17.csv").write_text("time;FM1 ;FM2\n0.00;x;0.1\n")
    (ann / "arousal" / "notes.txt").write_text("x")
    corpus = Recola.locate(tmp_path)
    items = {it.id: it for it in corpus.items()}
    assert set(items["P17"].series) == {"arousal"} and "only arousal read" in items["P17"].meta["note"]
    [(path, why)] = corpus.log.skipped
    assert path.endswith("valence/P17.csv") and "P17.csv:2: not numbers" in why
    assert corpus.log.summary()["ignored"] == {"files in the annotation folders that are not P<n>.csv": 1}


def test_arff_reader_handles_quotes_comments_and_missing_values(tmp_path):
    path = tmp_path / "x.arff"
    path.write_text("% a comment\n@RELATION 'r r'\n\n@ATTRIBUTE 'the name' STRING\n@attribute frameTime REAL\n"
                    "@attribute cls {a,b}\n@DATA\n% rows\n'a, b',0.5,a\n\"c\\\"d\", ?, b\n")
    table = read_arff(path)
    assert table.relation == "r r" and table.names == ["the name", "frameTime", "cls"]
    assert table.types == ["string", "real", "nominal"]
    assert table.rows == [["a, b", 0.5, "a"], ['c"d', None, "b"]]
    assert table.lines == [9, 10]
    path.write_text("@relation r\n@attribute a numeric\n@data\n{0 1}\n")
    with pytest.raises(CorpusError, match=r"x\.arff:4: sparse ARFF rows are not supported"):
        read_arff(path)
    path.write_text("@relation r\n@attribute a string\n@data\n'open\n")
    with pytest.raises(CorpusError, match=r"x\.arff:4: unterminated quoted value"):
        read_arff(path)
    path.write_bytes(b"@relation r\n@attribute a string\n@data\n'\xff\xfe'\n")
    with pytest.raises(CorpusError, match=r"x\.arff:4: not a text \(UTF-8\) ARFF file"):
        read_arff(path)
