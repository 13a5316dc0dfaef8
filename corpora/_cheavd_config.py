"""The layout configuration of a CHEAVD copy: ``harness-layout.json`` (or ``.toml``) at the
corpus root names its tables, columns, encoding, media folder and label spellings; every
setting is checked, and an unknown key or wrong type is an error naming the file.  Used by
the ``cheavd`` adapter (its docstring lists the settings)."""

from __future__ import annotations

import json
from pathlib import Path

import tomllib

from harness.errors import CorpusError

CONFIG_FILES = ("harness-layout.json", "harness-layout.toml")
DEFAULTS = {
    "tables": {"train": "train.csv", "valid": "val.csv", "test": "test.csv"},
    "table": "labels.csv",
    "columns": {"file": "file", "label": "label", "speaker": "speaker", "split": "split", "video": None},
    "encoding": "utf-8-sig",
    "delimiter": ",",
    "media_folder": ".",
    "extension": "",
    "split_values": {},
    "labels": {},
    "exclude_labels": [],
}


def read_config(root: Path, labels: tuple[str, ...]) -> tuple[dict, Path | None, set[str]]:
    """The layout configuration of the corpus at ``root``: (config, its file, keys the user set);
    ``labels``: the corpus's label names, which the ``labels`` setting may map to."""
    config = json.loads(json.dumps(DEFAULTS))
    found = [root / name for name in CONFIG_FILES if (root / name).is_file()]
    if not found:
        return config, None, set()
    if len(found) > 1:
        raise CorpusError(f"cheavd: both {found[0]} and {found[1]} exist (keep one)")
    path = found[0]
    try:
        if path.suffix == ".json":
            user = json.loads(path.read_text(encoding="utf-8"))
        else:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid {path.suffix[1:].upper()} ({exc})") from None
    if not isinstance(user, dict):
        raise CorpusError(f"{path}: expected an object of settings, got {type(user).__name__}")
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        raise CorpusError(f"{path}: unknown setting(s) {unknown} (known: {', '.join(DEFAULTS)})")
    for key, value in user.items():
        expected = type(DEFAULTS[key])
        if not isinstance(value, expected):
            raise CorpusError(f"{path}: {key!r} must be a {expected.__name__}, got {value!r}")
        if key == "columns":
            bad = sorted(set(value) - set(DEFAULTS["columns"]))
            if bad:
                raise CorpusError(f"{path}: unknown column role(s) {bad} (known: {', '.join(DEFAULTS['columns'])})")
            for role, name in value.items():
                if not (name is None or isinstance(name, str)):
                    raise CorpusError(f"{path}: column name for {role!r} must be a string, got {name!r}")
            config["columns"].update(value)
        elif key == "tables":
            bad = sorted(set(value) - {"train", "valid", "test"})
            if bad:
                raise CorpusError(f"{path}: 'tables' keys must be train, valid, test; got {bad}")
            config["tables"] = dict(value)
        else:
            config[key] = value
    for raw, target in config["labels"].items():
        if target not in labels:
            raise CorpusError(f"{path}: 'labels' maps {raw!r} to {target!r}, which is not one of cheavd's "
                              f"labels ({', '.join(labels)})")
    for raw, target in config["split_values"].items():
        if target not in ("train", "valid", "test"):
            raise CorpusError(f"{path}: 'split_values' maps {raw!r} to {target!r} (use train, valid or test)")
    columns = {f"columns.{k}" for k, v in user.get("columns", {}).items() if v}
    return config, path, set(user) | columns
