"""``harness fuse``: the command line of decision-level fusion (:mod:`harness.analysis.fuse`).

Fuses the runs named by ``--run`` or ``--group``, prints the fused and input UAR / WAR per
fused job, and with groups the paired one-tailed test of the fused runs against the better
input (the leaderboard's test over whole test speakers).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from tabulate import tabulate

from harness.analysis.fuse import Fused, fuse_jobs, match_groups, parse_params, resolve_runs
from harness.analysis.groups import Group
from harness.analysis.significance import paired_test
from harness.errors import HarnessError
from harness.registry import default_registry
from harness.results.store import ResultsStore


def run(args) -> int:
    if bool(args.run) == bool(args.group):
        raise HarnessError("name the runs to fuse with --run JOBID (at least two) or --group METHOD@MODALITY "
                           "(at least two), not both")
    if not (Path(args.results) / ResultsStore.FILE).is_file():
        raise HarnessError(f"no results store in {args.results} (expected {ResultsStore.FILE})")
    registry = default_registry()
    cls = registry.fusion(args.fusion)
    params = parse_params(args.fusion_param, cls)
    store = ResultsStore(args.results)
    if args.run:
        sets, notes = [resolve_runs(store, args.run)], []
    else:
        sets, notes = match_groups(store, args.group)
    results = [fuse_jobs(store, args.fusion, params, jobs, registry) for jobs in sets]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(render(results, args.group or None))
    if args.group:
        for line in significance_lines(store, results, args.group):
            print(line)
    new = sum(r.new for r in results)
    print(f"\n{len(results)} fused job(s): {new} new, {len(results) - new} already in {store.path}; "
          f"fusion {args.fusion} {json.dumps(results[0].record.hparams, sort_keys=True)} fitted on validation "
          f"predictions only")
    return 0


def significance_lines(store: ResultsStore, results: list[Fused], names: list[str]) -> list[str]:
    """Per experiment, the fused runs against the input group with the higher mean UAR: the
    leaderboard's paired one-tailed test (whole test speakers; see harness/analysis/significance.py)."""
    by_experiment: dict[tuple, list[Fused]] = defaultdict(list)
    for r in results:
        job = r.record
        by_experiment[(job.protocol, tuple(job.train_corpora), job.test_corpus, job.split_seed)].append(r)
    lines = []
    for (protocol, _, _, _), runs in by_experiment.items():
        fused = Group(store.jobs([r.record.job_id for r in runs]))
        inputs = [Group([r.inputs[i] for r in runs]) for i in range(len(names))]
        best = max(range(len(names)), key=lambda i: np.mean([j["metrics"]["uar"] for j in inputs[i].jobs]))
        c = paired_test(store, fused, inputs[best], "uar", (runs[0].record.method, names[best]))
        where = f"{protocol} {fused.column}"
        lines.append(f"{where}: {runs[0].record.method} vs the better input {names[best]} over {len(runs)} "
                     f"fold(s) x seed(s): " + (f"Δ UAR (pooled) {c.delta:+.3f}, one-tailed {c.test} p = {c.p:.3f}"
                                               if c.p is not None else f"not tested ({c.reason})"))
    return lines


def _pair(metrics: dict) -> str:
    return f"{metrics['uar']:.3f} / {metrics['war']:.3f}"


def render(results: list[Fused], groups: list[str] | None = None) -> str:
    """Fused vs input UAR / WAR per fused job, with means over the jobs when there are several."""
    names = groups or [f"{j['method']}@{j['config']['modality']}" for j in results[0].inputs]
    if groups is None and len(set(names)) < len(names):
        names = [f"run {i + 1}: {n}" for i, n in enumerate(names)]
    rows, deltas = [], []
    for r in results:
        job = r.record
        where = job.test_corpus if job.protocol in ("within", "loso", "split") else \
            "+".join(job.train_corpora) + " → " + job.test_corpus
        best = max(j["metrics"]["uar"] for j in r.inputs)
        deltas.append(job.metrics["uar"] - best)
        rows.append([f"{job.protocol} {where}", job.fold, job.model_seed]
                    + [_pair(j["metrics"]) for j in r.inputs]
                    + [_pair(job.metrics), f"{deltas[-1]:+.3f}", job.job_id[:10], "new" if r.new else "stored"])
    if len(results) > 1:
        means = [{m: np.mean([r.inputs[i]["metrics"][m] for r in results]) for m in ("uar", "war")}
                 for i in range(len(names))]
        fused = {m: np.mean([r.record.metrics[m] for r in results]) for m in ("uar", "war")}
        rows.append([f"mean of {len(results)}", "", ""] + [_pair(m) for m in means]
                    + [_pair(fused), f"{np.mean(deltas):+.3f}", "", ""])
    headers = ["experiment", "fold", "seed"] + [f"{n} UAR / WAR" for n in names] + \
        [f"fused ({results[0].record.method}) UAR / WAR", "Δ UAR vs better input", "job", "store"]
    return tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
