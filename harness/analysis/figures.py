"""Leaderboard figures: confusion matrices and cross-corpus heat maps as PNG.

:func:`confusion_links` and :func:`heatmap_links` choose the figures of a
leaderboard table (registered with the renderer, drawn once the pages are
written) and return the markdown lines that link them.  Figures are rendered with matplotlib's Agg backend at a fixed size and resolution, with
the PNG's ``Software`` text chunk removed (PNG output carries no date), so the
same numbers always give the same bytes.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

METRIC_NAMES = {"uar": "UAR", "war": "WAR (accuracy)", "macro_f1": "macro-F1", "ccc": "CCC"}
HEATMAP_METRICS = ("uar", "war", "macro_f1", "ccc")
DPI = 100
_RC = {"font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10, "figure.dpi": DPI,
       "savefig.dpi": DPI, "path.simplify": False}


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})


def _side(n: int) -> float:
    return float(min(12.0, max(4.0, 1.2 + 0.75 * n)))


def confusion_png(path: Path, matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> None:
    """Counts with row-normalised shading (recall per true class); rows = true, columns = predicted."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(matrix, dtype=np.int64)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] != len(labels):
        raise ValueError(f"confusion matrix of shape {cm.shape} does not fit {len(labels)} labels")
    support = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, support, out=np.zeros(cm.shape), where=support > 0)
    side = _side(len(labels))
    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(side + 1.0, side))
        try:
            image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
            for i in range(cm.shape[0]):
                for j in range(cm.shape[1]):
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                            color="white" if share[i, j] > 0.6 else "black")
            ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
            ax.set_yticks(range(len(labels)), labels)
            ax.set_xlabel("predicted")
            ax.set_ylabel("true")
            ax.set_title(title)
            fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
            fig.subplots_adjust(left=0.2, right=0.86, bottom=0.24, top=0.92)  # fixed: one draw, not two
            _save(fig, path)
        finally:
            plt.close(fig)


def heatmap_png(path: Path, values: Sequence[Sequence[float | None]], rows: Sequence[str],
                columns: Sequence[str], title: str, metric: str,
                classes: Sequence[Sequence[int | None]] | None = None) -> None:
    """Sources (rows) x targets (columns); ``None`` cells are left blank, the diagonal (the
    within-corpus reference) is outlined in red, and a legend under the map says so; ``classes``
    gives each pair's number of classes, written in its cell."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    grid = np.array([[math.nan if v is None else float(v) for v in row] for row in values], dtype=np.float64)
    if grid.shape != (len(rows), len(columns)):
        raise ValueError(f"heat map of shape {grid.shape} does not fit {len(rows)} x {len(columns)} labels")
    side = _side(max(len(rows), len(columns)))
    with matplotlib.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(side + 1.0, side))
        try:
            image = ax.imshow(np.ma.masked_invalid(grid), cmap="viridis", vmin=0.0, vmax=1.0)
            for i in range(grid.shape[0]):
                for j in range(grid.shape[1]):
                    if not math.isnan(grid[i, j]):
                        k = classes[i][j] if classes is not None else None
                        ax.text(j, i, f"{grid[i, j]:.3f}" + (f"\n{k} cl." if k else ""), ha="center", va="center",
                                color="black" if grid[i, j] > 0.6 else "white")
                    if rows[i] == columns[j]:
                        ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, lw=2, ec="red"))
            ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
            ax.set_yticks(range(len(rows)), rows)
            ax.set_xlabel("target (test)")
            ax.set_ylabel("source (training)")
            ax.set_title(title)
            fig.text(0.02, 0.02, "red outline (diagonal): within-corpus reference on the target, with the labels "
                     "of its cross-corpus pairs; cl. = classes of the pair", fontsize=6)
            fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label=metric)
            fig.subplots_adjust(left=0.2, right=0.86, bottom=0.24, top=0.92)  # fixed: one draw, not two
            _save(fig, path)
        finally:
            plt.close(fig)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("→", " to ").replace("+", " and ")).strip("-")


def confusion_links(render, table, names: dict, headers: dict) -> list[str]:
    """One confusion matrix per (method, column): the method's best variant there, summed over
    folds × seeds (classification only)."""
    links: dict[str, list[str]] = defaultdict(list)
    for method in sorted({r[0] for r in table.rows}):
        for col in table.columns:
            options = [r for r in table.rows if r[0] == method and (r, col) in table.cells]
            if not options:
                continue
            row = max(options, key=lambda r: (table.cells[(r, col)].stat(render.metric)["mean"], names[r]))
            jobs = table.cells[(row, col)].jobs
            if any("confusion" not in j["metrics"] for j in jobs):
                continue
            matrix = np.sum([np.asarray(j["metrics"]["confusion"]) for j in jobs], axis=0).tolist()
            title = f"{names[row]}: {headers[col]} ({table.protocol}), {len(jobs)} jobs summed"
            path = render.figure(f"confusion-{table.protocol}-{slug(method)}-{slug(headers[col])}",
                                 confusion_png, matrix, list(col[1]), title)
            links[method].append(f"[{headers[col]}]({path})")
    if not links:
        return []
    return ["", "Confusion matrices (best variant of each method, summed over folds × seeds):", ""] + \
        [f"- {method}: " + " · ".join(items) for method, items in links.items()]


def heatmap_links(render, table, groups, names: dict) -> list[str]:
    """Per row of a ``cross`` table and metric: sources × targets, with the within-corpus
    reference (same variant, the labels of the target's cross pairs) on the diagonal when stored."""
    out = []
    within = {(g.row, g.jobs[0]["test_corpus"], tuple(g.cfg["labels"])): g for g in groups
              if g.family == "within" and g.jobs[0]["protocol"] == "within"}
    for row in table.rows:
        cells = {(g.jobs[0]["train_corpora"][0], g.jobs[0]["test_corpus"]): g
                 for (r, _), g in sorted(table.cells.items(), key=lambda kv: str(kv[0])) if r == row}
        corpora = sorted({c for pair in cells for c in pair})
        for target in corpora:
            labels = sorted(tuple(g.cfg["labels"]) for (_, t), g in cells.items() if t == target)
            if labels and (row, target, labels[0]) in within:
                cells[(target, target)] = within[(row, target, labels[0])]
        links = []
        classes = [[len(cells[(s, t)].cfg["labels"]) if (s, t) in cells else None for t in corpora] for s in corpora]
        for m in HEATMAP_METRICS:
            if any(g.stat(m) is None for g in cells.values()):
                continue
            values = [[cells[(s, t)].stat(m)["mean"] if (s, t) in cells else None for t in corpora]
                      for s in corpora]
            path = render.figure(f"heatmap-{table.protocol}-{slug(names[row])}-{slug(m)}", heatmap_png, values,
                                 corpora, corpora, f"{names[row]}: {METRIC_NAMES[m]}", METRIC_NAMES[m], classes)
            links.append(f"[{METRIC_NAMES[m]}]({path})")
        out.append(f"- {names[row]}: " + " · ".join(links))
    return ["", "Heat maps (sources × targets, each pair with its number of classes; diagonal, outlined: the "
            "within-corpus reference on the target with the labels of its cross pairs, when stored):", ""] + out
