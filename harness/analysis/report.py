"""Results tables for the terminal (tabulate) and JSON documents, read from the store."""

from __future__ import annotations

import json
from collections import defaultdict

from tabulate import tabulate

from harness.analysis.groups import group_key, transductive
from harness.data.digest import json_digest
from harness.experiment.protocols import ADAPT_PROTOCOLS, CROSS_PROTOCOLS, PROTOCOLS
from harness.learning.metrics import summarise

SUMMARY_METRICS = ("uar", "war", "macro_f1")
REGRESSION_METRICS = ("ccc", "pcc", "rmse")


def is_regression(job: dict) -> bool:
    return job["config"].get("regression") is not None
CROSS_FAMILY = CROSS_PROTOCOLS + ADAPT_PROTOCOLS


def summarise_jobs(jobs: list[dict], roles: dict[str, str] | None = None,
                   reused: dict[str, str] | None = None) -> list[dict]:
    """One row per (method, protocol, corpora, features, ...) with mean/std over folds and seeds.

    ``roles`` marks the jobs that were run as a cross-corpus reference; ``reused`` the stored
    jobs that stand in for jobs of other code (``--reuse-stale``), counted per row.
    """
    roles, reused = roles or {}, reused or {}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for job in jobs:
        groups[group_key(job, roles.get(job["job_id"], "main"))].append(job)
    rows = []
    for key, members in groups.items():
        role, method, protocol, train, test, modality, features, norm, labels, budget, split_seed, _ = key
        row = {"role": role, "method": method, "protocol": protocol, "train": list(train), "test": test,
               "modality": modality, "features": features, "norm": norm, "labels": list(labels),
               "budget": budget, "split_seed": split_seed, "hparams": members[0]["hparams"],
               "tuning": members[0]["config"].get("tuning"),
               "jobs": len(members), "folds": len({m["fold"] for m in members}),
               "seeds": len({m["model_seed"] for m in members}),
               "wall_time": sum(m["wall_time"] for m in members),
               "regression": members[0]["config"].get("regression"),
               "stale": sum(m["job_id"] in reused for m in members),
               "transductive": transductive(members),
               "job_ids": [m["job_id"] for m in members]}
        names = SUMMARY_METRICS
        if row["regression"]:
            names = REGRESSION_METRICS + tuple(f"ccc_{d}" for d in row["regression"]["dimensions"])
        for metric in names:
            row[metric] = summarise([m["metrics"][metric] for m in members])
        rows.append(row)
    def ref_key(r):
        return (r["method"], r["test"], tuple(r["labels"]), r["features"], r["norm"], r["budget"],
                json_digest(r["hparams"] if r["tuning"] is None else r["tuning"]))

    refs = {ref_key(r): r for r in rows if r["protocol"] in ("within", "loso") and "uar" in r}
    for r in rows:
        if r["protocol"] in CROSS_FAMILY and "uar" in r:
            ref = refs.get(ref_key(r))
            if ref is not None:
                r["within_uar"] = ref["uar"]["mean"]
                r["drop_uar"] = r["uar"]["mean"] - ref["uar"]["mean"]
    order = {p: i for i, p in enumerate(PROTOCOLS)}
    rows.sort(key=lambda r: (r["role"] != "main", order.get(r["protocol"], 9), r["test"],
                             "+".join(r["train"]), r["method"]))
    return rows


def norm_label(norm: str, is_transductive: bool) -> str:
    """The normalisation as tables show it: transductive rows say so."""
    return f"{norm} (transductive)" if is_transductive else norm


def _fmt(stat: dict) -> str:
    return f"{stat['mean']:.3f} ± {stat['std']:.3f}" if stat["n"] > 1 else f"{stat['mean']:.3f}"


def _where(r: dict, name) -> str:
    if r["protocol"] not in CROSS_FAMILY:
        return name(r["test"])
    return "+".join(name(c) for c in r["train"]) + " → " + name(r["test"])


def render_regression(rows: list[dict], name) -> str:
    dims = sorted({d for r in rows for d in r["regression"]["dimensions"]})
    table = [[r["method"], r["protocol"], _where(r, name), f"{r['modality']}/{r['features']}",
              norm_label(r["norm"], r["transductive"]),
              r["jobs"],
              _fmt(r["ccc"]), *[_fmt(r[f"ccc_{d}"]) if f"ccc_{d}" in r else "" for d in dims],
              _fmt(r["pcc"]), _fmt(r["rmse"]), f"{r['wall_time']:.1f}"] for r in rows]
    return tabulate(table, headers=["method", "protocol", "corpora", "features", "norm", "jobs", "CCC (mean)",
                                    *[f"CCC {d}" for d in dims], "PCC", "RMSE", "time (s)"], tablefmt="github")


def render_table(rows: list[dict], synthetic: set[str]) -> str:
    def name(corpus: str) -> str:
        return corpus + ("†" if corpus in synthetic else "")

    regression = [r for r in rows if r.get("regression")]
    rows = [r for r in rows if not r.get("regression")]
    if regression and not rows:
        return render_regression(regression, name) + "\nmean ± sample std over folds × seeds; CCC over " \
            "all test frames (time-continuous) or items, per dimension."
    table = []
    for r in rows:
        where = name(r["test"]) if r["protocol"] not in CROSS_FAMILY else \
            "+".join(name(c) for c in r["train"]) + " → " + name(r["test"])
        protocol = r["protocol"] + (" (reference)" if r["role"] == "reference" else "")
        method = r["method"] + (f" (tuned, {r['tuning']['trials']} trials)" if r.get("tuning") else "") \
            + ("‡" if r.get("stale") else "")
        table.append([method, protocol, where, f"{r['modality']}/{r['features']}",
                      norm_label(r["norm"], r["transductive"]), r["jobs"],
                      _fmt(r["uar"]), _fmt(r["war"]), _fmt(r["macro_f1"]),
                      f"{r['drop_uar']:+.3f}" if "drop_uar" in r else "", f"{r['wall_time']:.1f}"])
    text = tabulate(table, headers=["method", "protocol", "corpora", "features", "norm", "jobs", "UAR", "WAR",
                                    "macro-F1", "Δ UAR vs within", "time (s)"], tablefmt="github")
    notes = ["mean ± sample std over folds × seeds; chance UAR = 1/number of labels."]
    if any(r["transductive"] for r in rows):
        notes.append("transductive: the normalisation used the unlabelled features of the test items "
                     "(--norm speaker, or corpus without an adaptation part); the default, global, uses training "
                     "statistics only.")
    if any("drop_uar" in r for r in rows):
        notes.append("Δ UAR vs within: cross-corpus UAR minus the within-corpus UAR of the same "
                     "method on the target, on the same labels.")
    if any(r.get("stale") for r in rows):
        notes.append(f"‡ {sum(r.get('stale', 0) for r in rows)} job(s) reused from the store although they were "
                     f"produced by other code (--reuse-stale); run without it to recompute them.")
    if any(c in synthetic for r in rows for c in r["train"] + [r["test"]]):
        notes.append("† synthetic demo corpus (generated, not real recordings).")
    if regression:
        notes.append("\n" + render_regression(regression, name))
    return text + "\n" + "\n".join(notes)


def render_ids(jobs: list[dict], roles: dict[str, str] | None = None, reused: dict[str, str] | None = None) -> str:
    """Every job of a run with its id (``harness show ID``), in the order of the table's rows."""
    roles, reused = roles or {}, reused or {}
    rows = []
    for job in sorted(jobs, key=lambda j: (roles.get(j["job_id"], "main") != "main", j["method"], j["protocol"],
                                           j["test_corpus"], j["fold"], j["model_seed"])):
        train = "+".join(job["train_corpora"])
        where = job["test_corpus"] if train == job["test_corpus"] else f"{train} → {job['test_corpus']}"
        metric = "uar" if "uar" in job["metrics"] else "ccc"
        note = "reference" if roles.get(job["job_id"]) == "reference" else ""
        if job["job_id"] in reused:
            note = (note + ", " if note else "") + "‡ other code"
        rows.append([job["job_id"], job["method"], job["protocol"], where, job["fold"], job["model_seed"],
                     f"{metric.upper()} {job['metrics'][metric]:.3f}", note])
    return tabulate(rows, headers=["job id", "method", "protocol", "corpora", "fold", "seed", "score", ""],
                    tablefmt="github", disable_numparse=True)


def _data_report(job: dict) -> dict:
    report = job["report"]
    return {
        "dropped_labels": report.get("dropped", {}),
        "skipped_items": {c: len(e.get("skipped", [])) for c, e in report.get("extraction", {}).items()},
        "fold_sizes": report.get("fold_sizes", {}),
        "valid_grouping": report.get("valid_grouping"),
    }


def json_document(jobs: list[dict], rows: list[dict], outcome) -> str:
    doc = {
        "jobs": [{**{k: job[k] for k in ("job_id", "method", "protocol", "train_corpora", "test_corpus",
                                         "fold", "split_seed", "model_seed", "hparams", "metrics",
                                         "wall_time")},
                  "role": outcome.roles.get(job["job_id"], "main"), "data": _data_report(job)}
                 for job in jobs],
        "summary": rows,
        "ran": outcome.ran, "skipped": outcome.skipped, "wall_time": outcome.wall_time,
        "stale": {"found": dict(getattr(outcome, "stale", {})), "changed": dict(getattr(outcome, "changed", {})),
                  "reused": dict(getattr(outcome, "reused", {}))},
    }
    return json.dumps(doc, indent=2, sort_keys=True)
