"""The exercise checkers of notebook 00: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _stub

from utils.checks import nb00

# ---------------------------------------------------------------- Exercise 1: ridge_gradient


def ridge_gradient(w, b, t, y, lam):
    residual = w * t + b - y
    return 2 * np.mean(residual * t) + 2 * lam * w, 2 * np.mean(residual)


def test_ridge_gradient_correct(capsys):
    assert nb00.check_ridge_gradient(ridge_gradient) is True
    assert "correct" in capsys.readouterr().out


def test_ridge_gradient_accepts_array_and_list(capsys):
    assert nb00.check_ridge_gradient(lambda *a: np.array(ridge_gradient(*a))) is True
    assert nb00.check_ridge_gradient(lambda *a: list(ridge_gradient(*a))) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None: did you forget `return`?"),
        (42, "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: "slope", "should be a number"),
        (lambda *a: ridge_gradient(*a)[0], "shape (2,)"),
        (lambda *a: (np.nan, 0.0), "NaN"),
        (lambda *a: ridge_gradient(*a)[::-1], "swapped"),
        (lambda *a: tuple(-g for g in ridge_gradient(*a)), "sign"),
        (lambda *a: tuple(g / 2 for g in ridge_gradient(*a)), "factor 2"),
        (lambda w, b, t, y, lam: tuple(len(t) * g for g in ridge_gradient(w, b, t, y, lam)), "not a sum"),
        (lambda w, b, t, y, lam: ridge_gradient(w, b, t, y, 0.0), "L2 term is missing"),
        (lambda w, b, t, y, lam: (ridge_gradient(w, b, t, y, lam)[0] - lam * w, ridge_gradient(w, b, t, y, lam)[1]),
         "half"),
        (lambda w, b, t, y, lam: (ridge_gradient(w, b, t, y, lam)[0], ridge_gradient(w, b, t, y, lam)[1] + 2 * lam * b),
         "bias is not penalised"),
        (lambda *a: (1.0, 2.0), "is off"),
    ],
)
def test_ridge_gradient_wrong(answer, message, capsys):
    assert nb00.check_ridge_gradient(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 2: momentum_step


def momentum_step(theta, velocity, grad, lr, beta):
    new_velocity = beta * velocity - lr * grad
    return theta + new_velocity, new_velocity


def test_momentum_step_correct(capsys):
    assert nb00.check_momentum_step(momentum_step) is True
    assert "correct" in capsys.readouterr().out


def test_momentum_step_in_place_update_passes():
    def in_place(theta, velocity, grad, lr, beta):
        velocity *= beta
        velocity -= lr * grad
        theta += velocity
        return theta, velocity

    assert nb00.check_momentum_step(in_place) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "raised ZeroDivisionError"),
        (lambda th, u, g, lr, beta: th + beta * u - lr * g, "pair"),
        (lambda th, u, g, lr, beta: ("a", "b"), "should be a number"),
        (lambda th, u, g, lr, beta: (th[:1], u), "shape (2,)"),
        (lambda th, u, g, lr, beta: (th * np.nan, u), "NaN"),
        (lambda th, u, g, lr, beta: (th - lr * (beta * u + g), beta * u + g), "other common convention"),
        (lambda th, u, g, lr, beta: (th + u - lr * g, u - lr * g), "ignores β"),
        (lambda th, u, g, lr, beta: (th + beta * u + lr * g, beta * u + lr * g), "wrong sign"),
        (lambda th, u, g, lr, beta: (th + u, beta * u - lr * g), "old velocity"),
        (lambda th, u, g, lr, beta: (th - lr * g, beta * u - lr * g), "new_theta is off"),
        (lambda th, u, g, lr, beta: (th + beta * u - lr * g, u), "new_velocity is off"),
        (lambda th, u, g, lr, beta: (th, u), "expected new_theta"),
    ],
)
def test_momentum_step_wrong(answer, message, capsys):
    assert nb00.check_momentum_step(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 3: design_matrix


def design_matrix(x, degree):
    return np.stack([np.asarray(x, dtype=float) ** j for j in range(degree + 1)], axis=1)


def test_design_matrix_correct(capsys):
    assert nb00.check_design_matrix(design_matrix) is True
    assert nb00.check_design_matrix(lambda x, p: np.vander(x, p + 1, increasing=True)) is True
    assert capsys.readouterr().out.count("correct") == 2


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "raised ZeroDivisionError"),
        (lambda x, p: "matrix", "should be a number"),
        (lambda x, p: design_matrix(x, p) * np.nan, "NaN"),
        (lambda x, p: np.vander(x, p, increasing=True), "coefficients"),
        (lambda x, p: design_matrix(x, p).T, "transposed"),
        (lambda x, p: np.vander(x, p + 1), "decreasing order"),
        (lambda x, p: np.stack([x ** (j + 1) for j in range(p + 1)], axis=1), "start at x^1"),
        (lambda x, p: np.ones((len(x), p + 1, 2)), "shape"),
        (lambda x, p: design_matrix(x, p) + 0.1, "is off"),
    ],
)
def test_design_matrix_wrong(answer, message, capsys):
    assert nb00.check_design_matrix(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 4: sigmoid_dense_backward


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _delta(x, W, b, grad_a):
    s = _sig(x @ W + b)
    return grad_a * s * (1 - s)


def sigmoid_dense_backward(x, W, b, grad_a):
    delta = _delta(x, W, b, grad_a)
    return x.T @ delta, delta.sum(axis=0), delta @ W.T


def _with(delta_of):
    """An answer that uses ``delta_of(x, W, b, grad_a)`` as δ and the right formulas after it."""
    def answer(x, W, b, grad_a):
        delta = delta_of(x, W, b, grad_a)
        return x.T @ delta, delta.sum(axis=0), delta @ W.T
    return answer


def test_sigmoid_dense_backward_correct(capsys):
    assert nb00.check_sigmoid_dense_backward(sigmoid_dense_backward) is True
    assert nb00.check_sigmoid_dense_backward(lambda *a: list(sigmoid_dense_backward(*a))) is True
    assert capsys.readouterr().out.count("correct") == 2


def test_sigmoid_dense_backward_agrees_with_gradient_tape():
    """The checker's reference is the true gradient: TensorFlow differentiates the same layer (float64)."""
    import tensorflow as tf

    rng = np.random.default_rng(1)
    x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    target = rng.normal(size=(5, 2))
    xv, Wv, bv = (tf.Variable(v, dtype=tf.float64) for v in (x, W, b))
    with tf.GradientTape() as tape:
        a = tf.sigmoid(xv @ Wv + bv)
        loss = tf.reduce_mean(tf.reduce_sum((a - target) ** 2, axis=1))
    grad_a = 2 * (_sig(x @ W + b) - target) / len(x)
    want = [g.numpy() for g in tape.gradient(loss, [Wv, bv, xv])]
    for got, expected in zip(sigmoid_dense_backward(x, W, b, grad_a), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "raised ZeroDivisionError"),
        (lambda x, W, b, g: None, "returned None"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g)[:2], "three arrays"),
        (lambda x, W, b, g: x.T @ g, "three arrays"),
        (lambda x, W, b, g: ("dW", "db", "dx"), "should be a number"),
        (lambda x, W, b, g: tuple(v * np.nan for v in sigmoid_dense_backward(x, W, b, g)), "NaN"),
        (_with(lambda x, W, b, g: g), "derivative is missing"),
        (_with(lambda x, W, b, g: g * (x @ W + b) * (1 - (x @ W + b))), "not z(1 − z)"),
        (_with(lambda x, W, b, g: _delta(x, W, b, g) * _sig(x @ W + b) * (1 - _sig(x @ W + b))), "applied twice"),
        (_with(lambda x, W, b, g: g * (x @ W + b > 0)), "ReLU"),
        (lambda x, W, b, g: (_delta(x, W, b, g).T @ x,) + sigmoid_dense_backward(x, W, b, g)[1:], "transposed"),
        (lambda x, W, b, g: (sigmoid_dense_backward(x, W, b, g)[0], _delta(x, W, b, g),
                             sigmoid_dense_backward(x, W, b, g)[2]), "sum delta over the batch"),
        (lambda x, W, b, g: (sigmoid_dense_backward(x, W, b, g)[0], _delta(x, W, b, g).sum(axis=0, keepdims=True),
                             sigmoid_dense_backward(x, W, b, g)[2]), "without keepdims"),
        (lambda x, W, b, g: (sigmoid_dense_backward(x, W, b, g)[0], _delta(x, W, b, g).mean(axis=0),
                             sigmoid_dense_backward(x, W, b, g)[2]), "averaged over the batch"),
        (lambda x, W, b, g: (x.T @ _delta(x, W, b, g) / len(x),) + sigmoid_dense_backward(x, W, b, g)[1:],
         "averaged over the batch"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g * len(x)), "times too large"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g)[:2] + (W @ _delta(x, W, b, g).T,), "transposed"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g)[:2] + (g @ W.T,), "derivative is missing"),
        (lambda x, W, b, g: tuple(-v for v in sigmoid_dense_backward(x, W, b, g)), "wrong sign"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g)[:2] + (np.zeros((len(x), 7)),), "shape (5, 3)"),
        (lambda x, W, b, g: sigmoid_dense_backward(x, W, b, g)[:2] + (sigmoid_dense_backward(x, W, b, g)[2] + 0.01,),
         "dx is off"),
    ],
)
def test_sigmoid_dense_backward_wrong(answer, message, capsys):
    assert nb00.check_sigmoid_dense_backward(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out
