"""Cheap readability checks of media files, for ``harness corpora check``.

Each check opens a file only as far as needed to know that extraction will be
able to read it: an audio header (or an audio stream of a video), an image's
pixels, a video's first frame.  Problems are :class:`MediaError` naming the file.
"""

from __future__ import annotations

from pathlib import Path

from harness.data.audio import probe_audio
from harness.errors import MediaError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pgm", ".ppm", ".gif", ".webp"}


def probe_visual(path: Path) -> None:
    """Raise MediaError unless ``path`` is a decodable image or a video with a decodable frame."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path}: not a readable file")
    if path.stat().st_size == 0:
        raise MediaError(f"{path}: empty file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        import cv2

        if cv2.imread(str(path), cv2.IMREAD_UNCHANGED) is None:
            raise MediaError(f"{path}: cannot decode image")
        return
    _probe_video(path)


def _probe_video(path: Path) -> None:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise MediaError(f"{path}: no video stream in the file (container {container.format.name})")
            for _frame in container.decode(container.streams.video[0]):
                return
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: cannot decode video ({exc})") from None
    raise MediaError(f"{path}: video holds no decodable frame")


def probe_media(path: Path, modality: str) -> None:
    """Raise MediaError unless the ``modality`` media at ``path`` can be read."""
    probe_audio(path) if modality == "audio" else probe_visual(path)
