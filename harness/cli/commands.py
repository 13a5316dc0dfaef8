"""The ``harness`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.cli.options import feature_params, hparams, pairs
from harness.errors import HarnessError
from harness.experiment.jobs import DEFAULT_FEATURES, RunRequest
from harness.experiment.protocols import PROTOCOLS
from harness.features.normalize import NORMS
from harness.learning.method import BUDGETS
from harness.paths import default_data_root
from harness.registry import KINDS, default_registry


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=__doc__.strip())
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run methods x corpora x protocols and print a results table")
    run.add_argument("--method", action="append", default=[], help="method name (repeatable)")
    run.add_argument("--corpus", action="append", default=[], help="corpus name (repeatable)")
    run.add_argument("--protocol", action="append", choices=PROTOCOLS,
                     help="within (speaker-disjoint k-fold, default), loso, split, cross, multi (repeatable)")
    run.add_argument("--source", action="append", default=[], help="source corpus for cross/multi")
    run.add_argument("--target", action="append", default=[], help="target corpus for cross/multi")
    run.add_argument("--seeds", type=int, default=1, help="model seeds per fold (default 1)")
    run.add_argument("--split-seed", type=int, default=0, help="seed of the fold assignment")
    run.add_argument("--folds", type=int, default=5, help="k of within-corpus k-fold (default 5)")
    run.add_argument("--modality", choices=("audio", "visual"), help="target modality (default audio)")
    run.add_argument("--features", action="append", default=[], metavar="MODALITY=NAME",
                     help=f"feature extractor per modality (default {DEFAULT_FEATURES})")
    run.add_argument("--feature-param", action="append", default=[], metavar="EXTRACTOR.KEY=VALUE",
                     help="set a feature extractor's parameter (e.g. logmel.window=64)")
    run.add_argument("--norm", choices=NORMS, default="speaker",
                     help="feature standardisation: speaker (each speaker's own statistics, no labels; "
                          "default), global (training-part statistics) or none")
    run.add_argument("--budget", choices=BUDGETS, default="default", help="training budget preset")
    run.add_argument("--no-refit", dest="refit", action="store_false",
                     help="keep the model selected on validation instead of retraining on "
                          "training + validation data with the selected settings (epochs)")
    run.add_argument("--hp", action="append", default=[], metavar="[METHOD.]NAME=VALUE",
                     help="override a hyperparameter default (with --trials: fix it, not searched)")
    run.add_argument("--trials", type=int, default=0,
                     help="Optuna trials per method and fold, scored on the fold's inner validation "
                          "part only (default 0: the method's defaults)")
    run.add_argument("--storage", default=None, metavar="URL",
                     help="Optuna storage URL shared by workers (default sqlite in the results directory)")
    run.add_argument("--adapt-fraction", type=float, default=0.2,
                     help="cross/multi with a method that uses target labels (finetune, pooled, centroid): "
                          "fraction of the target corpus, drawn by speakers, given labelled to those methods; "
                          "every method is tested on the rest (default 0.2)")
    run.add_argument("--aux-modality", choices=("audio", "visual"), default=None,
                     help="crossmodal methods (emobed): the auxiliary training modality (default: the other one)")
    run.add_argument("--aux-corpus", default=None,
                     help="crossmodal methods: take the auxiliary modality from this corpus, unpaired "
                          "(default: the training corpora's own items of the fold's training side)")
    run.add_argument("--pretrain", action="append", default=[], metavar="CORPUS:MODALITY",
                     help="pre-training set for staged methods (jdcd), repeatable, in order; the fold's "
                          "training items only where the corpus is part of the experiment")
    run.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                     help="auto (default): classification where every corpus has categorical labels, "
                          "else regression on the dimensions they share")
    run.add_argument("--dimension", action="append", default=[], choices=("arousal", "valence", "dominance"),
                     help="regression: a dimension to predict (repeatable; default: all the corpora share)")
    run.add_argument("--annotation-delay", type=float, default=0.0, metavar="SECONDS",
                     help="time-continuous targets: seconds the gold standard lags the signal "
                          "(RECOLA, paper 004: 2.4)")
    run.add_argument("--postprocess", action="store_true",
                     help="time-continuous targets: RECOLA's post-processing chain (median filter, centring, "
                          "scaling, time shift), chosen on validation")
    run.add_argument("--no-reference", dest="reference", action="store_false",
                     help="cross/multi: do not run the within-corpus reference on the target")
    run.add_argument("--data-root", type=Path, default=None,
                     help="folder holding the corpora (default $HARNESS_DATA_ROOT)")
    run.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR",
                     help="explicit folder of one corpus")
    run.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    run.add_argument("--cache", type=Path, default=None, help="cache directory (default $HARNESS_CACHE "
                                                             "or ~/.cache/harness)")
    run.add_argument("--skip-unreadable", action="store_true",
                     help="leave out items whose media cannot be decoded (reported with counts)")
    run.add_argument("--workers", type=int, default=None,
                     help="processes for feature extraction and for the jobs of the local executor; CPUs of a "
                          "private Ray cluster (default: every core)")
    run.add_argument("--executor", default="local",
                     help="where the jobs run: local (process pool, default) or ray (see `harness list executors`)")
    run.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                     help="--executor ray: the cluster to join (default: start a private one on 127.0.0.1)")
    run.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                     help="torch device of the jobs (default auto: cuda when available, else cpu)")
    run.add_argument("--retry-failed", action="store_true",
                     help="run again the jobs whose last attempt failed (default: report and skip them)")
    run.add_argument("--reuse-stale", action="store_true",
                     help="reuse stored jobs produced by other code (the method's, the core's or an extractor's "
                          "code changed) instead of running them again; their rows are marked ‡")
    run.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    run.add_argument("--quiet", action="store_true", help="no progress bars")

    lst = sub.add_parser("list", help="list registered plugins")
    lst.add_argument("kind", choices=list(KINDS))

    corpora = sub.add_parser("corpora", help="inspect corpora")
    corpora_sub = corpora.add_subparsers(dest="action", required=True)
    check = corpora_sub.add_parser("check", help="items, speakers, labels, modalities, splits and problems")
    check.add_argument("names", nargs="*", help="corpus names (default: every registered corpus)")
    check.add_argument("--data-root", type=Path, default=None)
    check.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR")

    from harness.cli.bench import add_features_parser, add_sweep_parser

    bench = sub.add_parser("bench", help="benchmarks (feature extraction speed, sweep throughput)")
    bench_sub = bench.add_subparsers(dest="action", required=True)
    add_features_parser(bench_sub)
    add_sweep_parser(bench_sub)

    board = sub.add_parser("leaderboard", help="markdown leaderboards and figures from the results store")
    board.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    board.add_argument("--out", type=Path, default=Path("leaderboards"), help="output folder")
    board.add_argument("--metric", choices=("uar", "war", "f1", "ccc"), default="uar",
                       help="metric of the tables and the significance tests (default uar)")
    board.add_argument("--baseline", default="classic", help="method the `*` compares against")

    show = sub.add_parser("show", help="show one stored job (id prefix)")
    show.add_argument("job")
    show.add_argument("--results", type=Path, default=Path("results"))

    status = sub.add_parser("status", help="sweeps in a results store: done / running / failed / pending jobs")
    status.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    status.add_argument("--sweep", default=None, help="only this sweep (id prefix)")
    status.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    from harness.analysis.fuse import add_parser as add_fuse_parser
    add_fuse_parser(sub)
    return parser


def cmd_run(args) -> int:
    from harness.analysis.report import json_document, render_table, summarise_jobs
    from harness.execution.runner import Runner
    from harness.experiment.preparation import log
    from harness.results.store import ResultsStore

    data_root = args.data_root or default_data_root()
    request = RunRequest(
        methods=args.method, corpora=args.corpus, protocols=args.protocol or ["within"],
        sources=args.source, targets=args.target, seeds=args.seeds, split_seed=args.split_seed,
        folds=args.folds, modality=args.modality, features=pairs(args.features, "--features"),
        feature_params=feature_params(args.feature_param),
        norm=args.norm, budget=args.budget, refit=args.refit, hparams=hparams(args.hp, args.method),
        trials=args.trials, storage=args.storage, adapt_fraction=args.adapt_fraction,
        aux_modality=args.aux_modality, aux_corpus=args.aux_corpus,
        pretrain=args.pretrain, task=args.task, dimensions=args.dimension, annotation_delay=args.annotation_delay,
        postprocess=args.postprocess, reference=args.reference, data_root=data_root,
        corpus_paths={k: Path(v) for k, v in pairs(args.corpus_path, "--corpus-path").items()},
        results=args.results, cache=args.cache, skip_unreadable=args.skip_unreadable,
        workers=args.workers, progress=not args.quiet)
    from harness.execution.sweep import SweepOptions

    runner = Runner(request)
    outcome = runner.run(SweepOptions(executor=args.executor, address=args.address, device=args.device,
                                      retry_failed=args.retry_failed, reuse_stale=args.reuse_stale))
    jobs = ResultsStore(args.results).jobs(outcome.job_ids)
    rows = summarise_jobs(jobs, outcome.roles, outcome.reused)
    if args.json:
        print(json_document(jobs, rows, outcome))
    else:
        print(render_table(rows, outcome.synthetic))
        log(f"{outcome.ran} job(s) run, {outcome.skipped} found in the store; "
            f"{outcome.wall_time:.1f} s; results in {Path(args.results) / 'results.sqlite'}")
    failed = {**outcome.failed_before, **outcome.failed}
    for job_id, error in failed.items():
        print(f"harness: job {job_id} failed: {error}", file=sys.stderr)
    if failed:
        print(f"harness: error: {len(failed)} job(s) failed; the sweep is incomplete "
              f"(`harness status --results {args.results}`; run again with --retry-failed)", file=sys.stderr)
        return 1
    return 0


def cmd_fuse(args) -> int:
    from harness.analysis.fuse import run
    return run(args)


def cmd_list(args) -> int:
    from tabulate import tabulate

    registry = default_registry()
    rows = [[c.name, c.description, c.plugin] for c in registry.components(args.kind)]
    if not rows:
        print(f"no {args.kind} registered")
    else:
        print(tabulate(rows, headers=["name", "description", "plugin"], tablefmt="plain"))
    return 0


def cmd_corpora(args) -> int:
    """Exit 0 when every named corpus reads cleanly, 2 when one is missing, 1 on a problem."""
    registry = default_registry()
    names = args.names or registry.names("corpora")
    paths = pairs(args.corpus_path, "--corpus-path")
    problems = missing = 0
    for name in names:
        cls = registry.corpus(name)
        try:
            corpus = cls.locate(args.data_root or default_data_root(), paths.get(name))
            summary = corpus.summary()
        except HarnessError as exc:
            print(f"{name}: {'NOT FOUND' if exc.exit_code == 2 else 'PROBLEM'}\n  {exc}\n")
            if exc.exit_code == 2:
                missing += bool(args.names)  # absent corpora matter only when asked for
            else:
                problems += 1
            continue
        labels = ", ".join(f"{lab} {n}" for lab, n in summary["labels"].items())
        splits = ", ".join(f"{sp} {n}" for sp, n in summary["splits"].items()) or "none"
        dims = ", ".join(summary["dimensions"]) or "none"
        print(f"{name}: {corpus.root}\n  items {summary['items']}, speakers {summary['speakers']}, "
              f"labels {len(summary['labels'])} ({labels})\n  continuous: {dims}\n"
              f"  modalities {', '.join(summary['modalities'])}; official split: {splits}")
        for note in corpus.notes:
            print(f"  note: {note}")
        unreadable = _probe_media(corpus)
        if unreadable:
            problems += 1
            print(f"  PROBLEM: {len(unreadable)} unreadable media file(s):")
            for message in unreadable[:10]:
                print(f"    {message}")
            if len(unreadable) > 10:
                print(f"    ... and {len(unreadable) - 10} more")
        print()
    return 1 if problems else 2 if missing else 0


def _probe_media(corpus) -> list[str]:
    """Open every media file far enough to know it is readable (see harness/data/probe.py)."""
    from harness.data.probe import probe_media
    from harness.errors import MediaError

    failures, seen = [], set()
    for item in corpus.items():
        for modality, path in item.media.items():
            if (modality, path) in seen:
                continue
            seen.add((modality, path))
            try:
                probe_media(path, modality)
            except MediaError as exc:
                failures.append(str(exc))
    return failures


def cmd_show(args) -> int:
    from harness.results.store import ResultsStore

    if not (Path(args.results) / ResultsStore.FILE).is_file():
        raise HarnessError(f"no results store in {args.results} (expected {ResultsStore.FILE})")
    job = ResultsStore(args.results).job(args.job)
    if job is None:
        raise HarnessError(f"no job {args.job!r} in {args.results}")
    print(json.dumps(job, indent=2, sort_keys=True))
    return 0


def cmd_leaderboard(args) -> int:
    from harness.analysis.leaderboard import write_leaderboards

    files = write_leaderboards(args.results, args.out, args.metric, args.baseline)
    print(f"{len(files)} file(s) in {args.out}: " + ", ".join(p.name for p in files if p.suffix == ".md"))
    return 0


def cmd_bench(args) -> int:
    from harness.cli import bench

    return {"features": bench.cmd_features, "sweep": bench.cmd_sweep}[args.action](args)


def cmd_status(args) -> int:
    from harness.execution.status import cmd_status as status

    return status(args)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        commands = {"run": cmd_run, "list": cmd_list, "show": cmd_show, "corpora": cmd_corpora,
                    "bench": cmd_bench, "leaderboard": cmd_leaderboard, "status": cmd_status,
                    "fuse": cmd_fuse}
        return commands[args.command](args)
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted; finished jobs are stored, run again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
