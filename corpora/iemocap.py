"""IEMOCAP — Interactive Emotional Dyadic Motion Capture database (Busso,
Bulut, Lee, Kazemzadeh, Mower, Kim, Chang, Lee & Narayanan, Language
Resources and Evaluation 42(4), 2008).

Obtained from https://sail.usc.edu/iemocap/ (licence agreement with USC SAIL).
Five sessions, each a dyad of one female and one male actor: 10 speakers,
improvised and scripted dialogs, about 10 000 utterances (about 12 hours).

Layout (as distributed, ``IEMOCAP_full_release/``)::

    Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav   utterances, 16 kHz
    Session1/dialog/EmoEvaluation/Ses01F_impro01.txt                 labels, one file per dialog
    Session1/dialog/avi/DivX/Ses01F_impro01.avi                      video of the whole dialog

Label lines of the EmoEvaluation files (other lines -- headers, the individual
annotators' ``C-E1:``/``A-E1:`` lines -- are not read; the subfolders
Categorical/, Attribute/ and Self-evaluation/ are not read)::

    [6.2901 - 8.2357]<TAB>Ses01F_impro01_F000<TAB>neu<TAB>[2.5000, 2.5000, 2.5000]

i.e. turn start and end (s), utterance, the majority categorical label and
the mean ``[valence, activation, dominance]`` on the annotators' 1..5 scale.
The dimensions are kept on that raw 1..5 scale (``valence``, ``arousal`` =
activation, ``dominance``); nothing is rescaled.

Registered as two corpora:

* ``iemocap``: the full categorical set -- ang anger, hap happiness, exc
  excitement, sad sadness, neu neutral, fru frustration, sur surprise,
  fea fear, dis disgust, oth other.  Utterances labelled ``xxx`` (no majority
  among the annotators) are kept with their dimensions and label None: they
  serve dimensional tasks and are dropped, with counts, from categorical ones.
* ``iemocap-4``: the common four-class setting -- ang anger, hap and exc
  merged into happiness, neu neutral, sad sadness; every other utterance
  (including ``xxx``) is skipped, with counts per code in a note.

Speaker: session and gender of the utterance's speaker, e.g.
``Ses01F_impro01_M003`` -> ``Ses01M`` (the first letter of the last ``_``
field; the dialog prefix ``Ses01F`` names who wore the motion-capture markers,
not who speaks).  Meta: ``session`` (Session1..Session5), ``mode``
(improvised/scripted), ``gender``, ``dialog``, ``start``/``end`` (s).

No official split.  The convention in the literature is leave-one-session-out
(5 folds, each holding out one dyad); ``session`` is in the meta for that,
and is deliberately *not* written as ``split`` (split means an official
train/test partition).  A leave-one-speaker-out protocol over the 10 speakers
is speaker-independent but leaves the held-out speaker's partner in training.

The videos are dialog-level recordings (both actors, the whole dialog), not
per-utterance clips, so they are not attached as item media.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item, examples
from harness.data.labels import LabelMap
from harness.errors import CorpusError
from harness.hookspecs import hookimpl

FULL_CODES = LabelMap(
    "iemocap",
    {"ang": "anger", "hap": "happiness", "exc": "excitement", "sad": "sadness", "neu": "neutral",
     "fru": "frustration", "sur": "surprise", "fea": "fear", "dis": "disgust", "oth": "other"},
)
FOUR_CODES = LabelMap(
    "iemocap-4", {"ang": "anger", "hap": "happiness", "exc": "happiness", "neu": "neutral", "sad": "sadness"},
)
NO_MAJORITY = "xxx"
SESSIONS = tuple(f"Session{i}" for i in range(1, 6))
LABEL_LINE = re.compile(
    r"^\[\s*([\d.]+)\s*-\s*([\d.]+)\s*\]\s+(\S+)\s+(\S+)\s+\[\s*([^,\]]+),\s*([^,\]]+),\s*([^,\]]+)\]\s*$")
UTTERANCE = re.compile(r"^Ses(0[1-5])([FM])_(.+)_([FM])(\d+)$")
LAYOUT = ("IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav with labels in "
          "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt (Session1..Session5)")


class _Iemocap(Corpus):
    folders = ("IEMOCAP_full_release", "IEMOCAP", "iemocap")
    modalities = ("audio",)
    dimensions = ("arousal", "valence", "dominance")
    layout = LAYOUT
    obtain = "https://sail.usc.edu/iemocap/ (licence agreement with USC SAIL, cite Busso et al. 2008)"
    #: keep utterances without a label of this corpus (with their dimensions) instead of skipping them
    _keep_unlabelled = False

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any((path / s / "dialog" / "EmoEvaluation").is_dir() for s in SESSIONS)

    def load(self) -> list[Item]:
        items, skipped = [], Counter()
        labelled: set[Path] = set()
        for session in SESSIONS:
            evaluations = self.root / session / "dialog" / "EmoEvaluation"
            if not evaluations.is_dir():
                self.notes.append(f"{session} not found in {self.root}")
                continue
            for table in sorted(evaluations.glob("*.txt")):
                if table.name.startswith("."):  # AppleDouble ._ files of copies made on macOS
                    continue
                for row in self._rows(table, session):
                    labelled.add(row["wav"])
                    item = self._item(row, skipped)
                    if item is not None:
                        items.append(item)
        self._note_unlabelled(labelled)
        if skipped:
            self.notes.append(f"skipped {sum(skipped.values())} utterance(s) outside the {self.name} classes: "
                              + ", ".join(f"{n} {code}" for code, n in sorted(skipped.items())))
        if any((self.root / s / "dialog" / "avi").is_dir() for s in SESSIONS):
            self.notes.append("dialog-level videos (Session*/dialog/avi) are not attached: they are not per utterance")
        return items

    def _rows(self, table: Path, session: str):
        dialog = table.stem
        for n, line in enumerate(table.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if not line.startswith("["):
                continue
            m = LABEL_LINE.match(line)
            if m is None:
                raise CorpusError(f"{table}, line {n}: not an IEMOCAP label line: {line.strip()!r}")
            start, end, utterance, code, valence, activation, dominance = m.groups()
            u = UTTERANCE.match(utterance)
            if u is None or not utterance.startswith(dialog + "_"):
                raise CorpusError(f"{table}, line {n}: utterance {utterance!r} is not of dialog {dialog}")
            if f"Session{int(u.group(1))}" != session:
                raise CorpusError(f"{table}, line {n}: utterance {utterance} is filed under {session}")
            try:
                dims = {"valence": float(valence), "arousal": float(activation), "dominance": float(dominance)}
            except ValueError:
                raise CorpusError(f"{table}, line {n}: dimensions are not numbers: {line.strip()!r}") from None
            if not all(math.isfinite(v) for v in dims.values()):
                raise CorpusError(f"{table}, line {n}: non-finite dimension in {line.strip()!r}")
            wav = self.root / session / "sentences" / "wav" / dialog / f"{utterance}.wav"
            if not wav.is_file():
                raise CorpusError(f"{table}, line {n}: labelled utterance {utterance} has no audio file {wav}")
            yield {"utterance": utterance, "code": code, "dims": dims, "wav": wav, "session": session,
                   "dialog": dialog, "gender": u.group(4), "source": f"{table}, line {n}",
                   "start": start, "end": end}

    def _label(self, code: str, source: str) -> str | None:
        """The canonical label; None for an utterance to skip (counted by the caller)."""
        raise NotImplementedError

    def _item(self, row: dict, skipped: Counter) -> Item | None:
        code = row["code"]
        if code != NO_MAJORITY and code not in FULL_CODES.codes:
            FULL_CODES(code, row["source"])  # raises LabelError naming the file and line
        label = self._label(code, row["source"])
        if label is None and not self._keep_unlabelled:
            skipped[code] += 1
            return None
        gender = row["gender"]
        return Item(
            id=row["utterance"], corpus=self.name, media={"audio": row["wav"]},
            speaker=f"{row['session'].replace('Session', 'Ses0')}{gender}", label=label, dims=row["dims"],
            meta={"session": row["session"], "mode": "improvised" if "_impro" in row["dialog"] else "scripted",
                  "gender": "female" if gender == "F" else "male", "dialog": row["dialog"],
                  "start": row["start"], "end": row["end"]},
        )

    def _note_unlabelled(self, labelled: set[Path]) -> None:
        unlabelled = []
        for session in SESSIONS:
            wav_root = self.root / session / "sentences" / "wav"
            if wav_root.is_dir():
                unlabelled += [p for p in wav_root.glob("*/*.wav") if not p.name.startswith(".") and p not in labelled]
        if unlabelled:
            names = sorted(p.name for p in unlabelled)
            self.notes.append(f"ignored {len(names)} wav file(s) without a label line in EmoEvaluation: "
                              + examples(names))



class Iemocap(_Iemocap):
    name = "iemocap"
    description = ("IEMOCAP: ~10k dyadic utterances, 10 speakers in 5 sessions, 10 categories + "
                   "valence/arousal/dominance (1..5)")
    labels = FULL_CODES.labels
    _keep_unlabelled = True

    def _label(self, code: str, source: str) -> str | None:
        if code == NO_MAJORITY:
            return None
        return FULL_CODES(code, source)

    def load(self) -> list[Item]:
        items = super().load()
        n = sum(it.label is None for it in items)
        if n:
            self.notes.append(f"{n} utterance(s) labelled xxx (no majority) kept with dimensions only, label None")
        return items


class Iemocap4(_Iemocap):
    name = "iemocap-4"
    description = "IEMOCAP 4-class: anger, happiness (hap+exc), neutral, sadness; 10 speakers in 5 sessions"
    labels = FOUR_CODES.labels

    def _label(self, code: str, source: str) -> str | None:
        return FOUR_CODES.codes.get(code)


@hookimpl
def harness_corpora():
    return [Iemocap, Iemocap4]
