"""Repeated ``KEY=VALUE`` options of the command line, parsed and checked against the catalogue
of registered components (:mod:`harness.catalog`; no plugin is imported for it).

Shared by the subcommands (:mod:`harness.cli.commands`) and the benchmarks
(:mod:`harness.cli.bench`).
"""

from __future__ import annotations

from harness import catalog
from harness.errors import HarnessError, did_you_mean


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
    """``--hp lr=0.01`` (every method run) or ``--hp classic.lr=0.01`` (one method); a name no
    method of the run declares is an error listing the names they do declare."""
    out: dict[str, dict[str, str]] = {}
    spaces = {m: catalog.entry("methods", m)["space"] for m in methods}
    for name, value in pairs(values, "--hp").items():
        if "." in name:
            method, param = name.split(".", 1)
            if method in spaces and param not in spaces[method]:
                raise HarnessError(f"--hp {name}: method {method!r} has no hyperparameter {param!r}"
                                   f"{did_you_mean(param, spaces[method])}; it has: "
                                   f"{', '.join(spaces[method]) or '(none)'} (harness describe {method})")
            out.setdefault(method, {})[param] = value
            continue
        owners = [m for m in methods if name in spaces[m]]
        if not owners:
            every = sorted({p for s in spaces.values() for p in s})
            listing = "; ".join(f"{m}: {', '.join(s) or '(none)'}" for m, s in spaces.items())
            raise HarnessError(f"--hp {name}: none of the methods {methods} has that hyperparameter"
                               f"{did_you_mean(name, every)}. Declared: {listing}")
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
        known = catalog.entry("features", extractor)["params"]  # unknown extractor: clear error now
        if key not in known:
            raise HarnessError(f"--feature-param {name}: feature extractor {extractor!r} has no parameter {key!r}"
                               f"{did_you_mean(key, known)}; it has: {', '.join(known) or '(none)'}")
        out.setdefault(extractor, {})[key] = value
    return out
