"""Which stored jobs form one table cell: the same configuration, any fold and model seed.

Used by the terminal tables (:mod:`harness.analysis.report`), the leaderboards
(:mod:`harness.analysis.leaderboard`), their significance tests
(:mod:`harness.analysis.significance`) and ``harness fuse --group``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from harness.data.digest import json_digest
from harness.errors import HarnessError
from harness.experiment.protocols import WITHIN_PROTOCOLS
from harness.learning.metrics import summarise


def group_key(job: dict, role: str) -> tuple:
    """Jobs that differ only in fold and model seed form one row."""
    cfg = job["config"]
    return (role, job["method"], job["protocol"], tuple(job["train_corpora"]), job["test_corpus"],
            cfg["modality"], cfg["features"]["name"], cfg["norm"], tuple(cfg["labels"]),
            cfg["budget"], cfg["split_seed"], json_digest([cfg["hparams"], cfg["features"], cfg["method_version"],
                                                           cfg.get("tuning"), cfg.get("auxiliary"), cfg["refit"],
                                                           cfg["data"], cfg.get("regression")]))


def transductive(jobs: list[dict]) -> bool:
    """Whether any of the jobs' normalisation took statistics from test items' features (the job's
    report says; a job stored before reports said is judged by its setting)."""
    from harness.features.normalize import TRANSDUCTIVE

    def one(job):
        said = job["report"].get("normalisation", {}).get("transductive")
        return said if said is not None else job["config"].get("norm") in TRANSDUCTIVE

    return any(one(j) for j in jobs)


@dataclass
class Group:
    """Jobs that differ only in fold and model seed (one table cell)."""

    jobs: list[dict]

    @property
    def cfg(self) -> dict:
        return self.jobs[0]["config"]

    @property
    def modalities(self) -> tuple[str, str]:
        """(training, test) modality; a cross-modal job is expected to name both in its config."""
        return self.cfg.get("train_modality") or self.cfg["modality"], self.cfg.get("test_modality") or self.cfg["modality"]

    @property
    def row(self) -> tuple:
        """The table row: the :func:`group_key` without protocol, corpora and labels."""
        c = self.cfg
        return (self.jobs[0]["method"], c["modality"], c["features"]["name"], c["norm"], c["budget"],
                c["split_seed"], json_digest([c["hparams"], c["features"], c["method_version"], c.get("tuning")]))

    @property
    def family(self) -> str:
        protocol = self.jobs[0]["protocol"]
        return "cross-modal" if self.modalities[0] != self.modalities[1] else "within" \
            if protocol in WITHIN_PROTOCOLS else "cross-corpus" if protocol.startswith("cross") else "multi-source"

    @property
    def column(self) -> str:
        job = self.jobs[0]
        name = job["test_corpus"] if job["protocol"] in WITHIN_PROTOCOLS else \
            "+".join(job["train_corpora"]) + " → " + job["test_corpus"]
        return name if self.family != "cross-modal" else " → ".join(self.modalities) + ": " + name

    def stat(self, metric: str) -> dict | None:
        values = [j["metrics"].get(metric) for j in self.jobs]
        return None if any(v is None for v in values) else summarise(values)

    @property
    def target_data(self) -> dict:
        """What of the target corpus the cell's jobs saw beyond the sources (their config says)."""
        return self.cfg.get("target_data") or {}

    @property
    def adaptation(self) -> str:
        """The family of a cross-corpus row: ``supervised`` (labelled target data), ``unsupervised``
        (target features or statistics, no labels), or ``none`` (source data only)."""
        td = self.target_data
        return "supervised" if "labels" in td else "unsupervised" if td else "none"

    @property
    def transductive(self) -> bool:
        """Whether the jobs used test items' features (normalisation statistics or adaptation)."""
        return transductive(self.jobs) or "transductive" in json.dumps(self.target_data)

    @property
    def commits(self) -> dict[str, int]:
        """Short commit (``+dirty`` kept) -> number of the cell's jobs produced at it."""
        out: dict[str, int] = {}
        for j in self.jobs:
            c = j["git_commit"]
            short = c if c == "unknown" else c[:10] + ("+dirty" if c.endswith("+dirty") else "")
            out[short] = out.get(short, 0) + 1
        return dict(sorted(out.items()))


def group_jobs(jobs: list[dict]) -> list[Group]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for job in jobs:
        groups[group_key(job, "main")].append(job)
    for members in groups.values():
        seen: dict[tuple, dict] = {}
        for job in members:
            slot = (job["fold"], job["model_seed"])
            if slot in seen:  # e.g. --folds 3 and --folds 4 of the same configuration in one store
                raise HarnessError(
                    f"the results store holds two {job['method']} jobs for {job['protocol']} on "
                    f"{job['test_corpus']}, fold {slot[0]}, seed {slot[1]}, that differ only in their folds "
                    f"({seen[slot]['job_id'][:10]}, {job['job_id'][:10]}; e.g. other --folds or --adapt-fraction): "
                    f"render them from separate --results directories")
            seen[slot] = job
    return [Group(sorted(m, key=lambda j: (j["fold"], j["model_seed"], j["job_id"])))
            for _, m in sorted(groups.items(), key=lambda kv: json_digest(list(kv[0])))]
