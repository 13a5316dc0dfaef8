"""Precomputed features: a table of features computed elsewhere, joined to a corpus's items.

For the features a paper's authors distributed or that another tool wrote: the
AVEC 2016 appearance, geometric and audio features (one ARFF per recording,
one row per 40 ms frame: ``Instance_name``, ``frameTime``, features), VGG-Face
fc7 vectors (one row per clip or image), self-supervised speech embeddings
(one row per utterance), nkululeko/openSMILE exports (index ``file,start,end``).
Tables are read by :mod:`harness.plugins.features._feature_tables` (CSV, TSV, Parquet,
ARFF; one file, a folder or a glob).

Four extractors, one per modality and kind (``kind`` is a class attribute the
core and the methods read before any parameter is known, so it is fixed per
registered name rather than switched by a parameter):

* ``precomputed-audio``, ``precomputed-visual`` -- ``vector`` (D,): one row per
  item, or an item's time-keyed rows pooled (``pool=mean`` or ``mean+std``);
* ``precomputed-audio-seq``, ``precomputed-visual-seq`` --
  ``sequence`` (T, D): an item's time-keyed rows in time order.

Parameters (``--feature-param NAME.KEY=VALUE``):

``table``
    path of a file, a folder or a glob pattern (required).
``key``
    how rows find their item.  ``id``: the key column equals ``item.id`` or
    ``item.key`` (``corpus/id``, for one table serving several corpora).
    ``file``: the key column names the item's media file of the extractor's
    modality.  ``id+time`` / ``file+time``: the same, many rows per item, ordered
    by the time column.  One row per key for ``id``/``file``; one row per key
    and time for ``+time``; more is a duplicate.
``id_column``
    the key column; default the first column of the table (``Instance_name``
    in AVEC files, ``file`` in openSMILE exports).  ``@file``: the name, without
    suffix, of the table file the row comes from (one file per recording, no
    key column inside, e.g. OpenFace CSVs).
``file_match`` (``file`` keys)
    ``path`` (default): the key's path components, separators ``/`` or ``\\``,
    are the last components of the media path, the final one with or without the
    file's suffix: ``03a01Fa``, ``03a01Fa.wav``, ``wav/03a01Fa.wav`` and
    ``/data/emodb/wav/03a01Fa.wav`` all match ``/data/emodb/wav/03a01Fa.wav``;
    ``DC/a01.wav`` matches ``.../AudioData/DC/a01.wav`` but not ``.../JE/a01.wav``.
    ``name``: only the key's last component is compared (name or stem), for
    tables whose paths were written on another machine.  Two keys matching one
    item, or one key matching two items, is an error naming both.
``time_column`` (``+time`` keys)
    default the first of ``frameTime``, ``timestamp``, ``time``, ``start``
    (case-insensitive).  Seconds, or time spans such as ``0 days 00:00:00.04``.
``columns``
    the feature columns: a regular expression matched at the start of the
    column name, so a prefix (``fc7_``) works as it is.  Default: every column
    in which at least half the values are numbers, except the key and time
    columns and the bookkeeping and target columns ``start end frame frameTime
    timestamp time class label emotion arousal valence dominance speaker gender
    session split fold`` (never features unless ``columns`` selects them).
``pool`` (vector extractors)
    ``mean`` (default) or ``mean+std`` (population std appended) over an item's
    rows; ``+time`` keys only, where an item has many rows.
``step``
    for ``+time`` keys: the expected seconds between frames (0: not checked).
``irregular``
    for ``+time`` keys: ``error`` (default) when an item's time steps are not
    uniform (a step off the median, or off ``step``, by more than 0.1 %);
    ``accept`` keeps them and counts the items in the extraction report.

Examples::

    # AVEC 2016 (RECOLA) audio features as 40 ms sequences; Instance_name 'train_1' is the item id
    --features audio=precomputed-audio-seq --feature-param precomputed-audio-seq.key=id+time
    --feature-param "precomputed-audio-seq.table=recola/features_audio/arousal/*.arff"
    --feature-param precomputed-audio-seq.step=0.04
    # AVEC 2016 appearance features, mean and std per video ('train_1' matches .../train_1.mp4)
    --features visual=precomputed-visual --feature-param precomputed-visual.key=file+time
    --feature-param precomputed-visual.table=recola/features_video_appearance/arousal
    --feature-param precomputed-visual.pool=mean+std
    # VGG-Face fc7, one row per clip: columns file, fc7_0 ... fc7_4095
    --features visual=precomputed-visual --feature-param precomputed-visual.table=fc7.parquet
    --feature-param precomputed-visual.key=file --feature-param precomputed-visual.columns=fc7_
    # wav2vec 2.0 embeddings, one row per utterance: columns id, e0 ... e767
    --features audio=precomputed-audio --feature-param precomputed-audio.table=w2v2.parquet
    # nkululeko/openSMILE functionals (file,start,end,...) written on another machine
    --feature-param precomputed-audio.table=egemaps.csv --feature-param precomputed-audio.key=file
    --feature-param precomputed-audio.file_match=name

No row, duplicate rows, a missing or non-numeric value: :class:`MediaError`
naming the table, key, column and row (``--skip-unreadable`` lists such items).
The identity holds the digest of the table's bytes (a changed table gives new
cache keys and job ids); an item's cache key names its rows.  The table is read
once per extractor and never pickled: workers reuse the parent's copy (fork) or
read it once themselves, checking its digest.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from harness.data.corpus import Item
from harness.errors import HarnessError, MediaError
from harness.features.extractor import FeatureExtractor
from harness.hookspecs import hookimpl
from harness.plugins.features._feature_tables import RawTable, as_numbers, read_table, resolve, seconds

KEYS = ("id", "file", "id+time", "file+time")
TIME_NAMES = ("frametime", "timestamp", "time", "start")
NOT_FEATURES = frozenset("start end frame frametime timestamp time class label emotion arousal valence "
                         "dominance speaker gender session split fold".split())
#: relative tolerance of the frame-step check
STEP_TOLERANCE = 1e-3


@dataclass
class _Loaded:
    raw: RawTable             # rows' files and row numbers (frame dropped after loading)
    key_column: str
    time_column: str | None
    keys: dict[str, np.ndarray]       # key value -> rows, table order
    by_name: dict[str, list[str]]     # file keys: last path component -> key values
    times: np.ndarray | None          # seconds per row (NaN: unreadable)
    raw_times: np.ndarray | None
    columns: list[str]
    values: np.ndarray                # (rows, D) float32, NaN where missing or not a number
    raw_text: dict[int, np.ndarray]   # column index -> raw values, for text columns with numbers


#: tables loaded in this process (inherited by forked workers): parameters and file stats -> _Loaded
_SHARED: OrderedDict[str, _Loaded] = OrderedDict()


def _components(value: str) -> list[str]:
    return [c for c in value.strip().replace("\\", "/").split("/") if c not in ("", ".")]


class PrecomputedFeatures(FeatureExtractor):
    """Features read from a table (see the module docstring); subclasses fix modality and kind."""

    version = "1"
    #: the contract test builds an example instead of calling ``cls()`` and ``extract(path)``
    needs_params = True
    defaults: dict[str, Any] = {"table": "", "key": "id", "id_column": "", "file_match": "path",
                                "time_column": "", "columns": "", "pool": "mean", "step": 0.0,
                                "irregular": "error"}

    def __init__(self, **params: Any):
        super().__init__(**params)
        p = self.params
        keys = KEYS if self.kind == "vector" else ("id+time", "file+time")
        for name, allowed in (("key", keys), ("file_match", ("path", "name")),
                              ("pool", ("mean", "mean+std")), ("irregular", ("error", "accept"))):
            if name in p and p[name] not in allowed:
                raise HarnessError(f"feature extractor {self.name!r}: {name} must be one of {', '.join(allowed)}; "
                                   f"got {p[name]!r}")
        if not p["table"]:
            raise HarnessError(f"feature extractor {self.name!r} needs a table: "
                               f"--feature-param {self.name}.table=PATH (a file, folder or glob)")
        if p.get("pool") == "mean+std" and not p["key"].endswith("+time"):
            raise HarnessError(f"feature extractor {self.name!r}: pool=mean+std needs many rows per item "
                               f"(key=id+time or file+time), not key={p['key']}")
        if p["step"] < 0:
            raise HarnessError(f"feature extractor {self.name!r}: step must be >= 0 seconds")
        self._data: _Loaded | None = None  # loaded on first use
        self._digest: str | None = None  # of the table, once loaded (kept when pickled)
        self._claims: dict[str, str] = {}  # key value -> the item that matched it

    # -- loading ---------------------------------------------------------------
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_data"], state["_claims"] = None, {}  # workers reuse _SHARED or read the table again
        return state

    def _loaded(self) -> _Loaded:
        if self._data is None:
            try:  # files unchanged (path, size, mtime) since this process read them: reuse that copy
                stats = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in resolve(self.params["table"])]
            except OSError as exc:
                raise HarnessError(f"table {self.params['table']!r}: {exc}") from None
            key = repr((sorted(self.params.items()), stats))
            data = _SHARED.get(key) or self._load()
            if self._digest is not None and data.raw.digest != self._digest:
                raise HarnessError(f"table {self.params['table']!r} changed while features were extracted")
            self._digest, self._data = data.raw.digest, data
            _SHARED[key] = data
            while len(_SHARED) > 4:
                _SHARED.popitem(last=False)
        return self._data

    def _load(self) -> _Loaded:
        p, spec = self.params, self.params["table"]
        raw = read_table(spec, p["id_column"] if p["id_column"] not in ("", "@file") else None)
        frame = raw.frame
        if frame.empty:
            raise HarnessError(f"table {spec!r} has no rows")
        names = list(frame.columns)
        if p["id_column"] == "@file":
            key_column, keys = "@file", np.array([f.stem for f in raw.files], dtype=object)[raw.file_of]
        else:
            key_column = p["id_column"] or names[0]
            if key_column not in frame:
                raise HarnessError(f"table {spec!r} has no column {key_column!r} (id_column); columns: {names[:12]}")
            empty = frame[key_column].isna().to_numpy()
            if empty.any():
                raise HarnessError(f"{raw.where(int(np.argmax(empty)))}: empty key in column {key_column!r}")
            keys = frame[key_column].astype(str).str.strip().to_numpy(dtype=object)
        time_column = times = raw_times = None
        if p["key"].endswith("+time"):
            lower = {n.lower(): n for n in names}
            time_column = p["time_column"] or next((lower[t] for t in TIME_NAMES if t in lower), None)
            if time_column not in frame:
                raise HarnessError(f"table {spec!r}: no time column {time_column or ''!r} (time_column; default "
                                   f"the first of frameTime, timestamp, time, start); columns: {names[:12]}")
            times, raw_times = seconds(frame[time_column]), frame[time_column].to_numpy(dtype=object)
        columns, values, raw_text = self._select(raw, {key_column, time_column})
        groups = pd.Series(np.arange(len(keys))).groupby(keys, sort=False).indices
        by_name: dict[str, list[str]] = {}
        if p["key"].startswith("file"):
            for value in groups:
                parts = _components(value)
                if not parts:
                    raise HarnessError(f"{raw.where(int(groups[value][0]))}: empty file key {value!r}")
                by_name.setdefault(parts[-1], []).append(value)
        raw.frame = frame.iloc[:0]  # rows are kept as numbers only
        return _Loaded(raw, key_column, time_column, {str(k): np.asarray(v) for k, v in groups.items()},
                       by_name, times, raw_times, columns, values, raw_text)

    def _select(self, raw: RawTable, exclude: set) -> tuple[list[str], np.ndarray, dict[int, np.ndarray]]:
        pattern, frame = self.params["columns"], raw.frame
        if pattern:
            try:
                rx = re.compile(pattern)
            except re.error as exc:
                raise HarnessError(f"feature extractor {self.name!r}: columns={pattern!r} is not a "
                                   f"regular expression ({exc})") from None
            wanted = [c for c in frame.columns if c not in exclude and rx.match(c)]
        else:
            wanted = [c for c in frame.columns if c not in exclude and c.strip().lower() not in NOT_FEATURES]
        columns, arrays, raw_text = [], [], {}
        for name in wanted:
            numbers, was_text = as_numbers(frame[name])
            present = frame[name].notna().to_numpy()
            count = int(np.isfinite(numbers).sum())
            if count == 0 or (not pattern and count * 2 < present.sum()):
                if pattern:
                    raise HarnessError(f"table {raw.spec!r}: column {name!r} (selected by columns={pattern!r}) "
                                       f"holds no numbers")
                continue  # a text column (names, labels, time spans): not a feature
            if was_text:
                raw_text[len(columns)] = frame[name].to_numpy(dtype=object)
            columns.append(name)
            arrays.append(numbers)
        if not columns:
            how = f"match columns={pattern!r}" if pattern else "hold numbers"
            raise HarnessError(f"table {raw.spec!r}: no feature columns {how} (key/time columns excluded); "
                               f"columns: {list(frame.columns)[:12]}")
        return columns, np.stack(arrays, axis=1, dtype=np.float32), raw_text

    # -- rows of an item ---------------------------------------------------------
    def _match_file(self, path: Path, who: str) -> str:
        d, path = self._loaded(), Path(path)
        parents = PurePosixPath(path.as_posix()).parent.parts
        found, by_name_only = [], []
        for last in dict.fromkeys((path.name, path.stem)):
            for value in d.by_name.get(last, []):
                dirs = _components(value)[:-1]
                by_name_only.append(value)
                tail_ok = len(dirs) <= len(parents) and list(parents[len(parents) - len(dirs):]) == dirs
                if self.params["file_match"] == "name" or tail_ok:
                    found.append(value)
        if len(found) > 1:
            raise MediaError(f"{who}: {len(found)} keys of table {self.params['table']!r} match {path}: "
                             f"{found[:4]} (ambiguous file keys)")
        if not found:
            hint = (f"; keys {by_name_only[:3]} have the file's name in other folders (file_match=name "
                    f"compares names only)") if by_name_only else ""
            raise MediaError(f"{who}: no row in table {self.params['table']!r} for file {path} "
                             f"(column {d.key_column!r}){hint}")
        return found[0]

    def _match(self, item: Item) -> str:
        d = self._loaded()
        if self.params["key"].startswith("file"):
            path = item.media.get(self.modality)
            if path is None:
                raise MediaError(f"{item.key}: no {self.modality} media file to look up in table "
                                 f"{self.params['table']!r} (key={self.params['key']})")
            return self._match_file(path, item.key)
        found = [v for v in dict.fromkeys((item.key, item.id)) if v in d.keys]
        if len(found) > 1:
            raise MediaError(f"{item.key}: table {self.params['table']!r} has rows for both {found[0]!r} "
                             f"and {found[1]!r} (column {d.key_column!r})")
        if not found:
            raise MediaError(f"{item.key}: no row in table {self.params['table']!r} for id {item.id!r} "
                             f"(column {d.key_column!r})")
        return found[0]

    def _rows(self, value: str) -> tuple[np.ndarray, bool]:
        """The rows of key ``value`` in order, and whether their time steps are irregular."""
        d, table = self._loaded(), self.params["table"]
        rows = d.keys[value]
        if d.times is None:
            if len(rows) > 1:
                raise MediaError(f"table {table!r}: key {value!r} (column {d.key_column!r}) has {len(rows)} rows: "
                                 + "; ".join(d.raw.where(r) for r in rows[:3]) + " (duplicate key)")
            return rows, False
        t = d.times[rows]
        if np.isnan(t).any():
            r = rows[int(np.argmax(np.isnan(t)))]
            raise MediaError(f"{d.raw.where(r)}: column {d.time_column!r} of key {value!r}: "
                             f"{d.raw_times[r]!r} is not a time")
        order = np.argsort(t, kind="stable")
        rows, t = rows[order], t[order]
        steps = np.diff(t)
        if (steps == 0).any():
            i = int(np.argmax(steps == 0))
            raise MediaError(f"table {table!r}: key {value!r} has two rows at {d.time_column} = {t[i]:g} s: "
                             f"{d.raw.where(rows[i])} and {d.raw.where(rows[i + 1])} (duplicate key and time)")
        if len(steps) == 0:
            return rows, False
        median, expected = float(np.median(steps)), self.params["step"] or float(np.median(steps))
        if abs(median - expected) > STEP_TOLERANCE * expected:
            raise MediaError(f"table {table!r}: key {value!r} has frames every {median:g} s, not every "
                             f"{expected:g} s (step)")
        off = np.nonzero(np.abs(steps - expected) > STEP_TOLERANCE * expected)[0]
        if len(off) and self.params["irregular"] == "error":
            i = int(off[0])
            raise MediaError(f"table {table!r}: key {value!r} has {len(off)} irregular time step(s) (frames every "
                             f"{expected:g} s; first {t[i]:g} -> {t[i + 1]:g} s at {d.raw.where(rows[i + 1])}); "
                             f"pass irregular=accept to keep such items")
        return rows, bool(len(off))

    def _features(self, value: str) -> np.ndarray:
        d = self._loaded()
        rows, irregular = self._rows(value)
        x = d.values[rows].astype(np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            i, j = (int(v) for v in np.argwhere(bad)[0])
            text = d.raw_text.get(j)
            what = (f"{text[rows[i]]!r} is not a number" if text is not None and pd.notna(text[rows[i]])
                    else "missing value" if np.isnan(x[i, j]) else f"{x[i, j]} is not finite")
            raise MediaError(f"{d.raw.where(rows[i])} of table {self.params['table']!r}: column "
                             f"{d.columns[j]!r} (key {value!r}): {what}")
        if irregular:
            self.notes.append("have irregular time steps in the precomputed table (irregular=accept)")
        if self.kind == "sequence":
            return x.astype(np.float32)
        if self.params["pool"] == "mean+std":
            return np.concatenate([x.mean(axis=0), x.std(axis=0)]).astype(np.float32)
        return x.mean(axis=0).astype(np.float32)

    # -- the extractor interface -------------------------------------------------
    def extract_item(self, item: Item) -> np.ndarray:
        return self._features(self._match(item))

    def extract(self, path: Path) -> np.ndarray:
        """Features of a media file (file keys only)."""
        if not self.params["key"].startswith("file"):
            raise HarnessError(f"feature extractor {self.name!r} with key={self.params['key']} joins by item id, "
                               f"not by file; use extract_item")
        return self._features(self._match_file(Path(path), str(path)))

    def item_digest(self, item: Item) -> str:
        """The matched key and its rows (file name, row number); the table's digest is in identity()."""
        value = self._match(item)
        claimed = self._claims.setdefault(value, item.key)
        if claimed != item.key:
            raise MediaError(f"{item.key}: the rows of key {value!r} in table {self.params['table']!r} also "
                             f"match {claimed} (one key, two items); use paths in the key column")
        d = self._loaded()
        rows, _ = self._rows(value)
        h = hashlib.blake2b(value.encode(), digest_size=20)
        for r in rows:
            h.update(f"|{d.raw.files[d.raw.file_of[r]].name}:{d.raw.row_of[r]}".encode())
        return h.hexdigest()

    def identity(self) -> dict:
        d = self._loaded()
        return {**super().identity(), "table": {"digest": d.raw.digest, "files": len(d.raw.files)}}

    @classmethod
    def contract_example(cls, tmp_path: Path) -> tuple[PrecomputedFeatures, Item]:
        """A configured extractor and an item it has features for (for the registry contract test)."""
        table = Path(tmp_path) / f"{cls.name}.csv"
        if cls.kind == "sequence":
            key, rows = "id+time", [f"x,{i * 0.04:.2f},{i},{i * i}" for i in range(3)] + ["y,0.00,1,1"]
            table.write_text("id,frameTime,f1,f2\n" + "\n".join(rows) + "\n")
        else:
            key = "id"
            table.write_text("id,f1,f2\nx,1.5,-2\ny,0,1\n")
        return cls(table=str(table), key=key), Item(id="x", corpus="contract", media={}, label="anger")


_SEQUENCE_DEFAULTS = {k: v for k, v in PrecomputedFeatures.defaults.items() if k != "pool"} | {"key": "file+time"}


class PrecomputedAudio(PrecomputedFeatures):
    name = "precomputed-audio"
    description = "precomputed audio features from a CSV/Parquet/ARFF table: one vector per item"
    modality = "audio"
    kind = "vector"


class PrecomputedVisual(PrecomputedFeatures):
    name = "precomputed-visual"
    description = "precomputed visual features from a CSV/Parquet/ARFF table: one vector per item"
    modality = "visual"
    kind = "vector"


class PrecomputedAudioSeq(PrecomputedFeatures):
    name = "precomputed-audio-seq"
    description = "precomputed audio features from a CSV/Parquet/ARFF table: an item's frames in time order"
    modality = "audio"
    kind = "sequence"
    defaults = _SEQUENCE_DEFAULTS


class PrecomputedVisualSeq(PrecomputedFeatures):
    name = "precomputed-visual-seq"
    description = "precomputed visual features from a CSV/Parquet/ARFF table: an item's frames in time order"
    modality = "visual"
    kind = "sequence"
    defaults = _SEQUENCE_DEFAULTS


@hookimpl
def harness_features():
    return [PrecomputedAudio, PrecomputedVisual, PrecomputedAudioSeq, PrecomputedVisualSeq]
