"""``harness describe NAME``: what a registered component is, from the catalogue (no plugin import).

A method: its summary, what it reads and does, hyperparameters with defaults and search
ranges, budgets, and which data it uses; a feature extractor: modality, output, parameters;
a corpus: its README (layouts, codes, speakers, splits), where to obtain it; a fusion:
its parameters.
"""

from __future__ import annotations

from tabulate import tabulate

from harness import catalog
from harness.errors import HarnessError, did_you_mean


def _range(p: dict) -> str:
    if p["type"] == "categorical":
        return " | ".join(str(c) for c in p["choices"])
    return f"[{p['low']}, {p['high']}]" + (" log" if p.get("log") else "")


def _method(e: dict) -> list[str]:
    uses = [what for what, flag in (("labelled target data (supervised adaptation)", e["uses_target_labels"]),
                                    ("an auxiliary modality (crossmodal)", e["uses_auxiliary"]),
                                    ("pre-training sets (--pretrain)", e["uses_pretraining"])) if flag]
    out = [f"reads: {', '.join(e['inputs'])} features; tasks: {', '.join(e['tasks'])}; version {e['version']}",
           f"uses: {', '.join(uses) if uses else 'the training part only (no target data)'}; "
           f"refit on training + validation: {'yes' if e['refits'] else 'no'}"]
    if e["space"]:
        rows = [[name, p["default"], p["type"], _range(p)] for name, p in e["space"].items()]
        out += ["", "hyperparameters (--hp NAME=VALUE or METHOD.NAME=VALUE; --trials N searches the ranges):",
                tabulate(rows, headers=["name", "default", "type", "search range"], tablefmt="github",
                         disable_numparse=True)]
    budgets = {b: v for b, v in e["budgets"].items() if v}
    if budgets:
        keys = sorted({k for v in budgets.values() for k in v})
        out += ["", "budgets (--budget):",
                tabulate([[b, *(budgets[b].get(k, "") for k in keys)] for b in budgets], headers=["budget", *keys],
                         tablefmt="github", disable_numparse=True)]
    return out


def _feature(e: dict) -> list[str]:
    out = [f"modality {e['modality']}; output: {e['output']}; version {e['version']}"
           + (f"; audio at {e['sample_rate']} Hz" if e.get("sample_rate") else "")]
    if e["params"]:
        out += ["", f"parameters (--feature-param {e['name']}.KEY=VALUE):",
                tabulate([[k, v] for k, v in e["params"].items()], headers=["key", "default"], tablefmt="github",
                         disable_numparse=True)]
    if e["needs_params"]:
        out.append("needs parameters (it reads a table you give, not the media files)")
    return out


def _corpus(e: dict) -> list[str]:
    return [f"modalities: {', '.join(e['modalities'])}; labels: {', '.join(e['labels']) or 'none'}"
            + (f"; dimensions: {', '.join(e['dimensions'])}" if e["dimensions"] else "")
            + (f"; official split: {', '.join(e['splits'])}" if e["splits"] else ""),
            f"folders looked for under --data-root: {', '.join(e['folders']) or '(generated)'}",
            f"layout: {e['layout']}", f"obtain: {e['obtain']}"]


def _fusion(e: dict) -> list[str]:
    if not e["params"]:
        return ["parameters: none"]
    return ["parameters (--fusion-param KEY=VALUE): " + ", ".join(f"{k}={v}" for k, v in e["params"].items())]


def describe(name: str, kind: str | None = None) -> str:
    entries = [catalog.entry(kind, name)] if kind else catalog.find(name)
    if not entries:
        every = sorted({n for table in catalog.load().values() for n in table})
        raise HarnessError(f"nothing is registered as {name!r}{did_you_mean(name, every)}; "
                           f"`harness list methods|features|corpora|fusions|executors` lists the names")
    if len(entries) > 1:
        raise HarnessError(f"{name!r} is registered as " + " and ".join(e["kind"] for e in entries)
                           + "; say which with --kind")
    e = entries[0]
    out = [f"{e['name']} ({catalog.SINGULAR[e['kind']]}, plugin {e['plugin']})", e["description"], ""]
    doc = e["module_doc"] if e["kind"] == "corpora" else (e["doc"] or e["module_doc"])
    if doc:
        out += [doc, ""]
    details = {"methods": _method, "features": _feature, "corpora": _corpus, "fusions": _fusion}.get(e["kind"])
    if details:
        out += details(e)
    return "\n".join(out).rstrip()
