"""Built-in corpus adapters (``harness.corpora``), one module per corpus."""
