"""Synthetic audio-visual demo corpora ("demo-a", "demo-b"), generated on first use.

Each item is one speaker expressing one of seven emotions, as a short speech-like
clip (16 kHz mono, 1.2-1.9 s) and a 64x64 face drawing.  Nothing here is real
data: the cues are hand-designed after the classic findings on vocal and facial
emotion expression, so that a classifier can learn them, but not perfectly.

Audio (source-filter synthesis)
    A glottal impulse train (with jitter, shimmer and optional tremor) is passed
    through a two-pole spectral-tilt filter (voice quality: tense/bright vs.
    lax/dark), shaped into syllables (raised-cosine envelopes, noise-burst
    consonants) and filtered by a three-formant cascade per syllable (random
    vowel).  ``PROSODY`` sets, per emotion, the F0 level and accent range, the
    energy, the syllable rate, the tilt, jitter and tremor and the final F0
    movement (e.g. anger: high, loud, bright, falling; sadness: low, flat, quiet,
    slow, dark; fear: high, fast, jittery, trembling; surprise: very wide range
    ending in a rise).  High-arousal pairs (anger/happiness, happiness/surprise)
    and low-arousal ones (sadness/neutral/disgust) are deliberately close.
Faces (OpenCV drawing at 128x128, area-downsampled to 64x64)
    ``FACE`` sets, per emotion, the mouth curvature (smile > 0, frown < 0),
    openness and width, the brow height and slant (> 0: inner ends lowered, as
    in anger; < 0: inner ends raised, as in sadness/fear), the eye openness
    (wide: surprise/fear; narrowed: anger/disgust/happiness) and nose wrinkling
    (disgust).  Confusable pairs: fear/surprise, anger/disgust, sadness/neutral.
Variation
    Speakers (alternately male and female) differ in base F0, vocal-tract length
    (formant scaling), loudness, speaking rate and voice tilt, and in face width
    and height, skin and hair colour, eye spacing, position, background and a
    personal "resting expression".  Every item draws an intensity k (how far from
    neutral it is expressed, shared by its audio and face: cue = neutral +
    k * (emotion - neutral)) plus independent noise on every cue, syllable
    timing and vowels, head position and roll, session noise level and pixel noise.
Domain shift (``DemoSpec``, ``VARIANTS``)
    The variants have disjoint speakers and different recording conditions:
    demo-b goes through a telephone band-pass (300-3400 Hz, demo-a 70-7600 Hz)
    with a brighter microphone tilt, a 2 dB lower level and a noise floor 12 dB
    higher (SNR 18 vs. 30 dB re a neutral utterance, so quiet emotions are
    noisier); its faces have lower contrast, raised brightness, a strong side
    illumination gradient, more sensor noise and are 15 % smaller.  With eGeMAPS
    or HOG features and a linear classifier, speaker-independent UAR within a
    variant is about 0.7-0.9 and drops by roughly 0.2-0.3 from demo-a to demo-b.

Output is deterministic: every random draw comes from ``numpy.random.default_rng``
seeded by (spec seed, stream, speaker, emotion, repetition), with separate streams
for the intensity, the audio and the face, so items do not depend on generation
order nor one modality on the other.  Bump ``GENERATOR_VERSION`` whenever the
output changes.
"""

from __future__ import annotations

import functools
import os
import pathlib
from dataclasses import dataclass

import cv2
import numpy as np
import soundfile as sf
from scipy import signal

GENERATOR_VERSION = "2"
DEMO_EMOTIONS: tuple[str, ...] = (
    "anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise",
)
SAMPLE_RATE = 16000
FACE_SIZE = 64
_CANVAS = 128  # faces are drawn at 2x and downsampled (anti-aliasing)
_REF_RMS = 0.04  # level of a neutral utterance of an average speaker (-28 dBFS)
_TAG_SPEAKER, _TAG_ITEM, _TAG_AUDIO, _TAG_FACE = 1, 2, 3, 4


def _table(fields: str, rows: dict[str, tuple[float, ...]]) -> dict[str, dict[str, float]]:
    names = fields.split()
    return {emo: dict(zip(names, row, strict=True)) for emo, row in rows.items()}


# Prosody per emotion: F0 ratio to the speaker's base, accent range (semitones),
# energy (dB), syllable-rate ratio, tilt pole (higher = darker voice), jitter
# (relative period s.d.), tremor (relative F0 depth), final F0 movement (semitones).
PROSODY = _table("f0 range energy rate tilt jitter tremor final", {
    "anger":     (1.20, 4.0,  7.5, 1.08, 0.38, 0.012, 0.00, -3.0),
    "disgust":   (0.94, 3.0, -1.0, 0.78, 0.75, 0.022, 0.00, -2.0),
    "fear":      (1.42, 2.5,  1.0, 1.30, 0.60, 0.030, 0.05,  0.5),
    "happiness": (1.36, 6.0,  4.0, 1.18, 0.55, 0.006, 0.00,  2.0),
    "neutral":   (1.00, 2.5,  0.0, 1.00, 0.65, 0.006, 0.00, -2.0),
    "sadness":   (0.88, 1.0, -7.0, 0.75, 0.80, 0.008, 0.02, -1.0),
    "surprise":  (1.38, 8.0,  2.0, 0.92, 0.58, 0.008, 0.00,  6.0),
})
# Item-level noise (s.d.) on each prosodic cue; ratios are perturbed in log2 units.
PROSODY_NOISE = {"f0": 0.06, "range": 1.0, "energy": 1.0, "rate": 0.06,
                 "tilt": 0.04, "jitter": 0.004, "tremor": 0.01, "final": 1.0}
_LOG_CUES = ("f0", "rate")

# Face geometry per emotion (neutral = no expression).
FACE = _table("mouth_curve mouth_open mouth_width brow_raise brow_slant eye_open wrinkle", {
    "anger":     (-0.25, 0.15, 0.95, -0.45,  0.90, 0.70, 0.3),
    "disgust":   (-0.45, 0.12, 0.92, -0.25,  0.40, 0.60, 1.0),
    "fear":      (-0.25, 0.45, 1.15,  0.45, -0.50, 1.30, 0.0),
    "happiness": ( 0.90, 0.30, 1.20,  0.05,  0.00, 0.75, 0.0),
    "neutral":   ( 0.00, 0.05, 1.00,  0.00,  0.00, 1.00, 0.0),
    "sadness":   (-0.60, 0.04, 0.92, -0.05, -0.70, 0.80, 0.0),
    "surprise":  ( 0.05, 0.85, 0.75,  0.70,  0.00, 1.40, 0.0),
})
FACE_NOISE = {"mouth_curve": 0.15, "mouth_open": 0.07, "mouth_width": 0.07, "brow_raise": 0.12,
              "brow_slant": 0.15, "eye_open": 0.12, "wrinkle": 0.15}

# Display rules: per-emotion changes to the PROSODY and FACE tables (ratios for
# f0 and rate, offsets for everything else).  "acted" is the tables as they are.
STYLES: dict[str, dict[str, dict[str, float]]] = {
    "acted": {},
    "subdued": {
        "anger":     {"f0": 0.85, "range": -2.5, "energy": -6.0, "rate": 0.88, "tilt": 0.18,
                      "mouth_open": 0.50, "brow_slant": -0.50},
        "disgust":   {"energy": 3.0, "rate": 1.15, "wrinkle": -0.90, "brow_raise": 0.20},
        "fear":      {"f0": 0.80, "rate": 0.85, "range": -1.0, "tremor": 0.02,
                      "eye_open": -0.30, "brow_slant": 0.30},
        "happiness": {"f0": 0.85, "range": -2.0, "energy": -4.0, "rate": 0.90, "tilt": 0.08,
                      "mouth_open": -0.30, "mouth_curve": -0.45},
        "sadness":   {"f0": 1.18, "jitter": 0.012, "tremor": 0.02, "energy": 3.0, "rate": 1.10,
                      "brow_slant": 0.50, "mouth_curve": 0.35},
        "surprise":  {"final": -6.0, "range": -4.0, "brow_raise": -0.45, "eye_open": -0.30,
                      "mouth_open": -0.35},
    },
}

# Vowel formants (Hz, adult male; scaled by the speaker's vocal-tract factor).
_VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [300, 870, 2240],
                    [530, 1840, 2480], [570, 840, 2410]], dtype=float)
_BANDWIDTHS = np.array([90.0, 110.0, 160.0])
_SKIN = np.array([[205, 225, 245], [160, 190, 225], [120, 160, 205], [80, 115, 160],
                  [60, 85, 120]], dtype=float)  # BGR
_HAIR = np.array([[25, 25, 30], [30, 60, 100], [60, 120, 180], [140, 140, 145]], dtype=float)


@dataclass(frozen=True)
class DemoSpec:
    """One demo variant: its speakers, size, seed and recording conditions."""

    name: str
    speaker_prefix: str        # speaker ids are f"{prefix}{i:02d}", i = 1..n_speakers
    n_speakers: int
    reps: int                  # repetitions per emotion per speaker
    seed: int
    band_hz: tuple[float, float]  # channel band-pass (Butterworth, order 4)
    mic_tilt: float            # first-order pre-emphasis coefficient (0 = flat)
    snr_db: float              # noise floor relative to a neutral average speaker
    gain_db: float             # recording level
    face_contrast: float
    face_brightness: float     # added to 0-255 pixel values
    face_gradient: float       # illumination ramp: gain varies by +-this across the image
    face_scale: float          # zoom of the face about the image centre
    face_noise: float          # sensor noise (s.d., 0-255 scale)
    style: str = "acted"       # display rules, a key of STYLES


VARIANTS: dict[str, DemoSpec] = {
    # Studio-like: wide band, flat microphone, quiet room, even lighting.
    "demo-a": DemoSpec(name="demo-a", speaker_prefix="a", n_speakers=8, reps=6, seed=20240601,
                       band_hz=(70.0, 7600.0), mic_tilt=0.0, snr_db=30.0, gain_db=0.0,
                       face_contrast=1.0, face_brightness=0.0, face_gradient=0.05,
                       face_scale=1.0, face_noise=3.0),
    # Telephone-like: 300-3400 Hz, bright microphone, lower level, noisier; side
    # lighting with lower contrast, the face a little further from the camera.
    "demo-b": DemoSpec(name="demo-b", speaker_prefix="b", n_speakers=8, reps=6, seed=20240602,
                       band_hz=(300.0, 3400.0), mic_tilt=0.4, snr_db=21.0, gain_db=-2.0,
                       face_contrast=0.85, face_brightness=30.0, face_gradient=0.25,
                       face_scale=0.85, face_noise=4.0, style="subdued"),
}


@dataclass(frozen=True)
class _Speaker:
    f0: float
    vt: float
    loud_db: float
    rate: float
    tilt: float
    face: dict  # geometry and colours, see _speaker


def _speaker(spec: DemoSpec, index: int) -> _Speaker:
    rng = np.random.default_rng([spec.seed, _TAG_SPEAKER, index])
    female = index % 2 == 1
    face = {
        "w": rng.uniform(37, 43), "h": rng.uniform(47, 53), "eye_sp": rng.uniform(0.37, 0.45),
        "dx": rng.uniform(-3, 3), "dy": rng.uniform(-2, 2),
        "skin": _SKIN[rng.integers(len(_SKIN))] + rng.normal(0, 8, 3),
        "hair": _HAIR[rng.integers(len(_HAIR))] + rng.normal(0, 8, 3),
        "bg": rng.uniform(120, 220) + rng.normal(0, 15, 3),
        "rest": {k: rng.normal(0, 0.3 * s) for k, s in FACE_NOISE.items()},
    }
    return _Speaker(f0=rng.uniform(185, 235) if female else rng.uniform(95, 130),
                    vt=rng.uniform(1.06, 1.16) if female else rng.uniform(0.9, 1.0),
                    loud_db=rng.normal(0, 1.5), rate=rng.uniform(0.92, 1.08),
                    tilt=rng.normal(0, 0.03), face=face)


def _cues(emotion: str, table: dict, noise: dict, k: float, rng, log_cues=(), style: str = "acted") -> dict:
    """Neutral + intensity k * (emotion - neutral), plus per-cue item noise.

    The variant's display rules (``STYLES[style]``) change the emotion's row first.
    """
    out = {}
    changes = STYLES[style].get(emotion, {})
    for cue, value in table[emotion].items():
        base = table["neutral"][cue]
        if cue in changes:
            value = value * changes[cue] if cue in log_cues else value + changes[cue]
        if cue in log_cues:
            out[cue] = base * 2.0 ** (k * np.log2(value / base) + rng.normal(0, noise[cue]))
        else:
            out[cue] = base + k * (value - base) + rng.normal(0, noise[cue])
    return out


# ----------------------------------------------------------------------------- audio
def _syllables(p: dict, spk: _Speaker, rng) -> tuple[int, list[tuple[int, int]]]:
    n = int(SAMPLE_RATE * rng.uniform(1.2, 1.9))
    period = 1.0 / (4.5 * p["rate"] * spk.rate)
    t, end, sylls = rng.uniform(0.08, 0.15), n / SAMPLE_RATE - 0.12, []
    while t + 0.6 * period < end:
        d = period * rng.uniform(0.55, 0.75)
        sylls.append((int(t * SAMPLE_RATE), int((t + d) * SAMPLE_RATE)))
        t += period * rng.uniform(0.85, 1.15)
    return n, sylls


def _f0_contour(n: int, sylls, p: dict, spk: _Speaker, rng) -> np.ndarray:
    t = np.arange(n) / SAMPLE_RATE
    centres = [(a + b) / 2 / SAMPLE_RATE for a, b in sylls]
    accents = p["range"] * rng.uniform(-0.3, 1.0, len(sylls))
    st = np.interp(t, centres, accents) - 1.5 * t / t[-1]
    a, b = sylls[-1]
    st += p["final"] * np.clip((np.arange(n) - a) / (b - a), 0, 1)
    st += 12 * np.log2(1 + max(p["tremor"], 0)) * np.sin(2 * np.pi * rng.uniform(5, 7) * t)
    return spk.f0 * p["f0"] * 2.0 ** (st / 12)


def _glottal_source(f0: np.ndarray, p: dict, spk: _Speaker, rng) -> np.ndarray:
    phase = np.cumsum(f0) / SAMPLE_RATE
    idx = np.flatnonzero(np.diff(np.floor(phase))) + 1
    jitter = max(p["jitter"], 0.0)
    idx = np.clip(idx + np.round(rng.normal(0, jitter * SAMPLE_RATE / f0[idx])), 0, len(f0) - 1)
    src = np.zeros_like(f0)
    np.add.at(src, idx.astype(int), 1 + rng.normal(0, 4 * jitter, len(idx)))  # + shimmer
    a = float(np.clip(p["tilt"] + spk.tilt, 0.2, 0.95))
    src = signal.lfilter([(1 - a) ** 2], [1, -2 * a, a * a], src)  # two poles at a
    src += 0.02 * rng.standard_normal(len(src))  # aspiration
    return src / np.sqrt(np.mean(src**2))


def _formant_filter(formants: np.ndarray):
    r = np.exp(-np.pi * _BANDWIDTHS / SAMPLE_RATE)
    poles = [np.array([1, -2 * ri * np.cos(2 * np.pi * f / SAMPLE_RATE), ri * ri])
             for f, ri in zip(formants, r)]
    a = np.convolve(np.convolve(poles[0], poles[1]), poles[2])
    return [np.prod([q.sum() for q in poles])], a  # unity gain at DC


_FRICATIVE = signal.butter(4, 2500, "highpass", fs=SAMPLE_RATE, output="sos")


def _articulate(src: np.ndarray, sylls, spk: _Speaker, rng) -> np.ndarray:
    out = np.zeros(len(src) + SAMPLE_RATE // 10)
    for i, (a, b) in enumerate(sylls):
        env = signal.windows.tukey(b - a, 0.6) * 10 ** (rng.normal(3 if i == 0 else 0, 1.5) / 20)
        formants = _VOWELS[rng.integers(len(_VOWELS))] * spk.vt * rng.normal(1, 0.03, 3)
        seg = np.concatenate([src[a:b] * env, np.zeros(SAMPLE_RATE // 20)])
        out[a:a + len(seg)] += signal.lfilter(*_formant_filter(formants), seg)
        if rng.random() < 0.6:  # consonant: a short noise burst before the vowel
            m = int(SAMPLE_RATE * rng.uniform(0.03, 0.06))
            burst = signal.sosfilt(_FRICATIVE, rng.standard_normal(m)) * np.hanning(m)
            out[max(a - m, 0):a] += 0.3 * burst[m - min(m, a):]
    return out[:len(src)]


@functools.cache
def _band_sos(band_hz: tuple[float, float]) -> np.ndarray:
    return signal.butter(4, band_hz, "bandpass", fs=SAMPLE_RATE, output="sos")


def _channel(x: np.ndarray, spec: DemoSpec, rng) -> np.ndarray:
    noise = signal.lfilter([1], [1, -rng.uniform(0.4, 0.9)], rng.standard_normal(len(x)))
    snr = spec.snr_db + rng.normal(0, 4)  # the noise floor varies between sessions
    x = x + noise / np.sqrt(np.mean(noise**2)) * _REF_RMS * 10 ** (-snr / 20)
    x = signal.sosfilt(_band_sos(spec.band_hz), x)
    x = signal.lfilter([1, -spec.mic_tilt], [1], x)
    return x * 10 ** (spec.gain_db / 20)


def synth_audio(emotion: str, spk: _Speaker, spec: DemoSpec, k: float, rng) -> np.ndarray:
    """One clip as float samples in [-1, 1]."""
    p = _cues(emotion, PROSODY, PROSODY_NOISE, k, rng, _LOG_CUES, spec.style)
    n, sylls = _syllables(p, spk, rng)
    voice = _articulate(_glottal_source(_f0_contour(n, sylls, p, spk, rng), p, spk, rng),
                        sylls, spk, rng)
    active = np.concatenate([np.arange(a, b) for a, b in sylls])
    voice *= _REF_RMS / np.sqrt(np.mean(voice[active] ** 2)) * 10 ** ((p["energy"] + spk.loud_db) / 20)
    return np.clip(_channel(voice, spec, rng), -1, 1)


# ----------------------------------------------------------------------------- faces
def _pt(x: float, y: float) -> tuple[int, int]:
    return round(float(x)), round(float(y))


def _draw_face(g: dict, f: dict, rng) -> np.ndarray:
    """Draw the face on a _CANVAS x _CANVAS BGR image; g: geometry cues, f: speaker face."""
    img = np.empty((_CANVAS, _CANVAS, 3), np.uint8)
    img[:] = np.clip(f["bg"], 0, 255).astype(np.uint8)
    cx, cy = 64 + f["dx"] + rng.normal(0, 1.5), 68 + f["dy"] + rng.normal(0, 1.5)
    W, H = f["w"], f["h"]
    skin, hair = tuple(np.clip(f["skin"], 0, 255).tolist()), tuple(np.clip(f["hair"], 0, 255).tolist())
    dark = tuple((0.5 * np.clip(f["skin"], 0, 255)).tolist())
    brow = tuple(np.minimum(0.6 * np.clip(f["hair"], 0, 255), 0.45 * np.clip(f["skin"], 0, 255)).tolist())
    cv2.ellipse(img, _pt(cx, cy - 0.22 * H), _pt(1.1 * W, 0.95 * H), 0, 0, 360, hair, -1, cv2.LINE_AA)
    cv2.ellipse(img, _pt(cx, cy), _pt(W, H), 0, 0, 360, skin, -1, cv2.LINE_AA)
    ey = cy - 0.18 * H
    for side in (-1, 1):
        ex = cx + side * f["eye_sp"] * W
        eh = max(1.0, 0.11 * H * g["eye_open"])
        cv2.ellipse(img, _pt(ex, ey), _pt(0.19 * W, eh), 0, 0, 360, (245, 245, 245), -1, cv2.LINE_AA)
        r = 0.085 * W
        cv2.ellipse(img, _pt(ex, ey), _pt(r, min(r, eh)), 0, 0, 360, (40, 30, 20), -1, cv2.LINE_AA)
        cv2.ellipse(img, _pt(ex, ey), _pt(0.19 * W, eh), 0, 0, 360, dark, 1, cv2.LINE_AA)
        by = ey - 0.2 * H - 0.1 * H * g["brow_raise"]
        inner = _pt(cx + side * 0.14 * W, by + 0.07 * H * g["brow_slant"])
        outer = _pt(cx + side * 0.62 * W, by - 0.02 * H * g["brow_slant"])
        cv2.line(img, inner, outer, brow, 4, cv2.LINE_AA)
        if g["wrinkle"] > 0.3:  # nose wrinkles
            wl = 0.08 * H * min(g["wrinkle"], 1.5)
            cv2.line(img, _pt(cx + side * 0.1 * W, ey + 0.1 * H),
                     _pt(cx + side * 0.16 * W, ey + 0.1 * H + wl), dark, 2, cv2.LINE_AA)
    cv2.line(img, _pt(cx, ey + 0.05 * H), _pt(cx - 0.06 * W, cy + 0.2 * H), dark, 2, cv2.LINE_AA)
    lips = tuple((np.clip(f["skin"], 0, 255) * (0.5, 0.5, 0.8)).tolist())
    _draw_mouth(img, cx, cy + 0.5 * H, W, H, g, lips)
    return img


def _draw_mouth(img: np.ndarray, mx: float, my: float, W: float, H: float, g: dict, lips) -> None:
    hw = 0.3 * W * max(g["mouth_width"], 0.4)
    u = np.linspace(-1, 1, 11)
    upper = my - g["mouth_curve"] * 0.13 * H * (u**2 - 0.5)
    lower = upper + max(g["mouth_open"], 0) * 0.2 * H * (1 - u**2)
    pts_u = np.stack([mx + hw * u, upper], 1)
    if g["mouth_open"] > 0.08:
        poly = np.concatenate([pts_u, np.stack([mx + hw * u, lower], 1)[::-1]])
        cv2.fillPoly(img, [np.round(poly).astype(np.int32)], (25, 20, 50), cv2.LINE_AA)
        cv2.polylines(img, [np.round(poly).astype(np.int32)], True, lips, 2, cv2.LINE_AA)
    else:
        cv2.polylines(img, [np.round(pts_u).astype(np.int32)], False, lips, 3, cv2.LINE_AA)


def synth_face(emotion: str, spk: _Speaker, spec: DemoSpec, k: float, rng) -> np.ndarray:
    """One 64x64x3 uint8 face (BGR)."""
    g = _cues(emotion, FACE, FACE_NOISE, k, rng, style=spec.style)
    g = {c: v + spk.face["rest"][c] for c, v in g.items()}
    img = _draw_face(g, spk.face, rng)
    pose = cv2.getRotationMatrix2D((_CANVAS / 2, _CANVAS / 2), rng.normal(0, 3), spec.face_scale)
    img = cv2.warpAffine(img, pose, (_CANVAS, _CANVAS), borderMode=cv2.BORDER_REPLICATE)
    img = cv2.resize(img, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA).astype(float)
    ramp = np.linspace(-1, 1, FACE_SIZE)
    angle = rng.normal(0.6, 0.2)
    light = 1 + spec.face_gradient * (np.cos(angle) * ramp[None, :] + np.sin(angle) * ramp[:, None])
    img = (img * spec.face_contrast + spec.face_brightness) * light[..., None]
    img += rng.normal(0, spec.face_noise, img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- corpus
def _item_rng(spec: DemoSpec, tag: int, s: int, e: int, rep: int) -> np.random.Generator:
    """Independent streams per item and modality: items do not depend on generation order."""
    return np.random.default_rng([spec.seed, tag, s, e, rep])


def _intensity(spec: DemoSpec, s: int, e: int, rep: int) -> float:
    """How strongly the item is expressed (1 = the tables); shared by audio and face."""
    return float(_item_rng(spec, _TAG_ITEM, s, e, rep).uniform(0.65, 1.25))


def generate_demo_corpus(root: pathlib.Path, variant: str) -> None:
    """Write ``variant`` under ``root``: audio/<id>.wav, visual/<id>.png, manifest.csv (last)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown demo variant {variant!r}; known: {', '.join(VARIANTS)}")
    spec, root = VARIANTS[variant], pathlib.Path(root)
    (root / "audio").mkdir(parents=True, exist_ok=True)
    (root / "visual").mkdir(parents=True, exist_ok=True)
    (root / "manifest.csv").unlink(missing_ok=True)  # a corpus being rewritten has no manifest
    rows = ["id,speaker,emotion,audio,visual"]
    for s in range(spec.n_speakers):
        spk, speaker = _speaker(spec, s), f"{spec.speaker_prefix}{s + 1:02d}"
        for e, emotion in enumerate(DEMO_EMOTIONS):
            for rep in range(spec.reps):
                item, k = f"{speaker}_{emotion}_{rep:02d}", _intensity(spec, s, e, rep)
                audio = synth_audio(emotion, spk, spec, k, _item_rng(spec, _TAG_AUDIO, s, e, rep))
                pcm = np.round(audio * 32767).astype(np.int16)
                sf.write(root / "audio" / f"{item}.wav", pcm, SAMPLE_RATE, subtype="PCM_16")
                face = synth_face(emotion, spk, spec, k, _item_rng(spec, _TAG_FACE, s, e, rep))
                cv2.imwrite(str(root / "visual" / f"{item}.png"), face)
                rows.append(f"{item},{speaker},{emotion},audio/{item}.wav,visual/{item}.png")
    tmp = root / f"manifest.csv.tmp{os.getpid()}"
    tmp.write_text("\n".join(rows) + "\n", encoding="utf-8", newline="\n")
    os.replace(tmp, root / "manifest.csv")
