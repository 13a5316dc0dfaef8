"""Methods (``harness_methods``): one file each, reading like the paper's method section."""
