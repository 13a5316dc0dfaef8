"""A researcher's first day: discoverable options, readable jobs, ids everywhere, one exit-code
convention, and answers that come before any plugin loads."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import harness
from harness import catalog
from harness.cli.commands import main


def test_version_and_grouped_run_help(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"harness {harness.__version__}"
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    for group in ("what to run:", "protocol:", "features and normalisation:", "training and tuning:", "output:"):
        assert group in out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "examples:" in capsys.readouterr().out


def test_usage_errors_exit_2_with_the_closest_names(capsys):
    assert main(["run", "--method", "clasic", "--corpus", "demo-a"]) == 2
    assert "unknown method 'clasic' (did you mean 'classic'?)" in capsys.readouterr().err
    assert main(["run", "--method", "classic", "--corpus", "demo-aa"]) == 2
    assert "did you mean 'demo-a'" in capsys.readouterr().err
    assert main(["run", "--method", "classic", "--corpus", "demo-a", "--hp", "lrr=0.1"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'lr'?" in err and "classic: activation, batch_size" in err
    assert main(["run", "--method", "classic", "--corpus", "demo-a", "--hp", "classic.dropuot=0.1"]) == 2
    assert "no hyperparameter 'dropuot' (did you mean 'dropout'?)" in capsys.readouterr().err
    assert main(["run", "--method", "classic", "--corpus", "demo-a", "--feature-param", "logmel.widnow=3"]) == 2
    assert "did you mean 'window'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--bogus"])
    assert exit_.value.code == 2


def test_describe_a_method_a_corpus_and_an_extractor(capsys):
    assert main(["describe", "classic"]) == 0
    out = capsys.readouterr().out
    assert "classic (method" in out and "| lr " in out and "[0.0001, 0.01] log" in out and "budgets" in out
    assert main(["describe", "emodb"]) == 0
    out = capsys.readouterr().out
    assert "EMO-DB" in out and "layout:" in out and "obtain:" in out
    assert main(["describe", "logmel"]) == 0
    assert "--feature-param logmel.KEY=VALUE" in capsys.readouterr().out
    assert main(["describe", "pathnt"]) == 2
    assert "did you mean 'pathnet'" in capsys.readouterr().err


@pytest.mark.slow
def test_list_and_describe_answer_without_importing_torch(tmp_path):
    """The catalogue answers from the cache: a fresh process never imports torch or the plugins."""
    env = {"HARNESS_CACHE": str(tmp_path)}
    probe = ("import sys, runpy; sys.argv = ['harness', *sys.argv[1:]]\n"
             "try:\n    runpy.run_module('harness', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH', file=sys.stderr)")
    import os
    env = {**os.environ, **env}
    first = subprocess.run([sys.executable, "-c", probe, "list", "methods"], capture_output=True, text=True, env=env)
    assert "classic" in first.stdout  # the first call builds the catalogue (imports the plugins)
    for argv in (["list", "methods"], ["describe", "pathnet"], ["run", "--method", "nope", "--corpus", "emodb"],
                 ["--help"]):
        out = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env)
        assert out.stderr.strip().endswith("NO-TORCH"), (argv, out.stderr)


def test_the_catalogue_is_rebuilt_when_a_plugin_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    first = catalog.load()
    cached = json.loads((tmp_path / "catalog.json").read_text())
    assert cached["components"] == first
    source = next(f for f in catalog._source_files() if f.name == "classic.py")
    stat = source.stat()
    cached["components"]["methods"]["classic"]["description"] = "stale"
    (tmp_path / "catalog.json").write_text(json.dumps(cached))
    assert catalog.load()["methods"]["classic"]["description"] == "stale"  # same key: the cache is read
    import os
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    try:
        assert catalog.load()["methods"]["classic"]["description"] != "stale"  # the plugin changed: rebuilt
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _run(tiny_emodb, results, *extra):
    return main(["run", "--quiet", "--method", "classic", "--corpus", "emodb", "--protocol", "within", "--folds", "3",
                 "--budget", "smoke", "--data-root", str(tiny_emodb), "--results", str(results), *extra])


def test_ids_show_and_status_list_jobs_readably(tiny_emodb, tmp_path, capsys):
    results = tmp_path / "r"
    assert _run(tiny_emodb, results, "--ids") == 0
    out = capsys.readouterr().out
    ids = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ") and "classic" in line
           and "fold" in line]
    assert len(ids) == 3 and all(len(i) == 20 for i in ids)

    assert main(["show", ids[0][:8], "--results", str(results)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"job {ids[0]}: classic · within · emodb")
    assert "confusion matrix (rows: true label, columns: predicted):" in text and "→ anger" in text
    assert "hyperparameters (defaults and --hp):" in text and "recall per class:" in text
    assert "commit " in text and "code" in text and "fold sizes:" in text
    assert len(text.splitlines()) < 120
    assert main(["show", ids[0], "--results", str(results), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["job_id"] == ids[0]

    assert main(["status", "--results", str(results), "--recent", "2"]) == 0
    out = capsys.readouterr().out
    assert "latest 2 stored job(s)" in out and sum(i in out for i in ids) == 2


def test_show_draws_the_pathnet_pathway_as_a_grid():
    from harness.cli.show import render_job

    drawing = "layer   0  1  2\n    1   .  #  .\n    2   #  .  F"
    job = {"job_id": "a" * 20, "method": "pathnet", "protocol": "loso", "train_corpora": ["emodb"],
           "test_corpus": "emodb", "fold": "spk03", "model_seed": 0, "finished_at": "t", "wall_time": 1.0,
           "git_commit": "0" * 40 + "+dirty", "hparams": {"layers": 3},
           "config": {"protocol": "loso", "split_seed": 0, "fold_digest": "f", "modality": "audio",
                      "features": {"name": "logmel", "version": "1", "params": {}}, "norm": "speaker",
                      "budget": "default", "refit": False, "labels": ["anger", "sadness"], "data": {"emodb": "x"},
                      "method_version": "1"},
           "metrics": {"uar": 0.5, "war": 0.5, "n": 2, "confusion": [[1, 0], [1, 0]]},
           "report": {"training": {"selection": {"drawing": drawing, "best_score": 0.5}}}}
    text = render_job(job)
    assert "      layer   0  1  2\n          1   .  #  .\n          2   #  .  F" in text
    assert "dirty tree" in text and "not recorded" in text
