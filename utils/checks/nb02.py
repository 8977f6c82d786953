"""Exercise checkers for notebook 02 (iris classification): a stable softmax, the cross-entropy of logits,
precision and recall from a confusion matrix, the KL divergence.

Each checker calls the student's function on fixed inputs (never on the notebook's own results, so the
student version runs with every exercise unsolved), compares with the right answer and, when it is wrong,
recognises the usual slips (overflow, normalising the wrong axis, a sum instead of a mean, precision and
recall swapped, a log of 0, KL's arguments swapped, bits instead of nats) to say what to look at.
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, reference, short


@reference
def _softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@reference
def _log_softmax(z):
    z = np.asarray(z, dtype=float)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _close(a, b, rtol=1e-5, atol=1e-8):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


@exercise("Exercise 1 · a numerically stable softmax")
def check_softmax(softmax):
    # one vector of small logits: the formula itself
    z = np.array([1.0, 2.0, 3.0])
    what = "softmax([1, 2, 3])"
    got = as_array(call(softmax, z.copy(), what="softmax"), what)
    want = _softmax(z)
    if got.shape != want.shape:
        raise Hint(f"{what} should have shape {want.shape} (one probability per class), got {got.shape}")
    if _close(got, np.exp(z)):
        raise Hint(f"{what} returns exp(z) without dividing by the sum: probabilities must add up to 1")
    if not _close(got, want):
        raise Hint(f"{what} is off: expected {np.round(want, 4)}, got {np.round(got, 4)}; "
                   "softmax(z)_k = exp(z_k) / sum_j exp(z_j)")

    # a batch: one row of logits per example, each row normalised on its own
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1], [0.0, 0.0, 0.0]])
    what = "softmax(Z) for a batch Z of shape (4, 3)"
    got = as_array(call(softmax, Z.copy(), what="softmax"), what)
    want = _softmax(Z)
    if got.shape != want.shape:
        raise Hint(f"{what} should have shape {want.shape}, got {got.shape}; keep one row per example")
    if _close(got, np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True)):
        raise Hint(f"{what}: each column sums to 1, but each ROW (one example) should; "
                   "use axis=-1 with keepdims=True")
    if _close(got, np.exp(Z) / np.exp(Z).sum()):
        raise Hint(f"{what}: you divided by the sum over the whole batch; normalise each row on its own "
                   "(axis=-1, keepdims=True)")
    if not _close(got, want):
        raise Hint(f"{what} is off (largest difference {np.max(np.abs(got - want)):.3g}); "
                   "check that every row is normalised on its own")

    # large logits: exp(1000) overflows, so the max must be subtracted first, row by row
    big = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1000.0]])
    what = "softmax([[1000, 1001, 999], [-1000, -1000, -1000]])"
    got = as_array(
        call(softmax, big.copy(), what="softmax"), what,
        nan_hint="exp(1000) overflows (and exp(-1000) underflows to 0, giving 0/0). Since softmax(z) = "
        "softmax(z - c) for any constant c, subtract each row's own max first: z - z.max(axis=-1, keepdims=True)",
    )
    want = _softmax(big)
    if got.shape != want.shape:
        raise Hint(f"{what} should have shape {want.shape}, got {got.shape}")
    if not _close(got, want):
        raise Hint(f"{what} is off: expected {np.round(want, 4).tolist()}, got {np.round(got, 4)}; "
                   "subtract each row's own max (keepdims=True), not the max of the whole batch")


@exercise("Exercise 2 · cross-entropy from logits")
def check_cross_entropy(cross_entropy):
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1.2, 0.2, 3.1], [3.0, -1.0, 0.5]])
    labels = np.array([0, 1, 2, 1])  # the last example is predicted wrongly
    n = len(labels)
    what = "cross_entropy(logits, labels) for 4 examples"
    per_example = -_log_softmax(logits)[np.arange(n), labels]
    want = per_example.mean()
    got = as_array(
        call(cross_entropy, logits.copy(), labels.copy(), what="cross_entropy"), what,
        nan_hint="is there a log of a logit (logits can be negative) or of 0? Take the log of probabilities, "
        "or better compute log-probabilities directly: z - m - log(sum(exp(z - m))) with m = max(z)",
    )
    if got.shape == (n,) and _close(got, per_example):
        raise Hint(f"{what} returns one loss per example; return their mean, a single number")
    if got.size != 1:
        raise Hint(f"{what} should be one number (the mean loss), got an array of shape {got.shape}")
    got = float(got.reshape(()))
    if _close(got, want):
        pass
    elif _close(got, -want):
        raise Hint(f"{what} has the wrong sign: the loss is the NEGATIVE log-likelihood, -mean(log p_y), "
                   "and is never negative")
    elif _close(got, n * want):
        raise Hint(f"{what} is {n} times too large: average over the examples (mean), don't sum")
    elif _close(got, want / np.log(2)):
        raise Hint(f"{what} is in bits: use the natural log (np.log), so the loss is in nats like Keras's")
    elif _close(got, -np.mean(np.log(_softmax(logits)[np.arange(n), np.argmax(logits, axis=1)]))):
        raise Hint(f"{what} uses the predicted class's probability; use the TRUE label's: log p[i, labels[i]]")
    elif _close(got, -np.mean(logits[np.arange(n), labels])):
        raise Hint(f"{what} uses the raw logit of the true class; subtract log(sum(exp(z))) to turn it into a "
                   "log-probability (log-softmax)")
    else:
        raise Hint(f"{what} is off: expected {want:.4f}, got {short(got)}; "
                   "the loss is -mean over i of log softmax(logits[i])[labels[i]]")

    # confidently wrong predictions: the true class's logit is 120, then 2000 below the top one. The first is the
    # notebook's example (in float32 exp(-120) underflows); in float64 only the second breaks a naive formula.
    hints = {
        60.0: "exp(-120) underflows to 0 in float32 and log(0) = -inf. Compute the log-probabilities directly with "
              "the log-sum-exp trick: log p = z - m - log(sum(exp(z - m))) with m = max(z)",
        1000.0: "exp(1000) overflows to inf even in float64 (and exp(-1000) underflows to 0), so a formula that "
                "exponentiates the logits first gives inf or NaN. Use the log-sum-exp trick: "
                "log p = z - m - log(sum(exp(z - m))) with m = max(z)",
    }
    for scale, hint in hints.items():
        big = np.array([[scale, 0.0, -scale]])
        what = f"cross_entropy([[{scale:g}, 0, -{scale:g}]], [2])"
        got = as_array(call(cross_entropy, big, np.array([2]), what="cross_entropy"), what, nan_hint=hint)
        if got.size != 1:
            raise Hint(f"{what} should be one number, got an array of shape {got.shape}")
        got = float(got.reshape(()))
        want = float(-_log_softmax(big)[0, 2])
        if abs(got - want) > 1e-3 * want:
            if abs(got - (-np.log(1e-7))) < 0.5:
                raise Hint(f"{what} is {got:.2f}, the cap that clipping probabilities at 1e-7 gives; the true loss "
                           f"is {want:.0f} nats. Work with log-probabilities (log-sum-exp), not clipped probabilities")
            raise Hint(f"{what} is off: expected {want:.0f} nats, got {short(got)}. {hint}")


@reference
def _precision_and_recall(cm):
    cm = np.asarray(cm, dtype=float)
    diag = np.diag(cm)
    return diag / cm.sum(axis=0), diag / cm.sum(axis=1)


@exercise("Exercise 3 · precision and recall from a confusion matrix")
def check_precision_and_recall(precision_and_recall):
    matrices = [  # every class predicted at least once; precision differs from recall in each
        np.array([[8, 0, 0], [0, 14, 0], [0, 1, 7]]),
        np.array([[5, 2, 3], [1, 7, 2], [0, 4, 16]]),
    ]
    for cm in matrices:
        what = f"precision_and_recall({cm.tolist()})"
        result = call(precision_and_recall, cm.copy(), what="precision_and_recall")
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Hint(f"precision_and_recall should return a pair (precision, recall), got {type(result).__name__}"
                       + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
        precision = as_array(result[0], "precision")
        recall = as_array(result[1], "recall")
        want_precision, want_recall = _precision_and_recall(cm)
        for name, got in (("precision", precision), ("recall", recall)):
            if got.shape != (len(cm),):
                raise Hint(f"{what}: {name} should hold one number per class, shape ({len(cm)},), got shape "
                           f"{got.shape}" + (" (accuracy is one number for all classes; this is per class)"
                                             if got.size == 1 else ""))
        if _close(precision, want_precision) and _close(recall, want_recall):
            continue
        if _close(precision, want_recall) and _close(recall, want_precision):
            raise Hint(f"{what}: precision and recall are swapped: precision divides the diagonal by the COLUMN sums "
                       "(cm.sum(axis=0), how often each class was predicted), recall by the ROW sums (cm.sum(axis=1), "
                       "how many flowers truly are of each class); return them in the order (precision, recall)")
        for name, got, want, other in (("precision", precision, want_precision, want_recall),
                                       ("recall", recall, want_recall, want_precision)):
            if _close(got, want):
                continue
            axis = "COLUMN sums, cm.sum(axis=0)" if name == "precision" else "ROW sums, cm.sum(axis=1)"
            if _close(got, other):
                raise Hint(f"{what}: your {name} is the other measure; {name} divides the diagonal by the {axis}")
            if _close(got, np.diag(cm) / cm.sum()):
                raise Hint(f"{what}: {name} divides each class's correct count by its {axis}, not by all flowers")
            if _close(got, 100 * want):
                raise Hint(f"{what}: return {name} as fractions between 0 and 1, not percentages")
            raise Hint(f"{what}: {name} is off: expected {np.round(want, 4)}, got {np.round(got, 4)}; it divides "
                       f"the diagonal by the {axis}")


@reference
def _kl_terms(p, q):
    """The terms p_k log(p_k / q_k) of KL(P || Q), with 0 log 0 = 0."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    support = p > 0
    return np.where(support, p * np.log(np.where(support, p, 1.0) / np.where(support, q, 1.0)), 0.0)


@reference
def _kl(p, q):
    return np.sum(_kl_terms(p, q), axis=-1)


def _entropy(p):
    return _kl(p, np.ones_like(np.asarray(p, dtype=float))) * -1.0  # -sum p log p, with 0 log 0 = 0


@exercise("Exercise 4 · the KL divergence")
def check_kl_divergence(kl_divergence):
    cases = [  # (p, q, what is being tried)
        (np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.5, 0.3]), "two vectors"),
        (np.array([0.7, 0.3, 0.0]), np.array([0.5, 0.25, 0.25]), "a p with a zero (0 · log 0 counts as 0)"),
        (np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]),
         np.array([[0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]),
         "a batch of 4 rows (one with p = q = 0 in a class, one with p = q)"),
    ]
    for p, q, tried in cases:
        what = f"kl_divergence(p, q) for {tried}"
        got = as_array(
            call(kl_divergence, p.copy(), q.copy(), what="kl_divergence"), what,
            nan_hint="where p_k = 0 the term p_k · log(p_k / q_k) is 0 · log 0 = 0 · (-inf) = nan in NumPy; 0 · log 0 "
            "counts as 0, so leave those terms out: np.where(p > 0, ..., 0.0), giving the log a harmless 1 there",
        )
        want = _kl(p, q)
        if got.shape != want.shape:
            if got.shape == p.shape and _close(got, _kl_terms(p, q)):
                raise Hint(f"{what}: these are the terms p_k log(p_k / q_k); sum them over the classes "
                           "(axis=-1) to get the divergence")
            if p.ndim == 2 and got.size == 1:
                raise Hint(f"{what}: return one divergence per row, shape {want.shape}, not one number for the "
                           "batch (sum over axis=-1 only)")
            if p.ndim == 2 and got.shape == (p.shape[1],):
                raise Hint(f"{what}: you summed over the rows (axis 0); each row is a distribution: sum over "
                           "axis=-1")
            raise Hint(f"{what} should have shape {want.shape}, got {got.shape}")
        if _close(got, want, atol=1e-7):
            continue
        if _close(got, _kl(q, p), atol=1e-7):
            raise Hint(f"{what}: that is KL(Q || P), the arguments swapped; KL is not symmetric. "
                       "KL(P || Q) = sum p log(p / q), weighted by p, the first argument")
        if _close(got, want / np.log(2), atol=1e-7):
            raise Hint(f"{what} is in bits (log base 2); use the natural log, np.log, for nats")
        if _close(got, -want, atol=1e-7):
            raise Hint(f"{what} has the wrong sign: it is sum p log(p / q), never negative")
        if _close(got, want + _entropy(p), atol=1e-7):
            raise Hint(f"{what}: that is the cross-entropy H(P, Q) = -sum p log q; KL subtracts the entropy: "
                       "KL(P || Q) = H(P, Q) - H(P)")
        if _close(got, _entropy(p), atol=1e-7):
            raise Hint(f"{what}: that is the entropy H(P); KL(P || Q) = sum p log(p / q) compares p with q")
        raise Hint(f"{what} is off: expected {np.round(want, 4)}, got {np.round(got, 4)}; "
                   "KL(P || Q) = sum_k p_k log(p_k / q_k), in nats")
