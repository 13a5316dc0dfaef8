"""Decision-level fusion rules of paper 003 on hand-made posteriors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from harness.plugins.fusion._rules import NotFittedError, margins, prior_bonus
from harness.registry import default_registry

REGISTRY = default_registry()


def fusion(name, **params):
    return REGISTRY.fusion(name)(**params)


# values exactly representable in binary, so that ties are exact
V = np.array([[0.75, 0.25, 0.0],   # margin .5
              [0.5, 0.5, 0.0],     # margin 0
              [0.625, 0.375, 0.0],  # margin .25
              [0.75, 0.25, 0.0]])   # margin .5
A = np.array([[0.0, 0.25, 0.75],   # margin .5  (tie with V)
              [0.0, 0.25, 0.75],   # margin .5
              [0.0, 0.25, 0.75],   # margin .5
              [0.0, 0.0, 1.0]])    # margin 1


def test_margins_are_top1_minus_top2():
    assert margins(V).tolist() == [0.5, 0.0, 0.25, 0.5]
    assert margins(A).tolist() == [0.5, 0.5, 0.5, 1.0]


def test_confidence_eq3_takes_the_more_confident_run_and_ties_go_to_the_first_run():
    fused = fusion("confidence").fit([V, A], np.zeros(4, int)).fuse([V, A])
    # item 0: tie -> V (given first); items 1-3: A is more confident
    assert np.array_equal(fused, np.stack([V[0], A[1], A[2], A[3]]))
    swapped = fusion("confidence").fuse([A, V])  # nothing to fit: fuse works without fit
    assert np.array_equal(swapped[0], A[0])  # the tie now goes to A, given first


# validation: V right on 3 of 4 items (micro-F1 .75), A right on 2 of 4 (.5): d = .25 for V
V_VALID = np.array([[0.9, 0.1, 0.0], [0.9, 0.1, 0.0], [0.9, 0.1, 0.0], [0.9, 0.1, 0.0]])
A_VALID = np.array([[0.9, 0.1, 0.0], [0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.1, 0.9, 0.0]])
Y_VALID = np.array([0, 0, 0, 2])


def test_prior_eq5_bonus_d_is_the_validation_micro_f1_difference():
    f = fusion("prior").fit([A_VALID, V_VALID], Y_VALID)
    assert f.fitted["valid_micro_f1"] == [0.5, 0.75]
    assert f.fitted["d"] == [0.0, 0.25]
    fused = f.fuse([A, V])
    # item 0: .5 + .25 > .5 -> V;  item 1: 0 + .25 < .5 -> A
    # item 2: .25 + .25 == .5: tie -> V, the better run, although A was given first (eq. 5's >=)
    # item 3: .5 + .25 < 1 -> A
    assert np.array_equal(fused, np.stack([V[0], A[1], V[2], A[3]]))
    # the confidence rule alone decides items 0 and 2 otherwise
    plain = fusion("confidence").fuse([A, V])
    assert np.array_equal(plain[[0, 2]], A[[0, 2]])


def test_prior_with_equal_f1_is_the_confidence_rule():
    runs = [V_VALID, V_VALID.copy()]
    f = fusion("prior").fit(runs, Y_VALID)
    assert f.fitted["d"] == [0.0, 0.0]
    assert np.array_equal(f.fuse([V, A]), fusion("confidence").fuse([V, A]))


def test_prior_with_three_runs_picks_the_pairwise_eq5_winner():
    rng = np.random.default_rng(3)
    valid = [rng.dirichlet(np.ones(4), 40) for _ in range(3)]
    y = rng.integers(0, 4, 40)
    test = [rng.dirichlet(np.ones(4), 60) for _ in range(3)]
    f = fusion("prior").fit(valid, y)
    f1 = np.array(f.fitted["valid_micro_f1"])
    assert np.allclose(f.fitted["d"], f1 - f1.min()) and min(f.fitted["d"]) == 0
    fused = f.fuse(test)
    m = np.stack([margins(t) for t in test])
    for i in range(60):
        winner = [r for r in range(3) if np.array_equal(fused[i], test[r][i])][0]
        for other in range(3):  # eq. 5 between the winner and each other run, bonus = F1 difference
            better, worse = (winner, other) if f1[winner] >= f1[other] else (other, winner)
            d = f1[better] - f1[worse]
            choice = better if m[better, i] + d >= m[worse, i] else worse
            assert other == winner or choice == winner


def test_prior_bonus_of_two_runs():
    assert prior_bonus([0.4, 0.52]).tolist() == pytest.approx([0.0, 0.12])


@pytest.mark.parametrize("name", ["prior", "lr", "lr-confidence", "lr-prior"])
def test_fitted_fusions_refuse_to_fuse_before_fit_or_with_other_run_counts(name):
    with pytest.raises(NotFittedError, match="fit"):
        fusion(name).fuse([V, A])
    rng = np.random.default_rng(0)
    runs = [rng.dirichlet(np.ones(3), 30) for _ in range(2)]
    f = fusion(name).fit(runs, rng.integers(0, 3, 30))
    with pytest.raises(ValueError, match="fitted on 2 runs"):
        f.fuse([V, A, V])


def _informative(n, seed):
    """Run 0 is noise, run 1 knows the class (3 classes)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    good = np.full((n, 3), 0.2)
    good[np.arange(n), y] = 0.6
    return [rng.dirichlet(np.ones(3), n), good], y


def test_lr_learns_from_validation_only_and_test_posteriors_never_change_it():
    valid, y = _informative(60, 1)
    f = fusion("lr").fit(valid, y)
    coef = np.array(f.fitted["lr"]["coef"])
    test, y_test = _informative(50, 2)
    fused = f.fuse(test)
    assert np.allclose(fused.sum(axis=1), 1) and np.mean(fused.argmax(1) == y_test) > 0.9
    other = [t[::-1] for t in test]  # other test posteriors: the fitted coefficients stay
    f.fuse(other)
    assert np.array_equal(np.array(f.fitted["lr"]["coef"]), coef)
    assert np.array_equal(f.stack.model.coef_.round(6), coef)
    # and they are what scikit-learn fits on the validation posteriors alone
    reference = LogisticRegression(C=1.0, max_iter=1000, random_state=0).fit(np.concatenate(valid, 1), y)
    assert np.allclose(f.stack.model.coef_, reference.coef_)
    assert np.allclose(fused, reference.predict_proba(np.concatenate(test, 1)))


def test_lr_spy_sees_only_validation_posteriors(monkeypatch):
    seen = []
    original = LogisticRegression.fit

    def spy(self, x, y, *args, **kwargs):
        seen.append(np.array(x))
        return original(self, x, y, *args, **kwargs)

    monkeypatch.setattr(LogisticRegression, "fit", spy)
    valid, y = _informative(40, 3)
    test, _ = _informative(30, 4)
    for name in ("lr", "lr-confidence", "lr-prior"):
        seen.clear()
        fusion(name).fit(valid, y).fuse(test)
        joined = np.concatenate(valid, 1)
        assert seen and all(any(np.array_equal(row, v) for v in joined) for x in seen for row in x)


def test_lr_gives_zero_to_classes_absent_from_validation_and_needs_two_classes():
    rng = np.random.default_rng(5)
    runs = [rng.dirichlet(np.ones(3), 20) for _ in range(2)]
    fused = fusion("lr").fit(runs, np.array([0, 1] * 10)).fuse(runs)
    assert np.all(fused[:, 2] == 0) and np.allclose(fused.sum(1), 1)
    with pytest.raises(ValueError, match="two classes"):
        fusion("lr").fit(runs, np.zeros(20, int))


def test_lr_confidence_fuses_the_lr_output_again_by_eq3():
    valid, y = _informative(60, 6)
    test, _ = _informative(40, 7)
    f = fusion("lr-confidence", **{"with": 0}).fit(valid, y)
    lr = fusion("lr").fit(valid, y).fuse(test)
    fused = f.fuse(test)
    pick_lr = margins(lr) >= margins(test[0])  # ties to the LR output
    assert np.array_equal(fused, np.where(pick_lr[:, None], lr, test[0]))
    both = fusion("lr-confidence").fit(valid, y)  # default: with all runs
    assert both.fitted["with"] == [0, 1]
    m = np.stack([margins(lr), margins(test[0]), margins(test[1])])
    expected = np.stack([lr, test[0], test[1]])[m.argmax(0), np.arange(40)]
    assert np.array_equal(both.fuse(test), expected)


@pytest.mark.parametrize("bad", [2, "0,0", "x", -1])
def test_lr_ensemble_rejects_bad_run_positions(bad):
    valid, y = _informative(30, 8)
    with pytest.raises(ValueError, match="with="):
        fusion("lr-confidence", **{"with": bad}).fit(valid, y)


def test_lr_prior_measures_d_on_cross_fitted_lr_posteriors_by_default():
    valid, y = _informative(60, 9)
    valid[1] = 0.5 * valid[1] + 0.5 * valid[0]  # a weaker informative run
    cross = fusion("lr-prior", **{"with": "0,1"}).fit(valid, y)
    inside = fusion("lr-prior", **{"with": "0,1", "valid_lr": "in-sample"}).fit(valid, y)
    f1_runs = [float(np.mean(v.argmax(1) == y)) for v in valid]
    assert cross.fitted["valid_micro_f1"][1:] == f1_runs == inside.fitted["valid_micro_f1"][1:]
    assert cross.fitted["candidates"] == ["lr", "run 0", "run 1"]
    assert np.allclose(cross.fitted["d"], np.array(cross.fitted["valid_micro_f1"]) -
                       min(cross.fitted["valid_micro_f1"]))
    in_sample = float(np.mean(inside.stack.predict_proba(valid).argmax(1) == y))
    assert inside.fitted["valid_micro_f1"][0] == in_sample
    assert cross.fitted["valid_micro_f1"][0] <= in_sample
    with pytest.raises(ValueError, match="valid_lr"):
        fusion("lr-prior", valid_lr="test").fit(valid, y)


def test_every_fusion_is_deterministic_and_gives_distributions():
    valid, y = _informative(50, 10)
    test, _ = _informative(30, 11)
    for name in REGISTRY.names("fusions"):
        a = fusion(name).fit(valid, y).fuse(test)
        b = fusion(name).fit(valid, y).fuse(test)
        assert np.array_equal(a, b), name
        assert np.all(a >= 0) and np.allclose(a.sum(1), 1), name
