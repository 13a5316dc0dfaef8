"""Analysis and publication: everything computed from the results store alone.

Takes in: stored jobs and their per-item predictions.
Gives out: terminal tables and JSON documents (:mod:`~harness.analysis.report`),
table cells of jobs (:mod:`~harness.analysis.groups`), significance tests
(:mod:`~harness.analysis.stats`, :mod:`~harness.analysis.significance`), markdown
leaderboards with figures (:mod:`~harness.analysis.leaderboard`,
:mod:`~harness.analysis.figures`, the papers' figures in
:mod:`~harness.analysis.reported`), and decision-level fusion of stored runs
(:mod:`~harness.analysis.fusion`: the strategy interface;
:mod:`~harness.analysis.fuse`: ``harness fuse``).

Depends on: :mod:`harness.results`, :mod:`harness.learning` (metrics), :mod:`harness.features`
(which normalisations are transductive),
:mod:`harness.experiment` (protocol names), :mod:`harness.data` (digests).
Never imports :mod:`harness.execution`: a leaderboard needs no runner.
"""
