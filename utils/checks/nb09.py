"""Exercise checkers for notebook 09 (diffusion models): the forward process in one jump, one reverse
(DDPM) step, and the classifier-free guidance mix.

Each checker calls the student's function on small fixed arrays, compares with the formula and, when it is
wrong, recognises the usual slips (a missing square root, ᾱ swapped for α, an index off by one, the lecture
slide's typo in Algorithm 2, noise added at the last step, the other guidance convention).
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, reference


def _close(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-4, atol=1e-6)


def _schedule(T=10):
    """A short linear schedule with index 0 = no noise, as in the notebook: arrays of T + 1 entries."""
    betas = np.concatenate([[0.0], np.linspace(0.05, 0.4, T)])
    return betas, np.cumprod(1 - betas)


def _column(values, t, ndim):
    v = np.asarray(values)[np.asarray(t)]
    return v.reshape(v.shape + (1,) * (ndim - v.ndim))


# ---------------------------------------------------------------------------------------------------
@reference
def q_sample_reference(x0, t, noise, alpha_bars):
    ab = _column(alpha_bars, t, np.ndim(x0))
    return np.sqrt(ab) * x0 + np.sqrt(1 - ab) * noise


@exercise("Exercise 1 · the forward process in one jump")
def check_q_sample(q_sample):
    """``q_sample(x0, t, noise, alpha_bars)``: one ``t`` per example (an int or an array of N ints)."""
    rng = np.random.default_rng(0)
    _, alpha_bars = _schedule()
    x0 = rng.uniform(-1, 1, size=(4, 3, 3, 1))
    noise = rng.normal(size=x0.shape)
    cases = [(x0[:1], 7, noise[:1], "one image, t = 7"),
             (x0, np.array([1, 4, 7, 10]), noise, "a batch of 4 images with t = [1, 4, 7, 10]")]
    for x, t, eps, what in cases:
        label = f"q_sample for {what}"
        got = as_array(call(q_sample, x.copy(), t, eps.copy(), alpha_bars.copy(), what="q_sample"), label)
        want = q_sample_reference(x, t, eps, alpha_bars)
        if _close(got, want):
            continue
        if got.shape != want.shape:
            raise Hint(f"{label} returned shape {got.shape}, expected {want.shape}: reshape ᾱ_t to (N, 1, 1, 1) "
                       "so that it broadcasts over each image, e.g. alpha_bars[t].reshape(-1, 1, 1, 1)")
        ab = _column(alpha_bars, t, x.ndim)
        if _close(got, ab * x + (1 - ab) * eps):
            raise Hint(f"{label}: the square roots are missing; x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε (the variances, "
                       "not the scales, add up to 1)")
        if _close(got, np.sqrt(1 - ab) * x + np.sqrt(ab) * eps):
            raise Hint(f"{label}: the two scales are swapped; the image keeps √ᾱ_t, the noise gets √(1−ᾱ_t)")
        before = _column(alpha_bars, np.asarray(t) - 1, x.ndim)
        if _close(got, np.sqrt(before) * x + np.sqrt(1 - before) * eps):
            raise Hint(f"{label}: off by one; alpha_bars[0] is the clean image, so use alpha_bars[t], not [t - 1]")
        if np.ndim(t) and _close(got, q_sample_reference(x, np.full_like(t, t[0]), eps, alpha_bars)):
            raise Hint(f"{label}: every image got the noise level of t[0]; each image has its own t")
        betas = 1 - alpha_bars / np.concatenate([[1.0], alpha_bars[:-1]])
        a = _column(1 - betas, t, x.ndim)
        if _close(got, np.sqrt(a) * x + np.sqrt(1 - a) * eps):
            raise Hint(f"{label}: that is one step q(x_t | x_(t−1)) with α_t; the jump from x0 uses the product ᾱ_t")
        expect_close(got, want, label, hint="x_t = sqrt(ᾱ_t) · x0 + sqrt(1 − ᾱ_t) · ε")


# ---------------------------------------------------------------------------------------------------
@reference
def ddpm_step_reference(x_t, eps_hat, t, betas, alpha_bars, z):
    alpha = 1 - betas[t]
    mean = (x_t - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_hat) / np.sqrt(alpha)
    return mean + (np.sqrt(betas[t]) * z if t > 1 else 0.0)


@exercise("Exercise 2 · one reverse step (Algorithm 2, line 4)")
def check_ddpm_step(ddpm_step):
    """``ddpm_step(x_t, eps_hat, t, betas, alpha_bars, z)`` with σ_t = √β_t and no noise at t = 1."""
    rng = np.random.default_rng(1)
    betas, alpha_bars = _schedule()
    x_t, eps_hat, z = (rng.normal(size=(5, 2)) for _ in range(3))
    for t in (6, 1):
        label = f"ddpm_step at t = {t}"
        got = as_array(call(ddpm_step, x_t.copy(), eps_hat.copy(), t, betas.copy(), alpha_bars.copy(), z.copy(),
                            what="ddpm_step"), label, shape=x_t.shape)
        want = ddpm_step_reference(x_t, eps_hat, t, betas, alpha_bars, z)
        if _close(got, want):
            continue
        b, ab, a = betas[t], alpha_bars[t], 1 - betas[t]
        noise = np.sqrt(b) * z if t > 1 else 0.0
        mean = want - noise
        if t == 1 and _close(got, mean + np.sqrt(b) * z):
            raise Hint(f"{label}: no noise is added at the last step (z = 0 when t = 1), so x_0 is the mean itself")
        if t > 1 and _close(got, mean):
            raise Hint(f"{label}: the noise term σ_t·z is missing (σ_t = √β_t); without it every sample "
                       "collapses towards the mean")
        if _close(got, mean + b * z):
            raise Hint(f"{label}: σ_t is the standard deviation √β_t, not the variance β_t")
        if _close(got, (x_t - b / np.sqrt(1 - a) * eps_hat) / np.sqrt(a) + noise):
            raise Hint(f"{label}: the noise coefficient is β_t/√(1−ᾱ_t) with ᾱ_t (alpha_bars[t]); the lecture "
                       "slide's √(1−α_t) is a typo")
        if _close(got, (x_t - b / np.sqrt(1 - ab) * eps_hat) / np.sqrt(ab) + noise):
            raise Hint(f"{label}: divide by √α_t of this one step (α_t = 1 − β_t), not by √ᾱ_t")
        if _close(got, (x_t - b / np.sqrt(1 - ab) * eps_hat) / a + noise):
            raise Hint(f"{label}: divide by the square root √α_t, not by α_t")
        if _close(got, (x_t + b / np.sqrt(1 - ab) * eps_hat) / np.sqrt(a) + noise):
            raise Hint(f"{label}: the predicted noise must be subtracted from x_t, not added")
        if _close(got, (x_t - b / (1 - ab) * eps_hat) / np.sqrt(a) + noise):
            raise Hint(f"{label}: the noise coefficient has a square root in its denominator: β_t / √(1−ᾱ_t)")
        expect_close(got, want, label, hint="x_(t−1) = (x_t − β_t/√(1−ᾱ_t)·ε̂) / √α_t + √β_t·z, with z = 0 at t = 1")


# ---------------------------------------------------------------------------------------------------
@reference
def guided_noise_reference(eps_cond, eps_uncond, w):
    return (1 + w) * eps_cond - w * eps_uncond


@exercise("Exercise 3 · classifier-free guidance")
def check_guided_noise(guided_noise):
    """``guided_noise(eps_cond, eps_uncond, w)`` = (1 + w)·ε(x, y) − w·ε(x, ∅)."""
    rng = np.random.default_rng(2)
    eps_cond, eps_uncond = rng.normal(size=(2, 3, 4, 4, 1))
    for w in (0.0, 2.5):
        label = f"guided_noise with w = {w}"
        got = as_array(call(guided_noise, eps_cond.copy(), eps_uncond.copy(), w, what="guided_noise"), label,
                       shape=eps_cond.shape)
        want = guided_noise_reference(eps_cond, eps_uncond, w)
        if _close(got, want):
            continue
        if w == 0.0:
            if _close(got, eps_uncond):
                raise Hint(f"{label}: w = 0 means no guidance, i.e. the plain conditional prediction ε(x, y), "
                           "not the unconditional one")
            if _close(got, np.zeros_like(got)):
                raise Hint(f"{label}: you returned zeros; w = 0 should give back eps_cond unchanged")
            raise Hint(f"{label}: with w = 0 the answer should be eps_cond itself")
        if _close(got, w * eps_cond + (1 - w) * eps_uncond):
            raise Hint(f"{label}: that is the other convention (guidance scale s = 1 + w); here w = 0 means no "
                       "guidance: (1 + w)·ε(x, y) − w·ε(x, ∅)")
        if _close(got, (1 + w) * eps_uncond - w * eps_cond):
            raise Hint(f"{label}: conditional and unconditional are swapped: push *towards* the class, "
                       "(1 + w)·eps_cond − w·eps_uncond")
        if _close(got, eps_cond + w * eps_uncond) or _close(got, eps_cond + w * (eps_uncond - eps_cond)):
            raise Hint(f"{label}: step away from the unconditional prediction: ε(x, y) + w·(ε(x, y) − ε(x, ∅))")
        expect_close(got, want, label, hint="(1 + w)·eps_cond − w·eps_uncond")
