"""``harness run`` end to end on tiny corpora: table, JSON, store, determinism, resume, errors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from builders import write_tiny_emodb

from harness.cli.commands import main
from harness.results.store import ResultsStore


def run(args, capsys):
    code = main(["run", "--quiet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_prints_table_and_stores_everything(tiny_emodb, tmp_path, capsys):
    results = tmp_path / "res"
    code, out, err = run(["--method", "classic", "--corpus", "emodb", "--protocol", "split",
                          "--data-root", str(tiny_emodb), "--results", str(results), "--budget", "smoke"],
                         capsys)
    assert code == 0, err
    assert "| classic" in out and "split" in out and "UAR" in out
    store = ResultsStore(results)
    (job,) = store.jobs()
    assert job["method"] == "classic" and job["protocol"] == "split" and job["fold"] == "official"
    assert job["config"]["norm"] == "global" and not job["report"]["normalisation"]["transductive"] and job["config"]["features"]["name"] == "egemaps"
    assert job["hparams"]["lr"] == 1e-3 and job["versions"]["torch"] and job["git_commit"]
    assert job["report"]["fold_sizes"]["test"] == 4 * 7 * 2  # test speakers 12 14 15 16
    preds = store.predictions(job["job_id"])
    assert len(preds) == 56 and all(len(p.scores) == 7 for p in preds)
    assert {p.speaker for p in preds} == {"12", "14", "15", "16"}
    assert abs(job["metrics"]["war"] - sum(p.true_label == p.pred_label for p in preds) / 56) < 1e-9
    # second run: nothing to do, same table
    code, out2, err2 = run(["--method", "classic", "--corpus", "emodb", "--protocol", "split",
                            "--data-root", str(tiny_emodb), "--results", str(results), "--budget", "smoke"],
                           capsys)
    assert "1 of 1 job(s) already in" in err2 and out2 == out
    assert store.count() == 1


def test_same_config_same_numbers_in_a_fresh_store(tiny_emodb, tmp_path, capsys):
    args = ["--method", "classic", "--corpus", "emodb", "--protocol", "within", "--folds", "3",
            "--data-root", str(tiny_emodb), "--budget", "smoke", "--json"]
    _, a, _ = run(args + ["--results", str(tmp_path / "a")], capsys)
    _, b, _ = run(args + ["--results", str(tmp_path / "b")], capsys)
    ja, jb = json.loads(a), json.loads(b)
    assert [j["job_id"] for j in ja["jobs"]] == [j["job_id"] for j in jb["jobs"]]
    assert [j["metrics"] for j in ja["jobs"]] == [j["metrics"] for j in jb["jobs"]]
    assert len(ja["jobs"]) == 3 and ja["summary"][0]["folds"] == 3


def test_hyperparameter_override_changes_the_job(tiny_emodb, tmp_path, capsys):
    base = ["--method", "classic", "--corpus", "emodb", "--protocol", "split", "--data-root",
            str(tiny_emodb), "--results", str(tmp_path / "r"), "--budget", "smoke", "--json"]
    _, a, _ = run(base, capsys)
    _, b, _ = run(base + ["--hp", "lr=0.01"], capsys)
    ja, jb = json.loads(a)["jobs"][0], json.loads(b)["jobs"][0]
    assert ja["job_id"] != jb["job_id"] and jb["hparams"]["lr"] == 0.01


def test_unknown_method_and_corpus_list_the_known_ones(tiny_emodb, capsys):
    code, _, err = run(["--method", "nope", "--corpus", "emodb"], capsys)
    assert code == 2 and "unknown method 'nope'" in err and "classic" in err
    code, _, err = run(["--method", "classic", "--corpus", "nope"], capsys)
    assert code == 2 and "unknown corpus 'nope'" in err and "emodb" in err


def test_missing_corpus_exits_2_with_layout_and_source(tmp_path, capsys):
    code, _, err = run(["--method", "classic", "--corpus", "emodb", "--data-root", str(tmp_path),
                        "--results", str(tmp_path / "res")], capsys)
    assert code == 2
    assert "corpus 'emodb' not found" in err and str(tmp_path) in err
    assert "wav/03a01Fa.wav" in err and "emodb.bilderbar.info" in err
    assert not (tmp_path / "res").exists()  # a failed run leaves no store behind


def test_cross_corpus_reports_the_drop(tmp_path, capsys):
    code, out, err = run(["--method", "classic", "--protocol", "cross", "--source", "demo-a",
                          "--target", "demo-b", "--results", str(tmp_path / "r"), "--budget", "smoke",
                          "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    cross = next(r for r in doc["summary"] if r["protocol"] == "cross")
    reference = next(r for r in doc["summary"] if r["role"] == "reference")
    assert cross["train"] == ["demo-a"] and cross["test"] == "demo-b"
    assert reference["test"] == "demo-b" and reference["protocol"] == "within"
    assert cross["drop_uar"] == pytest.approx(cross["uar"]["mean"] - reference["uar"]["mean"])
    assert cross["uar"]["mean"] > 1 / 7 and cross["drop_uar"] < -0.05  # other display rules in demo-b


def _count(db):
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_kill_9_then_resume_runs_only_the_missing_jobs(tmp_path):
    data = write_tiny_emodb(tmp_path / "data", per_cell=2)
    results = tmp_path / "res"
    cmd = [sys.executable, "-m", "harness", "run", "--method", "classic", "--corpus", "emodb",
           "--protocol", "loso", "--seeds", "2", "--budget", "smoke", "--data-root", str(data),
           "--results", str(results),
           "--quiet", "--json"]
    total = 10 * 2
    env = {**os.environ}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    db = results / "results.sqlite"
    deadline = time.time() + 300
    while _count(db) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = _count(db)
    assert 0 < done_before < total, f"kill came too late or too early ({done_before} of {total} jobs)"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["skipped"] == done_before and doc["ran"] == total - done_before
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*), COUNT(DISTINCT job_id) FROM jobs").fetchone() == (total, total)
        per_job = con.execute("SELECT job_id, COUNT(*) FROM predictions WHERE part='test' GROUP BY job_id").fetchall()
    assert len(per_job) == total and all(n == 14 for _, n in per_job)  # one speaker x 7 x 2 per fold


def test_cross_corpus_uses_shared_labels_and_reports_the_dropped(tiny_emodb, tmp_path, capsys):
    code, out, err = run(["--method", "classic", "--protocol", "cross", "--source", "emodb",
                          "--target", "demo-a", "--data-root", str(tiny_emodb), "--results",
                          str(tmp_path / "r"), "--budget", "smoke", "--no-reference", "--json"], capsys)
    assert code == 0, err
    # EMO-DB has boredom, the demo corpora have surprise: six labels are shared
    assert "[emodb] labels outside the shared set" in err and "dropped 20 boredom (20 items, not extracted)" in err
    assert "[demo-a] labels outside the shared set" in err and "48 surprise (48 items, not extracted)" in err
    (job,) = json.loads(out)["jobs"]
    stored = ResultsStore(tmp_path / "r").job(job["job_id"])
    assert stored["report"]["dropped"] == {"emodb": {"boredom": 20}, "demo-a": {"surprise": 48}}
    assert stored["config"]["labels"] == ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    assert job["metrics"]["n"] == 336 - 48


def test_corpora_check_reports_counts_and_problems(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "12"))
    assert main(["corpora", "check", "emodb", "--data-root", str(data)]) == 0
    out = capsys.readouterr().out
    assert "items 14, speakers 2, labels 7" in out and "official split: test 7, train 7" in out
    (data / "emodb" / "wav" / "03a02Wa.wav").write_bytes(b"")
    assert main(["corpora", "check", "emodb", "--data-root", str(data)]) == 1
    assert "PROBLEM" in capsys.readouterr().out
    assert main(["corpora", "check", "emodb", "--data-root", str(tmp_path / "none")]) == 2
    assert "NOT FOUND" in capsys.readouterr().out


def test_corpora_check_opens_the_media(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03",))
    (data / "emodb" / "wav" / "03a01Wa.wav").write_bytes(b"RIFF")
    assert main(["corpora", "check", "emodb", "--data-root", str(data)]) == 1
    out = capsys.readouterr().out
    assert "1 unreadable media file(s)" in out and "03a01Wa.wav: cannot decode audio" in out


def test_corpus_path_for_a_corpus_not_in_the_run_is_an_error(tiny_emodb, tmp_path, capsys):
    code, _, err = run(["--method", "classic", "--corpus", "emodb", "--data-root", str(tiny_emodb),
                        "--corpus-path", "emdb=/nowhere"], capsys)
    assert code == 2 and "'emdb' is not a corpus of this run" in err


def test_corpora_check_decodes_every_file_and_names_what_a_run_would_meet(tmp_path, capsys):
    """Truncated and silent files are problems (exit 1); stereo, other rates, AIFF under .wav are noted."""
    import numpy as np
    import soundfile as sf

    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "12"))
    wav = data / "emodb" / "wav"
    whole = (wav / "03a01Wa.wav").read_bytes()
    (wav / "03a01Wa.wav").write_bytes(whole[: len(whole) // 2])  # truncated: the header promises more
    sf.write(wav / "03a01La.wav", np.zeros(8000, np.float32), 16000)  # silent
    x = (0.1 * np.sin(np.linspace(0, 900, 22050))).astype(np.float32)
    sf.write(wav / "03a01Ea.wav", np.stack([x, x], 1), 22050)  # stereo, 22.05 kHz
    sf.write(wav / "12a01Ea.wav", x, 16000, format="AIFF")  # AIFF under .wav
    assert main(["corpora", "check", "emodb", "--data-root", str(data)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: 2 unreadable media file(s)" in out
    assert "1 truncated file(s), e.g." in out and "03a01Wa.wav" in out
    assert "1 silent file(s)" in out and "03a01La.wav" in out
    assert "1 multi-channel file(s), mixed down to mono" in out and "at another sample rate" in out
    assert "1 file(s) whose content is not what their suffix says (e.g. AIFF in" in out
    assert main(["corpora", "check", "emodb", "--data-root", str(data), "--headers-only"]) == 0  # headers look fine


def test_labels_come_from_the_items_and_a_subset_can_be_asked(tmp_path, capsys):
    """A class the adapter declares but the copy does not hold is never an output (recall 0 by
    construction otherwise); --labels restricts the run, and what is left out is not extracted."""
    data = write_tiny_emodb(tmp_path / "d", per_cell=2)
    for wav in (data / "emodb" / "wav").glob("*L?.wav"):  # no boredom in this copy
        wav.unlink()
    code, out, err = run(["--method", "classic", "--corpus", "emodb", "--folds", "2", "--budget", "smoke",
                          "--data-root", str(data), "--results", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    job = ResultsStore(tmp_path / "r").job(json.loads(out)["jobs"][0]["job_id"])
    assert job["config"]["labels"] == ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    assert job["report"]["label_counts"]["emodb"]["anger"] == 20
    code, out, err = run(["--method", "classic", "--corpus", "emodb", "--folds", "2", "--budget", "smoke",
                          "--labels", "anger,sadness,neutral,boredom", "--data-root", str(data),
                          "--results", str(tmp_path / "r2"), "--json"], capsys)
    assert code == 0, err
    job = ResultsStore(tmp_path / "r2").job(json.loads(out)["jobs"][0]["job_id"])
    assert job["config"]["labels"] == ["anger", "neutral", "sadness"] and "boredom not held" in err
    assert job["report"]["extraction"]["emodb"]["total"] == 60  # only the three classes were extracted
    assert main(["run", "--method", "classic", "--corpus", "emodb", "--labels", "angry,joy"]) == 2
    assert "did you mean 'anger'" in capsys.readouterr().err
    assert main(["run", "--method", "classic", "--corpus", "emodb", "--labels", ""]) == 2  # never silently all
    assert "at least two classes" in capsys.readouterr().err


def test_source_and_target_without_a_cross_protocol_say_which_protocols_take_them(tmp_path, capsys):
    assert main(["run", "--method", "classic", "--source", "demo-a", "--target", "demo-b",
                 "--results", str(tmp_path)]) == 2
    assert "add --protocol cross" in capsys.readouterr().err


def test_speaker_dependent_and_given_protocols_are_stored_as_such(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", per_cell=2)
    code, out, err = run(["--method", "classic", "--corpus", "emodb", "--protocol", "speaker-dependent",
                          "--protocol", "given", "--test-speakers", "12,14", "--budget", "smoke",
                          "--data-root", str(data), "--results", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    jobs = {j["protocol"]: ResultsStore(tmp_path / "r").job(j["job_id"]) for j in json.loads(out)["jobs"]}
    assert jobs["speaker-dependent"]["config"]["grouping"] == {"valid": "item", "test": "item"}
    assert "SPEAKER-DEPENDENT" in " ".join(jobs["speaker-dependent"]["report"]["protocol_notes"])
    given = jobs["given"]
    assert "grouping" not in given["config"] and given["report"]["fold_sizes"]["test"] == 2 * 7 * 2
    assert main(["run", "--method", "classic", "--corpus", "emodb", "--protocol", "given",
                 "--data-root", str(data)]) == 2
    assert "needs either --split-file" in capsys.readouterr().err


def test_a_refit_job_also_stores_the_selected_models_test_predictions(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "09", "10"))
    code, out, err = run(["--method", "classic", "--corpus", "emodb", "--protocol", "loso", "--budget", "smoke",
                          "--data-root", str(data), "--results", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    store = ResultsStore(tmp_path / "r")
    job_id = json.loads(out)["jobs"][0]["job_id"]
    refit, selected = store.predictions(job_id, "test"), store.predictions(job_id, "test_selected")
    assert store.job(job_id)["config"]["refit"] and [p.item for p in selected] == [p.item for p in refit]
