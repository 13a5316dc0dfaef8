"""EmoBed: the crossmodal triplet miner, the ablations and the auxiliary data."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.errors import HarnessError
from harness.execution.runner import Runner
from harness.experiment.jobs import RunRequest
from harness.learning.method import FeatureSet
from harness.learning.space import defaults
from harness.plugins.methods.classic import Classic
from harness.plugins.methods.emobed import EmoBed, EmoBedJoint, EmoBedTriplet, crossmodal_triplet, hardest_pairs
from harness.results.store import ResultsStore


def test_miner_picks_the_hardest_positive_and_negative():
    # 1-D embeddings: anchor 0 (label a) at 0; positives at 1 and 5; negatives at 2 and 9
    e = torch.tensor([[0.0], [1.0], [5.0], [2.0], [9.0]])
    y = torch.tensor([0, 0, 0, 1, 1])
    pos, neg = hardest_pairs(e, y)
    assert pos[0] == 2 and neg[0] == 3  # farthest same-label, nearest other-label
    assert pos[3] == 4 and neg[3] == 1  # anchor at 2 (label b): positive 9, nearest negative 1
    loss = crossmodal_triplet(e, y)
    d = [(5 - 0) - (2 - 0), (5 - 1) - (2 - 1), (5 - 0) - (5 - 2), (9 - 2) - (2 - 1), (9 - 2) - (9 - 5)]
    assert float(loss) == pytest.approx(np.mean(d))
    hinge = crossmodal_triplet(e, y, "hinge", margin=0.5)
    assert float(hinge) == pytest.approx(np.mean([max(0, g + 0.5) for g in d]))


def test_miner_leaves_out_anchors_without_positive():
    e = torch.tensor([[0.0], [1.0], [3.0]])
    pos, neg = hardest_pairs(e, torch.tensor([0, 0, 1]))
    assert pos[2] == -1 and neg[2] == 1


def _sets(seed: int = 0):
    rng = np.random.default_rng(seed)
    centres_a, centres_v = rng.normal(0, 2, (3, 8)), rng.normal(0, 2, (3, 5))

    def part(n, centres, prefix):
        y = np.tile(np.arange(3), n)
        x = (centres[y] + rng.normal(0, 1, (len(y), centres.shape[1]))).astype(np.float32)
        return FeatureSet(x=x, keys=[f"{prefix}{i}" for i in range(len(y))], speakers=[None] * len(y),
                          domains=["c"] * len(y), labels=("anger", "happiness", "sadness"), y=y)
    train, valid, test = part(15, centres_a, "a"), part(5, centres_a, "va"), part(5, centres_a, "t")
    train.aux, valid.aux = part(15, centres_v, "v"), part(5, centres_v, "vv")
    return train, valid, test


def test_alpha_beta_zero_is_exactly_classic():
    train, valid, test = _sets()
    hp = defaults(EmoBed.space)
    emobed = EmoBed({**hp, "alpha": 0.0, "beta": 0.0}, seed=3, budget="smoke")
    classic = Classic(defaults(Classic.space), seed=3, budget="smoke")
    assert emobed.fit(train, valid) == classic.fit(train, valid)
    assert np.array_equal(emobed.predict(test), classic.predict(test))
    emobed.refit(FeatureSet.concat(train, valid), {"best_epoch": 4})
    classic.refit(FeatureSet.concat(train, valid), {"best_epoch": 4})
    assert np.array_equal(emobed.predict(test), classic.predict(test))


@pytest.mark.parametrize("cls", [EmoBed, EmoBedJoint, EmoBedTriplet])
def test_auxiliary_encoder_learns_and_is_not_needed_at_inference(cls):
    train, valid, test = _sets(1)
    method = cls(defaults(cls.space), seed=0, budget="smoke")
    torch.manual_seed(0)
    method.fit(train, valid)
    with torch.random.fork_rng():
        torch.manual_seed(method.seed + 1)
        from harness.learning.nn import mlp

        hp = method.hparams
        initial = mlp(train.aux.x.shape[1], [hp["embedding"]], hp["dropout"], hp["activation"])
    changed = [not torch.equal(a, b) for a, b in zip(initial.parameters(), method.aux_encoder.parameters())]
    assert all(changed), "the auxiliary encoder received no gradient"
    before = method.predict(test)
    del method.aux_encoder
    test.aux = None
    assert np.array_equal(method.predict(test), before)


def test_ablations_fix_their_weights():
    assert "beta" not in EmoBedJoint.space and EmoBedJoint(defaults(EmoBedJoint.space), 0).hparams["beta"] == 0
    assert "alpha" not in EmoBedTriplet.space and EmoBedTriplet(defaults(EmoBedTriplet.space), 0).hparams["alpha"] == 0


def test_crossmodal_method_without_auxiliary_data_is_a_clear_error():
    train, valid, _ = _sets()
    train.aux = None
    with pytest.raises(HarnessError, match="no auxiliary-modality training data"):
        EmoBed(defaults(EmoBed.space), seed=0, budget="smoke").fit(train, valid)


@pytest.mark.slow
def test_auxiliary_items_come_from_the_training_side_only(tmp_path, monkeypatch):
    seen = {}
    original = Runner.auxiliary

    def spy(self, prep, fold):
        out = original(self, prep, fold)
        seen[fold.name] = (set(out[0].keys) | set(out[1].keys if out[1] is not None else []),
                           set(fold.train) | set(fold.valid), set(fold.test))
        return out

    monkeypatch.setattr(Runner, "auxiliary", spy)
    request = RunRequest(methods=["emobed"], corpora=["demo-a"], folds=3, budget="smoke",
                         results=tmp_path / "r", progress=False)
    outcome = Runner(request).run()
    assert len(seen) == 3
    for aux_keys, training_side, test in seen.values():
        assert aux_keys and aux_keys <= training_side and not aux_keys & test
    job = ResultsStore(tmp_path / "r").jobs(outcome.job_ids)[0]
    assert job["config"]["auxiliary"]["modality"] == "visual"
    assert job["config"]["auxiliary"]["features"]["name"] == "face-hog"
    with pytest.raises(HarnessError, match="test corpus cannot provide"):
        Runner(RunRequest(methods=["emobed"], protocols=["cross"], sources=["demo-a"], targets=["demo-b"],
                          aux_corpus="demo-b", reference=False, budget="smoke", results=tmp_path / "x",
                          progress=False)).run()
