"""The exercise checkers of notebook 07: right answers pass, the usual slips get their own message, nothing raises."""

import numpy as np
import pytest
import tensorflow as tf
from checking import _crash, _stub

from utils.checks import nb07

# ---------------------------------------------------------------- the course's answers against TensorFlow


def test_reference_bptt_matches_gradient_tape():
    rng = np.random.default_rng(0)
    T, d, H = 7, 3, 4
    x, h0 = rng.normal(size=(T, d)), rng.normal(0, 0.5, H)
    W_x, W_h, b = rng.normal(0, 0.6, (d, H)), rng.normal(0, 0.6, (H, H)), rng.normal(0, 0.2, H)
    w_y = rng.normal(size=H)
    hs = nb07.reference_rnn_forward(x, h0, W_x, W_h, b)
    grads = nb07.reference_bptt(x, hs, W_h, w_y)  # L = h_T · w_y, so ∂L/∂h_T = w_y
    variables = [tf.Variable(v) for v in (W_x, W_h, b)]
    with tf.GradientTape() as tape:
        h = tf.constant(h0)
        for t in range(T):
            h = tf.tanh(tf.linalg.matvec(variables[0], x[t], transpose_a=True)
                        + tf.linalg.matvec(variables[1], h, transpose_a=True) + variables[2])
        loss = tf.reduce_sum(h * w_y)
    for ours, theirs in zip(grads, tape.gradient(loss, variables)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-9, atol=1e-12)


def test_reference_lstm_step_matches_keras():
    import keras

    rng = np.random.default_rng(1)
    d, H = 3, 5
    layer = keras.layers.LSTM(H, return_state=True)
    x = rng.normal(size=(1, 1, d)).astype("float32")
    h0, c0 = rng.normal(size=(1, H)).astype("float32"), rng.normal(size=(1, H)).astype("float32")
    _, h_keras, c_keras = layer(x, initial_state=[h0, c0])
    kernel, recurrent, bias = (w.numpy() for w in layer.weights)
    bias = rng.normal(0, 0.5, bias.shape).astype("float32")
    layer.weights[2].assign(bias)
    _, h_keras, c_keras = layer(x, initial_state=[h0, c0])
    h, c = nb07.reference_lstm_step(x[0, 0], h0[0], c0[0], np.vstack([kernel, recurrent]), bias)
    np.testing.assert_allclose(h, h_keras.numpy()[0], atol=1e-5)
    np.testing.assert_allclose(c, c_keras.numpy()[0], atol=1e-5)


def test_notebook_uses_no_answer():
    """The notebook compares the learner's own functions with TensorFlow; the course's answers stay in the tests."""
    from pathlib import Path

    source = (Path(__file__).parents[1] / "notebooks" / "07_recurrent_networks.py").read_text()
    used = sorted({name for name in dir(nb07) if name.startswith(("reference_", "_")) and f"nb07.{name}" in source})
    assert not used, f"notebook 07 calls the course's answers {used}"


# ---------------------------------------------------------------- Exercise 1: bptt


def bptt(x, hs, W_h, grad_h_last):
    dW_x, dW_h, db = np.zeros((x.shape[1], W_h.shape[0])), np.zeros_like(W_h), np.zeros(W_h.shape[0])
    delta = grad_h_last
    for t in range(len(x), 0, -1):
        da = delta * (1 - hs[t] ** 2)
        dW_x += np.outer(x[t - 1], da)
        dW_h += np.outer(hs[t - 1], da)
        db += da
        delta = da @ W_h.T
    return dW_x, dW_h, db


def _slip(name):
    return lambda x, hs, W_h, g: nb07._bptt(x, hs, W_h, g, name)


def test_bptt_correct(capsys):
    assert nb07.check_bptt(bptt) is True
    assert "correct" in capsys.readouterr().out


def test_bptt_accepts_lists_and_tensors():
    assert nb07.check_bptt(lambda *a: [g.tolist() for g in bptt(*a)]) is True
    assert nb07.check_bptt(lambda *a: tuple(tf.constant(g) for g in bptt(*a))) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: bptt(*a)[:2], "three arrays"),
        (lambda *a: np.zeros(3), "three arrays"),
        (lambda *a: (bptt(*a)[0].T, *bptt(*a)[1:]), "transposed"),
        (lambda *a: (bptt(*a)[0], bptt(*a)[1], bptt(*a)[2][:2]), "shape (4,)"),
        (lambda *a: (bptt(*a)[0] * np.nan, *bptt(*a)[1:]), "NaN"),
        (_slip("no_derivative"), "derivative of tanh is missing"),
        (_slip("derivative_of_previous"), "wrong step"),
        (_slip("tanh_twice"), "not 1 - tanh(hs[t])**2"),
        (_slip("not_transposed"), "W_h transposed"),
        (_slip("current_state"), "hs[t-1], not hs[t]"),
        (_slip("forwards"), "runs forwards in time"),
        (_slip("last_step_only"), "only the last step"),
        (lambda *a: tuple(-g for g in bptt(*a)), "wrong sign"),
        (lambda *a: (bptt(*a)[0], bptt(*a)[1] + 0.01, bptt(*a)[2]), "dW_h is off"),
    ],
)
def test_bptt_wrong(answer, message, capsys):
    assert nb07.check_bptt(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 2: lstm_step


def lstm_step(x, h, c, W, b):
    z = np.concatenate([x, h]) @ W + b
    i, f, g, o = np.split(z, 4)
    i, f, o, g = 1 / (1 + np.exp(-i)), 1 / (1 + np.exp(-f)), 1 / (1 + np.exp(-o)), np.tanh(g)
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def _lstm_slip(name):
    return lambda x, h, c, W, b: nb07._lstm_step(x, h, c, W, b, name)


def test_lstm_step_correct(capsys):
    assert nb07.check_lstm_step(lstm_step) is True
    assert "correct" in capsys.readouterr().out


def test_lstm_step_accepts_batched_code_and_tensors():
    def batched(x, h, c, W, b):  # written for a batch (rows), used on one vector
        z = np.concatenate([x[None], h[None]], axis=-1) @ W + b
        i, f, g, o = np.split(z, 4, axis=-1)
        c_new = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return (tf.sigmoid(o) * tf.tanh(c_new))[0], c_new[0]

    assert nb07.check_lstm_step(batched) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: lstm_step(*a)[0], "pair (h_new, c_new)"),
        (lambda *a: lstm_step(*a)[::-1], "swapped"),
        (lambda x, h, c, W, b: (np.concatenate([x, h]) @ W)[:5], "pair"),
        (lambda x, h, c, W, b: x @ W, "raised ValueError"),
        (_lstm_slip("sigmoid_candidate"), "candidate g squashes with tanh"),
        (_lstm_slip("tanh_i"), "input gate i is a gate"),
        (_lstm_slip("tanh_f"), "forget gate f is a gate"),
        (_lstm_slip("tanh_o"), "output gate o is a gate"),
        (_lstm_slip("all_tanh"), "only the candidate g uses tanh"),
        (_lstm_slip("no_forget"), "forget gate is missing"),
        (_lstm_slip("no_memory"), "old cell state is lost"),
        (_lstm_slip("concat_order"), "wrong order"),
        (_lstm_slip("no_tanh_cell"), "tanh of the cell state is missing"),
        (_lstm_slip("old_cell"), "uses the old cell state"),
        (lambda x, h, c, W, b: nb07._lstm_step(x, h, c, W, b, order="ifog"), "order i, f, o, g"),
        (lambda x, h, c, W, b: nb07._lstm_step(x, h, c, W, b, order="figo"), "order f, i, g, o"),
        (lambda *a: (lstm_step(*a)[0] + 0.1, lstm_step(*a)[1]), "c_new is right, h_new is off"),
        (lambda *a: (lstm_step(*a)[0], lstm_step(*a)[1] * 1.1), "h_new and c_new are off"),
    ],
)
def test_lstm_step_wrong(answer, message, capsys):
    assert nb07.check_lstm_step(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out
