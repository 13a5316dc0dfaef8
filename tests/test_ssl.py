"""The ``ssl`` extractor: wav2vec 2.0 / HuBERT / WavLM from a local folder, tested offline with tiny
randomly initialised models the tests build and save."""

from __future__ import annotations

import numpy as np
import pytest
from builders import write_tiny_emodb

from harness.corpora.emodb import EmoDB
from harness.errors import HarnessError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features

pytest.importorskip("transformers", reason="transformers not installed: pip install -e '.[ssl]'")
from harness.plugins.features.ssl import SelfSupervised, SelfSupervisedFrames, write_tiny_model  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("ssl-models")
    return {kind: write_tiny_model(root / kind, kind) for kind in ("wav2vec2", "hubert", "wavlm")}


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    return EmoDB.locate(write_tiny_emodb(tmp_path_factory.mktemp("ssl-data"), speakers=("03",))).items()[:3]


@pytest.mark.parametrize("kind", ["wav2vec2", "hubert", "wavlm"])
def test_each_encoder_gives_utterance_vectors_and_frames(models, items, kind, tmp_path):
    vectors, report = extract_features(items, SelfSupervised(model=str(models[kind])), FeatureCache(tmp_path),
                                       workers=2, progress=False)
    assert report.computed == 3 and {v.shape for v in vectors.values()} == {(32,)}
    frames, _ = extract_features(items, SelfSupervisedFrames(model=str(models[kind])), FeatureCache(tmp_path),
                                 workers=1, progress=False)
    first = frames[items[0].key]
    assert first.ndim == 2 and first.shape[1] == 32 and first.shape[0] > 10
    assert np.allclose(first.mean(0), vectors[items[0].key], atol=1e-5)


def test_layers_and_pooling(models, items):
    signal = np.sin(np.linspace(0, 300, 16000)).astype(np.float32)
    by_layer = {layer: SelfSupervised(model=str(models["wavlm"]), layer=layer).from_signal(signal)
                for layer in ("0", "1", "2", "last", "mean")}
    assert np.allclose(by_layer["last"], by_layer["2"]) and not np.allclose(by_layer["0"], by_layer["2"])
    assert np.allclose(by_layer["mean"], SelfSupervisedFrames(model=str(models["wavlm"]), layer="mean")
                       .from_signal(signal).mean(0), atol=1e-5)
    both = SelfSupervised(model=str(models["wavlm"]), pooling="mean+std").from_signal(signal)
    assert both.shape == (64,) and np.allclose(both[:32], by_layer["last"], atol=1e-5)


def test_clear_errors(models, tmp_path):
    with pytest.raises(HarnessError, match="needs a local model folder"):
        SelfSupervised()
    with pytest.raises(HarnessError, match="does not exist.*never downloads"):
        SelfSupervised(model=str(tmp_path / "nowhere"))
    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(HarnessError, match="'bert' model; supported speech encoders: wav2vec2, hubert, wavlm"):
        SelfSupervised(model=str(tmp_path / "bert"))
    with pytest.raises(HarnessError, match="layer 7 is out of range.*2 transformer layers"):
        SelfSupervised(model=str(models["hubert"]), layer=7)
    with pytest.raises(HarnessError, match="pooling 'max' unknown"):
        SelfSupervised(model=str(models["hubert"]), pooling="max")


def test_identity_follows_the_models_bytes_not_its_path(models, tmp_path):
    import shutil

    copy = shutil.copytree(models["wav2vec2"], tmp_path / "elsewhere")
    a, b = SelfSupervised(model=str(models["wav2vec2"])), SelfSupervised(model=str(copy))
    assert a.identity() == b.identity() and a.identity()["params"]["model"] is None
    other = write_tiny_model(tmp_path / "wider", "wav2vec2", width=48)
    assert SelfSupervised(model=str(other)).identity()["model"]["digest"] != a.identity()["model"]["digest"]


def test_classic_runs_end_to_end_on_ssl_features(models, tmp_path):
    from harness.execution.runner import Runner
    from harness.experiment.jobs import RunRequest

    data = write_tiny_emodb(tmp_path / "data", per_cell=1)
    out = Runner(RunRequest(methods=["classic"], corpora=["emodb"], protocols=["within"], folds=3, budget="smoke",
                            features={"audio": "ssl"}, feature_params={"ssl": {"model": str(models["hubert"])}},
                            data_root=data, results=tmp_path / "r", progress=False)).run()
    assert out.ran == 3 and not out.failed


@pytest.mark.realdata
@pytest.mark.slow
def test_ssl_features_on_real_emodb(models, data_root, tmp_path):
    """The acceptance run: classic on real EMO-DB with a tiny test model (accuracy irrelevant)."""
    from harness.execution.runner import Runner
    from harness.experiment.jobs import RunRequest

    out = Runner(RunRequest(methods=["classic"], corpora=["emodb"], protocols=["split"], budget="smoke",
                            features={"audio": "ssl"}, feature_params={"ssl": {"model": str(models["wav2vec2"])}},
                            data_root=data_root, results=tmp_path / "r", progress=False)).run()
    assert out.ran == 1 and not out.failed


def test_ssl_runs_on_the_gpu_when_there_is_one(models):
    import torch

    if not torch.cuda.is_available():
        pytest.skip(f"no CUDA device (torch {torch.__version__}): the GPU path runs where one is present")
    signal = np.sin(np.linspace(0, 300, 16000)).astype(np.float32)
    gpu = SelfSupervised(model=str(models["wav2vec2"]), device="cuda")
    cpu = SelfSupervised(model=str(models["wav2vec2"]), device="cpu")
    assert gpu._load()[1] == "cuda"
    assert np.allclose(gpu.from_signal(signal), cpu.from_signal(signal), atol=1e-3)
