"""Feature standardisation applied by the core before a method sees the data.

Inductive (the default never looks at a validation or test item's features):

* ``global`` (default) -- z-scores with the mean and standard deviation of the
  fold's training side only (the training part; on a refit, training and
  validation parts);
* ``none`` -- features as extracted.

Transductive, opt-in, named as such wherever their numbers appear (they use the
*unlabelled features* of the test items -- never their labels):

* ``speaker`` -- every speaker's items are z-scored with that speaker's own
  statistics, test speakers included (common in speech emotion recognition; an
  unsupervised adaptation to each test speaker);
* ``corpus`` -- every corpus's items with that corpus's own statistics: the
  training corpora from their training side, the test corpus from the items the
  fold lets it use -- its unlabelled adaptation part under the unsupervised
  adaptation protocol (then inductive), else its test items (transductive).

A speaker (or corpus) with fewer than :data:`MIN_ITEMS` items has no reliable
statistics of its own: its items fall back to the training statistics, and the
report counts them.  A feature that is constant in the statistics' data is
centred and left unscaled (never divided by zero); the report counts such
features.

Where statistics are taken: per feature of a vector; for ragged inputs, the
leading ``pooled`` axes of each item's array are pooled and statistics are kept
per position of the remaining axes -- per feature of a (T, D) frame sequence,
per mel band and channel of (S, 64 frames, 64 bands, 3) log-mel segments, per
channel of (T, H, W, 3) face crops (each extractor declares its ``norm_pooled``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

#: every setting; the first is the default
NORMS: tuple[str, ...] = ("global", "speaker", "corpus", "none")
DEFAULT_NORM = "global"
#: settings whose statistics may include test items' features
TRANSDUCTIVE: frozenset[str] = frozenset({"speaker", "corpus"})
#: items a speaker (corpus) needs for statistics of its own; fewer: the training statistics
MIN_ITEMS = 10
_EPS = 1e-8


@dataclass
class NormReport:
    """What standardisation did: stored with every job."""

    mode: str
    #: whether statistics applied to test items used test items' features
    transductive: bool = False
    #: groups (speakers or corpora) whose items fell back to the training statistics (too few items)
    fallback: list[str] = field(default_factory=list)
    #: features (positions) constant in the training statistics' data: centred, not scaled
    constant_features: int = 0
    #: how many groups had statistics of their own
    groups: int = 0

    def as_dict(self) -> dict:
        return {"mode": self.mode, "transductive": self.transductive, "fallback": sorted(self.fallback),
                "constant_features": self.constant_features, "groups": self.groups, "min_items": MIN_ITEMS}


def _pooled_rows(arrays: list[np.ndarray], pooled: int) -> np.ndarray:
    """The items' values with the item axis and each item's ``pooled`` leading axes flattened."""
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape((-1, *np.shape(a)[pooled:])) for a in arrays])


def _stats(arrays: list[np.ndarray], pooled: int) -> tuple[np.ndarray, np.ndarray]:
    rows = _pooled_rows(arrays, pooled)
    return rows.mean(axis=0), rows.std(axis=0)


def _zscore(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return ((x - mean) / np.where(std < _EPS, 1.0, std)).astype(np.float32)


def standardise(parts: dict[str, np.ndarray | list], speakers: dict[str, list], mode: str,
                train_parts: tuple[str, ...] = ("train",), domains: dict[str, list] | None = None,
                pooled: int | None = None, own_parts: dict[str, tuple[str, ...]] | None = None
                ) -> tuple[dict[str, np.ndarray | list], NormReport]:
    """Standardised copies of ``parts`` (an (N, ...) array, or a list of ragged arrays, per part name)
    and a :class:`NormReport`.

    ``train_parts``: the training side, whose statistics are the default and the fallback.
    ``speakers`` / ``domains``: each part's speaker / corpus per item (``speaker`` / ``corpus`` modes).
    ``pooled``: leading axes of each item's array pooled for statistics (default: none for an
    (N, D) array, every axis but the last for ragged items).  ``own_parts``: for ``corpus`` mode,
    the parts whose items give a corpus its own statistics, per corpus (default: every part).
    """
    if mode not in NORMS:
        raise ValueError(f"unknown normalisation {mode!r}; known: {NORMS}")
    ragged = any(isinstance(v, list) for v in parts.values())
    items = {k: (list(v) if ragged else [row for row in np.asarray(v)]) for k, v in parts.items()}
    if pooled is None:
        first = next((a for v in items.values() for a in v), None)
        pooled = 0 if first is None or not ragged else max(np.ndim(first) - 1, 0)
    report = NormReport(mode)

    def pack(out: dict[str, list]) -> dict:
        return {k: (v if ragged else (np.stack(v).astype(np.float32) if v else
                                      np.empty((0, *np.shape(parts[k])[1:]), np.float32)))
                for k, v in out.items()}

    if mode == "none":
        return pack({k: [np.asarray(a, dtype=np.float32) for a in v] for k, v in items.items()}), report
    train = [a for p in train_parts for a in items.get(p, [])]
    g_mean, g_std = _stats(train, pooled)
    report.constant_features = int(np.sum(g_std < _EPS))
    if mode == "global":
        return pack({k: [_zscore(a, g_mean, g_std) for a in v] for k, v in items.items()}), report

    keys = speakers if mode == "speaker" else (domains or {})
    members: dict[object, list[np.ndarray]] = defaultdict(list)
    for part, group_keys in keys.items():
        if mode == "corpus" and own_parts is not None:
            allowed = own_parts
        else:
            allowed = None
        for i, g in enumerate(group_keys):
            if g is None or (allowed is not None and part not in allowed.get(g, ())):
                continue
            members[g].append(items[part][i])
    stats = {}
    for g, arrays in members.items():
        if len(arrays) >= MIN_ITEMS:
            stats[g] = _stats(arrays, pooled)
        else:
            report.fallback.append(str(g))
    report.groups = len(stats)
    test_groups = {g for g in keys.get("test", []) if g is not None}
    test_in_stats = any(g in stats for g in test_groups) and (
        mode == "speaker" or own_parts is None or any("test" in own_parts.get(g, ()) for g in test_groups))
    report.transductive = bool(test_in_stats)
    out = {k: [_zscore(a, *stats.get(g, (g_mean, g_std))) for a, g in zip(v, keys.get(k, [None] * len(v)),
                                                                             strict=True)]
           for k, v in items.items()}
    return pack(out), report
