"""HOG descriptor of a face image (Dalal & Triggs, 2005) through OpenCV.

The still image (or the first frame of a video) is read in grey scale, resized
to ``size`` x ``size`` and described by a histogram of oriented gradients:
16x16-pixel blocks with an 8-pixel stride, 8x8 cells, 9 orientation bins
(1764 values for 64x64).  It expects an image that is already a face crop, as
the demo corpora provide; the Viola-Jones face pipeline for raw video is a
separate extractor.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from harness.errors import MediaError
from harness.features.extractor import FeatureExtractor
from harness.hookspecs import hookimpl


def read_grey(path: Path) -> np.ndarray:
    """A still image, or the first frame of a video, in grey scale (uint8)."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        capture = cv2.VideoCapture(str(path))
        ok, frame = capture.read()
        capture.release()
        if not ok:
            raise MediaError(f"{path}: cannot decode image or video frame")
        image = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if image.size == 0:
        raise MediaError(f"{path}: empty image")
    return image


def hog_descriptor(size: int) -> cv2.HOGDescriptor:
    """HOG of a ``size`` x ``size`` grey image: 16x16 blocks, 8-pixel stride, 8x8 cells, 9 bins."""
    return cv2.HOGDescriptor((size, size), (16, 16), (8, 8), (8, 8), 9)


class FaceHOG(FeatureExtractor):
    name = "face-hog"
    description = "HOG descriptor (9 bins, 8x8 cells) of a face crop resized to 64x64"
    modality = "visual"
    kind = "vector"
    version = "1"
    defaults = {"size": 64}

    def extract(self, path: Path) -> np.ndarray:
        size = int(self.params["size"])
        grey = cv2.resize(read_grey(path), (size, size), interpolation=cv2.INTER_AREA)
        return hog_descriptor(size).compute(grey).reshape(-1).astype(np.float32)


@hookimpl
def harness_features():
    return [FaceHOG]
