"""CHEAVD — the Chinese Natural Emotional Audio-Visual Database (Li, Tao, Chao, Bao & Liu, 2017),
and CHEAVD 2.0, the data of the Multimodal Emotion Recognition Challenge MEC 2017.

Obtained from the Chinese LDC (http://www.chineseldc.org, licence agreement;
research use) or, for CHEAVD 2.0, from the MEC 2017 organisers (CASIA).  Clips
of natural emotional speech cut from Chinese films, TV series and talk shows,
with audio and video (full frames); official train / validation / test
partition of about 7:1:2.

Labels, honestly: CHEAVD (1.0, MEC 2016) annotates 26 non-prototypical states,
with multi-emotion and fake/suppressed labels.  CHEAVD 2.0 (MEC 2017, 527
speakers) labels **eight** classes -- angry, anxious, disgust, happy, neutral,
sad, surprise, worried -- and has **no fear**; the challenge's measure is the
macro-averaged precision over those eight.  The harness's vocabulary has no
*anxious* (焦虑) or *worried* (担心): their rows are **skipped with a count**
by default (the reading log names each row), so the corpus is read as the six
classes anger, disgust, happiness, neutral, sadness, surprise, and results on
it are *not* the MEC 2017 eight-class protocol.  A user who wants them kept
maps them under ``labels`` (e.g. ``{"anxious": "fear"}``), a documented choice
of the user, never the adapter's.  ``fear`` stays in the label set for
CHEAVD 1.0 tables that use it.  Any other label outside the vocabulary (a 1.0
state, a multi-emotion cell such as ``happy,surprise``, a fake/suppressed
marker) is skipped with a count too, never an error.

No single standard file layout exists (releases differ and the label files
are not publicly documented), so the layout read is **configurable** and
these are the defaults::

    cheavd/
      harness-layout.json        optional (or harness-layout.toml): see below
      train.csv val.csv test.csv label tables, one row per clip (also .tsv, or
                                 whitespace-separated .txt lists; val may be
                                 named valid/validation/dev); or one labels.csv
                                 with a split column
      <media>                    the files the tables name, relative to the
                                 corpus folder (or to "media_folder")

The corpus folder is ``cheavd``, ``CHEAVD``, ``CHEAVD2.0``, ``MEC2017``, ...,
also found inside one or two wrapper folders (``cheavd/CHEAVD2.0/``,
``MEC2017/data/``).

Default columns: ``file`` (media path), ``label``, ``speaker`` (optional: absent
-> speaker None), ``split`` (labels.csv only), ``video`` (optional separate video
file).  A table without a header row whose first cell names a media file is
read as ``file, label`` by position (noted).  A media file with a video suffix
(.avi .mp4 .mkv .flv .mov .webm) is the item's audio *and* visual medium; an
audio file (.wav .flac .mp3 .m4a .ogg) is its audio medium (plus ``video``
where given).  Item id = the media path relative to the corpus folder,
without suffix.  Excel sheets are not read: save them as CSV.

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
happy/happiness, sad/sadness, surprise(d), neutral; Chinese 愤怒/生气/气愤,
厌恶/讨厌, 恐惧/害怕, 高兴/快乐/开心/喜悦, 悲伤/伤心/难过, 惊讶/吃惊, 中性/平静
(common terms; the MEC release's own Chinese spellings could not be verified,
add others under ``labels``).

Irregularities, and how they are read (each counted in the reading log that
``harness corpora check`` and every run print; none fails the corpus):

* rows labelled outside the vocabulary (anxious 焦虑/焦急/紧张, worried
  担心/担忧/忧虑, other states, multi-emotion cells): skipped with the table,
  line and reason, counted per label in a note; rows with an empty label
  (withheld test labels) and rows under ``exclude_labels``: counted in a note;
* a row whose media file is missing, of an unknown type or empty, or whose
  split value is unknown: skipped with the table, line and reason;
* a table without the file or label column: not read, noted, the others are;
* a table that is not UTF-8 (when no ``encoding`` is configured): read as
  GB18030 (which covers GBK), noted;
* media files that no table row names (clips of a withheld test set, say) and
  archiver junk: ignored and counted.

Only a corpus without any readable label table, or whose tables name no
existing media file at all, is an error; so is a malformed configuration file
or a table it names that does not exist (the user's own settings).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from harness.corpora._cheavd_config import CONFIG_FILES, DEFAULTS, read_config
from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import is_junk
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

BUILTIN = {
    "angry": "anger", "anger": "anger", "愤怒": "anger", "生气": "anger", "气愤": "anger",
    "disgust": "disgust", "disgusted": "disgust", "厌恶": "disgust", "讨厌": "disgust",
    "fear": "fear", "fearful": "fear", "恐惧": "fear", "害怕": "fear",
    "happy": "happiness", "happiness": "happiness", "高兴": "happiness", "快乐": "happiness", "开心": "happiness",
    "喜悦": "happiness",
    "sad": "sadness", "sadness": "sadness", "悲伤": "sadness", "伤心": "sadness", "难过": "sadness",
    "surprise": "surprise", "surprised": "surprise", "惊讶": "surprise", "吃惊": "surprise",
    "neutral": "neutral", "中性": "neutral", "平静": "neutral",
}
CODES = LabelMap("cheavd", BUILTIN)
#: CHEAVD 2.0 classes without a canonical emotion, and their Chinese spellings
NON_CANONICAL = {"anxious": ("焦虑", "焦急", "紧张"), "worried": ("担心", "担忧", "忧虑")}
#: the name each spelling of a non-canonical class is counted under
NON_CANONICAL_NAMES = {spelling: name for name, spellings in NON_CANONICAL.items()
                       for spelling in (name, *spellings)}
#: what separates the emotions of a multi-emotion cell
MULTI = re.compile(r"[,;/|+、，；&]")
SPLIT_VALUES = {"train": "train", "training": "train", "val": "valid", "valid": "valid",
                "validation": "valid", "dev": "valid", "development": "valid", "test": "test",
                "testing": "test"}
OPTIONAL_COLUMNS = ("speaker", "video")
#: table names tried for each split when the configuration names none
SPLIT_TABLES = {"train": ("train", "training"), "valid": ("val", "valid", "validation", "dev"),
                "test": ("test",)}
TABLE_SUFFIXES = (".csv", ".tsv", ".txt")
VIDEO = (".avi", ".mp4", ".mkv", ".flv", ".mov", ".webm")
AUDIO = (".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg")


class Cheavd(Corpus):
    name = "cheavd"
    description = ("CHEAVD / CHEAVD 2.0 (MEC 2017): natural Chinese emotional clips from films and TV, "
                   "audio-visual, official 7:1:2 train/valid/test split; layout configurable; "
                   "anxious/worried (no canonical emotion) skipped unless mapped")
    folders = ("cheavd", "CHEAVD", "CHEAVD2.0", "CHEAVD_2.0", "cheavd2", "MEC2017")
    modalities = ("audio", "visual")
    labels = CODES.labels
    splits = ("train", "valid", "test")
    layout = ("cheavd/train.csv val.csv test.csv (or labels.csv with a split column; columns file,label"
              "[,speaker]) naming media files under cheavd/; names configurable in cheavd/harness-layout.json")
    layouts = (
        layout,
        "cheavd/train.txt val.txt test.txt (whitespace-separated lists, with or without a header: file label) "
        "-- also .tsv; val may be valid/validation/dev",
        "cheavd/CHEAVD2.0/train.csv ..., MEC2017/data/train.csv ... -- inside a release's wrapper folder",
    )
    wrappers = ("CHEAVD2.0", "CHEAVD_2.0", "CHEAVD", "cheavd", "MEC2017", "MEC_2017", "MEC2016", "MEC_2016", "data")
    face_crops = False
    obtain = ("the Chinese LDC, http://www.chineseldc.org (CHEAVD; licence agreement), or the MEC 2017 "
              "organisers at CASIA (CHEAVD 2.0)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        if any((path / name).is_file() for name in CONFIG_FILES):
            return True
        names = [DEFAULTS["table"], *(f"{n}{s}" for ns in SPLIT_TABLES.values() for n in ns for s in TABLE_SUFFIXES)]
        return any((path / name).is_file() for name in names)

    def load(self) -> list[Item]:
        self.config, self.config_file, self.user_set = read_config(self.root, tuple(CODES.labels))
        self._excluded: Counter = Counter()
        self._outside: Counter = Counter()
        self._unlabelled: Counter = Counter()
        self._no_media = 0
        self._named: set[Path] = set()
        items: list[Item] = []
        tables = self._tables()
        for table, split in tables:
            items += self._read(table, split)
        for label, n in sorted(self._excluded.items()):
            self.notes.append(f"skipped {n} row(s) labelled {label!r} (listed in exclude_labels of "
                              f"{self.config_file.name if self.config_file else 'the configuration'})")
        for label, n in sorted(self._outside.items()):
            why = ("CHEAVD 2.0's class without a canonical emotion; map it under \"labels\" in "
                   f"{CONFIG_FILES[0]} to keep it" if label in NON_CANONICAL else "not in the vocabulary")
            self.notes.append(f"skipped {n} row(s) labelled {label!r} ({why})")
        for table, n in sorted(self._unlabelled.items()):
            self.notes.append(f"skipped {n} row(s) without a label in {table} (labels withheld?)")
        if self._no_media:
            self.notes.append(f"skipped {self._no_media} row(s) whose media file is missing")
            if not items and not self._outside:
                raise CorpusError(f"{self.name}: none of the media files the tables of {self.root} name exists "
                                  f"(e.g. {self.log.skipped[-1][1]}); set \"media_folder\" (and \"extension\") "
                                  f"in {CONFIG_FILES[0]}")
        self._survey()
        return items

    # -- tables ---------------------------------------------------------
    def _tables(self) -> list[tuple[Path, str | None]]:
        config, where = self.config, self.config_file or self.root
        if "tables" in self.user_set:
            tables = [(self.root / name, split) for split, name in config["tables"].items()]
            missing = [str(t) for t, _ in tables if not t.is_file()]
            if missing:
                raise CorpusError(f"{where}: label table(s) named in 'tables' not found: {', '.join(missing)}")
            return tables
        present = []
        for split, name in config["tables"].items():
            stems = dict.fromkeys((Path(name).stem, *SPLIT_TABLES[split]))
            candidates = [self.root / name] + [self.root / f"{stem}{suffix}" for stem in stems
                                               for suffix in TABLE_SUFFIXES]
            found = next((t for t in candidates if t.is_file()), None)
            if found is not None:
                present.append((found, split))
        if present:
            absent = [s for s in config["tables"] if s not in {split for _, split in present}]
            if absent:
                self.notes.append(f"no {' '.join(config['tables'][s] for s in absent)} in {self.root}: "
                                  "those splits are empty")
            return present
        single = self.root / config["table"]
        if not single.is_file():
            names = ", ".join([*config["tables"].values(), config["table"]])
            raise CorpusError(f"{self.root}: no label table found (looked for {names}, also .tsv and .txt); "
                              f"name yours in {CONFIG_FILES[0]}. Expected layout: {self.layout}")
        return [(single, None)]

    def _text(self, table: Path) -> str:
        config = self.config
        try:
            return table.read_text(encoding=config["encoding"])
        except UnicodeDecodeError as exc:
            if "encoding" in self.user_set:
                raise CorpusError(f"{table}: not readable as {config['encoding']} ({exc}); set \"encoding\" "
                                  f"(e.g. \"gbk\" or \"gb18030\") in {CONFIG_FILES[0]}") from None
            try:
                text = table.read_text(encoding="gb18030")
            except UnicodeDecodeError:
                raise CorpusError(f"{table}: not readable as {config['encoding']} nor as GB18030 ({exc}); set "
                                  f"\"encoding\" in {CONFIG_FILES[0]}") from None
            self.notes.append(f"{table.name}: not UTF-8; read as GB18030 (set \"encoding\" in {CONFIG_FILES[0]} "
                              "to choose)")
            return text
        except LookupError:
            raise CorpusError(f"{self.config_file}: unknown encoding {config['encoding']!r}") from None

    def _rows(self, table: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
        """The header and the (line, row) of a table; a table without a header is given one by position."""
        text = self._text(table)
        lines = text.splitlines()
        if table.suffix.lower() == ".txt" and "delimiter" not in self.user_set:
            rows = [(n, line.split()) for n, line in enumerate(lines, start=1) if line.strip()]
        else:
            delimiter = "\t" if table.suffix.lower() == ".tsv" and "delimiter" not in self.user_set \
                else self.config["delimiter"]
            try:
                reader = csv.reader(lines, delimiter=delimiter)
                rows = [(reader.line_num, row) for row in reader if any(v.strip() for v in row)]
            except csv.Error as exc:
                self.notes.append(f"not read: {table.name} (not a readable table: {exc})")
                return [], []
        if not rows:
            return [], []
        header = [h.strip() for h in rows[0][1]]
        first = rows[0][1][0].strip() if rows[0][1] else ""
        file_column = self.config["columns"]["file"]
        if file_column not in header and "columns.file" not in self.user_set and self._names_media(first):
            header = [self.config["columns"]["file"], self.config["columns"]["label"]][:len(rows[0][1])]
            header += [f"column {k + 1}" for k in range(len(header), len(rows[0][1]))]
            self.notes.append(f"{table.name}: no header row; read as {file_column}, "
                              f"{self.config['columns']['label']} by position")
            body = rows
        else:
            body = rows[1:]
        out = []
        for line, values in body:
            out.append((line, {h: (values[k] if k < len(values) else "") for k, h in enumerate(header)}))
        return header, out

    def _names_media(self, value: str) -> bool:
        suffix = Path(value).suffix.lower()
        return suffix in VIDEO or suffix in AUDIO or (bool(value) and self._resolve(value).is_file())

    def _column(self, role: str, header: list[str], table: Path, required: bool) -> str | None:
        name = self.config["columns"].get(role)
        if name is None:
            return None
        if name in header:
            return name
        if f"columns.{role}" in self.user_set:
            raise CorpusError(f"{table}: no {role} column {name!r} (set in {self.config_file}); columns present: "
                              f"{', '.join(repr(h) for h in header) or 'none'}")
        if required:
            self.notes.append(f"not read: {table.name} (no {role} column {name!r}; columns present: "
                              f"{', '.join(repr(h) for h in header) or 'none'}; name the columns under "
                              f"\"columns\" in {CONFIG_FILES[0]})")
            raise _Unreadable
        return None

    def _read(self, table: Path, split: str | None) -> list[Item]:
        header, rows = self._rows(table)
        if not header:
            self.notes.append(f"{table.name}: empty table")
            return []
        try:
            cols = {role: self._column(role, header, table, required=role not in OPTIONAL_COLUMNS)
                    for role in ("file", "label", *OPTIONAL_COLUMNS)}
            if split is None:
                cols["split"] = self._column("split", header, table, required=True)
        except _Unreadable:
            return []
        items = []
        excluded = {str(x).casefold() for x in self.config["exclude_labels"]}
        for line, row in rows:
            where = f"{table}, line {line}"
            for role in ("file", "video"):  # named, whether the row is read or not (see _survey)
                if cols[role] and (row.get(cols[role]) or "").strip():
                    self._named.add(self._resolve(row[cols[role]].strip()))
            raw = (row.get(cols["label"]) or "").strip()
            if not raw:
                self._unlabelled[table.name] += 1
                continue
            if raw.casefold() in excluded:
                self._excluded[raw] += 1
                continue
            label = self._label(raw, where)
            if label is None:
                continue
            media = self._media(row, cols, where)
            if media is None:
                continue
            row_split = split
            if row_split is None:
                row_split = self._split((row.get(cols["split"]) or "").strip(), where)
                if row_split is None:
                    continue
            audio = media.get("audio") or media["visual"]
            rel = audio.relative_to(self.root) if audio.is_relative_to(self.root) else Path(audio.name)
            speaker = (row.get(cols["speaker"]) or "").strip() if cols["speaker"] else ""
            items.append(Item(
                id=rel.with_suffix("").as_posix(), corpus=self.name, media=media,
                speaker=speaker or None, label=label, split=row_split,
            ))
        return items

    def _label(self, raw: str, where: str) -> str | None:
        """The canonical label; None (skipped, counted) for a label outside the vocabulary."""
        user = self.config["labels"]
        if raw in user:
            return user[raw]
        folded = {k.casefold(): v for k, v in user.items()}
        if raw.casefold() in folded:
            return folded[raw.casefold()]
        key = raw.casefold()
        if key in BUILTIN:
            return BUILTIN[key]
        name = NON_CANONICAL_NAMES.get(key) or NON_CANONICAL_NAMES.get(raw)
        if name is not None:
            self._outside[name] += 1
            self.log.skip(where, f"label {raw!r} ({name}, a CHEAVD 2.0 class) has no canonical emotion; map it "
                                 f"under \"labels\" or list it under \"exclude_labels\" in {CONFIG_FILES[0]}")
        elif len([p for p in MULTI.split(raw) if p.strip()]) > 1:
            self._outside["multi-emotion"] += 1
            self.log.skip(where, f"multi-emotion label {raw!r}: the item cannot have one label")
        else:
            self._outside[raw] += 1
            known = sorted(set(BUILTIN) | set(user))
            self.log.skip(where, f"unknown cheavd label {raw!r} (known: {', '.join(known)}; add it under "
                                 f"\"labels\" in {CONFIG_FILES[0]})")
        return None

    def _split(self, raw: str, where: str) -> str | None:
        values = {**SPLIT_VALUES, **{k.casefold(): v for k, v in self.config["split_values"].items()}}
        split = values.get(raw.casefold())
        if split is None:
            self.log.skip(where, f"unknown split {raw!r} (known: {', '.join(values)}; add yours under "
                                 f"\"split_values\" in {CONFIG_FILES[0]})")
        return split

    def _media(self, row: dict, cols: dict, where: str) -> dict[str, Path] | None:
        main = self._path((row.get(cols["file"]) or "").strip(), where, "file")
        if main is None:
            return None
        suffix = main.suffix.lower()
        if suffix in VIDEO:
            media = {"audio": main, "visual": main}
        elif suffix in AUDIO:
            media = {"audio": main}
        else:
            self.log.skip(where, f"{main.name}: not a known audio or video file type "
                                 f"(audio {' '.join(AUDIO)}; video {' '.join(VIDEO)})")
            return None
        if cols["video"] and (row.get(cols["video"]) or "").strip():
            video = self._path(row[cols["video"]].strip(), where, "video")
            if video is not None:
                media["visual"] = video
        return media

    def _resolve(self, value: str) -> Path:
        path = Path(value.replace("\\", "/"))
        if not path.suffix and self.config["extension"]:
            path = path.with_name(path.name + self.config["extension"])
        return path if path.is_absolute() else self.root / self.config["media_folder"] / path

    def _path(self, value: str, where: str, role: str) -> Path | None:
        if not value:
            self.log.skip(where, f"empty {role} column")
            return None
        full = self._resolve(value)
        if not full.is_file():
            self._no_media += 1
            self.log.skip(where, f"media file {full} not found")
            return None
        return full

    def _survey(self) -> None:
        """Count the media files no table row names, and archiver junk."""
        for path in sorted(self.root.rglob("*")):
            if any(is_junk(Path(part)) for part in path.relative_to(self.root).parts):
                if is_junk(path):
                    self.log.ignore(path, "archiver junk (__MACOSX, .DS_Store, ._*)")
                continue
            if path.is_file() and path.suffix.lower() in (*VIDEO, *AUDIO) and path not in self._named:
                self.log.ignore(path, "media files no table row names")


class _Unreadable(Exception):
    """A label table without a required column: not read (noted)."""


@hookimpl
def harness_corpora():
    return [Cheavd]
