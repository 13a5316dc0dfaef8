"""eGeMAPS low-level descriptors (Eyben et al., 2016) through openSMILE: a (T, 25) sequence.

The 25 frame-level descriptors of the extended Geneva Minimalistic Acoustic
Parameter Set (eGeMAPSv02) -- loudness, alpha ratio, Hammarberg index, spectral
slopes, F0 (semitones from 27.5 Hz), jitter, shimmer, HNR, H1-H2, H1-A3, formant
frequencies, bandwidths and relative energies, MFCC 1-4, spectral flux -- one
row every 10 ms, as openSMILE's ``FeatureLevel.LowLevelDescriptors`` gives them
(the descriptors before the functionals of :mod:`harness.plugins.features.egemaps` are
taken over them).  For sequence models: the columns are in openSMILE's order
(``opensmile.Smile(...).feature_names``).  Audio is decoded by the core (mono,
16 kHz) and handed to openSMILE as a signal.  openSMILE computes the
descriptors over frames of 20 to 60 ms with a 10 ms step; at 16 kHz a signal of
N >= 800 samples gives ``T = 1 + floor((N - 800) / 160)`` rows (1 s -> 96).  A
file shorter than 50 ms gives none (openSMILE fills a NaN row) and is an error
naming it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from harness.errors import MediaError
from harness.hookspecs import hookimpl
from harness.plugins.features.egemaps import EGeMAPSFunctionals


class EGeMAPSLowLevel(EGeMAPSFunctionals):
    name = "egemaps-lld"
    description = "eGeMAPSv02 low-level descriptors (T x 25, 10 ms step) through openSMILE"
    kind = "sequence"
    version = "1"
    feature_level = "LowLevelDescriptors"

    @property
    def feature_names(self) -> list[str]:
        return list(self._smile().feature_names)

    def extract(self, path: Path) -> np.ndarray:
        array = super().extract(path)
        if array.shape[0] == 0 or np.isnan(array).all():
            raise MediaError(f"{path}: too short for openSMILE to give one frame of {self.name} "
                             f"descriptors (needs at least 50 ms)")
        return array

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings():  # "Segment too short": an all-NaN frame, reported by extract()
            warnings.filterwarnings("ignore", message="Segment too short")
            frame = self._smile().process_signal(signal, self.sample_rate)
        return frame.to_numpy(dtype=np.float32)


@hookimpl
def harness_features():
    return [EGeMAPSLowLevel]
