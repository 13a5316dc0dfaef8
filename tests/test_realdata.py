"""The real EMO-DB from ../shared/corpora (or $HARNESS_DATA_ROOT); skipped with a reason when absent."""

from __future__ import annotations

import json

import pytest

from harness.cli.commands import main
from harness.corpora.emodb import EmoDB

pytestmark = pytest.mark.realdata


def test_emodb_adapter_reads_the_distributed_corpus(data_root):
    corpus = EmoDB.locate(data_root)
    summary = corpus.summary()
    assert summary["items"] == 535 and summary["speakers"] == 10
    assert summary["labels"] == {"anger": 127, "boredom": 81, "disgust": 46, "fear": 69,
                                 "happiness": 71, "neutral": 79, "sadness": 62}
    test_speakers = {it.speaker for it in corpus.items() if it.split == "test"}
    assert test_speakers == {"12", "14", "15", "16"}
    assert summary["splits"] == {"test": 231, "train": 304}


@pytest.mark.slow
def test_classic_on_the_emodb_fixed_split(data_root, tmp_path, capsys):
    code = main(["run", "--method", "classic", "--corpus", "emodb", "--protocol", "split", "--seeds", "5",
                 "--data-root", str(data_root), "--results", str(tmp_path), "--quiet", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["jobs"]) == 5 and all(j["metrics"]["n"] == 231 for j in doc["jobs"])
    # nkululeko 1.14.1 on the same split reached UAR .534 (SVM, standard scaling from
    # the training items).  The harness's inductive default (statistics from the training
    # speakers only, paper hyperparameters) beats it on the mean over five model seeds
    # (measured .599); per-test-speaker statistics (transductive, opt-in) are checked below.
    assert doc["summary"][0]["uar"]["mean"] > 0.56, doc["summary"][0]["uar"]


@pytest.mark.slow
def test_classic_on_the_emodb_fixed_split_with_per_speaker_statistics(data_root, tmp_path, capsys):
    code = main(["run", "--method", "classic", "--corpus", "emodb", "--protocol", "split", "--seeds", "3",
                 "--norm", "speaker", "--data-root", str(data_root), "--results", str(tmp_path),
                 "--quiet", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    # nkululeko 1.14.1 with per-speaker standardisation reached .698; the harness .78.
    assert doc["summary"][0]["uar"]["mean"] > 0.70, doc["summary"][0]["uar"]


def test_savee_adapter_reads_the_flat_copy(data_root):
    from harness.corpora.savee import Savee

    summary = Savee.locate(data_root).summary()
    assert summary["items"] == 480 and summary["speakers"] == 4
    assert summary["labels"] == {"anger": 60, "disgust": 60, "fear": 60, "happiness": 60, "neutral": 120,
                                 "sadness": 60, "surprise": 60}
