"""HOG descriptor of a face image (Dalal & Triggs, 2005) through OpenCV.

The still image (or the first frame of a video) is read in grey scale, the face
is found in it where the image is not already a face crop, the face region is
resized to ``size`` x ``size`` and described by a histogram of oriented
gradients: 16x16-pixel blocks with an 8-pixel stride, 8x8 cells, 9 orientation
bins (1764 values for 64x64).

Face detection (``detect``):

- ``auto`` (default): the corpus says whether its images are face crops (an item's
  ``meta["face_crop"]``: CK+48, FER-2013 and the demo corpora ship crops; JAFFE and
  the original CK+ frames are full head-and-shoulders or 640x490 frames).  Crops
  are described as they are; other images go through the papers' Viola-Jones
  detector (OpenCV's frontal-face Haar cascade, the settings of the ``faces``
  extractor): one face is cropped; of several, the largest; with none -- the
  papers' fallback, a still image having no previous frame -- the centre square.
  An image whose corpus says nothing is treated as a crop when it is at most
  ``crop_max`` pixels wide (48x48 FER-style crops), else detected;
- ``always`` / ``never``: detection for every image, or for none.

Each extraction notes which path it took ("face detected and cropped",
"no face found: centre square", "face crop from the corpus: no detection"), so the
run's extraction report states the visual pipeline, with counts.  The detector
settings and the cascade's SHA-256 are part of the identity when detection can run.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from harness.data.corpus import Item
from harness.errors import HarnessError, MediaError
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


NOTE_CROP = "face crop from the corpus: no detection"
NOTE_DETECTED = "face detected (Viola-Jones) and cropped"
NOTE_LARGEST = "several faces detected: the largest cropped"
NOTE_NONE = "no face detected: centre square cropped"


class FaceHOG(FeatureExtractor):
    name = "face-hog"
    description = "HOG descriptor (9 bins, 8x8 cells) of the face, detected where the image is not a crop, at 64x64"
    modality = "visual"
    kind = "vector"
    version = "2"  # 2: Viola-Jones detection on images that are not face crops
    defaults = {"size": 64, "detect": "auto", "crop_max": 96, "detect_width": 320, "scale_factor": 1.1,
                "min_neighbors": 5, "min_size": 30}

    def __init__(self, **params):
        super().__init__(**params)
        if self.params["detect"] not in ("auto", "always", "never"):
            raise HarnessError(f"face-hog: detect must be auto, always or never (got {self.params['detect']!r})")

    def identity(self) -> dict:
        ident = super().identity()
        if self.params["detect"] != "never":
            from harness.plugins.features._face_detect import CASCADE_NAME, cascade_sha256

            ident["detector"] = {"cascade": CASCADE_NAME, "sha256": cascade_sha256(), "opencv": cv2.__version__}
        return ident

    def _detects(self, item: Item | None, image: np.ndarray) -> bool:
        mode = self.params["detect"]
        if mode != "auto":
            return mode == "always"
        said = (item.meta.get("face_crop") if item is not None else None)
        if said in ("yes", "no"):
            return said == "no"
        return image.shape[1] > int(self.params["crop_max"])

    def item_digest(self, item: Item) -> str:
        # the corpus's word on crops decides the pipeline: it is part of the cache key
        return f"{super().item_digest(item)}|crop={item.meta.get('face_crop', '?')}"

    def extract_item(self, item: Item) -> np.ndarray:
        return self.describe(self.source(item), item)

    def extract(self, path: Path) -> np.ndarray:
        return self.describe(path, None)

    def describe(self, path: Path, item: Item | None) -> np.ndarray:
        size = int(self.params["size"])
        grey = read_grey(path)
        if self._detects(item, grey):
            grey = self._face(grey)
        else:
            self.notes.append(NOTE_CROP)
        grey = cv2.resize(grey, (size, size), interpolation=cv2.INTER_AREA)
        return hog_descriptor(size).compute(grey).reshape(-1).astype(np.float32)

    def _face(self, grey: np.ndarray) -> np.ndarray:
        from harness.plugins.features._face_detect import centre_box, crop, detect_faces

        boxes = detect_faces(grey, int(self.params["detect_width"]), float(self.params["scale_factor"]),
                             int(self.params["min_neighbors"]), int(self.params["min_size"]))
        if not boxes:
            self.notes.append(NOTE_NONE)
            box = centre_box(grey.shape)
        else:
            self.notes.append(NOTE_DETECTED if len(boxes) == 1 else NOTE_LARGEST)
            box = max(boxes, key=lambda b: b[2] * b[3])
        x, y, w, h = box
        return crop(grey, box, max(w, h))


@hookimpl
def harness_features():
    return [FaceHOG]
