"""Results: the store every job is written to, and what it records about the software.

Takes in: job records and per-item predictions.
Gives out: one SQLite file per results directory (:mod:`~harness.results.store`:
jobs, predictions, sweeps, claims, failures) and the provenance of each job
(:mod:`~harness.results.provenance`: package versions, git commit), and the
compressed publication copy of a store (:mod:`~harness.results.publication`: every
job, the test predictions the pages read).

Depends on: nothing but ``harness.errors``; everything that reads or writes
results goes through it.
"""
