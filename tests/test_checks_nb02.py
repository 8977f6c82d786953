"""The exercise checkers of notebook 02: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _run, _stub

from utils.checks import nb02

# ---------------------------------------------------------------- Exercise 1: softmax


def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_correct(capsys):
    result, out = _run(nb02.check_softmax, softmax, capsys)
    assert result is True and "correct" in out


def test_softmax_accepts_lists_and_tensors(capsys):
    import keras

    assert nb02.check_softmax(lambda z: softmax(z).tolist()) is True
    assert nb02.check_softmax(lambda z: keras.ops.softmax(np.asarray(z, dtype="float32"), axis=-1)) is True


def _naive(z):
    z = np.asarray(z, dtype=float)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def _global_max(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda z: None, "returned None: did you forget `return`?"),
        (42, "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda z: "probabilities", "should be a number"),
        (lambda z: softmax(z)[..., :2], "shape"),
        (lambda z: softmax(z) * np.nan, "NaN"),
        (lambda z: np.exp(z), "without dividing by the sum"),
        (lambda z: np.exp(z) / np.exp(z).sum(axis=0, keepdims=True), "each ROW"),
        (lambda z: np.exp(z) / np.exp(z).sum(), "sum over the whole batch"),
        (_naive, "subtract each row's own max"),
        (_global_max, "subtract each row's own max"),
        (lambda z: softmax(2 * np.asarray(z, dtype=float)), "is off"),
    ],
)
def test_softmax_wrong(answer, message, capsys):
    result, out = _run(nb02.check_softmax, answer, capsys)
    assert result is False
    assert message in out, out


# ---------------------------------------------------------------- Exercise 2: cross_entropy


def log_softmax(z):
    z = np.asarray(z, dtype=float)
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def per_example(logits, labels):
    return -log_softmax(logits)[np.arange(len(labels)), labels]


def cross_entropy(logits, labels):
    return per_example(logits, labels).mean()


def test_cross_entropy_correct(capsys):
    result, out = _run(nb02.check_cross_entropy, cross_entropy, capsys)
    assert result is True and "correct" in out


def test_cross_entropy_keras_and_array_answers_pass():
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert nb02.check_cross_entropy(lambda z, y: loss(y, np.asarray(z, dtype="float32"))) is True
    assert nb02.check_cross_entropy(lambda z, y: np.array([cross_entropy(z, y)])) is True


def _naive_log(z, y):
    p = np.exp(np.asarray(z, dtype="float32"))
    p = p / p.sum(axis=-1, keepdims=True)
    return -np.log(p[np.arange(len(y)), y]).mean()


def _clipped(z, y):
    p = np.exp(log_softmax(z))
    return -np.log(np.clip(p, 1e-7, 1 - 1e-7)[np.arange(len(y)), y]).mean()


def _predicted_class(z, y):
    return cross_entropy(z, np.argmax(z, axis=1))


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda z, y: None, "returned None: did you forget `return`?"),
        ("loss", "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda z, y: {"loss": 1.0}, "should be a number"),
        (lambda z, y: np.nan, "NaN"),
        (per_example, "one loss per example"),
        (lambda z, y: np.ones((2, 2)), "should be one number"),
        (lambda z, y: -cross_entropy(z, y), "wrong sign"),
        (lambda z, y: per_example(z, y).sum(), "times too large"),
        (lambda z, y: cross_entropy(z, y) / np.log(2), "natural log"),
        (_predicted_class, "TRUE label"),
        (lambda z, y: -np.mean(np.asarray(z)[np.arange(len(y)), y]), "raw logit"),
        (lambda z, y: -np.log(np.asarray(z)[np.arange(len(y)), y]).mean(), "log of a logit"),
        (_naive_log, "log-sum-exp"),
        (_clipped, "clipping probabilities"),
        (lambda z, y: 1.0, "is off"),
    ],
)
def test_cross_entropy_wrong(answer, message, capsys):
    result, out = _run(nb02.check_cross_entropy, answer, capsys)
    assert result is False
    assert message in out, out


# ---------------------------------------------------------------- Exercise 3: precision_and_recall


def precision_and_recall(cm):
    cm = np.asarray(cm, dtype=float)
    return np.diag(cm) / cm.sum(axis=0), np.diag(cm) / cm.sum(axis=1)


def test_precision_and_recall_correct(capsys):
    result, out = _run(nb02.check_precision_and_recall, precision_and_recall, capsys)
    assert result is True and "correct" in out


def test_precision_and_recall_accepts_lists_and_sklearn():
    from sklearn.metrics import precision_score, recall_score

    assert nb02.check_precision_and_recall(lambda cm: [a.tolist() for a in precision_and_recall(cm)]) is True

    def from_sklearn(cm):  # the notebook's table is computed this way: the checker must agree with it
        cm = np.asarray(cm)
        truth = np.repeat(np.repeat(np.arange(len(cm)), len(cm)), cm.ravel())
        called = np.repeat(np.tile(np.arange(len(cm)), len(cm)), cm.ravel())
        return (precision_score(truth, called, average=None), recall_score(truth, called, average=None))

    assert nb02.check_precision_and_recall(from_sklearn) is True


def _diag(cm):
    return np.diag(cm).astype(float)


def _precision(cm):
    return _diag(cm) / np.asarray(cm).sum(axis=0)


def _recall(cm):
    return _diag(cm) / np.asarray(cm).sum(axis=1)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda cm: None, "returned None: did you forget `return`?"),
        (3.0, "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda cm: _precision(cm), "should return a pair"),
        (lambda cm: (_precision(cm), _recall(cm), 0.9), "of length 3"),
        (lambda cm: ("high", "low"), "should be a number"),
        (lambda cm: (_precision(cm) * np.nan, _recall(cm)), "NaN"),
        (lambda cm: (_recall(cm), _precision(cm)), "swapped"),
        (lambda cm: (_recall(cm), _recall(cm)), "your precision is the other measure"),
        (lambda cm: (_precision(cm), _precision(cm)), "your recall is the other measure"),
        (lambda cm: (np.trace(cm) / np.sum(cm), _recall(cm)), "accuracy is one number"),
        (lambda cm: (_precision(cm)[:2], _recall(cm)), "one number per class"),
        (lambda cm: (_precision(cm), _diag(cm) / np.sum(cm)), "not by all flowers"),
        (lambda cm: (100 * _precision(cm), _recall(cm)), "not percentages"),
        (lambda cm: (_precision(cm), np.ones(3)), "recall is off"),
        (lambda cm: (np.ones(3), _recall(cm)), "precision is off"),
    ],
)
def test_precision_and_recall_wrong(answer, message, capsys):
    result, out = _run(nb02.check_precision_and_recall, answer, capsys)
    assert result is False
    assert message in out, out


def _naive_float64(z, y):
    """The textbook formula in float64: right at ±60, but exp(1000) overflows."""
    p = np.exp(np.asarray(z, dtype=float))
    p = p / p.sum(axis=-1, keepdims=True)
    return -np.log(p[np.arange(len(y)), y]).mean()


def _log_of_stable_softmax(z, y):
    return -np.log(softmax(z)[np.arange(len(y)), y]).mean()


@pytest.mark.parametrize("answer", [_naive_float64, _log_of_stable_softmax])
def test_cross_entropy_stability_test_fails_the_naive_formula_in_float64(answer, capsys):
    assert abs(answer(np.array([[60.0, 0.0, -60.0]]), np.array([2])) - 120) < 1e-6  # ±60 alone cannot tell
    result, out = _run(nb02.check_cross_entropy, answer, capsys)
    assert result is False and "[[1000, 0, -1000]]" in out and "log-sum-exp" in out, out


def test_complex_softmax_is_refused(capsys):
    result, out = _run(nb02.check_softmax, lambda z: softmax(z) + 1j, capsys)
    assert result is False and "complex" in out, out


# ---------------------------------------------------------------- Exercise 4: the KL divergence


def kl_divergence(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    return np.sum(np.where(support, p * np.log(np.where(support, p, 1.0) / np.where(support, q, 1.0)), 0.0), axis=-1)


def test_kl_correct_and_other_correct_forms(capsys):
    from scipy.special import rel_entr, xlogy
    from scipy.stats import entropy

    for answer in (kl_divergence,
                   lambda p, q: rel_entr(p, q).sum(axis=-1),
                   lambda p, q: entropy(p, q, axis=-1),
                   lambda p, q: np.sum(xlogy(p, p) - xlogy(p, q), axis=-1),
                   lambda p, q: np.sum(p * np.log((np.asarray(p) + 1e-12) / (np.asarray(q) + 1e-12)), axis=-1)):
        result, out = _run(nb02.check_kl_divergence, answer, capsys)
        assert result is True and "correct" in out, out


def _naive_kl(p, q):
    return np.sum(p * np.log(p / q), axis=-1)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "raised ZeroDivisionError"),
        (_naive_kl, "0 · log 0"),
        (lambda p, q: kl_divergence(q, p), "arguments swapped"),
        (lambda p, q: kl_divergence(p, q) / np.log(2), "bits"),
        (lambda p, q: np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1) / np.where(p > 0, q, 1)), 0), axis=-1),
         "bits"),
        (lambda p, q: -kl_divergence(p, q), "wrong sign"),
        (lambda p, q: -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, q, 1)), 0), axis=-1), "cross-entropy"),
        (lambda p, q: -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=-1), "entropy H(P)"),
        (lambda p, q: np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / np.where(p > 0, q, 1)), 0), "sum them"),
        (lambda p, q: kl_divergence(p, q).sum(), "one divergence per row"),
        (lambda p, q: np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1) / np.where(p > 0, q, 1)), 0), axis=0),
         "axis=-1"),
        (lambda p, q: kl_divergence(p, q) + 0.01, "is off"),
    ],
)
def test_kl_wrong(answer, message, capsys):
    result, out = _run(nb02.check_kl_divergence, answer, capsys)
    assert result is False and message in out, out
