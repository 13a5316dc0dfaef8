"""``harness leaderboard``: pages, stars from paired tests with Holm, reported rows, figures, determinism.

The golden pages in tests/golden/leaderboard/ come from the hand-made store
below; after an intended change of the output, regenerate them with

    UPDATE_GOLDEN=1 python -m pytest -q tests/test_leaderboard.py -k golden

and review the diff before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from harness.analysis.leaderboard import write_leaderboards
from harness.analysis.significance import _f1, _uar
from harness.cli.commands import main
from harness.errors import HarnessError
from harness.learning.metrics import classification_metrics
from harness.results.store import JobRecord, Prediction, ResultsStore

GOLDEN = Path(__file__).parent / "golden" / "leaderboard"
LABELS = ["anger", "happiness", "neutral", "sadness"]
N_ITEMS, PER_SPEAKER = 80, 10  # 8 speakers x 10 items, labels cycling


def correct(method: str, seed: int, idx: int) -> bool:
    """Which predictions each hand-made method gets right (idx: item number in the corpus)."""
    if method in ("classic", "partial"):
        return idx % 2 == 0                              # 50 %
    if method == "better":
        return idx % 10 != 0                             # 90 %, clearly better than classic
    if method == "same":
        return idx % 2 == 1                              # 50 % on the other items: no gain
    if method == "borderline":  # classic + 1 more right for 5 of the 8 speakers: exact sign-flip p = 1/32
        return idx % 2 == 0 or (seed == 0 and idx in (1, 11, 21, 31, 41))
    if method == "lucky":  # one job (seed 0) of a nearly perfect system: n = 1, never bold over averaged cells
        return idx % 20 != 0
    raise AssertionError(method)


def add_job(store: ResultsStore, method: str, protocol: str, train: list[str], test: str, fold: str,
            seed: int, items: range, labels=LABELS, accuracy_cap: int | None = None, run: str = "") -> None:
    preds = []
    for idx in items:
        truth = labels[idx % len(labels)]
        ok = correct(method, seed, idx) and (accuracy_cap is None or idx % 4 != 0)
        pred = truth if ok else labels[(idx + 1) % len(labels)]
        scores = [0.7 if lab == pred else 0.1 for lab in labels]
        preds.append(Prediction(f"{test}/i{idx:03d}", f"{test}-s{idx // PER_SPEAKER}", truth, pred, scores))
    index = {lab: i for i, lab in enumerate(labels)}
    metrics = classification_metrics([index[p.true_label] for p in preds], [index[p.pred_label] for p in preds],
                                     labels)
    corpora = list(dict.fromkeys(train + [test]))
    config = {"budget": "smoke", "data": {c: f"fp-{c}" for c in corpora},
              "features": {"name": "egemaps", "version": "1"}, "fold": fold, "fold_digest": f"d-{fold}{run}",
              "hparams": {"lr": 0.001}, "labels": list(labels), "method": method, "method_version": "1",
              "modality": "audio", "model_seed": seed, "norm": "global", "protocol": protocol, "refit": True,
              "split_seed": 0, "test_corpus": test, "train_corpora": train}
    job_id = f"{method}-{protocol}-{'+'.join(train)}-{test}-{fold}-{seed}{run}"
    store.save(JobRecord(job_id, config, method, protocol, train, test, fold, 0, seed, {"lr": 0.001}, metrics,
                         {}, {"emo-transfer-harness": "0.1.0"}, "0123abc", 1.0, "2026-01-01T00:00:00"), preds)


FOLDS = {"fold0": range(0, 40), "fold1": range(40, 80)}  # speakers 0-3 / 4-7


def hand_made_store(directory: Path) -> ResultsStore:
    store = ResultsStore(directory)
    for seed in (0, 1):
        for corpus in ("savee", "enterface"):
            for method in ("classic", "better", "same", "borderline"):
                for fold, items in FOLDS.items():
                    add_job(store, method, "within", [corpus], corpus, fold, seed, items)
            # 'partial' was run on fold0 only: its test items differ from classic's
            add_job(store, "partial", "within", [corpus], corpus, "fold0", seed, FOLDS["fold0"])
        for src, tgt in (("enterface", "savee"), ("savee", "enterface")):
            for method in ("classic", "better"):
                add_job(store, method, "cross", [src], tgt, "all", seed, range(N_ITEMS), accuracy_cap=4)
    # one seed only: paired with classic on the seed both have
    add_job(store, "lucky", "cross", ["enterface"], "savee", "all", 0, range(N_ITEMS))
    return store


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    """The hand-made store rendered with WAR and with UAR."""
    root = tmp_path_factory.mktemp("lb")
    hand_made_store(root / "res")
    for metric in ("war", "uar"):
        write_leaderboards(root / "res", root / metric, metric)
    return root


def table_rows(text: str, header_start: str) -> dict[str, list[str]]:
    """{first cell: other cells} of the markdown table whose header starts with ``header_start``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| " + header_start))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows.setdefault(cells[0], cells[1:])
    return rows


def test_fast_metrics_match_classification_metrics():
    rng = np.random.default_rng(3)
    for _ in range(20):
        t, p = rng.integers(0, 5, 40), rng.integers(0, 5, 40)
        ref = classification_metrics(t, p, list("abcde"))
        assert _uar(t, p, 5) == pytest.approx(ref["uar"]) and _f1(t, p, 5) == pytest.approx(ref["macro_f1"])


def test_golden_pages(boards):
    for metric in ("war", "uar"):
        for page in ("index.md", "within.md", "cross-corpus.md"):
            got = (boards / metric / page).read_text("utf-8")
            golden = GOLDEN / metric / page
            if os.environ.get("UPDATE_GOLDEN"):
                golden.parent.mkdir(parents=True, exist_ok=True)
                golden.write_text(got, "utf-8")
            assert got == golden.read_text("utf-8"), f"{golden} differs (UPDATE_GOLDEN=1 to regenerate)"


def test_star_follows_paired_test_and_holm(boards):
    text = (boards / "war" / "within.md").read_text("utf-8")
    main_rows = table_rows(text, "method")
    sig = table_rows(text, "significance: method")
    # columns: enterface, savee
    assert main_rows["better"][1].endswith("** *") and main_rows["better"][0].endswith("** *")
    assert not main_rows["same"][1].endswith("*") and not main_rows["borderline"][1].endswith("*")
    # 8 test speakers: exact sign-flip over per-speaker differences. better: all 8 speakers gain,
    # p = 1/256, Holm x6 = .023 -> star. borderline: 5 of 8 speakers gain, raw p = 1/32 < .05 would star;
    # Holm over the 6 paired comparisons of the page (its two are 3rd and 4th smallest: x4) gives .125
    rows = [line for line in text.splitlines() if line.startswith("| borderline") and "sign-flip (exact)" in line]
    assert len(rows) == 2 and all("| 0.031 " in r and "| 0.125 " in r for r in rows)
    assert "Holm correction over the 6 paired comparison(s) of this page" in text
    assert sig["better"][2].startswith("sign-flip (exact)") and sig["better"][-1] == "*"
    # partial was scored on fold0 only: no paired test, no star, and the reason is given
    assert not main_rows["partial"][0].endswith("*")
    partial = [line for line in text.splitlines() if line.startswith("| partial") and "test items differ" in line]
    assert len(partial) == 2 and "80 only in classic" in partial[0]
    # the papers' unpaired z-test is listed too, and the page says which test the star means
    assert "z-test p" in text and "after Holm correction" in text and "sign-flip test over the per-speaker" in text
    uar = (boards / "uar" / "within.md").read_text("utf-8")
    assert "sign-flip test over the per-speaker differences of UAR (exact up to 20 test speakers" in uar
    assert table_rows(uar, "method")["better"][1].endswith("** *")
    assert not table_rows(uar, "method")["same"][1].endswith("*")


def test_single_job_cells_have_no_spread_are_never_bold_and_pair_on_shared_seeds(boards):
    cross = (boards / "war" / "cross-corpus.md").read_text("utf-8")
    rows = table_rows(cross, "method")
    # lucky (one job, .95) beats better (2 jobs, .70) on enterface → savee, but only averaged cells are bold
    assert rows["lucky"][1].startswith("0.950 (1)") and rows["better"][1].startswith("**0.700 ± 0.000 (2)**")
    lucky = [line for line in cross.splitlines() if line.startswith("| lucky") and "sign-flip" in line]
    assert len(lucky) == 1 and "paired on the 1 seed(s) both rows have" in lucky[0]
    assert "every row produced at commit 0123abc" in cross
    assert "enterface → savee (4 cl.)" in cross


def test_reported_rows_are_italic_never_bold_or_starred(boards):
    cross = (boards / "war" / "cross-corpus.md").read_text("utf-8")
    rows = table_rows(cross, "method")
    # columns: enterface → savee, savee → enterface; the paper's .85 beats every run (.700) but is not bold
    assert rows["*pathnet (paper 001, reported: Table 6)*"] == ["—", "*0.850 (reported, not run)*", ""]
    assert rows["*pathnet (paper 001, reported: Table 3)*"] == ["—", "*0.710 (reported, not run)*", ""]
    assert rows["better"][1].startswith("**0.700")
    assert not any("**" in c or c.endswith(" *") for name, cells in rows.items() if "reported" in name
                   for c in cells)
    assert "(visual)" not in cross  # the visual figures need a visual run in the column
    # paper 000's figures came from random (speaker-dependent) folds: they are not set beside the
    # speaker-independent within-corpus runs, only beside runs of the speaker-dependent protocol
    within = (boards / "war" / "within.md").read_text("utf-8")
    assert "paper 000" not in within
    # reported figures are WAR: none in the UAR pages
    assert "reported" not in (boards / "uar" / "cross-corpus.md").read_text("utf-8")


def test_figures_linked_and_heat_map_diagonal(boards):
    text = (boards / "war" / "cross-corpus.md").read_text("utf-8")
    links = re.findall(r"\]\((figures/[^)]+\.png)\)", text + (boards / "war" / "within.md").read_text("utf-8"))
    assert links and all((boards / "war" / link).is_file() for link in links)
    assert "figures/heatmap-cross-better-war.png" in links and \
        "figures/confusion-cross-better-enterface-to-savee-4-cl.png" in links
    manifest = (boards / "war" / ".leaderboard-files").read_text("utf-8").splitlines()
    assert sorted(manifest) == manifest and set(links) <= set(manifest)
    png = (boards / "war" / "figures" / "heatmap-cross-better-war.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png


def test_regeneration_is_byte_identical_and_cleans_only_its_own_files(boards, tmp_path):
    out = tmp_path / "board"
    out.mkdir()
    (out / "README.md").write_text("hand-written\n")
    (out / "figures").mkdir()
    (out / "figures" / "stale.png").write_bytes(b"old")
    (out / "multi-source.md").write_text("old page\n")
    (out / ".leaderboard-files").write_text("multi-source.md\nfigures/stale.png\n")
    (out / "notes.txt").write_text("mine\n")
    written = write_leaderboards(boards / "res", out, "war")
    assert not (out / "multi-source.md").exists() and not (out / "figures" / "stale.png").exists()
    assert (out / "README.md").read_text() == "hand-written\n" and (out / "notes.txt").exists()
    # every file (markdown, PNG, manifest) has the same bytes as the fixture's earlier rendering
    theirs = sorted(p.relative_to(boards / "war") for p in (boards / "war").rglob("*") if p.is_file())
    assert sorted([p.relative_to(out) for p in written] + [Path(".leaderboard-files")]) == theirs
    for rel in theirs:
        assert (out / rel).read_bytes() == (boards / "war" / rel).read_bytes(), rel


def test_a_manifest_never_makes_the_leaderboard_delete_other_files(boards, tmp_path):
    """A committed .leaderboard-files could list anything; only generated pages and figures inside
    the output folder are ever removed."""
    out = tmp_path / "board"
    (out / "figures").mkdir(parents=True)
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n")
    (out / "other.md").write_text("a page someone wrote\n")
    (out / "figures" / "notes.txt").write_text("not a figure\n")
    (out / "figures" / "escape.png").symlink_to(victim)
    (out / ".leaderboard-files").write_text("\n".join(
        [str(victim), "../precious.txt", "other.md", "figures/notes.txt", "figures/escape.png", "README.md",
         "figures/../../precious.txt"]) + "\n")
    write_leaderboards(boards / "res", out, "war")
    assert victim.read_text() == "keep me\n" and (out / "other.md").exists()
    assert (out / "figures" / "notes.txt").exists() and (out / "figures" / "escape.png").is_symlink()


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(HarnessError, match="no results store"):
        write_leaderboards(tmp_path / "nothing", tmp_path / "out")
    ResultsStore(tmp_path / "empty")
    with pytest.raises(HarnessError, match="no stored jobs"):
        write_leaderboards(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(HarnessError, match="unknown --metric"):
        write_leaderboards(tmp_path / "empty", tmp_path / "out", "auc")


@pytest.mark.slow
def test_cli_on_a_store_the_runner_wrote(tmp_path, capsys):
    from harness.execution.runner import Runner
    from harness.experiment.jobs import RunRequest

    results = tmp_path / "res"
    Runner(RunRequest(methods=["classic"], corpora=["demo-a"], folds=3, seeds=2, budget="smoke",
                      results=results, progress=False)).run()
    out = tmp_path / "lb"
    assert main(["leaderboard", "--results", str(results), "--out", str(out)]) == 0
    assert "index.md" in capsys.readouterr().out
    within = (out / "within.md").read_text("utf-8")
    row = table_rows(within, "method")["classic"]
    assert re.fullmatch(r"\*\*0\.\d{3} ± 0\.\d{3} \(6\)\*\*", row[0])  # 3 folds x 2 seeds
    assert re.search(r"\| demo-a† \(7 cl\.\) +\|", within) and "† synthetic demo corpus" in within  # the column says so
    index = (out / "index.md").read_text("utf-8")
    assert "6 stored job(s)" in index and "Synthetic corpora (generated, not recordings): demo-a." in index
    assert "demo-a " in index and "within.md" in index and not (out / "cross-corpus.md").exists()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["leaderboard", "--results", str(results), "--out", str(out)]) == 0
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert main(["leaderboard", "--results", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert "no results store" in capsys.readouterr().err


def test_a_store_mixing_fold_settings_is_refused(tmp_path):
    store = ResultsStore(tmp_path / "mixed")
    for run in ("-a", "-b"):  # the same fold name and seed twice, from runs with different folds
        add_job(store, "classic", "within", ["savee"], "savee", "fold0", 0, range(0, 40), run=run)
    with pytest.raises(HarnessError, match="differ only in their folds"):
        write_leaderboards(tmp_path / "mixed", tmp_path / "out")


def test_every_protocol_has_a_table_title_and_renders(tmp_path):
    """A store holding a job of every protocol the harness runs renders (a protocol without a title
    once stopped the published pages from being written)."""
    from harness.analysis.leaderboard import PROTOCOL_TITLES
    from harness.experiment.protocols import PROTOCOLS

    assert set(PROTOCOLS) <= set(PROTOCOL_TITLES)
    store = ResultsStore(tmp_path / "res")
    for protocol in PROTOCOLS:
        cross = protocol not in ("within", "loso", "split", "speaker-dependent", "given")
        train = ["savee"] if cross else ["enterface"]
        add_job(store, "classic", protocol, train, "enterface", "fold0", 0, FOLDS["fold0"])
    write_leaderboards(tmp_path / "res", tmp_path / "out", "uar")
    pages = "".join(p.read_text() for p in (tmp_path / "out").glob("*.md"))
    for protocol in PROTOCOLS:
        assert f"(`{protocol}`" in pages, protocol
    assert "TRANSDUCTIVE" in pages
