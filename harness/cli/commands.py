"""The ``harness`` command: each subcommand, and one exit-code convention (see :mod:`harness.errors`).

Heavy modules (torch, scikit-learn, the plugins) are imported inside the commands that
need them; names are checked against the catalogue first (:mod:`harness.catalog`), so
``--help``, ``list``, ``describe`` and input errors answer at once.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from harness import catalog
from harness.cli.options import feature_params, hparams, pairs
from harness.cli.parser import build_parser
from harness.errors import CorpusNotFound, HarnessError
from harness.experiment.jobs import RunRequest
from harness.paths import default_data_root


def check_names(args) -> None:
    """Every name of a run is registered (from the catalogue: an unknown one is answered at once,
    with the closest names, before any plugin loads)."""
    for m in args.method:
        catalog.entry("methods", m)
    for c in dict.fromkeys(args.corpus + args.source + args.target + [args.aux_corpus or ""]
                           + [spec.split(":")[0] for spec in args.pretrain]):
        if c:
            catalog.entry("corpora", c)
    for name in pairs(args.features, "--features").values():
        catalog.entry("features", name)
    catalog.entry("executors", args.executor)


def cmd_run(args) -> int:
    if not args.method:
        raise HarnessError("no method given (--method NAME); known methods: "
                           + ", ".join(catalog.names("methods")))
    check_names(args)
    hp = hparams(args.hp, args.method)
    fp = feature_params(args.feature_param)
    from harness.analysis.report import json_document, render_ids, render_table, summarise_jobs
    from harness.execution.runner import Runner
    from harness.execution.sweep import SweepOptions
    from harness.experiment.preparation import log
    from harness.results.store import ResultsStore

    data_root = args.data_root or default_data_root()
    request = RunRequest(
        methods=args.method, corpora=args.corpus, protocols=args.protocol or ["within"],
        sources=args.source, targets=args.target, seeds=args.seeds, split_seed=args.split_seed,
        folds=args.folds, modality=args.modality, features=pairs(args.features, "--features"),
        feature_params=fp, norm=args.norm, budget=args.budget, refit=args.refit, hparams=hp,
        labels=_labels(args.labels), split_file=args.split_file,
        test_speakers=tuple(s.strip() for s in args.test_speakers.split(",")) if args.test_speakers else (),
        trials=args.trials, storage=args.storage, adapt_fraction=args.adapt_fraction,
        aux_modality=args.aux_modality, aux_corpus=args.aux_corpus,
        pretrain=args.pretrain, task=args.task, dimensions=args.dimension, annotation_delay=args.annotation_delay,
        postprocess=args.postprocess, reference=args.reference, data_root=data_root,
        corpus_paths={k: Path(v) for k, v in pairs(args.corpus_path, "--corpus-path").items()},
        results=args.results, cache=args.cache, skip_unreadable=args.skip_unreadable,
        workers=args.workers, progress=not args.quiet)
    runner = Runner(request)
    outcome = runner.run(SweepOptions(executor=args.executor, address=args.address, device=args.device,
                                      retry_failed=args.retry_failed, reuse_stale=args.reuse_stale))
    jobs = ResultsStore(args.results).jobs(outcome.job_ids)
    rows = summarise_jobs(jobs, outcome.roles, outcome.reused)
    if args.json:
        print(json_document(jobs, rows, outcome))
    else:
        print(render_table(rows, outcome.synthetic))
        if args.ids:
            print("\n" + render_ids(jobs, outcome.roles, outcome.reused))
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


def _labels(text: str | None) -> tuple[str, ...] | None:
    """``--labels anger,happiness`` -> canonical label names; an unknown name is an error."""
    if text is None:
        return None
    from harness.data.labels import EMOTIONS
    from harness.errors import did_you_mean

    names = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    for name in names:
        if name not in EMOTIONS:
            raise HarnessError(f"--labels: {name!r} is not a label of the harness{did_you_mean(name, EMOTIONS)}; "
                               f"known: {', '.join(EMOTIONS)}")
    if len(names) < 2:
        raise HarnessError("--labels needs at least two classes")
    return names


def cmd_fuse(args) -> int:
    from harness.cli.fuse import run

    return run(args)


def cmd_list(args) -> int:
    from tabulate import tabulate

    rows = [[e["name"], e["description"], e["plugin"]] for e in catalog.load()[args.kind].values()]
    if not rows:
        print(f"no {args.kind} registered")
    else:
        print(tabulate(rows, headers=["name", "description", "plugin"], tablefmt="plain"))
    return 0


def cmd_describe(args) -> int:
    from harness.cli.describe import describe

    print(describe(args.name, args.kind))
    return 0


def cmd_corpora(args) -> int:
    """Exit 0 when every named corpus reads cleanly, 2 when one is missing, 1 on a problem."""
    for name in args.names:
        catalog.entry("corpora", name)
    from harness.registry import default_registry

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
            not_found = isinstance(exc, CorpusNotFound)
            print(f"{name}: {'NOT FOUND' if not_found else 'PROBLEM'}\n  {exc}\n")
            if not_found:
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
        for note in corpus.notes + corpus.check_counts():
            print(f"  note: {note}")
        for line in corpus.log.lines():
            print(f"  {line}")
        media_problems, media_notes = _check_media(corpus, args.headers_only)
        for note in media_notes:
            print(f"  media: {note}")
        if media_problems:
            problems += 1
            print(f"  PROBLEM: {sum(int(p.split()[0]) for p in media_problems)} unreadable media file(s) "
                  f"(a run stops on them; --skip-unreadable leaves them out, counted):")
            for message in media_problems:
                print(f"    {message}")
        print()
    return 1 if problems else 2 if missing else 0


def _check_media(corpus, headers_only: bool = False) -> tuple[list[str], list[str]]:
    """(problems, notes) of every media file: decoded through the extraction decoder (audio), or
    opened (images, video frames); with ``headers_only`` only the headers are read."""
    from harness.data.probe import inspect_all, probe_media, summarise
    from harness.errors import MediaError

    files = list(dict.fromkeys((path, modality) for item in corpus.items() for modality, path in item.media.items()))
    if not headers_only:
        return summarise(inspect_all(files))
    failures = []
    for path, modality in files:
        try:
            probe_media(path, modality)
        except MediaError as exc:
            failures.append(str(exc))
    return [f"1 unreadable file: {f}" for f in failures], ["headers only (--headers-only): files were not decoded"]


def _store(results: Path):
    from harness.results.store import ResultsStore

    if not (Path(results) / ResultsStore.FILE).is_file():
        raise HarnessError(f"no results store in {results} (expected {ResultsStore.FILE}; "
                           f"`harness run --results {results}` makes one)")
    return ResultsStore(results)


def cmd_show(args) -> int:
    job = _store(args.results).job(args.job)
    if job is None:
        raise HarnessError(f"no job {args.job!r} in {args.results} (`harness status --results {args.results}` "
                           f"lists the latest; `harness run ... --ids` prints a run's)")
    if args.json:
        print(json.dumps(job, indent=2, sort_keys=True))
    else:
        from harness.cli.show import render_job

        print(render_job(job))
    return 0


def cmd_leaderboard(args) -> int:
    from harness.analysis.leaderboard import write_leaderboards

    files = write_leaderboards(args.results, args.out, args.metric, args.baseline)
    print(f"{len(files)} file(s) in {args.out}: " + ", ".join(p.name for p in files if p.suffix == ".md"))
    if args.reproduction is not None:
        from harness.analysis.reproduction import reproduction_page

        args.reproduction.parent.mkdir(parents=True, exist_ok=True)
        args.reproduction.write_bytes((reproduction_page(_store(args.results)) + "\n").encode("utf-8"))
        print(f"reproduction page: {args.reproduction}")
    return 0


def cmd_export(args) -> int:
    from harness.results.publication import publication_copy

    if not args.out.name.endswith(".gz"):
        raise HarnessError(f"--out {args.out}: the copy is gzip-compressed; name it *.sqlite.gz")
    parts = ("test", "valid", "test_selected") if args.keep_validation else ("test",)
    copy = publication_copy(args.results, args.out, parts, None if args.digits == 7 else args.digits)
    kept = ", ".join(f"{p} {n}" for p, n in sorted(copy.predictions.items())) or "none"
    dropped = ", ".join(f"{p} {n}" for p, n in sorted(copy.dropped.items())) or "none"
    print(f"{copy.path}: {copy.jobs} job(s), {copy.size / 2**20:.1f} MiB; prediction rows kept: {kept}; "
          f"dropped: {dropped}; posteriors to {args.digits} decimals")
    return 0


def cmd_bench(args) -> int:
    from harness.cli import bench

    return {"features": bench.cmd_features, "sweep": bench.cmd_sweep, "startup": bench.cmd_startup}[args.action](args)


def cmd_status(args) -> int:
    from harness.execution.status import render, summary

    doc = summary(args.results, args.sweep, args.recent)
    print(json.dumps(doc, indent=2, sort_keys=True) if args.json else render(doc))
    return 0


COMMANDS = {"run": cmd_run, "list": cmd_list, "describe": cmd_describe, "show": cmd_show, "corpora": cmd_corpora,
            "bench": cmd_bench, "leaderboard": cmd_leaderboard, "status": cmd_status, "fuse": cmd_fuse,
            "export": cmd_export}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors exit 2 here (argparse)
    try:
        return COMMANDS[args.command](args)
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("harness: interrupted; finished jobs are stored, run again to resume", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`harness list methods | head`)
        sys.stdout = open(os.devnull, "w")
        return 0
    except Exception:  # a bug, not the input: say so, with the traceback
        traceback.print_exc()
        print("harness: internal error (the traceback above); please report it with the command you ran",
              file=sys.stderr)
        return 3
