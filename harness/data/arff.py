"""Reading ARFF files (Weka's format, written by openSMILE and by the AVEC challenges).

One reader for the whole harness: the RECOLA adapter reads its gold standard
with it and the precomputed-feature extractors read feature tables with it.
``scipy.io.arff`` is not used because it rejects ``string`` attributes such as
AVEC's ``Instance_name``.

Supported: comment lines (``%``), ``@relation``, quoted attribute names,
``numeric``/``real``/``integer`` attributes (as floats), ``string``, ``date``
and nominal (``{a,b}``) attributes (as text; nominal values are checked
against the declared set), values quoted with ``'`` or ``"`` (with ``\\``
escapes), an unquoted ``?`` for a missing value (NaN in numeric columns, None
in text columns).  Rejected, with the file and the 1-based line
(``path:line: ...``): a wrong number of values, a value that is not a number
in a numeric attribute, a nominal value outside its set, an unterminated
quote, sparse rows (``{0 1.5, 3 2}``), ``relational`` attributes, unknown
attribute types, a repeated attribute name, no ``@attribute`` before
``@data``, no ``@data`` at all, and bytes that are not UTF-8.

Speed: lines whose values are plain (unquoted values without spaces, quotes
or backslashes, quoted values without escapes) and whose comma count matches
the header are parsed by pandas' C reader in one call (when its float parser
rejects a value, the numeric columns are read again as text and converted as
``float()`` does, which names the line of a bad value); the other lines go
through an exact tokenizer that knows each line's number.  A 7501 x 650 AVEC
feature file reads in about a second on 2 CPU cores; one that needs the exact
tokenizer for every line takes about 8 s.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from harness.errors import HarnessError

NUMERIC = ("numeric", "real", "integer")


class ArffError(HarnessError):
    """An ARFF file that cannot be read; the message names the file and, where one is at fault, the line."""


@dataclass(frozen=True)
class Attribute:
    name: str
    #: the declared type, lower case: numeric, real, integer, string, date or nominal
    type: str
    #: the declared values of a nominal attribute
    values: tuple[str, ...] = ()
    #: 1-based line of the declaration
    line: int = 0

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC


@dataclass
class ArffTable:
    """One ARFF file: numeric attributes as float64 columns (NaN for ``?``), the others as text (None for ``?``)."""

    path: Path
    relation: str
    attributes: list[Attribute]
    frame: pd.DataFrame
    #: 1-based line number of each row in the file
    lines: list[int] = field(repr=False)

    @property
    def names(self) -> list[str]:
        return [a.name for a in self.attributes]

    @property
    def types(self) -> list[str]:
        return [a.type for a in self.attributes]

    @property
    def rows(self) -> list[list]:
        """The rows as lists: floats for numeric attributes, str otherwise, None where missing."""
        return [[None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in row]
                for row in self.frame.astype(object).itertuples(index=False, name=None)]

    def where(self, row: int) -> str:
        """``path:line`` of data row ``row`` (0-based)."""
        return f"{self.path}:{self.lines[row]}"

    def attribute(self, name: str) -> Attribute:
        """The attribute ``name`` (matched case-insensitively)."""
        for attr in self.attributes:
            if attr.name.lower() == name.lower():
                return attr
        raise ArffError(f"{self.path}: no attribute {name!r} (attributes: {', '.join(self.names)})")

    def column(self, name: str) -> pd.Series:
        """The values of attribute ``name`` (matched case-insensitively)."""
        return self.frame[self.attribute(name).name]

    def numbers(self, name: str) -> np.ndarray:
        """The values of numeric attribute ``name`` as float64 (NaN where missing)."""
        attr = self.attribute(name)
        if not attr.numeric:
            raise ArffError(f"{self.path}:{attr.line}: attribute {attr.name!r} is {attr.type}, not numeric")
        return self.frame[attr.name].to_numpy(np.float64)


# -- tokenizing ------------------------------------------------------------------
_VALUE = re.compile(r"""[ \t]*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([^,'" \t][^,]*|))[ \t]*(,|$)""")
_QUOTED = re.compile(r"""[ \t]*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text) if "\\" in text else text


def split_values(line: str, where: str) -> list[str | None]:
    """The values of one ARFF line: quotes removed, escapes resolved, unquoted ``?`` as None."""
    values: list[str | None] = []
    pos = 0
    while True:
        m = _VALUE.match(line, pos)
        if m is None:
            if _QUOTED.match(line, pos):
                raise ArffError(f"{where}: unexpected text after a quoted value: {line[pos:][:60]!r}")
            raise ArffError(f"{where}: unterminated quoted value: {line[pos:][:60]!r}")
        single, double, plain, end = m.groups()
        if single is not None or double is not None:
            values.append(_unescape(single if single is not None else double))
        else:
            plain = plain.rstrip()
            values.append(None if plain == "?" else plain)
        if not end:
            return values
        pos = m.end()


# -- the header ------------------------------------------------------------------
_ATTRIBUTE = re.compile(r"""@attribute\s+('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\S+)\s+(.+)$""", re.I)


def _attribute(line: str, number: int, where: str) -> Attribute:
    m = _ATTRIBUTE.match(line)
    if m is None:
        raise ArffError(f"{where}: malformed @attribute line {line[:80]!r}")
    quoted, kind = m.group(1), m.group(2).strip()
    name = _unescape(quoted[1:-1]) if quoted[0] in "'\"" else quoted
    word = kind.split()[0].lower()
    if kind.startswith("{"):
        if not kind.endswith("}"):
            raise ArffError(f"{where}: nominal attribute {name!r} without a closing '}}': {kind[:60]!r}")
        values = tuple(v for v in split_values(kind[1:-1], where) if v is not None)
        return Attribute(name, "nominal", values, number)
    if word in NUMERIC or word == "string" or word == "date":
        return Attribute(name, word, (), number)
    if word == "relational":
        raise ArffError(f"{where}: relational attributes are not supported ({name!r})")
    raise ArffError(f"{where}: attribute {name!r} has unknown type {kind[:40]!r} "
                    f"(expected numeric, real, integer, string, date or {{nominal values}})")


def _decode(path: Path, data: bytes) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ArffError(f"{path}:{line}: not a text (UTF-8) ARFF file ({exc.reason}, byte "
                        f"0x{data[exc.start]:02x} at offset {exc.start})") from None


def _header(path: Path, lines: list[str]) -> tuple[str, list[Attribute], int]:
    """Relation, attributes, and the index of the first line after ``@data``."""
    relation, attributes, seen = "", [], {}
    for index, raw in enumerate(lines):
        line, number = raw.strip(), index + 1
        where = f"{path}:{number}"
        if not line or line.startswith("%"):
            continue
        keyword = line.split(None, 1)[0].lower()
        if keyword == "@relation":
            parts = line.split(None, 1)
            relation = _unescape(parts[1].strip().strip("'\"")) if len(parts) > 1 else ""
        elif keyword == "@attribute":
            attr = _attribute(line, number, where)
            if attr.name in seen:
                raise ArffError(f"{where}: attribute {attr.name!r} declared again (first at line {seen[attr.name]})")
            seen[attr.name] = number
            attributes.append(attr)
        elif keyword == "@data":
            if not attributes:
                raise ArffError(f"{where}: @data before any @attribute")
            return relation, attributes, index + 1
        else:
            raise ArffError(f"{where}: unexpected line in the ARFF header: {line[:60]!r}")
    raise ArffError(f"{path}: no @data section (not an ARFF file?)")


# -- the data --------------------------------------------------------------------
def read_arff(path: Path | str, data: bytes | None = None) -> ArffTable:
    """Read a dense ARFF file (``data``: its bytes, when already read)."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ArffError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = _decode(path, data).split("\n")
    relation, attributes, start = _header(path, lines)
    rows, numbers = [], []
    for index in range(start, len(lines)):
        line = lines[index].strip()
        if line and not line.startswith("%"):
            if line.startswith("{"):
                raise ArffError(f"{path}:{index + 1}: sparse ARFF rows are not supported")
            rows.append(line)
            numbers.append(index + 1)
    frame = _parse(path, attributes, rows, np.asarray(numbers, dtype=np.int64))
    _check_nominal(path, attributes, frame, numbers)
    return ArffTable(path, relation, attributes, frame, numbers)


def _parse(path: Path, attributes: list[Attribute], rows: list[str], numbers: np.ndarray) -> pd.DataFrame:
    """The data lines as a frame; plain lines through pandas, the others through :func:`split_values`."""
    names = [a.name for a in attributes]
    if not rows:
        return pd.DataFrame({a.name: pd.Series(dtype=np.float64 if a.numeric else object) for a in attributes})
    quote = _quote_of(rows)
    plain = np.fromiter((_is_plain(row, quote, len(names)) for row in rows), dtype=bool, count=len(rows))
    if plain.any():
        try:
            fast = _pandas(path, attributes, [r for r, p in zip(rows, plain) if p], quote, numbers[plain])
        except ValueError:  # pandas read the lines otherwise than expected: the exact reader decides
            plain[:] = False
    if plain.all():
        return fast
    exact = _exact(path, attributes, [r for r, p in zip(rows, plain) if not p], numbers[~plain])
    if not plain.any():
        return exact
    fast.index, exact.index = np.flatnonzero(plain), np.flatnonzero(~plain)
    return pd.concat([fast, exact]).sort_index().reset_index(drop=True)


def _quote_of(rows: list[str]) -> str:
    """The quote character pandas is told about: the one that opens the first quoted value."""
    opening = re.compile(r""",[ \t]*(['"])""")
    for row in rows:
        m = opening.search("," + row) if "'" in row or '"' in row else None
        if m:
            return m.group(1)
    return "'"


#: a quoted value pandas reads as :func:`split_values` does (no escapes, not '?'), after a comma
_PLAIN_QUOTED = {q: re.compile(f",[ \\t]*{q}(?!\\?{q})[^{q}\\\\]*{q}(?=,|$)") for q in "'\""}


def _is_plain(row: str, quote: str, count: int) -> bool:
    """Whether pandas reads ``row`` exactly as :func:`split_values` would, with ``count`` values."""
    if quote in row:
        row = _PLAIN_QUOTED[quote].sub(",Q", "," + row)[1:]
    return (row.count(",") == count - 1 and "'" not in row and '"' not in row and "\\" not in row
            and ",," not in row and not row.startswith(",") and not row.endswith(",")
            and " ," not in row and "\t," not in row)


#: read as NaN by pandas in numeric columns, as Python's float() reads them (pandas alone rejects them)
_MISSING = ["?", "nan", "NaN", "NAN", "-nan", "-NaN", "+nan"]


def _pandas(path: Path, attributes: list[Attribute], rows: list[str], quote: str, numbers: np.ndarray) -> pd.DataFrame:
    text = "\n".join(rows)
    try:
        frame = _read_csv(text, attributes, quote, numeric=True)
    except ValueError:  # a value pandas' float parser rejects: read as text, convert as float() does, say where
        frame = _read_csv(text, attributes, quote, numeric=False)
        for attr in attributes:
            if attr.numeric:
                frame[attr.name] = _floats(path, attr, frame[attr.name].to_numpy(object), numbers)
    if len(frame) != len(rows):  # cannot happen for plain lines; never return a shifted table
        raise ValueError(f"{len(rows)} lines gave {len(frame)} rows")
    for attr in attributes:
        if not attr.numeric:
            frame[attr.name] = frame[attr.name].astype(object).where(frame[attr.name].notna(), None)
    return frame


def _read_csv(text: str, attributes: list[Attribute], quote: str, numeric: bool) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), header=None, names=[a.name for a in attributes], sep=",",
                       quotechar=quote, skipinitialspace=True, keep_default_na=False, index_col=False,
                       na_values={a.name: _MISSING if a.numeric and numeric else ["?"] for a in attributes},
                       dtype={a.name: np.float64 if a.numeric and numeric else object for a in attributes},
                       engine="c", skip_blank_lines=False)


def _floats(path: Path, attr: Attribute, values: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """Text values as float() reads them (None: NaN), or ArffError naming the line of the first that is not."""
    try:
        return np.where(pd.isna(values), np.nan, values).astype(np.float64)
    except (ValueError, TypeError):
        return np.array([_number(v, attr, f"{path}:{n}") for v, n in zip(values, numbers)], dtype=np.float64)


def _exact(path: Path, attributes: list[Attribute], rows: list[str], numbers: np.ndarray) -> pd.DataFrame:
    table = []
    for row, number in zip(rows, numbers):
        values = split_values(row, f"{path}:{number}")
        if len(values) != len(attributes):
            raise ArffError(f"{path}:{number}: {len(values)} values, but the header declares {len(attributes)} "
                            f"attributes ({_names(attributes)})")
        table.append(values)
    columns = {}
    for j, attr in enumerate(attributes):
        column = [values[j] for values in table]
        if attr.numeric:
            column = [_number(v, attr, f"{path}:{n}") for v, n in zip(column, numbers)]
            columns[attr.name] = pd.Series(column, dtype=np.float64)
        else:
            columns[attr.name] = pd.Series(column, dtype=object)
    return pd.DataFrame(columns)


def _number(value: str | float | None, attr: Attribute, where: str) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    try:
        return float(value)
    except ValueError:
        raise ArffError(f"{where}: attribute {attr.name!r} is numeric but the value is {value!r}") from None


def _names(attributes: list[Attribute]) -> str:
    names = [a.name for a in attributes]
    return ", ".join(names) if len(names) <= 8 else ", ".join(names[:4] + ["..."] + names[-2:])


def _check_nominal(path: Path, attributes: list[Attribute], frame: pd.DataFrame, numbers: list[int]) -> None:
    for attr in attributes:
        if attr.type == "nominal":
            column = frame[attr.name]
            bad = np.flatnonzero(column.notna().to_numpy() & ~column.isin(attr.values).to_numpy())
            if bad.size:
                raise ArffError(f"{path}:{numbers[bad[0]]}: attribute {attr.name!r} is nominal "
                                f"{{{','.join(attr.values)}}} but the value is {column.iloc[bad[0]]!r}")
