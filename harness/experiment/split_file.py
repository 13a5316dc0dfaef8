"""A user-given split: a table of item -> part (and fold), read and honoured exactly.

The table (CSV, TSV or whitespace-separated, with a header) has a column naming the
item and a column naming its part; a ``fold`` column gives several folds:

    item,part,fold            file,set              path,split
    03a01Fa,train,1           03a01Fa.wav,test      wav/03a01Fa.wav,train

Item column: ``item`` or ``id`` (the item id), ``file`` / ``name`` (the media file's
name or stem) or ``path`` (relative to the corpus folder).  Part column: ``part``,
``split``, ``set`` or ``partition``; values ``train``/``training``, ``valid``/``val``/
``dev``/``development``, ``test``/``testing``.  An EmoBox fold (its jsonl lists) can be
converted to this table in a line of shell.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from harness.data.corpus import Item
from harness.errors import HarnessError, ProtocolError
from harness.experiment.folds import Fold, check_fold, fold_of

PARTS = {"train": "train", "training": "train", "valid": "valid", "val": "valid", "dev": "valid",
         "development": "valid", "validation": "valid", "test": "test", "testing": "test"}
ITEM_COLUMNS = ("item", "id", "file", "name", "path")
PART_COLUMNS = ("part", "split", "set", "partition")


def read_split(path: Path) -> dict[str, dict[str, str]]:
    """fold -> {item reference -> part} from a split table; a clear error naming the file otherwise."""
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"--split-file {path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t ")
    rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
    if not rows:
        raise HarnessError(f"{path}: no rows (expected a header such as item,part[,fold])")
    header = {h.strip().lower(): h for h in rows[0]}
    item_col = next((header[c] for c in ITEM_COLUMNS if c in header), None)
    part_col = next((header[c] for c in PART_COLUMNS if c in header), None)
    if item_col is None or part_col is None:
        raise HarnessError(f"{path}: needs an item column ({'/'.join(ITEM_COLUMNS)}) and a part column "
                           f"({'/'.join(PART_COLUMNS)}); found {list(rows[0])}")
    fold_col = header.get("fold")
    out: dict[str, dict[str, str]] = {}
    for line, row in enumerate(rows, start=2):
        ref, part = (row[item_col] or "").strip(), (row[part_col] or "").strip().lower()
        if part not in PARTS:
            raise HarnessError(f"{path}, line {line}: part {row[part_col]!r} is not one of {sorted(set(PARTS))}")
        fold = (row[fold_col] or "").strip() if fold_col else "given"
        parts = out.setdefault(fold or "given", {})
        if ref in parts and parts[ref] != PARTS[part]:
            raise ProtocolError(f"{path}, line {line}: {ref} is in both {parts[ref]} and {PARTS[part]} of fold "
                                f"{fold or 'given'}")
        parts[ref] = PARTS[part]
    return out


def _resolver(items: list[Item]):
    """Item reference (id, file name or stem, path relative to the corpus folder) -> item."""
    index: dict[str, Item] = {}
    for it in items:
        index[it.id] = it
        for path in it.media.values():
            index.setdefault(path.name, it)
            index.setdefault(path.stem, it)
            parts = path.parts
            for i in range(1, len(parts)):
                index.setdefault("/".join(parts[-i:]), it)
    return index


def folds_from_table(table: dict[str, dict[str, str]], items: list[Item], split_seed: int, source: str,
                     notes: list[str]) -> list[Fold]:
    """The folds a split table names, honoured exactly (see the module docstring)."""
    index = _resolver(items)
    by_key = {it.key: it for it in items}
    folds = []
    for name, rows in sorted(table.items()):
        unknown = [ref for ref in rows if ref not in index]
        if unknown:
            raise ProtocolError(f"{source}: {len(unknown)} item(s) of fold {name} are not in the corpus, e.g. "
                                f"{', '.join(unknown[:5])}")
        parts: dict[str, list[Item]] = {"train": [], "valid": [], "test": []}
        seen: dict[str, str] = {}
        for ref, part in rows.items():
            it = index[ref]
            if it.key in seen and seen[it.key] != part:
                raise ProtocolError(f"{source}: {it.id} is in both {seen[it.key]} and {part} of fold {name}")
            if it.key not in seen:
                parts[part].append(it)
                seen[it.key] = part
        if not parts["train"] or not parts["test"]:
            raise ProtocolError(f"{source}: fold {name} needs train and test items")
        left_out = len(items) - len(seen)
        if left_out:
            notes.append(f"{source}: fold {name} leaves out {left_out} item(s) of the corpus the table does not name")
        train_spk = {it.speaker for it in parts["train"] + parts["valid"] if it.speaker is not None}
        shared = train_spk & {it.speaker for it in parts["test"] if it.speaker is not None}
        grouping = "item" if shared or any(it.speaker is None for it in parts["test"]) else "speaker"
        if shared:
            notes.append(f"{source}: fold {name}: {len(shared)} test speaker(s) also in training: "
                         f"SPEAKER-DEPENDENT fold")
        if parts["valid"]:
            valid_spk = {it.speaker for it in parts["valid"]} - {None}
            train_only = {it.speaker for it in parts["train"]} - {None}
            fold = Fold(name, tuple(it.key for it in parts["train"]), tuple(it.key for it in parts["valid"]),
                        tuple(it.key for it in parts["test"]), "item" if valid_spk & train_only else "speaker",
                        test_grouping=grouping)
        else:
            fold = fold_of(name, parts["train"], parts["test"], split_seed, test_grouping=grouping,
                           valid_by_items=len(train_spk) < 2)
        check_fold(fold, by_key)
        folds.append(fold)
    counts = Counter(len(f.test) for f in folds)
    if len(folds) > 1 and len(counts) > 1:
        notes.append(f"{source}: {len(folds)} folds of unequal test sizes")
    return folds
