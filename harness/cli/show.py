"""``harness show JOB``: one stored job as a person reads it.

Config, the hyperparameters chosen (and the tuning that chose them), the metrics and
per-class recall, the confusion matrix with its labels, what happened to the data
(fold sizes, extraction, notes), what training selected (PathNet's pathways drawn as
grids), provenance (commit, dirty tree, code digests, device).  ``--json`` prints the
raw record instead.
"""

from __future__ import annotations

import json
from typing import Any

from tabulate import tabulate

#: metrics printed first, in this order, when present
HEADLINE = ("uar", "war", "macro_f1", "micro_f1", "uap", "roc_auc", "ccc", "pcc", "rmse", "mae")
WIDTH = 110


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= WIDTH else text[:WIDTH - 3] + "..."


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _commit(commit: str) -> str:
    if commit in ("", "unknown"):
        return "unknown (not run from a git checkout)"
    base, dirty = commit.removesuffix("+dirty"), commit.endswith("+dirty")
    return f"{base[:12]} ({'dirty tree: uncommitted changes' if dirty else 'clean tree'})"


def _header(job: dict) -> list[str]:
    cfg = job["config"]
    train = "+".join(job["train_corpora"])
    where = job["test_corpus"] if train == job["test_corpus"] else f"{train} → {job['test_corpus']}"
    execution = job["report"].get("execution", {})
    ran = f" · {execution['device']} ({execution.get('executor', '?')}, {execution.get('worker', '?')})" \
        if execution else ""
    return [f"job {job['job_id']}: {job['method']} · {job['protocol']} · {where} · fold {job['fold']} · "
            f"seed {job['model_seed']}",
            f"finished {job['finished_at']} in {job['wall_time']:.1f} s · commit {_commit(job['git_commit'])}{ran}",
            f"config key {job.get('config_key') or job['job_id']} · method version {cfg.get('method_version')}"]


def _config(job: dict) -> list[list[str]]:
    cfg = job["config"]
    feats = cfg.get("features", {})
    params = ", ".join(f"{k}={v}" for k, v in sorted(feats.get("params", {}).items()))
    rows = [["protocol", f"{cfg['protocol']} (split seed {cfg['split_seed']}, fold digest {cfg['fold_digest']})"],
            ["features", f"{cfg['modality']}/{feats.get('name')} v{feats.get('version')}"
                         + (f" ({params})" if params else "")],
            ["normalisation", cfg["norm"]],
            ["budget / refit", f"{cfg['budget']} / {'yes' if cfg['refit'] else 'no'}"],
            ["labels", f"{len(cfg['labels'])}: {', '.join(cfg['labels'])}"],
            ["data", ", ".join(f"{c} {fp}" for c, fp in sorted(cfg["data"].items()))]]
    for key in ("auxiliary", "pretraining", "regression"):
        if cfg.get(key):
            rows.append([key, _short(cfg[key])])
    code = cfg.get("code")
    if code:
        rows.append(["code", f"method {code['method']}, core {code['core']}, "
                             + ", ".join(f"{n} {d}" for n, d in sorted(code.get("features", {}).items()))])
    else:
        rows.append(["code", "not recorded (a job stored before code digests)"])
    return rows


def _metrics(job: dict) -> str:
    m = job["metrics"]
    names = [k for k in HEADLINE if isinstance(m.get(k), (int, float))]
    names += sorted(k for k, v in m.items() if isinstance(v, (int, float)) and k not in names and k != "n")
    lines = [tabulate([[_num(m[k]) for k in names]], headers=names, tablefmt="github", disable_numparse=True)]
    if isinstance(m.get("recall"), dict):
        lines.append("\nrecall per class:")
        lines.append(tabulate([[_num(v) for v in m["recall"].values()]], headers=list(m["recall"]),
                              tablefmt="github", disable_numparse=True))
    return "\n".join(lines)


def _confusion(job: dict) -> str | None:
    matrix = job["metrics"].get("confusion")
    labels = job["config"].get("labels", [])
    if not matrix or len(matrix) != len(labels):
        return None
    rows = [[f"true {lab}", *row, sum(row)] for lab, row in zip(labels, matrix)]
    return tabulate(rows, headers=["", *[f"→ {lab}" for lab in labels], "items"], tablefmt="github")


def _data(job: dict) -> list[str]:
    r = job["report"]
    out = []
    if r.get("fold_sizes"):
        sizes = ", ".join(f"{k} {v}" for k, v in r["fold_sizes"].items())
        out.append(f"fold sizes: {sizes}; validation grouped by {r.get('valid_grouping') or '?'}")
    for corpus, e in sorted(r.get("extraction", {}).items()):
        skipped = len(e.get("skipped", []))
        out.append(f"extraction {corpus}: {e.get('total')} item(s), {e.get('cached')} from cache, "
                   f"{e.get('computed')} extracted" + (f", {skipped} skipped" if skipped else ""))
        out += [f"  {n} file(s) {note}" for note, n in sorted(e.get("notes", {}).items())]
    for label, n in sorted(r.get("dropped", {}).items()):
        out.append(f"dropped: {n} item(s) labelled {label} (outside the run's labels)")
    for corpus, notes in sorted(r.get("corpus_notes", {}).items()):
        out += [f"note ({corpus}): {n}" for n in notes]
    if "target_labels_used" in r:
        out.append(f"target labels used: {'yes' if r['target_labels_used'] else 'no'}")
    return out


def _training(value: Any, indent: str = "  ") -> list[str]:
    """A method's training report: scalars inline, drawings (multi-line text) as blocks."""
    lines: list[str] = []
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, str) and "\n" in v:
                lines.append(f"{indent}{key}:")
                lines += [f"{indent}  {row}" for row in v.splitlines()]
            elif isinstance(v, dict) or (isinstance(v, list) and v and all(isinstance(x, dict) for x in v)):
                lines.append(f"{indent}{key}:")
                if isinstance(v, dict):
                    lines += _training(v, indent + "  ")
                else:
                    for i, x in enumerate(v, 1):
                        lines.append(f"{indent}  [{i}]")
                        lines += _training(x, indent + "    ")
            else:
                lines.append(f"{indent}{key}: {_short(_num(v) if isinstance(v, float) else v)}")
    return lines


def render_job(job: dict) -> str:
    out = _header(job)
    out += ["", "config:", tabulate(_config(job), tablefmt="plain")]
    hp = job["hparams"]
    out += ["", "hyperparameters" + (" (chosen by tuning)" if job["config"].get("tuning") else " (defaults and --hp)")
            + ":", tabulate([[k, _short(v)] for k, v in sorted(hp.items())], tablefmt="plain") if hp else "  (none)"]
    tuning = job["report"].get("tuning")
    if tuning:
        out += ["tuning:"] + _training(tuning)
    n = job["metrics"].get("n")
    out += ["", f"metrics (test part{f', {n} items' if n else ''}):", _metrics(job)]
    confusion = _confusion(job)
    if confusion:
        out += ["", "confusion matrix (rows: true label, columns: predicted):", confusion]
    data = _data(job)
    if data:
        out += ["", "data:"] + [f"  {line}" for line in data]
    training = job["report"].get("training")
    if training:
        out += ["", "training:"] + _training(training)
    if job["report"].get("postprocess"):
        out += ["", "post-processing:"] + _training(job["report"]["postprocess"])
    return "\n".join(out)
