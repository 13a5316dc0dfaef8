"""The SAVEE adapter in every distributed layout, and its irregular files (kept with a note, skipped
with a reason, or ignored and counted; never a failed corpus)."""

from __future__ import annotations

import shutil

import pytest
import soundfile as sf
from builders import tone, write_tiny_savee, write_tone

from harness.corpora.savee import Savee
from harness.errors import CorpusNotFound

LAYOUTS = ["flat", "nested", "bare", "double", "kaggle"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts_give_the_same_items(tmp_path, layout):
    corpus = Savee.locate(write_tiny_savee(tmp_path, layout=layout, per_code=2))
    items = corpus.items()
    assert len(items) == 4 * 7 * 2
    assert {it.speaker for it in items} == {"DC", "JE", "JK", "KL"}
    assert {it.id for it in items if it.speaker == "DC" and it.label == "sadness"} == {"DC_sa01", "DC_sa02"}
    assert all(it.split is None and it.meta == {"gender": "male"} for it in items)
    assert corpus.log.summary() == {"inferred": 0, "skipped": 0, "ignored": {},
                                    "duplicates": {"identical": 0, "different": 0}}


@pytest.mark.parametrize("layout, top", [
    ("kaggle", "surrey-audiovisual-expressed-emotion-savee"),  # .../ALL/DC_a01.wav
    ("bare", "SAVEE_AudioData"),  # Kaggle savee-database: SAVEE_AudioData/DC/a01.wav
    ("nested", "savee-emotion-recognition/audiodata"),  # audiodata/AudioData/DC/a01.wav
    ("nested", "savee/savee"),  # a folder named after the archive
    ("kaggle", "savee"),  # savee/ALL/DC_a01.wav
])
def test_redistributions_are_found_from_the_data_root(tmp_path, layout, top):
    write_tiny_savee(tmp_path, layout=layout, top=top, speakers=("DC", "KL"))
    corpus = Savee.locate(tmp_path)
    assert len(corpus.items()) == 14 and {it.speaker for it in corpus.items()} == {"DC", "KL"}


def test_pointed_at_audiodata_itself(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    clip = root / "savee" / "AudioVisualClip" / "DC" / "a01.avi"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(b"not decoded by the adapter")
    corpus = Savee.locate(None, root / "savee" / "AudioData")
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 7 and items["DC_a01"].media["visual"] == clip


def test_nested_layout_picks_up_video_where_present(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    clip = root / "savee" / "AudioVisualClip" / "DC" / "a01.avi"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(b"not decoded by the adapter")
    orphan = root / "savee" / "AudioVisualClip" / "DC" / "a09.avi"
    orphan.write_bytes(b"no recording for this one")
    corpus = Savee.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert items["DC_a01"].media["visual"] == clip
    assert "visual" not in items["DC_d01"].media
    assert corpus.log.summary()["ignored"] == {"video clips without a recording": 1}


def test_nested_extraction_is_read_with_its_video(tmp_path):
    """AudioData/AudioData/DC/a01.wav and AudioVisualClip/AudioVisualClip/DC/a01.avi (a bad extraction)."""
    root = write_tiny_savee(tmp_path, layout="double", speakers=("DC",))
    clip = root / "savee" / "AudioVisualClip" / "AudioVisualClip" / "DC" / "a01.avi"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(b"x")
    items = {it.id: it for it in Savee.locate(root).items()}
    assert len(items) == 7 and items["DC_a01"].media["visual"] == clip


def test_both_trees_of_a_nested_extraction_keep_identical_copies_once(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC", "JE"))
    audio = root / "savee" / "AudioData"
    shutil.copytree(audio / "DC", audio / "AudioData" / "DC")
    shutil.copytree(audio / "JE", audio / "AudioData" / "JE")
    corpus = Savee.locate(root)
    assert len(corpus.items()) == 14
    assert corpus.log.summary()["duplicates"] == {"identical": 14, "different": 0}


def test_a_flat_copy_beside_the_original_tree_is_read_and_kept_once(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    write_tiny_savee(tmp_path, layout="flat", speakers=("DC",))  # the same recordings, flat
    sf.write(root / "savee" / "KL_a01.wav", tone(0, 3), 44100)  # only in the flat copy
    corpus = Savee.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 8 and items["DC_a01"].media["audio"] == root / "savee" / "AudioData" / "DC" / "a01.wav"
    assert items["KL_a01"].speaker == "KL"
    assert corpus.log.summary()["duplicates"] == {"identical": 7, "different": 0}


def test_info_txt_and_other_stray_files_are_ignored_and_counted(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    (root / "savee" / "AudioData" / "Info.txt").write_text("The initial letter(s) of the file name ...")
    (root / "savee" / "AudioData" / "DC" / "notes.doc").write_text("x")
    (root / "savee" / "readme.txt").write_text("x")
    (root / "savee" / "AudioData" / ".DS_Store").write_text("x")
    (root / "savee" / "__MACOSX" / "AudioData" / "DC").mkdir(parents=True)
    (root / "savee" / "__MACOSX" / "AudioData" / "DC" / "._a01.wav").write_bytes(b"\0\5\26\7")
    corpus = Savee.locate(root)
    assert len(corpus.items()) == 7 and corpus.notes == []
    assert corpus.log.summary()["ignored"] == {"documentation (Info.txt)": 1, "files that are not SAVEE recordings": 2}
    assert any("Info.txt" in line for line in corpus.log.lines())


def test_speakerless_copies_are_skipped_with_the_reason(tmp_path):
    """A redistribution merged the four speaker folders into one: ``f10.wav``, ``f10 (2).wav``, ..."""
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    write_tone(root / "savee" / "f10.wav", 2, 0, sr=44100)
    write_tone(root / "savee" / "f10 (2).wav", 2, 1, sr=44100)
    corpus = Savee.locate(root)
    assert len(corpus.items()) == 7
    reasons = dict(corpus.log.skipped)
    assert set(reasons) == {str(root / "savee" / "f10.wav"), str(root / "savee" / "f10 (2).wav")}
    assert all("the speaker cannot be known" in why for why in reasons.values())


def test_a_file_managers_copy_is_read_with_a_note(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    (root / "savee" / "DC_a01.wav").rename(root / "savee" / "DC_a01 (2).wav")
    shutil.copy(root / "savee" / "DC_d01.wav", root / "savee" / "DC_d01 - Copy.wav")
    corpus = Savee.locate(root)
    items = {it.id: it for it in corpus.items()}
    assert len(items) == 7 and items["DC_a01"].meta["note"] == "a file manager's copy name, read as DC_a01"
    assert "note" not in items["DC_d01"].meta  # the original sorts first; its copy is an identical duplicate
    assert corpus.log.summary()["duplicates"] == {"identical": 1, "different": 0}


def test_unknown_code_speaker_and_speaker_folder_are_skipped_with_the_reason(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    sf.write(root / "savee" / "DC_x01.wav", tone(0, 0), 44100)
    sf.write(root / "savee" / "ZZ_a01.wav", tone(0, 0), 44100)
    nested = write_tiny_savee(tmp_path / "n", layout="nested", speakers=("DC",))
    write_tone(nested / "savee" / "AudioData" / "XY" / "a01.wav", 0, 0, sr=44100)
    flat, tree = Savee.locate(root), Savee.locate(nested)
    assert len(flat.items()) == 7 and len(tree.items()) == 7
    reasons = dict(flat.log.skipped)
    assert "unknown savee label code 'x'" in reasons[str(root / "savee" / "DC_x01.wav")]
    assert "unknown SAVEE speaker 'ZZ'" in reasons[str(root / "savee" / "ZZ_a01.wav")]
    ((path, why),) = tree.log.skipped
    assert path.endswith("XY/a01.wav") and "'XY', which is not a SAVEE speaker" in why


def test_a_second_copy_with_other_bytes_is_skipped_and_counted(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    sf.write(root / "savee" / "dc_a01.wav", tone(0, 0) * 0.5, 44100)
    corpus = Savee.locate(root)
    assert sum(it.id == "DC_a01" for it in corpus.items()) == 1
    assert corpus.log.summary()["duplicates"] == {"identical": 0, "different": 1}


def test_a_partial_copy_is_noted(tmp_path):
    corpus = Savee.locate(write_tiny_savee(tmp_path, speakers=("DC",)))
    assert corpus.check_counts() == ["7 items where a complete copy has 480", "1 speakers where a complete copy has 4"]


def test_empty_folder_is_not_found_with_every_layout(tmp_path):
    (tmp_path / "savee").mkdir()
    with pytest.raises(CorpusNotFound, match="AudioData/DC/a01.wav") as err:
        Savee.locate(tmp_path)
    text = str(err.value)
    assert all(layout in text for layout in Savee.layouts)
    assert "ALL/DC_a01.wav" in text and "AudioData/AudioData/DC/a01.wav" in text and "savee/DC/a01.wav" in text


def test_docstring_lists_the_layouts_and_irregularities():
    import harness.corpora.savee as module

    for fact in ("AudioData/DC/a01.wav", "AudioData/AudioData", "ALL/DC_a01.wav", "savee/DC/a01.wav", "Info.txt",
                 "f10 (2).wav", "DC_a01 (2).wav"):
        assert fact in module.__doc__, fact


def test_items_without_the_run_modality_are_left_out_and_counted(tmp_path):
    import numpy as np
    from builders import write_av_clip

    from harness.execution.runner import Runner
    from harness.experiment.jobs import RunRequest
    from harness.results.store import ResultsStore

    root = write_tiny_savee(tmp_path / "data", layout="nested", per_code=2)
    for spk in ("DC", "JE", "JK", "KL"):  # video for the first take of every code only
        for code in ("a", "d", "f", "h", "n", "sa", "su"):
            face = np.full((48, 48, 3), 40 + 20 * len(code), np.uint8)
            write_av_clip(root / "savee" / "AudioVisualClip" / spk / f"{code}01.avi", frames=[face] * 2)
    request = RunRequest(methods=["classic"], corpora=["savee"], protocols=["loso"], modality="visual",
                         budget="smoke", data_root=root, results=tmp_path / "r", progress=False)
    outcome = Runner(request).run()
    job = ResultsStore(tmp_path / "r").jobs(outcome.job_ids)[0]
    assert job["report"]["extraction"]["savee"]["without_media"] == 28
    assert job["report"]["extraction"]["savee"]["total"] == 28
