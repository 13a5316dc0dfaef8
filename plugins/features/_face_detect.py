"""Face crops from a video or a still image: frames, Viola-Jones, the papers' fallback rule.

The video pre-processing of papers 000 (section 3.2) and 001 (section 3.1):
frames are taken from the clip, the Viola-Jones detector (OpenCV's
``haarcascade_frontalface_default.xml``) looks for faces in every frame, and
"where the Viola-Jones algorithm detected no faces, or more than 1 face, the
location of the previously detected face region was used"; the face region is
resized to 64 x 64 x 3.

Choices the papers leave open, made here:

* **Frames.**  Every frame (``fps`` = 0) as in the papers, or the clip
  subsampled to ``fps`` frames per second by frame index (frame ``i`` is kept
  when it reaches the next multiple of native-rate / ``fps``).  ``max_frames``
  > 0 stops reading after that many kept frames (a note says so).  Videos are
  read with OpenCV's ``VideoCapture``; when OpenCV cannot open the container or
  yields no frame, PyAV is tried (a note says so).  Still images (png, jpg,
  tiff, bmp) are one frame, read with ``cv2.imread``.
* **Detection** runs on the grey frame downscaled (area interpolation) to at
  most ``detect_width`` pixels wide; boxes are mapped back to the full frame.
  ``scale_factor``, ``min_neighbors`` and ``min_size`` (pixels of the
  downscaled frame) go to ``detectMultiScale``; no histogram equalisation.
* **Fallback rule** (:func:`track_boxes`): a frame with exactly one detection
  takes that box; a frame with none or several takes the box of the previous
  frame, as in the papers (the rule is applied to the sampled frames, so
  "previous" is the previous sampled frame).  Frames before the first single
  detection have no previous box: they take the first later single-face box.
  When no frame has exactly one face, the centre square of each frame is
  cropped with a note (``no_face="centre"``), or :class:`MediaError` is raised
  (``no_face="error"``).
* **Crop**: the box is clipped to the frame and resized to ``size`` x ``size``
  (area interpolation when shrinking, bilinear when enlarging), kept in
  OpenCV's BGR order and uint8 here; extractors convert.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from harness.errors import HarnessError, MediaError

CASCADE_NAME = "haarcascade_frontalface_default.xml"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})

Box = tuple[int, int, int, int]  # x, y, width, height in full-frame pixels

# Notes (one string per kind, so that the extraction report counts files).
NOTE_REUSED = "face box of the previous frame reused where no face or several faces were detected"
NOTE_LEADING = "first frame(s) without a single face took the first later face box"
NOTE_NO_FACE = "no single face detected in any frame: centre square cropped"
NOTE_TRUNCATED = "video truncated at max_frames sampled frames"
NOTE_NO_RATE = "video frame rate unknown: every frame used instead of subsampling to fps"
NOTE_PYAV = "video decoded with PyAV (OpenCV could not read it)"


# -- the detector --------------------------------------------------------------
def cascade_path() -> Path:
    """Where the installed OpenCV keeps the frontal-face Haar cascade (an error if it does not)."""
    data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    path = Path(data or "") / CASCADE_NAME
    if data is None or not path.is_file():
        raise HarnessError(f"OpenCV {cv2.__version__} has no {CASCADE_NAME} (looked in {data!r}); "
                           "the face extractors need opencv-python(-headless) 4.x, which ships the Haar cascades")
    return path


@functools.cache
def cascade_sha256() -> str:
    """Content hash of the cascade file: the detector is part of the features' identity."""
    return hashlib.sha256(cascade_path().read_bytes()).hexdigest()


@functools.cache
def _cascade() -> cv2.CascadeClassifier:
    path = cascade_path()
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        raise HarnessError(f"{path}: OpenCV {cv2.__version__} cannot load this Haar cascade")
    return classifier


def detect_faces(frame: np.ndarray, detect_width: int = 320, scale_factor: float = 1.1,
                 min_neighbors: int = 5, min_size: int = 30) -> list[Box]:
    """Viola-Jones detections in a BGR (or grey) frame, as full-frame boxes sorted by position."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    scale = 1.0
    if detect_width and width > detect_width:
        scale = detect_width / width
        grey = cv2.resize(grey, (detect_width, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    found = _cascade().detectMultiScale(grey, scaleFactor=scale_factor, minNeighbors=min_neighbors,
                                        minSize=(min_size, min_size))
    boxes = [tuple(int(round(v / scale)) for v in box) for box in np.asarray(found).reshape(-1, 4)]
    return sorted(boxes)


# -- the papers' rule ------------------------------------------------------------
def track_boxes(detections: Sequence[Sequence[Box]]) -> tuple[list[Box | None], dict[str, int]]:
    """One box per frame from each frame's detections (the fallback rule of 000/001).

    A frame with exactly one detection keeps it; a frame with none or several
    reuses the previous frame's box; frames before the first single detection
    take that first box.  All ``None`` when no frame has exactly one face.
    Returns the boxes and counts: ``single``, ``reused`` (from the previous
    frame), ``leading`` (took the first later box).
    """
    boxes: list[Box | None] = []
    previous: Box | None = None
    counts = {"single": 0, "reused": 0, "leading": 0}
    for found in detections:
        if len(found) == 1:
            previous = tuple(int(v) for v in found[0])
            counts["single"] += 1
        elif previous is not None:
            counts["reused"] += 1
        boxes.append(previous)
    first = next((b for b in boxes if b is not None), None)
    if first is not None:
        counts["leading"] = sum(b is None for b in boxes)
        boxes = [first if b is None else b for b in boxes]
    return boxes, counts


def centre_box(shape: Sequence[int]) -> Box:
    """The centred square of side min(height, width) of a frame of ``shape``."""
    height, width = int(shape[0]), int(shape[1])
    side = min(height, width)
    return ((width - side) // 2, (height - side) // 2, side, side)


def crop(frame: np.ndarray, box: Box, size: int) -> np.ndarray:
    """The box (clipped to the frame) resized to ``size`` x ``size``."""
    height, width = frame.shape[:2]
    x, y, w, h = box
    x0, y0 = min(max(x, 0), width - 1), min(max(y, 0), height - 1)
    x1, y1 = max(min(x + w, width), x0 + 1), max(min(y + h, height), y0 + 1)
    region = frame[y0:y1, x0:x1]
    shrink = region.shape[0] >= size and region.shape[1] >= size
    return cv2.resize(region, (size, size), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


# -- frames ------------------------------------------------------------------------
def read_frames(path: Path, fps: float = 0.0, max_frames: int = 0) -> tuple[list[np.ndarray], list[str]]:
    """The (sampled) frames of a video, or a still image as one frame: BGR uint8, and notes."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None or image.size == 0:
            raise MediaError(f"{path}: cannot decode the image")
        return [image], []
    notes: list[str] = []
    try:
        frames = _sample(*_opencv_frames(path), fps, max_frames, notes)
    except MediaError as opencv_error:
        notes = [NOTE_PYAV]
        try:
            frames = _sample(*_pyav_frames(path), fps, max_frames, notes)
        except MediaError as pyav_error:
            raise MediaError(f"{path}: cannot decode video frames (OpenCV: {opencv_error}; "
                             f"PyAV: {pyav_error})") from None
    return frames, notes


def _sample(rate: float, frames: Generator[np.ndarray, None, None], fps: float, max_frames: int,
            notes: list[str]) -> list[np.ndarray]:
    step = 1.0
    if fps > 0:
        if rate > 0 and math.isfinite(rate):
            step = max(1.0, rate / fps)
        else:
            notes.append(NOTE_NO_RATE)
    kept: list[np.ndarray] = []
    next_index = 0.0
    try:
        for index, frame in enumerate(frames):
            if index + 1e-9 < next_index:
                continue
            if max_frames and len(kept) == max_frames:
                notes.append(NOTE_TRUNCATED)
                break
            kept.append(frame)
            next_index += step
    finally:
        frames.close()  # releases the decoder when stopped early
    if not kept:
        raise MediaError("no video frame decoded")
    return kept


def _opencv_frames(path: Path) -> tuple[float, Iterator[np.ndarray]]:
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise MediaError("cannot open")
    rate = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)

    def frames() -> Iterator[np.ndarray]:
        try:
            while True:
                ok, frame = capture.read()
                if not ok or frame is None:
                    return
                yield frame
        finally:
            capture.release()

    return rate, frames()


def _pyav_frames(path: Path) -> tuple[float, Iterator[np.ndarray]]:
    import av

    try:
        container = av.open(str(path))
        if not container.streams.video:
            container.close()
            raise MediaError("no video stream")
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 0.0)
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(str(exc)) from None

    def frames() -> Iterator[np.ndarray]:
        try:
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="bgr24")
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise MediaError(str(exc)) from None
        finally:
            container.close()

    return rate, frames()


# -- the pipeline --------------------------------------------------------------------
def face_track(path: Path, *, fps: float = 0.0, max_frames: int = 0, detect_width: int = 320,
               scale_factor: float = 1.1, min_neighbors: int = 5, min_size: int = 30,
               no_face: str = "centre") -> tuple[list[np.ndarray], list[Box], list[str]]:
    """The (sampled) frames of ``path``, the face box of each, and notes."""
    frames, notes = read_frames(path, fps, max_frames)
    detections = [detect_faces(f, detect_width, scale_factor, min_neighbors, min_size) for f in frames]
    boxes, counts = track_boxes(detections)
    if counts["single"] == 0:
        if no_face == "error":
            raise MediaError(f"{path}: no single face detected by Viola-Jones in any of its {len(frames)} frame(s)")
        notes.append(NOTE_NO_FACE)
        boxes = [centre_box(f.shape) for f in frames]
    else:
        if counts["reused"]:
            notes.append(NOTE_REUSED)
        if counts["leading"]:
            notes.append(NOTE_LEADING)
    return frames, boxes, notes


def face_crops(path: Path, *, size: int = 64, **settings) -> tuple[np.ndarray, list[str]]:
    """Face crops of the (sampled) frames of ``path``: (T, size, size, 3) uint8 BGR, and notes.

    ``settings`` are those of :func:`face_track`.
    """
    frames, boxes, notes = face_track(path, **settings)
    return np.stack([crop(f, b, size) for f, b in zip(frames, boxes)]), notes
