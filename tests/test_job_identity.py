"""A job's id must change whenever something that changes its result changes."""

from __future__ import annotations

import json

import soundfile as sf
from builders import tone, write_tiny_emodb

from harness.cli.commands import main
from harness.data.digest import derive_seed

BASE = ["run", "--quiet", "--json", "--method", "classic", "--corpus", "emodb", "--budget", "smoke"]


def job_ids(capsys, *args) -> list[str]:
    assert main([*BASE, *args]) == 0
    return [j["job_id"] for j in json.loads(capsys.readouterr().out)["jobs"]]


def test_number_of_folds_changes_every_fold(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "09", "10", "11", "12"))
    common = ["--data-root", str(data), "--results", str(tmp_path / "r")]
    five = job_ids(capsys, *common, "--folds", "5")
    three = job_ids(capsys, *common, "--folds", "3")
    assert len(five) == 5 and len(three) == 3 and not set(five) & set(three)


def test_changed_media_bytes_change_the_job(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "12", "14"))
    common = ["--protocol", "split", "--data-root", str(data), "--results", str(tmp_path / "r")]
    (before,) = job_ids(capsys, *common)
    wav = data / "emodb" / "wav" / "03a01Wa.wav"
    sf.write(wav, tone(0, 0)[::-1].copy(), 16000)  # same name, other content
    (after,) = job_ids(capsys, *common)
    assert before != after


def test_refit_is_part_of_the_job(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "12", "14"))
    common = ["--protocol", "split", "--data-root", str(data), "--results", str(tmp_path / "r")]
    (refit,) = job_ids(capsys, *common)
    (no_refit,) = job_ids(capsys, *common, "--no-refit")
    assert refit != no_refit


def test_validation_seeds_are_unrelated_across_folds_and_split_seeds():
    assert derive_seed(0, "validation", "fold1") != derive_seed(1, "validation", "fold0")
    assert derive_seed(0, "validation", "fold1") == derive_seed(0, "validation", "fold1")


def test_reference_role_is_decided_per_run(tmp_path, capsys):
    results = str(tmp_path / "r")
    assert main(["run", "--quiet", "--method", "classic", "--protocol", "cross", "--source", "demo-a",
                 "--target", "demo-b", "--results", results, "--budget", "smoke"]) == 0
    assert "(reference)" in capsys.readouterr().out
    assert main(["run", "--quiet", "--method", "classic", "--corpus", "demo-b", "--results", results,
                 "--budget", "smoke", "--folds", "5"]) == 0
    out = capsys.readouterr().out
    assert "within " in out and "(reference)" not in out


def test_cli_rejects_bad_counts_and_out_of_range_hyperparameters(tmp_path, capsys):
    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "12"))
    common = ["run", "--method", "classic", "--corpus", "emodb", "--data-root", str(data),
              "--results", str(tmp_path / "r")]
    for extra, message in [(["--folds", "1"], "--folds must be at least 2"),
                           (["--seeds", "0"], "--seeds must be at least 1"),
                           (["--hp", "embedding=0"], "outside the declared range"),
                           (["--hp", "activation=gelu"], "not one of")]:
        assert main(common + extra) == 2
        assert message in capsys.readouterr().err


def test_show_without_a_store_does_not_create_one(tmp_path, capsys):
    assert main(["show", "abc", "--results", str(tmp_path / "typo")]) == 2
    assert "no results store" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()


def test_refit_does_not_change_what_validation_selected(tmp_path, capsys):
    """With --norm global, selection uses training-part statistics whether or not a refit follows."""
    from harness.results.store import ResultsStore

    data = write_tiny_emodb(tmp_path / "d", speakers=("03", "08", "09", "12", "14"))
    common = ["--protocol", "split", "--norm", "global", "--data-root", str(data),
              "--results", str(tmp_path / "r")]
    (refit,) = job_ids(capsys, *common)
    (plain,) = job_ids(capsys, *common, "--no-refit")
    store = ResultsStore(tmp_path / "r")
    a, b = (store.job(j)["report"]["training"] for j in (refit, plain))
    assert a["selection"] == b["selection"] and "refit" in a and "refit" not in b
