"""The content-keyed on-disk feature cache.

The cache key is the hash of the item's input bytes together with the
extractor's identity (:meth:`harness.features.extractor.FeatureExtractor.identity`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from harness.data.corpus import Item
from harness.data.digest import content_digest
from harness.features.extractor import FeatureExtractor


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
            ident = json.dumps(extractor.cache_identity(), sort_keys=True, default=str)
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
