"""3-channel log-mel segments (Zhang et al., 2018), as papers 000 and 001 use them (section 3.2).

Each utterance becomes a stack of 64x64x3 "images" for a CNN: 64 mel bands by a
context window of 64 frames, with the static log-mel spectrogram, its delta and
its delta-delta as the three channels.  An utterance gives several segments;
methods aggregate the segment posteriors into an utterance score.

What the papers state, and what is chosen here where they are silent:

* audio: mono, 16 kHz (decoded by the core); no pre-emphasis, no dither, no
  DC removal (not mentioned in the papers).
* frames: 25 ms Hamming window (400 samples, periodic ``scipy.signal.get_window``
  form, as librosa uses), 10 ms hop (160 samples), **not centred**: frame ``t``
  covers samples ``[160 t, 160 t + 400)``, so ``N >= 400`` samples give
  ``T = 1 + floor((N - 400) / 160)`` frames (the paper's "10 ms x 63 + 25 ms =
  655 ms" for 64 frames says the same).  A signal shorter than 400 samples is
  zero-padded at the end to one frame.
* spectrum: power ``|FFT|^2`` with a 512-point FFT (the window zero-padded to
  the next power of two), 64 mel filters from 20 to 8000 Hz
  (``librosa.filters.mel``: Slaney mel scale and area normalisation).
* log: ``10 log10(max(P, 1e-10))`` -- librosa ``power_to_db`` with ``ref=1``
  and **no** ``top_db`` clipping, so a frame's value never depends on the loudest
  frame of the utterance.  The papers only say "log"; dB is a fixed scaling of
  the natural log and the harness standardises features anyway.
* channels: static, delta, delta-delta from ``librosa.feature.delta`` with
  ``width=9`` (+-4 frames, librosa's default; the papers do not give it) and
  ``mode="interp"``, computed over the whole utterance before it is cut into
  segments, so a segment's edges see their true neighbours.  The delta is the
  least-squares slope over the 9 frames (the HTK regression formula with
  N = 4); the delta-delta is the second derivative of a least-squares quadratic
  fit (``order=2``), not the delta of the delta.
* segments: context windows of ``window = 64`` frames overlapping by
  ``overlap = 30`` frames, i.e. starting every ``hop = 34`` frames.  The last
  window is **aligned to the end** of the utterance so that no frame is lost:
  starts are ``0, 34, 68, ...`` while they fit, plus ``T - 64`` when the last
  regular window does not already end at frame ``T``.  Hence
  ``S = 1 + ceil((T - 64) / 34)`` for ``T >= 64`` (the last two windows may
  overlap by more than 30 frames).
* short utterances (``T < 64``, under 655 ms): the static log-mel frames are
  padded to exactly one window by repeating the edge frames, half before and
  half after (the extra one after), then the deltas are computed -- one
  segment; a note counts such files in the extraction report.
* output: ``float32`` array ``(S, n_mels, window, 3)`` = (segment, mel band,
  frame, channel): each segment is the paper's F x T x C image, band 0 the
  lowest mel band, frame 0 the earliest.

Parameters (``--feature-param logmel.KEY=VALUE``): ``n_mels``, ``fmin``,
``fmax``, ``win_ms``, ``hop_ms``, ``n_fft``, ``window_fn`` (a scipy window
name), ``amin`` (floor of the power before the log), ``delta_width``,
``window`` (context window, frames) and ``overlap`` (frames).

Speed: computed in float32 with one batched FFT per utterance, a sparse mel
product and precomputed delta operators; about 1,000-1,500 s of audio per CPU
second for the features alone.  Through ``extract_features`` on 2 cores the
whole cold extraction (decode, features, cache write) runs at about 500-700x
real time; the cache then holds ~0.14 MB per second of audio (segments
overlap, float32), so writing and reading it is a visible part of the time
(see ``harness bench features``).
"""

from __future__ import annotations

import functools
import math
from importlib import metadata

import numpy as np

from harness.errors import HarnessError
from harness.features.extractor import AudioFeatureExtractor
from harness.hookspecs import hookimpl


@functools.lru_cache(maxsize=1)
def _librosa_version() -> str:
    # read once: importlib.metadata costs ~2 ms a call, and the identity is asked for every item
    return metadata.version("librosa")


@functools.lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float):
    """The librosa mel filterbank (n_mels, n_fft // 2 + 1) as a float32 CSR matrix.

    Each FFT bin feeds at most two filters, so the sparse product is several
    times faster than a dense one (and uses no BLAS threads).
    """
    import librosa
    from scipy import sparse

    fb = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    return sparse.csr_matrix(fb.astype(np.float32))


@functools.lru_cache(maxsize=8)
def delta_operators(width: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear operators equal to ``librosa.feature.delta(x, width, order=1 and 2, mode="interp")``.

    Returns ``(kernel, edges)``: ``kernel`` (width, 2) gives the delta and the
    delta-delta of the frame at the centre of ``width`` frames; ``edges``
    (2, width, width) maps the first (last) ``width`` frames to the outputs of
    those frames, for the ``width // 2`` frames at each end where Savitzky-Golay
    "interp" mode fits a polynomial to the edge window instead.  Built by
    filtering an identity matrix, so it is exactly librosa's computation.
    """
    import librosa

    eye = np.eye(width)
    ops = np.stack([librosa.feature.delta(eye, width=width, order=o, axis=0, mode="interp") for o in (1, 2)])
    half = width // 2
    return np.ascontiguousarray(ops[:, half, :].T, np.float32), ops.astype(np.float32)


def deltas(static: np.ndarray, width: int) -> np.ndarray:
    """(2, bands, T): delta and delta-delta along the last axis of ``static`` (bands, T), T >= width."""
    kernel, edges = delta_operators(width)
    half, n = width // 2, static.shape[1]
    out = np.empty((2, *static.shape), np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(static, width, axis=1)  # (bands, T-w+1, w)
    out[:, :, half:n - half] = np.moveaxis(windows @ kernel, -1, 0)
    out[:, :, :half] = np.einsum("otw,bw->obt", edges[:, :half], static[:, :width])
    out[:, :, n - half:] = np.einsum("otw,bw->obt", edges[:, width - half:], static[:, n - width:])
    return out


@functools.lru_cache(maxsize=8)
def analysis_window(kind: str, length: int) -> np.ndarray:
    from scipy.signal import get_window

    return get_window(kind, length, fftbins=True).astype(np.float32)


def frame_count(n_samples: int, win: int, hop: int) -> int:
    """Frames of a non-centred framing (a signal shorter than one window gives one padded frame)."""
    return 1 + max(0, n_samples - win) // hop


def segment_starts(n_frames: int, window: int, hop: int) -> list[int]:
    """Start frames of the context windows; the last one aligned to the end (``n_frames >= window``)."""
    starts = list(range(0, n_frames - window + 1, hop))
    if starts[-1] != n_frames - window:
        starts.append(n_frames - window)
    return starts


class LogMelSegments(AudioFeatureExtractor):
    name = "logmel"
    description = "3-channel log-mel segments (64 bands x 64 frames x static/delta/delta-delta), Zhang et al. 2018"
    kind = "segments"
    #: (S, frames, bands, channels): statistics per mel band and channel, pooled over segments and frames
    norm_pooled = 2
    version = "1"
    sample_rate = 16000
    defaults = {
        "n_mels": 64, "fmin": 20.0, "fmax": 8000.0,
        "win_ms": 25.0, "hop_ms": 10.0, "n_fft": 512, "window_fn": "hamming", "amin": 1e-10,
        "delta_width": 9, "window": 64, "overlap": 30,
    }

    def __init__(self, **params):
        super().__init__(**params)
        p = self.params
        self.win = round(p["win_ms"] * self.sample_rate / 1000)
        self.hop = round(p["hop_ms"] * self.sample_rate / 1000)
        problems = []
        if not 0 < self.win <= p["n_fft"]:
            problems.append(f"win_ms={p['win_ms']} gives {self.win} samples; needs 1..n_fft ({p['n_fft']})")
        if self.hop < 1:
            problems.append(f"hop_ms={p['hop_ms']} gives no sample")
        if not 0 <= p["overlap"] < p["window"]:
            problems.append(f"overlap={p['overlap']} must be in [0, window={p['window']})")
        if p["delta_width"] < 3 or p["delta_width"] % 2 == 0 or p["delta_width"] > p["window"]:
            problems.append(f"delta_width={p['delta_width']} must be odd, >= 3 and <= window")
        if not 0 <= p["fmin"] < p["fmax"] <= self.sample_rate / 2:
            problems.append(f"need 0 <= fmin < fmax <= {self.sample_rate / 2} Hz")
        if not p["amin"] > 0:
            problems.append(f"amin={p['amin']} must be > 0")
        try:
            analysis_window(p["window_fn"], max(self.win, 1))
        except ValueError as exc:
            problems.append(f"window_fn={p['window_fn']!r}: {exc}")
        if problems:
            raise HarnessError(f"feature extractor 'logmel': {'; '.join(problems)}")

    def dependencies(self) -> dict[str, str]:
        return {"librosa": _librosa_version()}

    @property
    def segment_hop(self) -> int:
        return self.params["window"] - self.params["overlap"]

    def log_mel(self, signal: np.ndarray) -> np.ndarray:
        """(n_mels, T) float32 log-mel spectrogram (dB) of a mono signal: band x frame."""
        from scipy import fft

        p = self.params
        signal = np.asarray(signal, dtype=np.float32)
        if len(signal) < self.win:
            signal = np.pad(signal, (0, self.win - len(signal)))
        frames = np.lib.stride_tricks.sliding_window_view(signal, self.win)[::self.hop]
        # window into a zero-padded contiguous buffer: much faster than rfft(..., n=n_fft)
        buf = np.empty((len(frames), p["n_fft"]), np.float32)
        buf[:, self.win:] = 0.0
        np.multiply(frames, analysis_window(p["window_fn"], self.win), out=buf[:, :self.win])
        spectrum = fft.rfft(buf, axis=1, overwrite_x=True, workers=1)
        power = np.square(spectrum.real) + np.square(spectrum.imag)  # (T, n_fft // 2 + 1)
        mel = mel_filterbank(self.sample_rate, p["n_fft"], p["n_mels"], p["fmin"], p["fmax"]) @ power.T
        return 10.0 * np.log10(np.maximum(mel, np.float32(p["amin"])))

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        p = self.params
        window = p["window"]
        static = self.log_mel(signal)
        n = static.shape[1]
        if n < window:
            before = (window - n) // 2
            static = np.pad(static, ((0, 0), (before, window - n - before)), mode="edge")
            self.notes.append(f"shorter than one {window}-frame context window: edge-padded to one segment")
        d = deltas(static, p["delta_width"])
        starts = segment_starts(static.shape[1], window, self.segment_hop)
        out = np.empty((len(starts), p["n_mels"], window, 3), np.float32)
        for i, s in enumerate(starts):
            out[i, :, :, 0] = static[:, s:s + window]
            out[i, :, :, 1] = d[0, :, s:s + window]
            out[i, :, :, 2] = d[1, :, s:s + window]
        return out


def expected_segments(n_samples: int, win: int = 400, hop: int = 160, window: int = 64, overlap: int = 30) -> int:
    """S for a signal of ``n_samples``: the formula of the module docstring (for checks and planning)."""
    frames = frame_count(n_samples, win, hop)
    if frames <= window:
        return 1
    return 1 + math.ceil((frames - window) / (window - overlap))


@hookimpl
def harness_features():
    return [LogMelSegments]
