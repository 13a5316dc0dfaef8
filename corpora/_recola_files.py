"""Reading RECOLA's annotation files: the AVEC 2016 gold standard (ARFF, one value per
40 ms frame, checked for uniform spacing) and the original release's per-rater ratings
(``time;FM1;FM2;...``).  Errors name the file and line.  Used by the ``recola`` adapter."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from harness.data import arff
from harness.data.arff import ArffTable
from harness.errors import CorpusError

#: the gold standard's frame step (seconds)
STEP = 0.04
#: How far (seconds) a frameTime may be from ``i * STEP`` (files print 2-6 decimals).
TIME_TOLERANCE = 1e-3


def read_arff(path: Path) -> ArffTable:
    """:func:`harness.arff.read_arff`, its errors (``path:line: ...``) raised as CorpusError."""
    try:
        return arff.read_arff(path)
    except arff.ArffError as exc:
        raise CorpusError(str(exc)) from None


def read_gold_standard(path: Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``(frame times, values)`` of one AVEC 2016 gold-standard file, checked:
    numeric, no missing values, frameTime from 0 in steps of 0.04 s."""
    table = read_arff(path)
    try:
        times, values = table.numbers("frameTime"), table.numbers("GoldStandard")
    except arff.ArffError as exc:
        raise CorpusError(str(exc)) from None
    if not len(times):
        raise CorpusError(f"{path}: no frames in the @data section")
    bad = np.flatnonzero(~(np.isfinite(times) & np.isfinite(values)))
    if bad.size:
        i = bad[0]
        raise CorpusError(f"{table.where(i)}: missing or non-finite frameTime/GoldStandard ({times[i]}, {values[i]})")
    off = np.flatnonzero(np.abs(times - np.arange(len(times)) * STEP) > TIME_TOLERANCE)
    if off.size:
        i = int(off[0])
        raise CorpusError(f"{table.where(i)}: frameTime {times[i]:g} s where {i * STEP:.2f} s was expected "
                          f"(frame {i + 1}; the gold standard must be uniformly spaced at {STEP} s from 0)")
    return tuple(times.tolist()), tuple(values.tolist())


def read_ratings(path: Path) -> tuple[tuple[float, ...], tuple[float, ...], list[str]]:
    """``(times, mean of the raters, rater names)`` of one annotation file of the original release
    (``time;FM1 ;FM2 ;...``, ``;`` or ``,`` separated, names with trailing spaces); CorpusError naming
    the file and line when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise CorpusError(f"{path}: {exc}") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise CorpusError(f"{path}: no rows (expected a header time;FM1;... and one row per frame)")
    delimiter = ";" if ";" in lines[0] else ","
    rows = list(csv.reader(lines, delimiter=delimiter))
    names = [n.strip() for n in rows[0]]
    if not names or names[0].lower() != "time" or len(names) < 2:
        raise CorpusError(f"{path}:1: expected the header time;<rater>;<rater>...; found {lines[0]!r}")
    times, values = [], []
    for n, row in enumerate(rows[1:], start=2):
        try:
            numbers = [float(v) if v.strip() else np.nan for v in row[:len(names)]]
        except ValueError:
            raise CorpusError(f"{path}:{n}: not numbers: {lines[n - 1]!r}") from None
        ratings = np.asarray(numbers[1:], dtype=float)
        if not np.isfinite(numbers[0]) or not np.isfinite(ratings).any():
            raise CorpusError(f"{path}:{n}: no time or no rating: {lines[n - 1]!r}")
        times.append(numbers[0])
        values.append(float(np.nanmean(ratings)))
    return tuple(times), tuple(values), names[1:]
