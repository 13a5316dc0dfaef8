"""The EMO-DB adapter in the layouts it is distributed in (download.zip, audformat zip, Kaggle, audb
wav and flac flavours, audb 2.0.0's unvalidated extras, flat copies) and its irregular files.
(Unknown codes, foreign names and stray files in wav/: tests/test_bad_input.py.)"""

from __future__ import annotations

import shutil

import pytest
from builders import write_tiny_emodb, write_tone

from harness.corpora.emodb import VALIDATED, EmoDB
from harness.errors import CorpusNotFound

#: validated utterances (in the distributed 535) and unvalidated ones (only in audb 2.0.0's 816)
VALID = ("03a01Fa", "03a01Wa", "08a01Na", "12a02Ac", "16b10Wb")
AMBIGUOUS = ("03a01Ab", "03a01Eb", "08a01Aa")


def _write(folder, stems, suffix=".wav"):
    for i, stem in enumerate(stems):
        write_tone(folder / f"{stem}{suffix}", "WLEAFTN".index(stem[5]), i, seed=[i])
    return folder


def test_the_validated_list_is_the_535():
    assert len(VALIDATED) == 535
    assert {s[:2] for s in VALIDATED} == {"03", "08", "09", "10", "11", "12", "13", "14", "15", "16"}
    by_code = {c: sum(s[5] == c for s in VALIDATED) for c in "WLEAFTN"}
    assert by_code == {"W": 127, "L": 81, "E": 46, "A": 69, "F": 71, "T": 62, "N": 79}
    assert not set(AMBIGUOUS) & VALIDATED and set(VALID) <= VALIDATED


def test_items_meta_and_split(tmp_path):
    corpus = EmoDB.locate(write_tiny_emodb(tmp_path, speakers=("03", "08", "12")))
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 21 and corpus.notes == [] and corpus.log.lines() == []
    assert items["03a01Wa"].meta == {"gender": "male", "age": "31", "text": "a01"}
    assert items["08a01Fa"].meta["gender"] == "female" and items["12a01Ta"].split == "test"
    assert corpus.check_counts() == ["21 items where a complete copy has 535", "3 speakers where a complete copy has 10"]


@pytest.mark.parametrize("folder", [
    "emodb/wav",  # download.zip unpacked into emodb/
    "emodb/emodb/wav",  # the audformat zip (nkululeko's data/emodb/emodb)
    "emodb/download/wav",  # a folder named after download.zip
    "download/wav",
    "berlin-database-of-emotional-speech-emodb/wav",  # Kaggle
    "EmoDB/wav",
    "emo_db/wav",
    "emodb/1.4.1/d3b62a9b/wav",  # an audb cache
    "emodb",  # a flat copy
    "emodb/emodb",  # a flat copy, wrapped
])
def test_every_layout_is_found_from_the_data_root(tmp_path, folder):
    write_tiny_emodb(tmp_path, speakers=("03", "08"), folder=folder)
    corpus = EmoDB.locate(tmp_path)
    assert len(corpus.items()) == 14 and corpus.log.summary()["skipped"] == 0
    assert {it.speaker for it in corpus.items()} == {"03", "08"}


def test_the_flac_flavour_is_read(tmp_path):
    from harness.data.audio import load_audio

    root = write_tiny_emodb(tmp_path, speakers=("03",), suffix=".flac")
    items = EmoDB.locate(root).items()
    assert len(items) == 7 and all(it.media["audio"].suffix == ".flac" for it in items)
    signal, _ = load_audio(items[0].media["audio"], 16000)
    assert signal.size > 1000


def test_a_flac_beside_its_wav_is_ignored(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    write_tiny_emodb(tmp_path, speakers=("03",), suffix=".flac")
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7 and all(it.media["audio"].suffix == ".wav" for it in corpus.items())
    assert corpus.log.summary()["ignored"] == {"FLAC copies beside the WAV files": 7}


def test_the_download_zip_stray_files_are_ignored_and_counted(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    base = root / "emodb"
    for folder in ("lablaut", "labsilb", "silb"):
        (base / folder).mkdir()
        (base / folder / "03a01Faxx.lablaut").write_text("x")
    (base / "erkennung.txt").write_text("Nr.\tSatz\terkannt\tnatuerlich\n")
    (base / "erklaerung.txt").write_text("x")
    (base / "__MACOSX" / "wav").mkdir(parents=True)
    (base / "__MACOSX" / "wav" / "._03a01Wa.wav").write_bytes(b"\0\5\26\7")
    (base / "wav" / ".DS_Store").write_text("x")
    (base / "wav" / "._03a01Wa.wav").write_bytes(b"\0\5\26\7")
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7 and corpus.log.summary()["skipped"] == 0
    assert corpus.log.summary()["ignored"] == {"annotation folders not used (lablaut, labsilb, silb)": 3,
                                               "documentation, listening-test and audformat table files": 2}


@pytest.mark.parametrize("marker", ["laryngo", "db.emotion.categories.ambiguous.csv"])
def test_audb_2_unvalidated_extras_are_ignored_with_a_count(tmp_path, marker):
    """audb emodb 2.0.0: 816 files in wav/ (the 535 and 281 'ambiguous' ones), laryngo/ beside it."""
    base = tmp_path / "emodb"
    _write(base / "wav", VALID + AMBIGUOUS)
    (base / marker).mkdir() if "." not in marker else (base / marker).write_text("file,emotion\n")
    corpus = EmoDB.locate(tmp_path)
    assert {it.id for it in corpus.items()} == set(VALID)
    kind = "recordings outside the 535 validated (audb 2.0.0 'ambiguous', low listener agreement)"
    assert corpus.log.summary()["ignored"][kind] == len(AMBIGUOUS)
    assert corpus.notes == ["this copy holds 8 utterances: the 5 validated ones are read, 3 unvalidated recordings "
                            "(audb emodb 2.0.0's 'ambiguous' files) are ignored"]


def test_a_copy_with_more_than_535_utterances_keeps_the_validated(tmp_path):
    wav = tmp_path / "emodb" / "wav"
    first = write_tone(wav / "03a01Fa.wav", 4, 0, seconds=0.05)
    for stem in sorted(VALIDATED)[1:]:
        shutil.copy(first, wav / f"{stem}.wav")
    extras = [f"{spk}b{n:02d}{code}z" for spk in ("03", "08") for n in (4, 5) for code in "WN"]  # not validated
    for stem in extras:
        shutil.copy(first, wav / f"{stem}.wav")
    corpus = EmoDB.locate(tmp_path)
    assert len(corpus.items()) == 535 and corpus.check_counts() == []
    assert corpus.notes[0].startswith("this copy holds 543 utterances: the 535 validated ones are read")
    assert sum(corpus.log.ignored.values()) == len(extras)


def test_a_name_in_another_case_is_read_with_a_note(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    wav = root / "emodb" / "wav"
    (wav / "03a01Fa.wav").rename(wav / "03a01fa.wav")
    (wav / "03a01Wa.wav").rename(wav / "03A01WA.WAV")
    corpus = EmoDB.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 7 and items["03a01Fa"].label == "happiness" and items["03a01Wa"].label == "anger"
    assert items["03a01Fa"].meta["note"] == "name in another case, read as 03a01Fa"
    assert corpus.log.summary()["inferred"] == 2


def test_identical_second_copies_are_kept_once(tmp_path):
    root = write_tiny_emodb(tmp_path, speakers=("03",))
    for wav in (root / "emodb" / "wav").iterdir():  # a flat copy beside wav/
        shutil.copy(wav, root / "emodb" / wav.name)
    corpus = EmoDB.locate(root)
    assert len(corpus.items()) == 7
    assert all(it.media["audio"].parent.name == "wav" for it in corpus.items())
    assert corpus.log.summary()["duplicates"] == {"identical": 7, "different": 0}


def test_not_found_lists_every_layout(tmp_path):
    (tmp_path / "emodb" / "lablaut").mkdir(parents=True)
    with pytest.raises(CorpusNotFound) as err:
        EmoDB.locate(tmp_path)
    text = str(err.value)
    assert "Layouts read:" in text and all(layout in text for layout in EmoDB.layouts)
    assert "berlin-database-of-emotional-speech-emodb/wav/03a01Fa.wav" in text and "emodb/03a01Fa.wav" in text


def test_docstring_lists_the_layouts_and_irregularities():
    import harness.corpora.emodb as module

    for fact in ("emodb/wav/03a01Fa.wav", "emodb/emodb/wav", "download/wav", "berlin-database-of-emotional-speech-emodb",
                 "wav/03a01Fa.flac", "emodb/03a01Fa.wav", "816", "erkennung.txt", "laryngo", "PAD "):
        assert fact in module.__doc__, fact
