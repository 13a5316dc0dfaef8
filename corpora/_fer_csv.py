"""Reading FER-2013's challenge CSVs: which file of a folder is the labelled table, the
unlabelled competition test file, each row's fields and 48x48 pixels (errors name the
file and line), and FER+'s votes per row.  Used by the ``fer2013`` adapter."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from harness.errors import CorpusError

#: labelled CSVs, in order of preference (the first present is read)
CSV_NAMES = ("fer2013.csv", "icml_face_data.csv", "train.csv")
TEST_CSV = "test.csv"
SIDE = 48
#: the vote columns of FER+'s fer2013new.csv, in order
FERPLUS_VOTES = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown",
                 "nf")


def csv_header(path: Path) -> list[str]:
    """The lower-cased, stripped column names of a CSV (empty when unreadable)."""
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
            return [h.strip().lower() for h in next(csv.reader(f), [])]
    except OSError:
        return []


def find_csv(path: Path) -> Path | None:
    """The labelled CSV read in ``path``: fer2013.csv, icml_face_data.csv, or a train.csv with emotion,pixels."""
    for name in CSV_NAMES:
        candidate = path / name
        if candidate.is_file() and (name != "train.csv" or {"emotion", "pixels"} <= set(csv_header(candidate))):
            return candidate
    return None


def unlabelled_test_csv(path: Path) -> Path | None:
    """The competition's unlabelled test.csv (a single pixels column)."""
    candidate = path / TEST_CSV
    return candidate if candidate.is_file() and csv_header(candidate) == ["pixels"] else None


def parse_pixels(text: str, where: str) -> np.ndarray:
    """A 48x48 uint8 image from the CSV's space-separated grey values."""
    digits = text.replace(" ", "")
    fast = digits.isascii() and digits.isdigit()  # then np.fromstring reads every value
    values = np.fromstring(text, dtype=np.int64, sep=" ") if fast else None
    if values is None or values.size != SIDE * SIDE:
        tokens = text.split()
        if len(tokens) != SIDE * SIDE:
            raise CorpusError(f"{where}: {len(tokens)} pixel values, expected {SIDE * SIDE} ({SIDE}x{SIDE})")
        bad = next((t for t in tokens if not (t.isascii() and t.isdigit())), None)
        if bad is not None:
            raise CorpusError(f"{where}: pixel value {bad[:20]!r} is not an integer")
        values = np.array([int(t) for t in tokens], dtype=np.int64)
    if values.max() > 255:
        raise CorpusError(f"{where}: pixel values must lie in 0-255 (found {values.max()})")
    return values.astype(np.uint8).reshape(SIDE, SIDE)


def read_rows(csv_path: Path):
    """Yield (line number, fields by lower-cased column name, problem) for each data row of the CSV;
    ``fields`` is None and ``problem`` says why when the row has the wrong number of fields."""
    try:
        with open(csv_path, newline="", encoding="utf-8-sig", errors="replace") as f:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield reader.line_num, None, (f"{len(row)} field(s), expected {len(header)} "
                                                  f"({','.join(header)})")
                    continue
                yield reader.line_num, {h: v.strip() for h, v in zip(header, row)}, None
    except OSError as exc:
        raise CorpusError(f"{csv_path}: cannot read ({exc.strerror or exc})") from None
    except csv.Error as exc:
        raise CorpusError(f"{csv_path}: not a readable CSV ({exc})") from None


def code_text(text: str) -> str:
    """``3.0`` -> ``3`` (a re-upload that wrote the codes as floats)."""
    return str(int(float(text))) if re.fullmatch(r"\d+\.0*", text) else text


def ferplus_votes(fields: dict | None) -> tuple[list[int] | None, str]:
    """A FER+ row's votes (in :data:`FERPLUS_VOTES` order) and its majority: an emotion,
    ``tie``, ``unknown`` or ``not-a-face``; (None, "") when the votes are unreadable."""
    try:
        votes = [int(float(fields[c])) for c in FERPLUS_VOTES] if fields else None
    except ValueError:
        votes = None
    if votes is None:
        return None, ""
    top = max(votes)
    winners = [c for c, v in zip(FERPLUS_VOTES, votes) if v == top]
    return votes, ("tie" if len(winners) > 1 else {"nf": "not-a-face", "unknown": "unknown"}.get(winners[0], winners[0]))
