"""What a stored result records about the software that produced it."""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("emo-transfer-harness", "torch", "numpy", "scipy", "scikit-learn", "pandas",
            "opensmile", "librosa", "soundfile", "opencv-python-headless", "optuna", "pluggy")


@functools.lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the harness source tree, ``+dirty`` when it has changes or untracked files
    (what the stored job's ``git_commit`` says), or ``unknown`` (not a git checkout)."""
    root = Path(__file__).resolve().parents[2]  # harness/results/provenance.py -> the checkout
    try:
        top = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10)
        # only the harness's own checkout counts, not a repository it happens to be installed in
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root:
            return "unknown"
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return "unknown"
        # untracked files count (a new plugin module is code), ignored ones (results, caches) do not
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
