"""Significance tests against textbook values and independent scipy computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.analysis.stats import fisher_r_to_z, holm, mcnemar, paired_bootstrap, proportion_ztest
from harness.learning.metrics import ccc


def uar(y, p):
    return float(np.mean([np.mean(p[y == c] == c) for c in np.unique(y)]))


def test_two_proportion_ztest_textbook():
    # 60/100 vs 50/100: pooled p = .55, se = sqrt(.55 * .45 * .02) = .070356, z = 1.4213
    r = proportion_ztest(60, 100, 50, 100)
    assert r.statistic == pytest.approx(1.4213, abs=1e-4)
    assert r.p == pytest.approx(0.0776, abs=1e-4)


@pytest.mark.parametrize("ka, na, kb, nb", [(80, 120, 70, 130), (10, 40, 25, 40), (300, 535, 280, 535)])
def test_two_proportion_ztest_against_scipy(ka, na, kb, nb):
    pa, pb, pool = ka / na, kb / nb, (ka + kb) / (na + nb)
    z = (pa - pb) / math.sqrt(pool * (1 - pool) * (1 / na + 1 / nb))
    r = proportion_ztest(ka, na, kb, nb)
    assert r.statistic == pytest.approx(z) and r.p == pytest.approx(sps.norm.sf(z))


def test_two_proportion_ztest_degenerate_and_bad_counts():
    assert proportion_ztest(10, 10, 10, 10).p == 0.5
    with pytest.raises(ValueError):
        proportion_ztest(11, 10, 1, 10)


def test_fisher_r_to_z_textbook_and_scipy():
    # r = .5 vs .3, n = 50 each: z = (.5493 - .3095) / sqrt(2/47) = 1.1625, p = .1225
    r = fisher_r_to_z(0.5, 50, 0.3, 50)
    assert r.statistic == pytest.approx(1.1625, abs=1e-4) and r.p == pytest.approx(0.1225, abs=1e-4)
    z = (np.arctanh(0.644) - np.arctanh(0.605)) / np.sqrt(1 / (7501 * 9 - 3) + 1 / (7501 * 9 - 3))
    assert fisher_r_to_z(0.644, 7501 * 9, 0.605, 7501 * 9).p == pytest.approx(sps.norm.sf(z))
    assert fisher_r_to_z(0.3, 50, 0.5, 50).p > 0.5  # one-tailed: B better gives p > .5
    with pytest.raises(ValueError):
        fisher_r_to_z(0.3, 3, 0.5, 50)


def test_mcnemar_exact_on_hand_made_predictions():
    # 8 items only A gets right, 2 only B: P(X >= 8 | X ~ Bin(10, .5)) = 56/1024
    a = [True] * 8 + [False] * 2 + [True] * 5 + [False] * 5
    b = [False] * 8 + [True] * 2 + [True] * 5 + [False] * 5
    r = mcnemar(a, b)
    assert r.test == "McNemar (exact)" and r.detail == {"a_only": 8, "b_only": 2, "n": 20}
    assert r.p == pytest.approx(56 / 1024)
    # reversed: P(X >= 2) = 1 - P(X <= 1) = 1 - 11/1024
    assert mcnemar(b, a).p == pytest.approx(1013 / 1024) == sps.binom.sf(1, 10, 0.5)


def test_mcnemar_chi_square_branch_and_ties():
    a = [True] * 40 + [False] * 10
    b = [False] * 40 + [True] * 10
    r = mcnemar(a, b)
    z = (abs(40 - 10) - 1) / math.sqrt(50)
    assert r.test.startswith("McNemar (chi-square") and r.p == pytest.approx(sps.norm.sf(z))
    assert mcnemar([True, False], [True, False]).p == 0.5
    with pytest.raises(ValueError):
        mcnemar([True], [True, False])


def test_paired_bootstrap_detects_a_real_difference_and_not_a_null_one():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 400)
    good = np.where(rng.random(400) < 0.8, y, rng.integers(0, 4, 400))
    poor = np.where(rng.random(400) < 0.5, y, rng.integers(0, 4, 400))
    r = paired_bootstrap(uar, y, good, poor, resamples=500, seed=1)
    assert r.p < 0.01 and r.detail["delta"] == pytest.approx(uar(y, good) - uar(y, poor))
    assert r.detail["ci95"][0] > 0
    same = paired_bootstrap(uar, y, good, good, resamples=200, seed=1)
    assert same.p == 1.0  # never better than itself
    again = paired_bootstrap(uar, y, good, poor, resamples=500, seed=1)
    assert again == r  # deterministic given the seed


def test_paired_bootstrap_over_groups_and_for_ccc():
    rng = np.random.default_rng(2)
    truth = rng.normal(size=300)
    a = truth + rng.normal(0, 0.3, 300)
    b = truth + rng.normal(0, 1.0, 300)
    speakers = np.repeat(np.arange(10), 30)
    r = paired_bootstrap(ccc, truth, a, b, resamples=300, seed=0, groups=speakers)
    assert r.detail["units"] == 10 and r.p < 0.05


def test_holm_known_example():
    # sorted: .005*4 = .02, .01*3 = .03, .03*2 = .06, .04*1 = .04 -> monotone .06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_holm_agrees_with_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(3).random(12) ** 3
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1].tolist())


def test_sign_flip_exact_on_hand_made_differences():
    from harness.analysis.stats import sign_flip

    # 3 speakers all better: only the all-positive pattern reaches the observed mean -> p = 1/8
    r = sign_flip([0.1, 0.2, 0.3])
    assert r.p == pytest.approx(1 / 8) and r.detail["min_p"] == 1 / 8
    # two speakers can never be significant
    assert sign_flip([0.5, 0.4]).p == pytest.approx(0.25)
    # mixed signs: patterns with mean >= (0.3 - 0.1) / 2 = 0.1: (+,+)=0.2? no: d = [0.3, -0.1]
    r = sign_flip([0.3, -0.1])
    means = [(0.3 - 0.1) / 2, (0.3 + 0.1) / 2, (-0.3 - 0.1) / 2, (-0.3 + 0.1) / 2]
    assert r.p == pytest.approx(np.mean([m >= 0.1 - 1e-12 for m in means]))
    mc = sign_flip(np.full(24, 0.1), resamples=2000)
    assert mc.test == "sign-flip (Monte Carlo)" and mc.p < 0.01
    # exact up to 20 units (a million patterns, enumerated in chunks): all 20 positive -> 2^-20
    exact = sign_flip(np.full(20, 0.1))
    assert exact.test == "sign-flip (exact)" and exact.p == pytest.approx(2.0 ** -20)
