"""Precomputed feature tables: formats, joins by id / file / time, checks, cache identity."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import write_tiny_emodb

from harness.corpora.emodb import EmoDB
from harness.data.corpus import Item
from harness.errors import HarnessError, MediaError
from harness.features.cache import FeatureCache
from harness.features.extraction import extract_features
from harness.plugins.features import precomputed
from harness.plugins.features._feature_tables import read_table
from harness.plugins.features.precomputed import (
    PrecomputedAudio,
    PrecomputedAudioSeq,
    PrecomputedFeatures,
    PrecomputedVisual,
)
from harness.registry import default_registry


def item(id_, path=None, corpus="c", modality="audio"):
    return Item(id=id_, corpus=corpus, media={modality: Path(path)} if path else {}, label="anger")


def avec_arff(name: str, rows: list[tuple[float, float, float]], quote="'") -> str:
    """An AVEC 2016 style feature ARFF: Instance_name, frameTime, two features."""
    body = "\n".join(f"{quote}{name}{quote},{t:.6f},{a},{b}" for t, a, b in rows)
    return ("@relation 'AVEC_2016 features'\n% written by the test\n@attribute Instance_name string\n"
            "@attribute frameTime numeric\n@attribute 'F0 mean' numeric\n@attribute loudness REAL\n"
            f"@attribute class numeric\n\n@data\n{body.replace(chr(10), ',?' + chr(10))},?\n")


# -- formats ---------------------------------------------------------------------
def test_arff_reader_keeps_strings_quotes_and_missing(tmp_path):
    path = tmp_path / "t.arff"
    path.write_text(avec_arff("train_1", [(0.0, 1.5, 2.0), (0.04, 2.5, 3.0)]))
    raw = read_table(str(path), None)
    assert list(raw.frame.columns) == ["Instance_name", "frameTime", "F0 mean", "loudness", "class"]
    assert list(raw.frame["Instance_name"]) == ["train_1", "train_1"]
    assert raw.frame["F0 mean"].tolist() == [1.5, 2.5] and raw.frame["class"].isna().all()
    path.write_text(avec_arff("dev 2", [(0.0, 1, 2)], quote='"').replace("@attribute class numeric",
                                                                          "@attribute class {a,b}"))
    assert read_table(str(path), None).frame["Instance_name"].tolist() == ["dev 2"]
    path.write_text(avec_arff("a,b", [(0.0, 1, 2)]))
    assert read_table(str(path), None).frame.iloc[0, :4].tolist() == ["a,b", 0.0, 1.0, 2.0]


@pytest.mark.parametrize("data, message", [
    ("'a',0.0,1,2,?,7", r"t\.arff:10: 6 values, but the header declares 5 attributes"),
    ("{0 'a', 2 1}", r"t\.arff:10: sparse ARFF rows are not supported"),
    ("'a,b',0.0,1,?", r"t\.arff:10: 4 values, but the header declares 5 attributes"),  # right comma count, 1 quoted
])
def test_arff_reader_names_file_and_line_of_bad_rows(tmp_path, data, message):
    path = tmp_path / "t.arff"
    path.write_text(avec_arff("a", []).rstrip().removesuffix(",?") + data + "\n")
    with pytest.raises(HarnessError, match=message):
        read_table(str(path), None)


def write_vectors(path: Path, fmt: str) -> None:
    """Ids a, b, c; features f1, f2; a text column and a label column that are not features."""
    frame = pd.DataFrame({"id": ["a", "b", "007"], "speaker_name": ["x", "y", "z"], "label": [1, 0, 1],
                          "f1": [1.0, 2.0, 3.0], "f2": [10.0, 20.0, 30.0]})
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        head = "".join(f"@attribute {c} {'string' if c in ('id', 'speaker_name') else 'numeric'}\n"
                       for c in frame.columns)
        rows = "".join(f"'{r.id}','{r.speaker_name}',{r.label},{r.f1},{r.f2}\n" for r in frame.itertuples())
        path.write_text(f"@relation v\n{head}@data\n{rows}")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "arff"])
def test_join_by_id_in_every_format(tmp_path, fmt):
    path = tmp_path / f"vectors.{fmt}"
    write_vectors(path, fmt)
    ext = PrecomputedAudio(table=str(path))
    assert ext.extract_item(item("b")).tolist() == [2.0, 20.0]  # text and label columns left out
    assert ext.extract_item(item("007")).tolist() == [3.0, 30.0]  # ids stay text: not 7
    assert ext.extract_item(item("a")).dtype == np.float32
    assert PrecomputedAudio(table=str(path), columns="f2").extract_item(item("a")).tolist() == [10.0]
    assert PrecomputedAudio(table=str(path), columns=r"(f1|label)$").extract_item(item("a")).tolist() == [1.0, 1.0]


def test_id_key_also_matches_corpus_slash_id(tmp_path):
    (tmp_path / "t.csv").write_text("item,f\nemodb/a,1\nsavee/a,2\n")
    ext = PrecomputedAudio(table=str(tmp_path / "t.csv"))
    assert ext.extract_item(item("a", corpus="savee")).tolist() == [2.0]


def test_column_selection_errors_name_the_table(tmp_path):
    path = tmp_path / "vectors.csv"
    write_vectors(path, "csv")
    with pytest.raises(HarnessError, match=r"vectors\.csv.*no feature columns match columns='zzz'"):
        PrecomputedAudio(table=str(path), columns="zzz").extract_item(item("a"))
    with pytest.raises(HarnessError, match=r"column 'speaker_name' \(selected by columns='speaker'\) holds no"):
        PrecomputedAudio(table=str(path), columns="speaker").extract_item(item("a"))
    with pytest.raises(HarnessError, match=r"no column 'nope' \(id_column\)"):
        PrecomputedAudio(table=str(path), id_column="nope").extract_item(item("a"))


# -- time-keyed tables: AVEC-like folders of per-recording ARFFs -------------------
def write_avec(root: Path, shuffle=True) -> Path:
    folder = root / "features_audio" / "arousal"
    folder.mkdir(parents=True)
    for n, name in enumerate(("train_1", "train_2")):
        rows = [(i * 0.04, 10 * n + i, (i + 1) ** 2) for i in range(5)]
        if shuffle:
            rows = rows[2:] + rows[:2]
        (folder / f"{name}.arff").write_text(avec_arff(name, rows))
    (folder / "README.txt").write_text("not a table")
    return folder


def test_avec_folder_gives_sequences_in_time_order_and_pools(tmp_path):
    folder = write_avec(tmp_path)
    seq = PrecomputedAudioSeq(table=str(folder), key="id+time", step=0.04).extract_item(item("train_2"))
    assert seq.shape == (5, 2) and seq[:, 0].tolist() == [10, 11, 12, 13, 14] and seq[0, 1] == 1
    glob = str(tmp_path / "features_audio" / "*" / "*.arff")
    mean = PrecomputedAudio(table=glob, key="id+time").extract_item(item("train_1"))
    assert np.allclose(mean, [2.0, 11.0])
    both = PrecomputedAudio(table=glob, key="id+time", pool="mean+std").extract_item(item("train_1"))
    assert both.shape == (4,) and np.allclose(both, [2.0, 11.0, np.std(range(5)), np.std([1, 4, 9, 16, 25])])


def test_file_plus_time_and_at_file_key_match_media_by_stem(tmp_path):
    folder = write_avec(tmp_path)
    audio = tmp_path / "recordings_audio" / "train_2.wav"
    ext = PrecomputedAudioSeq(table=str(folder), id_column="@file")  # key column: the table file's stem
    assert ext.extract_item(item("r2", audio))[:, 0].tolist() == [10, 11, 12, 13, 14]
    assert np.array_equal(ext.extract(audio), ext.extract_item(item("r2", audio)))


def test_irregular_steps_are_an_error_or_a_counted_note(tmp_path):
    rows = "id,time,f\n" + "".join(f"r,{t},{i}\n" for i, t in enumerate((0.0, 0.04, 0.08, 0.16, 0.2)))
    (tmp_path / "t.csv").write_text(rows + "s,0,1\ns,0.04,2\n")
    items = [item("r"), item("s")]
    with pytest.raises(MediaError, match=r"key 'r' has 1 irregular time step.*0\.08 -> 0\.16 s at .*t\.csv, row 4"):
        PrecomputedAudioSeq(table=str(tmp_path / "t.csv"), key="id+time").extract_item(items[0])
    ext = PrecomputedAudioSeq(table=str(tmp_path / "t.csv"), key="id+time", irregular="accept")
    feats, report = extract_features(items, ext, FeatureCache(None), workers=1, progress=False)
    assert feats["c/r"].shape == (5, 1) and report.notes == {
        "have irregular time steps in the precomputed table (irregular=accept)": 1}
    with pytest.raises(MediaError, match=r"key 's' has frames every 0\.04 s, not every 0\.01 s"):
        PrecomputedAudioSeq(table=str(tmp_path / "t.csv"), key="id+time", step="0.01").extract_item(items[1])


def test_opensmile_export_with_time_spans_and_file_index(tmp_path):
    """nkululeko/openSMILE LLD CSV: index file,start,end with time spans; Parquet keeps them as timedeltas."""
    wav = tmp_path / "wav" / "03a01Fa.wav"
    starts = pd.to_timedelta([0.02, 0.0, 0.01], unit="s")
    frame = pd.DataFrame({"file": [str(wav)] * 3, "start": starts, "end": starts + pd.Timedelta("25ms"),
                          "Loudness_sma3": [3.0, 1.0, 2.0]}).set_index(["file", "start", "end"])
    frame.to_csv(tmp_path / "lld.csv")
    frame.to_parquet(tmp_path / "lld.parquet")
    assert "0 days 00:00:00.02" in (tmp_path / "lld.csv").read_text()
    for table in ("lld.csv", "lld.parquet"):
        ext = PrecomputedAudioSeq(table=str(tmp_path / table), step=0.01)
        assert ext.extract_item(item("x", wav))[:, 0].tolist() == [1.0, 2.0, 3.0]  # end is not a feature


# -- joining by file ----------------------------------------------------------------
def test_file_keys_match_trailing_path_components(tmp_path):
    dc, je = tmp_path / "savee" / "AudioData" / "DC" / "a01.wav", tmp_path / "savee" / "AudioData" / "JE" / "a01.wav"
    (tmp_path / "t.csv").write_text(f"file,f\nDC/a01.wav,1\nJE\\a01,2\n{tmp_path}/savee/AudioData/DC/a02.wav,3\n")
    ext = PrecomputedAudio(table=str(tmp_path / "t.csv"), key="file")
    assert ext.extract_item(item("dc", dc)).tolist() == [1.0]
    assert ext.extract_item(item("je", je)).tolist() == [2.0]  # backslash, no suffix
    assert ext.extract_item(item("dc2", dc.with_name("a02.wav"))).tolist() == [3.0]  # absolute path
    with pytest.raises(MediaError, match=r"c/kl: no row in table .*t\.csv' for file .*KL/a01\.wav.*"
                                         r"have the file's name in other folders"):
        ext.extract_item(item("kl", tmp_path / "KL" / "a01.wav"))
    with pytest.raises(MediaError, match=r"no row .* for file .*a01\.mp4"):  # a suffix, when given, must agree
        ext.extract_item(item("v", dc.with_suffix(".mp4")))
    with pytest.raises(MediaError, match=r"c/v: no audio media file to look up in table"):
        ext.extract_item(item("v", dc.with_suffix(".mp4"), modality="visual"))


def test_one_key_for_two_items_is_an_error_naming_both(tmp_path):
    (tmp_path / "t.csv").write_text("file,f\n/elsewhere/a01.wav,1\n")
    ext = PrecomputedAudio(table=str(tmp_path / "t.csv"), key="file", file_match="name")
    items = [item("DC_a01", tmp_path / "DC" / "a01.wav"), item("JE_a01", tmp_path / "JE" / "a01.wav")]
    with pytest.raises(MediaError, match=r"c/JE_a01: the rows of key '/elsewhere/a01\.wav' .* also match c/DC_a01"):
        extract_features(items, ext, FeatureCache(None), workers=1, progress=False)
    (tmp_path / "t.csv").write_text("file,f\na01,1\nx/a01.wav,2\n")
    with pytest.raises(MediaError, match=r"2 keys of table .* match .*a01\.wav: \['x/a01\.wav', 'a01'\]"):
        PrecomputedAudio(table=str(tmp_path / "t.csv"), key="file", file_match="name").extract_item(items[0])


# -- bad rows -------------------------------------------------------------------------
def test_missing_item_is_a_media_error_reported_by_skip_unreadable(tmp_path):
    path = tmp_path / "vectors.parquet"
    write_vectors(path, "parquet")
    ext = PrecomputedAudio(table=str(path))
    with pytest.raises(MediaError, match=r"c/zz: no row in table '.*vectors\.parquet' for id 'zz' \(column 'id'\)"):
        extract_features([item("a"), item("zz")], ext, FeatureCache(None), workers=1, progress=False)
    feats, report = extract_features([item("a"), item("zz")], ext, FeatureCache(None), skip_unreadable=True,
                                     workers=1, progress=False)
    assert list(feats) == ["c/a"] and [k for k, _ in report.skipped] == ["c/zz"]


def test_duplicate_keys_name_table_key_and_rows(tmp_path):
    (tmp_path / "t.csv").write_text("id,time,f\na,1,1\nb,0,1\na,2,2\nb,0,3\n")
    with pytest.raises(MediaError, match=r"t\.csv': key 'a' \(column 'id'\) has 2 rows: .*row 1; .*row 3"):
        PrecomputedAudio(table=str(tmp_path / "t.csv")).extract_item(item("a"))
    with pytest.raises(MediaError, match=r"key 'b' has two rows at time = 0 s: .*row 2 and .*row 4"):
        PrecomputedAudio(table=str(tmp_path / "t.csv"), key="id+time").extract_item(item("b"))


def test_glob_over_overlapping_folders_finds_the_duplicates(tmp_path):
    write_avec(tmp_path)
    (tmp_path / "features_audio" / "valence").mkdir()
    for f in (tmp_path / "features_audio" / "arousal").glob("*.arff"):
        (tmp_path / "features_audio" / "valence" / f.name).write_bytes(f.read_bytes())
    ext = PrecomputedAudio(table=str(tmp_path / "features_audio" / "*" / "*.arff"), key="id+time")
    with pytest.raises(MediaError, match=r"key 'train_1' has two rows at frameTime = 0 s: .*arousal.*valence"):
        ext.extract_item(item("train_1"))


@pytest.mark.parametrize("cell, what", [("abc", "'abc' is not a number"), ("", "missing value"),
                                        ("inf", "inf is not finite")])
def test_bad_values_name_table_column_and_row(tmp_path, cell, what):
    (tmp_path / "t.csv").write_text(f"id,f1,f2\na,1,2\nb,3,{cell}\nc,5,6\n")
    ext = PrecomputedAudio(table=str(tmp_path / "t.csv"))
    assert ext.extract_item(item("c")).tolist() == [5.0, 6.0]
    with pytest.raises(MediaError, match=rf"t\.csv, row 2 of table .*: column 'f2' \(key 'b'\): {what}"):
        ext.extract_item(item("b"))


def test_tables_whose_files_disagree_or_are_not_tables_are_refused(tmp_path):
    (tmp_path / "a.csv").write_text("id,f\na,1\n")
    (tmp_path / "b.csv").write_text("id,g\nb,1\n")
    with pytest.raises(HarnessError, match=r"b\.csv: columns differ from those of .*a\.csv"):
        PrecomputedAudio(table=str(tmp_path / "*.csv")).extract_item(item("a"))
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(HarnessError, match=r"matches files that are not tables.*c\.txt"):
        PrecomputedAudio(table=str(tmp_path / "*")).extract_item(item("a"))
    with pytest.raises(HarnessError, match="no such file or folder"):
        PrecomputedAudio(table=str(tmp_path / "none.csv")).extract_item(item("a"))


def test_parameters_are_checked_when_the_extractor_is_made():
    with pytest.raises(HarnessError, match=r"needs a table: --feature-param precomputed-audio\.table=PATH"):
        PrecomputedAudio()
    with pytest.raises(HarnessError, match="key must be one of id\\+time, file\\+time; got 'id'"):
        PrecomputedAudioSeq(table="x", key="id")
    with pytest.raises(HarnessError, match="pool=mean\\+std needs many rows per item"):
        PrecomputedVisual(table="x", pool="mean+std")
    with pytest.raises(HarnessError, match="no parameter"):
        PrecomputedAudioSeq(table="x", pool="mean")
    assert PrecomputedAudioSeq(table="x", step="0.04").params["step"] == 0.04


# -- identity, cache, workers -----------------------------------------------------------
def test_changed_table_gives_new_cache_keys_and_identity(tmp_path):
    path = tmp_path / "vectors.csv"
    write_vectors(path, "csv")
    cache, it = FeatureCache(tmp_path / "cache"), item("a")
    first = PrecomputedAudio(table=str(path))
    key = cache.key(it, first)
    assert cache.key(it, PrecomputedAudio(table=str(path))) == key  # same bytes, same key
    path.write_text(path.read_text().replace("20.0", "21.0"))  # another item's row changes
    changed = PrecomputedAudio(table=str(path))
    assert cache.key(it, changed) != key
    assert changed.identity()["table"]["digest"] != first.identity()["table"]["digest"]
    assert cache.key(item("b"), PrecomputedAudio(table=str(path))) != cache.key(it, changed)  # rows differ


def test_extraction_over_a_corpus_is_cached_and_parallel_equals_sequential(tmp_path):
    items = EmoDB.locate(write_tiny_emodb(tmp_path / "data", speakers=("03", "08", "09"))).items()
    rng = np.random.default_rng(0)
    names = [it.media["audio"].name for it in items]
    frame = pd.DataFrame(rng.normal(size=(len(items), 4)), columns=[f"fc7_{i}" for i in range(4)])
    frame.insert(0, "file", [f"wav/{n}" for n in names])
    frame.to_parquet(tmp_path / "fc7.parquet")
    cache = FeatureCache(tmp_path / "cache")
    ext = PrecomputedAudio(table=str(tmp_path / "fc7.parquet"), key="file", columns="fc7_")
    first, r1 = extract_features(items, ext, cache, workers=2, progress=False)
    assert (r1.computed, r1.cached) == (len(items), 0) and len(items) >= 16
    for it, row in zip(items, frame.iloc[:, 1:].to_numpy(np.float32)):
        assert np.array_equal(first[it.key], row)
    second, r2 = extract_features(items, PrecomputedAudio(**ext.params), cache, workers=1, progress=False)
    assert (r2.computed, r2.cached) == (0, len(items))


def test_pickled_extractor_leaves_the_table_behind_and_rereads_it(tmp_path, monkeypatch):
    path = tmp_path / "vectors.csv"
    write_vectors(path, "csv")
    ext = PrecomputedAudio(table=str(path))
    ext.extract_item(item("a"))
    assert PrecomputedAudio(table=str(path))._loaded() is ext._data  # read once per process
    blob = pickle.dumps(ext)
    assert ext._data is not None and b"007" not in blob and len(blob) < 2000
    assert pickle.loads(blob)._data is None
    monkeypatch.setattr(precomputed, "_SHARED", type(precomputed._SHARED)())  # a fresh (spawned) worker
    assert pickle.loads(blob).extract_item(item("b")).tolist() == [2.0, 20.0]
    path.write_text(path.read_text().replace("20.0", "21.0"))
    monkeypatch.setattr(precomputed, "_SHARED", type(precomputed._SHARED)())
    with pytest.raises(HarnessError, match="changed while features were extracted"):
        pickle.loads(blob).extract_item(item("b"))


# -- the registry contract, as proposed for tests/test_contracts.py ------------------------
@pytest.mark.parametrize("name", [n for n in default_registry().names("features") if n.startswith("precomputed")])
def test_contract_example(name, tmp_path):
    cls = default_registry().feature(name)
    assert issubclass(cls, PrecomputedFeatures) and cls.needs_params
    extractor, it = cls.contract_example(tmp_path)
    a, b = extractor.extract_item(it), extractor.extract_item(it)
    assert a.size > 0 and np.all(np.isfinite(a)) and np.array_equal(a, b)
    assert a.ndim == {"vector": 1, "sequence": 2}[cls.kind]
    assert extractor.identity()["name"] == name
    assert pickle.loads(pickle.dumps(extractor)).extract_item(it).tolist() == a.tolist()
