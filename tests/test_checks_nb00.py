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
