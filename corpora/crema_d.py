"""CREMA-D — Crowd-sourced Emotional Multimodal Actors Dataset (Cao, Cooper,
Keutmann, Gur, Nenkova & Verma, IEEE Trans. Affective Computing 5(4), 2014).

Obtained from https://github.com/CheyneyComputerScience/CREMA-D (Open Database
License; the media are git-lfs objects: clone with git-lfs, otherwise the
"files" are small text pointers, see below).  91 actors (1001..1091; 48 male,
43 female), 12 sentences, 6 emotions, 7442 clips.

Layouts read (the corpus folder is ``crema-d``, ``CREMA-D``, ``cremad``, ...,
also found inside the wrappers ``CREMA-D-master/``, ``data/``, ``archive/``)::

    CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav    the release (git clone + git-lfs, GitLab mirror):
    CREMA-D/VideoFlash/1001_DFA_ANG_XX.flv  16 kHz mono wavs and the clips shown to the raters;
    CREMA-D/AudioMP3/ ...                   rater copies of the audio (not read)
    CREMA-D/VideoDemographics.csv           ActorID, Age, Sex, Race, Ethnicity (optional)
    CREMA-D-master/AudioWAV/...             GitHub's "Download ZIP": git-lfs pointers (skipped)
    cremad/AudioWAV/1001_DFA_ANG_XX.wav     Kaggle ejlok1/cremad (wavs only; AudioWAV/AudioWAV/ too)
    crema-d/data/AudioWAV/1001_DFA_ANG_XX.wav   Hugging Face myleslinder/crema-d
    crema-d/1001/1001_DFA_ANG_XX.wav        audb crema-d (one folder per actor)
    crema-d/1001_DFA_ANG_XX.wav             a flat folder of clips (other mirrors)

File names ``AAAA_SSS_EEE_LL``: actor ``AAAA``; sentence ``SSS`` (IEO TIE IOM
IWW TAI MTI IWL ITH DFA ITS TSI WSI); intended emotion ``EEE`` (ANG anger,
DIS disgust, FEA fear, HAP happiness, NEU neutral, SAD sadness); level ``LL``
(LO low, MD medium, HI high, XX unspecified; only sentence IEO has levels).
The label is the *intended* (acted) emotion, not the crowd vote of
``processedResults/``.

One item per clip, with ``audio`` (the wav) and ``visual`` (the flv, full
frames: faces are detected) where present; a clip with only one of the two
still is an item (counted in a note).  Speaker = actor.  Meta: ``sentence``,
``level``, and ``gender`` when VideoDemographics.csv is present.  No official
split; the convention is speaker-independent k-fold over actors.

Irregularities of the distributed copies, and how they are read (each is
counted in the reading log that ``harness corpora check`` and every run print):

* GitHub's "Download ZIP" (and a clone without git-lfs) holds ~130-byte text
  pointers (``version https://git-lfs.github.com/spec/v1``) instead of the
  media: each is skipped with that reason; a copy holding nothing else is an
  error that says to clone with git-lfs;
* older copies (Kaggle's among them) name one file ``1040_ITH_SAD_X.wav``
  (level ``X``; upstream issue #6, renamed ``XX`` in 2022): kept as
  ``1040_ITH_SAD_XX`` with a note; so are names in lower case and names with a
  copy suffix (``1001_DFA_ANG_XX (1).wav``), read as the clip they name; a
  second file of one clip is counted, the regularly named file kept (an
  identical copy is ignored, one with other bytes skipped); an unknown
  sentence or level code is kept as written, with a note;
* a name that is no CREMA-D clip name, an unknown emotion code or an actor
  outside 1001..1091 cannot be labelled: skipped with the reason;
* other files and folders (``AudioMP3/``, ``processedResults/``, CSV tables,
  R scripts, readme, archiver junk such as ``__MACOSX/`` and ``._*``) are
  ignored and counted; a malformed VideoDemographics.csv row only loses that
  actor's gender (noted);
* known problem clips are kept (the adapter reads names, it does not judge
  content; unusable audio is reported by feature extraction, or skipped with
  counts under --skip-unreadable) and carry ``meta["note"]``:
  ``1076_MTI_SAD_XX`` has no audio and its video shows a text card, no face;
  ``1076_MTI_NEU_XX`` audio is reported unplayable; ``1064_TIE_SAD_XX`` to
  have no duration; ``1064_IEO_DIS_MD`` is a one-minute recording holding
  several emotions (label unreliable); ``1047_IEO_FEA_LO`` and
  ``1047_IEO_SAD_LO`` videos have black frames; ``1056_IEO_ANG_HI`` is
  listed as faulty by third parties (unverified);
* ``1006_TIE_NEU_XX``, ``1013_WSI_DIS_XX`` and ``1017_IWW_FEA_XX`` have no wav
  in the GitHub AudioWAV/ (TFDS's "bad files"; 7438 wavs): where their video
  exists they are video-only items, counted in the note on clips without audio.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk, same_bytes
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "crema-d",
    {"ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happiness", "NEU": "neutral", "SAD": "sadness"},
)
SENTENCES = ("IEO", "TIE", "IOM", "IWW", "TAI", "MTI", "IWL", "ITH", "DFA", "ITS", "TSI", "WSI")
LEVELS = {"LO": "low", "MD": "medium", "HI": "high", "XX": "unspecified"}
#: a clip name, possibly with a copy suffix (`` (1)``, ``_copy``, ``-2``) that does not start with a letter
FILE_NAME = re.compile(r"^(\d{4})_([A-Za-z]{3})_([A-Za-z]{3})_([A-Za-z]{1,2})([^A-Za-z].*)?$")
ACTOR_FOLDER = re.compile(r"^10\d\d$")
KNOWN_PROBLEMS = {
    "1076_MTI_SAD_XX": "reported without audio (wav silent), its video a text card without a face",
    "1076_MTI_NEU_XX": "audio reported unplayable, its video without sound",
    "1064_TIE_SAD_XX": "reported to have no duration",
    "1064_IEO_DIS_MD": "reported to be one minute long, holding several emotions (label unreliable)",
    "1047_IEO_FEA_LO": "video reported to have black frames",
    "1047_IEO_SAD_LO": "video reported to have black frames",
    "1056_IEO_ANG_HI": "listed as faulty by third parties (unverified)",
}
#: clips whose wav is missing from the GitHub AudioWAV/ (TFDS's bad_files)
WAV_MISSING_UPSTREAM = ("1006_TIE_NEU_XX", "1013_WSI_DIS_XX", "1017_IWW_FEA_XX")
MEDIA = (("audio", "AudioWAV", ".wav"), ("visual", "VideoFlash", ".flv"))
SUFFIXES = {suffix: modality for modality, _, suffix in MEDIA}
#: folders of the release that are not read
UNUSED_FOLDERS = ("AudioMP3", "processedResults")
LFS_POINTER = b"version https://git-lfs"


def _child(folder: Path, name: str) -> Path | None:
    """``folder/name``, compared without case; None when absent."""
    exact = folder / name
    if exact.is_dir():
        return exact
    try:
        return next((p for p in entries(folder) if p.is_dir() and p.name.lower() == name.lower()), None)
    except OSError:
        return None


def _is_lfs_pointer(path: Path) -> bool:
    """A git-lfs pointer text file in place of the media (GitHub's "Download ZIP")."""
    try:
        if path.stat().st_size > 1024:
            return False
        with open(path, "rb") as f:
            return f.read(len(LFS_POINTER)) == LFS_POINTER
    except OSError:
        return False


def _looks_like_clip(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES and FILE_NAME.match(path.stem) is not None


class CremaD(Corpus):
    name = "crema-d"
    description = "CREMA-D: 7442 acted clips, 91 actors, 12 sentences, 6 emotions, audio + video"
    folders = ("crema-d", "CREMA-D", "cremad", "CREMAD", "Crema-D", "crema-d-mirror")
    modalities = ("audio", "visual")
    labels = CODES.labels
    layout = ("CREMA-D/AudioWAV/1001_DFA_ANG_XX.wav and/or CREMA-D/VideoFlash/1001_DFA_ANG_XX.flv "
              "(actor_sentence_emotion_level; emotions ANG DIS FEA HAP NEU SAD)")
    layouts = (
        layout + " -- the release (git clone with git-lfs, GitLab mirror)",
        "CREMA-D-master/AudioWAV/1001_DFA_ANG_XX.wav -- GitHub's Download ZIP (git-lfs pointers, skipped)",
        "cremad/AudioWAV/1001_DFA_ANG_XX.wav (or AudioWAV/AudioWAV/) -- Kaggle ejlok1/cremad",
        "crema-d/data/AudioWAV/1001_DFA_ANG_XX.wav -- Hugging Face myleslinder/crema-d",
        "crema-d/1001/1001_DFA_ANG_XX.wav -- audb crema-d (one folder per actor)",
        "crema-d/1001_DFA_ANG_XX.wav -- a flat folder of clips",
    )
    wrappers = ("CREMA-D-master", "CREMA-D-main", "crema-d-mirror", "crema-d-mirror-master",
                "crema-d-mirror-main", "data", "archive", "CREMA_D", "CREMA-D", "cremad")
    expected = {"items": 7442, "speakers": 91}
    face_crops = False
    obtain = "https://github.com/CheyneyComputerScience/CREMA-D (git-lfs; Open Database License, cite Cao et al. 2014)"

    # -- locating -------------------------------------------------------
    @classmethod
    def is_present(cls, path: Path) -> bool:
        return cls._layout_of(path) is not None

    @classmethod
    def _layout_of(cls, path: Path) -> str | None:
        """``release`` (AudioWAV/, VideoFlash/), ``actors`` (audb's 1001/...) or ``flat``; None: not CREMA-D."""
        if any(_child(path, folder) is not None for _, folder, _ in MEDIA):
            return "release"
        try:
            children = entries(path)
        except OSError:
            return None
        for child in children:
            if child.is_dir() and ACTOR_FOLDER.match(child.name):
                try:
                    if any(_looks_like_clip(p) for p in child.iterdir()):
                        return "actors"
                except OSError:
                    continue
        if any(p.is_file() and _looks_like_clip(p) for p in children):
            return "flat"
        return None

    # -- reading --------------------------------------------------------
    def load(self) -> list[Item]:
        found: dict[tuple[str, str], list[tuple[Path, str | None]]] = {}  # (clip, modality) -> files
        self._lfs = 0
        layout = self._layout_of(self.root)
        if layout == "release":
            used = set()
            for modality, folder_name, suffix in MEDIA:
                folder = _child(self.root, folder_name)
                if folder is None:
                    self.notes.append(f"no {folder_name}/ folder in {self.root}: no {modality} media")
                    continue
                used.add(folder.name)
                inner = _child(folder, folder_name)
                if inner is not None and not any(p.suffix.lower() == suffix for p in folder.iterdir()):
                    self.notes.append(f"{folder_name}/ read from {inner} (the folder nested once more)")
                    folder = inner
                for path in entries(folder):
                    self._read_file(path, {suffix: modality}, found)
                self._ignore_junk(folder)
            self._ignore_rest(self.root, used)
        elif layout == "actors":
            used = set()
            for folder in entries(self.root):
                if folder.is_dir() and ACTOR_FOLDER.match(folder.name):
                    used.add(folder.name)
                    for path in entries(folder):
                        self._read_file(path, SUFFIXES, found)
                    self._ignore_junk(folder)
            self._ignore_rest(self.root, used)
        else:
            for path in entries(self.root):
                if path.is_file() and _looks_like_clip(path):
                    self._read_file(path, SUFFIXES, found)
                else:
                    self.log.ignore(path, "files and folders that are not CREMA-D clips")
            self._ignore_junk(self.root)
        if self._lfs:
            self.notes.append(
                f"{self._lfs} git-lfs pointer file(s) skipped instead of media: GitHub's Download ZIP holds "
                "pointers only; clone with git-lfs (git lfs install; git clone "
                "https://github.com/CheyneyComputerScience/CREMA-D) or take a mirror")
            if not found:
                raise CorpusError(
                    f"{self.name}: every media file in {self.root} is a git-lfs pointer ({self._lfs} files, "
                    "~130 bytes of text each), not audio or video: this is GitHub's Download ZIP (or a clone "
                    "without git-lfs). Clone with git-lfs: git lfs install; git clone "
                    "https://github.com/CheyneyComputerScience/CREMA-D")
        return self._items_of(found)

    def _read_file(self, path: Path, suffixes: dict[str, str], found: dict) -> None:
        if path.is_dir():
            self.log.ignore(path, "folders inside a media folder")
            return
        modality = suffixes.get(path.suffix.lower())
        if modality is None:
            self.log.ignore(path, "files that are not CREMA-D clips")
            return
        if _is_lfs_pointer(path):
            self._lfs += 1
            self.log.skip(path, "a git-lfs pointer (text), not the media: clone the repository with git-lfs")
            return
        parsed = self._clip_id(path)
        if parsed is not None:
            clip, note = parsed
            found.setdefault((clip, modality), []).append((path, note))

    def _clip_id(self, path: Path) -> tuple[str, str | None] | None:
        """The clip a file holds and a note on what was inferred; None (skipped) when it cannot be labelled."""
        m = FILE_NAME.match(path.stem)
        if m is None:
            self.log.skip(path, f"not a CREMA-D clip name (expected e.g. 1001_DFA_ANG_XX{path.suffix})")
            return None
        actor, sentence, emotion, level = (g.upper() for g in m.groups()[:4])
        if not 1001 <= int(actor) <= 1091:
            self.log.skip(path, f"actor {actor} outside CREMA-D's 1001..1091")
            return None
        if emotion not in CODES.codes:
            self.log.skip(path, f"unknown CREMA-D emotion code {emotion!r} (known: {' '.join(CODES.codes)})")
            return None
        notes = []
        if sentence not in SENTENCES:
            notes.append(f"unknown sentence code {sentence!r} kept as written")
        if level == "X":
            notes.append("level 'X' read as 'XX' (a misnamed file of older copies, upstream issue #6)")
            level = "XX"
        elif level not in LEVELS:
            notes.append(f"unknown level code {level!r} kept as written (read as unspecified)")
        clip = f"{actor}_{sentence}_{emotion}_{level}"
        if not notes and path.stem != clip:
            notes.append(f"read as {clip}")
        return clip, (self.log.infer(path, "; ".join(notes)) if notes else None)

    def _items_of(self, found: dict) -> list[Item]:
        clips: dict[str, dict[str, list[tuple[Path, str | None]]]] = {}
        for (clip, modality), files in found.items():
            # the regularly named file first, so that it is the one a clip's item holds
            clips.setdefault(clip, {})[modality] = sorted(files, key=lambda f: (f[1] is not None, str(f[0])))
        genders = self._genders()
        items, counts = [], Counter()
        present_folders = {modality for (_, modality) in found}
        for clip, media in sorted(clips.items()):
            actor, sentence, emotion, level = clip.split("_")
            for modality, folder, _ in MEDIA:
                if modality not in media and modality in present_folders:
                    counts[f"without {modality} ({folder}/ lacks it)"] += 1
            meta = {"sentence": sentence, "level": LEVELS.get(level, "unspecified")}
            if actor in genders:
                meta["gender"] = genders[actor]
            notes = [n for files in media.values() for _, n in files[:1] if n]
            if clip in KNOWN_PROBLEMS:
                notes.append(f"known problem: {KNOWN_PROBLEMS[clip]}")
            first = {m: files[0][0] for m, files in media.items()}
            label = CODES(emotion, next(iter(first.values())))
            items.append(Item(id=clip, corpus=self.name, media=first, speaker=actor, label=label,
                              meta={**meta, "note": "; ".join(dict.fromkeys(notes))} if notes else meta))
            for modality, files in media.items():  # further copies: kept once (identical) or skipped
                for path, _ in files[1:]:
                    self.log.duplicate(first[modality], path, same_bytes(first[modality], path))
        for what, n in sorted(counts.items()):
            self.notes.append(f"{n} clip(s) {what}")
        present = [f"{clip} ({why})" for clip, why in KNOWN_PROBLEMS.items() if clip in clips]
        if present:
            self.notes.append("known problem clips present (kept; extraction reports unusable audio): "
                              + "; ".join(present))
        if "audio" in present_folders:
            missing = [c for c in WAV_MISSING_UPSTREAM if c in clips and "audio" not in clips[c]]
            if missing:
                self.notes.append(f"{', '.join(missing)}: no wav in this copy (missing from the GitHub "
                                  "AudioWAV/ too; video only where VideoFlash/ has them)")
        return items

    def _ignore_junk(self, folder: Path) -> None:
        try:
            for path in folder.iterdir():
                if is_junk(path):
                    self.log.ignore(path, "archiver junk (__MACOSX, .DS_Store, ._*)")
        except OSError:
            pass

    def _ignore_rest(self, root: Path, used: set[str]) -> None:
        """Count what the corpus folder holds beside the media folders read."""
        for path in entries(root):
            if path.name in used:
                continue
            if path.is_dir():
                kind = ("folders not read (AudioMP3/, processedResults/)"
                        if path.name in UNUSED_FOLDERS else "other folders")
                self.log.ignore(path, kind)
            elif path.name != "VideoDemographics.csv":
                self.log.ignore(path, "tables, scripts and documents (CSV, R, readme)")
        self._ignore_junk(root)
        if _child(root, "AudioMP3") is not None:
            self.notes.append("AudioMP3/ not read (the rater copies; AudioWAV is used for audio)")

    def _genders(self) -> dict[str, str]:
        table = self.root / "VideoDemographics.csv"
        if not table.is_file():
            return {}
        try:
            with open(table, newline="", encoding="utf-8-sig") as f:
                rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            self.notes.append(f"{table}: not read ({err}); no gender in meta")
            return {}
        if rows and not {"ActorID", "Sex"} <= set(rows[0]):
            self.notes.append(f"{table}: no columns ActorID and Sex (found {sorted(rows[0])}); no gender in meta")
            return {}
        genders, bad = {}, []
        for n, row in enumerate(rows, start=2):
            sex = (row["Sex"] or "").strip().lower()
            if sex not in ("male", "female"):
                bad.append(f"line {n}: Sex {row['Sex']!r}")
                continue
            genders[(row["ActorID"] or "").strip()] = sex
        if bad:
            self.notes.append(f"{table}: {len(bad)} row(s) with a Sex neither Male nor Female, their actors "
                              f"without gender: {examples(bad)}")
        return genders


@hookimpl
def harness_corpora():
    return [CremaD]
