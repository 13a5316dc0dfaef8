"""Executors (``harness_executors``): where a sweep's jobs run (local processes, Ray)."""
