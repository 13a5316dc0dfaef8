"""Stage 3 -- learning: what a method is and how networks are trained and tuned.

Takes in: feature sets (:class:`~harness.learning.method.FeatureSet`: arrays,
labels or targets, speakers, domains) of one fold's parts.
Gives out: fitted methods and their class posteriors or predicted values.

- :mod:`~harness.learning.method` -- the method interface plugins implement;
- :mod:`~harness.learning.space` -- declared hyperparameter search spaces;
- :mod:`~harness.learning.nn`, :mod:`~harness.learning.supervision`,
  :mod:`~harness.learning.training` -- building blocks, targets and losses, the
  shared training loop (seeded mini-batches, early stopping, refit);
- :mod:`~harness.learning.metrics` -- the scores models are selected by and
  results are reported in (UAR, WAR, macro-F1, CCC, ...);
- :mod:`~harness.learning.tuning` -- Optuna on the inner validation part only;
- :mod:`~harness.learning.postprocess` -- RECOLA's post-processing chain, chosen
  on validation.

Depends on: :mod:`harness.data` (digests, seeds).  Knows nothing of files, folds
or the store.
"""
