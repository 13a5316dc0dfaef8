"""Reading tables of precomputed features: CSV, TSV, Parquet and ARFF, one file or many.

Used by :mod:`harness.plugins.features.precomputed`.  A table is named by a path: a
file, a folder (every ``.csv``/``.tsv``/``.parquet``/``.pq``/``.arff`` file
directly in it; other files are logged and left out) or a glob pattern
(``**`` recurses; every match must have one of those suffixes).  The files are
read once, as bytes, so that the content digest covers exactly what was
parsed; they are concatenated in sorted path order and every row remembers
its file and its 1-based data row there, for messages.

ARFF files (Weka's format, written by openSMILE and by the AVEC challenges)
are read by :mod:`harness.data.arff`: numeric attributes as numbers, string, date
and nominal ones as text, ``?`` as missing; malformed files raise its
ArffError (a HarnessError) naming the file and line.  :func:`as_numbers` and
:func:`seconds` convert columns.
"""

from __future__ import annotations

import glob
import hashlib
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.data.arff import read_arff
from harness.errors import HarnessError

SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".arff": "arff"}


@dataclass
class RawTable:
    """The rows of every file of a table, concatenated."""

    spec: str
    frame: pd.DataFrame
    files: list[Path]
    #: per row: index into ``files`` and 1-based data row within that file
    file_of: np.ndarray
    row_of: np.ndarray
    digest: str

    def where(self, row: int) -> str:
        return f"{self.files[self.file_of[row]]}, row {self.row_of[row]}"


def resolve(spec: str) -> list[Path]:
    """The files a table path names (sorted), or HarnessError."""
    if not spec:
        raise HarnessError("no table given")
    if any(ch in spec for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        odd = [str(f) for f in files if f.suffix.lower() not in SUFFIXES]
        if odd:
            raise HarnessError(f"table pattern {spec!r} matches files that are not tables "
                               f"({', '.join(sorted(SUFFIXES))}): {', '.join(odd[:5])}")
    elif Path(spec).is_dir():
        everything = sorted(p for p in Path(spec).iterdir() if p.is_file() and not p.name.startswith("."))
        files = [p for p in everything if p.suffix.lower() in SUFFIXES]
        others = len(everything) - len(files)
        if others:
            logging.getLogger(__name__).warning("%s: left out %d file(s) that are not tables (%s)",
                                                spec, others, ", ".join(sorted(SUFFIXES)))
    elif Path(spec).is_file():
        files = [Path(spec)]
        if files[0].suffix.lower() not in SUFFIXES:
            raise HarnessError(f"{spec}: unknown table format {files[0].suffix!r}; "
                               f"expected one of {', '.join(sorted(SUFFIXES))}")
    else:
        raise HarnessError(f"table {spec!r}: no such file or folder")
    if not files:
        raise HarnessError(f"table {spec!r}: no {'/'.join(sorted(SUFFIXES))} files found")
    return files


def read_table(spec: str, text_column: str | None) -> RawTable:
    """Read every file of ``spec``; ``text_column`` (None: each file's first column) is kept as text."""
    files = resolve(spec)
    frames, digest = [], hashlib.blake2b(digest_size=20)
    columns: list[str] | None = None
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise HarnessError(f"{path}: cannot read ({exc.strerror or exc})") from None
        digest.update(path.name.encode() + b"\0" + hashlib.blake2b(data, digest_size=20).digest())
        frame = _read_one(path, data, text_column)
        names = [str(c) for c in frame.columns]
        dupes = sorted({c for c in names if names.count(c) > 1})
        if dupes:
            raise HarnessError(f"{path}: duplicate column name(s) {dupes}")
        frame.columns = names
        if columns is None:
            columns = names
        elif set(names) != set(columns):
            missing, extra = sorted(set(columns) - set(names)), sorted(set(names) - set(columns))
            raise HarnessError(f"{path}: columns differ from those of {files[0]} "
                               f"(missing {missing[:5]}, extra {extra[:5]}); one table's files must agree")
        frames.append(frame[columns])
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    file_of = np.concatenate([np.full(len(f), i, np.int32) for i, f in enumerate(frames)])
    row_of = np.concatenate([np.arange(1, len(f) + 1) for f in frames])
    return RawTable(spec, frame, files, file_of, row_of, digest.hexdigest())


def _read_one(path: Path, data: bytes, text_column: str | None) -> pd.DataFrame:
    fmt = SUFFIXES[path.suffix.lower()]
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(io.BytesIO(data))
            if frame.index.name is not None or frame.index.names[0] is not None \
                    or not isinstance(frame.index, pd.RangeIndex):
                frame = frame.reset_index()  # e.g. an openSMILE (file, start, end) index
            return frame
        if fmt == "arff":
            return read_arff(path, data).frame
        sep = "," if fmt == "csv" else "\t"
        header = pd.read_csv(io.BytesIO(data), sep=sep, nrows=0, skipinitialspace=True)
        if len(header.columns) == 0:
            raise HarnessError(f"{path}: no header row")
        key = text_column if text_column in header.columns else header.columns[0]
        return pd.read_csv(io.BytesIO(data), sep=sep, skipinitialspace=True, dtype={key: str})
    except HarnessError:
        raise
    except Exception as exc:  # parser errors of pandas/pyarrow: name the file
        raise HarnessError(f"{path}: cannot read as {fmt} ({type(exc).__name__}: {exc})") from None


def as_numbers(column: pd.Series) -> tuple[np.ndarray, bool]:
    """Values as floats (NaN where missing or not a number), and whether the column was text."""
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan), False
    if pd.api.types.is_timedelta64_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return np.full(len(column), np.nan), False
    return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(np.float64, na_value=np.nan), True


def seconds(column: pd.Series) -> np.ndarray:
    """Times as seconds: numbers, or time spans such as ``0 days 00:00:00.04`` (NaN where neither)."""
    if pd.api.types.is_timedelta64_dtype(column):
        return column.dt.total_seconds().to_numpy(np.float64, na_value=np.nan)
    numbers, _ = as_numbers(column)
    spans = pd.to_timedelta(column.astype(object).where(np.isnan(numbers)), errors="coerce")
    return np.where(np.isnan(numbers), spans.dt.total_seconds().to_numpy(np.float64, na_value=np.nan), numbers)
