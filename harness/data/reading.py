"""Reading corpora as they are really distributed: irregular files, stray files, wrapper folders.

Real archives are not tidy: a file breaks the naming convention (``OA_bite_neutral.wav``
in TESS's ``OAF_neutral/``), an unzip leaves ``__MACOSX/`` and ``.DS_Store`` behind, a
redistribution wraps the corpus in one or two more folders (``jaffe/jaffe/``,
``X/X-master/``, Kaggle's ``ALL/``), or holds the same files twice.  None of these may
fail a whole corpus.  An adapter records what it met in its :class:`ReadingLog`:

- ``infer``: an irregular file kept, with what was inferred (the folder as the authority
  for the label, the closest valid speaker code, ...); the item carries the note too;
- ``skip``: a file left out because its label or speaker truly cannot be known, with the
  reason;
- ``ignore``: stray files that are not recordings (junk of archivers and file managers,
  readme files, annotation files the adapter does not use), counted by kind;
- ``duplicate``: a second copy of an item (kept once; a copy with other bytes is skipped).

``harness corpora check`` and every run's report print the counts, so a number never
rests on files silently dropped.
"""

from __future__ import annotations

import filecmp
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

#: names that archivers, file managers and version control leave beside the data
JUNK_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini", "__MACOSX", ".git", ".svn", ".ipynb_checkpoints",
                        "@eaDir", "$RECYCLE.BIN", ".Trashes", ".Spotlight-V100", ".fseventsd"})


def is_junk(path: Path) -> bool:
    """A file or folder that is never part of a corpus (``._x`` AppleDouble, dot files, ``__MACOSX``)."""
    return path.name in JUNK_NAMES or path.name.startswith(".") or path.name.startswith("~$")


def entries(folder: Path) -> list[Path]:
    """The sorted entries of ``folder`` that are not junk."""
    return sorted(p for p in folder.iterdir() if not is_junk(p))


def find_root(path: Path, is_present: Callable[[Path], bool], wrappers: tuple[str, ...] = (),
              depth: int = 2) -> Path | None:
    """``path`` itself, or the folder one or two levels down where the corpus really sits: through
    a folder that is the only (non-junk) entry of its parent (``jaffe/jaffe/``, ``X/X-master/``) or
    through a wrapper folder the adapter names (Kaggle's ``ALL/``, ``TESS Toronto emotional speech
    set data/``, compared without case)."""
    if not path.is_dir():
        return None
    if is_present(path):
        return path
    if depth == 0:
        return None
    try:
        children = [p for p in entries(path) if p.is_dir()]
        files = [p for p in entries(path) if p.is_file()]
    except OSError:
        return None
    names = {w.lower() for w in wrappers}
    candidates = [c for c in children if c.name.lower() in names]
    if len(children) == 1 and all(_document(f) for f in files):
        candidates.append(children[0])
    for child in dict.fromkeys(candidates):
        found = find_root(child, is_present, wrappers, depth - 1)
        if found is not None:
            return found
    return None


DOCUMENT_SUFFIXES = (".txt", ".md", ".pdf", ".csv", ".json", ".html", ".htm", ".doc", ".docx", ".xls", ".xlsx",
                     ".yaml", ".yml", ".rst", ".cff", ".bib")


def _document(path: Path) -> bool:
    """A file that sits beside a corpus's folder in a release (README, LICENSE, papers, tables)."""
    return path.suffix.lower() in DOCUMENT_SUFFIXES or not path.suffix


def same_bytes(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


@dataclass
class ReadingLog:
    """What an adapter met while reading its corpus (see the module docstring)."""

    inferred: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)
    ignored_examples: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[tuple[str, str, bool]] = field(default_factory=list)

    def infer(self, path: Path | str, what: str) -> str:
        """Record an irregular file kept, and what was inferred; returns the note for the item."""
        self.inferred.append((str(path), what))
        return what

    def skip(self, path: Path | str, reason: str, count: int = 1) -> None:
        """A file (or ``count`` entries of one file, e.g. unlabelled table rows) left out, with the reason."""
        self.skipped += [(str(path), reason)] * count

    def ignore(self, path: Path | str, kind: str) -> None:
        self.ignored[kind] += 1
        examples = self.ignored_examples.setdefault(kind, [])
        if len(examples) < 3:
            examples.append(str(path))

    def duplicate(self, kept: Path | str, other: Path | str, identical: bool) -> None:
        self.duplicates.append((str(kept), str(other), identical))

    def summary(self) -> dict:
        return {"inferred": len(self.inferred), "skipped": len(self.skipped),
                "ignored": dict(sorted(self.ignored.items())),
                "duplicates": {"identical": sum(d[2] for d in self.duplicates),
                               "different": sum(not d[2] for d in self.duplicates)}}

    def lines(self, limit: int = 5) -> list[str]:
        """Human-readable notes, with the first ``limit`` examples of each kind."""
        out = []
        if self.inferred:
            out.append(f"{len(self.inferred)} irregular file(s) kept, with what was inferred:")
            out += [f"  {p}: {what}" for p, what in self.inferred[:limit]]
            out += [f"  ... and {len(self.inferred) - limit} more"] if len(self.inferred) > limit else []
        if self.skipped:
            out.append(f"{len(self.skipped)} file(s) skipped, with the reason:")
            out += [f"  {p}: {why}" for p, why in self.skipped[:limit]]
            out += [f"  ... and {len(self.skipped) - limit} more"] if len(self.skipped) > limit else []
        for kind, n in sorted(self.ignored.items()):
            out.append(f"{n} {kind} ignored (e.g. {', '.join(self.ignored_examples[kind])})")
        same = [d for d in self.duplicates if d[2]]
        other = [d for d in self.duplicates if not d[2]]
        if same:
            out.append(f"{len(same)} identical second copies of items ignored (e.g. {same[0][1]} = {same[0][0]})")
        if other:
            out.append(f"{len(other)} second copies with other bytes skipped, the first kept "
                       f"(e.g. kept {other[0][0]}, skipped {other[0][1]})")
        return out
