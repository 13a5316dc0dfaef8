"""The ``harness`` command's arguments: every subcommand and option, grouped, with examples.

Only light modules are imported here (names of protocols, normalisations, budgets), so
``harness --help`` and usage errors answer before torch, scikit-learn or any plugin loads.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import harness
from harness.experiment.jobs import DEFAULT_FEATURES
from harness.experiment.protocols import PROTOCOLS
from harness.features.normalize import DEFAULT_NORM, NORMS
from harness.learning.method import BUDGETS
from harness.registry import KINDS

DESCRIPTION = "Benchmark harness for cross-corpus and cross-modal emotion-recognition transfer."
EXAMPLES = """\
examples:
  harness run --method classic --corpus demo-a                       the demo (5 speaker-disjoint folds)
  harness run --method classic --protocol cross --source emodb --target savee --data-root DATA
  harness describe classic                                            hyperparameters, budgets, inputs
  harness list methods                                                also: corpora, features, fusions, executors
  harness show JOB_ID_PREFIX                                          one stored job, readable (--json: raw)
  harness status --recent 20                                          sweeps and the latest jobs
  harness leaderboard --results results --out boards                 markdown pages from the store

exit codes: 0 done; 1 done, problems found (failed jobs, unreadable media); 2 bad input
(options, names, missing corpus or store, malformed files); 3 internal error; 130 interrupted.
"""


def _run_parser(sub) -> None:
    run = sub.add_parser(
        "run", help="run methods x corpora x protocols and print a results table",
        description="Run every method on every corpus under every protocol (folds x model seeds), store each "
                    "job with its predictions, print a table. Jobs already in the store are not run again.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  harness run --method classic --corpus demo-a\n"
               "  harness run --method classic --method pooled --protocol cross --source demo-a --target demo-b\n"
               "  harness run --method classic --corpus emodb --protocol loso --trials 20 --data-root DATA")
    what = run.add_argument_group("what to run")
    what.add_argument("--method", action="append", default=[], help="method name (repeatable; harness list methods)")
    what.add_argument("--corpus", action="append", default=[], help="corpus name (repeatable)")
    what.add_argument("--protocol", action="append", choices=PROTOCOLS, metavar="PROTOCOL",
                      help="within (speaker-disjoint k-fold, default), loso, split (official), given (--split-file "
                           "or --test-speakers), speaker-dependent (k-fold over items, for comparison with papers), "
                           "cross, multi, cross-adapt, multi-adapt, cross-adapt-loso, multi-adapt-loso, "
                           "cross-transductive, multi-transductive (unsupervised adaptation on the test items "
                           "themselves; transductive, marked (T)) (repeatable)")
    what.add_argument("--source", action="append", default=[], help="source corpus for cross/multi")
    what.add_argument("--target", action="append", default=[], help="target corpus for cross/multi")
    what.add_argument("--modality", choices=("audio", "visual"), help="target modality (default audio)")
    what.add_argument("--task", choices=("auto", "classification", "regression"), default="auto",
                      help="auto (default): classification where every corpus has categorical labels, "
                           "else regression on the dimensions they share")
    what.add_argument("--dimension", action="append", default=[], choices=("arousal", "valence", "dominance"),
                      help="regression: a dimension to predict (repeatable; default: all the corpora share)")

    proto = run.add_argument_group("protocol")
    proto.add_argument("--folds", type=int, default=5, help="k of within-corpus k-fold (default 5)")
    proto.add_argument("--seeds", type=int, default=1, help="model seeds per fold (default 1)")
    proto.add_argument("--split-seed", type=int, default=0, help="seed of the fold assignment")
    proto.add_argument("--adapt-fraction", type=float, default=0.2,
                       help="cross/multi with a method that uses target data: fraction of the target corpus, "
                            "drawn by speakers, given labelled to supervised adaptation (finetune, pooled, "
                            "centroid, pathnet-transfer, jdcd-joint) and unlabelled to unsupervised adaptation "
                            "(dann, coral, mmd, coral-features); every method is tested on the rest (default 0.2)")
    proto.add_argument("--labels", default=None, metavar="L1,L2,...",
                       help="use only these classes (e.g. anger,happiness,neutral,sadness,fear,disgust)")
    proto.add_argument("--split-file", type=Path, default=None, metavar="CSV",
                       help="protocol given: a table of item,part[,fold] (part: train, valid, test), honoured exactly")
    proto.add_argument("--test-speakers", default=None, metavar="S1,S2,...",
                       help="protocol given: these speakers are tested, the others train")
    proto.add_argument("--no-reference", dest="reference", action="store_false",
                       help="cross/multi: do not run the within-corpus reference on the target")

    feats = run.add_argument_group("features and normalisation")
    feats.add_argument("--features", action="append", default=[], metavar="MODALITY=NAME",
                       help=f"feature extractor per modality (default {DEFAULT_FEATURES})")
    feats.add_argument("--feature-param", action="append", default=[], metavar="EXTRACTOR.KEY=VALUE",
                       help="set a feature extractor's parameter (e.g. logmel.window=64)")
    feats.add_argument("--norm", choices=NORMS, default=DEFAULT_NORM,
                       help="feature standardisation: global (default, inductive: statistics of the fold's training "
                            "side only), none; TRANSDUCTIVE, opt-in: speaker (each speaker's own statistics, test "
                            "speakers included), corpus (each corpus's own statistics)")

    learn = run.add_argument_group("training and tuning")
    learn.add_argument("--budget", choices=BUDGETS, default="default", help="training budget preset")
    learn.add_argument("--hp", action="append", default=[], metavar="[METHOD.]NAME=VALUE",
                       help="override a hyperparameter default (with --trials: fix it, not searched); "
                            "harness describe METHOD lists them")
    learn.add_argument("--no-refit", dest="refit", action="store_false",
                       help="keep the model selected on validation instead of retraining on "
                            "training + validation data with the selected settings (epochs)")
    learn.add_argument("--trials", type=int, default=0,
                       help="Optuna trials per method and fold, scored on the fold's inner validation "
                            "part only (default 0: the method's defaults)")
    learn.add_argument("--storage", default=None, metavar="URL",
                       help="Optuna storage URL shared by workers (default sqlite in the results directory; "
                            "postgresql://USER:PASSWORD@HOST/DB with pip install -e '.[postgres]')")

    extra = run.add_argument_group("other training data (crossmodal and staged methods)")
    extra.add_argument("--aux-modality", choices=("audio", "visual"), default=None,
                       help="crossmodal methods (emobed): the auxiliary training modality (default: the other one)")
    extra.add_argument("--aux-corpus", default=None,
                       help="crossmodal methods: take the auxiliary modality from this corpus, unpaired "
                            "(default: the training corpora's own items of the fold's training side)")
    extra.add_argument("--pretrain", action="append", default=[], metavar="CORPUS:MODALITY",
                       help="pre-training set for staged methods (jdcd), repeatable, in order; the fold's "
                            "training items only where the corpus is part of the experiment")

    cont = run.add_argument_group("time-continuous regression (RECOLA)")
    cont.add_argument("--annotation-delay", type=float, default=0.0, metavar="SECONDS",
                      help="seconds the gold standard lags the signal (paper 004: 2.4)")
    cont.add_argument("--postprocess", action="store_true",
                      help="RECOLA's post-processing chain (median filter, centring, scaling, time shift), "
                           "chosen on validation")

    data = run.add_argument_group("data, results and execution")
    data.add_argument("--data-root", type=Path, default=None,
                      help="folder holding the corpora (default $HARNESS_DATA_ROOT)")
    data.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR",
                      help="explicit folder of one corpus")
    data.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    data.add_argument("--cache", type=Path, default=None,
                      help="cache directory (default $HARNESS_CACHE or ~/.cache/harness)")
    data.add_argument("--skip-unreadable", action="store_true",
                      help="leave out items whose media cannot be decoded (reported with counts)")
    data.add_argument("--workers", type=int, default=None,
                      help="processes for feature extraction and for the jobs of the local executor; CPUs of "
                           "a private Ray cluster (default: every core)")
    data.add_argument("--executor", default="local",
                      help="where the jobs run: local (process pool, default) or ray (harness list executors)")
    data.add_argument("--address", default=None, metavar="auto|HOST:PORT",
                      help="--executor ray: the cluster to join (default: start a private one on 127.0.0.1)")
    data.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                      help="torch device of the jobs (default auto: cuda when available, else cpu)")
    data.add_argument("--retry-failed", action="store_true",
                      help="run again the jobs whose last attempt failed (default: report and skip them)")
    data.add_argument("--reuse-stale", action="store_true",
                      help="reuse stored jobs produced by other code (the method's, the core's or an "
                           "extractor's code changed) instead of running them again; their rows are marked ‡")

    out = run.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    out.add_argument("--ids", action="store_true", help="also list every job of the table with its id")
    out.add_argument("--quiet", action="store_true", help="no progress bars")


def _bench_parsers(sub) -> None:
    bench = sub.add_parser("bench", help="benchmarks (feature extraction, sweep throughput, start-up time)")
    bench_sub = bench.add_subparsers(dest="action", required=True)
    p = bench_sub.add_parser("features", help="time feature extraction: cold (empty cache) and warm")
    p.add_argument("--corpus", action="append", default=[], help="corpus name (repeatable)")
    p.add_argument("--extractor", action="append", default=[],
                   help="feature extractor (repeatable; default: every registered audio extractor)")
    p.add_argument("--data-root", type=Path, default=None,
                   help="folder holding the corpora (default $HARNESS_DATA_ROOT)")
    p.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR",
                   help="explicit folder of one corpus")
    p.add_argument("--feature-param", action="append", default=[], metavar="EXTRACTOR.KEY=VALUE",
                   help="set a feature extractor's parameter (e.g. logmel.overlap=20)")
    p.add_argument("--workers", type=int, default=None, help="extraction processes (default: all cores)")
    p.add_argument("--tmp-dir", type=Path, default=None,
                   help="where the temporary caches are made (default: the system's temporary folder); "
                        "put it on the disk of your real cache to time its writes")
    p.add_argument("--skip-unreadable", action="store_true", help="leave out undecodable items (counted)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    p.add_argument("--progress", action="store_true", help="show progress bars")

    p = bench_sub.add_parser("sweep", help="jobs/s of a fixed sweep with 1 and 2 local workers and a local Ray "
                                           "cluster, and the speedups")
    p.add_argument("--corpus", action="append", default=[],
                   help="corpora of the sweep (repeatable; default demo-a and demo-b); e.g. emodb and savee "
                        "with --data-root ../shared/corpora")
    p.add_argument("--data-root", type=Path, default=None, help="folder holding the corpora")
    p.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="local worker counts (default 1 2)")
    p.add_argument("--ray", type=int, nargs="?", const=2, default=None, metavar="CPUS",
                   help="also a private Ray cluster of CPUS (default 2) on 127.0.0.1")
    p.add_argument("--seeds", type=int, default=2, help="model seeds (default 2: 24 jobs on the demo corpora)")
    p.add_argument("--tmp-dir", type=Path, default=None, help="where the temporary stores and cache are made")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")

    p = bench_sub.add_parser("startup", help="wall time of commands that should answer at once (--help, list, "
                                             "describe, a usage error), each a fresh process")
    p.add_argument("--repeat", type=int, default=5, help="runs per command (default 5; the median is shown)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")


def _fuse_parser(sub) -> None:
    fuse = sub.add_parser(
        "fuse", help="decision-level fusion of stored runs (fitted on their validation predictions)",
        description="Fuse the stored class posteriors of runs on the same test items with a fusion strategy "
                    "fitted on their validation predictions only; the fused result is stored as a job.")
    fuse.add_argument("--fusion", required=True, help="fusion strategy (harness list fusions)")
    fuse.add_argument("--fusion-param", action="append", default=[], metavar="KEY=VALUE",
                      help="a parameter of the strategy, e.g. with=0 (repeatable)")
    fuse.add_argument("--run", action="append", default=[], metavar="JOBID_PREFIX",
                      help="a stored job to fuse (repeatable, at least two; their order matters for tie-breaks)")
    fuse.add_argument("--group", action="append", default=[], metavar="METHOD@MODALITY",
                      help="fuse these runs in every fold and seed where all groups have one (repeatable, >= 2)")
    fuse.add_argument("--results", type=Path, default=Path("results"), help="results directory")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description=DESCRIPTION, epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"harness {harness.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _run_parser(sub)

    lst = sub.add_parser("list", help="list registered plugins of one kind")
    lst.add_argument("kind", choices=list(KINDS))

    describe = sub.add_parser("describe", help="what a method, feature extractor, corpus, fusion or executor "
                                               "is: summary, hyperparameters, budgets, inputs, layouts")
    describe.add_argument("name", help="a registered name (harness list ...)")
    describe.add_argument("--kind", choices=list(KINDS), default=None,
                          help="when a name is registered for several kinds")

    corpora = sub.add_parser("corpora", help="inspect corpora")
    corpora_sub = corpora.add_subparsers(dest="action", required=True)
    check = corpora_sub.add_parser("check", help="items, speakers, labels, modalities, splits and problems; "
                                                 "decodes every media file as a run would")
    check.add_argument("names", nargs="*", help="corpus names (default: every registered corpus)")
    check.add_argument("--headers-only", action="store_true",
                       help="read file headers only (fast), not the whole audio through the extraction decoder")
    check.add_argument("--data-root", type=Path, default=None)
    check.add_argument("--corpus-path", action="append", default=[], metavar="NAME=DIR")

    _bench_parsers(sub)

    board = sub.add_parser("leaderboard", help="markdown leaderboards and figures from the results store")
    board.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    board.add_argument("--out", type=Path, default=Path("leaderboards"), help="output folder")
    board.add_argument("--metric", choices=("uar", "war", "f1", "ccc"), default="uar",
                       help="metric of the tables and the significance tests (default uar)")
    board.add_argument("--baseline", default="classic", help="method the `*` compares against")
    board.add_argument("--reproduction", type=Path, default=None, metavar="PATH",
                       help="also write the reproduction page (the seed papers' figures beside the harness's, "
                            "under their protocol and the speaker-independent one) to PATH")

    export = sub.add_parser(
        "export", help="a compressed copy of a results store for publication: every job, the test predictions "
                       "(what the pages read), posteriors rounded; validation predictions left out")
    export.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.sqlite.gz")
    export.add_argument("--digits", type=int, default=4, help="decimals kept of the posteriors (default 4; 7: as "
                                                              "stored)")
    export.add_argument("--keep-validation", action="store_true",
                        help="keep the validation predictions too (what `harness fuse` needs)")

    show = sub.add_parser("show", help="one stored job, readable: config, hyperparameters, metrics, confusion "
                                       "matrix, notes (id prefix)")
    show.add_argument("job", help="job id or a unique prefix of one")
    show.add_argument("--results", type=Path, default=Path("results"))
    show.add_argument("--json", action="store_true", help="the raw stored record as JSON")

    status = sub.add_parser("status", help="sweeps in a results store: done / running / failed / pending jobs, "
                                           "and the latest jobs")
    status.add_argument("--results", type=Path, default=Path("results"), help="results directory")
    status.add_argument("--sweep", default=None, help="only this sweep (id prefix)")
    status.add_argument("--recent", type=int, default=10, metavar="N",
                        help="list the N jobs finished last, with their ids (default 10; 0: none)")
    status.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")

    _fuse_parser(sub)
    return parser
