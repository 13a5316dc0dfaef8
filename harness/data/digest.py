"""Content digests and derived seeds."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from harness.errors import MediaError

_DIGESTS: dict[tuple[str, int, int], str] = {}


def content_digest(path: Path) -> str:
    """BLAKE2 of the file's bytes (memoised per path, size and mtime).

    Raises :class:`MediaError` naming the file when it cannot be read.
    """
    try:
        st = os.stat(path)
        memo = (str(path), st.st_size, st.st_mtime_ns)
        if memo not in _DIGESTS:
            h = hashlib.blake2b(digest_size=20)
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            _DIGESTS[memo] = h.hexdigest()
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return _DIGESTS[memo]


def json_digest(obj, length: int = 16) -> str:
    """Hex digest of the canonical JSON form of ``obj``."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def derive_seed(*parts) -> int:
    """A 32-bit seed derived from named parts, e.g. ``derive_seed(split_seed, "valid", fold)``.

    Seeds derived from different parts are unrelated, so fold 1 of split seed 0
    never shares a random stream with fold 0 of split seed 1.
    """
    return int(json_digest(list(parts), 8), 16)
