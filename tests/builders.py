"""Builders of tiny media files and corpora in native layouts, for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

EMODB_CODES = "WLEAFTN"
EMODB_SPEAKERS = ("03", "08", "09", "10", "11", "12", "13", "14", "15", "16")


def tone(emotion_index: int, speaker_index: int, seconds: float = 0.6, sr: int = 16000,
         rng: np.random.Generator | None = None) -> np.ndarray:
    """A short harmonic tone whose pitch and loudness depend on the emotion (learnable)."""
    rng = rng or np.random.default_rng(emotion_index * 100 + speaker_index)
    t = np.arange(int(seconds * sr)) / sr
    f0 = 110 + 25 * emotion_index + 5 * speaker_index + rng.normal(0, 2)
    amp = 0.05 + 0.03 * (emotion_index % 4)
    x = sum(amp / h * np.sin(2 * np.pi * h * f0 * t) for h in range(1, 6))
    return (x + rng.normal(0, 0.003, t.size)).astype(np.float32)


def write_tone(path: Path, emotion_index: int = 0, speaker_index: int = 0, sr: int = 16000,
               seconds: float = 0.3, seed=None) -> Path:
    """A tiny tone file at ``path`` (format from the suffix: .wav, .flac), folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed if seed is not None else [emotion_index, speaker_index])
    sf.write(path, tone(emotion_index, speaker_index, seconds=seconds, sr=sr, rng=rng), sr)
    return path


def write_tiny_emodb(root: Path, per_cell: int = 1, speakers=EMODB_SPEAKERS, folder: str = "emodb/wav",
                     suffix: str = ".wav") -> Path:
    """An EMO-DB layout with synthetic audio: speakers x 7 emotions x per_cell files, in ``root/folder``
    (``emodb/wav`` as distributed; ``emodb`` for a flat copy, ``emodb/emodb/wav`` for the audformat zip)
    and with ``suffix`` (``.flac`` for audb's flac flavour)."""
    wav = root / folder
    wav.mkdir(parents=True, exist_ok=True)
    for si, spk in enumerate(speakers):
        for ei, code in enumerate(EMODB_CODES):
            for rep in range(per_cell):
                name = f"{spk}a{rep + 1:02d}{code}a{suffix}"
                sf.write(wav / name, tone(ei, si, rng=np.random.default_rng([si, ei, rep])), 16000,
                         subtype="PCM_16")
    return root


SAVEE_CODES = ("a", "d", "f", "h", "n", "sa", "su")
SAVEE_SPEAKERS = ("DC", "JE", "JK", "KL")


def write_tiny_savee(root: Path, layout: str = "flat", per_code: int = 1, speakers=SAVEE_SPEAKERS,
                     top: str = "savee") -> Path:
    """SAVEE with synthetic 44.1 kHz audio under ``root/top`` in one of its distributed layouts:
    ``flat`` (``DC_a01.wav``), ``nested`` (the original ``AudioData/DC/a01.wav``), ``bare``
    (``DC/a01.wav``), ``double`` (a nested extraction, ``AudioData/AudioData/DC/a01.wav``) or
    ``kaggle`` (``ALL/DC_a01.wav``)."""
    base = root / top
    speaker_parent = {"nested": base / "AudioData", "bare": base, "double": base / "AudioData" / "AudioData"}
    for si, spk in enumerate(speakers):
        in_folder = layout in speaker_parent
        folder = speaker_parent[layout] / spk if in_folder else base / "ALL" if layout == "kaggle" else base
        folder.mkdir(parents=True, exist_ok=True)
        for ei, code in enumerate(SAVEE_CODES):
            for n in range(1, per_code + 1):
                name = f"{code}{n:02d}.wav" if in_folder else f"{spk}_{code}{n:02d}.wav"
                sf.write(folder / name, tone(ei, si, sr=44100, rng=np.random.default_rng([si, ei, n])), 44100)
    return root


def write_av_clip(path: Path, audio: np.ndarray | None = None, sr: int = 16000,
                  frames: list[np.ndarray] | None = None, fps: int = 25,
                  audio_codec: str | None = None) -> Path:
    """A video file (.avi, .mp4, .flv, .mkv by suffix) with frames and/or an audio track, through PyAV.

    ``frames`` are HxWx3 uint8 BGR images (OpenCV order); ``audio`` mono float in [-1, 1].
    """
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    video_codec = {".avi": "mpeg4", ".mp4": "mpeg4", ".flv": "flv", ".mkv": "mpeg4"}[suffix]
    audio_codec = audio_codec or {".avi": "pcm_s16le", ".mp4": "aac", ".flv": "aac", ".mkv": "aac"}[suffix]
    with av.open(str(path), "w") as out:
        vstream = astream = None
        if frames:
            vstream = out.add_stream(video_codec, rate=fps)
            vstream.height, vstream.width = frames[0].shape[:2]
            vstream.pix_fmt = "yuv420p"
        if audio is not None:
            astream = out.add_stream(audio_codec, rate=sr)
            astream.layout = "mono"
        for image in frames or []:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image[..., ::-1]), format="rgb24")
            for packet in vstream.encode(frame):
                out.mux(packet)
        if vstream is not None:
            for packet in vstream.encode():
                out.mux(packet)
        if audio is not None:
            pcm = (np.clip(audio, -1, 32767 / 32768) * 32768).astype(np.int16).reshape(1, -1)
            fmt = "s16" if audio_codec.startswith("pcm") else astream.codec_context.format.name
            step = astream.codec_context.frame_size or 1024
            for start in range(0, pcm.shape[1], step):
                block = pcm[:, start:start + step]
                frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
                frame.sample_rate = sr
                if fmt != "s16":
                    frame = av.AudioResampler(format=fmt, layout="mono", rate=sr).resample(frame)[0]
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode():
                out.mux(packet)
    return path
