"""Repeated ``KEY=VALUE`` options of the command line, parsed and checked against the registry.

Shared by the subcommands (:mod:`harness.cli.commands`) and the benchmarks
(:mod:`harness.cli.bench`).
"""

from __future__ import annotations

from harness.errors import HarnessError
from harness.registry import default_registry


def pairs(values: list[str], option: str) -> dict[str, str]:
    """``["a=1", "b=2"]`` -> ``{"a": "1", "b": "2"}``; anything without ``=`` is an error naming ``option``."""
    out = {}
    for v in values:
        if "=" not in v:
            raise HarnessError(f"{option} expects NAME=VALUE, got {v!r}")
        k, val = v.split("=", 1)
        out[k.strip()] = val.strip()
    return out


def hparams(values: list[str], methods: list[str]) -> dict[str, dict[str, str]]:
    """``--hp lr=0.01`` (every method run) or ``--hp classic.lr=0.01`` (one method)."""
    out: dict[str, dict[str, str]] = {}
    registry = default_registry()
    for name, value in pairs(values, "--hp").items():
        if "." in name:
            method, param = name.split(".", 1)
            out.setdefault(method, {})[param] = value
            continue
        owners = [m for m in methods if name in registry.method(m).space]
        if not owners:
            raise HarnessError(f"--hp {name}: none of the methods {methods} has that hyperparameter")
        for m in owners:
            out.setdefault(m, {})[name] = value
    return out


def feature_params(values: list[str]) -> dict[str, dict[str, str]]:
    """``--feature-param logmel.window=64`` -> {"logmel": {"window": "64"}} (checked by the extractor)."""
    out: dict[str, dict[str, str]] = {}
    for name, value in pairs(values, "--feature-param").items():
        if "." not in name:
            raise HarnessError(f"--feature-param expects EXTRACTOR.KEY=VALUE, got {name}={value}")
        extractor, key = name.split(".", 1)
        default_registry().feature(extractor)  # unknown extractor: clear error now
        out.setdefault(extractor, {})[key] = value
    return out
