"""The reproduction page: the papers' figures beside the harness's under both protocols."""

from __future__ import annotations

from harness.analysis.reproduction import PAPER6, reproduction_page
from harness.results.store import JobRecord, Prediction, ResultsStore


def _job(store, method, protocol, corpus, fold, war, labels, train=None):
    train = train or [corpus]
    config = {"budget": "default", "data": {c: "fp" for c in train + [corpus]}, "features": {"name": "logmel"},
              "fold": fold, "hparams": {}, "labels": labels, "method": method, "method_version": "3",
              "modality": "audio", "model_seed": 0, "norm": "global", "protocol": protocol, "refit": True,
              "split_seed": 0, "test_corpus": corpus, "train_corpora": train}
    job_id = f"{method}-{protocol}-{fold}"
    metrics = {"war": war, "uar": war - 0.05, "n": 10, "segment_accuracy": war - 0.1}
    store.save(JobRecord(job_id, config, method, protocol, train, corpus, fold, 0, 0, {}, metrics,
                         {"execution": {"device": "cpu"}}, {}, "abc", 90.0, "2026-01-01T00:00:00"),
               [Prediction(f"{corpus}/x", "s", labels[0], labels[0], [1.0] + [0.0] * (len(labels) - 1))])


def test_the_page_sets_each_figure_beside_both_protocols_and_names_the_measured_causes(tmp_path):
    store = ResultsStore(tmp_path)
    five = [lab for lab in PAPER6 if lab != "surprise"]
    for fold in ("f0", "f1"):
        _job(store, "jdcd", "speaker-dependent", "emodb", fold, 0.62, five)
        _job(store, "jdcd", "within", "emodb", fold, 0.50, five)
    page = reproduction_page(store)
    row = next(line for line in page.splitlines() if "A_EMO from scratch (jdcd)" in line and line.startswith("|"))
    assert "WAR 0.620 ± 0.000, UAR 0.570 (2 jobs, 5 cl.); segments 0.520" in row
    assert "WAR 0.500 ± 0.000" in row and "3 min" in row
    assert "Speaker dependence measured: the paper's protocol gives +0.120 WAR" in page
    assert "remaining gap +0.050 WAR to the paper, not measured: budget and width (run on the CPU only" in page
    assert "not run: the chain starts from video eNTERFACE" in page
    assert "not in this store" in page  # e.g. the PathNet figures of this hand-made store
