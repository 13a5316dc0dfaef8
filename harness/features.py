"""Feature extractors: the interface and the content-keyed on-disk cache.

An extractor turns one media file into an array.  The cache key is the hash of
the file's bytes together with the extractor's name, version and parameters, so
changing a parameter (or the file) can never silently reuse stale features.
Cache misses are extracted in parallel over the cores.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from tqdm import tqdm

from .audio import AUDIO_PIPELINE_VERSION, load_audio
from .data import Item
from .digest import content_digest
from .errors import HarnessError, MediaError


class FeatureExtractor:
    """Base class of feature extractors (one media file -> one array)."""

    name: ClassVar[str]
    description: ClassVar[str]
    modality: ClassVar[str]
    #: ``vector`` -> (D,), ``sequence`` -> (T, D), ``segments`` -> (S, ...).
    kind: ClassVar[str] = "vector"
    #: Bump when the output for the same input and parameters changes.
    version: ClassVar[str] = "1"
    #: Parameters and their defaults; only these may be set.
    defaults: ClassVar[dict[str, Any]] = {}
    #: True when the extractor cannot run without parameters (a table path, say); it then
    #: provides ``contract_example(tmp_path) -> (extractor, item)`` for the contract tests.
    needs_params: ClassVar[bool] = False

    def __init__(self, **params: Any):
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise HarnessError(
                f"feature extractor {self.name!r} has no parameter(s) {sorted(unknown)}; "
                f"known: {sorted(self.defaults)}"
            )
        self.params = {**self.defaults, **{k: self._coerce(k, v) for k, v in params.items()}}
        self.notes: list[str] = []

    def _coerce(self, name: str, value: Any) -> Any:
        """Values given as text (command line) take the type of the parameter's default."""
        default = self.defaults[name]
        if not isinstance(value, str) or default is None or isinstance(default, str):
            return value
        try:
            if isinstance(default, bool):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return type(default)(value)
        except ValueError:
            raise HarnessError(f"feature extractor {self.name!r}: parameter {name} expects "
                               f"{type(default).__name__}, got {value!r}") from None

    def dependencies(self) -> dict[str, str]:
        """Versions of the libraries whose output the features depend on (part of the identity)."""
        return {}

    def identity(self) -> dict:
        """What the cache key and the job config record about this extractor."""
        ident = {"name": self.name, "version": self.version, "params": self.params}
        deps = self.dependencies()
        if deps:
            ident["dependencies"] = deps
        return ident

    def extract(self, path: Path) -> np.ndarray:
        """Return the features of one file; append conversions applied to ``self.notes``."""
        raise NotImplementedError

    # Extractors that do not read one media file (a table of precomputed
    # features joined by item id, say) override these two.
    def extract_item(self, item: Item) -> np.ndarray:
        """The features of one item: by default those of its media file of this modality."""
        return self.extract(self.source(item))

    def item_digest(self, item: Item) -> str:
        """What identifies the item's input (cache key): by default its media file's bytes."""
        return content_digest(self.source(item))

    def source(self, item: Item) -> Path:
        path = item.media.get(self.modality)
        if path is None:
            raise HarnessError(f"{item.key}: no {self.modality} media, which {self.name!r} needs")
        return path


class AudioFeatureExtractor(FeatureExtractor):
    """An extractor over mono audio at ``sample_rate`` (decoding is done here)."""

    modality = "audio"
    sample_rate: ClassVar[int] = 16000

    def identity(self) -> dict:
        return {**super().identity(), "audio": {"pipeline": AUDIO_PIPELINE_VERSION,
                                                "sample_rate": self.sample_rate}}

    def extract(self, path: Path) -> np.ndarray:
        signal, notes = load_audio(path, self.sample_rate)
        self.notes.extend(notes)
        return self.from_signal(signal)

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        raise NotImplementedError


# -- cache ------------------------------------------------------------------
class FeatureCache:
    """Arrays on disk under ``root/<extractor>/<key[:2]>/<key>.npy``.

    The notes of an extraction (conversions applied), where there are any, sit
    beside the array in ``<key>.notes.json``, so that a warm run reports the same
    as a cold one.  Plain ``.npy`` reads about four times faster than ``.npz``.
    Writes are atomic (notes first, then the array, each renamed into place) and
    not synced (a cache): an unreadable entry counts as a miss and is replaced.
    """

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root)

    def key(self, source: Path | Item, extractor: FeatureExtractor, ident: str | None = None) -> str:
        """The cache key of an item's (or a media file's) features under ``extractor``
        (``ident``: the extractor's identity as JSON, when the caller computed it once)."""
        digest = extractor.item_digest(source) if isinstance(source, Item) else content_digest(source)
        if ident is None:
            ident = json.dumps(extractor.identity(), sort_keys=True, default=str)
        return hashlib.sha256(f"{digest}|{ident}".encode()).hexdigest()

    def _file(self, name: str, key: str) -> Path:
        return self.root / name / key[:2] / f"{key}.npy"

    def get(self, name: str, key: str) -> tuple[np.ndarray, list[str]] | None:
        if self.root is None:
            return None
        f = self._file(name, key)
        if not f.exists():
            return None
        notes_file = f.with_suffix(".notes.json")
        try:
            array = np.load(f, allow_pickle=False)
            notes = json.loads(notes_file.read_text()) if notes_file.exists() else []
            return array, [str(n) for n in notes]
        except Exception as exc:  # a damaged entry: recompute it
            logging.getLogger(__name__).warning("%s: unreadable cache entry (%s); recomputing", f, exc)
            f.unlink(missing_ok=True)
            notes_file.unlink(missing_ok=True)
            return None

    def put(self, name: str, key: str, array: np.ndarray, notes: list[str]) -> None:
        if self.root is None:
            return
        f = self._file(name, key)
        f.parent.mkdir(parents=True, exist_ok=True)
        # no fsync: the renames keep readers from half-written files, and an entry left
        # damaged by a crash fails to load and is recomputed (get); results are synced, the cache is not
        if notes:
            self._write(f.with_suffix(".notes.json"), lambda out: out.write(json.dumps(notes).encode()))
        else:
            f.with_suffix(".notes.json").unlink(missing_ok=True)  # a stale one from a damaged entry
        self._write(f, lambda out: np.save(out, np.ascontiguousarray(array), allow_pickle=False))

    @staticmethod
    def _write(target: Path, write) -> None:
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# -- extraction over a corpus -----------------------------------------------
@dataclass
class ExtractionReport:
    """What happened while extracting one feature set over a list of items."""

    extractor: str
    total: int = 0
    cached: int = 0
    computed: int = 0
    notes: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "extractor": self.extractor, "total": self.total, "cached": self.cached,
            "computed": self.computed, "notes": dict(self.notes),
            "skipped": [list(s) for s in self.skipped],
        }

    def lines(self) -> list[str]:
        out = [f"{self.extractor}: {self.total} items, {self.cached} from cache, {self.computed} extracted"]
        out += [f"  {n} file(s) {note}" for note, n in sorted(self.notes.items())]
        if self.skipped:
            out.append(f"  skipped {len(self.skipped)} item(s):")
            out += [f"    {key}: {why}" for key, why in self.skipped]
        return out


def _extract_one(extractor: FeatureExtractor, item: Item) -> tuple[np.ndarray | None, list[str], str | None]:
    extractor.notes = []
    try:
        array = np.asarray(extractor.extract_item(item), dtype=np.float32)
    except MediaError as exc:
        return None, [], str(exc)
    except HarnessError:  # a problem of the settings or the table, not of this file
        raise
    except Exception as exc:  # a decoder or library failing on one file: reported like unreadable media
        where = item.media.get(extractor.modality, item.key)
        return None, [], f"{where}: {extractor.name} failed ({type(exc).__name__}: {exc})"
    if not np.all(np.isfinite(array)):
        where = item.media.get(extractor.modality, item.key)
        return None, [], f"{where}: {extractor.name} produced non-finite values"
    return array, list(extractor.notes), None


def _extract_chunk(extractor: FeatureExtractor, items: list[Item]):
    return [_extract_one(extractor, it) for it in items]


def extract_features(
    items: Sequence[Item],
    extractor: FeatureExtractor,
    cache: FeatureCache,
    *,
    skip_unreadable: bool = False,
    workers: int | None = None,
    progress: bool = True,
) -> tuple[dict[str, np.ndarray], ExtractionReport]:
    """Features for every item (keyed by ``item.key``) and a report.

    Unreadable media raise :class:`MediaError` naming the file, unless
    ``skip_unreadable`` is set: then the item is left out and listed in the
    report.  Items without the extractor's modality are an error.
    """
    report = ExtractionReport(extractor.name, total=len(items))
    features: dict[str, np.ndarray] = {}
    missing: list[tuple[Item, str]] = []
    failures: list[tuple[Item, str]] = []
    ident = json.dumps(extractor.identity(), sort_keys=True, default=str)  # library versions: slow
    for item in items:
        try:
            key = cache.key(item, extractor, ident)
        except MediaError as exc:
            failures.append((item, str(exc)))
            continue
        hit = cache.get(extractor.name, key)
        if hit is None:
            missing.append((item, key))
        else:
            features[item.key] = hit[0]
            report.cached += 1
            report.notes.update(hit[1])
    workers = workers or os.cpu_count() or 1
    results = _run(extractor, [item for item, _ in missing], workers, progress)
    for (item, key), (array, notes, error) in zip(missing, results):
        if error is not None:
            failures.append((item, error))
            continue
        cache.put(extractor.name, key, array, notes)
        features[item.key] = array
        report.computed += 1
        report.notes.update(notes)
    if failures and not skip_unreadable:
        first = failures[0][1]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise MediaError(f"{first}{more}; pass --skip-unreadable to leave such items out, with a report")
    report.skipped = sorted((item.key, why) for item, why in failures)
    return features, report


def _run(extractor, items: list[Item], workers: int, progress: bool):
    if not items:
        return []
    bar = tqdm(total=len(items), desc=f"extract {extractor.name}", unit="file",
               disable=not progress, leave=False)
    results = []
    if workers <= 1 or len(items) < 16:
        for it in items:
            results.append(_extract_one(extractor, it))
            bar.update(1)
    else:
        size = max(1, min(32, len(items) // (workers * 4)))
        chunks = [items[i:i + size] for i in range(0, len(items), size)]
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for chunk_result in pool.map(_extract_chunk, [extractor] * len(chunks), chunks):
                results.extend(chunk_result)
                bar.update(len(chunk_result))
    bar.close()
    return results
