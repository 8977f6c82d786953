"""Exercise checkers for notebook 06 (GANs).

Each checker calls the student's function on small fixed inputs and compares with the reference; it
recognises the usual slips (swapped labels, a missing term, a naive log of a sigmoid, linear instead of
spherical interpolation) and says which one it sees.
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, reference, short


def _close(a, b, rtol=1e-4, atol=1e-6):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


def _number(value, what, nan_hint):
    """One finite number from the answer, or a ``Hint`` (with ``nan_hint`` for NaN or infinity)."""
    try:
        array = as_array(value, what)
    except Hint as hint:
        if "NaN" in str(hint):
            raise Hint(nan_hint) from None
        raise
    if array.shape != ():
        raise Hint(f"{what} should be one number, got an array of shape {array.shape}: average (or sum) it")
    return array


def _softplus(x):
    return np.logaddexp(0.0, x)


# ---------------------------------------------------------------------------------------------------
@reference
def discriminator_loss_reference(real_logits, fake_logits):
    return float(np.mean(_softplus(-np.asarray(real_logits))) + np.mean(_softplus(np.asarray(fake_logits))))


@exercise("Discriminator loss from logits")
def check_discriminator_loss(discriminator_loss):
    """``discriminator_loss(real_logits, fake_logits)`` = mean softplus(-real) + mean softplus(fake)."""
    rng = np.random.default_rng(0)
    real, fake = rng.normal(1.0, 1.5, size=8), rng.normal(-0.5, 1.5, size=6)  # different sizes on purpose
    loss = _number(call(discriminator_loss, real, fake, what="discriminator_loss"), "the loss",
                   "the loss is NaN or infinite for ordinary logits: check for a log of 0")
    expected = discriminator_loss_reference(real, fake)
    if not _close(loss, expected):
        swapped = np.mean(_softplus(real)) + np.mean(_softplus(-fake))
        if _close(loss, swapped) or _close(loss, discriminator_loss_reference(fake, real)):
            raise Hint("the labels are swapped: real samples have label 1 (term −log σ(real)), fakes label 0 "
                       "(term −log(1 − σ(fake)))")
        if _close(loss, np.mean(_softplus(-real))) or _close(loss, np.mean(_softplus(fake))):
            raise Hint("only one of the two terms: L_D is the real term plus the fake term")
        if _close(loss, -expected):
            raise Hint("the sign is flipped: a cross-entropy is positive; use −log σ(ℓ), not log σ(ℓ)")
        if _close(loss, np.mean(np.concatenate([_softplus(-real), _softplus(fake)]))):
            raise Hint("you averaged over all 14 logits at once: average each batch separately, then add")
        if _close(loss, np.sum(_softplus(-real)) + np.sum(_softplus(fake))):
            raise Hint("you summed over the batch: take the mean of each term")
        expect_close(loss, expected, "the loss", hint="L_D = mean(softplus(−real)) + mean(softplus(fake))")
    extreme = np.array([100.0, -100.0, 0.0])
    big = call(discriminator_loss, extreme, -extreme, what="discriminator_loss")
    big = _number(big, "the loss for logits of ±100",
                  "logits of ±100 give NaN or infinity: log(sigmoid(ℓ)) underflows to log 0; use "
                  "np.logaddexp(0, −ℓ) for −log σ(ℓ)")
    expect_close(big, discriminator_loss_reference(extreme, -extreme), "the loss for logits of ±100", rtol=1e-3,
                 hint="for large logits compute the terms with np.logaddexp, which never overflows")


# ---------------------------------------------------------------------------------------------------
@reference
def game_value_terms(p_data, p_g):
    """The two sums of the game's value, Σ p_data log D* and Σ p_g log(1 − D*)."""
    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)
    total = p_data + p_g
    real, fake = p_data > 0, p_g > 0
    return (float(np.sum(p_data[real] * np.log(p_data[real] / total[real]))),
            float(np.sum(p_g[fake] * np.log(p_g[fake] / total[fake]))))


@reference
def game_value_reference(p_data, p_g):
    return float(sum(game_value_terms(p_data, p_g)))


def _game_cases():
    grid = np.linspace(-3, 3, 61)
    p_data = np.exp(-0.5 * (grid - 0.5) ** 2)
    p_data /= p_data.sum()
    p_g = np.exp(-0.5 * ((grid + 1.0) / 0.7) ** 2)
    p_g /= p_g.sum()
    disjoint_data = np.where(grid < 0, 1.0, 0.0)
    disjoint_g = np.where(grid >= 0, 1.0, 0.0)
    return {
        "p_g = p_data": (p_data, p_data.copy()),
        "two different Gaussians": (p_data, p_g),
        "distributions with zeros": (disjoint_data / disjoint_data.sum(), p_g),
        "distributions with no overlap": (disjoint_data / disjoint_data.sum(), disjoint_g / disjoint_g.sum()),
    }


@exercise("Value of the game against the best discriminator")
def check_game_value(game_value):
    """``game_value(p_data, p_g)`` = Σ p_data log D* + Σ p_g log(1 − D*), D* = p_data / (p_data + p_g)."""
    for name, (p_data, p_g) in _game_cases().items():
        raw = call(game_value, p_data, p_g, what="game_value")
        value = _number(raw, f"the value for {name}",
                        f"NaN or infinity for {name}: where a probability is 0 its term must count as 0 "
                        "(select p > 0 before taking the log)")
        expected = game_value_reference(p_data, p_g)
        if _close(value, expected):
            continue
        if _close(value, game_value_terms(p_data, p_g)[0]):
            raise Hint("only the first sum: add Σ p_g log(1 − D*)")
        if name == "p_g = p_data":
            if _close(value, np.log(4)):
                raise Hint("you got +log 4: the value uses log D*, which is negative; check the sign")
            raise Hint(f"with p_g = p_data, D* = ½ everywhere and the value must be −log 4 ≈ {-np.log(4):.4f}, "
                       f"got {short(float(value))}")
        expect_close(value, expected, f"the value for {name}",
                     hint="D* = p_data / (p_data + p_g); V = Σ p_data log D* + Σ p_g log(1 − D*)")


# ---------------------------------------------------------------------------------------------------
@reference
def slerp_reference(z0, z1, t):
    cos_theta = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    theta = np.arccos(np.clip(cos_theta, -1.0, 1.0))
    return (np.sin((1 - t) * theta) * z0 + np.sin(t * theta) * z1) / np.sin(theta)


@exercise("Spherical interpolation")
def check_slerp(slerp):
    """``slerp(z0, z1, t)`` walks along the arc between z0 and z1."""
    rng = np.random.default_rng(0)
    z0, z1 = rng.normal(size=16), rng.normal(size=16)
    for t in (0.0, 1.0):
        end = as_array(call(slerp, z0.copy(), z1.copy(), t, what="slerp"), f"slerp(z0, z1, {t})", shape=z0.shape)
        if not _close(end, z0 if t == 0 else z1):
            raise Hint(f"slerp(z0, z1, {t:g}) should be {'z0' if t == 0 else 'z1'} exactly: check which sine goes "
                       "with which vector (sin((1 − t)θ) with z0)")
    e0, e1 = np.eye(2)
    mid = as_array(call(slerp, e0, e1, 0.5, what="slerp"), "slerp(e0, e1, 0.5)", shape=(2,))
    if _close(mid, (e0 + e1) / 2):
        raise Hint("that is linear interpolation (its midpoint is shorter than both ends); weight z0 and z1 with "
                   "sin((1 − t)θ) / sin θ and sin(tθ) / sin θ")
    expect_close(mid, (e0 + e1) / np.sqrt(2), "slerp(e0, e1, 0.5) for perpendicular unit vectors",
                 hint="the midpoint of a quarter circle is (e0 + e1) / √2")
    for t in (0.25, 0.7):
        value = as_array(call(slerp, z0.copy(), z1.copy(), t, what="slerp"), f"slerp(z0, z1, {t})", shape=z0.shape)
        expect_close(value, slerp_reference(z0, z1, t), f"slerp(z0, z1, {t})",
                     hint="θ is the angle between z0 and z1: cos θ = z0·z1 / (|z0| |z1|)")
