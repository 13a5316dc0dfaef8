"""EMO-DB — the Berlin Database of Emotional Speech (Burkhardt et al., 2005).

Obtained from http://emodb.bilderbar.info/download/ (now also
http://database.syntheticspeech.de/; free for research; cite Burkhardt,
Paeschke, Rolfes, Sendlmeier & Weiss, "A database of German emotional speech",
Interspeech 2005).  535 utterances, 10 speakers, 16 kHz mono 16-bit, 24.8 min.

Layouts read::

    emodb/wav/03a01Fa.wav ...            download.zip unpacked (it has no top folder: erkennung.txt,
    emodb/erkennung.txt erklaerung.txt   erklaerung.txt, lablaut/ labsilb/ silb/ and wav/ side by side)
    emodb/lablaut/ labsilb/ silb/        annotation folders (not used)
    emodb/emodb/wav/...                  the audformat zip on Zenodo (nkululeko's data/emodb/emodb)
    emodb/download/wav/...               a folder named after download.zip
    berlin-database-of-emotional-speech-emodb/wav/...   Kaggle (piyushagni5)
    emodb/1.4.1/d3b62a9b/wav/...         an audb cache (db.yaml, db.*.csv beside wav/: not used);
                                         the flac flavour holds wav/03a01Fa.flac
    emodb/03a01Fa.wav ...                flat copies (GitHub repositories), no wav/ folder

File names ``SSTTTEV.wav``: speaker ``SS`` (03 08 09 10 11 12 13 14 15 16),
text ``TTT`` (a01 a02 a04 a05 a07 b01 b02 b03 b09 b10), emotion code ``E``
(6th character), version ``V`` (a..f).  Emotion codes (German initials):
W Wut = anger, L Langeweile = boredom, E Ekel = disgust, A Angst = fear,
F Freude = happiness, T Trauer = sadness, N neutral.  Speakers (gender, age):
03 m 31, 08 f 34, 09 f 21, 10 m 32, 11 m 26, 12 m 30, 13 f 32, 14 f 35,
15 m 25, 16 f 31.  Meta: ``gender``, ``age``, ``text`` (the sentence code).
Versions of audb emodb before 1.1.1 had wrong genders; they are never read
from the copy.

The 535 utterances are the ones a listening test of 20 people recognised and
found natural (``erklaerung.txt``: at least 80 % recognition, 60 %
naturalness); ``erkennung.txt`` lists all 816 recordings with both figures,
but its figures do not reproduce the selection (by them 42 of the 535 fall
short of 60 % naturalness and one file that is not distributed passes), so the
adapter carries the list of the 535 validated utterances itself.

Irregularities handled (each counted in the reading report; none fails the corpus):

* audb emodb 2.0.0 adds 281 low-agreement ("ambiguous") recordings under the
  same naming scheme (816 files in ``wav/``, a ``laryngo/`` folder of
  laryngograms beside it).  A copy with more than 535 utterances, a
  ``laryngo/`` folder or an ``ambiguous`` table is read as such: the 535
  validated utterances are read and the others ignored with their count.
* FLAC flavours (``wav/*.flac``) are read like the wavs; a flac beside a wav of
  the same name is ignored.  Upper-case suffixes (``.WAV``) are read.
* Every copy of an utterance found (``wav/`` and a flat copy beside it, a
  name in two cases) is compared byte for byte and kept once, the one in
  ``wav/`` first; a copy with other bytes is skipped.
* A name whose case was changed (``03a01fa.wav``, ``03A01FA.WAV``) is read with
  a note.
* A file whose name is not an EMO-DB name, or has an unknown speaker or
  emotion code, is skipped with the reason; folders inside ``wav/``, other
  files, ``__MACOSX``/``.DS_Store`` and the like are ignored and counted.
* Four files (``14a07Aa`` ``14a07Fd`` ``14a07Na`` ``14a07Wc``) carry a 4 kB
  ``PAD `` chunk before the audio; every file is peak-normalised to full
  scale (loudness carries no information across items).  Both are harmless
  to the decoder.

Official split: none from the authors.  The split used is audb's
"unofficial speaker-independent" one, test speakers 12 14 15 16 (231 files)
and the other six train (304); no development part (the harness draws inner
validation speakers from the training side).
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.corpus import Corpus, Item
from harness.data.labels import LabelMap
from harness.data.reading import entries, same_bytes
from harness.errors import LabelError
from harness.hookspecs import hookimpl

CODES = LabelMap(
    "emodb",
    {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness",
     "T": "sadness", "N": "neutral"},
)
SPEAKERS = ("03", "08", "09", "10", "11", "12", "13", "14", "15", "16")
GENDER = {"03": "male", "08": "female", "09": "female", "10": "male", "11": "male", "12": "male",
          "13": "female", "14": "female", "15": "male", "16": "female"}
AGE = {"03": "31", "08": "34", "09": "21", "10": "32", "11": "26", "12": "30", "13": "32", "14": "35",
       "15": "25", "16": "31"}
TEST_SPEAKERS = ("12", "14", "15", "16")
FILE_NAME = re.compile(r"^(\d\d)([ab]\d\d)([a-z])([a-z])$", re.IGNORECASE)
AUDIO_SUFFIXES = (".wav", ".flac")
ANNOTATION_FOLDERS = ("lablaut", "labsilb", "silb")

#: The 535 validated utterances of the distributed download.zip, as ``SSTTT:EV,EV,...``.
_VALIDATED = """
03a01:Fa,Nc,Wa 03a02:Fc,Nc,Ta,Wb,Wc 03a04:Ad,Fd,Lc,Nc,Ta,Wc 03a05:Aa,Fc,Nd,Tc,Wa,Wb 03a07:Fa,Fb,La,Nc,Wc
03b01:Fa,Lb,Nb,Td,Wa,Wc 03b02:Aa,La,Na,Tb,Wb 03b03:Nb,Tc,Wc 03b09:La,Nc,Tc,Wa 03b10:Ab,Ec,Na,Nc,Wb,Wc
08a01:Ab,Fd,Lc,Na,Wa,Wc 08a02:Ab,Ac,Fe,La,Na,Tb,Wc 08a04:Ff,La,Nc,Tb,Wc 08a05:Fe,Lc,Nb,Ta,Wa
08a07:Fd,La,Na,Ta,Tb,Wc 08b01:Aa,Fd,Fe,Lb,Na,Wa 08b02:Ff,La,Nb,Tc,Wd 08b03:Fe,Lc,Nb,Tc,Wd
08b09:Ab,Fd,Lc,Nb,Tb,Wa,Wc 08b10:Aa,Fd,La,Nc,Tc,Wa 09a01:Ea,Fa,Nb,Wb 09a02:Ea,Eb,La,Wb 09a04:Fd,La,Nb,Wa
09a05:Ed,Lc,Nb,Tb,Wb,Wc 09a07:Eb,Na,Ta,Wb,Wd 09b01:Ea,Na,Wb 09b02:Na,Tb,Wc,Wd 09b03:Ed,Fa,Fd,Lb,Nb,Ta,Wb
09b09:Ea,Nd,Wa 09b10:Aa,Nd,Wa 10a01:Ac,Nb,Wa 10a02:Ab,Fa,Lb,Na,Wa 10a04:Fd,Nb,Wa,Wb 10a05:Aa,Ld,Tb,Wb
10a07:Aa,Ad,La,Ta,Wb 10b01:Aa,Ea,Fa,Lb 10b02:Aa,La,Na,Wb 10b03:La,Tb,Wb 10b09:Ad,Lb,Wb 10b10:Fc,Lc,Wa
11a01:Aa,Ab,Ld,Nd,Wc 11a02:Ec,Fb,Ld,Nc,Tc,Wc 11a04:Ac,Fd,Nd,Wc 11a05:Ad,Fb,Fc,Lc,Na,Td,Wd 11a07:Ac,Ld,Ta,Wc
11b01:Ab,Eb,Fc,Lb,Nc,Wd 11b02:Ab,Fd,Na,Td,Wb 11b03:Fc,Lc,Nb,Td,Wa,Wb 11b09:Ad,Fd,Ld,Na,Td,Wa
11b10:Ad,Ae,Ld,Nc,Td,Wa 12a01:Fb,Lb,Nb,Wc 12a02:Ac,Ec,Nb,Wa,Wc 12a04:Wc 12a05:Ab,Lb,Nd,Ta,Wb 12a07:Ac,La,Wa
12b01:Ta,Wa 12b02:Ad,Ea,Fb,Na,Wa,Wb,Wd 12b03:La,Ta 12b09:Ac,Td,Wc 12b10:Ac,Ld,Wa 13a01:Ac,Ea,Ec,Fd,Lb,Nb,Wb
13a02:Ad,Ec,Fa,Lc,Nc,Ta,Wa 13a04:Ac,Fc,Lb,Ta,Wc 13a05:Aa,Ea,Lc,Nb,Tc,Wa,Wc 13a07:Fd,Lb,Na,Tc,Wb
13b01:Ab,Ec,Fc,Ld,Nc,Wa 13b02:Fb,Lc,Nb,Wa 13b03:Ac,Ed,Fd,Lb,Na,Td,Wc 13b09:Ab,Ec,Fb,Fc,La,Na,Wa
13b10:Ec,Fa,La,Nc,Wa,Wc 14a01:Aa,Ac,Ea,Na,Wa,Wc 14a02:Ab,Ea,Fd,La,Nc,Tb,Wa,Wc 14a04:Aa,Ed,Lb,Tb,Tc,Wb,Wc
14a05:Aa,Ac,Fa,Fb,Lb,Na,Ta,Tc,Wa,Wb 14a07:Aa,Eb,Fd,Lc,Ld,Na,Tc,Wc 14b01:Ac,Eb,Fa,Fc,Na,Wc
14b02:Aa,Fb,Na,Tc,Wb,Wd 14b03:Ad,Ed,Lb,Ta,Wb 14b09:Ac,Ea,Fc,Lb,Td,Wa,Wc 14b10:Ad,Eb,Lb,Nb,Tc,Wc
15a01:Ea,Fb,La,Nb,Wa 15a02:Ac,Ea,La,Na,Ta,Wb,Wd 15a04:Ab,Ac,Fd,Nc,Wa,Wb 15a05:Eb,Fb,Lb,Na,Wa
15a07:Ac,Eb,Fa,Fb,Ld,Nc 15b01:Ec,Lb,Na,Wc 15b02:Aa,Lb,Nd,Tc,Wa,Wc 15b03:Aa,Lc,Nb,Tc,Wa,Wb
15b09:Ac,Fa,La,Nb,Ta,Wb 15b10:Ac,Lc,Nb,Nc,Wa 16a01:Ec,Fc,Lb,Nc,Tb,Wb 16a02:Ea,Ec,Lb,Nb,Tc,Wb
16a04:Ab,Ea,Fa,La,Lc,Nc,Tc,Wb,Wc 16a05:Ab,Ea,Fc,La,Tb,Wb,Wc 16a07:Ea,Fa,Fb,La,Lb,Nb,Td,Wa
16b01:Aa,Eb,Fa,La,Lc,Tb,Wa,Wb 16b02:Aa,Eb,Fd,Lb,Wb 16b03:Ad,Ea,Fa,Fd,La,Nb,Ta,Wb 16b09:Ab,Eb,Fb,La,Lb,Wb
16b10:Aa,Eb,Fb,Lb,Tb,Td,Wa,Wb
"""
VALIDATED = frozenset(f"{key}{rest}" for group in _VALIDATED.split()
                      for key, rests in [group.split(":")] for rest in rests.split(","))


def _name(stem: str) -> tuple[str, str, str, str] | None:
    """``(speaker, text, emotion code, version)`` in canonical case, or None."""
    m = FILE_NAME.match(stem)
    if m is None:
        return None
    speaker, text, code, version = m.groups()
    return speaker, text.lower(), code.upper(), version.lower()


def _flat_files(path: Path) -> list[Path]:
    """EMO-DB-named audio files directly in ``path`` (the flat layout)."""
    try:
        return [p for p in entries(path) if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()
                and (n := _name(p.stem)) is not None and n[0] in SPEAKERS and n[2] in CODES.codes]
    except OSError:
        return []


class EmoDB(Corpus):
    name = "emodb"
    description = "Berlin Database of Emotional Speech: 535 acted German utterances, 10 speakers, 7 emotions"
    folders = ("emodb", "EMO-DB", "emo-db", "EmoDB", "berlin-database-of-emotional-speech-emodb")
    modalities = ("audio",)
    labels = CODES.labels
    splits = ("train", "test")
    layout = "emodb/wav/03a01Fa.wav ... (speaker SS, text TTT, emotion code W L E A F T N, version)"
    layouts = (
        layout,
        "emodb/emodb/wav/03a01Fa.wav or emodb/download/wav/03a01Fa.wav  (audformat zip, folder named after the zip)",
        "berlin-database-of-emotional-speech-emodb/wav/03a01Fa.wav  (Kaggle)",
        "emodb/1.4.1/d3b62a9b/wav/03a01Fa.wav or .../wav/03a01Fa.flac  (audb cache, wav or flac flavour; "
        "2.0.0's 281 unvalidated extras are ignored)",
        "emodb/03a01Fa.wav  (flat copies, no wav/ folder)",
    )
    wrappers = ("emodb", "download", "berlin-database-of-emotional-speech-emodb", "EMO-DB", "EmoDB")
    expected = {"items": 535, "speakers": 10}
    obtain = "http://emodb.bilderbar.info/download/ (free for research, cite Burkhardt et al. 2005)"

    @classmethod
    def is_present(cls, path: Path) -> bool:
        return (path / "wav").is_dir() or bool(_flat_files(path))

    def load(self) -> list[Item]:
        wav_dir = self.root / "wav"
        found: dict[str, list[Path]] = {}  # canonical id -> files
        if wav_dir.is_dir():
            for path in entries(wav_dir):
                self._consider(path, found, where="wav/")
        for path in entries(self.root):
            if path == wav_dir:
                continue
            if path.is_dir():
                name = path.name.lower()
                kind = ("annotation folders not used (lablaut, labsilb, silb)" if name in ANNOTATION_FOLDERS
                        else "laryngograph folders not used (audb 2.0.0 laryngo/)" if name == "laryngo"
                        else "folders beside the recordings")
                self.log.ignore(path, kind)
            elif path.suffix.lower() in AUDIO_SUFFIXES:
                self._consider(path, found, where="the corpus folder")
            elif path.name.startswith("db.") or path.name.lower() in ("erkennung.txt", "erklaerung.txt"):
                self.log.ignore(path, "documentation, listening-test and audformat table files")
            else:
                self.log.ignore(path, "other files beside the recordings")
        found = self._validated_only(found)
        items = []
        for item_id, paths in sorted(found.items()):
            first, *others = self._prefer_wav(paths)  # wav/ before a flat copy beside it
            for other in others:
                self.log.duplicate(first, other, same_bytes(first, other))
            items.append(self._item(item_id, first))
        return items

    def _consider(self, path: Path, found: dict[str, list[Path]], where: str) -> None:
        if path.is_dir():
            self.log.ignore(path, f"folders inside {where}" if where == "wav/" else "folders beside the recordings")
            return
        if path.suffix.lower() not in AUDIO_SUFFIXES:
            self.log.ignore(path, f"non-audio files in {where}")
            return
        if not path.is_file():
            self.log.skip(path, "not a regular file")
            return
        parsed = _name(path.stem)
        if parsed is None:
            self.log.skip(path, "not an EMO-DB file name (expected SSTTTEV.wav, e.g. 03a01Fa.wav)")
            return
        speaker, text, code, version = parsed
        if speaker not in SPEAKERS:
            self.log.skip(path, f"unknown EMO-DB speaker {speaker!r} (known: {' '.join(SPEAKERS)})")
            return
        try:
            CODES(code, path)
        except LabelError as exc:
            self.log.skip(path, str(exc).removeprefix(f"{path}: "))
            return
        found.setdefault(f"{speaker}{text}{code}{version}", []).append(path)

    def _validated_only(self, found: dict[str, list[Path]]) -> dict[str, list[Path]]:
        """An audb 2.0.0-style copy (more than the 535 validated utterances, ``laryngo/``, an
        ``ambiguous`` table): read the validated ones and ignore the others, counted."""
        extra = sorted(set(found) - VALIDATED)
        padded = (len(found) > len(VALIDATED) or any(p.name.lower() == "laryngo" for p in entries(self.root))
                  or any("ambiguous" in p.name for p in self.root.glob("db.*")))
        if not (padded and extra):
            return found
        for item_id in extra:
            for path in found[item_id]:
                self.log.ignore(path, "recordings outside the 535 validated (audb 2.0.0 'ambiguous', "
                                      "low listener agreement)")
        self.notes.append(f"this copy holds {len(found)} utterances: the {len(set(found) & VALIDATED)} validated "
                          f"ones are read, {len(extra)} unvalidated recordings (audb emodb 2.0.0's 'ambiguous' "
                          f"files) are ignored")
        return {k: v for k, v in found.items() if k in VALIDATED}

    def _prefer_wav(self, paths: list[Path]) -> list[Path]:
        """A flac beside a wav of the same name in the same folder is the same recording."""
        wav_parents = {p.parent for p in paths if p.suffix.lower() == ".wav"}
        kept = []
        for p in paths:
            if p.suffix.lower() == ".flac" and p.parent in wav_parents:
                self.log.ignore(p, "FLAC copies beside the WAV files")
            else:
                kept.append(p)
        return kept

    def _item(self, item_id: str, path: Path) -> Item:
        speaker, text, code = item_id[:2], item_id[2:5], item_id[5]
        meta = {"gender": GENDER[speaker], "age": AGE[speaker], "text": text}
        if path.stem != item_id:
            meta["note"] = self.log.infer(path, f"name in another case, read as {item_id}")
        return Item(id=item_id, corpus=self.name, media={"audio": path}, speaker=speaker,
                    label=CODES(code, path), split="test" if speaker in TEST_SPEAKERS else "train", meta=meta)


@hookimpl
def harness_corpora():
    return [EmoDB]
