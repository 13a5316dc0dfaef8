"""Benchmark harness for cross-corpus and cross-modal emotion-recognition transfer.

The core (this package) owns the loops: corpus loading, feature extraction and
caching, speaker-independent protocols, fitting, evaluation and the results
store.  Methods, feature extractors, fusion strategies and corpus adapters are
pluggy plugins (``harness.plugins``, ``harness.corpora`` and third-party
packages registered under the ``harness.plugins`` entry-point group).
"""

__version__ = "0.1.0"
