"""Stage 5 -- execution: running a request's jobs and saving their results.

Takes in: a :class:`~harness.experiment.jobs.RunRequest`.
Gives out: finished jobs in the results store.

- :mod:`~harness.execution.runner` -- validates a request, builds each prepared
  experiment's job specs, and runs one job: fit, refit, predict, score, record;
- :mod:`~harness.execution.evaluation` -- a method's outputs on one part of a fold
  turned into metrics and stored predictions;
- :mod:`~harness.execution.sweep` -- the driver: plan, claim, hand jobs to an
  executor, save outcomes as they arrive;
- :mod:`~harness.execution.executors` -- the executor interface (local processes,
  Ray) and the worker that runs one job on a device;
- :mod:`~harness.execution.status` -- where the sweeps of a store stand.

Depends on: :mod:`harness.experiment`, :mod:`harness.learning`,
:mod:`harness.features`, :mod:`harness.results`, :mod:`harness.data`.
"""
