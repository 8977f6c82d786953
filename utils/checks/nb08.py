"""Exercise checkers of notebook 08 (transformers)."""

from __future__ import annotations

import numpy as np

from ..exercises import Hint, as_array, as_ints, call, exercise, short


def reference_merge(ids, pair, new_id):
    """The course's answer to exercise 1 (one BPE merge, left to right); the notebook's BPE uses it too."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


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
        result = as_ints(call(merge_pair, ids, pair, new_id, what="merge_pair"),
                         f"merge_pair({ids}, {pair}, {new_id}), a list of token ids,")
        expected = reference_merge(ids, pair, new_id)
        if result != expected:
            if ids == [5, 5, 5] and result == [5, 7]:
                raise Hint("merge from the left: in [5, 5, 5] the first two 5s become the new token, giving [7, 5]")
            raise Hint(f"merge_pair({ids}, {pair}, {new_id}) returned {short(result)}, expected {expected}. Walk "
                       "through the list once; when ids[i], ids[i+1] is the pair, append new_id and skip both")


@exercise("Causal mask")
def check_causal_mask(causal_mask):
    """``causal_mask(T)``: a (T, T) array, 1/True where query i may attend to key j (j <= i), else 0/False."""
    for length in (4, 7, 1):
        mask = as_array(call(causal_mask, length, what="causal_mask"), f"causal_mask({length})")
        if mask.shape != (length, length):
            raise Hint(f"causal_mask({length}) should have shape ({length}, {length}), got {mask.shape}")
        expected = np.tril(np.ones((length, length)))
        if np.array_equal(mask, expected):
            continue
        if np.array_equal(mask, expected.T):
            raise Hint("this mask lets tokens look into the future: row i (a query) may only see columns j <= i")
        if np.array_equal(mask, np.tril(np.ones((length, length)), -1)):
            raise Hint("the diagonal is masked: a token may attend to itself (j = i)")
        if np.array_equal(mask, 1 - expected):
            raise Hint("the mask is inverted: use 1/True where attending is allowed (j <= i)")
        raise Hint(f"causal_mask({length}) should be 1 on and below the diagonal and 0 above, got\n{mask}")


@exercise("Softmax with temperature")
def check_softmax_temperature(softmax_with_temperature):
    """``softmax_with_temperature(logits, temperature)`` returns probabilities exp(z/T) / Σ exp(z/T)."""
    rng = np.random.default_rng(6)
    cases = [(rng.normal(size=8) * 3, 1.0), (rng.normal(size=8) * 3, 0.5), (rng.normal(size=8) * 3, 2.0),
             (np.array([1000.0, 1001.0, 999.0]), 1.0), (np.array([2.0, 1.0, 0.0]), 0.01)]
    for logits, temperature in cases:
        what = f"softmax_with_temperature({np.round(logits, 2).tolist()}, {temperature})"
        probs = call(softmax_with_temperature, logits.copy(), temperature, what="softmax_with_temperature")
        try:
            probs = as_array(probs, what, shape=logits.shape)
        except Hint as hint:
            if np.abs(logits).max() >= 1000 or temperature < 0.1:
                raise Hint(f"{hint}. Large logits overflow exp(): subtract the largest logit first (it cancels "
                           "out in the ratio)") from None
            raise
        z = logits / temperature
        expected = np.exp(z - z.max())
        expected /= expected.sum()
        if not np.isclose(probs.sum(), 1.0, atol=1e-5):
            raise Hint(f"{what} sums to {short(probs.sum())}, not 1: divide by the sum of the exponentials")
        if not np.allclose(probs, expected, atol=1e-5):
            plain = np.exp(logits - logits.max())
            plain /= plain.sum()
            if np.allclose(probs, plain, atol=1e-5):
                raise Hint("the temperature has no effect: divide the logits by it before the exponential")
            raise Hint(f"{what} is off (largest difference {np.abs(probs - expected).max():.3g}): "
                       "p = exp(z / T) / sum(exp(z / T))")
