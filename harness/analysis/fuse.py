"""``harness fuse``: decision-level fusion of stored runs into a job of its own.

Runs to fuse are named by job id (``--run PREFIX``, repeatable) or as groups
(``--group METHOD@MODALITY``, repeatable): for every (protocol, corpora, fold,
split seed, model seed, label set) that every group has, the groups' jobs there
are fused -- the audio and visual runs of a whole cross-validation in one
command.

The fused runs must have predicted the same test items with the same labels
and the same validation items.  The fusion strategy (a ``harness_fusions``
plugin) is fitted on the runs' stored *validation* predictions (what the model
selected on validation predicted there, before any refit) and applied to the
test predictions **of that same model**, which it never learns from: a job that
refits stores, beside the refitted model's test predictions, those of the model
selected on validation (part ``test_selected``), and fusion uses these -- weights
and bonuses are never calibrated on one model and applied to another.  The fused
job's inputs are therefore the selected (not refitted) models; its report says so.  The result is stored like any
job: method ``fusion:NAME``, the inputs' protocol, corpora, fold and seeds,
config = the fusion, its parameters, the fused job ids and their configs'
digests (so the job id is a content hash: fusing again finds the stored job),
metrics of the fused test posteriors and one prediction per test item.  Fused
jobs keep no validation predictions (a fitted fusion's own validation
posteriors are in-sample), so they cannot be fused again.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from harness.data.digest import json_digest
from harness.errors import HarnessError
from harness.learning.metrics import classification_metrics
from harness.registry import Registry, default_registry
from harness.results.provenance import git_commit, package_versions
from harness.results.store import JobRecord, Prediction, ResultsStore

#: job fields every fused run must share; they become the fused job's
SHARED = ("protocol", "train_corpora", "test_corpus", "fold", "split_seed", "model_seed")


@dataclass
class Fused:
    record: JobRecord
    predictions: list[Prediction]
    inputs: list[dict]  # the fused jobs, in the order given
    new: bool  # False: the store already held this fused job


def describe(job: dict) -> str:
    """``3f2a9c01b7 (lstm@audio, egemaps-lld)``: how messages name a job."""
    cfg = job["config"]
    features = cfg.get("features", {}).get("name", "?")
    return f"{job['job_id'][:10]} ({job['method']}@{cfg.get('modality', '?')}, {features})"


def parse_params(values: list[str], cls) -> dict:
    """``--fusion-param KEY=VALUE``: VALUE read as JSON when it parses (0, 1e-3, [0, 1]), else text."""
    params = {}
    for text in values:
        key, sep, value = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise HarnessError(f"--fusion-param expects KEY=VALUE, got {text!r}")
        if key not in cls.defaults:
            known = ", ".join(f"{k} (default {v!r})" for k, v in cls.defaults.items()) or "none"
            raise HarnessError(f"fusion {cls.name!r} has no parameter {key!r}; its parameters: {known}")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value.strip()
    return params


# ------------------------------------------------------------------ checks
def _part(store: ResultsStore, job: dict, part: str) -> dict[str, Prediction]:
    rows = store.predictions(job["job_id"], part=part)
    return {p.item: p for p in rows}


def _same_items(parts: list[dict[str, Prediction]], jobs: list[dict], part: str) -> list[str]:
    """The items of the part, identical (keys and true labels) across the jobs; else an error."""
    first, items = jobs[0], sorted(parts[0])
    for job, other in zip(jobs[1:], parts[1:]):
        if set(other) != set(parts[0]):
            only_a, only_b = sorted(set(parts[0]) - set(other)), sorted(set(other) - set(parts[0]))
            example = (only_a or only_b)[0]
            raise HarnessError(
                f"jobs {describe(first)} and {describe(job)} differ in their {part} items: {len(parts[0])} vs "
                f"{len(other)} items, {len(only_a)} only in the first, {len(only_b)} only in the second "
                f"(e.g. {example}); fusion needs runs on the same {part} items (items lacking a modality are "
                f"left out of that modality's runs)")
        differ = [k for k in items if parts[0][k].true_label != other[k].true_label]
        if differ:
            k = differ[0]
            raise HarnessError(
                f"jobs {describe(first)} and {describe(job)} disagree on the true label of {len(differ)} of "
                f"{len(items)} {part} items (e.g. {k}: {parts[0][k].true_label!r} vs {other[k].true_label!r})")
    return items


def _matrix(part: dict[str, Prediction], items: list[str], job: dict, n_classes: int, what: str) -> np.ndarray:
    rows = [part[k].scores for k in items]
    if any(len(r) != n_classes for r in rows):
        raise HarnessError(f"job {describe(job)}: stored {what} scores do not have one posterior per label "
                           f"({n_classes}); only classification runs can be fused")
    return np.asarray(rows, dtype=np.float64)


def _targets(part: dict[str, Prediction], items: list[str], labels: list[str], job: dict, what: str) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    bad = [k for k in items if part[k].true_label not in index]
    if bad:
        raise HarnessError(f"job {describe(job)}: {len(bad)} {what} item(s) without one of its labels "
                           f"{labels} (e.g. {bad[0]}: {part[bad[0]].true_label!r})")
    return np.array([index[part[k].true_label] for k in items], dtype=np.int64)


def check_runs(jobs: list[dict]) -> None:
    """At least two distinct classification jobs with the same protocol, corpora, fold, seeds and labels."""
    if len(jobs) < 2:
        raise HarnessError(f"fusion needs at least two runs, got {len(jobs)}")
    ids = [j["job_id"] for j in jobs]
    if len(set(ids)) != len(ids):
        raise HarnessError(f"the same job is given twice: {', '.join(sorted({i[:10] for i in ids if ids.count(i) > 1}))}")
    first = jobs[0]
    for job in jobs[1:]:
        for key in SHARED:
            if job[key] != first[key]:
                raise HarnessError(f"jobs {describe(first)} and {describe(job)} differ in {key} "
                                   f"({first[key]!r} vs {job[key]!r}); only runs of one fold are fused")
        if job["config"].get("labels") != first["config"].get("labels"):
            raise HarnessError(f"jobs {describe(first)} and {describe(job)} have other label sets "
                               f"({first['config'].get('labels')} vs {job['config'].get('labels')})")
    if not first["config"].get("labels"):
        raise HarnessError(f"job {describe(first)} is not a classification run; only class posteriors are fused")


def _joined(values: list):
    unique = list(dict.fromkeys(json.dumps(v, sort_keys=True) for v in values))
    return json.loads(unique[0]) if len(unique) == 1 else "+".join(str(v) for v in dict.fromkeys(values))


def _data(jobs: list[dict]) -> dict:
    merged: dict[str, str] = {}
    for job in jobs:
        for corpus, fingerprint in job["config"].get("data", {}).items():
            if merged.setdefault(corpus, fingerprint) != fingerprint:
                raise HarnessError(f"the fused jobs saw different item lists of corpus {corpus!r} (fingerprints "
                                   f"{merged[corpus]} and {fingerprint}, e.g. job {describe(job)})")
    return merged


def fused_config(name: str, cls, params: dict, jobs: list[dict]) -> dict:
    first, cfgs = jobs[0], [j["config"] for j in jobs]
    return {
        "fusion": name, "method_version": getattr(cls, "version", "1"), "hparams": params,
        "runs": [j["job_id"] for j in jobs], "run_configs": [json_digest(c) for c in cfgs],
        **{key: first[key] for key in SHARED},
        "modality": "+".join(dict.fromkeys(c["modality"] for c in cfgs)),
        "features": {"name": "+".join(c["features"]["name"] for c in cfgs), "runs": [c["features"] for c in cfgs]},
        "norm": _joined([c.get("norm") for c in cfgs]), "budget": _joined([c.get("budget") for c in cfgs]),
        "refit": _joined([c.get("refit") for c in cfgs]), "labels": list(first["config"]["labels"]),
        "data": _data(jobs),
    }


# ------------------------------------------------------------------ fusing
def fuse_jobs(store: ResultsStore, name: str, params: dict, jobs: list[dict],
              registry: Registry | None = None) -> Fused:
    """Fit the fusion on the jobs' validation predictions, fuse their test predictions, store the job."""
    start = time.perf_counter()
    cls = (registry or default_registry()).fusion(name)
    check_runs(jobs)
    labels = list(jobs[0]["config"]["labels"])
    # the test predictions of the model the validation predictions came from (before any refit)
    test = [_part(store, j, "test_selected") or _part(store, j, "test") for j in jobs]
    valid = [_part(store, j, "valid") for j in jobs]
    models = ["selected on validation (before refit)" if j["config"].get("refit") else "selected on validation"
              for j in jobs]
    for job, part in zip(jobs, valid):
        if not part:
            copy = store.publication()
            if copy:
                raise HarnessError(
                    f"{store.path} is a publication copy (prediction parts kept: {', '.join(copy['parts_kept'])}): "
                    f"its jobs have no validation predictions, and fusion is fitted on the validation part "
                    f"only; run the jobs again into a working --results directory")
            raise HarnessError(
                f"job {describe(job)} has no validation predictions in {store.path}: fusion is fitted on the "
                f"validation part only, never on test items. Jobs stored before validation predictions were "
                f"kept, and fused jobs, have none; run the job again into a fresh --results directory")
    test_items, valid_items = _same_items(test, jobs, "test"), _same_items(valid, jobs, "validation")
    x_valid = [_matrix(p, valid_items, j, len(labels), "validation") for p, j in zip(valid, jobs)]
    x_test = [_matrix(p, test_items, j, len(labels), "test") for p, j in zip(test, jobs)]
    y_valid = _targets(valid[0], valid_items, labels, jobs[0], "validation")
    y_test = _targets(test[0], test_items, labels, jobs[0], "test")

    fusion = cls(**params)
    try:
        fused = np.asarray(fusion.fit(x_valid, y_valid).fuse(x_test), dtype=np.float64)
    except ValueError as exc:
        raise HarnessError(f"fusion {name!r} of {', '.join(describe(j) for j in jobs)}: {exc}") from None
    if fused.shape != x_test[0].shape or not np.all(np.isfinite(fused)) or \
            not np.allclose(fused.sum(axis=1), 1, atol=1e-4) or fused.min() < 0:
        raise HarnessError(f"fusion {name!r} returned no posteriors of shape {x_test[0].shape} with rows "
                           f"summing to 1 (got shape {fused.shape})")
    pred = fused.argmax(axis=1)
    metrics = classification_metrics(y_test, pred, labels, fused)
    config = fused_config(name, cls, fusion.params, jobs)
    first = jobs[0]
    report = {
        "fusion": {"name": name, "params": fusion.params, "fitted": getattr(fusion, "fitted", None),
                   "fitted_on": "validation predictions of the fused jobs",
                   "applied_to": "test predictions of the same models: " + "; ".join(dict.fromkeys(models)),
                   "valid_items": len(valid_items),
                   "test_items": len(test_items),
                   "inputs": [{"job_id": j["job_id"], "method": j["method"], "modality": j["config"]["modality"],
                               "features": j["config"]["features"]["name"],
                               "valid": {k: v for k, v in classification_metrics(
                                   y_valid, x.argmax(axis=1), labels).items() if k in ("uar", "war")},
                               "test": {k: v for k, v in classification_metrics(
                                   y_test, x_t.argmax(axis=1), labels).items() if k in ("uar", "war")}}
                              for j, x, x_t in zip(jobs, x_valid, x_test, strict=True)]},
        "target_labels_used": any(j["report"].get("target_labels_used", False) for j in jobs),
    }
    record = JobRecord(
        job_id=json_digest(config, 20), config=config, method=f"fusion:{name}", protocol=first["protocol"],
        train_corpora=list(first["train_corpora"]), test_corpus=first["test_corpus"], fold=first["fold"],
        split_seed=first["split_seed"], model_seed=first["model_seed"], hparams=fusion.params,
        metrics=metrics, report=json.loads(json.dumps(report, default=_plain)), versions=package_versions(),
        git_commit=git_commit(), wall_time=time.perf_counter() - start)
    predictions = [Prediction(k, test[0][k].speaker, test[0][k].true_label, labels[p], list(row), "test")
                   for k, p, row in zip(test_items, pred, fused)]
    new = store.save(record, predictions)
    return Fused(record, predictions, jobs, new)


def _plain(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


# ------------------------------------------------------------------ choosing runs
def resolve_runs(store: ResultsStore, prefixes: list[str]) -> list[dict]:
    jobs = []
    for prefix in prefixes:
        job = store.job(prefix)
        if job is None:
            raise HarnessError(f"--run {prefix}: no job with that id prefix in {store.path}")
        jobs.append(job)
    return jobs


def parse_group(text: str) -> tuple[str, str]:
    method, sep, modality = text.partition("@")
    if not sep or not method or modality not in ("audio", "visual"):
        raise HarnessError(f"--group expects METHOD@MODALITY with modality audio or visual, got {text!r}")
    return method, modality


def _slot(job: dict) -> tuple:
    return (job["protocol"], tuple(job["train_corpora"]), job["test_corpus"], job["split_seed"], job["fold"],
            job["model_seed"], tuple(job["config"].get("labels", ())))


def match_groups(store: ResultsStore, groups: list[str]) -> tuple[list[list[dict]], list[str]]:
    """For every slot (protocol, corpora, split seed, fold, model seed, labels) that all groups have,
    their jobs there, in group order; and notes on slots some group lacks."""
    if len(groups) < 2 or len(set(groups)) != len(groups):
        raise HarnessError(f"--group needs at least two different METHOD@MODALITY groups, got {groups}")
    parsed = [parse_group(g) for g in groups]
    by_group: list[dict[tuple, list[dict]]] = [defaultdict(list) for _ in groups]
    for job in store.jobs():
        for (method, modality), slots in zip(parsed, by_group):
            if job["method"] == method and job["config"].get("modality") == modality:
                slots[_slot(job)].append(job)
    for group, slots in zip(groups, by_group):
        if not slots:
            raise HarnessError(f"--group {group}: no such jobs in {store.path}")
        for slot, jobs in slots.items():
            if len(jobs) > 1:
                differ = sorted(k for k in set().union(*(j["config"] for j in jobs))
                                if len({json.dumps(j["config"].get(k), sort_keys=True) for j in jobs}) > 1)
                raise HarnessError(
                    f"--group {group}: {len(jobs)} jobs for {slot[0]} {'+'.join(slot[1])} → {slot[2]}, fold "
                    f"{slot[4]}, seed {slot[5]} ({', '.join(j['job_id'][:10] for j in jobs)}) differ in "
                    f"{', '.join(differ)}; name the runs with --run instead")
    common = sorted(set.intersection(*(set(s) for s in by_group)), key=str)
    if not common:
        raise HarnessError(f"groups {', '.join(groups)} share no (protocol, corpora, fold, seed): nothing to fuse")
    notes = [f"{len(set(s) - set(common))} {g} job(s) without a match in every other group: not fused"
             for g, s in zip(groups, by_group) if set(s) - set(common)]
    return [[s[slot][0] for s in by_group] for slot in common], notes
