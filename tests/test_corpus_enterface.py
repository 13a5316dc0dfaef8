"""The eNTERFACE'05 adapter: distributed layout, its known irregularities, bad input."""

from __future__ import annotations

import shutil

import pytest
from layouts.enterface import clip, write_enterface

from harness.cli.commands import main
from harness.corpora.enterface import Enterface
from harness.data.audio import load_audio
from harness.errors import CorpusError, CorpusNotFound, LabelError


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
    irregular = next(n for n in corpus.notes if "irregular names" in n)
    assert irregular.startswith("14 file(s) with irregular names")  # 12 s_3_ + 3avi + .AVI
    assert "ignored 2 file(s)/folder(s)" in notes and "Thumbs.db" in notes and "readme.txt" in notes
    assert "other than 30 recordings: 3 (12), 6 (12), 11 (12), 16 (11)" in notes


def test_unsegmented_file_without_sentence_number_gets_an_id(tmp_path):
    root = write_enterface(tmp_path, subjects=(6,))
    anger = root / "enterface05" / "subject 6" / "anger"
    (anger / "sentence 1" / "s6_an_1.avi").rename(anger / "s6_an.avi")
    (anger / "sentence 1").rmdir()
    items = {it.id: it for it in Enterface.locate(root).items()}
    assert items["s6_an"].label == "anger" and "sentence" not in items["s6_an"].meta


def test_missing_corpus_names_the_layout(tmp_path):
    (tmp_path / "enterface05").mkdir()
    with pytest.raises(CorpusNotFound, match=r"subject 1/anger/sentence 1/s1_an_1\.avi"):
        Enterface.locate(tmp_path)


def test_unknown_emotion_folder_names_the_path(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    (root / "enterface05" / "subject 1" / "anger").rename(root / "enterface05" / "subject 1" / "angry")
    with pytest.raises(CorpusError, match=r"subject 1/angry: unknown eNTERFACE'05 emotion folder 'angry'"):
        Enterface.locate(root).items()


def test_unknown_or_conflicting_code_in_a_name_is_an_error(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    folder = root / "enterface05" / "subject 1" / "fear" / "sentence 1"
    (folder / "s1_fe_1.avi").rename(folder / "s1_xx_1.avi")
    with pytest.raises(LabelError, match=r"s1_xx_1\.avi: unknown enterface label code 'xx'"):
        Enterface.locate(root).items()
    (folder / "s1_xx_1.avi").rename(folder / "s1_ha_1.avi")
    with pytest.raises(CorpusError, match=r"s1_ha_1\.avi: file name says emotion code 'ha' \(happiness\) "
                                          r"but the emotion folder is 'fear'"):
        Enterface.locate(root).items()


def test_unknown_folder_inside_an_emotion_folder_is_an_error(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    (root / "enterface05" / "subject 1" / "fear" / "take 2").mkdir()
    with pytest.raises(CorpusError, match=r"fear/take 2: unknown eNTERFACE'05 folder"):
        Enterface.locate(root).items()


def test_an_identical_copy_in_one_sentence_folder_is_kept_once_and_counted(tmp_path):
    root = write_enterface(tmp_path, subjects=(1,))
    folder = root / "enterface05" / "subject 1" / "fear" / "sentence 1"
    shutil.copyfile(folder / "s1_fe_1.avi", folder / "s1_fe_1 (copy).avi")
    corpus = Enterface.locate(root)
    assert sum(it.id == "s1_fe_1" for it in corpus.items()) == 1
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
