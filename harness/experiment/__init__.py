"""Stage 4 -- experiment: from a request to prepared folds and job identities.

Takes in: a :class:`~harness.experiment.jobs.RunRequest` (methods, corpora,
protocols, options) and the registry of plugins.
Gives out: experiments (one protocol over a set of corpora), each prepared once
(:mod:`~harness.experiment.preparation`: items, shared labels, features, folds)
with speaker-disjoint folds (:mod:`~harness.experiment.protocols`), and the
:class:`~harness.experiment.jobs.JobSpec` that names every job by the hash of its
config; the leak-free extra training sets of staged and crossmodal methods
(:mod:`~harness.experiment.pretraining`, :mod:`~harness.experiment.auxiliary`).

Depends on: :mod:`harness.data`, :mod:`harness.features`, :mod:`harness.learning`.
"""
