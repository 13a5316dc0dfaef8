"""``harness status``: where the sweeps of a results store stand.

Every ``harness run`` records its sweep (the jobs it expands into) in the
store.  A job is *done* when its record is stored, *running* when a live
process holds its claim, *failed* when its last attempt raised (and it is not
running again), and *pending* otherwise -- including jobs whose claim lapsed
(the owner process died: ``kill -9``, a crash), which the next ``harness run``
takes over.
"""

from __future__ import annotations

import time
from pathlib import Path

from harness.errors import HarnessError
from harness.results.store import ResultsStore

STATES = ("done", "running", "failed", "pending")


def job_states(store: ResultsStore, job_ids: list[str]) -> dict[str, str]:
    done, claims, failures = store.done_ids(), store.claims(), store.failures()
    out = {}
    for job_id in job_ids:
        if job_id in done:
            out[job_id] = "done"
        elif job_id in claims and claims[job_id]["live"]:
            out[job_id] = "running"
        elif job_id in failures:
            out[job_id] = "failed"
        else:
            out[job_id] = "pending"
    return out


def summary(results: Path, sweep: str | None = None, recent: int = 0) -> dict:
    """Counts per sweep, the running, failed and interrupted jobs with their details, and the
    ``recent`` jobs stored last (with their ids, for ``harness show``)."""
    if not (Path(results) / ResultsStore.FILE).is_file():
        raise HarnessError(f"no results store in {results} (expected {ResultsStore.FILE}; "
                           f"`harness run --results {results}` makes one)")
    store = ResultsStore(results)
    sweeps = store.sweeps()
    if sweep is not None:
        sweeps = [s for s in sweeps if s["sweep_id"].startswith(sweep)]
        if not sweeps:
            raise HarnessError(f"no sweep {sweep!r} in {results}")
    claims, failures, now = store.claims(), store.failures(), time.time()
    rows, running, failed, interrupted = [], [], [], []
    for s in sweeps:
        states = job_states(store, s["job_ids"])
        descriptions = store.plan_descriptions(s["sweep_id"])
        counts = {state: sum(v == state for v in states.values()) for state in STATES}
        rows.append({"sweep": s["sweep_id"], "planned_at": s["planned_at"], "description": s["description"],
                     "jobs": len(states), **counts})
        for job_id, state in states.items():
            entry = {"sweep": s["sweep_id"], "job": job_id, "description": descriptions.get(job_id, "")}
            if state == "running":
                c = claims[job_id]
                running.append({**entry, "owner": c["owner"], "for_s": round(now - c["started"], 1),
                                "heartbeat_s": round(now - c["heartbeat"], 1)})
            elif state == "failed":
                f = failures[job_id]
                failed.append({**entry, "attempts": f["attempts"], "at": f["at"], "error": f["error"],
                               "traceback": f["traceback"]})
            elif state == "pending" and job_id in claims:
                interrupted.append({**entry, "owner": claims[job_id]["owner"]})
    latest = []
    for job in store.latest(recent) if recent > 0 else []:
        metric = "uar" if "uar" in job["metrics"] else "ccc"
        train = "+".join(job["train_corpora"])
        latest.append({"job": job["job_id"], "finished_at": job["finished_at"], "method": job["method"],
                       "protocol": job["protocol"], "corpora": job["test_corpus"] if train == job["test_corpus"]
                       else f"{train} → {job['test_corpus']}", "fold": job["fold"], "seed": job["model_seed"],
                       "metric": metric, "score": job["metrics"].get(metric), "commit": job["git_commit"]})
    return {"results": str(results), "stored_jobs": store.count(), "sweeps": rows, "running": running,
            "failed": failed, "interrupted": interrupted, "recent": latest}


def _cell(text) -> str:
    """A markdown table cell: pipes escaped, so that the table stays a table."""
    return str(text).replace("|", "\\|")


def render(doc: dict) -> str:
    from tabulate import tabulate

    lines = []
    if not doc["sweeps"]:
        lines.append(f"{doc['results']}: {doc['stored_jobs']} stored job(s), no sweep recorded "
                     "(stores written before sweeps were planned)")
        return "\n".join(lines)
    table = [[r["sweep"], r["planned_at"], _cell(r["description"]), r["jobs"], *(r[s] for s in STATES)]
             for r in doc["sweeps"]]
    lines.append(tabulate(table, headers=["sweep", "planned", "methods / protocols / corpora", "jobs", *STATES],
                          tablefmt="github", disable_numparse=True))
    if doc["running"]:
        lines.append("\nrunning:")
        lines += [f"  {r['job']}  {r['description']}  ({r['owner']}, {r['for_s']:.0f} s, "
                  f"heartbeat {r['heartbeat_s']:.0f} s ago)" for r in doc["running"]]
    if doc["failed"]:
        lines.append("\nfailed (`harness run ... --retry-failed` runs them again; `harness show` needs a stored job):")
        lines += [f"  {r['job']}  {r['description']}  attempts {r['attempts']}, last {r['at']}: {r['error']}"
                  for r in doc["failed"]]
    if doc["interrupted"]:
        lines.append("\ninterrupted (owner gone; the next `harness run` takes them over):")
        lines += [f"  {r['job']}  {r['description']}  (was {r['owner']})" for r in doc["interrupted"]]
    if doc.get("recent"):
        lines.append(f"\nlatest {len(doc['recent'])} stored job(s) (`harness show JOB`):\n")
        lines.append(tabulate([[r["job"], r["finished_at"], r["method"], r["protocol"], _cell(r["corpora"]), r["fold"],
                                r["seed"], f"{r['metric'].upper()} {r['score']:.3f}" if r["score"] is not None else "",
                                r["commit"][:12] + ("+dirty" if r["commit"].endswith("+dirty") else "")]
                               for r in doc["recent"]],
                              headers=["job id", "finished", "method", "protocol", "corpora", "fold", "seed", "score",
                                       "commit"], tablefmt="github", disable_numparse=True))
    lines.append(f"\n{doc['stored_jobs']} job(s) stored in {Path(doc['results']) / ResultsStore.FILE}")
    return "\n".join(lines)
