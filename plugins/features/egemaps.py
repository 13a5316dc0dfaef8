"""eGeMAPS functionals (Eyben et al., 2016) through openSMILE.

88 utterance-level functionals of the extended Geneva Minimalistic Acoustic
Parameter Set (eGeMAPSv02), the acoustic feature set of the EmoBed paper
(004, section 4.1) and of the AVEC 2016 baselines.  Audio is decoded by the
core (mono, 16 kHz) and handed to openSMILE as a signal.
"""

from __future__ import annotations

import functools
from importlib import metadata
from typing import ClassVar

import numpy as np

from harness.features.extractor import AudioFeatureExtractor
from harness.hookspecs import hookimpl


@functools.lru_cache(maxsize=1)
def opensmile_version() -> str:
    return metadata.version("opensmile")  # once: importlib.metadata costs ~2 ms a call


class EGeMAPSFunctionals(AudioFeatureExtractor):
    name = "egemaps"
    description = "eGeMAPSv02 functionals (88 per utterance) through openSMILE"
    kind = "vector"
    version = "1"
    sample_rate = 16000
    defaults = {"feature_set": "eGeMAPSv02"}
    #: openSMILE's ``FeatureLevel`` member
    feature_level: ClassVar[str] = "Functionals"

    def dependencies(self) -> dict[str, str]:
        return {"opensmile": opensmile_version()}

    def _smile(self):
        if getattr(self, "_smile_obj", None) is None:
            import opensmile

            self._smile_obj = opensmile.Smile(
                feature_set=getattr(opensmile.FeatureSet, self.params["feature_set"]),
                feature_level=getattr(opensmile.FeatureLevel, self.feature_level),
            )
        return self._smile_obj

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_smile_obj"] = None  # rebuilt in the worker process
        return state

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        frame = self._smile().process_signal(signal, self.sample_rate)
        return frame.to_numpy(dtype=np.float32).reshape(-1)


@hookimpl
def harness_features():
    return [EGeMAPSFunctionals]
