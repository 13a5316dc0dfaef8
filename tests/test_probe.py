"""Readability checks used by ``harness corpora check``."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from builders import tone, write_av_clip

from harness.data.probe import probe_media, probe_visual
from harness.errors import MediaError


def test_images_and_videos_that_decode_pass(tmp_path):
    image = tmp_path / "face.png"
    cv2.imwrite(str(image), np.full((32, 32, 3), 100, np.uint8))
    probe_visual(image)
    clip = write_av_clip(tmp_path / "clip.mp4", frames=[np.full((32, 32, 3), 90, np.uint8)] * 3)
    probe_visual(clip)
    probe_media(write_av_clip(tmp_path / "talk.avi", audio=tone(1, 1)), "audio")


@pytest.mark.parametrize("name, content, problem", [
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "cannot decode image"),
    ("empty.jpg", b"", "empty file"),
    ("broken.avi", b"RIFF" + b"\0" * 100, "cannot decode video"),
])
def test_corrupt_visual_media_is_named(tmp_path, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MediaError, match=re.escape(f"{name}: {problem}")):
        probe_visual(path)


def test_video_without_a_video_stream(tmp_path):
    clip = write_av_clip(tmp_path / "voice.mkv", audio=tone(1, 1))
    with pytest.raises(MediaError, match="no video stream"):
        probe_visual(clip)
