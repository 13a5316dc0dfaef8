"""``harness leaderboard``: markdown leaderboards and figures from the results store alone.

Pages per protocol family with results (``within.md``: within / loso / split; ``cross-corpus.md``:
A → B; ``multi-source.md``: A+B → C; ``cross-modal.md``) and ``index.md`` (pages, provenance).
Rows are methods (with their variant when several), columns test corpora or source → target with
their number of classes (a column never mixes label sets); a cell is ``mean ± std (n)`` over folds ×
model seeds of jobs grouped as :mod:`harness.analysis.groups` does (``mean (1)`` for one job, never
bold over cells of several jobs).  Rows that used test items' features (transductive normalisation
or adaptation) are marked ``(T)``.  Cross-corpus tables are split by what of the target a method saw:
none, unlabelled features (unsupervised adaptation) or labels (supervised adaptation).  ``*``: beats
the baseline method on the same test items with p < .05 after Holm correction over every paired
comparison of the page, by a one-tailed sign-flip test over test speakers on predictions matched by
(fold, model seed, item) (:mod:`harness.analysis.significance`); the papers' unpaired tests are listed
beside it.  Every table says at which commit(s) its rows were produced.  The papers' own figures (:mod:`harness.analysis.reported`) are italic rows, never bold or
starred.  The same store gives the same bytes; files written before and no longer written (listed
in ``.leaderboard-files``, or PNGs under ``figures/``) are removed, a ``README.md`` never.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tabulate import tabulate

from harness.analysis import stats
from harness.analysis.figures import METRIC_NAMES, confusion_links, heatmap_links
from harness.analysis.groups import Group, group_jobs
from harness.analysis.reported import reported_for
from harness.analysis.significance import (
    ALPHA,
    EXACT_UP_TO,
    RESAMPLES,
    SEED,
    Comparison,
    paired_test,
    unpaired_test,
)
from harness.data.digest import json_digest
from harness.errors import HarnessError
from harness.registry import default_registry
from harness.results.store import ResultsStore

METRICS = {"uar": "uar", "war": "war", "f1": "macro_f1", "ccc": "ccc"}
PAGES = {"within": ("within.md", "Within-corpus"), "cross-corpus": ("cross-corpus.md", "Cross-corpus (A → B)"),
         "multi-source": ("multi-source.md", "Multi-source (A+B → C)"),
         "cross-modal": ("cross-modal.md", "Cross-modal (training and test modality differ)")}
PROTOCOL_TITLES = {"within": "Speaker-disjoint k-fold (`within`)", "loso": "Leave-one-speaker-out (`loso`)", "split":
                   "Official split (`split`)", "cross": "One source, whole target tested (`cross`)",
                   "cross-adapt": "One source + target adaptation speakers (labelled for supervised, unlabelled "
                                  "for unsupervised adaptation); the other target speakers tested (`cross-adapt`)",
                   "multi": "Several sources (`multi`)",
                   "multi-adapt": "Several sources + target adaptation speakers (labelled for supervised, "
                                  "unlabelled for unsupervised adaptation) (`multi-adapt`)",
                   "cross-transductive": "One source, whole target tested, adaptation on the test items' unlabelled "
                                         "features: TRANSDUCTIVE (`cross-transductive`)",
                   "multi-transductive": "Several sources, whole target tested, adaptation on the test items' "
                                         "unlabelled features: TRANSDUCTIVE (`multi-transductive`)",
                   "cross-adapt-loso": "One source, target leave-one-speaker-out with the other target speakers "
                                       "labelled (`cross-adapt-loso`)",
                   "multi-adapt-loso": "Several sources, target leave-one-speaker-out with the other target "
                                       "speakers labelled (`multi-adapt-loso`, PathNet's protocol)",
                   "speaker-dependent": "SPEAKER-DEPENDENT k-fold over items (`speaker-dependent`; test items share "
                                        "speakers with training: for comparison with papers only)",
                   "given": "A given split (`given`: a split file or test speakers)"}
MANIFEST = ".leaderboard-files"
KEEP = {"README.md"}


@dataclass
class Table:
    family: str
    protocol: str
    cells: dict[tuple, Group] = field(default_factory=dict)  # (row, (column, labels)) -> group

    @property
    def rows(self) -> list[tuple]:
        return sorted({r for r, _ in self.cells}, key=str)

    @property
    def columns(self) -> list[tuple]:
        return sorted({c for _, c in self.cells})


def build_tables(groups: list[Group], metric: str) -> list[Table]:
    tables: dict[tuple, Table] = {}
    for g in groups:
        if g.stat(metric) is None:
            continue
        key = (g.family, g.jobs[0]["protocol"])
        table = tables.setdefault(key, Table(*key))
        table.cells[(g.row, (g.column, tuple(g.cfg["labels"])))] = g
    order = list(PAGES), list(PROTOCOL_TITLES)
    return sorted(tables.values(), key=lambda t: (order[0].index(t.family), order[1].index(t.protocol)))


_DESCRIBE = (lambda g: g.cfg["modality"], lambda g: g.cfg["features"]["name"], lambda g: f"{g.cfg['norm']} norm",
             lambda g: f"{g.cfg['budget']} budget", lambda g: f"split seed {g.cfg['split_seed']}",
             lambda g: f"tuned, {g.cfg['tuning']['trials']} trials" if g.cfg.get("tuning") else "defaults",
             lambda g: f"v{g.cfg['method_version']}", lambda g: "hp " + json_digest(g.cfg["hparams"])[:6])


def row_names(table: Table) -> dict[tuple, str]:
    """Method name, plus what differs between its variants when the table has several."""
    sample = {r: g for (r, _), g in sorted(table.cells.items(), key=lambda kv: str(kv[0]))}
    names = {}
    for method in sorted({r[0] for r in sample}):
        variants = [r for r in sample if r[0] == method]
        parts = {r: [d(sample[r]) for d in _DESCRIBE] for r in variants}
        differ = [i for i in range(len(_DESCRIBE)) if len({p[i] for p in parts.values()}) > 1]
        for r in variants:
            names[r] = method if len(variants) == 1 else \
                f"{method} [{', '.join(parts[r][i] for i in differ) or json_digest(list(r))[:6]}]"
    return names


def synthetic_corpora() -> frozenset[str]:
    """Names of the registered synthetic (generated) corpora; a corpus not installed here is not marked."""
    return frozenset(c.name for c in default_registry().components("corpora") if c.cls.synthetic)


def _dagger(name: str, synthetic: frozenset[str]) -> str:
    """``demo-a → demo-b`` as ``demo-a† → demo-b†`` when the corpora are synthetic."""
    return re.sub(r"[\w-]+", lambda m: m.group(0) + ("†" if m.group(0) in synthetic else ""), name)


def column_headers(table: Table, synthetic: frozenset[str] = frozenset()) -> tuple[dict[tuple, str], list[str]]:
    """Column titles with the number of classes (synthetic corpora marked †); a corpus seen with
    several label sets gets one column per set, tagged L1, L2, ... (a column never mixes label sets)."""
    by_name: dict[str, list[tuple]] = defaultdict(list)
    for col in table.columns:
        by_name[col[0]].append(col[1])
    headers, legend, tags = {}, [], {}
    for raw, label_sets in sorted(by_name.items()):
        name = _dagger(raw, synthetic)
        for labels in sorted(label_sets):
            if len(label_sets) == 1:
                headers[(raw, labels)] = f"{name} ({len(labels)} cl.)"
                continue
            if labels not in tags:
                tags[labels] = f"L{len(tags) + 1}"
                legend.append(f"{tags[labels]} = {', '.join(labels)}")
            headers[(raw, labels)] = f"{name} ({len(labels)} cl., {tags[labels]})"
    return headers, legend


# ----------------------------------------------------------- significance
def compare(store: ResultsStore, table: Table, names: dict[tuple, str], metric: str, baseline: str
            ) -> tuple[list[Comparison], list[str]]:
    """Every (row, column) against the baseline variant with the same features, norm, budget
    and split seed (Holm is applied over the page, :func:`holm_over`)."""
    out, unmatched = [], []
    for row in table.rows:
        if row[0] == baseline:
            continue
        for col in table.columns:
            if (row, col) not in table.cells:
                continue
            a = table.cells[(row, col)]
            candidates = sorted((r for r in table.rows if r[0] == baseline and r[1:6] == row[1:6]
                                 and (r, col) in table.cells),
                                key=lambda r: ((table.cells[(r, col)].cfg.get("tuning") is None)
                                               != (a.cfg.get("tuning") is None), names[r]))
            if not candidates:
                unmatched.append(f"{names[row]} on {col[0]}")
                continue
            b = table.cells[(candidates[0], col)]
            c = paired_test(store, a, b, metric, (names[row], names[candidates[0]]))
            c.z = unpaired_test(a, b, metric)
            out.append(c)
    return out, unmatched


def holm_over(comparisons: list[Comparison]) -> None:
    """Holm-Bonferroni over every tested comparison given (a page's)."""
    tested = [c for c in comparisons if c.p is not None]
    for c, adjusted in zip(tested, stats.holm([c.p for c in tested]), strict=True):
        c.holm = adjusted


# ---------------------------------------------------------------- render
def _p(p: float | None) -> str:
    return "—" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"


def _cell(stat: dict | None, best: tuple[str, bool], star: bool) -> str:
    """``mean ± std (n)``, or ``mean (1)`` for a single job; bold when best (see :func:`_best`)."""
    if stat is None:
        return ""
    text = f"{stat['mean']:.3f} ± {stat['std']:.3f} ({stat['n']})" if stat["n"] > 1 else f"{stat['mean']:.3f} (1)"
    bold = f"{stat['mean']:.3f}" == best[0] and (stat["n"] > 1 or not best[1])
    return (f"**{text}**" if bold else text) + (" *" if star else "")


def _best(stats_: list[dict]) -> tuple[str, bool]:
    """(the best mean of a column, whether it is taken among cells of several jobs): a single job's
    figure is never bold over averaged ones."""
    multi = [s for s in stats_ if s["n"] > 1]
    pool = multi or stats_
    return max(f"{s['mean']:.3f}" for s in pool), bool(multi)


FAMILY_TITLES = {"none": "No adaptation: source data only",
                 "unsupervised": "Unsupervised adaptation: target features or statistics, no target label",
                 "supervised": "Supervised adaptation: labelled target adaptation part"}


def _target_data(g: Group) -> str:
    """What of the target a row saw, in words, for the cross-corpus tables."""
    td = g.target_data
    parts = [f"labels: {td['labels']}"] if "labels" in td else []
    if "features" in td:
        parts.append(f"features: {td['features']}")
    if "normalisation" in td:
        parts.append(f"statistics: {td['normalisation']}")
    return "; ".join(parts) or "—"


def commit_lines(table: Table, names: dict[tuple, str]) -> list[str]:
    """At which commit(s) each row's jobs were produced (``+dirty``: with uncommitted changes)."""
    by_row: dict[tuple, Counter] = defaultdict(Counter)
    for (row, _), g in table.cells.items():
        by_row[row].update(g.commits)
    everyone = set().union(*(set(c) for c in by_row.values())) if by_row else set()
    if len(everyone) == 1:
        return ["", f"Code: every row produced at commit {next(iter(everyone))}."]
    return ["", "Code: " + "; ".join(f"{names[r]} at " + ", ".join(f"{c} ({n} jobs)" for c, n in sorted(cs.items()))
                                     for r, cs in sorted(by_row.items(), key=lambda kv: names[kv[0]])) + "."]


def _test_text(metric: str) -> str:
    return (f"one-tailed sign-flip test over the per-speaker differences of {METRIC_NAMES[metric]} (exact up to "
            f"{EXACT_UP_TO} test speakers; null-centred Monte Carlo, {RESAMPLES} sign patterns, seed {SEED}, above; "
            f"smallest possible p = 2^-speakers)")


class Renderer:
    def __init__(self, store: ResultsStore, metric: str, baseline: str):
        self.store, self.metric, self.baseline = store, metric, baseline
        self.figures: dict[str, tuple] = {}  # relative path -> (function, args)
        self.synthetic = synthetic_corpora()

    def figure(self, name: str, fn, *args) -> str:
        path = f"figures/{name}.png"
        if path in self.figures:
            path = f"figures/{name}-{json_digest(list(map(str, args)))[:6]}.png"
        self.figures[path] = (fn, args)
        return path

    def table(self, table: Table, comparisons: list[Comparison], unmatched: list[str], page_tests: int) -> str:
        metric, names = self.metric, row_names(table)
        for row in table.rows:
            if any(g.transductive for (r, _), g in table.cells.items() if r == row):
                names[row] += " (T)"
        headers, legend = column_headers(table, self.synthetic)
        starred = {(c.row, c.column) for c in comparisons if c.star}
        stat = {k: g.stat(metric) for k, g in table.cells.items()}
        best = {col: _best([s for (r, c), s in stat.items() if c == col]) for col in table.columns}
        cross = table.family in ("cross-corpus", "multi-source")
        families = defaultdict(list)
        for row in table.rows:
            g = next(g for (r, _), g in sorted(table.cells.items(), key=lambda kv: str(kv[0])) if r == row)
            families[g.adaptation if cross else "none"].append((row, g))
        text = []
        for family in ("none", "unsupervised", "supervised"):
            if family not in families:
                continue
            lines = [[names[row]] + ([_target_data(g)] if cross else [])
                     + [_cell(stat.get((row, col)), best[col], (row, col) in starred) for col in table.columns]
                     for row, g in families[family]]
            if family == "none":
                lines += self.reported_rows(table, cross)
            if cross and len(families) > 1 or family != "none":
                text += [f"**{FAMILY_TITLES[family]}**", ""]
            text += [tabulate(lines, headers=["method"] + (["target data seen"] if cross else [])
                              + [headers[c] for c in table.columns], tablefmt="github", disable_numparse=True), ""]
        text.append(f"Cells: mean ± sample std of {METRIC_NAMES[metric]} over folds × model seeds (n = jobs; "
                    f"one job: no spread, never bold over averaged cells). **Bold**: best in the column. "
                    f"Columns: test corpus (or source → target) and its number of classes.")
        if any(n.endswith("(T)") for n in names.values()):
            text.append("(T) transductive: the row's normalisation or adaptation used the unlabelled features "
                        "of the test items (per-speaker statistics, or target statistics or adaptation on the "
                        "test part); the other rows never look at a test item.")
        if legend:
            text.append("Label sets: " + "; ".join(legend) + ".")
        if any("†" in headers[c] for c in table.columns):
            text.append("† synthetic demo corpus (generated, not recordings).")
        text += self.significance(comparisons, unmatched, names, headers, page_tests)
        text += self.reported_notes(table)
        text += commit_lines(table, names)
        text += confusion_links(self, table, names, headers)
        return "\n".join(text)

    def _reported(self, table: Table):
        by_name = {}
        for col in sorted(table.columns, key=lambda c: -len(c[1])):  # a figure goes to the widest label set
            by_name.setdefault(col[0], col)
        modalities = defaultdict(set)
        for (_, col), g in table.cells.items():
            if by_name[col[0]] == col:
                modalities[col[0]].add(g.cfg["modality"])
        return by_name, reported_for(table.protocol, self.metric, dict(modalities))

    def reported_rows(self, table: Table, cross: bool) -> list[list[str]]:
        by_name, reported = self._reported(table)
        return [[f"*{f.row_name}*"] + (["—"] if cross else [])
                + [f"*{f.value:.3f} (reported, not run)*" if by_name.get(f.column) == col else ""
                   for col in table.columns] for f in reported]

    def reported_notes(self, table: Table) -> list[str]:
        _, reported = self._reported(table)
        if not reported:
            return []
        return ["\n*Italic rows* are figures the papers report, not run here (never bold, never starred); "
                "their set-up differs:"] + [f"- paper {f.paper}, {f.method}, {f.column} ({f.modality}), "
                                            f"{f.variant}: {f.note}." for f in reported]

    def significance(self, comparisons, unmatched, names, headers, page_tests: int) -> list[str]:
        if not comparisons and not unmatched:
            return []
        text = ["", f"`*`: beats `{self.baseline}` (same test items, labels, features, norm, budget and split seed) "
                f"with p < {ALPHA} after Holm correction over the {page_tests} paired comparison(s) of this page; "
                f"test: {_test_text(self.metric)}, on predictions paired by (fold, model seed, item) -- on the "
                "seeds both rows have, when their seed counts differ -- and pooled over folds × seeds. "
                "z-test p: the papers' unpaired one-tailed "
                + ("Fisher r-to-z test on CCC" if self.metric == "ccc" else
                   "two-proportion z-test on pooled accuracy")
                + " (treats the two systems' predictions as independent samples; shown, not used for `*`).", ""]
        if comparisons:
            rows = [[names[c.row], headers[c.column], names[c.baseline], c.test or "none", "—" if c.delta is None
                     else f"{c.delta:+.3f}", _p(c.p), _p(c.holm), _p(c.z),
                     "; ".join(x for x in ("*" if c.star else c.reason, c.note) if x)]
                    for c in comparisons]
            text.append(tabulate(rows, headers=["significance: method", "column", "baseline", "paired test",
                                                f"Δ {METRIC_NAMES[self.metric]} (pooled)", "p", "p (Holm)",
                                                "z-test p", "star / why not"],
                                 tablefmt="github", disable_numparse=True))
        if unmatched:
            text.append(f"\nNo `{self.baseline}` run with the same features, norm, budget and split seed "
                        f"(not tested): {'; '.join(unmatched)}.")
        return text

    def page(self, family: str, tables: list[Table], groups: list[Group]) -> str:
        title = PAGES[family][1]
        text = [f"# {title}", "", f"Metric: {METRIC_NAMES[self.metric]}; baseline for `*`: `{self.baseline}`. "
                "Generated by `harness leaderboard` from the results store; see [index.md](index.md).", ""]
        computed = [compare(self.store, table, row_names(table), self.metric, self.baseline) for table in tables]
        every = [c for comparisons, _ in computed for c in comparisons]
        holm_over(every)  # one family of tests per page
        page_tests = sum(c.p is not None for c in every)
        for table, (comparisons, unmatched) in zip(tables, computed, strict=True):
            text += [f"## {PROTOCOL_TITLES[table.protocol]}", "", self.table(table, comparisons, unmatched, page_tests)]
            if family == "cross-corpus" and table.protocol in ("cross", "cross-adapt"):
                text += heatmap_links(self, table, groups, row_names(table))
            text.append("")
        return "\n".join(text)


def index_page(jobs: list[dict], tables: list[Table], metric: str, baseline: str) -> str:
    text = ["# Leaderboards", "", f"Generated by `harness leaderboard` from the results store alone: "
            f"{len(jobs)} stored job(s). Metric: {METRIC_NAMES[metric]}; `*` marks a significant gain over "
            f"`{baseline}` (paired test, Holm-corrected; each page says which). Regenerating from the same "
            "store gives the same files byte for byte.", "", "## Pages", ""]
    rows = []
    for family, (page, title) in PAGES.items():
        mine = [t for t in tables if t.family == family]
        if mine:
            rows.append([f"[{page}]({page})", title, "; ".join(
                f"`{t.protocol}`: {len(t.rows)} method row(s) × {len(t.columns)} column(s)" for t in mine)])
    text += [tabulate(rows, headers=["page", "holds", "tables"], tablefmt="github", disable_numparse=True), ""]
    counts = [("harness version", Counter(j["versions"].get("emo-transfer-harness", "unknown") for j in jobs)),
              ("git commit", Counter(j["git_commit"] for j in jobs)),
              ("corpus fingerprint (config data)", Counter(f"{c} {fp}" for j in jobs
                                                           for c, fp in j["config"]["data"].items()))]
    text += ["## Provenance", ""]
    for what, counter in counts:
        text += [tabulate(sorted(counter.items()), headers=[what, "jobs"], tablefmt="github",
                          disable_numparse=True), ""]
    fingerprints = Counter(c for c, _ in {(c, fp) for j in jobs for c, fp in j["config"]["data"].items()})
    changed = sorted(c for c, n in fingerprints.items() if n > 1)
    if changed:
        text += [f"Note: {', '.join(changed)} appear with more than one fingerprint: their item lists changed "
                 "between runs, so their rows may not be comparable.", ""]
    synthetic = sorted({c for j in jobs for c in j["config"]["data"]} & synthetic_corpora())
    if synthetic:
        text += [f"Synthetic corpora (generated, not recordings): {', '.join(synthetic)}.", ""]
    return "\n".join(text)


def write_leaderboards(results: Path, out: Path, metric: str = "uar", baseline: str = "classic") -> list[Path]:
    """Render every page and figure into ``out``; returns the files written (sorted)."""
    if metric not in METRICS:
        raise HarnessError(f"unknown --metric {metric!r}; known: {', '.join(METRICS)}")
    if not (Path(results) / ResultsStore.FILE).is_file():
        raise HarnessError(f"no results store in {results} (expected {ResultsStore.FILE})")
    store = ResultsStore(results)
    jobs = store.jobs()
    if not jobs:
        raise HarnessError(f"{Path(results) / ResultsStore.FILE}: no stored jobs to show")
    key = METRICS[metric]
    groups = group_jobs(jobs)
    tables = build_tables(groups, key)
    if not tables:
        raise HarnessError(f"{Path(results) / ResultsStore.FILE}: no job has the metric {key!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    render = Renderer(store, key, baseline)
    pages = {"index.md": index_page(jobs, tables, key, baseline)}
    for family in PAGES:
        mine = [t for t in tables if t.family == family]
        if mine:
            pages[PAGES[family][0]] = render.page(family, mine, groups)
    for name, text in pages.items():
        (out / name).write_bytes((text.rstrip("\n") + "\n").encode("utf-8"))
    for path, (fn, args) in sorted(render.figures.items()):
        fn(out / path, *args)
    written = sorted([*pages, *render.figures])
    _clean(out, set(written))
    (out / MANIFEST).write_bytes(("\n".join(written) + "\n").encode("utf-8"))
    return [out / p for p in written]


def generated_name(rel: str) -> bool:
    """Whether ``rel`` has the form of a file this module writes: a page of :data:`PAGES` (or
    ``index.md``) in the output folder, or ``figures/NAME.png``."""
    p = PurePosixPath(rel)
    if p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or p.name in KEEP:
        return False
    if len(p.parts) == 1:
        return p.name in {"index.md", *(page for page, _ in PAGES.values())}
    return len(p.parts) == 2 and p.parts[0] == "figures" and p.suffix == ".png"


def _clean(out: Path, written: set[str]) -> None:
    """Remove what an earlier run wrote and this one did not.  Only files of the generated
    kinds (:func:`generated_name`) inside ``out`` are ever removed: a manifest that lists
    anything else (an absolute path, ``..``, a link out of the folder, a README) is not
    obeyed for it, whoever wrote the manifest."""
    manifest = out / MANIFEST
    old = manifest.read_text("utf-8").splitlines() if manifest.is_file() else []
    figures = out / "figures"
    owned = set(old) | ({p.relative_to(out).as_posix() for p in figures.glob("*.png")} if figures.is_dir() else set())
    root = out.resolve()
    for rel in sorted(owned - written):
        path = out / rel
        if generated_name(rel) and not path.is_symlink() and path.is_file() \
                and path.resolve().is_relative_to(root):
            path.unlink()
