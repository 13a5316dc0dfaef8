"""The feature-extractor interface: one media file (or item) -> one array.

An extractor's identity (name, version, parameters, the versions of the
libraries its output depends on) is part of the cache key and of every job
config that uses it, so changing a parameter can never silently reuse stale
features.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from harness.data.audio import AUDIO_PIPELINE_VERSION, load_audio
from harness.data.code_digest import code_digest
from harness.data.corpus import Item
from harness.data.digest import content_digest
from harness.errors import HarnessError


class FeatureExtractor:
    """Base class of feature extractors (one media file -> one array)."""

    name: ClassVar[str]
    description: ClassVar[str]
    modality: ClassVar[str]
    #: ``vector`` -> (D,), ``sequence`` -> (T, D), ``segments`` -> (S, ...).
    kind: ClassVar[str] = "vector"
    #: Bump when the output for the same input and parameters changes.
    version: ClassVar[str] = "1"
    #: Parameters and their defaults; only these may be set.
    defaults: ClassVar[dict[str, Any]] = {}
    #: True when the extractor cannot run without parameters (a table path, say); it then
    #: provides ``contract_example(tmp_path) -> (extractor, item)`` for the contract tests.
    needs_params: ClassVar[bool] = False
    #: leading axes of one item's array pooled for normalisation statistics (harness/features/normalize.py);
    #: None: none for vectors, every axis but the last for sequences and segments
    norm_pooled: ClassVar[int | None] = None
    #: True when extraction must run in the extracting process itself (a large model loaded once,
    #: on the GPU), not in one worker process per core
    in_process: ClassVar[bool] = False

    def __init__(self, **params: Any):
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise HarnessError(
                f"feature extractor {self.name!r} has no parameter(s) {sorted(unknown)}; "
                f"known: {sorted(self.defaults)}"
            )
        self.params = {**self.defaults, **{k: self._coerce(k, v) for k, v in params.items()}}
        self.notes: list[str] = []

    def _coerce(self, name: str, value: Any) -> Any:
        """Values given as text (command line) take the type of the parameter's default."""
        default = self.defaults[name]
        if not isinstance(value, str) or default is None or isinstance(default, str):
            return value
        try:
            if isinstance(default, bool):
                if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return value.lower() in ("true", "1", "yes")
            return type(default)(value)
        except ValueError:
            raise HarnessError(f"feature extractor {self.name!r}: parameter {name} expects "
                               f"{type(default).__name__}, got {value!r}") from None

    def dependencies(self) -> dict[str, str]:
        """Versions of the libraries whose output the features depend on (part of the identity)."""
        return {}

    def identity(self) -> dict:
        """What the cache key and the job config record about this extractor."""
        ident = {"name": self.name, "version": self.version, "params": self.params}
        deps = self.dependencies()
        if deps:
            ident["dependencies"] = deps
        return ident

    def cache_identity(self) -> dict:
        """:meth:`identity` plus a digest of the extractor's code (its module and what it imports,
        decoding included): the cache key, so that editing an extractor recomputes its features."""
        return {**self.identity(), "code": code_digest([type(self).__module__])}

    def extract(self, path: Path) -> np.ndarray:
        """Return the features of one file; append conversions applied to ``self.notes``."""
        raise NotImplementedError

    # Extractors that do not read one media file (a table of precomputed
    # features joined by item id, say) override these two.
    def extract_item(self, item: Item) -> np.ndarray:
        """The features of one item: by default those of its media file of this modality."""
        return self.extract(self.source(item))

    def item_digest(self, item: Item) -> str:
        """What identifies the item's input (cache key): by default its media file's bytes."""
        return content_digest(self.source(item))

    def source(self, item: Item) -> Path:
        path = item.media.get(self.modality)
        if path is None:
            raise HarnessError(f"{item.key}: no {self.modality} media, which {self.name!r} needs")
        return path


class AudioFeatureExtractor(FeatureExtractor):
    """An extractor over mono audio at ``sample_rate`` (decoding is done here)."""

    modality = "audio"
    sample_rate: ClassVar[int] = 16000

    def identity(self) -> dict:
        return {**super().identity(), "audio": {"pipeline": AUDIO_PIPELINE_VERSION,
                                                "sample_rate": self.sample_rate}}

    def extract(self, path: Path) -> np.ndarray:
        signal, notes = load_audio(path, self.sample_rate)
        self.notes.extend(notes)
        return self.from_signal(signal)

    def from_signal(self, signal: np.ndarray) -> np.ndarray:
        raise NotImplementedError
