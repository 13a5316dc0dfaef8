"""IEMOCAP — Interactive Emotional Dyadic Motion Capture database (Busso,
Bulut, Lee, Kazemzadeh, Mower, Kim, Chang, Lee & Narayanan, Language
Resources and Evaluation 42(4), 2008).

Obtained from https://sail.usc.edu/iemocap/ (licence agreement with USC SAIL).
Five sessions, each a dyad of one female and one male actor: 10 speakers,
improvised and scripted dialogs, 10 039 labelled utterances (about 12 hours).

Layouts read (the corpus folder is ``IEMOCAP_full_release``, ``IEMOCAP`` --
torchaudio's name -- or ``iemocap``, also Kaggle's spellings
``iemocapfullrelease``/``iemocap-full-release``; found one or two wrapper folders
deeper, e.g. the doubled ``IEMOCAP_full_release/IEMOCAP_full_release/`` of a
twice-unpacked tar or Kaggle's ``iemocapfullrelease/IEMOCAP_full_release/``)::

    IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav   utterances, 16 kHz
    IEMOCAP_full_release/Session1/dialog/EmoEvaluation/Ses01F_impro01.txt   labels, one file per dialog
    IEMOCAP_full_release/Session1/dialog/avi/DivX/Ses01F_impro01.avi        video of the whole dialog

(the release tar, with or without videos).  The pre-converted copies --
SpeechBrain's ``session1/ang/*.wav``, Hugging Face parquet files -- are not
read: they lose the speaker and the five-way labels.

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
  A complete copy: 10 039 utterances.
* ``iemocap-4``: the common four-class setting -- ang anger, hap and exc
  merged into happiness, neu neutral, sad sadness; every other utterance
  (including ``xxx``) is skipped, with counts per code in a note.  A complete
  copy: 5 531 utterances.

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

Irregularities of the distributed copies, and how they are read (each counted
in the reading log that ``harness corpora check`` and every run print):

* utterances numbered irregularly, e.g. ``Ses03F_impro06_FXX0``/``FXX1`` of
  Session 3: read like any other (speaker from the letter, here ``Ses03F``),
  with a note; a name that is no IEMOCAP utterance name is skipped;
* a label line filed in another dialog's or session's EmoEvaluation file: the
  utterance is read from its own name (its wav looked for under both
  dialogs), with a note;
* a labelled utterance whose wav is missing (partial copies): skipped with the
  reason, and counted in a note -- the rest of the corpus is read;
* a malformed label line or an unknown label code: that line is skipped with
  the file, line and reason; dimensions that are not finite numbers are
  dropped from that utterance (kept with its label and a note);
* wavs without a label line are skipped (no label can be known) and counted;
* AppleDouble ``._*`` files of copies made on macOS (beside the wavs, the
  EmoEvaluation files and the videos), ``__MACOSX/``, ``.DS_Store``: ignored
  and counted, as are the folders not read (``Documentation/``, ``dialog/avi``,
  ``MOCAP_*``, ``transcriptions``, ``lab``, ``ForcedAlignment``, the
  EmoEvaluation subfolders).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries, is_junk
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
#: ``Ses01F_impro01_M003``: session, mocap wearer, dialog, speaker's letter, turn (``XX0`` in Session 3)
UTTERANCE = re.compile(r"^Ses(0[1-5])([FM])_(.+)_([FM])(\w+)$")
REGULAR_TURN = re.compile(r"^\d+$")
LAYOUT = ("IEMOCAP_full_release/Session1/sentences/wav/Ses01F_impro01/Ses01F_impro01_F000.wav with labels in "
          "Session1/dialog/EmoEvaluation/Ses01F_impro01.txt (Session1..Session5)")
LAYOUTS = (
    LAYOUT + " -- the USC release tar (with or without videos); IEMOCAP/Session1/... (torchaudio)",
    "IEMOCAP_full_release/IEMOCAP_full_release/Session1/... -- the tar unpacked into a folder of its name",
    "iemocapfullrelease/IEMOCAP_full_release/Session1/... (or iemocap-full-release/, IEMOCAP/) -- Kaggle copies",
)
JUNK = "archiver junk (__MACOSX, .DS_Store, ._*)"
NOT_READ = "folders not read (videos, motion capture, transcriptions, alignments, documentation)"


class _Iemocap(Corpus):
    folders = ("IEMOCAP_full_release", "IEMOCAP", "iemocap")
    modalities = ("audio",)
    dimensions = ("arousal", "valence", "dominance")
    layout = LAYOUT
    layouts = LAYOUTS
    wrappers = ("IEMOCAP_full_release", "IEMOCAP_full_release_withoutVideos", "IEMOCAP", "iemocap",
                "iemocapfullrelease", "iemocap-full-release")
    obtain = "https://sail.usc.edu/iemocap/ (licence agreement with USC SAIL, cite Busso et al. 2008)"
    #: keep utterances without a label of this corpus (with their dimensions) instead of skipping them
    _keep_unlabelled = False

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return any((path / s / "dialog" / "EmoEvaluation").is_dir() for s in SESSIONS)

    def load(self) -> list[Item]:
        items, skipped = [], Counter()
        labelled: set[Path] = set()
        self._without_wav = 0
        for path in entries(self.root):
            if path.name not in SESSIONS:
                self.log.ignore(path, NOT_READ if path.is_dir() else "documents (README.txt, ...)")
        for session in SESSIONS:
            evaluations = self.root / session / "dialog" / "EmoEvaluation"
            if not evaluations.is_dir():
                self.notes.append(f"{session} not found in {self.root}")
                continue
            self._ignore_unread(self.root / session)
            for table in entries(evaluations):
                if table.is_dir() or table.suffix.lower() != ".txt":
                    self.log.ignore(table, "annotation files not read (Categorical/, Attribute/, Self-evaluation/)")
                    continue
                for row in self._rows(table, session):
                    labelled.add(row["wav"])
                    item = self._item(row, skipped)
                    if item is not None:
                        items.append(item)
        self._skip_unlabelled(labelled)
        if self._without_wav:
            self.notes.append(f"skipped {self._without_wav} labelled utterance(s) without a wav file "
                              "(a partial copy?); the reading log names them")
        if skipped:
            self.notes.append(f"skipped {sum(skipped.values())} utterance(s) outside the {self.name} classes: "
                              + ", ".join(f"{n} {code}" for code, n in sorted(skipped.items())))
        if any((self.root / s / "dialog" / "avi").is_dir() for s in SESSIONS):
            self.notes.append("dialog-level videos (Session*/dialog/avi) are not attached: they are not per utterance")
        return items

    def _ignore_unread(self, session: Path) -> None:
        """Count what a session holds beside EmoEvaluation/ and sentences/wav/ (and junk anywhere there)."""
        for part, used in (("dialog", "EmoEvaluation"), ("sentences", "wav")):
            folder = session / part
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if is_junk(path):
                    self.log.ignore(path, JUNK)
                elif path.name != used:
                    self.log.ignore(path, NOT_READ)
        for folder in (session / "dialog" / "EmoEvaluation", session / "sentences" / "wav"):
            if folder.is_dir():
                for path in folder.iterdir():
                    if is_junk(path):
                        self.log.ignore(path, JUNK)
                    elif path.is_dir():
                        for inner in path.iterdir():
                            if is_junk(inner):
                                self.log.ignore(inner, JUNK)

    def _rows(self, table: Path, session: str):
        dialog = table.stem
        for n, line in enumerate(table.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if not line.startswith("["):
                continue
            where = f"{table}, line {n}"
            m = LABEL_LINE.match(line)
            if m is None:
                self.log.skip(where, f"not an IEMOCAP label line: {line.strip()!r}")
                continue
            start, end, utterance, code, valence, activation, dominance = m.groups()
            u = UTTERANCE.match(utterance)
            if u is None:
                self.log.skip(where, f"{utterance!r} is not an IEMOCAP utterance name (e.g. Ses01F_impro01_F000)")
                continue
            own_session, own_dialog = f"Session{int(u.group(1))}", utterance.rsplit("_", 1)[0]
            notes = []
            if not REGULAR_TURN.match(u.group(5)):
                notes.append(f"irregular turn number {u.group(5)!r}; speaker read from its letter {u.group(4)}")
            if (own_session, own_dialog) != (session, dialog):
                notes.append(f"labelled in {session}/dialog/EmoEvaluation/{table.name}, read as of dialog "
                             f"{own_dialog} of {own_session}")
            try:
                dims = {"valence": float(valence), "arousal": float(activation), "dominance": float(dominance)}
                if not all(math.isfinite(v) for v in dims.values()):
                    raise ValueError
            except ValueError:
                dims = {}
                notes.append(f"dimensions {[valence, activation, dominance]} are not finite numbers: dropped")
            candidates = [self.root / s / "sentences" / "wav" / d / f"{utterance}.wav"
                          for s, d in dict.fromkeys(((own_session, own_dialog), (session, dialog)))]
            wav = next((w for w in candidates if w.is_file()), None)
            if wav is None:
                self._without_wav += 1
                self.log.skip(where, f"labelled utterance {utterance} has no audio file {candidates[0]}")
                continue
            yield {"utterance": utterance, "code": code, "dims": dims, "wav": wav, "session": own_session,
                   "dialog": own_dialog, "gender": u.group(4), "source": where,
                   "start": start, "end": end, "notes": notes}

    def _label(self, code: str, source: str) -> str | None:
        """The canonical label; None for an utterance to skip (counted by the caller)."""
        raise NotImplementedError

    def _item(self, row: dict, skipped: Counter) -> Item | None:
        code = row["code"]
        if code != NO_MAJORITY and code not in FULL_CODES.codes:
            known = " ".join((*FULL_CODES.codes, NO_MAJORITY))
            self.log.skip(row["source"], f"unknown iemocap label code {code!r} for {row['utterance']} "
                                         f"(known codes: {known})")
            return None
        label = self._label(code, row["source"])
        if label is None and not self._keep_unlabelled:
            skipped[code] += 1
            return None
        if label is None and not row["dims"]:
            self.log.skip(row["source"], f"{row['utterance']}: no majority label ({code}) and no dimensions")
            return None
        gender = row["gender"]
        meta = {"session": row["session"], "mode": "improvised" if "_impro" in row["dialog"] else "scripted",
                "gender": "female" if gender == "F" else "male", "dialog": row["dialog"],
                "start": row["start"], "end": row["end"]}
        if row["notes"]:
            meta["note"] = self.log.infer(row["wav"], "; ".join(row["notes"]))
        return Item(
            id=row["utterance"], corpus=self.name, media={"audio": row["wav"]},
            speaker=f"{row['session'].replace('Session', 'Ses0')}{gender}", label=label, dims=row["dims"],
            meta=meta,
        )

    def _skip_unlabelled(self, labelled: set[Path]) -> None:
        for session in SESSIONS:
            wav_root = self.root / session / "sentences" / "wav"
            if not wav_root.is_dir():
                continue
            for dialog in entries(wav_root):
                if not dialog.is_dir():
                    self.log.ignore(dialog, "files beside the dialog folders of sentences/wav")
                    continue
                for path in entries(dialog):
                    if path.suffix.lower() != ".wav":
                        self.log.ignore(path, "files that are not wavs (sentences/wav)")
                    elif path not in labelled:
                        self.log.skip(path, "no label line in EmoEvaluation")


class Iemocap(_Iemocap):
    name = "iemocap"
    expected = {"items": 10039, "speakers": 10}
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
    expected = {"items": 5531, "speakers": 10}
    description = "IEMOCAP 4-class: anger, happiness (hap+exc), neutral, sadness; 10 speakers in 5 sessions"
    labels = FOUR_CODES.labels

    def _label(self, code: str, source: str) -> str | None:
        return FOUR_CODES.codes.get(code)


@hookimpl
def harness_corpora():
    return [Iemocap, Iemocap4]
