"""Exercise checkers for notebook 05 (variational autoencoders).

Each checker takes the student's function, calls it on small fixed arrays and compares with the
closed-form answer; it recognises the usual slips (variance for standard deviation, a swapped KL,
a missing sum or factor ½, an unstable log) and says which one it sees.
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, reference


def _close(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-4, atol=1e-6)


def _inputs(seed=0, n=4, d=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(scale=1.5, size=(n, d))


# ---------------------------------------------------------------------------------------------------
@reference
def reparameterise_reference(mean, log_var, eps):
    return mean + np.exp(0.5 * log_var) * eps


@exercise("Reparameterisation step")
def check_reparameterise(reparameterise):
    """``reparameterise(mean, log_var, eps)`` should return ``mean + exp(log_var / 2) * eps``."""
    mean, log_var = _inputs(0)
    eps = np.random.default_rng(1).normal(size=mean.shape)
    z = as_array(call(reparameterise, mean, log_var, eps, what="reparameterise"), "z", shape=mean.shape)
    expected = reparameterise_reference(mean, log_var, eps)
    if not _close(z, expected):
        if _close(z, mean + np.exp(log_var) * eps):
            raise Hint("you scaled eps by the variance exp(log_var); scale it by the standard deviation "
                       "σ = exp(log_var / 2)")
        if _close(z, mean + log_var * eps) or _close(z, mean + np.sqrt(np.abs(log_var)) * eps):
            raise Hint("log_var is log σ², not σ: the standard deviation is exp(log_var / 2)")
        if _close(z, mean + np.exp(0.5 * log_var)) or _close(z, mean):
            raise Hint("z should depend on eps: z = mean + σ · eps")
        again = as_array(call(reparameterise, mean, log_var, eps, what="reparameterise"), "z", shape=mean.shape)
        if not _close(again, z):
            raise Hint("your z changes between two calls with the same eps: use the eps passed in instead of "
                       "drawing new noise (all randomness goes through eps, so gradients reach mean and log_var)")
        expect_close(z, expected, "z", hint="z = mean + exp(log_var / 2) * eps, element by element")


# ---------------------------------------------------------------------------------------------------
@reference
def kl_gaussians_reference(mean_q, log_var_q, mean_p, log_var_p):
    """KL(q ‖ p) between diagonal Gaussians, summed over the last axis (nats)."""
    return 0.5 * np.sum(
        log_var_p - log_var_q + (np.exp(log_var_q) + (mean_q - mean_p) ** 2) / np.exp(log_var_p) - 1.0, axis=-1
    )


@exercise("KL divergence of two Gaussians")
def check_kl_gaussians(kl_gaussians):
    """``kl_gaussians(mean_q, log_var_q, mean_p, log_var_p)``: KL(q ‖ p) per row, summed over dimensions."""
    mean_q, log_var_q = _inputs(2, n=5, d=4)
    mean_p, log_var_p = _inputs(3, n=5, d=4)
    args = (mean_q, log_var_q, mean_p, log_var_p)
    expected = kl_gaussians_reference(*args)
    kl = as_array(call(kl_gaussians, *args, what="kl_gaussians"), "the KL")
    if kl.shape == mean_q.shape:
        raise Hint("you returned one value per dimension, shape (5, 4): sum over the latent dimensions "
                   "(the last axis) to get one KL per row, shape (5,)")
    if kl.shape == () and (np.isclose(kl, expected.sum()) or np.isclose(kl, expected.mean())):
        raise Hint("return one KL per row (shape (5,)): sum over the last axis only, not over the batch")
    if not _close(kl, expected):
        if _close(kl, kl_gaussians_reference(mean_p, log_var_p, mean_q, log_var_q)):
            raise Hint("that is KL(p ‖ q): the divergence is not symmetric; the expectation is taken under q")
        if _close(kl, 2 * expected):
            raise Hint("twice the answer: the closed form has a factor ½ in front")
        if _close(kl, expected + 0.5 * mean_q.shape[-1]) or _close(kl, expected + mean_q.shape[-1]):
            raise Hint("remember the −1 inside the sum, once per dimension")
        if _close(kl, -expected):
            raise Hint("the sign is flipped: a KL divergence is never negative")
        expect_close(kl, expected, "the KL", hint="KL = ½ Σ [log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1]")
    same = as_array(call(kl_gaussians, mean_q, log_var_q, mean_q, log_var_q, what="kl_gaussians"), "KL(q ‖ q)")
    expect_close(same, np.zeros(len(mean_q)), "KL(q ‖ q)", hint="a distribution's KL to itself must be 0")


# ---------------------------------------------------------------------------------------------------
@reference
def bernoulli_nll_reference(x, logits):
    """−log p(x | logits) of independent Bernoulli pixels, summed over the last axis, computed stably."""
    return np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)


@reference
def neg_elbo_reference(x, logits, mean, log_var):
    kl = kl_gaussians_reference(mean, log_var, np.zeros_like(mean), np.zeros_like(log_var))
    return bernoulli_nll_reference(x, logits) + kl


def _elbo_inputs(seed, scale):
    rng = np.random.default_rng(seed)
    x = (rng.uniform(size=(3, 6)) < 0.5).astype(float)
    logits = rng.normal(scale=scale, size=(3, 6))
    mean, log_var = _inputs(seed + 1, n=3, d=2)
    return x, logits, mean, log_var


@exercise("Negative ELBO of a batch")
def check_neg_elbo(neg_elbo):
    """``neg_elbo(x, logits, mean, log_var)``: per-image Bernoulli reconstruction + KL to N(0, I), in nats."""
    x, logits, mean, log_var = _elbo_inputs(4, scale=2.0)
    expected = neg_elbo_reference(x, logits, mean, log_var)
    recon = bernoulli_nll_reference(x, logits)
    kl = expected - recon
    value = as_array(call(neg_elbo, x, logits, mean, log_var, what="neg_elbo"), "the negative ELBO")
    if value.shape == () and (np.isclose(value, expected.mean()) or np.isclose(value, expected.sum())):
        raise Hint("return one value per image (shape (3,)), not the batch mean or sum")
    if value.shape != expected.shape:
        raise Hint(f"the negative ELBO should have one value per image, shape {expected.shape}, got {value.shape}")
    if not _close(value, expected):
        if _close(value, recon):
            raise Hint("that is only the reconstruction term: add the KL to the prior N(0, I)")
        if _close(value, kl):
            raise Hint("that is only the KL term: add the reconstruction term −log p(x | z)")
        if _close(value, -expected):
            raise Hint("the sign is flipped: the negative ELBO is a positive number of nats")
        if _close(value, recon / x.shape[-1] + kl):
            raise Hint("sum the reconstruction over the pixels, don't average it: nats per image")
        if _close(value, recon - kl):
            raise Hint("the KL is added, not subtracted: −ELBO = −log p(x | z) + KL(q ‖ p)")
        if _close(value, bernoulli_nll_reference(x, -logits) + kl):
            raise Hint("the logits are log(p / (1 − p)) of a pixel being 1: a large logit should make x = 1 cheap")
        expect_close(value, expected, "the negative ELBO",
                     hint="recon = Σ_pixels [−x log σ(l) − (1 − x) log(1 − σ(l))]; KL = ½ Σ (σ² + μ² − 1 − log σ²)")
    # Confident logits: sigmoid rounds to exactly 0 or 1 in floating point, and a naive log gives -inf.
    x, logits, mean, log_var = _elbo_inputs(5, scale=2.0)
    x[:, 0] = [0.0, 1.0, 0.0]
    logits[:, 0] = np.where(x[:, 0] > 0.5, -60.0, 60.0)  # confidently wrong on one pixel: 60 nats each
    expected = neg_elbo_reference(x, logits, mean, log_var)
    try:
        value = as_array(call(neg_elbo, x, logits, mean, log_var, what="neg_elbo"), "the negative ELBO")
    except Hint as hint:
        if "NaN or infinity" not in str(hint):
            raise
        raise Hint("right for moderate logits, but a logit of ±60 gives inf or NaN: σ(60) rounds to 1, so "
                   "log(1 − σ) = log 0. Work with the logits: −log σ(l) = log(1 + exp(−l)), computed as "
                   "max(l, 0) − l·x + log1p(exp(−|l|)) for the whole pixel term") from None
    expect_close(value, expected, "the negative ELBO with logits of ±60", rtol=1e-3,
                 hint="clipping probabilities (e.g. to 1e-7) caps the cost of a confident mistake; "
                      "compute from the logits: max(l, 0) − l·x + log1p(exp(−|l|))")
