"""Stage 2 -- features: media -> arrays, cached, then standardised.

Takes in: items (:mod:`harness.data`) and a feature extractor plugin.
Gives out: one array per item (a vector, a frame sequence or a stack of
segments) from the content-keyed cache (:mod:`~harness.features.cache`),
extracted over all cores (:mod:`~harness.features.extraction`) through the
extractor interface (:mod:`~harness.features.extractor`); and the feature
standardisation the core applies before any method sees the data
(:mod:`~harness.features.normalize`).

Depends on: :mod:`harness.data`.

The public names of the flat layout (``FeatureExtractor``, ``AudioFeatureExtractor``,
``FeatureCache``, ``extract_features``) are re-exported here.
"""

from harness.features.cache import FeatureCache
from harness.features.extraction import ExtractionReport, extract_features
from harness.features.extractor import AudioFeatureExtractor, FeatureExtractor

__all__ = ["AudioFeatureExtractor", "ExtractionReport", "FeatureCache", "FeatureExtractor", "extract_features"]
