"""Which targets a run predicts, and time-continuous targets aligned with features.

A run is **classification** when every corpus has categorical labels, else
**regression** on the dimensions the corpora share (``--task`` and
``--dimension`` choose explicitly: IEMOCAP has both).  Regression targets are
utterance-level values (``Item.dims``: OMG, IEMOCAP) or time-continuous series
(``Item.series``: RECOLA's 40 ms gold standard).

For series, a feature *sequence* is mapped onto the target's frames by
relative position -- target frame ``i`` of ``N`` takes feature frame
``floor(i·T/N)`` of ``T`` -- which holds when both cover the same recording
(openSMILE LLDs at 10 ms against RECOLA's 40 ms labels: every 4th frame).  The
**annotation delay** (``--annotation-delay SECONDS``; 2.4 s for RECOLA in
paper 004 after AVEC 2016) pairs the features at time t with the gold standard
at t + delay: the gold standard is shifted back in time, its first
``delay/step`` frames and the features' last frames are dropped.
"""

from __future__ import annotations

import numpy as np

from harness.data.corpus import Corpus, Item
from harness.errors import HarnessError

TASKS: tuple[str, ...] = ("auto", "classification", "regression")


def choose_task(wanted: str, corpora: list[Corpus], dimensions: list[str]) -> tuple[str, tuple[str, ...]]:
    """(task, dimensions) of a run over ``corpora``."""
    if wanted not in TASKS:
        raise HarnessError(f"unknown --task {wanted!r}; known: {', '.join(TASKS)}")
    task = wanted
    if task == "auto":
        task = "classification" if all(c.labels for c in corpora) and not dimensions else "regression"
    if task == "classification":
        unlabelled = [c.name for c in corpora if not c.labels]
        if unlabelled:
            raise HarnessError(f"corpus/corpora {unlabelled} have no categorical labels; "
                               f"use --task regression (or leave --task auto)")
        return task, ()
    shared = [d for d in corpora[0].dimensions if all(d in c.dimensions for c in corpora)]
    chosen = tuple(dimensions) or tuple(shared)
    missing = [d for d in chosen if d not in shared]
    if missing or not chosen:
        raise HarnessError(f"regression: corpora {[c.name for c in corpora]} share the dimensions "
                           f"{shared or 'none'}; asked for {list(chosen) or 'their shared ones'}"
                           + (f" (not shared: {missing})" if missing else ""))
    return task, chosen


def item_target(item: Item, dimensions: tuple[str, ...]) -> np.ndarray | None:
    """(K,) utterance values or (T, K) series of an item; None when it lacks one of them."""
    if all(d in item.series for d in dimensions):
        lengths = {len(item.series[d]) for d in dimensions}
        if len(lengths) != 1:
            raise HarnessError(f"{item.corpus}/{item.id}: series of different lengths {sorted(lengths)}")
        return np.stack([np.asarray(item.series[d], dtype=np.float32) for d in dimensions], axis=1)
    if all(d in item.dims for d in dimensions):
        return np.asarray([item.dims[d] for d in dimensions], dtype=np.float32)
    return None


def stack_targets(values: list[np.ndarray], n_dimensions: int) -> np.ndarray | list[np.ndarray]:
    """Targets of several items: an (N, K) array of utterance values, or the list of (T_i, K) series."""
    if values and values[0].ndim == 2:
        return values
    return np.stack(values) if values else np.zeros((0, n_dimensions), dtype=np.float32)


def align_series(features: np.ndarray, target: np.ndarray, step: float, delay: float,
                 where: str) -> tuple[np.ndarray, np.ndarray]:
    """(features on the target's frames, target) of one item, shifted by the annotation delay."""
    if features.ndim != 2:
        raise HarnessError(f"{where}: time-continuous targets need frame-sequence features "
                           f"(an extractor of kind 'sequence'); got an array of shape {features.shape}")
    shift = int(round(delay / step))
    n = len(target) - shift
    if n < 1:
        raise HarnessError(f"{where}: the annotation delay ({delay} s) is longer than the series")
    index = np.minimum((np.arange(n) * len(features)) // len(target), len(features) - 1)
    return features[index], target[shift:]
