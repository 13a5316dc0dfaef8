"""The content-keyed on-disk feature cache.

The cache key is the hash of the item's input bytes together with the
extractor's identity and code
(:meth:`harness.features.extractor.FeatureExtractor.cache_identity`).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from harness.data.corpus import Item
from harness.data.digest import content_digest
from harness.features.extractor import FeatureExtractor


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class FeatureCache:
    """Arrays on disk under ``root/<extractor>/<key[:2]>/<key>.npy``.

    Beside each array, ``<key>.json`` holds the SHA-256 of the array file's bytes and
    the notes of its extraction (conversions applied), so that a warm run reports the
    same as a cold one.  An entry is used only when its bytes still have that checksum:
    an array altered or damaged after it was written is recomputed, never used, and the
    run says so.  Plain ``.npy`` reads about four times faster than ``.npz``.  Writes are
    atomic (the array, then its checksum, each renamed into place) and not synced (a
    cache).  Files are created with the permissions of ordinary files under the user's
    umask (not the 0600 of temporary files), so a team with a shared group and umask
    002 can share one cache.
    """

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root)
        #: entries found altered or unreadable (and so recomputed) since this object was made
        self.damaged = 0

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
        meta_file = f.with_suffix(".json")
        if not f.exists():
            return None
        try:
            data = f.read_bytes()
            meta = json.loads(meta_file.read_text())
            if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                raise ValueError("its bytes do not match the checksum written with it")
            array = np.load(io.BytesIO(data), allow_pickle=False)
            return array, [str(n) for n in meta.get("notes", [])]
        except Exception as exc:  # altered, damaged or from an older cache layout: recompute it
            self.damaged += 1
            logging.getLogger(__name__).warning("%s: cache entry not used (%s); recomputing", f, exc)
            f.unlink(missing_ok=True)
            meta_file.unlink(missing_ok=True)
            return None

    def put(self, name: str, key: str, array: np.ndarray, notes: list[str]) -> None:
        if self.root is None:
            return
        f = self._file(name, key)
        f.parent.mkdir(parents=True, exist_ok=True)
        # no fsync: the renames keep readers from half-written files, and an entry left
        # damaged by a crash fails its checksum and is recomputed (get)
        digest = self._write(f, lambda out: np.save(out, np.ascontiguousarray(array), allow_pickle=False))
        meta = json.dumps({"sha256": digest, "notes": list(notes)}, sort_keys=True).encode()
        self._write(f.with_suffix(".json"), lambda out: out.write(meta))

    @staticmethod
    def _write(target: Path, write) -> str:
        """Write ``target`` atomically with ordinary-file permissions; the SHA-256 of its bytes."""
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
            os.chmod(tmp, 0o666 & ~_umask())
            digest = hashlib.sha256(Path(tmp).read_bytes()).hexdigest()
            os.replace(tmp, target)
            return digest
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
