"""Default locations of the harness's own files."""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$HARNESS_CACHE``, else ``~/.cache/harness`` (features, generated demo corpora)."""
    return Path(os.environ.get("HARNESS_CACHE") or Path.home() / ".cache" / "harness")


def default_data_root() -> Path | None:
    """``$HARNESS_DATA_ROOT`` when set."""
    value = os.environ.get("HARNESS_DATA_ROOT")
    return Path(value) if value else None
