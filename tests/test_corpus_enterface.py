"""The eNTERFACE'05 adapter: distributed layout, its known irregularities, bad input."""

from __future__ import annotations

import shutil

import pytest
from layouts.enterface import clip, write_enterface

from harness.cli.commands import main
from harness.corpora.enterface import Enterface
from harness.data.audio import load_audio
from harness.errors import CorpusNotFound


def test_items_speakers_labels(tmp_path):
    corpus = Enterface.locate(write_enterface(tmp_path, subjects=(1, 2, 10), sentences=(1, 2)))
    items = corpus.items()
    assert len(items) == 3 * 6 * 2
    assert {it.speaker for it in items} == {"1", "2", "10"}
    assert {it.label for it in items} == {"anger", "disgust", "fear", "happiness", "sadness", "surprise"}
    item = {it.id: it for it in items}["s10_ha_2"]
    assert item.label == "happiness" and item.speaker == "10" and item.meta == {"sentence": "2"}
    assert item.media["audio"] == item.media["visual"]
    assert item.media["audio"].name == "s10_ha_2.avi"
    assert all(it.split is None for it in items) and Enterface.splits == ()
    assert Enterface.labels == ("anger", "disgust", "fear", "happiness", "sadness", "surprise")


def test_audio_track_of_the_avi_loads(tmp_path):
    item = Enterface.locate(write_enterface(tmp_path, subjects=(1,))).items()[0]
    signal, notes = load_audio(item.media["audio"], 16000)
    assert signal.size == 4800 and signal.std() > 0.01 and notes == []


def test_archive_irregularities_are_read_and_noted(tmp_path):
    root = write_enterface(tmp_path, subjects=(3, 6, 11, 16), sentences=(1, 2))
    base = root / "enterface05"
    # subject 6: files directly in the emotion folders, no sentence sub-folders
    for emotion_dir in (base / "subject 6").iterdir():
        for sentence_dir in list(emotion_dir.iterdir()):
            for f in sentence_dir.iterdir():
                f.rename(emotion_dir / f.name)
            sentence_dir.rmdir()
    # subject 11: files carry subject 12's number
    for f in (base / "subject 11").rglob("*.avi"):
        f.rename(f.with_name(f.name.replace("s11_", "s12_")))
    # typos: s_ prefix, junk after the sentence, upper-case extension
    for f in (base / "subject 3").rglob("*.avi"):
        f.rename(f.with_name(f.name.replace("s3_", "s_3_")))
    su3 = base / "subject 16" / "surprise" / "sentence 2"
    (su3 / "s16_su_2.avi").rename(su3 / "s16_su_2avi.avi")
    fe1 = base / "subject 16" / "fear" / "sentence 1"
    (fe1 / "s16_fe_1.avi").rename(fe1 / "s16_fe_1.AVI")
    (fe1 / "Thumbs.db").write_bytes(b"\0")
    (base / "subject 16" / "readme.txt").write_text("x")
    (base / "subject 16" / "anger" / "sentence 2" / "s16_an_2.avi").unlink()

    corpus = Enterface.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 4 * 12 - 1
    assert {it.speaker for it in items.values()} == {"3", "6", "11", "16"}
    # subject 6 read from the file names, under speaker 6
    assert items["s6_sa_2"].speaker == "6" and items["s6_sa_2"].label == "sadness"
    assert items["s6_sa_2"].media["audio"].parent.name == "sadness"
    # subject 11 trusted over the s12 names; subject 12 does not appear
    assert items["s11_di_1"].speaker == "11" and items["s11_di_1"].meta["file_subject"] == "12"
    assert "s12_di_1" not in items
    assert items["s3_ha_2"].media["audio"].name == "s_3_ha_2.avi"
    assert items["s16_su_2"].label == "surprise" and items["s16_fe_1"].label == "fear"

    notes = "\n".join(corpus.notes)
    assert "subject 6: 12 recording(s) directly in the emotion folders" in notes
    assert "12 file(s) carry another subject's number" in notes and "subject 11 folder holds 12 named s12_*" in notes
    assert "other than 30 recordings: 3 (12), 6 (12), 11 (12), 16 (11)" in notes
    # every irregular file kept is in the reading log and carries the note: 12 s_3_ + 3avi + .AVI,
    # 12 files named for subject 12, 12 of subject 6 without sentence folders
    inferred = dict(corpus.log.inferred)
    assert len(inferred) == 38
    assert inferred[str(su3 / "s16_su_2avi.avi")] == "irregular file name 's16_su_2avi.avi', read by its folders"
    assert items["s3_ha_2"].meta["note"] == "irregular file name 's_3_ha_2.avi', read by its folders"
    assert items["s11_di_1"].meta["note"] == "file named for subject 12; the folder subject 11 is trusted"
    assert "directly in the emotion folder" in items["s6_sa_2"].meta["note"]
    assert "note" not in items["s16_an_1"].meta
    assert corpus.log.summary()["ignored"] == {"archiver junk (__MACOSX, Thumbs.db, ._*)": 1,
                                               "files that are not recordings (text, images, ...)": 1}
    assert corpus.log.skipped == []


def test_a_subject_folder_holding_copies_of_another_subject_is_not_read_twice(tmp_path):
    root = write_enterface(tmp_path, subjects=(11, 12))
    base = root / "enterface05"
    for f in (base / "subject 11").rglob("*.avi"):
        f.rename(f.with_name(f.name.replace("s11_", "s12_")))
    shutil.copyfile(base / "subject 11" / "anger" / "sentence 1" / "s12_an_1.avi",
                    base / "subject 11" / "fear" / "sentence 1" / "s12_fe_1.avi")  # other bytes: kept as 11
    corpus = Enterface.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert [i for i in items if i.startswith("s11_")] == ["s11_fe_1"] and len(items) == 7
    assert corpus.log.summary()["duplicates"] == {"identical": 5, "different": 0}
    assert "subject 11: 5 file(s) are byte-identical copies" in "\n".join(corpus.notes)


def test_a_file_naming_another_sentence_than_its_folder_is_kept_by_the_folder(tmp_path):
    root = write_enterface(tmp_path, subjects=(2,), sentences=(1, 2))
    anger = root / "enterface05" / "subject 2" / "anger"
    (anger / "sentence 1" / "s2_an_1.avi").rename(anger / "sentence 1" / "x.avi")
    (anger / "sentence 2" / "s2_an_2.avi").rename(anger / "sentence 1" / "s2_an_2.avi")
    (anger / "sentence 1" / "x.avi").rename(anger / "sentence 2" / "s2_an_1.avi")
    items = {it.id: it for it in Enterface.locate(root).items()}
    assert items["s2_an_1"].media["audio"].name == "s2_an_2.avi" and items["s2_an_1"].meta["sentence"] == "1"
    assert "file name says sentence 2; the folder sentence 1 is trusted" in items["s2_an_1"].meta["note"]


def test_unsegmented_file_without_sentence_number_gets_an_id(tmp_path):
    root = write_enterface(tmp_path, subjects=(6,))
    anger = root / "enterface05" / "subject 6" / "anger"
    (anger / "sentence 1" / "s6_an_1.avi").rename(anger / "s6_an.avi")
    (anger / "sentence 1").rmdir()
    items = {it.id: it for it in Enterface.locate(root).items()}
    assert items["s6_an"].label == "anger" and "sentence" not in items["s6_an"].meta


def test_missing_corpus_names_the_layouts(tmp_path):
    (tmp_path / "enterface05").mkdir()
    with pytest.raises(CorpusNotFound) as err:
        Enterface.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:\n  - enterface05/subject 1/anger/sentence 1/s1_an_1.avi" in text
    assert "enterface05/subject 6/anger/s6_an.avi" in text and "enterface05/project2_database/subject 1/" in text


def test_the_archive_inside_a_wrapper_folder_is_found_from_the_data_root(tmp_path):
    write_enterface(tmp_path / "enterface05", subjects=(1,), top="project2_database")
    (tmp_path / "enterface05" / "project2_database.zip.md5").write_text("x")
    (tmp_path / "__MACOSX" / "enterface05").mkdir(parents=True)
    corpus = Enterface.locate(tmp_path)
    assert corpus.root == tmp_path / "enterface05" / "project2_database" and len(corpus.items()) == 6
    assert corpus.check_counts() == ["6 items where a complete copy has 1293",
                                     "1 speakers where a complete copy has 44"]


def test_other_spellings_and_unknown_emotion_folders_are_read_with_a_note(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    subject = root / "enterface05" / "subject 1"
    (subject / "anger").rename(subject / "Angry")
    (subject / "fear").rename(subject / "other")  # the file names still carry the code
    (subject / "other" / "sentence 1" / "clip.avi").write_bytes(b"x")  # neither gives an emotion
    corpus = Enterface.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 6 and items["s1_an_1"].label == "anger" and items["s1_fe_1"].label == "fear"
    assert items["s1_an_1"].meta["note"] == "emotion folder 'Angry' read as anger"
    assert items["s1_fe_1"].meta["note"].startswith("'other' is no eNTERFACE'05 emotion folder")
    assert [(p.endswith("clip.avi"), why) for p, why in corpus.log.skipped] == [
        (True, "neither its folder nor its file name gives the emotion")]


def test_an_unknown_code_is_kept_by_its_folder_and_a_conflicting_one_skipped(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    folder = root / "enterface05" / "subject 1" / "fear" / "sentence 1"
    (folder / "s1_fe_1.avi").rename(folder / "s1_xx_1.avi")
    corpus = Enterface.locate(root)
    item = {it.id: it for it in corpus.items()}["s1_fe_1"]
    assert item.label == "fear" and "unknown emotion code 'xx' in the file name" in item.meta["note"]
    (folder / "s1_xx_1.avi").rename(folder / "s1_ha_1.avi")
    corpus = Enterface.locate(root)
    assert len(corpus.items()) == 5 and "s1_fe_1" not in {it.id for it in corpus.items()}
    [(path, why)] = corpus.log.skipped
    assert path.endswith("s1_ha_1.avi")
    assert why == ("file name says emotion code 'ha' (happiness) but the emotion folder 'fear' says fear: "
                   "the label cannot be known")


def test_an_unknown_folder_inside_an_emotion_folder_is_ignored_and_counted(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    clip(root / "enterface05" / "subject 1" / "fear" / "take 2" / "s1_fe_1.avi", 2)
    corpus = Enterface.locate(root)
    assert len(corpus.items()) == 6
    assert corpus.log.summary()["ignored"] == {"folders outside the layout": 1}


def test_an_identical_copy_in_one_sentence_folder_is_kept_once_and_counted(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    folder = root / "enterface05" / "subject 1" / "fear" / "sentence 1"
    shutil.copyfile(folder / "s1_fe_1.avi", folder / "s1_fe_1 (copy).avi")
    corpus = Enterface.locate(root)
    assert sum(it.id == "s1_fe_1" for it in corpus.items()) == 1
    item = {it.id: it for it in corpus.items()}["s1_fe_1"]
    assert item.media["audio"].name == "s1_fe_1.avi" and "note" not in item.meta  # the regular name kept
    assert corpus.log.summary()["duplicates"] == {"identical": 1, "different": 0}
    assert any("identical second copies" in line for line in corpus.log.lines())


def test_corrupt_avi_is_reported_by_corpora_check(tmp_path, capsys):
    root = write_enterface(tmp_path, subjects=(1, 2))
    bad = root / "enterface05" / "subject 2" / "sadness" / "sentence 1" / "s2_sa_1.avi"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00AVI garbage")
    assert main(["corpora", "check", "enterface", "--data-root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "items 12, speakers 2, labels 6" in out
    problem = out[out.index("PROBLEM:"):]
    assert "unreadable media file(s)" in problem and "s2_sa_1.avi: " in problem
    assert "s1_" not in problem and "s2_an_1" not in problem  # only the corrupt file is named


def test_corpora_check_passes_on_a_clean_copy(tmp_path, capsys):
    root = write_enterface(tmp_path, subjects=(1,))
    clip(root / "enterface05" / "subject 1" / "anger" / "sentence 2" / "s1_an_2.avi", 0)
    assert main(["corpora", "check", "enterface", "--data-root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "items 7, speakers 1" in out and "modalities audio, visual" in out
