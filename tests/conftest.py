"""Shared fixtures: an isolated cache, tiny corpora written by the tests, the real corpora."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import write_tiny_emodb

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Every test session gets its own feature cache and demo corpora."""
    cache = tmp_path_factory.mktemp("harness-cache")
    old = os.environ.get("HARNESS_CACHE")
    os.environ["HARNESS_CACHE"] = str(cache)
    yield cache
    if old is None:
        os.environ.pop("HARNESS_CACHE", None)
    else:
        os.environ["HARNESS_CACHE"] = old


def real_data_root() -> Path | None:
    """$HARNESS_DATA_ROOT, else ../shared/corpora beside the repository, when present."""
    env = os.environ.get("HARNESS_DATA_ROOT")
    root = Path(env) if env else REPO.parent / "shared" / "corpora"
    return root if root.is_dir() else None


@pytest.fixture(scope="session")
def data_root():
    root = real_data_root()
    if root is None:
        pytest.skip("real corpora not found: set HARNESS_DATA_ROOT or place them in ../shared/corpora")
    return root


@pytest.fixture
def tiny_emodb(tmp_path) -> Path:
    """Data root holding a small synthetic EMO-DB (10 speakers x 7 emotions x 2)."""
    return write_tiny_emodb(tmp_path / "data", per_cell=2)
