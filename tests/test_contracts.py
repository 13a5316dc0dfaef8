"""Contract tests parametrised over every registered component.

A new method, corpus adapter, feature extractor or fusion strategy is tested
here the moment it is registered.
"""

from __future__ import annotations

import importlib

import cv2
import numpy as np
import pytest
import soundfile as sf
from builders import tone

from harness.data.corpus import MODALITIES, Corpus, Item
from harness.data.labels import DIMENSIONS, EMOTIONS
from harness.errors import CorpusNotFound
from harness.learning.method import BUDGETS, FeatureSet
from harness.learning.space import defaults
from harness.registry import default_registry

REGISTRY = default_registry()


def blobs(n_per_class: int, n_classes: int, dim: int, seed: int, shift: float = 3.0) -> FeatureSet:
    """Well separated Gaussian classes, three speakers."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, shift, (n_classes, dim))
    y = np.repeat(np.arange(n_classes), n_per_class)
    x = centres[y] + rng.normal(0, 1, (len(y), dim))
    keys = [f"c/{seed}-{i}" for i in range(len(y))]
    speakers = [f"c:s{i % 3}" for i in range(len(y))]
    labels = tuple(EMOTIONS[:n_classes])
    return FeatureSet(x=x.astype(np.float32), keys=keys, speakers=speakers, domains=["c"] * len(y),
                      labels=labels, y=y)


def as_kind(data: FeatureSet, kind: str, seed: int) -> FeatureSet:
    """The blobs as ragged inputs: each item a short sequence of noisy copies of its vector,
    or a few 64×64×3 segments whose mean intensity per channel carries the vector."""
    if kind == "vector":
        return data
    rng = np.random.default_rng(seed)
    if kind == "sequence":
        data.x = [row + rng.normal(0, 0.3, (int(rng.integers(3, 9)), len(row))).astype(np.float32)
                  for row in data.x]
    else:
        pattern = np.repeat(np.arange(64, dtype=np.float32)[:, None] / 64, 64, axis=1)
        data.x = [np.stack([np.stack([pattern * row[c] + row[c + 3] for c in range(3)], axis=-1)
                            + rng.normal(0, 0.3, (64, 64, 3)) for _ in range(int(rng.integers(1, 4)))]
                           ).astype(np.float32) for row in data.x]
    data.kind = kind
    return data


# -- methods -------------------------------------------------------------------
#: methods whose contract run trains staged networks for several seconds (the quick suite skips them)
SLOW_METHODS = {"jdcd", "jdcd-joint", "pathnet", "pathnet-transfer", "pathnet-target"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_METHODS else n
                                  for n in REGISTRY.names("methods")])
def test_method_contract(name):
    cls = REGISTRY.method(name)
    assert cls.description and cls.tasks and cls.inputs
    assert set(cls.accepted_inputs()) <= {"vector", "sequence", "segments"}
    kind = cls.accepted_inputs()[0]
    assert set(cls.budgets) == set(BUDGETS), f"{name}: budgets must cover {BUDGETS}"
    hp = defaults(cls.space)
    for pname, param in cls.space.items():
        if hasattr(param, "low"):
            assert param.low <= param.default <= param.high, f"{name}.{pname} default out of range"
        else:
            assert param.default in param.choices
    train, valid, test = (blobs(30, 4, 12, seed=0), blobs(10, 4, 12, seed=0), blobs(10, 4, 12, seed=0))
    # same centres (seed 0) but new noise for validation and test
    rng = np.random.default_rng(1)
    valid.x = valid.x + rng.normal(0, 0.3, valid.x.shape).astype(np.float32)
    test.x = test.x + rng.normal(0, 0.3, test.x.shape).astype(np.float32)
    for part in (train, valid, test):
        part.target_domain = "c"
    train, valid, test = (as_kind(part, kind, seed) for seed, part in enumerate((train, valid, test)))
    if cls.uses_auxiliary:  # a second modality: other features of the same classes, unpaired
        train.aux, valid.aux = blobs(30, 4, 9, seed=5), blobs(10, 4, 9, seed=5)
    if cls.uses_target_labels:  # half the training side is labelled target data, half source
        for part in (train, valid):
            part.domains = ["c" if i % 2 else "src" for i in range(len(part))]
    if cls.uses_target_features:  # unlabelled target items: the test distribution, labels removed
        train.unlabelled = as_kind(blobs(20, 4, 12, seed=0), kind, 3).without_labels()

    def fit_predict(seed):
        method = cls(hp, seed=seed, budget="smoke")
        info = method.fit(train, valid)
        assert isinstance(info, dict)
        return method.predict(test)

    p = fit_predict(7)
    assert p.shape == (len(test), 4)
    assert np.all(p >= 0) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    assert np.array_equal(p, fit_predict(7)), f"{name}: same seed must give the same predictions"
    accuracy = float((p.argmax(axis=1) == test.y).mean())
    assert accuracy > 0.6, f"{name}: accuracy {accuracy:.2f} on separable classes (chance 0.25)"


# -- corpora -------------------------------------------------------------------
def _tiny_layout(name: str, root):
    """Data root holding a tiny copy of corpus ``name`` in its native layout (None: generated).

    Every adapter has a module ``tests/layouts/<name>.py`` (dashes as underscores)
    whose ``write(root)`` builds the tiny copy under ``root`` and returns the data root.
    """
    if REGISTRY.corpus(name).synthetic:
        return None
    module = f"layouts.{name.replace('-', '_')}"
    try:
        layout = importlib.import_module(module)
    except ModuleNotFoundError:
        pytest.fail(f"corpus adapter {name!r} has no tiny native-layout builder tests/{module.replace('.', '/')}.py")
    return layout.write(root)


@pytest.mark.parametrize("name", REGISTRY.names("corpora"))
def test_corpus_contract(name, tmp_path):
    cls: type[Corpus] = REGISTRY.corpus(name)
    assert cls.description and cls.layout and cls.obtain
    assert (cls.labels or cls.dimensions) and set(cls.labels) <= set(EMOTIONS)
    assert set(cls.dimensions) <= set(DIMENSIONS)
    assert set(cls.modalities) <= set(MODALITIES)
    root = _tiny_layout(name, tmp_path)
    corpus = cls.locate(root)
    items = corpus.items()
    assert items and len({it.id for it in items}) == len(items)
    for it in items:
        # label None is allowed beside continuous targets (IEMOCAP's no-majority "xxx" utterances)
        assert it.corpus == name and (it.label is None or it.label in cls.labels)
        assert set(it.dims) | set(it.series) <= set(cls.dimensions)
        assert it.label is not None or it.dims or it.series, f"{it.key} has no target"
        assert set(it.media) <= set(cls.modalities)
        assert all(p.is_file() for p in it.media.values())
        assert it.split is None or it.split in cls.splits
    assert corpus.fingerprint() == cls.locate(root).fingerprint()


@pytest.mark.parametrize("name", [n for n in REGISTRY.names("corpora") if not REGISTRY.corpus(n).synthetic])
def test_corpus_not_found_names_corpus_path_layout_and_source(name, tmp_path):
    cls = REGISTRY.corpus(name)
    with pytest.raises(CorpusNotFound) as err:
        cls.locate(tmp_path)
    text = str(err.value)
    assert name in text and str(tmp_path) in text and cls.obtain in text
    assert all(layout in text for layout in (cls.layouts or (cls.layout,))), "every layout read is named"
    assert err.value.exit_code == 2


# -- feature extractors --------------------------------------------------------
def _media(modality: str, tmp_path):
    if modality == "audio":
        path = tmp_path / "x.wav"
        sf.write(path, tone(2, 1, seconds=1.0), 16000)
    else:
        path = tmp_path / "x.png"
        img = np.full((64, 64, 3), 200, np.uint8)
        cv2.circle(img, (32, 32), 20, (90, 90, 90), 2)
        cv2.imwrite(str(path), img)
    return path


@pytest.mark.parametrize("name", REGISTRY.names("features"))
def test_feature_extractor_contract(name, tmp_path):
    cls = REGISTRY.feature(name)
    assert cls.description and cls.modality in MODALITIES and cls.kind in ("vector", "sequence", "segments")
    if cls.needs_params:  # e.g. a table of precomputed features: no media file to read
        extractor, item = cls.contract_example(tmp_path)
    else:
        extractor = cls()
        item = Item(id="x", corpus="contract", media={cls.modality: _media(cls.modality, tmp_path)})
    a, b = extractor.extract_item(item), extractor.extract_item(item)
    assert a.size > 0 and np.all(np.isfinite(a)) and np.array_equal(a, b)
    assert a.ndim == {"vector": 1, "sequence": 2}.get(cls.kind, a.ndim)
    assert extractor.identity()["name"] == name


# -- fusion strategies ---------------------------------------------------------
@pytest.mark.parametrize("name", REGISTRY.names("fusions"))
def test_fusion_contract(name):
    rng = np.random.default_rng(0)
    runs = [rng.dirichlet(np.ones(4), size=20) for _ in range(2)]
    y = rng.integers(0, 4, 20)
    fusion = REGISTRY.fusion(name)().fit(runs, y)
    fused = fusion.fuse(runs)
    assert fused.shape == (20, 4) and np.allclose(fused.sum(axis=1), 1)
    with pytest.raises(ValueError):
        fusion.fuse(runs[:1])
