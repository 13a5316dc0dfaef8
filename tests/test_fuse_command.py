"""``harness fuse``: fusion of stored runs, fitted on validation predictions, stored as a job."""

from __future__ import annotations

import argparse
import json
import re

import numpy as np
import pytest

from harness.analysis.leaderboard import write_leaderboards
from harness.cli import fuse
from harness.cli.parser import build_parser
from harness.data.digest import derive_seed, json_digest
from harness.errors import HarnessError
from harness.learning.metrics import classification_metrics
from harness.registry import default_registry
from harness.results.store import JobRecord, Prediction, ResultsStore

LABELS = ["anger", "happiness", "sadness"]
N_VALID, N_TEST = 30, 40


def posteriors(n: int, skill: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(truth, posteriors): the true class gets weight ``skill`` on top of Dirichlet noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    p = rng.dirichlet(np.ones(3), n)
    p[np.arange(n), y] += skill * rng.random(n)
    return y, p / p.sum(axis=1, keepdims=True)


def add_job(store, method, modality, fold="f0", seed=0, skill=0.5, noise=0, valid=True, test_items=N_TEST,
            features=None, corpus="toy", labels=LABELS, swap_label=False) -> str:
    config = {"budget": "smoke", "data": {corpus: "fp-toy"}, "features": {"name": features or f"{modality}-feat"},
              "fold": fold, "hparams": {"lr": 0.001}, "labels": list(labels), "method": method,
              "method_version": "1", "modality": modality, "norm": "speaker", "protocol": "within",
              "refit": True, "split_seed": 0, "model_seed": seed, "test_corpus": corpus, "train_corpora": [corpus]}
    job_id = json_digest(config, 20)
    preds, metrics = [], None
    for part, n, offset in (("valid", N_VALID, 1000), ("test", test_items, 0)):
        if part == "valid" and not valid:
            continue
        y, p = posteriors(n, skill, seed=derive_seed(method, modality, fold, seed, part, noise))
        truth = [labels[c] for c in y]
        if swap_label and part == "test":
            truth[0] = labels[(y[0] + 1) % 3]
        preds += [Prediction(f"{corpus}/{fold}-{i + offset:04d}", f"{corpus}:s{i % 4}", truth[i],
                             labels[int(p[i].argmax())], list(p[i]), part) for i in range(n)]
        if part == "test":
            metrics = classification_metrics(y, p.argmax(1), labels, p)
    record = JobRecord(job_id=job_id, config=config, method=method, protocol="within", train_corpora=[corpus],
                       test_corpus=corpus, fold=fold, split_seed=0, model_seed=seed, hparams={"lr": 0.001},
                       metrics=metrics, report={"target_labels_used": False}, versions={"emo-transfer-harness": "t"},
                       git_commit="abc", wall_time=1.0)
    assert store.save(record, preds)
    return job_id


def cli(*argv) -> argparse.Namespace:
    return build_parser().parse_args(["fuse", *argv])


def arrays(store, job_id, part):
    return np.array([p.scores for p in store.predictions(job_id, part)])


def test_fuse_runs_fits_on_validation_and_stores_an_idempotent_job(tmp_path, capsys):
    store = ResultsStore(tmp_path)
    audio, visual = add_job(store, "lstm", "audio", skill=0.3), add_job(store, "lstm", "visual", skill=1.0)
    assert fuse.run(cli("--fusion", "prior", "--run", audio[:8], "--run", visual[:8], "--results", str(tmp_path))) == 0
    out = capsys.readouterr().out
    assert "lstm@audio UAR / WAR" in out and "fused (fusion:prior)" in out and "1 new" in out
    fused = [j for j in store.jobs() if j["method"] == "fusion:prior"]
    assert len(fused) == 1
    job = fused[0]
    assert job["job_id"] == json_digest(job["config"], 20)
    assert job["config"]["runs"] == [audio, visual] and job["config"]["modality"] == "audio+visual"
    assert job["config"]["run_configs"] == [json_digest(j["config"]) for j in store.jobs([audio, visual])]
    assert (job["protocol"], job["fold"], job["model_seed"], job["test_corpus"]) == ("within", "f0", 0, "toy")
    # the fusion as fitted by hand on the validation posteriors, applied to the test posteriors
    y_valid = np.arange(N_VALID) % 3
    rule = default_registry().fusion("prior")().fit([arrays(store, audio, "valid"), arrays(store, visual, "valid")],
                                                    y_valid)
    expected = rule.fuse([arrays(store, audio, "test"), arrays(store, visual, "test")])
    stored = store.predictions(job["job_id"])
    assert len(stored) == N_TEST and store.predictions(job["job_id"], "valid") == []
    assert np.allclose([p.scores for p in stored], expected, atol=1e-6)
    assert job["report"]["fusion"]["fitted"]["d"] == rule.fitted["d"] and max(rule.fitted["d"]) > 0
    y_test = np.array([LABELS.index(p.true_label) for p in stored])
    assert job["metrics"] == classification_metrics(y_test, expected.argmax(1), LABELS, expected)
    # again: same job id, nothing new
    count = store.count()
    fuse.run(cli("--fusion", "prior", "--run", audio, "--run", visual, "--results", str(tmp_path)))
    assert store.count() == count and "0 new, 1 already" in capsys.readouterr().out


def test_test_predictions_never_change_what_the_fusion_learns(tmp_path):
    fitted = []
    for noise in (0, 1):  # same validation predictions, other test predictions
        store = ResultsStore(tmp_path / str(noise))
        a = add_job(store, "lstm", "audio", skill=0.3)
        v = add_job(store, "lstm", "visual", skill=1.0)
        with store._connect() as db:  # replace the visual run's test posteriors
            rows = db.execute("SELECT item, scores FROM predictions WHERE job_id=? AND part='test'", (v,)).fetchall()
            for item, _ in rows:
                db.execute("UPDATE predictions SET scores=? WHERE job_id=? AND part='test' AND item=?",
                           (f"[{0.2 + 0.1 * noise}, {0.3 - 0.1 * noise}, 0.5]", v, item))
        result = fuse.fuse_jobs(store, "lr", {}, store.jobs([a, v]))
        fitted.append(result.record.report["fusion"]["fitted"])
    assert fitted[0] == fitted[1]


def test_refuses_runs_on_other_test_items(tmp_path):
    store = ResultsStore(tmp_path)
    a = add_job(store, "lstm", "audio")
    v = add_job(store, "lstm", "visual", test_items=N_TEST - 1)
    with pytest.raises(HarnessError) as err:
        fuse.run(cli("--fusion", "confidence", "--run", a, "--run", v, "--results", str(tmp_path)))
    text = str(err.value)
    assert a[:10] in text and v[:10] in text and f"{N_TEST} vs {N_TEST - 1}" in text and "test items" in text


def test_refuses_runs_with_other_true_labels(tmp_path):
    store = ResultsStore(tmp_path)
    a, v = add_job(store, "lstm", "audio"), add_job(store, "lstm", "visual", swap_label=True)
    with pytest.raises(HarnessError, match=r"disagree on the true label of 1 of 40 test items"):
        fuse.fuse_jobs(store, "confidence", {}, store.jobs([a, v]))


def test_refuses_runs_without_validation_predictions(tmp_path):
    store = ResultsStore(tmp_path)
    a, v = add_job(store, "lstm", "audio"), add_job(store, "lstm", "visual", valid=False)
    with pytest.raises(HarnessError, match=f"job {v[:10]}.*no validation predictions"):
        fuse.run(cli("--fusion", "lr", "--run", a, "--run", v, "--results", str(tmp_path)))
    assert store.count() == 2


def test_refuses_other_folds_seeds_and_bad_arguments(tmp_path):
    store = ResultsStore(tmp_path)
    a = add_job(store, "lstm", "audio")
    other = add_job(store, "lstm", "visual", seed=1)
    with pytest.raises(HarnessError, match="differ in model_seed"):
        fuse.fuse_jobs(store, "prior", {}, store.jobs([a, other]))
    with pytest.raises(HarnessError, match="at least two runs"):
        fuse.fuse_jobs(store, "prior", {}, store.jobs([a]))
    with pytest.raises(HarnessError, match="given twice"):
        fuse.fuse_jobs(store, "prior", {}, store.jobs([a, a]))
    with pytest.raises(HarnessError, match=r"no parameter 'weight'.*with \(default 'all'\)"):
        fuse.run(cli("--fusion", "lr-prior", "--fusion-param", "weight=1", "--run", a, "--run", other,
                     "--results", str(tmp_path)))
    with pytest.raises(HarnessError, match="not both"):
        fuse.run(cli("--fusion", "prior", "--run", a, "--group", "lstm@audio", "--results", str(tmp_path)))
    with pytest.raises(HarnessError, match="no job with that id prefix"):
        fuse.run(cli("--fusion", "prior", "--run", "ffff", "--run", a, "--results", str(tmp_path)))
    with pytest.raises(HarnessError, match="no results store"):
        fuse.run(cli("--fusion", "prior", "--run", a, "--run", a, "--results", str(tmp_path / "none")))


def test_fusion_params_reach_the_strategy_and_the_job_id(tmp_path):
    store = ResultsStore(tmp_path)
    a, v = add_job(store, "lstm", "audio"), add_job(store, "lstm", "visual", skill=1.0)
    ids = set()
    for value in ("0", "1", "all"):
        fuse.run(cli("--fusion", "lr-confidence", "--fusion-param", f"with={value}", "--run", a, "--run", v,
                     "--results", str(tmp_path)))
    for job in store.jobs():
        if job["method"] == "fusion:lr-confidence":
            ids.add(job["job_id"])
            assert job["report"]["fusion"]["fitted"]["with"] == {0: [0], 1: [1], "all": [0, 1]}[job["hparams"]["with"]]
    assert len(ids) == 3
    with pytest.raises(HarnessError, match="with=5"):
        fuse.run(cli("--fusion", "lr-confidence", "--fusion-param", "with=5", "--run", a, "--run", v,
                     "--results", str(tmp_path)))


def test_groups_fuse_every_fold_and_render_in_the_leaderboard(tmp_path, capsys):
    store = ResultsStore(tmp_path)
    for fold in ("f0", "f1", "f2"):
        add_job(store, "lstm", "audio", fold=fold, skill=0.4)
        add_job(store, "lstm", "visual", fold=fold, skill=0.8)
    add_job(store, "lstm", "visual", fold="f3")  # no audio run there
    add_job(store, "classic", "audio", fold="f0")  # another method: not in the groups
    args = cli("--fusion", "prior", "--group", "lstm@audio", "--group", "lstm@visual", "--results", str(tmp_path))
    assert fuse.run(args) == 0
    captured = capsys.readouterr()
    assert "1 lstm@visual job(s) without a match" in captured.err
    assert "mean of 3" in captured.out and "3 new" in captured.out
    # the fused runs are tested against the better input group (visual), paired by item
    assert re.search(r"fusion:prior vs the better input lstm@visual over 3 fold\(s\) x seed\(s\): Δ UAR \(pooled\) "
                     r"[+-]\d\.\d{3}, one-tailed \S.* p = \d\.\d{3}", captured.out), captured.out
    fused = [j for j in store.jobs() if j["method"] == "fusion:prior"]
    assert sorted(j["fold"] for j in fused) == ["f0", "f1", "f2"]
    fuse.run(args)
    assert "0 new, 3 already" in capsys.readouterr().out
    files = write_leaderboards(tmp_path, tmp_path / "boards", metric="uar", baseline="lstm")
    page = (tmp_path / "boards" / "within.md").read_text()
    assert any(f.name == "within.md" for f in files)
    row = [line for line in page.splitlines() if line.startswith("| fusion:prior")]
    assert row and "(3)" in row[0]
    assert "| lstm [audio, audio-feat]" in page and "| lstm [visual, visual-feat]" in page


def test_groups_refuse_ambiguous_or_missing_runs(tmp_path):
    store = ResultsStore(tmp_path)
    add_job(store, "lstm", "audio")
    add_job(store, "lstm", "audio", features="other-feat")
    add_job(store, "lstm", "visual")
    with pytest.raises(HarnessError, match=r"--group lstm@audio: 2 jobs .* differ in features; name the runs"):
        fuse.match_groups(store, ["lstm@audio", "lstm@visual"])
    with pytest.raises(HarnessError, match="no such jobs"):
        fuse.match_groups(store, ["lstm@visual", "classic@audio"])
    with pytest.raises(HarnessError, match="METHOD@MODALITY"):
        fuse.match_groups(store, ["lstm", "classic@audio"])
    with pytest.raises(HarnessError, match="at least two different"):
        fuse.match_groups(store, ["lstm@visual"])


def test_fusion_is_applied_to_the_model_its_validation_predictions_came_from(tmp_path):
    """A refit job stores the selected model's test predictions too; fusion fits on the selected
    model's validation predictions and must fuse that model's test predictions, not the refit's."""
    store = ResultsStore(tmp_path)
    ids = [add_job(store, "lstm", m, skill=s) for m, s in (("audio", 0.3), ("visual", 1.0))]
    # give each job 'test_selected' predictions that differ from its (refitted) 'test' ones
    import sqlite3

    with sqlite3.connect(tmp_path / "results.sqlite") as db:
        for job_id in ids:
            rows = db.execute("SELECT item, speaker, true_label FROM predictions WHERE job_id=? AND "
                              "part='test'", (job_id,)).fetchall()
            for item, speaker, true_label in rows:
                flat = [1 / 3, 1 / 3, 1 / 3]  # the selected model: uninformative
                db.execute("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, 'test_selected')",
                           (job_id, item, speaker, true_label, LABELS[0], json.dumps(flat)))
    jobs = store.jobs(ids)
    fused = fuse.fuse_jobs(store, "average", {}, jobs)
    assert fused.record.report["fusion"]["applied_to"].startswith("test predictions of the same models")
    posts = np.array([p.scores for p in fused.predictions])
    assert np.allclose(posts, 1 / 3)  # the selected models' test posteriors were fused
