"""The SAVEE adapter in both distributed layouts."""

from __future__ import annotations

import pytest
import soundfile as sf
from builders import tone, write_tiny_savee

from harness.corpora.savee import Savee
from harness.errors import CorpusError, CorpusNotFound, LabelError


@pytest.mark.parametrize("layout", ["flat", "nested"])
def test_layouts_give_the_same_items(tmp_path, layout):
    corpus = Savee.locate(write_tiny_savee(tmp_path, layout=layout, per_code=2))
    items = corpus.items()
    assert len(items) == 4 * 7 * 2
    assert {it.speaker for it in items} == {"DC", "JE", "JK", "KL"}
    assert {it.id for it in items if it.speaker == "DC" and it.label == "sadness"} == {"DC_sa01", "DC_sa02"}
    assert all(it.split is None for it in items)


def test_nested_layout_picks_up_video_where_present(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    clip = root / "savee" / "AudioVisualClip" / "DC" / "a01.avi"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(b"not decoded by the adapter")
    items = {it.id: it for it in Savee.locate(root).items()}
    assert items["DC_a01"].media["visual"] == clip
    assert "visual" not in items["DC_d01"].media


def test_unknown_code_and_speaker_name_the_file(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    sf.write(root / "savee" / "DC_x01.wav", tone(0, 0), 44100)
    with pytest.raises(LabelError, match=r"DC_x01\.wav: unknown savee label code 'x'"):
        Savee.locate(root).items()
    (root / "savee" / "DC_x01.wav").unlink()
    sf.write(root / "savee" / "ZZ_a01.wav", tone(0, 0), 44100)
    with pytest.raises(CorpusError, match=r"ZZ_a01\.wav: unknown SAVEE speaker"):
        Savee.locate(root).items()


def test_other_files_are_reported_not_dropped_silently(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    (root / "savee" / "readme.txt").write_text("x")
    corpus = Savee.locate(root)
    assert len(corpus.items()) == 7
    assert corpus.notes and "readme.txt" in corpus.notes[0]


def test_empty_folder_is_not_found_with_layout(tmp_path):
    (tmp_path / "savee").mkdir()
    with pytest.raises(CorpusNotFound, match="AudioData/DC/a01.wav"):
        Savee.locate(tmp_path)


def test_stray_files_beside_the_nested_layout_are_reported(tmp_path):
    root = write_tiny_savee(tmp_path, layout="nested", speakers=("DC",))
    sf.write(root / "savee" / "KL_a01.wav", tone(0, 0), 44100)
    (root / "savee" / "AudioData" / "Info.txt").write_text("x")
    corpus = Savee.locate(root)
    assert len(corpus.items()) == 7
    notes = " ".join(corpus.notes)
    assert "KL_a01.wav" in notes and "Info.txt" in notes


def test_a_second_copy_with_other_bytes_is_skipped_and_counted(tmp_path):
    root = write_tiny_savee(tmp_path, speakers=("DC",))
    sf.write(root / "savee" / "dc_a01.wav", tone(0, 0) * 0.5, 44100)
    corpus = Savee.locate(root)
    assert sum(it.id == "DC_a01" for it in corpus.items()) == 1
    assert corpus.log.summary()["duplicates"] == {"identical": 0, "different": 1}


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
