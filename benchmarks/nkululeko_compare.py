"""Time nkululeko's feature extraction on EMO-DB and SAVEE, cold and warm, for comparison.

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
"""

from __future__ import annotations

import argparse
import configparser
import csv
import json
import os
import re
import tempfile
import time
from pathlib import Path

import soundfile as sf

EMODB = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness", "T": "sadness",
         "N": "neutral"}
SAVEE = {"a": "anger", "d": "disgust", "f": "fear", "h": "happiness", "n": "neutral", "sa": "sadness",
         "su": "surprise"}


def rows(corpus: str, root: Path) -> list[tuple[str, str, str]]:
    out = []
    if corpus == "emodb":
        for f in sorted((root / "emodb" / "wav").glob("*.wav")):
            out.append((str(f.resolve()), f.name[:2], EMODB[f.name[5]]))
    else:
        for f in sorted((root / "savee").rglob("*.wav")):
            m = re.fullmatch(r"([A-Z]{2})_([a-z]+)\d\d", f.stem)
            if m:
                out.append((str(f.resolve()), m.group(1), SAVEE[m.group(2)]))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--corpus", action="append", default=[])
    parser.add_argument("--type", action="append", default=[], help="nkululeko FEATS type (os, spectra, ...)")
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count())
    parser.add_argument("--keep", type=Path, default=None, help="keep experiment folders here")
    args = parser.parse_args()
    results = []
    for corpus in args.corpus or ["emodb", "savee"]:
        table_rows = rows(corpus, args.data_root)
        seconds = sum(sf.info(r[0]).duration for r in table_rows)
        for feat in args.type or ["os"]:
            parent = args.keep or Path(tempfile.mkdtemp(prefix="nkulu-bench-"))
            parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f"{corpus}-{feat}-", dir=parent))
            table = work / f"{corpus}.csv"
            with open(table, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["file", "speaker", "emotion"])
                w.writerows(table_rows)
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
