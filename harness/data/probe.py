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


# -- a full decode, as extraction does it (harness corpora check) ---------------------------------
#: container formats libsndfile names, by the file suffixes that are expected to hold them
_SUFFIX_FORMATS = {".wav": "WAV", ".wave": "WAV", ".aif": "AIFF", ".aiff": "AIFF", ".flac": "FLAC", ".ogg": "OGG"}
#: the rate audio extractors decode to (extraction resamples anything else)
DECODE_RATE = 16000


def inspect_audio(path: Path) -> dict:
    """Decode ``path`` through the extraction decoder (:func:`~harness.data.audio.load_audio`) and say
    what a run will meet: ``error`` (truncated, zero-length, silent, undecodable), the container
    and sample format, rate, channels, seconds, and the share of samples at full scale."""
    import numpy as np
    import soundfile as sf

    from harness.data.audio import FULL_SCALE, load_audio

    path = Path(path)
    out: dict = {"file": str(path)}
    try:
        info = sf.info(str(path))
        out.update(container=info.format, subtype=info.subtype, rate=info.samplerate, channels=info.channels,
                   seconds=round(info.duration, 3))
    except Exception:  # noqa: BLE001 -- not a libsndfile container: FFmpeg decodes it (videos, MP3)
        out.update(container="ffmpeg", subtype="", rate=None, channels=None)
    try:
        signal, notes = load_audio(path, DECODE_RATE)
    except MediaError as exc:
        out["error"] = str(exc)
        return out
    out["notes"] = notes
    out["clipped"] = float(np.mean(np.abs(signal) >= FULL_SCALE * 0.999))
    if out.get("seconds") is None:
        out["seconds"] = round(len(signal) / DECODE_RATE, 3)
    return out


def _inspect(args: tuple[str, str]) -> dict:
    path, modality = args
    if modality == "audio":
        return inspect_audio(Path(path))
    try:
        probe_visual(Path(path))
        return {"file": path}
    except MediaError as exc:
        return {"file": path, "error": str(exc)}


def inspect_all(files: list[tuple[Path, str]], workers: int | None = None) -> list[dict]:
    """:func:`inspect_audio` (or an image / video probe) of every (file, modality), over processes."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(str(p), m) for p, m in files]
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(jobs) < 32:
        return [_inspect(j) for j in jobs]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_inspect, jobs, chunksize=16))


def kind_of_error(message: str) -> str:
    for kind in ("truncated", "zero-length", "silent", "empty file", "non-finite", "no audio stream",
                 "not a readable file"):
        if kind in message:
            return kind
    return "undecodable"


def summarise(records: list[dict]) -> tuple[list[str], list[str]]:
    """(problems, notes) of :func:`inspect_all`'s records: unreadable files by kind (a run would fail
    on them, or skip them with --skip-unreadable), and what a run converts or should know."""
    from collections import Counter

    problems, notes = [], []
    errors = [r for r in records if "error" in r]
    by_kind: dict[str, list[dict]] = {}
    for r in errors:
        by_kind.setdefault(kind_of_error(r["error"]), []).append(r)
    for kind, rs in sorted(by_kind.items()):
        problems.append(f"{len(rs)} {kind} file(s), e.g. {rs[0]['error']}")
    audio = [r for r in records if "error" not in r and "rate" in r]
    if not audio:
        return problems, notes
    formats = Counter((r["container"], r["subtype"]) for r in audio)
    notes.append("audio: " + ", ".join(f"{n} {c}{' ' + s if s else ''}" for (c, s), n in formats.most_common()))
    non_pcm = [r for r in audio if r["subtype"] and not r["subtype"].startswith("PCM")]
    if non_pcm:
        notes.append(f"{len(non_pcm)} file(s) not PCM ({non_pcm[0]['subtype']}, e.g. {non_pcm[0]['file']})")
    mismatch = [r for r in audio if _SUFFIX_FORMATS.get(Path(r["file"]).suffix.lower(), r["container"]) != r["container"]
                and r["container"] != "ffmpeg"]
    if mismatch:
        notes.append(f"{len(mismatch)} file(s) whose content is not what their suffix says "
                     f"(e.g. {mismatch[0]['container']} in {mismatch[0]['file']}); decoded by content")
    rates = Counter(r["rate"] for r in audio if r["rate"])
    if len(rates) > 1:
        main = rates.most_common(1)[0][0]
        odd = [r for r in audio if r["rate"] and r["rate"] != main]
        notes.append(f"{len(odd)} file(s) at another sample rate than the corpus's {main} Hz "
                     f"({', '.join(f'{n} at {k} Hz' for k, n in rates.items() if k != main)}; e.g. {odd[0]['file']})")
    resampled = sum(any(n.startswith("resampled") for n in r.get("notes", [])) for r in audio)
    if resampled:
        notes.append(f"{resampled} file(s) resampled to {DECODE_RATE} Hz when an extractor reads them at that rate")
    multi = [r for r in audio if (r["channels"] or 1) > 1]
    if multi:
        notes.append(f"{len(multi)} multi-channel file(s), mixed down to mono (e.g. {multi[0]['file']}, "
                     f"{multi[0]['channels']} channels)")
    clipped = [r for r in audio if r.get("clipped", 0) > 0.001]
    if clipped:
        notes.append(f"{len(clipped)} file(s) with more than 0.1 % of samples at full scale (clipped)")
    seconds = [r["seconds"] for r in audio if r.get("seconds")]
    if seconds:
        notes.append(f"durations {min(seconds):.2f}-{max(seconds):.2f} s, {sum(seconds) / 60:.1f} min in all")
    return problems, notes
