"""Exercise checkers of notebook 08 (transformers).

Every right answer comes from a function marked as a reference (the student edition replaces their bodies by
results recorded from them, ``utils/checks/recorded/nb08.json``): the course's own implementations in
``utils.gpt`` (``merge_pair`` for the BPE merge, ``scaled_dot_product_attention`` with ``causal_mask`` for
attention), the ones the notebook itself runs on, and small NumPy references for the mask and the temperature
softmax. The usual slips of attention are computed by a reference too, since each of them is one change away
from the answer; the checkers themselves only compare and explain.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import gpt
from ..exercises import Hint, as_array, as_ints, call, exercise, reference, short


@reference
def merge_pair_reference(ids, pair, new_id):
    return gpt.merge_pair(list(ids), tuple(pair), new_id)


@exercise("One BPE merge")
def check_merge_pair(merge_pair):
    """``merge_pair(ids, pair, new_id)`` replaces each occurrence of ``pair``, left to right, by ``new_id``."""
    cases = [
        ([104, 101, 108, 108, 111], (108, 108), 256),  # "hello": the "ll" in the middle
        ([1, 2, 3, 1, 2], (1, 2), 9),  # twice, at both ends
        ([5, 5, 5], (5, 5), 7),  # overlapping: left to right gives [7, 5]
        ([1, 3, 2], (1, 2), 9),  # not adjacent: nothing to merge
        ([4], (4, 4), 8),  # a single token
        ([], (1, 2), 9),  # nothing at all
    ]
    for ids, pair, new_id in cases:
        expected = merge_pair_reference(ids, pair, new_id)
        result = as_ints(call(merge_pair, ids, pair, new_id, what="merge_pair"),
                         f"merge_pair({ids}, {pair}, {new_id}), a list of token ids,")
        if result != expected:
            if ids == [5, 5, 5] and result == [5, 7]:
                raise Hint("merge from the left: in [5, 5, 5] the first two 5s become the new token, giving [7, 5]")
            raise Hint(f"merge_pair({ids}, {pair}, {new_id}) returned {short(result)}, expected {expected}. Walk "
                       "through the list once; when ids[i], ids[i+1] is the pair, append new_id and skip both")


@reference
def causal_mask_reference(length):
    return np.tril(np.ones((length, length)))


@exercise("Causal mask")
def check_causal_mask(causal_mask):
    """``causal_mask(T)``: a (T, T) array, 1/True where query i may attend to key j (j <= i), else 0/False."""
    for length in (4, 7, 1):
        expected = causal_mask_reference(length)
        mask = as_array(call(causal_mask, length, what="causal_mask"), f"causal_mask({length})")
        if mask.shape != (length, length):
            raise Hint(f"causal_mask({length}) should have shape ({length}, {length}), got {mask.shape}")
        if np.array_equal(mask, expected):
            continue
        if np.array_equal(mask, expected.T):
            raise Hint("this mask lets tokens look into the future: row i (a query) may only see columns j <= i")
        if np.array_equal(mask, expected * (1 - np.eye(length))):  # the right mask less its diagonal
            raise Hint("the diagonal is masked: a token may attend to itself (j = i)")
        if np.array_equal(mask, 1 - expected):
            raise Hint("the mask is inverted: use 1/True where attending is allowed (j <= i)")
        raise Hint(f"causal_mask({length}) should be 1 on and below the diagonal and 0 above, got\n{mask}")


@reference
def attention_reference(q, k, v):
    with warnings.catch_warnings():  # Keras warns that a softmax over one key (T = 1) is always 1: it is
        warnings.simplefilter("ignore")
        out, _ = gpt.scaled_dot_product_attention(q, k, v, gpt.causal_mask(q.shape[0]))
    return np.asarray(out, dtype=float)


# The usual slips of causal attention, in the order attention_slips_reference computes them, each with its hint.
ATTENTION_SLIP_HINTS = [
    "the scores are not scaled: divide q·kᵀ by √d_k (d_k = q.shape[-1]), or the softmax gets too peaked as d_k "
    "grows",
    "the scores are divided by d_k: divide by its square root, √d_k",
    "the scores are divided by √d_v: the scale is √d_k, the width of the queries and keys (q.shape[-1]), not of "
    "the values",
    "the mask is applied after the softmax: the weights of a row then no longer sum to 1. Mask the scores (−∞ "
    "above the diagonal) before it",
    "the softmax runs over the wrong axis: each row (one query) must sum to 1 over the keys, so take it over the "
    "last axis (axis=-1)",
    "the mask lets a query see the future and hides the past: query i may look at keys j <= i, not j >= i",
    "the mask is off by one: query i also sees key i + 1, the character it must predict. Allow j <= i only",
    "the diagonal is masked: query i may attend to itself, so allow j <= i",
    "nothing is masked: query i must not see the keys j > i (set their scores to −∞ before the softmax)",
    "the masked scores are set to 0, and exp(0) = 1 still counts: set them to −∞ (or a large negative number "
    "such as -1e9)",
    "the scores are transposed: row i should hold q_i · k_j for every key j, i.e. q @ k.T",
]


@reference
def attention_slips_reference(q, k, v):
    """What the slips of ``ATTENTION_SLIP_HINTS`` compute on (q, k, v), in that order, in NumPy."""
    steps, d_k = q.shape
    allowed = np.tril(np.ones((steps, steps), dtype=bool))
    one_ahead = np.tril(np.ones((steps, steps), dtype=bool), 1)

    def softmax(scores, axis=-1):
        e = np.exp(scores - np.max(scores, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)

    def attend(scores, allow=allowed, axis=-1):
        return softmax(np.where(allow, scores, -np.inf), axis) @ v

    raw = q @ k.T
    scaled = raw / math.sqrt(d_k)
    return [attend(raw), attend(raw / d_k), attend(raw / math.sqrt(v.shape[-1])), softmax(scaled) * allowed @ v,
            attend(scaled, axis=0), attend(scaled, allowed.T), attend(scaled, one_ahead),
            softmax(np.where(np.tril(allowed, -1), scaled, -1e9)) @ v, softmax(scaled) @ v,
            softmax(scaled * allowed) @ v, attend((k @ q.T) / math.sqrt(d_k))]


@exercise("Masked scaled dot-product attention", points=3)
def check_causal_attention(causal_attention):
    """``causal_attention(q, k, v)``: softmax(q kᵀ / √d_k, causal mask) v for q, k (T, d_k) and v (T, d_v)."""
    rng = np.random.default_rng(8)
    cases = [(rng.normal(size=(6, 16)), rng.normal(size=(6, 16)), rng.normal(size=(6, 3)), True),
             (rng.normal(size=(1, 4)), rng.normal(size=(1, 4)), rng.normal(size=(1, 2)), False),
             (30 * rng.normal(size=(5, 4)), 30 * rng.normal(size=(5, 4)), rng.normal(size=(5, 2)), False)]
    nan_hint = ("0 × (−∞) is NaN (e.g. `mask * -np.inf`), and a row whose scores are all −∞ gives 0 / 0. Set the "
                "masked scores with np.where(mask, scores, -np.inf) (or -1e9), and keep the diagonal j = i allowed")
    for q, k, v, diagnose in cases:
        steps = q.shape[0]
        what = f"causal_attention(q, k, v) with q, k of shape {q.shape} and v of shape {v.shape}"
        if np.abs(q).max() > 10:
            nan_hint = ("with large scores exp() overflows to ∞, and ∞ / ∞ is NaN: subtract each row's largest "
                        "score before the exponential (it cancels out in the ratio)")
        expected = attention_reference(q, k, v)
        result = as_array(call(causal_attention, q, k, v, what="causal_attention"), what, shape=(steps, v.shape[1]),
                          nan_hint=nan_hint)
        if np.allclose(result, expected, rtol=1e-4, atol=1e-6):
            continue
        if diagnose:
            for slip, hint in zip(attention_slips_reference(q, k, v), ATTENTION_SLIP_HINTS):
                if np.allclose(result, slip, rtol=1e-4, atol=1e-6):
                    raise Hint(hint)
        raise Hint(f"{what} is off (largest difference {short(np.abs(result - expected).max())}): softmax over "
                   "each row of q kᵀ / √d_k, with −∞ where key j > query i, then times v")


@reference
def softmax_temperature_reference(logits, temperature):
    z = logits / temperature
    expected = np.exp(z - z.max())
    return expected / expected.sum()


@exercise("Softmax with temperature")
def check_softmax_temperature(softmax_with_temperature):
    """``softmax_with_temperature(logits, temperature)`` returns probabilities exp(z/τ) / Σ exp(z/τ)."""
    rng = np.random.default_rng(6)
    cases = [(rng.normal(size=8) * 3, 1.0), (rng.normal(size=8) * 3, 0.5), (rng.normal(size=8) * 3, 2.0),
             (np.array([1000.0, 1001.0, 999.0]), 1.0), (np.array([2.0, 1.0, 0.0]), 0.01)]
    for logits, temperature in cases:
        expected = softmax_temperature_reference(logits, temperature)
        plain = softmax_temperature_reference(logits, 1.0)  # the slip of ignoring the temperature
        what = f"softmax_with_temperature({np.round(logits, 2).tolist()}, {temperature})"
        probs = call(softmax_with_temperature, logits.copy(), temperature, what="softmax_with_temperature")
        try:
            probs = as_array(probs, what, shape=logits.shape)
        except Hint as hint:
            if np.abs(logits).max() >= 1000 or temperature < 0.1:
                raise Hint(f"{hint}. Large logits overflow exp(): subtract the largest logit first (it cancels "
                           "out in the ratio)") from None
            raise
        if not np.isclose(probs.sum(), 1.0, atol=1e-5):
            raise Hint(f"{what} sums to {short(probs.sum())}, not 1: divide by the sum of the exponentials")
        if not np.allclose(probs, expected, atol=1e-5):
            if np.allclose(probs, plain, atol=1e-5):
                raise Hint("the temperature has no effect: divide the logits by it before the exponential")
            raise Hint(f"{what} is off (largest difference {np.abs(probs - expected).max():.3g}): "
                       "p = exp(z / τ) / sum(exp(z / τ)), τ the temperature")
