"""Face crops tracked through a clip, and HOG descriptors of them (papers 000 section 3.2, 001 section 3.1).

Three extractors over the visual modality share the face pipeline of
``_face_detect`` (frames, Viola-Jones with OpenCV's frontal-face Haar cascade,
the papers' rule "no face or more than one face: reuse the previous frame's
box", crop resized to ``size`` x ``size``):

``faces`` (segments)
    (T, size, size, 3) float32 in [0, 1], channels in **RGB** order, one crop
    per sampled frame (a still image gives T = 1): the 64 x 64 x 3 network
    input of the papers.  Storage: 48 KiB per frame at 64 x 64, so set ``fps``
    (e.g. 10) on large corpora.
``face-hog-seq`` (sequence)
    (T, D) HOG descriptors of the grey crops, with the settings of ``face-hog``
    (16 x 16 blocks, 8-pixel stride, 8 x 8 cells, 9 bins: D = 1764 at 64 x 64).
``face-hog-mean`` (vector)
    (2 D,) the mean then the standard deviation over frames of that sequence.

Parameters (the same for the three): ``size`` (crop side), ``fps`` (0: every
frame, as in the papers; else subsample to this rate), ``max_frames`` (0: no
limit; else stop after that many sampled frames, with a note),
``detect_width`` (the grey frame is downscaled to at most this width for
detection; 0: full resolution), ``scale_factor``, ``min_neighbors``,
``min_size`` (``detectMultiScale``'s, ``min_size`` in pixels of the
downscaled frame), ``no_face`` (``centre``: a clip in which no frame has
exactly one face is cropped to the centre square with a note; ``error``: it is
an unreadable item, :class:`~harness.errors.MediaError`).  The OpenCV version
and the SHA-256 of the cascade file are part of the features' identity.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from harness.errors import HarnessError
from harness.features.extractor import FeatureExtractor
from harness.hookspecs import hookimpl
from harness.plugins.features._face_detect import CASCADE_NAME, cascade_sha256, face_crops
from harness.plugins.features.face_hog import hog_descriptor

FACE_DEFAULTS: dict[str, Any] = {
    "size": 64,
    "fps": 0.0,
    "max_frames": 0,
    "detect_width": 320,
    "scale_factor": 1.1,
    "min_neighbors": 5,
    "min_size": 30,
    "no_face": "centre",
}


class _FaceTrackExtractor(FeatureExtractor):
    """Shared parameters, checks and identity of the face extractors."""

    modality = "visual"
    defaults = FACE_DEFAULTS
    min_side = 8

    def __init__(self, **params: Any):
        super().__init__(**params)
        p = self.params
        problems = []
        if not isinstance(p["size"], int) or p["size"] < self.min_side:
            problems.append(f"size must be an integer >= {self.min_side}")
        if p["fps"] < 0:
            problems.append("fps must be >= 0 (0: every frame)")
        if p["max_frames"] < 0:
            problems.append("max_frames must be >= 0 (0: no limit)")
        if p["detect_width"] != 0 and p["detect_width"] < 24:
            problems.append("detect_width must be 0 (full resolution) or >= 24")
        if not p["scale_factor"] > 1:
            problems.append("scale_factor must be > 1")
        if p["min_neighbors"] < 0 or p["min_size"] < 1:
            problems.append("min_neighbors must be >= 0 and min_size >= 1")
        if p["no_face"] not in ("centre", "error"):
            problems.append("no_face must be 'centre' or 'error'")
        problems += self._check()
        if problems:
            raise HarnessError(f"feature extractor {self.name!r}: " + "; ".join(problems))

    def _check(self) -> list[str]:
        return []

    def dependencies(self) -> dict[str, str]:
        return {"opencv": cv2.__version__, "av": metadata.version("av"),
                "cascade": f"{CASCADE_NAME} sha256:{cascade_sha256()}"}

    def crops(self, path: Path) -> np.ndarray:
        """(T, size, size, 3) uint8 BGR face crops; notes go to ``self.notes``."""
        p = self.params
        crops, notes = face_crops(
            path, size=int(p["size"]), fps=float(p["fps"]), max_frames=int(p["max_frames"]),
            detect_width=int(p["detect_width"]), scale_factor=float(p["scale_factor"]),
            min_neighbors=int(p["min_neighbors"]), min_size=int(p["min_size"]), no_face=p["no_face"])
        self.notes.extend(notes)
        return crops


class Faces(_FaceTrackExtractor):
    name = "faces"
    description = "Viola-Jones face crops per frame, 64x64x3 RGB in [0, 1] (papers 000/001)"
    kind = "segments"
    version = "1"

    def extract(self, path: Path) -> np.ndarray:
        rgb = self.crops(path)[..., ::-1]
        return np.ascontiguousarray(rgb, dtype=np.float32) / np.float32(255.0)


class FaceHOGSequence(_FaceTrackExtractor):
    name = "face-hog-seq"
    description = "HOG (9 bins, 8x8 cells) of the Viola-Jones face crop of every frame"
    kind = "sequence"
    version = "1"
    min_side = 16

    def _check(self) -> list[str]:
        return [] if self.params["size"] % 8 == 0 else ["size must be a multiple of 8 for HOG"]

    def extract(self, path: Path) -> np.ndarray:
        size = int(self.params["size"])
        hog = hog_descriptor(size)  # the settings of face-hog
        rows = [hog.compute(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY)).reshape(-1) for c in self.crops(path)]
        return np.stack(rows).astype(np.float32)


class FaceHOGMean(FaceHOGSequence):
    name = "face-hog-mean"
    description = "mean and std over frames of the HOG of the Viola-Jones face crops (pooled per clip)"
    kind = "vector"
    version = "1"

    def extract(self, path: Path) -> np.ndarray:
        seq = super().extract(path).astype(np.float64)
        return np.concatenate([seq.mean(axis=0), seq.std(axis=0)]).astype(np.float32)


@hookimpl
def harness_features():
    return [Faces, FaceHOGSequence, FaceHOGMean]
