"""The OMG-Emotion adapter: challenge CSVs, the download script's clip folders, missing clips, bad rows."""

from __future__ import annotations

import pytest
from layouts.omg import HEADER, SPLITS, csv_text, write

from harness.corpora.omg import OMGEmotion
from harness.errors import CorpusError, CorpusNotFound


def placeholder_layout(root, folders=None, rows=None, missing=()):
    """CSVs as distributed and placeholder clips (the adapter does not decode them)."""
    base = root / "omg"
    base.mkdir(parents=True, exist_ok=True)
    for name, (folder, split_rows) in SPLITS.items():
        folder = (folders or {}).get(name, folder)
        split_rows = (rows or {}).get(name, split_rows)
        (base / name).write_text(csv_text(split_rows))
        for video, n, *_ in split_rows:
            if (video, n) not in missing:
                clip = base / folder / video / f"utterance_{n}.mp4"
                clip.parent.mkdir(parents=True, exist_ok=True)
                clip.write_bytes(b"clip")
    return root


def test_items_labels_dims_splits_and_speakers(tmp_path):
    corpus = OMGEmotion.locate(write(tmp_path))
    items = {it.id: it for it in corpus.items()}
    assert sorted(items) == ["v1/utterance_1", "v1/utterance_2", "v2/utterance_1", "v2/utterance_2",
                             "v3/utterance_1", "v3/utterance_2", "v4/utterance_1"]
    expected = {"v1/utterance_1": ("anger", 0.2, -0.5), "v1/utterance_2": ("happiness", 0.7, 0.6),
                "v2/utterance_1": ("sadness", 0.1, -0.8), "v2/utterance_2": ("surprise", 0.9, 0.1),
                "v3/utterance_1": ("disgust", 0.5, -0.2), "v3/utterance_2": ("fear", 0.3, -0.4),
                "v4/utterance_1": ("happiness", 0.6, 0.3)}
    for key, (label, arousal, valence) in expected.items():
        assert (items[key].label, items[key].dims) == (label, {"arousal": arousal, "valence": valence})
    assert {k: it.split for k, it in items.items() if k.startswith(("v2", "v3", "v4"))} == {
        "v2/utterance_1": "train", "v2/utterance_2": "train", "v3/utterance_1": "valid",
        "v3/utterance_2": "valid", "v4/utterance_1": "test"}
    assert all(it.speaker == it.id.split("/")[0] == it.meta["video"] for it in items.values())
    clip = items["v3/utterance_2"].media["audio"]
    assert clip == items["v3/utterance_2"].media["visual"] == corpus.root / "validation" / "v3" / "utterance_2.mp4"
    assert items["v1/utterance_2"].meta["link"] == "https://www.youtube.com/watch?v=yt_v1"
    assert corpus.summary()["labels"] == {"anger": 1, "disgust": 1, "fear": 1, "happiness": 2, "sadness": 1,
                                          "surprise": 1}


def test_missing_clips_are_left_out_with_a_count(tmp_path):
    root = placeholder_layout(tmp_path, missing={("v1", 3), ("v2", 2), ("v3", 1)})
    corpus = OMGEmotion.locate(root)
    assert len(corpus.items()) == 5
    assert "omg_TrainVideos.csv: 2 of 5 row(s) have no clip" in corpus.notes[0]
    assert "v1/utterance_3.mp4, v2/utterance_2.mp4" in corpus.notes[0]
    assert "omg_ValidationVideos.csv: 1 of 2 row(s) have no clip" in corpus.notes[1]


def test_no_clip_at_all_is_a_clear_error(tmp_path):
    base = tmp_path / "omg"
    base.mkdir()
    (base / "omg_TrainVideos.csv").write_text(csv_text(SPLITS["omg_TrainVideos.csv"][1]))
    with pytest.raises(CorpusError, match=r"none of the 5 clips listed.*train/v1/utterance_1\.mp4.*prepare_data\.py"):
        OMGEmotion.locate(tmp_path).items()


@pytest.mark.parametrize("folders", [
    {"omg_TrainVideos.csv": "Videos/Train", "omg_ValidationVideos.csv": "Videos/Validation",
     "omg_TestVideos_WithLabels.csv": "Videos/Test"},
    {"omg_TrainVideos.csv": "Train", "omg_ValidationVideos.csv": "val", "omg_TestVideos_WithLabels.csv": "Test"},
    {"omg_TrainVideos.csv": ".", "omg_ValidationVideos.csv": ".", "omg_TestVideos_WithLabels.csv": "."},
    {"omg_TrainVideos.csv": "omg_Train", "omg_ValidationVideos.csv": "omg_Val",
     "omg_TestVideos_WithLabels.csv": "omg_Test_TMP/omg_Test"},
    {"omg_TrainVideos.csv": "train_data", "omg_ValidationVideos.csv": "Validation_Set",
     "omg_TestVideos_WithLabels.csv": "test_data"},
    {"omg_TrainVideos.csv": "OMG_preprocessed/train", "omg_ValidationVideos.csv": "OMG_preprocessed/validation",
     "omg_TestVideos_WithLabels.csv": "omg_Test"},
])
def test_clip_folder_variants_of_the_download_script(tmp_path, folders):
    corpus = OMGEmotion.locate(placeholder_layout(tmp_path, folders=folders))
    items = corpus.items()
    assert len(items) == 8 and not corpus.notes
    assert {it.split for it in items} == {"train", "valid", "test"}


def test_an_unknown_code_keeps_the_dimensions_with_label_none(tmp_path):
    rows = {"omg_ValidationVideos.csv": [("v3", 1, 0.5, -0.2, 1), ("v3", 2, 0.3, -0.4, 7)]}
    corpus = OMGEmotion.locate(placeholder_layout(tmp_path, rows=rows))
    item = {it.id: it for it in corpus.items()}["v3/utterance_2"]
    assert item.label is None and item.dims == {"arousal": 0.3, "valence": -0.4}
    assert item.meta["note"].endswith("omg_ValidationVideos.csv:3: EmotionMaxVote '7' is no OMG code (0-6): label None")
    assert len(corpus.log.inferred) == 1


def test_code_written_as_float_is_accepted(tmp_path):
    rows = {"omg_ValidationVideos.csv": [("v3", 1, 0.5, -0.2, "4.0"), ("v3", 2, 0.3, -0.4, 2)]}
    items = {it.id: it for it in OMGEmotion.locate(placeholder_layout(tmp_path, rows=rows)).items()}
    assert items["v3/utterance_1"].label == "neutral"


def test_unlabelled_test_csvs_are_noted_not_read(tmp_path):
    root = placeholder_layout(tmp_path)
    base = root / "omg"
    (base / "omg_TestVideos_WithLabels.csv").unlink()
    (base / "omg_TestVideos.csv").write_text("link,start,end,video,utterance\nhttp://y,0,1,v4,utterance_1.mp4\n")
    (base / "omg_TestVideos_WithoutLabels.csv").write_text("link,start,end,video,utterance\n")
    corpus = OMGEmotion.locate(root)
    assert {it.split for it in corpus.items()} == {"train", "valid"}
    notes = "\n".join(corpus.notes)
    assert "not read: omg_TestVideos.csv (no label columns" in notes
    assert "not read: omg_TestVideos_WithoutLabels.csv" in notes


def test_test_csv_with_labels_under_the_short_name_is_read(tmp_path):
    root = placeholder_layout(tmp_path)
    base = root / "omg"
    (base / "omg_TestVideos_WithLabels.csv").rename(base / "omg_TestVideos.csv")
    items = OMGEmotion.locate(root).items()
    assert [it.id for it in items if it.split == "test"] == ["v4/utterance_1"]


def test_bad_values_are_dropped_and_malformed_rows_skipped_naming_csv_and_line(tmp_path):
    root = placeholder_layout(tmp_path)
    path = root / "omg" / "omg_TrainVideos.csv"
    good = path.read_text()
    path.write_text(good.replace(",0.9,0.1,6", ",1.4,0.1,6").replace(",0.1,-0.8,5", ",0.1,n/a,5"))
    corpus = OMGEmotion.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 8
    assert items["v2/utterance_2"].dims == {"valence": 0.1} and items["v2/utterance_2"].label == "surprise"
    assert "omg_TrainVideos.csv:6: arousal 1.4 outside the OMG-Emotion range [0, 1]: dropped" in \
        items["v2/utterance_2"].meta["note"]
    assert items["v2/utterance_1"].dims == {"arousal": 0.1} and "valence 'n/a' is not a number" in \
        items["v2/utterance_1"].meta["note"]
    path.write_text(good.replace(",0.1,-0.8,5", ",0.1,-0.8").replace(",0.9,0.1,6", ",n/a,7,9"))
    corpus = OMGEmotion.locate(root)
    assert len(corpus.items()) == 6
    skipped = {where.rsplit("/", 1)[1]: why for where, why in corpus.log.skipped}
    assert skipped["omg_TrainVideos.csv:5"] == "7 fields, the header has 8"
    assert skipped["omg_TrainVideos.csv:6"].startswith("neither a label nor a dimension can be read")
    path.write_text(good.replace(HEADER, "link,start,end,video,utterance,arousal,valence"))
    corpus = OMGEmotion.locate(root)
    assert {it.split for it in corpus.items()} == {"valid", "test"}
    assert any(n.startswith("not read: omg_TrainVideos.csv (no column(s) emotionmaxvote") for n in corpus.notes)


def test_an_utterance_listed_twice_with_two_labels_is_skipped_naming_both(tmp_path):
    rows = {"omg_ValidationVideos.csv": [("v3", 1, 0.5, -0.2, 1), ("v1", 2, 0.3, -0.4, 2)]}
    root = placeholder_layout(tmp_path, rows=rows)
    corpus = OMGEmotion.locate(root)
    assert "v1/utterance_2" not in {it.id for it in corpus.items()} and len(corpus.items()) == 6
    assert any(n.startswith("1 utterance(s) listed twice in the CSVs") and "omg_TrainVideos.csv:3 and "
               "omg_ValidationVideos.csv:3" in n for n in corpus.notes)
    reasons = [why for _, why in corpus.log.skipped if "appears as" in why]
    assert len(reasons) == 2 and "happiness/v1" in reasons[0] and "fear/v1" in reasons[0]


def test_empty_video_folders_zero_length_clips_and_stray_files_are_reported(tmp_path):
    root = placeholder_layout(tmp_path, missing={("v1", 3), ("v2", 1), ("v2", 2)})
    base = root / "omg"
    (base / "train" / "v2").mkdir()  # created before the download, which failed
    (base / "train" / "v1" / "utterance_1.mp4").write_bytes(b"")  # a failed cut
    (base / "train" / "v1" / "utterance_3.mp4.part").write_bytes(b"x")
    (base / "train" / "v1" / "utterance_9.mp4").write_bytes(b"x")  # no row lists it
    (base / "train" / "youtube_videos_temp").mkdir()
    (base / "train" / "youtube_videos_temp" / "v1.mp4").write_bytes(b"x")
    (base / "omg_TrainTranscripts.csv").write_text("link,video,utterance,transcript\n")
    (base / "DetailedAnnotation" / "validation" / "v3" / "utterance_1.mp4").mkdir(parents=True)
    (base / "prepare_data.py").write_text("")
    (base / ".DS_Store").write_bytes(b"\0")
    corpus = OMGEmotion.locate(root)
    items = {it.id for it in corpus.items()}
    assert items == {"v1/utterance_2", "v3/utterance_1", "v3/utterance_2", "v4/utterance_1"}
    skipped = [(where.rsplit("/", 2)[-2:], why) for where, why in corpus.log.skipped]
    assert (["v1", "utterance_1.mp4"], f"zero-length clip ({base / 'omg_TrainVideos.csv'}:2; a failed download or "
                                       "cut)") in skipped
    assert sum("no clip" in why for _, why in corpus.log.skipped) == 3
    assert "1 empty video folder(s)" in "\n".join(corpus.notes) and "train/v2" in "\n".join(corpus.notes)
    assert corpus.log.summary()["ignored"] == {
        "archiver junk (__MACOSX, .DS_Store, ._*)": 1, "clips no CSV row lists": 1,
        "files and folders not read (transcripts, DetailedAnnotation/, scripts, full downloads)": 4,
        "partial downloads (*.part)": 1}


def test_the_repository_with_its_clips_is_found_inside_a_wrapper(tmp_path):
    placeholder_layout(tmp_path / "omg")
    (tmp_path / "omg" / "omg").rename(tmp_path / "omg" / "OMGEmotionChallenge-master")
    (tmp_path / "omg" / "download-notes.txt").write_text("x")
    corpus = OMGEmotion.locate(tmp_path)
    assert corpus.root == tmp_path / "omg" / "OMGEmotionChallenge-master" and len(corpus.items()) == 8


def test_video_ids_sharing_a_youtube_link_share_a_speaker(tmp_path):
    root = placeholder_layout(tmp_path)
    path = root / "omg" / "omg_ValidationVideos.csv"
    path.write_text(path.read_text().replace("yt_v3", "yt_v2"))
    corpus = OMGEmotion.locate(root)
    speakers = {it.id: it.speaker for it in corpus.items()}
    assert speakers["v3/utterance_1"] == speakers["v2/utterance_1"] == "v2"
    notes = "\n".join(corpus.notes)
    assert "1 YouTube link(s) appear under several video ids" in notes and "(v2, v3)" in notes
    assert "1 speaker(s) (videos) occur in more than one official split" in notes


def test_folder_without_csvs_is_not_found_with_the_layouts(tmp_path):
    (tmp_path / "omg" / "train" / "v1").mkdir(parents=True)
    with pytest.raises(CorpusNotFound, match=r"omg/omg_TrainVideos\.csv") as err:
        OMGEmotion.locate(tmp_path)
    text = str(err.value)
    assert "corpus 'omg' not found" in text and "prepare_data.py" in text
    assert "Layouts read:\n  - omg/omg_TrainVideos.csv" in text and "omg_Test_TMP/omg_Test/" in text
    assert "OMGEmotionChallenge-master/" in text
