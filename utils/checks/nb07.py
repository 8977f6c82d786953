"""Exercise checkers of notebook 07 (recurrent networks): backprop through time for a SimpleRNN, one LSTM step.

Each checker calls the student's function on fixed random inputs, compares with the course's answer (the
``reference_*`` functions; the notebook does not call them, and ``tests/test_checks_nb07.py`` checks them against
``tf.GradientTape`` and Keras's ``LSTM``) and, when the answer is wrong, recognises the usual slips: the derivative
of tanh forgotten or taken at the wrong step, the recurrent matrix not transposed, the time loop run forwards, only
the last step kept; a gate squashed with tanh instead of the sigmoid (or the reverse), the forget gate forgotten,
``[h, x]`` concatenated in the wrong order, the gates read from the wrong columns, the tanh of the new cell state
left out.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..exercises import Hint, as_array, call, exercise, reference

GATES = "ifgo"  # Keras's order of the four blocks of an LSTM's weight columns: input, forget, candidate, output


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------------------------ Exercise 1: BPTT, SimpleRNN


@reference
def reference_rnn_forward(x, h0, W_x, W_h, b):
    """All hidden states (T + 1, H) of h_t = tanh(x_t W_x + h_{t-1} W_h + b), with h0 first."""
    hs = [np.asarray(h0, dtype=float)]
    for x_t in x:
        hs.append(np.tanh(x_t @ W_x + hs[-1] @ W_h + b))
    return np.stack(hs)


@reference
def _bptt(x, hs, W_h, grad_h_last, slip=None):
    """The course's backprop through time; ``slip`` names a usual mistake, to recognise it in an answer."""
    T = len(x)
    dW_x, dW_h, db = np.zeros((x.shape[1], W_h.shape[0])), np.zeros_like(W_h), np.zeros(W_h.shape[0])
    delta = np.array(grad_h_last, dtype=float)  # ∂L/∂h_t, starting at t = T
    steps = range(1, T + 1) if slip == "forwards" else range(T, 0, -1)
    for t in steps:
        if slip == "no_derivative":
            da = delta
        elif slip == "derivative_of_previous":
            da = delta * (1 - hs[t - 1] ** 2)
        elif slip == "tanh_twice":
            da = delta * (1 - np.tanh(hs[t]) ** 2)
        else:
            da = delta * (1 - hs[t] ** 2)  # through tanh: tanh'(a) = 1 - tanh(a)² = 1 - h_t²
        dW_x += np.outer(x[t - 1], da)
        dW_h += np.outer(hs[t] if slip == "current_state" else hs[t - 1], da)
        db += da
        delta = da @ (W_h if slip == "not_transposed" else W_h.T)  # on to h_{t-1}
        if slip == "last_step_only":
            break
    return dW_x, dW_h, db


@reference
def reference_bptt(x, hs, W_h, grad_h_last):
    """The course's answer to exercise 1: (∂L/∂W_x, ∂L/∂W_h, ∂L/∂b) of a loss L that depends on h_T only,
    given the inputs ``x`` (T, d), the states ``hs`` (T + 1, H) of the forward pass and ∂L/∂h_T."""
    return _bptt(np.asarray(x, float), np.asarray(hs, float), np.asarray(W_h, float), grad_h_last)


BPTT_SLIPS = {
    "no_derivative": "the derivative of tanh is missing: multiply ∂L/∂h_t by 1 - h_t² before using it",
    "derivative_of_previous": "the tanh derivative is taken at the wrong step: h_t = tanh(a_t), so use 1 - hs[t]**2 "
                              "(the state the step produced), not hs[t-1]",
    "tanh_twice": "hs already holds tanh values: the derivative is 1 - hs[t]**2, not 1 - tanh(hs[t])**2",
    "not_transposed": "the gradient flows back to h_{t-1} through W_h transposed: delta = da @ W_h.T",
    "current_state": "∂L/∂W_h sums outer(h_{t-1}, da_t): the state that went *into* step t, hs[t-1], not hs[t]",
    "forwards": "the loop runs forwards in time; backprop through time starts at the last step, t = T, and walks "
                "back to t = 1",
    "last_step_only": "only the last step contributes; keep passing the gradient back (delta = da @ W_h.T) and "
                      "add every step's share to the three gradients",
}


@exercise("Exercise 1 · backprop through time")
def check_bptt(bptt):
    """``bptt(x, hs, W_h, grad_h_last)`` returns ``(dW_x, dW_h, db)``."""
    rng = np.random.default_rng(7)
    d, H = 3, 4  # different sizes, so that a transposed matrix shows up as a wrong shape
    for T in (6, 1):
        x = rng.normal(size=(T, d))
        W_x, W_h, b = rng.normal(0, 0.6, (d, H)), rng.normal(0, 0.6, (H, H)), rng.normal(0, 0.2, H)
        hs = reference_rnn_forward(x, rng.normal(0, 0.5, H), W_x, W_h, b)
        grad = rng.normal(size=H)
        what = f"bptt(x, hs, W_h, grad_h_last) for T = {T} steps, {d} inputs, {H} hidden units"
        result = call(bptt, x, hs, W_h, grad, what="bptt")
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise Hint(f"{what} should return three arrays (dW_x, dW_h, db), got {type(result).__name__}"
                       + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
        want = _bptt(x, hs, W_h, grad)
        names = ("dW_x", "dW_h", "db")
        got = []
        for name, value, expected in zip(names, result, want):
            array = as_array(value, f"{name} from {what}")
            if array.shape == expected.T.shape and array.shape != expected.shape:
                raise Hint(f"{name} has shape {array.shape}, expected {expected.shape}: it is transposed; "
                           "like the weight it belongs to, its rows index the layer's inputs")
            if array.shape != expected.shape:
                raise Hint(f"{name} from {what} should have shape {expected.shape}, got {array.shape}")
            got.append(array)
        if all(_close(g, w) for g, w in zip(got, want)):
            continue
        for slip, hint in BPTT_SLIPS.items():
            if all(_close(g, w) for g, w in zip(got, _bptt(x, hs, W_h, grad, slip))):
                raise Hint(hint)
        if all(_close(g, -w) for g, w in zip(got, want)):
            raise Hint("every gradient has the wrong sign: da_t = ∂L/∂h_t ⊙ (1 - h_t²), no minus sign")
        wrong = [name for name, g, w in zip(names, got, want) if not _close(g, w)]
        raise Hint(f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} off for T = {T}: walk t from T down "
                   "to 1: da = delta * (1 - hs[t]**2); add outer(x[t-1], da), outer(hs[t-1], da) and da; "
                   "then delta = da @ W_h.T")


# ------------------------------------------------------------------------------ Exercise 2: one LSTM step

@reference
def _lstm_step(x, h, c, W, b, slip=None, order=GATES):
    z = np.concatenate([h, x] if slip == "concat_order" else [x, h]) @ W + b
    blocks = dict(zip(order, np.split(z, 4)))
    squash = {"i": _sigmoid, "f": _sigmoid, "g": np.tanh, "o": _sigmoid}
    if slip == "sigmoid_candidate":
        squash["g"] = _sigmoid
    elif slip and slip.startswith("tanh_"):  # tanh_i, tanh_f, tanh_o
        squash[slip[-1]] = np.tanh
    elif slip == "all_tanh":
        squash = dict.fromkeys("ifgo", np.tanh)
    i, f, g, o = (squash[k](blocks[k]) for k in "ifgo")
    if slip == "no_forget":
        c_new = c + i * g
    elif slip == "no_memory":
        c_new = i * g
    else:
        c_new = f * c + i * g
    if slip == "no_tanh_cell":
        h_new = o * c_new
    elif slip == "old_cell":
        h_new = o * np.tanh(c)
    else:
        h_new = o * np.tanh(c_new)
    return h_new, c_new


@reference
def reference_lstm_step(x, h, c, W, b):
    """The course's answer to exercise 2: one LSTM step, ``(h_new, c_new)``.

    ``W`` (d + H, 4H) is Keras's kernel stacked on its recurrent kernel, so z = [x, h] W + b; its column blocks
    are the input gate, forget gate, candidate and output gate, in Keras's order (i, f, g, o).
    """
    return _lstm_step(np.asarray(x, float), np.asarray(h, float), np.asarray(c, float),
                      np.asarray(W, float), np.asarray(b, float))


LSTM_SLIPS = {
    "sigmoid_candidate": "the candidate g squashes with tanh (values in -1…1, so the cell can also decrease), "
                         "not the sigmoid; only the three gates use the sigmoid",
    "tanh_i": "the input gate i is a gate: a sigmoid, between 0 (let nothing in) and 1 (let all in), not tanh",
    "tanh_f": "the forget gate f is a gate: a sigmoid, between 0 (forget) and 1 (keep), not tanh",
    "tanh_o": "the output gate o is a gate: a sigmoid, between 0 and 1, not tanh",
    "all_tanh": "the gates i, f and o use the sigmoid (0…1); only the candidate g uses tanh",
    "no_forget": "the forget gate is missing: the new cell state is f * c + i * g, not c + i * g",
    "no_memory": "the old cell state is lost: the new cell state is f * c + i * g, the forget gate times the old "
                 "c plus the new information",
    "concat_order": "the concatenation is in the wrong order: z = [x, h] W + b, with x first (the top d rows of W "
                    "are the input kernel)",
    "no_tanh_cell": "the new hidden state is o * tanh(c_new): the tanh of the cell state is missing",
    "old_cell": "the hidden state uses the old cell state: first compute c_new, then h_new = o * tanh(c_new)",
}


@exercise("Exercise 2 · one LSTM step")
def check_lstm_step(lstm_step):
    """``lstm_step(x, h, c, W, b)`` returns ``(h_new, c_new)``."""
    rng = np.random.default_rng(11)
    d, H = 3, 5
    x, h, c = rng.normal(size=d), rng.normal(0, 0.5, H), rng.normal(0, 1.0, H)
    W, b = rng.normal(0, 0.7, (d + H, 4 * H)), rng.normal(0, 0.5, 4 * H)
    what = f"lstm_step(x, h, c, W, b) with {d} inputs and {H} units"
    result = call(lstm_step, x, h, c, W, b, what="lstm_step")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Hint(f"{what} should return a pair (h_new, c_new), got {type(result).__name__}"
                   + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
    h_new = as_array(result[0], f"h_new from {what}", shape=(H,))
    c_new = as_array(result[1], f"c_new from {what}", shape=(H,))
    want_h, want_c = _lstm_step(x, h, c, W, b)
    if _close(h_new, want_h) and _close(c_new, want_c):
        return
    if _close(h_new, want_c) and _close(c_new, want_h):
        raise Hint("h_new and c_new are swapped: return (h_new, c_new) in that order")
    for slip, hint in LSTM_SLIPS.items():
        slip_h, slip_c = _lstm_step(x, h, c, W, b, slip)
        if _close(h_new, slip_h) and _close(c_new, slip_c):
            raise Hint(hint)
    for order in itertools.permutations(GATES):
        slip_h, slip_c = _lstm_step(x, h, c, W, b, order="".join(order))
        if _close(h_new, slip_h) and _close(c_new, slip_c):
            raise Hint(f"the four blocks of z are read in the order {', '.join(order)}; in Keras's layout the "
                       "columns of W are [input gate i | forget gate f | candidate g | output gate o]")
    if _close(c_new, want_c):
        raise Hint("c_new is right, h_new is off: h_new = o * tanh(c_new), with the output gate o = sigmoid(z_o)")
    raise Hint("h_new and c_new are off: z = concatenate([x, h]) @ W + b; split z into four blocks i, f, g, o; "
               "sigmoid for i, f, o, tanh for g; c_new = f * c + i * g; h_new = o * tanh(c_new)")
