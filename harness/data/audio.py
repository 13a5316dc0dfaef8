"""Reading audio: decode by content, mix down to mono, resample.

The container is detected from the file's bytes, not its name: libsndfile reads
the audio containers (so a ``.wav`` that holds AIFF still reads), and anything
it does not recognise -- the audio track of an .avi/.mp4/.flv/.mkv video, MP3,
AAC -- is decoded by FFmpeg through PyAV.  Problems are raised as
:class:`MediaError` naming the file; conversions that were applied (mix-down,
resampling) are returned as notes so that the extraction report can count them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from harness.errors import MediaError

#: Bump when load_audio's output changes (decoding, mix-down, resampling,
#: clipping): it is part of every audio extractor's identity, so cached features
#: and job ids follow it.
AUDIO_PIPELINE_VERSION = "2"  # 2: soxr resampling

#: Files libsndfile reads are decoded by it; the rest by FFmpeg (PyAV).
_SNDFILE_ERRORS = (RuntimeError, sf.LibsndfileError)

#: The largest sample value a 16-bit conversion represents.
FULL_SCALE = 32767 / 32768


def load_audio(path: Path, sample_rate: int) -> tuple[np.ndarray, list[str]]:
    """Return ``(signal, notes)``: float32 mono samples at ``sample_rate``.

    Raises :class:`MediaError` for unreadable, truncated, empty or silent files.
    """
    path = Path(path)
    notes: list[str] = []
    if not path.is_file():
        raise MediaError(f"{path}: not a readable file")
    try:
        _check_riff_complete(path)
    except OSError as exc:
        raise MediaError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        with sf.SoundFile(str(path)) as f:
            data = f.read(dtype="float32", always_2d=True)
            native_rate = f.samplerate
    except _SNDFILE_ERRORS as exc:
        data, native_rate = decode_with_ffmpeg(path, sndfile_error=exc)
    except OSError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc})") from None
    if data.shape[0] == 0:
        raise MediaError(f"{path}: zero-length audio")
    if data.shape[1] > 1:
        notes.append(f"mixed down from {data.shape[1]} channels")
    signal = data.mean(axis=1)
    if not np.all(np.isfinite(signal)):
        raise MediaError(f"{path}: audio holds non-finite samples (NaN or inf)")
    if not np.any(signal):
        raise MediaError(f"{path}: silent audio (all samples are zero)")
    if native_rate != sample_rate:
        # libsoxr, high quality (the resampler of librosa's default): ~2.5x faster than a polyphase FIR
        signal = soxr.resample(signal, native_rate, sample_rate, quality="HQ").astype(np.float32)
        notes.append(f"resampled {native_rate}->{sample_rate} Hz")
    # Full-scale input (and resampling overshoot) can exceed [-1, 1); tools that
    # convert to 16-bit integers (openSMILE) would wrap such samples around.
    if np.any(signal > FULL_SCALE) or np.any(signal < -1.0):
        signal = np.clip(signal, -1.0, FULL_SCALE)
        notes.append("clipped to full scale")
    return np.ascontiguousarray(signal, dtype=np.float32), notes


def _check_riff_complete(path: Path) -> None:
    """Raise MediaError when a RIFF/WAVE file's data chunk is shorter than its header says.

    libsndfile silently reads what is there; a truncated copy of a corpus file
    would then yield a shorter utterance without a word.
    """
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        size = path.stat().st_size
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            chunk = f.read(8)
            declared = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                available = size - pos - 8
                if declared != 0xFFFFFFFF and available < declared:
                    raise MediaError(
                        f"{path}: truncated WAV (data chunk declares {declared} bytes, "
                        f"{available} present)"
                    )
                return
            pos += 8 + declared + (declared & 1)


def decode_with_ffmpeg(path: Path, sndfile_error: Exception | None = None) -> tuple[np.ndarray, int]:
    """``(samples (n, channels) float32, rate)`` of the first audio stream, through PyAV.

    For containers libsndfile does not read: the audio track of a video file,
    MP3, AAC.  A file without an audio stream is a MediaError naming it.
    """
    import av

    try:
        with av.open(str(path)) as container:
            streams = container.streams.audio
            if not streams:
                raise MediaError(f"{path}: no audio stream in the file (container {container.format.name})")
            stream = streams[0]
            chunks = []
            for frame in container.decode(stream):
                block = frame.to_ndarray()
                if not frame.format.is_planar:  # interleaved: (1, n*ch) -> (ch, n)
                    block = block.reshape(-1, len(frame.layout.channels)).T
                chunks.append(_as_float(block))
            rate = stream.codec_context.sample_rate or stream.rate
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        why = f"{exc}" if sndfile_error is None else f"{sndfile_error}; FFmpeg: {exc}"
        raise MediaError(f"{path}: cannot decode audio ({why})") from None
    if not chunks:
        return np.zeros((0, 1), np.float32), int(rate or 0)
    return np.concatenate(chunks, axis=1).T.astype(np.float32), int(rate)


def _as_float(block: np.ndarray) -> np.ndarray:
    """Integer PCM to float in [-1, 1); float samples unchanged."""
    if np.issubdtype(block.dtype, np.unsignedinteger):  # u8 PCM is offset binary
        half = float(np.iinfo(block.dtype).max + 1) / 2
        return (block.astype(np.float32) - half) / half
    if np.issubdtype(block.dtype, np.integer):
        return block.astype(np.float32) / float(np.iinfo(block.dtype).max + 1)
    return block.astype(np.float32)


def probe_audio(path: Path) -> None:
    """Raise MediaError unless ``path`` opens as audio with at least one frame (header only)."""
    try:
        info = sf.info(str(path))
    except _SNDFILE_ERRORS:
        _probe_with_ffmpeg(path)
        return
    except OSError as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc})") from None
    if info.frames == 0:
        raise MediaError(f"{path}: zero-length audio")


def _probe_with_ffmpeg(path: Path) -> None:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise MediaError(f"{path}: no audio stream in the file (container {container.format.name})")
    except MediaError:
        raise
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise MediaError(f"{path}: cannot decode audio ({exc})") from None
