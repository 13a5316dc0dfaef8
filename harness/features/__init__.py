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

import importlib

#: public name -> the module defining it (imported on first use, so that importing
#: ``harness.features.normalize`` does not load the audio decoders)
_EXPORTS = {"FeatureExtractor": "extractor", "AudioFeatureExtractor": "extractor", "FeatureCache": "cache",
            "ExtractionReport": "extraction", "extract_features": "extraction"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"harness.features.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'harness.features' has no attribute {name!r}")
