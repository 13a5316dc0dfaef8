"""Extracting one feature set over a list of items, through the cache, over all cores.

Cache misses are extracted in parallel (forked worker processes); unreadable
media are an error naming the file, or a reported skip.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from harness.data.corpus import Item
from harness.errors import HarnessError, MediaError
from harness.features.cache import FeatureCache
from harness.features.extractor import FeatureExtractor

#: the decoder's notes as a run reports them (``corpora check`` counts a different thing: files
#: with more than 0.1 % of their samples at full scale in the recording itself)
NOTE_TEXT = {"clipped to full scale": "with samples beyond full scale after decoding or resampling "
                                      "(overshoot included), clipped to [-1, 1)"}


@dataclass
class ExtractionReport:
    """What happened while extracting one feature set over a list of items."""

    extractor: str
    total: int = 0
    cached: int = 0
    computed: int = 0
    notes: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: cache entries whose bytes had changed since they were written (recomputed)
    damaged: int = 0

    def as_dict(self) -> dict:
        return {
            "extractor": self.extractor, "total": self.total, "cached": self.cached,
            "computed": self.computed, "notes": dict(self.notes),
            "skipped": [list(s) for s in self.skipped], "damaged_cache_entries": self.damaged,
        }

    def lines(self) -> list[str]:
        out = [f"{self.extractor}: {self.total} items, {self.cached} from cache, {self.computed} extracted"]
        out += [f"  {n} file(s) {NOTE_TEXT.get(note, note)}" for note, n in sorted(self.notes.items())]
        if self.damaged:
            out.append(f"  {self.damaged} cache entr{'y' if self.damaged == 1 else 'ies'} altered or damaged since "
                       f"written: recomputed, not used")
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
    ident = json.dumps(extractor.cache_identity(), sort_keys=True, default=str)  # library versions: slow
    damaged_before = cache.damaged
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
    if getattr(extractor, "in_process", False):  # e.g. one pretrained model, on the GPU: no copy per worker
        workers = 1
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
    report.damaged = cache.damaged - damaged_before
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
