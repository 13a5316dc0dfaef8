"""Time nkululeko's feature extraction, cold and warm; with --cross, its SVM cross-corpus UAR/WAR.

Not part of the harness (nkululeko is not a dependency): run it with a separate
environment that has nkululeko, e.g.::

    python3 -m venv /work/nkulu-venv
    /work/nkulu-venv/bin/pip install torch==2.13.0 nkululeko==1.14.1
    /work/nkulu-venv/bin/python benchmarks/nkululeko_compare.py --data-root ../shared/corpora \
        --type os --type spectra --n-jobs 2

For each corpus it writes a nkululeko data CSV (file, speaker, emotion), an INI
experiment config with ``[FEATS] type = ['<type>']`` into a fresh experiment
folder, and times what ``python -m nkululeko.nkululeko --config exp.ini`` does
before training: ``Experiment.load_datasets()``, ``fill_train_and_tests()`` and
``extract_feats()`` (train and test parts).  Cold = empty experiment folder;
warm = a second Experiment on the same folder (nkululeko reuses its stored
features).  Only ``extract_feats`` is timed; the configs are kept beside the
printed figures so that the same run can be repeated from the command line.

``--cross`` mode: nkululeko's own cross-corpus figures, as a reference for the
harness.  For every ordered pair of ``--corpus`` (default emodb, savee, urdu; or
the pairs given with ``--pair SRC:TGT``) and every ``--scale`` (default
``speaker`` and ``standard``) it writes one experiment folder with an INI::

    [DATA]  databases = ['SRC', 'TGT'];  SRC.split_strategy = train;  TGT.split_strategy = test
            labels = [<labels both corpora hold>];  target = emotion
    [FEATS] type = ['os'] (eGeMAPSv02 functionals);  scale = speaker | standard
    [MODEL] type = svm (nkululeko's defaults: C_val 1, rbf, gamma "scale");  n_jobs = --n-jobs
    [EXP]   save_test = <folder>/predictions.csv

and runs ``python -m nkululeko.nkululeko --config exp.ini`` in a subprocess
(log in ``nkululeko.log`` beside the INI).  The data CSVs hold every file of a
corpus; nkululeko's ``[DATA] labels`` drops the rows outside the shared labels
(EMO-DB boredom, SAVEE surprise, and for pairs with URDU also disgust and fear).
``scale = speaker`` is nkululeko's per-speaker z-scaling (each speaker of train
and of test scaled on its own data); ``scale = standard`` fits one StandardScaler
on the training features and applies it to the test features.  UAR and WAR are
computed from nkululeko's test predictions (``save_test``) and checked against
the UAR/accuracy nkululeko writes to its results folder.  nkululeko extracts the
opensmile features of a whole database at a time and caches them in its store as
``<db>_os_all.pkl``; the first experiment that uses a corpus extracts them and later
experiments get a copy of that file in their store, which nkululeko then reuses
(its own warm path; ``--no-feature-reuse`` extracts afresh in every experiment).
Run, e.g.::

    /work/nkulu-venv/bin/python benchmarks/nkululeko_compare.py --cross \
        --data-root ../shared/corpora --n-jobs 1 --keep /tmp/nkulu-cross

It prints one line of JSON per experiment as it goes, then a markdown table
(pair, labels, scale, n train/test, UAR, WAR, seconds) and one JSON document.
"""

from __future__ import annotations

import argparse
import configparser
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import permutations
from pathlib import Path

import soundfile as sf

EMODB = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness", "T": "sadness",
         "N": "neutral"}
SAVEE = {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "n": "neutral", "sa": "sadness",
         "su": "surprise"}
URDU = {"Angry": "anger", "Happy": "happiness", "Neutral": "neutral", "Sad": "sadness"}


def rows(corpus: str, root: Path) -> list[tuple[str, str, str]]:
    out = []
    if corpus == "emodb":
        for f in sorted((root / "emodb" / "wav").glob("*.wav")):
            out.append((str(f.resolve()), f.name[:2], EMODB[f.name[5]]))
    elif corpus == "savee":
        for f in sorted((root / "savee").rglob("*.wav")):
            m = re.fullmatch(r"([A-Z]{2})_([a-z]+)\d\d", f.stem)
            if m:
                out.append((str(f.resolve()), m.group(1), SAVEE[m.group(2)]))
    elif corpus == "urdu":
        # Angry/SM1_F10_A010.wav: label = folder, speaker = token before the first underscore
        for folder, label in URDU.items():
            for f in sorted((root / "urdu" / folder).glob("*.wav")):
                out.append((str(f.resolve()), f.name.split("_")[0], label))
    else:
        raise SystemExit(f"unknown corpus {corpus!r} (emodb, savee, urdu)")
    if not out:
        raise SystemExit(f"no {corpus} files under {root}")
    return out


def write_config(work: Path, corpus: str, table: Path, feat: str, n_jobs: int) -> Path:
    config = configparser.ConfigParser()
    config["EXP"] = {"root": f"{work}/", "name": f"bench_{corpus}_{feat}", "no_warnings": "True"}
    config["DATA"] = {"databases": f"['{corpus}']", corpus: str(table), f"{corpus}.type": "csv",
                      f"{corpus}.absolute_path": "True", f"{corpus}.split_strategy": "speaker_split",
                      f"{corpus}.test_size": "20", "target": "emotion"}
    config["FEATS"] = {"type": f"['{feat}']"}
    config["MODEL"] = {"type": "svm", "n_jobs": str(n_jobs)}
    path = work / "exp.ini"
    with open(path, "w") as f:
        config.write(f)
    return path


def time_extraction(config_path: Path) -> float:
    import nkululeko.experiment as exp

    config = configparser.ConfigParser()
    config.read(config_path)
    expr = exp.Experiment(config)
    expr.set_module("nkululeko")
    expr.load_datasets()
    expr.fill_train_and_tests()
    start = time.perf_counter()
    expr.extract_feats()
    return time.perf_counter() - start


def write_table(path: Path, table_rows: list[tuple[str, str, str]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "speaker", "emotion"])
        w.writerows(table_rows)


def write_cross_config(work: Path, name: str, source: str, target: str, tables: dict[str, Path],
                       labels: list[str], scale: str, n_jobs: int) -> Path:
    config = configparser.ConfigParser()
    config["EXP"] = {"root": f"{work}/", "name": name, "no_warnings": "True",
                     "save_test": str(work / "predictions.csv")}
    data = {"databases": f"['{source}', '{target}']", "target": "emotion", "labels": repr(labels)}
    for db, strategy in ((source, "train"), (target, "test")):
        data.update({db: str(tables[db]), f"{db}.type": "csv", f"{db}.absolute_path": "True",
                     f"{db}.split_strategy": strategy})
    config["DATA"] = data
    config["FEATS"] = {"type": "['os']", "scale": scale}
    config["MODEL"] = {"type": "svm", "n_jobs": str(n_jobs)}
    path = work / "exp.ini"
    with open(path, "w") as f:
        config.write(f)
    return path


def uar_war(truth: list[str], pred: list[str]) -> tuple[float, float, dict[str, float]]:
    recall = {}
    for label in sorted(set(truth)):
        idx = [i for i, t in enumerate(truth) if t == label]
        recall[label] = sum(pred[i] == label for i in idx) / len(idx)
    war = sum(t == p for t, p in zip(truth, pred)) / len(truth)
    return sum(recall.values()) / len(recall), war, recall


def nkululeko_report(exp_dir: Path) -> dict | None:
    """UAR and accuracy from the classification report nkululeko writes to results/run_0/."""
    for txt in sorted((exp_dir / "results").rglob("*.txt")):
        first = txt.read_text().splitlines()[:1]
        try:
            rpt = json.loads(first[0]) if first else None
        except json.JSONDecodeError:
            continue
        if isinstance(rpt, dict) and "macro avg" in rpt:
            return {"file": str(txt), "uar": rpt["macro avg"]["recall"], "accuracy": rpt["accuracy"]}
    return None


def count(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def run_cross(args: argparse.Namespace) -> None:
    corpora = args.corpus or ["emodb", "savee", "urdu"]
    pairs = [tuple(p.split(":")) for p in args.pair] or list(permutations(corpora, 2))
    scales = args.scale or ["speaker", "standard"]
    parent = args.keep or Path(tempfile.mkdtemp(prefix="nkulu-cross-"))
    parent.mkdir(parents=True, exist_ok=True)
    (parent / "data").mkdir(exist_ok=True)
    (parent / "feats").mkdir(exist_ok=True)
    all_rows = {c: rows(c, args.data_root) for c in sorted({c for p in pairs for c in p})}
    tables = {}
    for corpus, table_rows in all_rows.items():
        tables[corpus] = parent / "data" / f"{corpus}.csv"
        write_table(tables[corpus], table_rows)
    import nkululeko

    version = getattr(nkululeko, "__version__", None)
    if version is None:
        from nkululeko.constants import VERSION as version
    results = []
    for source, target in pairs:
        labels = sorted({r[2] for r in all_rows[source]} & {r[2] for r in all_rows[target]})
        for scale in scales:
            name = f"x_{source}_{target}_{scale}"
            work = parent / name
            if work.exists():
                shutil.rmtree(work)
            work.mkdir()
            config = write_cross_config(work, name, source, target, tables, labels, scale, args.n_jobs)
            store = work / name / "store"
            reused = []
            if not args.no_feature_reuse:
                for db in (source, target):
                    cached = parent / "feats" / f"{db}_os_all.pkl"
                    if cached.is_file():
                        store.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(cached, store / cached.name)
                        reused.append(db)
            expected = {db: count(r[2] for r in all_rows[db] if r[2] in labels) for db in (source, target)}
            dropped = {db: count(r[2] for r in all_rows[db] if r[2] not in labels) for db in (source, target)}
            row = {"pair": f"{source}->{target}", "labels": labels, "scale": scale, "config": str(config),
                   "features_copied_in": reused, "dropped_by_labels": dropped}
            start = time.perf_counter()
            with open(work / "nkululeko.log", "w") as log:
                proc = subprocess.run([sys.executable, "-m", "nkululeko.nkululeko", "--config", str(config)],
                                      cwd=work, stdout=log, stderr=subprocess.STDOUT)
            row["seconds"] = round(time.perf_counter() - start, 1)
            log_text = (work / "nkululeko.log").read_text()
            # what nkululeko itself says it did with each corpus's features
            row["features_reused"] = [db for db in (source, target)
                                      if re.search(rf"Reusing extracted OpenSMILE features from: .*/{db}_os_all\.pkl",
                                                   log_text)]
            preds = work / "predictions.csv"
            if proc.returncode != 0 or not preds.is_file():
                tail = log_text[-600:]
                row["error"] = f"exit {proc.returncode}, predictions {'present' if preds.is_file() else 'missing'}: {tail}"
            else:
                with open(preds, newline="") as f:
                    pr = list(csv.DictReader(f))
                truth, pred = [r["emotion"] for r in pr], [r["predictions"] for r in pr]
                uar, war, recall = uar_war(truth, pred)
                train_csv = store / "traindf.csv"
                train_labels = []
                if train_csv.is_file():
                    with open(train_csv, newline="") as f:
                        train_labels = [r.get("class_label") or r["emotion"] for r in csv.DictReader(f)]
                row.update({"n_train": len(train_labels), "n_test": len(pr), "train_labels": count(train_labels),
                            "test_labels": count(truth), "expected": expected, "predicted": count(pred),
                            "uar": round(uar, 4), "war": round(war, 4),
                            "recall": {k: round(v, 4) for k, v in recall.items()},
                            "nkululeko_report": nkululeko_report(work / name)})
                rep = row["nkululeko_report"]
                row["report_agrees"] = bool(rep) and abs(rep["uar"] - uar) < 1e-6 and abs(rep["accuracy"] - war) < 1e-6
                row["all_items_used"] = (count(truth) == expected[target]
                                         and (not train_labels or count(train_labels) == expected[source]))
                for db in (source, target):
                    cached = parent / "feats" / f"{db}_os_all.pkl"
                    if not args.no_feature_reuse and not cached.is_file() and (store / cached.name).is_file():
                        shutil.copy2(store / cached.name, cached)
            print(json.dumps(row), flush=True)
            results.append(row)
    print()
    print("| pair | labels | scale | n train / test | UAR | WAR | seconds |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['pair']} | {' '.join(r['labels'])} | {r['scale']} | – | error | error | {r['seconds']} |")
        else:
            print(f"| {r['pair']} | {' '.join(r['labels'])} | {r['scale']} | {r['n_train']} / {r['n_test']} "
                  f"| {r['uar']:.3f} | {r['war']:.3f} | {r['seconds']} |")
    print()
    print(json.dumps({"nkululeko": version, "features": "os (eGeMAPSv02 functionals)", "model": "svm",
                      "n_jobs": args.n_jobs, "folder": str(parent), "load_average": os.getloadavg(),
                      "results": results}, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--corpus", action="append", default=[])
    parser.add_argument("--type", action="append", default=[], help="nkululeko FEATS type (os, spectra, ...)")
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count())
    parser.add_argument("--keep", type=Path, default=None, help="keep experiment folders here")
    parser.add_argument("--cross", action="store_true",
                        help="cross-corpus SVM figures (train on one corpus, test on another) instead of timing")
    parser.add_argument("--pair", action="append", default=[], help="--cross: SRC:TGT (default: all ordered pairs)")
    parser.add_argument("--scale", action="append", default=[], choices=["speaker", "standard"],
                        help="--cross: nkululeko FEATS scale (default: speaker and standard)")
    parser.add_argument("--no-feature-reuse", action="store_true",
                        help="--cross: extract the features afresh in every experiment")
    args = parser.parse_args()
    if args.cross:
        run_cross(args)
        return
    results = []
    for corpus in args.corpus or ["emodb", "savee"]:
        table_rows = rows(corpus, args.data_root)
        seconds = sum(sf.info(r[0]).duration for r in table_rows)
        for feat in args.type or ["os"]:
            parent = args.keep or Path(tempfile.mkdtemp(prefix="nkulu-bench-"))
            parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f"{corpus}-{feat}-", dir=parent))
            table = work / f"{corpus}.csv"
            write_table(table, table_rows)
            config = write_config(work, corpus, table, feat, args.n_jobs)
            try:
                cold = time_extraction(config)
                warm = time_extraction(config)
                row = {"corpus": corpus, "type": feat, "files": len(table_rows), "audio_s": round(seconds, 1),
                       "cold_s": round(cold, 2), "cold_xRT": round(seconds / cold, 1),
                       "warm_s": round(warm, 3), "warm_xRT": round(seconds / warm, 1), "config": str(config)}
            except Exception as exc:  # report and go on with the other corpora / types
                row = {"corpus": corpus, "type": feat, "files": len(table_rows), "error": repr(exc)[:300],
                       "config": str(config)}
            print(json.dumps(row), flush=True)
            results.append(row)
    print(json.dumps({"n_jobs": args.n_jobs, "load_average": os.getloadavg(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
