"""The content-keyed feature cache: hits, misses on changed parameters or bytes, parallel runs."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from builders import tone, write_tiny_emodb

from harness.corpora.emodb import EmoDB
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features.egemaps import EGeMAPSFunctionals
from harness.plugins.features.face_hog import FaceHOG


def test_second_run_reads_the_cache(tmp_path):
    items = EmoDB.locate(write_tiny_emodb(tmp_path, speakers=("03", "08"))).items()
    cache = FeatureCache(tmp_path / "cache")
    first, r1 = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    second, r2 = extract_features(items, EGeMAPSFunctionals(), cache, workers=1, progress=False)
    assert (r1.computed, r1.cached) == (len(items), 0)
    assert (r2.computed, r2.cached) == (0, len(items))
    assert all(np.array_equal(first[k], second[k]) for k in first)
    assert first[items[0].key].shape == (88,)


def test_changed_parameters_miss_the_cache(tmp_path):
    import cv2

    img = np.full((80, 80, 3), 180, np.uint8)
    cv2.rectangle(img, (20, 30), (60, 50), (40, 40, 40), -1)
    path = tmp_path / "face.png"
    cv2.imwrite(str(path), img)
    cache = FeatureCache(tmp_path / "cache")
    a, b = FaceHOG(size=64), FaceHOG(size=32)
    assert cache.key(path, a) != cache.key(path, b)
    assert cache.key(path, a) == cache.key(path, FaceHOG(size=64))


def test_changed_file_content_misses_the_cache(tmp_path):
    path = tmp_path / "x.wav"
    sf.write(path, tone(0, 0), 16000)
    cache = FeatureCache(tmp_path / "cache")
    key = cache.key(path, EGeMAPSFunctionals())
    sf.write(path, tone(3, 0), 16000)
    assert cache.key(path, EGeMAPSFunctionals()) != key


def test_same_bytes_under_another_name_hit_the_cache(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    sf.write(a, tone(0, 0), 16000)
    b.write_bytes(a.read_bytes())
    cache = FeatureCache(tmp_path / "cache")
    assert cache.key(a, EGeMAPSFunctionals()) == cache.key(b, EGeMAPSFunctionals())


def test_parallel_extraction_equals_sequential(tmp_path):
    items = EmoDB.locate(write_tiny_emodb(tmp_path, speakers=("03", "08", "09"))).items()
    seq, _ = extract_features(items, EGeMAPSFunctionals(), FeatureCache(None), workers=1, progress=False)
    par, report = extract_features(items, EGeMAPSFunctionals(), FeatureCache(tmp_path / "c"), workers=2,
                                   progress=False)
    assert report.computed == len(items) >= 16
    assert all(np.array_equal(seq[k], par[k]) for k in seq)


def test_text_parameters_take_the_type_of_their_default_and_bad_ones_are_named():
    from harness.errors import HarnessError

    assert FaceHOG(size="32").params["size"] == 32
    with pytest.raises(HarnessError, match="size expects int, got 'big'"):
        FaceHOG(size="big")
    with pytest.raises(HarnessError, match="no parameter"):
        FaceHOG(colour="red")


def test_cache_key_of_an_item_is_that_of_its_media_file(tmp_path):
    from harness.data.corpus import Item

    path = tmp_path / "a.wav"
    sf.write(path, tone(1, 1), 16000)
    item = Item(id="a", corpus="c", media={"audio": path}, label="anger")
    cache = FeatureCache(tmp_path / "cache")
    assert cache.key(item, EGeMAPSFunctionals()) == cache.key(path, EGeMAPSFunctionals())
