"""Pooled training — the A∪B baseline of the transfer papers (000, 001, 002).

The classic network (:mod:`harness.plugins.methods.classic`: ``f_A`` → ``g`` → softmax,
class-balanced cross-entropy, Adam) trained on the source corpora *together
with* the labelled adaptation part of the target corpus, as one training set:

    J = CE(source ∪ target-adaptation) + λ·‖θ‖²

Early stopping watches the union of the source validation speakers and the
target adaptation-validation speakers.  It needs labelled target data, so it
runs under the supervised-adaptation protocols (``cross``/``multi`` with
``--adapt-fraction``); the test part is the rest of the target corpus, the
same items every other method of the run is tested on.
"""

from __future__ import annotations

from harness.hookspecs import hookimpl
from harness.plugins.methods.classic import Classic


class Pooled(Classic):
    name = "pooled"
    description = "classic network trained on source corpora ∪ the labelled target adaptation part (A∪B baseline)"
    uses_target_labels = True


@hookimpl
def harness_methods():
    return [Pooled]
