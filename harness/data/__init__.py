"""Stage 1 -- data: corpora as items, and reading their media.

Takes in: corpus folders in their distributed layouts (through the corpus
adapters in ``harness.corpora``), media files, annotation tables.
Gives out: :class:`~harness.data.corpus.Item` lists with speakers, labels and
targets; decoded mono audio (:mod:`~harness.data.audio`); ARFF tables
(:mod:`~harness.data.arff`); cheap readability probes (:mod:`~harness.data.probe`);
the emotion vocabulary and strict label maps (:mod:`~harness.data.labels`);
time-continuous targets (:mod:`~harness.data.targets`); content digests and derived
seeds (:mod:`~harness.data.digest`).

Depends on: nothing above it (``harness.errors`` and ``harness.paths`` only).

``Corpus``, ``Item`` and ``examples`` are re-exported here: corpus adapters written
against ``from harness.data import Corpus, Item`` keep working.
"""

from harness.data.corpus import Corpus, Item, examples

__all__ = ["Corpus", "Item", "examples"]
