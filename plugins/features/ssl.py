"""Self-supervised speech representations: wav2vec 2.0, HuBERT, WavLM (Hugging Face ``transformers``).

The hidden states of a pretrained speech encoder, taken from a local folder the user
gives (``--feature-param ssl.model=/models/wavlm-base-plus``: a ``save_pretrained``
folder or a downloaded Hugging Face snapshot with ``config.json`` and the weights);
nothing is ever fetched from a hub.  Audio is decoded by the core, mixed to mono and
resampled to 16 kHz, normalised as the model's ``preprocessor_config.json`` says, and
passed through the encoder in chunks of at most ``chunk_seconds``.

- ``layer``: ``last`` (default), an index ``k`` (0 = the CNN features after projection,
  1..L the transformer layers), or ``mean`` -- the average of the L transformer layers,
  the usual fixed combination when the best layer is not known (learnt layer weights,
  as in SUPERB, need fine-tuning and are left to a method);
- ``ssl`` pools the frames of an utterance (``pooling=mean``, or ``mean+std``),
  ``ssl-seq`` keeps them (T x D at the model's frame rate, 50 Hz for the base models).

The model is loaded once, in the process that extracts (never one copy per worker),
on the GPU when one is present (``device=auto|cpu|cuda``).  The cache key and every job
config hold a digest of the model folder's files, not its path: the same model in
another folder gives the same features, another checkpoint in the same folder new ones.
Install with ``pip install -e '.[ssl]'``.
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path
from typing import ClassVar

import numpy as np

from harness.errors import HarnessError
from harness.features.extractor import AudioFeatureExtractor
from harness.hookspecs import hookimpl

#: model types of the supported encoders (``config.json``'s ``model_type``)
SUPPORTED = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "wav2vec2-conformer", "unispeech-sat")
WEIGHTS = ("config.json", "preprocessor_config.json", "model.safetensors", "pytorch_model.bin")


@functools.lru_cache(maxsize=None)
def _folder_digest(folder: str, stamp: tuple) -> str:
    """SHA-256 over the names and bytes of the model's files (``stamp``: their sizes and times)."""
    h = hashlib.sha256()
    for f in sorted(Path(folder).rglob("*")):
        if f.is_file() and not f.name.startswith("."):
            h.update(f.relative_to(folder).as_posix().encode() + b"\0")
            with open(f, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def model_digest(folder: Path) -> str:
    stamp = tuple((f.as_posix(), f.stat().st_size, f.stat().st_mtime_ns)
                  for f in sorted(folder.rglob("*")) if f.is_file())
    return _folder_digest(str(folder), stamp)


def _transformers():
    try:
        import transformers
    except ImportError:
        raise HarnessError("feature extractor 'ssl' needs Hugging Face transformers: "
                           "pip install -e '.[ssl]'") from None
    return transformers


class SelfSupervised(AudioFeatureExtractor):
    name = "ssl"
    description = "wav2vec 2.0 / HuBERT / WavLM hidden states from a local model folder, pooled per utterance"
    kind = "vector"
    version = "1"
    sample_rate = 16000
    needs_params = True
    #: the model runs in the extracting process (on the GPU when present), not in one copy per worker
    in_process: ClassVar[bool] = True
    defaults = {"model": "", "layer": "last", "pooling": "mean", "chunk_seconds": 30.0, "device": "auto"}
    poolings: ClassVar[tuple[str, ...]] = ("mean", "mean+std")

    def __init__(self, **params):
        super().__init__(**params)
        if not self.params["model"]:
            raise HarnessError(f"feature extractor {self.name!r} needs a local model folder: "
                               f"--feature-param {self.name}.model=/path/to/wavlm-base-plus")
        if self.params["pooling"] not in self.poolings:
            raise HarnessError(f"{self.name}: pooling {self.params['pooling']!r} unknown; known: "
                               f"{', '.join(self.poolings)}")
        if self.params["device"] not in ("auto", "cpu", "cuda"):
            raise HarnessError(f"{self.name}: device must be auto, cpu or cuda (got {self.params['device']!r})")
        if not self.params["chunk_seconds"] > 0:
            raise HarnessError(f"{self.name}: chunk_seconds must be positive")
        self.folder = Path(self.params["model"]).expanduser()
        self.config = self._config()
        self.layer = self._layer(str(self.params["layer"]))
        self._model = None

    # -- the model folder ---------------------------------------------------------------------
    def _config(self) -> dict:
        import json

        if not self.folder.is_dir():
            raise HarnessError(f"{self.name}: model folder {self.folder} does not exist (the harness never "
                               f"downloads models: give the folder of a save_pretrained model or HF snapshot)")
        config_file = self.folder / "config.json"
        if not config_file.is_file():
            raise HarnessError(f"{self.name}: {self.folder} has no config.json; not a Hugging Face model folder")
        try:
            config = json.loads(config_file.read_text())
        except ValueError as exc:
            raise HarnessError(f"{config_file}: not valid JSON ({exc})") from None
        if config.get("model_type") not in SUPPORTED:
            raise HarnessError(f"{self.name}: {self.folder} holds a {config.get('model_type')!r} model; supported "
                               f"speech encoders: {', '.join(SUPPORTED)}")
        if not any((self.folder / w).is_file() for w in WEIGHTS[2:]):
            raise HarnessError(f"{self.name}: {self.folder} has no weights (model.safetensors or pytorch_model.bin)")
        return config

    def _layer(self, text: str) -> int | str:
        n = int(self.config.get("num_hidden_layers", 0))
        if text in ("last", "mean"):
            return text
        try:
            k = int(text)
        except ValueError:
            raise HarnessError(f"{self.name}: layer {text!r} is not last, mean or a layer index 0..{n}") from None
        if not 0 <= k <= n:
            raise HarnessError(f"{self.name}: layer {k} is out of range: the {self.config['model_type']} model in "
                               f"{self.folder} has {n} transformer layers (layer 0..{n}, last or mean)")
        return k

    def dependencies(self) -> dict[str, str]:
        return {name: metadata.version(name) for name in ("transformers", "torch")
                if _installed(name)}

    def identity(self) -> dict:
        ident = super().identity()
        # the model enters by content, not by where it lies
        ident["params"] = {**ident["params"], "model": None}
        ident["model"] = {"type": self.config["model_type"], "digest": model_digest(self.folder),
                          "layers": self.config.get("num_hidden_layers"), "width": self.config.get("hidden_size")}
        return ident

    # -- running it ---------------------------------------------------------------------------
    def __getstate__(self):
        state = dict(self.__dict__)
        state["_model"] = None  # never pickled with the extractor
        return state

    def _load(self):
        if self._model is None:
            transformers = _transformers()
            import torch

            device = self.params["device"]
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            elif device == "cuda" and not torch.cuda.is_available():
                raise HarnessError(f"{self.name}: device cuda requested but torch sees no CUDA device")
            model = transformers.AutoModel.from_pretrained(str(self.folder), local_files_only=True)
            model.eval().to(device)
            if (self.folder / "preprocessor_config.json").is_file():
                processor = transformers.AutoFeatureExtractor.from_pretrained(str(self.folder),
                                                                              local_files_only=True)
                normalize = bool(getattr(processor, "do_normalize", False))
            else:  # a bare save_pretrained model: normalise as layer-norm models are trained
                normalize = self.config.get("feat_extract_norm") == "layer"
                self.notes.append("no preprocessor_config.json: input normalisation taken from the model config")
            self._model = (model, device, normalize)
        return self._model

    def frames(self, signal: np.ndarray) -> np.ndarray:
        """(T, D) hidden states of the chosen layer (or the mean of the transformer layers)."""
        import torch

        model, device, normalize = self._load()
        chunk = int(self.params["chunk_seconds"] * self.sample_rate)
        outputs = []
        for start in range(0, max(len(signal), 1), chunk):
            piece = np.asarray(signal[start:start + chunk], dtype=np.float32)
            if len(piece) < 400:  # shorter than one frame of the encoder's CNN
                if outputs:
                    break
                piece = np.pad(piece, (0, 400 - len(piece)))
            if normalize:
                piece = (piece - piece.mean()) / np.sqrt(piece.var() + 1e-7)
            with torch.inference_mode():
                hidden = model(torch.from_numpy(piece)[None].to(device), output_hidden_states=True).hidden_states
            if self.layer == "last":
                h = hidden[-1]
            elif self.layer == "mean":
                h = torch.stack(hidden[1:]).mean(0)
            else:
                h = hidden[self.layer]
            outputs.append(h[0].float().cpu().numpy())
        return np.concatenate(outputs).astype(np.float32)

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        h = self.frames(signal)
        if self.params["pooling"] == "mean":
            return h.mean(0)
        return np.concatenate([h.mean(0), h.std(0)])

    @classmethod
    def contract_example(cls, tmp_path: Path):
        """A configured extractor (a tiny random model) and an item with a short tone (contract tests)."""
        import soundfile as sf

        from harness.data.corpus import Item

        folder = write_tiny_model(Path(tmp_path) / f"{cls.name}-model")
        wav = Path(tmp_path) / "tone.wav"
        sf.write(wav, 0.3 * np.sin(np.linspace(0, 400 * np.pi, 16000)).astype(np.float32), 16000)
        return cls(model=str(folder)), Item(id="x", corpus="contract", media={"audio": wav})


class SelfSupervisedFrames(SelfSupervised):
    name = "ssl-seq"
    description = "wav2vec 2.0 / HuBERT / WavLM hidden states per frame (T x D), from a local model folder"
    kind = "sequence"
    defaults = {"model": "", "layer": "last", "pooling": "none", "chunk_seconds": 30.0, "device": "auto"}
    poolings = ("none",)

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        return self.frames(signal)


def write_tiny_model(folder: Path, model_type: str = "wav2vec2", layers: int = 2, width: int = 32,
                     preprocessor: bool = True) -> Path:
    """Save a tiny randomly initialised encoder (seeded) of ``model_type`` with ``save_pretrained``:
    for tests and smoke runs of the loader, never for figures."""
    transformers = _transformers()
    import torch

    kinds = {"wav2vec2": ("Wav2Vec2Config", "Wav2Vec2Model"), "hubert": ("HubertConfig", "HubertModel"),
             "wavlm": ("WavLMConfig", "WavLMModel")}
    if model_type not in kinds:
        raise HarnessError(f"write_tiny_model: {model_type!r} unknown; known: {', '.join(kinds)}")
    config_cls, model_cls = (getattr(transformers, n) for n in kinds[model_type])
    extra = {"num_buckets": 16, "max_bucket_distance": 32} if model_type == "wavlm" else {}
    config = config_cls(hidden_size=width, num_hidden_layers=layers, num_attention_heads=2, intermediate_size=37,
                        conv_dim=(16, 16), conv_kernel=(10, 3), conv_stride=(5, 2), num_conv_pos_embeddings=16,
                        num_conv_pos_embedding_groups=2, vocab_size=10, **extra)
    torch.manual_seed(0)
    folder = Path(folder)
    model_cls(config).save_pretrained(str(folder))
    if preprocessor:
        transformers.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, do_normalize=True,
                                              return_attention_mask=False).save_pretrained(str(folder))
    return folder


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


@hookimpl
def harness_features():
    return [SelfSupervised, SelfSupervisedFrames]
