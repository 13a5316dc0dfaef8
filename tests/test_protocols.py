"""Protocols: speaker-disjointness of every split, inner validation, seeds, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.data.corpus import Item
from harness.errors import ProtocolError
from harness.experiment.protocols import (
    CrossCorpus,
    Fold,
    LeaveOneSpeakerOut,
    OfficialSplit,
    SpeakerDisjointKFold,
    check_fold,
    inner_validation,
)

LABELS = ("anger", "happiness", "neutral", "sadness")


def corpus(name: str, n_speakers: int, per_label: int = 3, speakers_known: bool = True,
           split=None) -> list[Item]:
    items = []
    for s in range(n_speakers):
        for lab in LABELS:
            for r in range(per_label):
                items.append(Item(id=f"s{s}_{lab}_{r}", corpus=name, media={"audio": Path("x.wav")},
                                  speaker=f"s{s}" if speakers_known else None, label=lab,
                                  split=split(s) if split else None))
    return items


def assert_speaker_disjoint(folds: list[Fold], items: list[Item]):
    by_key = {it.key: it for it in items}
    for fold in folds:
        check_fold(fold, by_key)
        parts = [fold.train, fold.valid, fold.test]
        spk = [{by_key[k].speaker_key for k in p} for p in parts]
        assert not (spk[0] & spk[1]) and not (spk[0] & spk[2]) and not (spk[1] & spk[2])
        assert fold.valid_grouping == "speaker"


def test_kfold_is_speaker_disjoint_and_covers_every_item_once():
    items = corpus("c", 10)
    folds = SpeakerDisjointKFold(5).folds({"c": items}, split_seed=0)
    assert len(folds) == 5
    assert_speaker_disjoint(folds, items)
    tested = [k for f in folds for k in f.test]
    assert sorted(tested) == sorted(it.key for it in items)


def test_kfold_depends_on_split_seed_only():
    items = corpus("c", 10)
    a = SpeakerDisjointKFold(5).folds({"c": items}, split_seed=0)
    b = SpeakerDisjointKFold(5).folds({"c": items}, split_seed=0)
    c = SpeakerDisjointKFold(5).folds({"c": items}, split_seed=1)
    assert a == b and a != c


def test_kfold_with_fewer_speakers_than_folds_uses_one_fold_per_speaker_and_says_so():
    items = corpus("c", 4)
    protocol = SpeakerDisjointKFold(5)
    folds = protocol.folds({"c": items}, 0)
    assert len(folds) == 4 and protocol.notes == ["c: 4 speakers: 4 speaker-disjoint folds instead of 5"]
    assert_speaker_disjoint(folds, items)


def test_two_speakers_test_on_the_other_speaker_and_validate_on_items():
    """The rule for a 2-speaker corpus (TESS): speaker-independent test, item-level validation, said so."""
    items = corpus("c", 2, per_label=5)
    for protocol in (SpeakerDisjointKFold(5), LeaveOneSpeakerOut()):
        folds = protocol.folds({"c": items}, 0)
        assert [f.name for f in folds] == ["spks0", "spks1"]
        by_key = {it.key: it for it in items}
        for f in folds:
            check_fold(f, by_key)
            assert f.valid_grouping == "item" and f.test_grouping == "speaker"
            assert {by_key[k].speaker for k in f.test} == ({"s0", "s1"} - {by_key[f.train[0]].speaker})
            assert {by_key[k].speaker for k in f.valid} == {by_key[f.train[0]].speaker}
        assert "2 speakers" in protocol.notes[0] and "validation is drawn from the training speaker" in \
            protocol.notes[0]


@pytest.mark.parametrize("speakers_known, n_speakers, why", [(False, 6, "speakers unknown"), (True, 1, "one speaker")])
def test_without_usable_speakers_folds_are_over_items_and_labelled_speaker_dependent(speakers_known, n_speakers, why):
    items = corpus("c", n_speakers, per_label=6, speakers_known=speakers_known)
    protocol = SpeakerDisjointKFold(5)
    folds = protocol.folds({"c": items}, 0)
    assert len(folds) == 5
    for f in folds:
        check_fold(f, {it.key: it for it in items})
        assert f.valid_grouping == "item" and f.test_grouping == "item"
    assert why in protocol.notes[0] and "SPEAKER-DEPENDENT" in protocol.notes[0]


def test_check_fold_still_catches_shared_speakers_where_a_fold_claims_speaker_disjointness():
    items = corpus("c", 2)
    by_key = {it.key: it for it in items}
    s0 = [it.key for it in items if it.speaker == "s0"]
    s1 = [it.key for it in items if it.speaker == "s1"]
    bad = Fold("x", tuple(s0[:6]), tuple(s0[6:]), tuple(s1), valid_grouping="speaker")
    with pytest.raises(ProtocolError, match="speaker"):
        check_fold(bad, by_key)
    check_fold(Fold("x", tuple(s0[:6]), tuple(s0[6:]), tuple(s1), valid_grouping="item"), by_key)
    with pytest.raises(ProtocolError, match="in both train and test"):
        check_fold(Fold("x", tuple(s0[:6]), tuple(s1[:2]), tuple(s0[6:]), valid_grouping="item"), by_key)


def test_loso_one_fold_per_speaker():
    items = corpus("c", 5)
    folds = LeaveOneSpeakerOut().folds({"c": items}, 0)
    assert [f.name for f in folds] == [f"spks{i}" for i in range(5)]
    assert_speaker_disjoint(folds, items)
    for i, f in enumerate(folds):
        assert {k.split("/")[1].split("_")[0] for k in f.test} == {f"s{i}"}


def test_official_split_uses_dev_part_when_present():
    items = corpus("c", 6, split=lambda s: ["train", "train", "train", "dev", "test", "test"][s])
    (fold,) = OfficialSplit().folds({"c": items}, 0)
    assert fold.valid_grouping == "official"
    assert {k.split("/")[1][:2] for k in fold.valid} == {"s3"}
    assert_speaker_disjoint_official(fold, items)


def assert_speaker_disjoint_official(fold, items):
    check_fold(fold, {it.key: it for it in items})


def test_official_split_without_dev_draws_validation_from_train_speakers():
    items = corpus("c", 6, split=lambda s: "test" if s >= 4 else "train")
    (fold,) = OfficialSplit().folds({"c": items}, 0)
    assert_speaker_disjoint([fold], items)
    test_speakers = {k.split("/")[1][:2] for k in fold.test}
    assert test_speakers == {"s4", "s5"}


def test_cross_and_multi_source_test_on_the_whole_target():
    a, b, c = corpus("a", 4), corpus("b", 3), corpus("c", 3)
    (fold,) = CrossCorpus(["a"], "b").folds({"a": a, "b": b}, 0)
    assert set(fold.test) == {it.key for it in b}
    assert_speaker_disjoint([fold], a + b)
    (fold,) = CrossCorpus(["a", "b"], "c").folds({"a": a, "b": b, "c": c}, 0)
    assert fold.name == "a+b->c"
    train_corpora = {k.split("/")[0] for k in fold.train}
    valid_corpora = {k.split("/")[0] for k in fold.valid}
    assert train_corpora == valid_corpora == {"a", "b"}
    assert_speaker_disjoint([fold], a + b + c)


def test_cross_corpus_rejects_target_among_sources():
    with pytest.raises(ProtocolError, match="also a source"):
        CrossCorpus(["a"], "a")


def test_inner_validation_is_speaker_disjoint_and_keeps_a_training_speaker():
    items = corpus("c", 2)
    keep, valid, grouping = inner_validation(items, seed=0)
    assert grouping == "speaker"
    assert {it.speaker for it in keep}.isdisjoint({it.speaker for it in valid})
    assert keep and valid


@pytest.mark.parametrize("leak", ["item", "speaker"])
def test_check_fold_catches_leakage(leak):
    items = corpus("c", 3)
    by_key = {it.key: it for it in items}
    s0 = [it.key for it in items if it.speaker == "s0"]
    s1 = [it.key for it in items if it.speaker == "s1"]
    s2 = [it.key for it in items if it.speaker == "s2"]
    test = s2 + (s0[:1] if leak == "item" else [])
    train = s0 if leak == "item" else s0 + s2[:1]
    test = test if leak == "item" else s2[1:]
    fold = Fold("bad", tuple(train), tuple(s1), tuple(test))
    with pytest.raises(ProtocolError, match="both train and test"):
        check_fold(fold, by_key)


def test_official_split_with_test_labels_withheld_tests_on_the_dev_part():
    items = corpus("c", 6, split=lambda s: "dev" if s >= 4 else "train")
    (fold,) = OfficialSplit().folds({"c": items}, 0)
    assert fold.name == "official-dev" and fold.valid_grouping == "speaker"
    assert {k.split("/")[1][:2] for k in fold.test} == {"s4", "s5"}
    assert_speaker_disjoint([fold], items)


# -- the papers' protocols, clearly labelled (issue 15.2) -----------------------------------------
def test_speaker_dependent_kfold_is_over_items_and_says_so():
    from harness.experiment.protocols import SpeakerDependentKFold

    items = corpus("c", 4, per_label=5)
    protocol = SpeakerDependentKFold(5)
    folds = protocol.folds({"c": items}, 0)
    by_key = {it.key: it for it in items}
    assert len(folds) == 5 and sorted(k for f in folds for k in f.test) == sorted(by_key)
    for f in folds:
        check_fold(f, by_key)
        assert f.test_grouping == "item" and f.valid_grouping == "item"
        assert {by_key[k].speaker for k in f.test} & {by_key[k].speaker for k in f.train}  # speakers shared
    assert "SPEAKER-DEPENDENT" in protocol.notes[0]


def test_given_test_speakers(tmp_path):
    from harness.experiment.protocols import GivenSplit

    items = corpus("c", 6)
    (fold,) = GivenSplit(test_speakers=("s4", "s5")).folds({"c": items}, 0)
    by_key = {it.key: it for it in items}
    assert {by_key[k].speaker for k in fold.test} == {"s4", "s5"} and fold.test_grouping == "speaker"
    assert_speaker_disjoint([fold], items)
    with pytest.raises(ProtocolError, match=r"--test-speakers \['s9'\] are not speakers"):
        GivenSplit(test_speakers=("s9",)).folds({"c": items}, 0)


def test_a_split_file_is_honoured_exactly_and_checked(tmp_path):
    from harness.experiment.protocols import GivenSplit
    from harness.experiment.split_file import read_split

    items = corpus("c", 4, per_label=2)
    rows = ["item,part,fold"]
    for it in items:
        spk = int(it.speaker[1:])
        rows.append(f"{it.id},{'test' if spk == 3 else 'valid' if spk == 2 else 'train'},1")
        rows.append(f"{it.id},{'test' if spk == 0 else 'valid' if spk == 1 else 'train'},2")
    split = tmp_path / "split.csv"
    split.write_text("\n".join(rows) + "\n")
    protocol = GivenSplit(table=read_split(split), source=str(split))
    folds = protocol.folds({"c": items}, 0)
    by_key = {it.key: it for it in items}
    assert [f.name for f in folds] == ["1", "2"]
    assert {by_key[k].speaker for k in folds[0].test} == {"s3"} and {by_key[k].speaker for k in folds[0].valid} == {"s2"}
    assert all(f.valid_grouping == "speaker" and f.test_grouping == "speaker" for f in folds)
    # an item in two parts of one fold, an unknown item, a bad part: errors naming the file and line
    split.write_text("item,part\n" + f"{items[0].id},train\n{items[0].id},test\n")
    with pytest.raises(ProtocolError, match=r"line 3: .* is in both train and test"):
        read_split(split)
    split.write_text(f"item,part\n{items[0].id},train\nnope,test\n")
    with pytest.raises(ProtocolError, match=r"1 item\(s\) of fold given are not in the corpus, e.g. nope"):
        GivenSplit(table=read_split(split), source=str(split)).folds({"c": items}, 0)
    split.write_text(f"file,set\n{items[0].id},holdout\n")
    from harness.errors import HarnessError

    with pytest.raises(HarnessError, match="line 2: part 'holdout'"):
        read_split(split)
    # test speakers that also train: the fold says it is speaker-dependent
    split.write_text(f"item,part\n{items[0].id},train\n{items[1].id},test\n{items[8].id},train\n")
    protocol = GivenSplit(table=read_split(split), source="t.csv")
    (fold,) = protocol.folds({"c": items}, 0)
    assert fold.test_grouping == "item" and any("SPEAKER-DEPENDENT" in n for n in protocol.notes)
    assert any("leaves out" in n for n in protocol.notes)


def test_multi_source_then_leave_one_target_speaker_out():
    """PathNet's protocol: sources, then the target tested per speaker with the others labelled."""
    from harness.experiment.protocols import SupervisedAdaptationLOSO

    a, b, target = corpus("a", 4), corpus("b", 4), corpus("t", 5)
    folds = SupervisedAdaptationLOSO(["a", "b"], "t").folds({"a": a, "b": b, "t": target}, 0)
    by_key = {it.key: it for it in a + b + target}
    assert len(folds) == 5
    for f in folds:
        check_fold(f, by_key)
        test_spk = {by_key[k].speaker for k in f.test}
        assert len(test_spk) == 1
        adapt_spk = {by_key[k].speaker for k in f.adapt + f.adapt_valid}
        assert adapt_spk == {it.speaker for it in target} - test_spk
        assert {by_key[k].corpus for k in f.train + f.valid} == {"a", "b"}
