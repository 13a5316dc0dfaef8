"""Built-in plugins: methods, feature extractors and fusion strategies (``harness.plugins``)."""
