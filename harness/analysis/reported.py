"""The figures the papers report, shown as reference rows in the leaderboard.

Distilled from the "Headline numbers" of the specification (the papers in
``shared/seeds/``).  These numbers were *reported*, not run here: the papers'
protocols, label sets and data differ in ways the ``note`` names, so the rows
are shown in italics, never bold and never starred.

``metric`` uses the harness's metric names (``war`` = accuracy, ``uar``,
``macro_f1``, ``ccc``); WAR and F1 are stored as fractions (the paper's 36.5 %
is 0.365).  ``protocol`` is the harness protocol the paper's set-up comes
closest to; ``train``/``test`` are the harness corpus names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportedFigure:
    paper: str
    method: str
    protocol: str
    modality: str
    train: tuple[str, ...]
    test: str
    metric: str
    value: float
    variant: str  # what distinguishes this number from the paper's others
    note: str  # the paper's protocol, as far as it differs from the harness's

    @property
    def row_name(self) -> str:
        return f"{self.method} (paper {self.paper}, reported: {self.variant})"

    @property
    def column(self) -> str:
        """The leaderboard column this figure belongs to (see :func:`harness.leaderboard.column_name`)."""
        if self.protocol.startswith(("cross", "multi")):
            return "+".join(self.train) + " → " + self.test
        return self.test


def _f(paper, method, protocol, modality, train, test, metric, value, variant, note) -> ReportedFigure:
    return ReportedFigure(paper, method, protocol, modality, tuple(train), test, metric, value, variant, note)


REPORTED: tuple[ReportedFigure, ...] = (
    _f("000", "jdcd", "speaker-dependent", "audio", ["emodb"], "emodb", "war", 0.67, "from scratch",
       "random 5-fold over utterances (speaker-dependent); the paper's 6 emotions (anger, disgust, fear, "
       "happiness, sadness, surprise -- EMO-DB has no surprise); 100,000 SGD iterations, log-mel segments"),
    _f("000", "jdcd", "speaker-dependent", "audio", ["emodb"], "emodb", "war", 0.89, "fine-tuning chain",
       "random 5-fold; pre-trained on video eNTERFACE, video and audio SAVEE before EMO-DB"),
    _f("000", "jdcd", "speaker-dependent", "audio", ["savee"], "savee", "war", 0.59, "from scratch",
       "random 5-fold over utterances (speaker-dependent); the paper's 6 emotions"),
    _f("000", "jdcd", "speaker-dependent", "audio", ["savee"], "savee", "war", 0.62, "fine-tuning chain",
       "random 5-fold; pre-trained on video eNTERFACE and video SAVEE"),
    _f("001", "pathnet", "loso", "audio", ["emodb"], "emodb", "war", 0.89, "A_EMO, from scratch",
       "leave-one-speaker-out; the paper's 6 emotions (EMO-DB has no surprise)"),
    _f("001", "pathnet", "speaker-dependent", "audio", ["savee"], "savee", "war", 0.81, "A_SAV, from scratch",
       "k-fold cross-validation (random); the paper's 6 emotions"),
    _f("001", "pathnet", "cross", "visual", ["enterface"], "savee", "war", 0.94, "Table 3",
       "visual, labels shared by the two corpora; target data used in PathNet's transfer step"),
    _f("001", "pathnet", "cross", "visual", ["savee"], "enterface", "war", 0.94, "Table 3",
       "visual, labels shared by the two corpora; target data used in PathNet's transfer step"),
    _f("001", "pathnet", "cross", "audio", ["enterface"], "savee", "war", 0.71, "Table 3",
       "audio, labels shared by the two corpora; target data used in the transfer step"),
    _f("001", "pathnet", "cross", "audio", ["enterface"], "savee", "war", 0.85, "Table 6",
       "audio, labels shared by the two corpora; the paper's second set-up"),
    _f("001", "pathnet-transfer", "multi-adapt-loso", "audio", ["enterface", "savee"], "emodb", "war", 0.97,
       "LOSO", "audio, EMO-DB evaluated leave-one-speaker-out with the other EMO-DB speakers in the target stage"),
    _f("002", "centroid", "split", "visual", ["afew"], "afew", "war", 0.384, "λ=1",
       "EmotiW 2017 validation set (train → val)"),
    _f("002", "centroid", "split", "visual", ["afew"], "afew", "war", 0.446, "λ=0",
       "EmotiW 2017 validation set (train → val)"),
    _f("003", "lstm", "split", "audio", ["cheavd"], "cheavd", "war", 0.40, "audio",
       "CHEAVD official 7:1:2 split"),
    _f("003", "lstm", "split", "visual", ["cheavd"], "cheavd", "war", 0.46, "video",
       "CHEAVD official 7:1:2 split"),
    _f("004", "emobed", "split", "audio", ["omg"], "omg", "macro_f1", 0.365, "baseline",
       "OMG-Emotion dev set; the paper's F1 averaging is not stated"),
    _f("004", "emobed", "split", "audio", ["omg"], "omg", "macro_f1", 0.417, "EmoBed",
       "OMG-Emotion dev set; the paper's F1 averaging is not stated"),
    _f("004", "emobed", "split", "visual", ["omg"], "omg", "macro_f1", 0.379, "baseline",
       "OMG-Emotion dev set; the paper's F1 averaging is not stated"),
    _f("004", "emobed", "split", "visual", ["omg"], "omg", "macro_f1", 0.439, "EmoBed",
       "OMG-Emotion dev set; the paper's F1 averaging is not stated"),
    _f("004", "emobed", "split", "audio", ["recola"], "recola", "ccc", 0.605, "baseline, arousal",
       "RECOLA (AVEC 2016) arousal, test partition"),
    _f("004", "emobed", "split", "audio", ["recola"], "recola", "ccc", 0.644, "EmoBed, arousal",
       "RECOLA (AVEC 2016) arousal, test partition"),
)


def reported_for(protocol: str, metric: str, columns: dict[str, set[str]]) -> list[ReportedFigure]:
    """The figures that belong in a table of ``protocol`` showing ``metric``: only for a
    column the table has (``columns``: column -> modalities of its run cells) and in a
    modality that column was run in."""
    return sorted((f for f in REPORTED if f.protocol == protocol and f.metric == metric
                   and f.modality in columns.get(f.column, ())),
                  key=lambda f: (f.paper, f.method, f.variant, f.column))
