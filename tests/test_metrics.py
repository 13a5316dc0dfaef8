"""Tests for harness.learning.metrics, using scikit-learn / scipy as references."""
import json

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn import metrics as skm

from harness.learning.metrics import (
    PRIMARY_METRIC,
    aggregate_segments,
    ccc,
    classification_metrics,
    confusion_matrix,
    pcc,
    regression_metrics,
    summarise,
)


def _random_case(seed, n_classes, n=200, drop_true=None, drop_pred=None):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, n_classes, n)
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, n_classes, n))
    if drop_true is not None:  # make a class absent from y_true
        y_true[y_true == drop_true] = (drop_true + 1) % n_classes
    if drop_pred is not None:  # make a class never predicted
        y_pred[y_pred == drop_pred] = (drop_pred + 1) % n_classes
    logits = rng.normal(size=(n, n_classes)) + 2.0 * np.eye(n_classes)[y_true]
    post = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, y_pred, post


CASES = [(seed, c, dt, dp) for seed in (0, 1, 2) for c in (2, 4, 7)
         for dt, dp in ((None, None), (1, None), (None, 0), (1, 0))]


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
@pytest.mark.parametrize("seed,n_classes,drop_true,drop_pred", CASES)
def test_classification_matches_sklearn(seed, n_classes, drop_true, drop_pred):
    y_true, y_pred, post = _random_case(seed, n_classes, drop_true=drop_true,
                                        drop_pred=drop_pred)
    assert drop_true is None or drop_true not in y_true
    assert drop_pred is None or drop_pred not in y_pred
    labels = [f"c{i}" for i in range(n_classes)]
    res = classification_metrics(y_true, y_pred, labels, posteriors=post)
    all_labels = list(range(n_classes))
    present_true = sorted(set(y_true.tolist()))

    assert res["n"] == len(y_true)
    assert res["war"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert res["uar"] == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    assert res["uar"] == pytest.approx(skm.recall_score(
        y_true, y_pred, labels=present_true, average="macro", zero_division=0))
    assert res["uap"] == pytest.approx(skm.precision_score(
        y_true, y_pred, labels=present_true, average="macro", zero_division=0))
    assert res["macro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    assert res["micro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="micro"))
    ref_rec = skm.recall_score(y_true, y_pred, labels=all_labels, average=None,
                               zero_division=0)
    for i, lab in enumerate(labels):
        if i in present_true:
            assert res["recall"][lab] == pytest.approx(ref_rec[i])
        else:
            assert res["recall"][lab] is None
    ref_cm = skm.confusion_matrix(y_true, y_pred, labels=all_labels)
    assert res["confusion"] == ref_cm.tolist()
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, n_classes), ref_cm)

    if len(present_true) == n_classes:
        if n_classes == 2:
            ref_auc = skm.roc_auc_score(y_true, post[:, 1])
        else:
            ref_auc = skm.roc_auc_score(y_true, post, multi_class="ovr", average="macro")
    elif len(present_true) > 1:  # sklearn's OvR refuses absent classes: average per class
        ref_auc = np.mean([skm.roc_auc_score(y_true == c, post[:, c]) for c in present_true])
    else:  # a single class in y_true: no class has both positives and negatives
        ref_auc = None
    if ref_auc is None:
        assert res["roc_auc"] is None
    else:
        assert res["roc_auc"] == pytest.approx(ref_auc)
    json.dumps(res)  # plain Python types only


def test_absent_and_unpredicted_classes_explicit():
    y_true = np.array([0, 0, 1, 1, 1, 3])  # class 2 absent from y_true
    y_pred = np.array([0, 1, 1, 1, 2, 1])  # classes 3 never predicted
    res = classification_metrics(y_true, y_pred, ["a", "b", "c", "d"])
    # recalls over present classes {0,1,3}: 1/2, 2/3, 0
    assert res["uar"] == pytest.approx((0.5 + 2 / 3 + 0.0) / 3)
    # precisions: class0 1/1, class1 2/4, class3 never predicted -> 0
    assert res["uap"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert res["recall"] == {"a": 0.5, "b": pytest.approx(2 / 3), "c": None, "d": 0.0}
    assert res["roc_auc"] is None


def test_roc_auc_ties_and_not_computable():
    y_true = np.array([0, 1, 0, 1])
    post = np.array([[0.5, 0.5], [0.5, 0.5], [0.8, 0.2], [0.3, 0.7]])
    res = classification_metrics(y_true, post.argmax(1), ["n", "p"], posteriors=post)
    assert res["roc_auc"] == pytest.approx(skm.roc_auc_score(y_true, post[:, 1]))
    single = classification_metrics(np.zeros(3, int), np.zeros(3, int), ["n", "p"],
                                    posteriors=np.full((3, 2), 0.5))
    assert single["roc_auc"] is None and single["uar"] == 1.0


def test_primary_metric():
    assert PRIMARY_METRIC == {"classification": "uar", "regression": "ccc"}


# ---------------------------------------------------------------- regression
def _textbook_ccc(x, y):
    mx, my = np.mean(x), np.mean(y)
    sxy = np.sum((x - mx) * (y - my)) / len(x)
    return 2 * sxy / (np.var(x) + np.var(y) + (mx - my) ** 2)


@pytest.mark.parametrize("seed", range(5))
def test_regression_matches_references(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=100)
    y = 0.6 * x + rng.normal(scale=0.8, size=100) + 0.3
    res = regression_metrics(x, y)
    assert res["ccc"] == pytest.approx(_textbook_ccc(x, y))
    rho = pearsonr(x, y)[0]
    assert res["pcc"] == pytest.approx(rho)
    # CCC = 2 rho sx sy / (sx^2 + sy^2 + (mx - my)^2)
    alt = 2 * rho * x.std() * y.std() / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)
    assert res["ccc"] == pytest.approx(alt)
    assert res["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(x, y)))
    assert res["mae"] == pytest.approx(skm.mean_absolute_error(x, y))
    assert res["n"] == 100
    json.dumps(res)


def test_ccc_known_cases():
    rng = np.random.default_rng(42)
    x = rng.normal(size=50)
    z = (x - x.mean()) / x.std()
    assert ccc(x, x) == pytest.approx(1.0)
    shifted = ccc(x, x + 0.5)
    assert 0 < shifted < 1
    assert pcc(x, x + 0.5) == pytest.approx(1.0)
    assert ccc(z, -z) == pytest.approx(-1.0)


def test_constant_inputs():
    x = np.array([1.0, 2.0, 3.0])
    c = np.full(3, 0.1)
    assert pcc(x, c) == 0.0 and pcc(c, x) == 0.0 and pcc(c, c) == 0.0
    assert ccc(x, c) == 0.0
    assert ccc(c, c) == 1.0
    assert ccc(c, np.full(3, 0.2)) == 0.0
    res = regression_metrics(c, c)
    assert res["pcc"] == 0.0 and res["ccc"] == 1.0 and res["rmse"] == 0.0
    assert not np.isnan(regression_metrics([1.0], [2.0])["pcc"])


# ------------------------------------------------------------- aggregation
SEG_IDS = ["b", "a", "b", "a", "b"]
SEG_POST = np.array([[0.6, 0.3, 0.1],
                     [0.2, 0.2, 0.6],
                     [0.1, 0.8, 0.1],
                     [0.4, 0.4, 0.2],
                     [0.7, 0.2, 0.1]])


def test_aggregate_mean_and_vote():
    ids, p = aggregate_segments(SEG_IDS, SEG_POST, how="mean")
    assert ids == ["b", "a"]
    np.testing.assert_allclose(p, [[1.4 / 3, 1.3 / 3, 0.3 / 3], [0.3, 0.3, 0.4]])
    ids, v = aggregate_segments(SEG_IDS, SEG_POST, how="vote")
    assert ids == ["b", "a"]
    # b: argmax 0, 1, 0 ; a: argmax 2, 0 (tie 0.4/0.4 -> first index)
    np.testing.assert_allclose(v, [[2 / 3, 1 / 3, 0.0], [0.5, 0.0, 0.5]])


def test_aggregate_log_mean():
    ids, p = aggregate_segments(SEG_IDS, SEG_POST, how="log_mean")
    geo_b = (SEG_POST[[0, 2, 4]].prod(axis=0)) ** (1 / 3)
    geo_a = (SEG_POST[[1, 3]].prod(axis=0)) ** 0.5
    np.testing.assert_allclose(p, [geo_b / geo_b.sum(), geo_a / geo_a.sum()])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # default is "mean"; integer ids also work
    ids, p = aggregate_segments([7, 7], [[0.2, 0.8], [0.4, 0.6]])
    assert ids == [7]
    np.testing.assert_allclose(p, [[0.3, 0.7]])


# ---------------------------------------------------------------- summarise
def test_summarise():
    s = summarise([0.5, 0.7, 0.6])
    assert s == {"mean": pytest.approx(0.6), "std": pytest.approx(0.1), "n": 3}
    assert summarise([0.4]) == {"mean": 0.4, "std": 0.0, "n": 1}


# -------------------------------------------------------------- ValueErrors
@pytest.mark.parametrize("call,match", [
    (lambda: classification_metrics([0, 1], [0], ["a", "b"]), "length mismatch"),
    (lambda: classification_metrics([], [], ["a", "b"]), "empty"),
    (lambda: classification_metrics([0, 2], [0, 1], ["a", "b"]), "outside"),
    (lambda: classification_metrics([0, 1], [0, -1], ["a", "b"]), "outside"),
    (lambda: classification_metrics([0, 1], [0, 1], []), "labels is empty"),
    (lambda: classification_metrics([0, 1], [0, 1], ["a", "a"]), "duplicates"),
    (lambda: classification_metrics([0.5, 1], [0, 1], ["a", "b"]), "integer"),
    (lambda: classification_metrics([0, 1], [0, 1], ["a", "b"],
                                    posteriors=np.ones((2, 3)) / 3), "posteriors"),
    (lambda: confusion_matrix([0, 1], [0, 1, 1], 2), "length mismatch"),
    (lambda: confusion_matrix([0, 3], [0, 1], 2), "outside"),
    (lambda: confusion_matrix([0], [0], 0), "n_classes"),
    (lambda: aggregate_segments(["a"], SEG_POST[:1], how="max"), "unknown"),
    (lambda: aggregate_segments(["a", "b"], SEG_POST, how="mean"), "shape mismatch"),
    (lambda: aggregate_segments(["a"], np.ones(3), how="mean"), "2-D"),
    (lambda: aggregate_segments([], np.ones((0, 3))), "no segments"),
    (lambda: ccc([1.0, 2.0], [1.0]), "length mismatch"),
    (lambda: pcc([], []), "empty"),
    (lambda: regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0]), "length mismatch"),
    (lambda: regression_metrics([], []), "empty"),
    (lambda: regression_metrics([1.0, np.nan], [1.0, 2.0]), "non-finite"),
    (lambda: summarise([]), "non-empty"),
])
def test_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
