"""CHEAVD — the Chinese Natural Emotional Audio-Visual Database (Li, Tao, Chao, Bao & Liu, 2017),
and CHEAVD 2.0, the data of the Multimodal Emotion Recognition Challenge MEC 2017.

Obtained from the Chinese LDC (http://www.chineseldc.org, licence agreement;
research use) or, for CHEAVD 2.0, from the MEC 2017 organisers (CASIA).  Clips
of natural emotional speech cut from Chinese films, TV series and talk shows,
with audio and video; official train / validation / test partition of about
7:1:2.  MEC 2017 labels eight classes: angry, disgust, happy, sad, surprise,
neutral, anxious and worried (per the challenge page); the adapter's paper
set (SPEC) uses angry disgust fear happy sad surprise neutral.

No single standard file layout exists (releases differ and the label files
are not publicly documented), so the layout read is **configurable** and
these are the defaults::

    cheavd/
      harness-layout.json        optional (or harness-layout.toml): see below
      train.csv val.csv test.csv label tables, one row per clip; or one
                                 labels.csv with a split column
      <media>                    the files the tables name, relative to the
                                 corpus folder (or to "media_folder")

Default columns: ``file`` (media path), ``label``, ``speaker`` (optional: absent
-> speaker None), ``split`` (labels.csv only), ``video`` (optional separate video
file).  A media file with a video suffix (.avi .mp4 .mkv .flv .mov .webm) is the
item's audio *and* visual medium; an audio file (.wav .flac .mp3 .m4a .ogg) is
its audio medium (plus ``video`` where given).  Item id = the media path
relative to the corpus folder, without suffix.

``harness-layout.json`` (every key optional)::

    {"tables": {"train": "train.csv", "valid": "val.csv", "test": "test.csv"},
     "table": "labels.csv",              # used when none of the split tables exists
     "columns": {"file": "file", "label": "label", "speaker": "speaker",
                 "split": "split", "video": null},
     "encoding": "utf-8-sig", "delimiter": ",",
     "media_folder": ".", "extension": ".avi",   # appended to names without one
     "split_values": {"训练": "train"},        # extra split spellings
     "labels": {"2": "anger"},                  # extra/overriding label codes
     "exclude_labels": ["anxious", "worried"]}  # rows skipped, counted in a note

Labels (case-insensitive): English angry/anger, disgust(ed), fear(ful),
happy/happiness, sad/sadness, surprise(d), neutral; Chinese 愤怒/生气, 厌恶,
恐惧/害怕, 高兴/快乐/开心, 悲伤/伤心, 惊讶, 中性/平静 (common terms; the MEC
release's own Chinese spellings could not be verified, add others under
``labels``).  CHEAVD 2.0's *anxious* (焦虑) and *worried* (担心) have no
canonical emotion: by default they are an error naming the table and row; list
them under ``exclude_labels`` (skipped with a count) or map them explicitly
under ``labels`` -- a documented choice of the user, never the adapter's.
Rows with an empty label (withheld test labels) are skipped with a count.
Missing media, unknown labels, split values or columns are errors naming the
table and row (a missing column also lists the columns present).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import tomllib

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.errors import CorpusError, LabelError
from harness.hookspecs import hookimpl

BUILTIN = {
    "angry": "anger", "anger": "anger", "愤怒": "anger", "生气": "anger",
    "disgust": "disgust", "disgusted": "disgust", "厌恶": "disgust",
    "fear": "fear", "fearful": "fear", "恐惧": "fear", "害怕": "fear",
    "happy": "happiness", "happiness": "happiness", "高兴": "happiness", "快乐": "happiness", "开心": "happiness",
    "sad": "sadness", "sadness": "sadness", "悲伤": "sadness", "伤心": "sadness",
    "surprise": "surprise", "surprised": "surprise", "惊讶": "surprise",
    "neutral": "neutral", "中性": "neutral", "平静": "neutral",
}
CODES = LabelMap("cheavd", BUILTIN)
#: CHEAVD 2.0 classes without a canonical emotion
NON_CANONICAL = {"anxious": "焦虑", "worried": "担心"}
SPLIT_VALUES = {"train": "train", "training": "train", "val": "valid", "valid": "valid",
                "validation": "valid", "dev": "valid", "development": "valid", "test": "test",
                "testing": "test"}
CONFIG_FILES = ("harness-layout.json", "harness-layout.toml")
DEFAULTS = {
    "tables": {"train": "train.csv", "valid": "val.csv", "test": "test.csv"},
    "table": "labels.csv",
    "columns": {"file": "file", "label": "label", "speaker": "speaker", "split": "split", "video": None},
    "encoding": "utf-8-sig",
    "delimiter": ",",
    "media_folder": ".",
    "extension": "",
    "split_values": {},
    "labels": {},
    "exclude_labels": [],
}
OPTIONAL_COLUMNS = ("speaker", "video")
VIDEO = (".avi", ".mp4", ".mkv", ".flv", ".mov", ".webm")
AUDIO = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg")


def read_config(root: Path) -> tuple[dict, Path | None, set[str]]:
    """The layout configuration of the corpus at ``root``: (config, its file, keys the user set)."""
    config = json.loads(json.dumps(DEFAULTS))
    found = [root / name for name in CONFIG_FILES if (root / name).is_file()]
    if not found:
        return config, None, set()
    if len(found) > 1:
        raise CorpusError(f"cheavd: both {found[0]} and {found[1]} exist (keep one)")
    path = found[0]
    try:
        if path.suffix == ".json":
            user = json.loads(path.read_text(encoding="utf-8"))
        else:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: not valid {path.suffix[1:].upper()} ({exc})") from None
    if not isinstance(user, dict):
        raise CorpusError(f"{path}: expected an object of settings, got {type(user).__name__}")
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        raise CorpusError(f"{path}: unknown setting(s) {unknown} (known: {', '.join(DEFAULTS)})")
    for key, value in user.items():
        expected = type(DEFAULTS[key])
        if not isinstance(value, expected):
            raise CorpusError(f"{path}: {key!r} must be a {expected.__name__}, got {value!r}")
        if key == "columns":
            bad = sorted(set(value) - set(DEFAULTS["columns"]))
            if bad:
                raise CorpusError(f"{path}: unknown column role(s) {bad} (known: {', '.join(DEFAULTS['columns'])})")
            for role, name in value.items():
                if not (name is None or isinstance(name, str)):
                    raise CorpusError(f"{path}: column name for {role!r} must be a string, got {name!r}")
            config["columns"].update(value)
        elif key == "tables":
            bad = sorted(set(value) - {"train", "valid", "test"})
            if bad:
                raise CorpusError(f"{path}: 'tables' keys must be train, valid, test; got {bad}")
            config["tables"] = dict(value)
        else:
            config[key] = value
    for raw, target in config["labels"].items():
        if target not in CODES.labels:
            raise CorpusError(f"{path}: 'labels' maps {raw!r} to {target!r}, which is not one of cheavd's "
                              f"labels ({', '.join(CODES.labels)})")
    for raw, target in config["split_values"].items():
        if target not in ("train", "valid", "test"):
            raise CorpusError(f"{path}: 'split_values' maps {raw!r} to {target!r} (use train, valid or test)")
    columns = {f"columns.{k}" for k, v in user.get("columns", {}).items() if v}
    return config, path, set(user) | columns


class Cheavd(Corpus):
    name = "cheavd"
    description = ("CHEAVD / CHEAVD 2.0 (MEC 2017): natural Chinese emotional clips from films and TV, "
                   "audio-visual, official 7:1:2 train/valid/test split; layout configurable")
    folders = ("cheavd", "CHEAVD", "CHEAVD2.0", "CHEAVD_2.0", "cheavd2", "MEC2017")
    modalities = ("audio", "visual")
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("cheavd/train.csv val.csv test.csv (or labels.csv with a split column; columns file,label"
              "[,speaker]) naming media files under cheavd/; names configurable in cheavd/harness-layout.json")
    obtain = ("the Chinese LDC, http://www.chineseldc.org (CHEAVD; licence agreement), or the MEC 2017 "
              "organisers at CASIA (CHEAVD 2.0)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        if any((path / name).is_file() for name in CONFIG_FILES):
            return True
        return any((path / name).is_file() for name in (*DEFAULTS["tables"].values(), DEFAULTS["table"]))

    def load(self) -> list[Item]:
        self.config, self.config_file, self.user_set = read_config(self.root)
        self._skipped: Counter = Counter()
        self._unlabelled: Counter = Counter()
        items: list[Item] = []
        for table, split in self._tables():
            items += self._read(table, split)
        for label, n in sorted(self._skipped.items()):
            self.notes.append(f"skipped {n} row(s) labelled {label!r} (listed in exclude_labels of "
                              f"{self.config_file.name if self.config_file else 'the configuration'})")
        for table, n in sorted(self._unlabelled.items()):
            self.notes.append(f"skipped {n} row(s) without a label in {table} (labels withheld?)")
        return items

    # -- tables ---------------------------------------------------------
    def _tables(self) -> list[tuple[Path, str | None]]:
        config, where = self.config, self.config_file or self.root
        tables = [(self.root / name, split) for split, name in config["tables"].items()]
        present = [(t, s) for t, s in tables if t.is_file()]
        if "tables" in self.user_set:
            missing = [str(t) for t, _ in tables if not t.is_file()]
            if missing:
                raise CorpusError(f"{where}: label table(s) named in 'tables' not found: {', '.join(missing)}")
            return tables
        if present:
            absent = [t.name for t, _ in tables if not t.is_file()]
            if absent:
                self.notes.append(f"no {' '.join(absent)} in {self.root}: those splits are empty")
            return present
        single = self.root / config["table"]
        if not single.is_file():
            names = ", ".join([*config["tables"].values(), config["table"]])
            raise CorpusError(f"{self.root}: no label table found (looked for {names}); "
                              f"name yours in {CONFIG_FILES[0]}. Expected layout: {self.layout}")
        return [(single, None)]

    def _rows(self, table: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
        config = self.config
        delimiter = "\t" if table.suffix.lower() == ".tsv" and "delimiter" not in self.user_set \
            else config["delimiter"]
        try:
            with open(table, newline="", encoding=config["encoding"]) as f:
                reader = csv.DictReader(f, delimiter=delimiter)
                header = [h.strip() for h in (reader.fieldnames or [])]
                reader.fieldnames = header
                rows = [(reader.line_num, row) for row in reader]
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{table}: not readable as {config['encoding']} ({exc}); set \"encoding\" "
                              f"(e.g. \"gbk\" or \"gb18030\") in {CONFIG_FILES[0]}") from None
        except LookupError:
            raise CorpusError(f"{self.config_file}: unknown encoding {config['encoding']!r}") from None
        except csv.Error as exc:
            raise CorpusError(f"{table}: not a readable table ({exc})") from None
        return header, rows

    def _column(self, role: str, header: list[str], table: Path, required: bool) -> str | None:
        name = self.config["columns"].get(role)
        if name is None:
            return None
        if name in header:
            return name
        if required or f"columns.{role}" in self.user_set:
            source = f" (set in {self.config_file})" if f"columns.{role}" in self.user_set else ""
            raise CorpusError(f"{table}: no {role} column {name!r}{source}; columns present: "
                              f"{', '.join(repr(h) for h in header) or 'none'}. Name the columns under "
                              f"\"columns\" in {CONFIG_FILES[0]}")
        return None

    def _read(self, table: Path, split: str | None) -> list[Item]:
        header, rows = self._rows(table)
        cols = {role: self._column(role, header, table, required=role not in OPTIONAL_COLUMNS)
                for role in ("file", "label", *OPTIONAL_COLUMNS)}
        if split is None:
            cols["split"] = self._column("split", header, table, required=True)
        items = []
        excluded = {str(x).casefold() for x in self.config["exclude_labels"]}
        for line, row in rows:
            where = f"{table}, line {line}"
            raw = (row.get(cols["label"]) or "").strip()
            if not raw:
                self._unlabelled[table.name] += 1
                continue
            if raw.casefold() in excluded:
                self._skipped[raw] += 1
                continue
            label = self._label(raw, where)
            media = self._media(row, cols, where)
            audio = media.get("audio") or media["visual"]
            rel = audio.relative_to(self.root) if audio.is_relative_to(self.root) else Path(audio.name)
            speaker = (row.get(cols["speaker"]) or "").strip() if cols["speaker"] else ""
            items.append(Item(
                id=rel.with_suffix("").as_posix(), corpus=self.name, media=media,
                speaker=speaker or None, label=label,
                split=split or self._split((row.get(cols["split"]) or "").strip(), where),
            ))
        return items

    def _label(self, raw: str, where: str) -> str:
        user = self.config["labels"]
        if raw in user:
            return user[raw]
        folded = {k.casefold(): v for k, v in user.items()}
        if raw.casefold() in folded:
            return folded[raw.casefold()]
        key = raw.casefold()
        if key in BUILTIN:
            return BUILTIN[key]
        hint = ""
        if key in NON_CANONICAL or raw in NON_CANONICAL.values():
            hint = (f"; CHEAVD 2.0's {raw!r} has no canonical emotion: list it under \"exclude_labels\" "
                    f"in {CONFIG_FILES[0]} (rows skipped and counted) or map it under \"labels\"")
        known = sorted(set(BUILTIN) | set(user))
        raise LabelError(f"{where}: unknown cheavd label {raw!r} (known: {', '.join(known)}){hint}")

    def _split(self, raw: str, where: str) -> str:
        values = {**SPLIT_VALUES, **{k.casefold(): v for k, v in self.config["split_values"].items()}}
        try:
            return values[raw.casefold()]
        except KeyError:
            raise CorpusError(f"{where}: unknown split {raw!r} (known: {', '.join(values)}; add yours under "
                              f"\"split_values\" in {CONFIG_FILES[0]})") from None

    def _media(self, row: dict, cols: dict, where: str) -> dict[str, Path]:
        media: dict[str, Path] = {}
        main = self._path((row.get(cols["file"]) or "").strip(), where, "file")
        suffix = main.suffix.lower()
        if suffix in VIDEO:
            media = {"audio": main, "visual": main}
        elif suffix in AUDIO:
            media = {"audio": main}
        else:
            raise CorpusError(f"{where}: {main.name}: not a known audio or video file type "
                              f"(audio {' '.join(AUDIO)}; video {' '.join(VIDEO)})")
        if cols["video"] and (row.get(cols["video"]) or "").strip():
            media["visual"] = self._path(row[cols["video"]].strip(), where, "video")
        return media

    def _path(self, value: str, where: str, role: str) -> Path:
        if not value:
            raise CorpusError(f"{where}: empty {role} column")
        path = Path(value.replace("\\", "/"))
        if not path.suffix and self.config["extension"]:
            path = path.with_name(path.name + self.config["extension"])
        full = path if path.is_absolute() else self.root / self.config["media_folder"] / path
        if not full.is_file():
            raise CorpusError(f"{where}: media file {full} not found")
        return full


@hookimpl
def harness_corpora():
    return [Cheavd]
