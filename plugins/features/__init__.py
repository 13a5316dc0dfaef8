"""Feature extractors (``harness_features``): one media file (or table row) -> one array."""
