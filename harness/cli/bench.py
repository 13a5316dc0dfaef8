"""``harness bench features|sweep|startup``: how fast extraction, sweeps and the command itself run.

``features``: how fast the feature extractors run, cold and warm.

For every (extractor, corpus) pair the items are extracted through
:func:`harness.features.extract_features` -- decoding, features and cache
writes, in parallel over ``--workers`` processes, exactly as a run does -- into
a fresh, empty temporary cache (cold), then once more from that cache (warm).
Speed is given against the audio's duration, read from the file headers
(libsndfile, else the container through PyAV), so "x real-time" means seconds
of audio per second of wall time.  The machine's load average is recorded with
the figures: other processes on the machine slow a cold run down.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from harness.cli.options import feature_params, pairs
from harness.errors import HarnessError, MediaError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features

COLUMNS = ("extractor", "corpus", "files", "audio s", "cold s", "cold files/s", "cold xRT",
           "warm s", "warm xRT", "warm/cold speedup", "cold CPU s", "cache MB")


def audio_seconds(path: Path) -> float:
    """Duration of a media file's first audio stream from its header, in seconds."""
    import soundfile as sf

    try:
        return sf.info(str(path)).duration
    except (RuntimeError, sf.LibsndfileError):
        pass
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError(f"{path}: no audio stream in the file (container {container.format.name})")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / av.time_base
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: cannot read the audio header ({exc})") from None
    raise MediaError(f"{path}: the container records no duration")


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (the extraction pool)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tree_bytes(root: Path) -> int:
    return sum(f.stat().st_size for f in Path(root).rglob("*") if f.is_file())


def bench_one(extractor, corpus, *, workers: int | None = None, tmp_parent: Path | None = None,
              skip_unreadable: bool = False, progress: bool = False) -> dict:
    """Cold and warm extraction of one corpus with one extractor into a fresh temporary cache."""
    items = [it for it in corpus.items() if extractor.modality in it.media]
    if not items:
        raise HarnessError(f"corpus {corpus.name!r} has no {extractor.modality} media for "
                           f"{extractor.name!r} (it has {', '.join(corpus.modalities)})")
    durations: dict[str, float] = {}
    for it in items:
        if "audio" in it.media and extractor.modality == "audio":
            try:
                durations[it.key] = audio_seconds(it.media["audio"])
            except MediaError:
                if not skip_unreadable:
                    raise
    tmp = Path(tempfile.mkdtemp(prefix="harness-bench-", dir=tmp_parent))
    try:
        cache = FeatureCache(tmp)
        timings = []
        reports = []
        cpu = []
        for _ in ("cold", "warm"):
            start, cpu_start = time.perf_counter(), _cpu_seconds()
            _, report = extract_features(items, extractor, cache, workers=workers,
                                         skip_unreadable=skip_unreadable, progress=progress)
            timings.append(time.perf_counter() - start)
            cpu.append(_cpu_seconds() - cpu_start)
            reports.append(report)
        size = _tree_bytes(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cold, warm = timings
    skipped = {key for key, _ in reports[0].skipped}
    seconds = sum(v for k, v in durations.items() if k not in skipped) if durations else None
    if reports[1].computed:  # a warm run that extracted something means the cache did not hold
        raise HarnessError(f"{extractor.name} on {corpus.name}: the warm run extracted "
                           f"{reports[1].computed} item(s) again; the cache is not working")
    return {
        "extractor": extractor.name, "corpus": corpus.name, "files": len(items),
        "audio_seconds": seconds, "cold_s": cold, "warm_s": warm,
        "cold_files_per_s": len(items) / cold if cold > 0 else None,
        "cold_x_realtime": seconds / cold if seconds and cold > 0 else None,
        "warm_x_realtime": seconds / warm if seconds and warm > 0 else None,
        "warm_speedup": cold / warm if warm > 0 else None,
        "cold_cpu_s": cpu[0], "warm_cpu_s": cpu[1],
        "cold_cpu_x_realtime": seconds / cpu[0] if seconds and cpu[0] > 0 else None,
        "cache_bytes": size, "computed": reports[0].computed, "skipped": len(reports[0].skipped),
        "notes": dict(reports[0].notes), "workers": workers or os.cpu_count() or 1,
    }


def _fmt(value, digits: int = 1):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}" if value < 1e5 else f"{value:,.0f}"
    return value


def table_rows(rows: list[dict]) -> list[list]:
    return [[r["extractor"], r["corpus"], r["files"], _fmt(r["audio_seconds"]), _fmt(r["cold_s"], 2),
             _fmt(r["cold_files_per_s"]), _fmt(r["cold_x_realtime"]), _fmt(r["warm_s"], 3),
             _fmt(r["warm_x_realtime"]), _fmt(r["warm_speedup"]), _fmt(r["cold_cpu_s"], 2), _fmt(r["cache_bytes"] / 1e6)]
            for r in rows]


def run_features_bench(corpus_names: list[str], extractor_names: list[str], *, data_root: Path | None,
                       corpus_paths: dict[str, Path], workers: int | None, tmp_parent: Path | None,
                       skip_unreadable: bool, progress: bool, feature_params: dict | None = None,
                       registry=None) -> dict:
    """Every extractor over every corpus; corpora are located (and read) before anything is timed."""
    from harness.registry import default_registry

    registry = registry or default_registry()
    if not corpus_names:
        raise HarnessError("harness bench features: name at least one --corpus")
    feature_params = feature_params or {}
    names = extractor_names or [c.name for c in registry.components("features")
                                if getattr(c.cls, "modality", None) == "audio"]
    extractors, unusable = [], []
    for name in names:  # unknown names and bad parameters: a clear error before any work
        try:
            extractors.append(registry.feature(name)(**feature_params.get(name, {})))
        except HarnessError as exc:
            if extractor_names:
                raise
            unusable.append(f"{name}: {exc}")  # by default, extractors that need parameters are left out
    corpora = []
    for name in corpus_names:
        corpus = registry.corpus(name).locate(data_root, corpus_paths.get(name))
        corpus.items()
        corpora.append(corpus)
    load = os.getloadavg()
    rows = []
    for extractor in extractors:
        for corpus in corpora:
            rows.append(bench_one(extractor, corpus, workers=workers, tmp_parent=tmp_parent,
                                  skip_unreadable=skip_unreadable, progress=progress))
    return {"rows": rows, "left_out": unusable, "cpu_count": os.cpu_count(), "load_average_before": list(load),
            "load_average_after": list(os.getloadavg())}


def cmd_features(args) -> int:
    from tabulate import tabulate

    from harness.paths import default_data_root

    result = run_features_bench(
        args.corpus, args.extractor, data_root=args.data_root or default_data_root(),
        corpus_paths={k: Path(v) for k, v in pairs(args.corpus_path, "--corpus-path").items()},
        workers=args.workers, tmp_parent=args.tmp_dir, skip_unreadable=args.skip_unreadable,
        progress=args.progress, feature_params=feature_params(args.feature_param))
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    print(tabulate(table_rows(result["rows"]), headers=COLUMNS, tablefmt="github", disable_numparse=True))
    load = ", ".join(f"{v:.2f}" for v in result["load_average_before"])
    workers = result["rows"][0]["workers"] if result["rows"] else "-"
    print(f"\n{workers} worker(s) on {result['cpu_count']} core(s); load average before: {load}. "
          "xRT = seconds of audio per second of wall time; cold = empty cache (decode + features + "
          "cache write), warm = the same items read back from the cache; CPU s = user + system time of "
          "all processes (compare it with wall time x workers to see how much the machine's load cost).")
    for line in result["left_out"]:
        print(f"  left out (needs parameters; name it with --extractor and --feature-param): {line}")
    for r in result["rows"]:
        extra = [f"{n} file(s) {note}" for note, n in sorted(r["notes"].items())]
        if r["skipped"]:
            extra.append(f"{r['skipped']} item(s) skipped as unreadable")
        if extra:
            print(f"  {r['extractor']} / {r['corpus']}: " + "; ".join(extra))
    return 0


# -- harness bench sweep ------------------------------------------------------------------
SWEEP_COLUMNS = ("executor", "workers", "jobs", "failed", "mean job s", "startup s", "jobs s", "jobs/s", "speedup",
                 "total s")


def sweep_request(corpora: list[str], seeds: int, *, results: Path, cache: Path, data_root: Path | None,
                  corpus_paths: dict[str, Path], workers: int | None):
    """The fixed sweep: classic (default budget) within (5 speaker-disjoint folds) and cross, both
    directions, ``seeds`` model seeds -- 24 jobs of about a second each on demo-a and demo-b."""
    from harness.experiment.jobs import RunRequest

    return RunRequest(methods=["classic"], corpora=list(corpora), protocols=["within", "cross"], seeds=seeds,
                      folds=5, budget="default", data_root=data_root, corpus_paths=corpus_paths, results=results,
                      cache=cache, workers=workers, progress=False)


def run_sweep_bench(corpora: list[str], *, workers: list[int], ray_cpus: int | None, seeds: int = 2,
                    data_root: Path | None = None, corpus_paths: dict[str, Path] | None = None,
                    tmp_parent: Path | None = None) -> dict:
    """The fixed sweep once per setting (local with each worker count, then Ray), each into a fresh
    store, after a warm-up that extracts the features into a temporary cache; jobs/s counts the
    job phase (first job to last save), startup (pool or cluster and its workers) apart."""
    from harness.execution.runner import Runner
    from harness.execution.sweep import SweepOptions
    from harness.experiment.jobs import plan_experiments
    from harness.results.store import ResultsStore

    if len(corpora) < 2:
        raise HarnessError("harness bench sweep needs two corpora or more (within and cross-corpus jobs)")
    tmp = Path(tempfile.mkdtemp(prefix="harness-bench-sweep-", dir=tmp_parent))
    paths = corpus_paths or {}
    try:
        def request(name: str, n: int | None):
            return sweep_request(corpora, seeds, results=tmp / name, cache=tmp / "cache", data_root=data_root,
                                 corpus_paths=paths, workers=n)

        warm = Runner(request("warm-up", None))
        start = time.perf_counter()
        for experiment in plan_experiments(warm.request, lambda c: warm.registry.corpus(c).labels):
            warm.data.prepare(experiment)
        warm_up = time.perf_counter() - start
        settings = [("local", n) for n in workers] + ([("ray", ray_cpus)] if ray_cpus else [])
        load, rows, metrics = os.getloadavg(), [], {}
        for executor, n in settings:
            name = f"{executor}-{n}"
            outcome = Runner(request(name, n)).run(SweepOptions(executor=executor, workers=n, device="cpu"))
            jobs = ResultsStore(tmp / name).jobs()
            metrics[name] = {j["job_id"]: j["metrics"] for j in jobs}
            rows.append({"executor": executor, "workers": outcome.slots, "jobs": outcome.ran,
                         "failed": len(outcome.failed),
                         "mean_job_s": sum(j["wall_time"] for j in jobs) / len(jobs) if jobs else None,
                         "startup_s": outcome.open_seconds, "job_s": outcome.job_seconds,
                         "jobs_per_s": outcome.ran / outcome.job_seconds if outcome.job_seconds > 0 else None,
                         "total_s": outcome.wall_time})
        base = rows[0]["jobs_per_s"] if rows else None
        for r in rows:
            r["speedup"] = r["jobs_per_s"] / base if base and r["jobs_per_s"] else None
        reference = next(iter(metrics.values()), {})
        return {"rows": rows, "corpora": list(corpora), "seeds": seeds, "warm_up_s": warm_up,
                "identical_metrics": all(m == reference for m in metrics.values()),
                "cpu_count": os.cpu_count(), "load_average_before": list(load),
                "load_average_after": list(os.getloadavg())}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cmd_sweep(args) -> int:
    from tabulate import tabulate

    from harness.paths import default_data_root

    result = run_sweep_bench(args.corpus or ["demo-a", "demo-b"], workers=args.workers, ray_cpus=args.ray,
                             seeds=args.seeds, data_root=args.data_root or default_data_root(),
                             corpus_paths={k: Path(v) for k, v in pairs(args.corpus_path, "--corpus-path").items()},
                             tmp_parent=args.tmp_dir)
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return 0
    keys = ("executor", "workers", "jobs", "failed", "mean_job_s", "startup_s", "job_s", "jobs_per_s", "speedup",
            "total_s")
    table = [[_fmt(r[k], 2) for k in keys] for r in result["rows"]]
    print(tabulate(table, headers=SWEEP_COLUMNS, tablefmt="github", disable_numparse=True))
    load = ", ".join(f"{v:.2f}" for v in result["load_average_before"])
    print(f"\nclassic within + cross on {', '.join(result['corpora'])}, {result['seeds']} seed(s), on "
          f"{result['cpu_count']} core(s); load average before: {load}; warm-up (feature extraction) "
          f"{result['warm_up_s']:.1f} s. jobs/s = jobs / (first job to last save); startup = pool or cluster "
          f"and its workers; speedup against the first row. Same metrics in every setting: "
          f"{'yes' if result['identical_metrics'] else 'NO'}.")
    return 0 if result["identical_metrics"] and not any(r["failed"] for r in result["rows"]) else 1


#: commands that must answer at once: no plugin, torch or scikit-learn import on their path
STARTUP_COMMANDS = (("--help",), ("list", "methods"), ("describe", "classic"),
                    ("run", "--method", "no-such-method", "--corpus", "demo-a"), ("run", "--bogus-option"))


def run_startup_bench(repeat: int = 5) -> list[dict]:
    """Median / min wall time of each of :data:`STARTUP_COMMANDS` as a fresh ``python -m harness``
    process (the catalogue is warmed first: the first run after a code change rebuilds it)."""
    import statistics
    import subprocess
    import sys

    def once(argv) -> tuple[float, int]:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "harness", *argv], capture_output=True, text=True)
        return time.perf_counter() - start, proc.returncode

    once(("list", "methods"))  # build the catalogue if the code changed
    rows = []
    for argv in STARTUP_COMMANDS:
        times, codes = zip(*(once(argv) for _ in range(repeat)), strict=True)
        rows.append({"command": "harness " + " ".join(argv), "median_s": statistics.median(times),
                     "min_s": min(times), "max_s": max(times), "exit_code": codes[0], "runs": repeat})
    return rows


def cmd_startup(args) -> int:
    from tabulate import tabulate

    rows = run_startup_bench(args.repeat)
    if args.json:
        print(json.dumps({"rows": rows, "load": os.getloadavg()}, indent=2))
        return 0
    print(tabulate([[r["command"], f"{r['median_s']:.3f}", f"{r['min_s']:.3f}", f"{r['max_s']:.3f}", r["exit_code"]]
                    for r in rows], headers=["command", "median s", "min s", "max s", "exit code"],
                   tablefmt="github", disable_numparse=True))
    print(f"{args.repeat} fresh processes per command; load average {os.getloadavg()[0]:.2f}")
    return 0
