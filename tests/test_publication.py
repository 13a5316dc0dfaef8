"""``harness export``: the publication copy of a store renders the same pages, smaller and stable."""

from __future__ import annotations

import gzip
import hashlib

import pytest
from test_fuse_command import add_job, cli

from harness.analysis.leaderboard import write_leaderboards
from harness.cli import fuse
from harness.cli.commands import main
from harness.errors import HarnessError
from harness.results.publication import publication_copy
from harness.results.store import ResultsStore


def unpack(gz, directory):
    directory.mkdir(parents=True)
    (directory / ResultsStore.FILE).write_bytes(gzip.decompress(gz.read_bytes()))
    return ResultsStore(directory)


def pages(results, out):
    write_leaderboards(results, out, "uar", "classic")
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.fixture
def store(tmp_path):
    s = ResultsStore(tmp_path / "work")
    for fold in ("f0", "f1"):
        for method, skill in (("classic", 0.4), ("svm", 0.8)):
            add_job(s, method, "audio", fold=fold, skill=skill)
    return s


def test_the_copy_keeps_every_job_and_the_test_part_and_renders_the_same_pages(store, tmp_path):
    copy = publication_copy(store.directory, tmp_path / "pub" / "results.sqlite.gz")
    assert copy.jobs == 4 and copy.predictions == {"test": 160} and copy.dropped == {"valid": 120}
    slim = unpack(copy.path, tmp_path / "slim")
    assert slim.done_ids() == store.done_ids()
    job = sorted(store.done_ids())[0]
    full, kept = store.predictions(job), slim.predictions(job)
    assert [p.item for p in full] == [p.item for p in kept] and [p.pred_label for p in full] == [
        p.pred_label for p in kept]
    assert all(abs(a - b) <= 5e-5 for p, q in zip(full, kept) for a, b in zip(p.scores, q.scores))
    assert any(a != b for p, q in zip(full, kept) for a, b in zip(p.scores, q.scores))  # rounded
    assert slim.predictions(job, "valid") == []
    assert slim.publication()["parts_kept"] == ["test"] and store.publication() is None
    assert pages(store.directory, tmp_path / "a") == pages(slim.directory, tmp_path / "b")


def test_the_copy_is_byte_stable_and_can_keep_the_validation_part(store, tmp_path):
    one = publication_copy(store.directory, tmp_path / "1.sqlite.gz").path.read_bytes()
    two = publication_copy(store.directory, tmp_path / "2.sqlite.gz").path.read_bytes()
    assert one == two
    whole = publication_copy(store.directory, tmp_path / "3.sqlite.gz", ("test", "valid", "test_selected"), None)
    assert whole.dropped == {} and whole.predictions == {"test": 160, "valid": 120}
    copy = unpack(whole.path, tmp_path / "whole")
    job = sorted(store.done_ids())[0]
    assert copy.predictions(job, "valid") == store.predictions(job, "valid")  # as stored, 7 decimals


def test_fusion_over_a_publication_copy_is_refused_with_the_reason(tmp_path):
    work = ResultsStore(tmp_path / "work")
    a, v = add_job(work, "lstm", "audio"), add_job(work, "lstm", "visual")
    copy = publication_copy(work.directory, tmp_path / "pub.sqlite.gz")
    unpack(copy.path, tmp_path / "slim")
    with pytest.raises(HarnessError, match="publication copy.*no validation predictions"):
        fuse.run(cli("--fusion", "lr", "--run", a, "--run", v, "--results", str(tmp_path / "slim")))


def test_export_command_reports_what_it_kept_and_refuses_bad_input(store, tmp_path, capsys):
    out = tmp_path / "pub.sqlite.gz"
    assert main(["export", "--results", str(store.directory), "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "4 job(s)" in said and "kept: test 160" in said and "dropped: valid 120" in said
    assert main(["export", "--results", str(tmp_path / "nowhere"), "--out", str(out)]) != 0
    assert "no results store" in capsys.readouterr().err
    assert main(["export", "--results", str(store.directory), "--out", str(out), "--digits", "9"]) != 0
    assert main(["export", "--results", str(store.directory), "--out", str(tmp_path / "copy.sqlite")]) == 2
    assert "name it *.sqlite.gz" in capsys.readouterr().err
