"""Exercise checkers for notebook 00 (foundations): the MSE gradient with L2, a momentum step, a design matrix,
the backward pass of a sigmoid layer.

Each checker calls the student's function on fixed inputs, compares with the right answer and, when it is
wrong, recognises the usual slips (a missing factor 2, a sum instead of a mean, the other momentum convention,
columns in the wrong order, a transposed gradient, a missing activation derivative, an average where the
batch sum belongs) to say what to look at.
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, reference


@reference
def _ridge_gradient(w, b, t, y, lam):
    residual = w * t + b - y
    return np.array([2 * np.mean(residual * t) + 2 * lam * w, 2 * np.mean(residual)])


def _close(a, b):
    return np.allclose(a, b, rtol=1e-6, atol=1e-9)


@exercise("Exercise 1 · gradient of the MSE with an L2 penalty")
def check_ridge_gradient(ridge_gradient):
    rng = np.random.default_rng(0)
    t = rng.uniform(0.2, 3.0, 12)
    y = 9.81 * t + rng.normal(0.0, 1.0, 12)
    n = len(t)
    for w, b, lam in [(2.0, -1.0, 0.0), (5.0, 3.0, 0.5)]:
        what = f"ridge_gradient(w={w}, b={b}, t, y, lam={lam})"
        got = as_array(call(ridge_gradient, w, b, t.copy(), y.copy(), lam, what="ridge_gradient"), what, shape=(2,))
        want = _ridge_gradient(w, b, t, y, lam)
        if _close(got, want):
            continue
        mse_part = _ridge_gradient(w, b, t, y, 0.0)
        penalty = np.array([2 * lam * w, 0.0])
        if lam == 0.0:
            if _close(got, want[::-1]):
                raise Hint(f"{what}: the two partial derivatives are swapped; return (dL/dw, dL/db) in that order")
            if _close(got, -want):
                raise Hint(f"{what}: the sign is flipped; use the residual prediction − target, w*t + b - y")
            if _close(got, want / 2):
                raise Hint(f"{what}: half the right value; the derivative of r² is 2r, keep the factor 2")
            if _close(got, want * n) or _close(got, want * n / 2):
                raise Hint(f"{what}: {n} times too large; L is a mean over the points, not a sum")
            raise Hint(f"{what} is off: expected {np.round(want, 4)}, got {np.round(got, 4)}; "
                       "recheck ∂L/∂w = 2·mean(r·t), ∂L/∂b = 2·mean(r) with r = w*t + b - y")
        if _close(got, mse_part):
            raise Hint(f"{what}: the L2 term is missing; λw² adds 2λw to ∂L/∂w")
        if _close(got, mse_part + penalty / 2):
            raise Hint(f"{what}: the L2 term is half what it should be; the derivative of λw² is 2λw")
        both = np.array([w, b])
        if _close(got, mse_part + 2 * lam * both) or _close(got, mse_part + lam * both):
            raise Hint(f"{what}: the bias is not penalised here, so the L2 term adds nothing to ∂L/∂b")
        raise Hint(f"{what} is off: expected {np.round(want, 4)}, got {np.round(got, 4)}")


@reference
def _momentum_step(theta, velocity, grad, lr, beta):
    velocity = beta * velocity - lr * grad
    return theta + velocity, velocity


@exercise("Exercise 2 · one momentum step")
def check_momentum_step(momentum_step):
    theta = np.array([1.0, 2.0])
    velocity = np.array([0.5, -0.3])
    grad = np.array([0.2, 0.4])
    lr, beta = 0.1, 0.9
    result = call(momentum_step, theta.copy(), velocity.copy(), grad.copy(), lr, beta, what="momentum_step")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Hint(f"momentum_step should return a pair (new_theta, new_velocity), got {type(result).__name__}")
    new_theta = as_array(result[0], "new_theta", shape=(2,))
    new_velocity = as_array(result[1], "new_velocity", shape=(2,))
    want_theta, want_velocity = _momentum_step(theta, velocity, grad, lr, beta)
    if _close(new_theta, want_theta) and _close(new_velocity, want_velocity):
        return
    if _close(new_velocity, beta * velocity + grad) and _close(new_theta, theta - lr * (beta * velocity + grad)):
        raise Hint("that is the other common convention (u = βu + g, θ = θ − ηu); here use u = βu − ηg, θ = θ + u")
    if _close(new_velocity, velocity - lr * grad):
        raise Hint("new_velocity ignores β: the old velocity should be multiplied by beta")
    if _close(new_velocity, beta * velocity + lr * grad):
        raise Hint("new_velocity has the wrong sign on the gradient: step downhill, u = βu − ηg")
    if _close(new_velocity, want_velocity) and _close(new_theta, theta + velocity):
        raise Hint("new_theta uses the old velocity; update the velocity first, then θ = θ + new_velocity")
    if _close(new_velocity, want_velocity):
        raise Hint(f"new_velocity is right but new_theta is off: expected {want_theta}, got {new_theta}")
    if _close(new_theta, want_theta):
        raise Hint(f"new_theta is right but new_velocity is off: expected {want_velocity}, got {new_velocity}")
    raise Hint(f"expected new_theta {want_theta} and new_velocity {want_velocity}, got {new_theta} and {new_velocity}")


@reference
def _design_matrix(x, degree):
    return np.vander(x, degree + 1, increasing=True)


@exercise("Exercise 3 · polynomial design matrix")
def check_design_matrix(design_matrix):
    x = np.array([0.0, 0.5, -1.0, 2.0, 1.5])
    for degree in (3, 0):
        what = f"design_matrix(x, {degree}) for {len(x)} points"
        want = _design_matrix(x, degree)
        got = as_array(call(design_matrix, x.copy(), degree, what="design_matrix"), what)
        if got.shape == (len(x), degree):
            raise Hint(f"{what} has {degree} columns; a degree-{degree} polynomial has {degree + 1} coefficients, "
                       "start with the column x^0 = 1")
        if got.shape == (degree + 1, len(x)):
            raise Hint(f"{what} has shape {got.shape}: transposed; use one row per point and one column per power")
        if got.shape == want.shape and degree > 0 and _close(got, want[:, ::-1]):
            raise Hint(f"{what}: the columns are in decreasing order; go from x^0 up to x^{degree}")
        if got.shape == want.shape and degree > 0 and _close(got[:, :-1], want[:, 1:]):
            raise Hint(f"{what}: the powers start at x^1; column j should hold x**j, so column 0 is all ones")
        expect_close(got, want, what, rtol=1e-6, hint="column j should hold x**j, for j = 0 … degree")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@reference
def _sigmoid_dense_backward(x, W, b, grad_a):
    z = x @ W + b
    delta = grad_a * _sigmoid(z) * (1 - _sigmoid(z))
    return x.T @ delta, delta.sum(axis=0), delta @ W.T


@exercise("Exercise 4 · backward pass of a sigmoid layer")
def check_sigmoid_dense_backward(sigmoid_dense_backward):
    rng = np.random.default_rng(4)
    n, d_in, d_out = 5, 3, 2  # all different, so that a transpose or a missing sum shows in the shape
    x, W = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out))
    b, grad_a = rng.normal(size=d_out), rng.normal(size=(n, d_out)) / n
    what = f"sigmoid_dense_backward(x {x.shape}, W {W.shape}, b {b.shape}, grad_a {grad_a.shape})"
    result = call(sigmoid_dense_backward, x, W, b, grad_a, what="sigmoid_dense_backward")
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise Hint(f"{what} should return three arrays (dW, db, dx), got {type(result).__name__}"
                   + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
    dW, db, dx = (as_array(value, f"{name} of {what}") for value, name in zip(result, ("dW", "db", "dx")))
    want_dW, want_db, want_dx = _sigmoid_dense_backward(x, W, b, grad_a)
    z = x @ W + b
    s = _sigmoid(z)
    # the shapes first: each slip of a transpose or of the batch sum has its own shape
    if dW.shape == (d_out, d_in):
        raise Hint(f"dW has shape {dW.shape}, transposed: it must match W {W.shape}; use x.T @ delta, not delta.T @ x")
    expect_shape = [("dW", dW, want_dW, "like W"), ("db", db, want_db, "like b"), ("dx", dx, want_dx, "like x")]
    if db.shape == (n, d_out):
        raise Hint(f"db has shape {db.shape}, one row per example: sum delta over the batch (axis 0)")
    if db.shape == (1, d_out):
        raise Hint(f"db has shape {db.shape}; it must have the shape of b, {b.shape}: sum without keepdims")
    if dx.shape == (d_in, n):
        raise Hint(f"dx has shape {dx.shape}, transposed: it must match x {x.shape}; use delta @ W.T")
    for name, got, want, like in expect_shape:
        if got.shape != want.shape:
            raise Hint(f"{name} should have shape {want.shape} ({like}), got {got.shape}")
    if _close(dW, want_dW) and _close(db, want_db) and _close(dx, want_dx):
        return
    # the usual slips, each recognised by what the answer equals
    wrong_factor = {
        "forgot_derivative": grad_a,
        "derivative_of_z": grad_a * z * (1 - z),
        "derivative_of_a_twice": grad_a * s * (1 - s) * s * (1 - s),
        "relu_derivative": grad_a * (z > 0),
    }
    for slip, delta in wrong_factor.items():
        if _close(dW, x.T @ delta) or _close(db, delta.sum(axis=0)) or _close(dx, delta @ W.T):
            raise Hint({
                "forgot_derivative": "the activation's derivative is missing: delta = grad_a * σ'(z), with "
                                     "σ'(z) = σ(z)(1 − σ(z)) and z = x @ W + b",
                "derivative_of_z": "σ'(z) is σ(z)(1 − σ(z)), not z(1 − z): apply the sigmoid first",
                "derivative_of_a_twice": "σ'(z) = s(1 − s) with s = σ(z) is applied twice; once is enough",
                "relu_derivative": "that is ReLU's derivative; this layer is a sigmoid: σ'(z) = σ(z)(1 − σ(z))",
            }[slip])
    if _close(dW, -want_dW) and _close(db, -want_db) and _close(dx, -want_dx):
        raise Hint("every gradient has the wrong sign; backprop returns ∂L/∂(…), the step's minus sign comes later")
    if _close(db, want_db / n) or _close(dW, want_dW / n):
        raise Hint(f"averaged over the batch: grad_a already holds the 1/N of the mean loss, so sum over the "
                   f"{n} examples (db = delta.sum(axis=0), dW = x.T @ delta) instead of dividing again")
    if _close(db, want_db * n) or _close(dW, want_dW * n) or _close(dx, want_dx * n):
        raise Hint(f"{n} times too large: grad_a already holds the 1/N of the mean loss; do not multiply by N")
    for name, got, want, _ in expect_shape:
        if not _close(got, want):
            raise Hint(f"{name} is off (expected {np.round(want, 4).tolist()}); recheck delta = grad_a * σ'(z), "
                       "dW = x.T @ delta, db = delta.sum(axis=0), dx = delta @ W.T")
