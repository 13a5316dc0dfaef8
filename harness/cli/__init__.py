"""The ``harness`` command line: parses arguments and calls the stages.

- :mod:`~harness.cli.commands` -- the parser and the subcommands (run, fuse, list,
  corpora check, show, leaderboard, export, bench, status);
- :mod:`~harness.cli.options` -- parsing of repeated ``KEY=VALUE`` options, shared
  by the subcommands and the benchmarks;
- :mod:`~harness.cli.bench` -- ``harness bench features|sweep``.

Depends on every stage; nothing depends on it.
"""

from harness.cli.commands import main

__all__ = ["main"]
