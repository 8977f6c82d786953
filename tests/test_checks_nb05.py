"""Checkers of notebook 05: right answers pass, wrong ones get a specific message and never raise."""

import keras  # noqa: F401 (imported once here, so TensorFlow's start-up does not count against a check's time limit)
import numpy as np
import pytest

from utils.checks import nb05


def verdict(checker, answer, capsys):
    ok = checker(answer)
    return ok, capsys.readouterr().out


def stub(*args):
    raise NotImplementedError


def broken(*args):
    return 1 / 0


# --- reparameterisation ------------------------------------------------------------------------------
def reparam_good(mean, log_var, eps):
    return mean + np.exp(0.5 * log_var) * eps


def reparam_keras(mean, log_var, eps):  # keras.ops on NumPy input returns a tensor: accepted too
    from keras import ops

    return ops.add(mean, ops.multiply(ops.exp(0.5 * log_var), eps))


@pytest.mark.parametrize("answer", [reparam_good, reparam_keras])
def test_reparameterise_correct(answer, capsys):
    ok, out = verdict(nb05.check_reparameterise, answer, capsys)
    assert ok and "correct" in out


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (stub, "not yet solved"),
        (3.0, "should be a function"),
        (broken, "ZeroDivisionError"),
        (lambda m, lv, e: m[:2], "shape"),
        (lambda m, lv, e: m * np.nan, "NaN"),
        (lambda m, lv, e: "z", "number or an array"),
        (lambda m, lv, e: m + np.exp(lv) * e, "standard deviation"),
        (lambda m, lv, e: m + lv * e, "log σ²"),
        (lambda m, lv, e: m + np.exp(0.5 * lv), "depend on eps"),
        (lambda m, lv, e: m + np.exp(0.5 * lv) * np.random.normal(size=m.shape), "use the eps passed in"),
        (lambda m, lv, e: m - np.exp(0.5 * lv) * e, "off"),
    ],
)
def test_reparameterise_wrong(answer, message, capsys):
    ok, out = verdict(nb05.check_reparameterise, answer, capsys)
    assert ok is False and message in out, out


# --- KL of two Gaussians -----------------------------------------------------------------------------
def kl_good(mq, lvq, mp, lvp):
    return 0.5 * np.sum(lvp - lvq + (np.exp(lvq) + (mq - mp) ** 2) / np.exp(lvp) - 1, axis=-1)


def test_kl_correct(capsys):
    ok, out = verdict(nb05.check_kl_gaussians, kl_good, capsys)
    assert ok and "correct" in out


def test_kl_reference_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mq, lvq, mp, lvp = 0.3, -0.5, -0.2, 0.4
    z = mq + np.exp(0.5 * lvq) * rng.normal(size=400_000)

    def log_normal(z, m, lv):
        return -0.5 * (np.log(2 * np.pi) + lv + (z - m) ** 2 / np.exp(lv))

    monte_carlo = np.mean(log_normal(z, mq, lvq) - log_normal(z, mp, lvp))
    exact = nb05.kl_gaussians_reference(np.array([mq]), np.array([lvq]), np.array([mp]), np.array([lvp]))
    assert abs(monte_carlo - exact) < 3e-3


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (stub, "not yet solved"),
        ("kl", "should be a function"),
        (broken, "ZeroDivisionError"),
        (lambda *a: kl_good(*a) * np.nan, "NaN"),
        (lambda mq, lvq, mp, lvp: kl_good(mq, lvq, mp, lvp)[:3], "shape"),
        (lambda mq, lvq, mp, lvp: 0.5 * (lvp - lvq + (np.exp(lvq) + (mq - mp) ** 2) / np.exp(lvp) - 1),
         "sum over the latent dimensions"),
        (lambda *a: np.sum(kl_good(*a)), "one KL per row"),
        (lambda mq, lvq, mp, lvp: kl_good(mp, lvp, mq, lvq), "not symmetric"),
        (lambda *a: 2 * kl_good(*a), "factor ½"),
        (lambda mq, lvq, mp, lvp: 0.5 * np.sum(lvp - lvq + (np.exp(lvq) + (mq - mp) ** 2) / np.exp(lvp), axis=-1),
         "−1"),
        (lambda *a: -kl_good(*a), "never negative"),
        (lambda mq, lvq, mp, lvp: kl_good(mq, lvq, mp, lvp) + 0.1, "off"),
    ],
)
def test_kl_wrong(answer, message, capsys):
    ok, out = verdict(nb05.check_kl_gaussians, answer, capsys)
    assert ok is False and message in out, out


# --- negative ELBO -----------------------------------------------------------------------------------
def kl_prior(mean, log_var):
    return 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=-1)


def elbo_good(x, logits, mean, log_var):
    recon = np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)
    return recon + kl_prior(mean, log_var)


def elbo_keras(x, logits, mean, log_var):
    from keras import ops

    recon = ops.sum(ops.binary_crossentropy(x, logits, from_logits=True), axis=-1)
    return recon + kl_prior(mean, log_var)


def elbo_naive(x, logits, mean, log_var):  # right formula, unstable for confident logits
    p = 1 / (1 + np.exp(-logits))
    with np.errstate(divide="ignore", invalid="ignore"):
        recon = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1)
    return recon + kl_prior(mean, log_var)


def elbo_clipped(x, logits, mean, log_var):
    p = np.clip(1 / (1 + np.exp(-logits)), 1e-7, 1 - 1e-7)
    return -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=-1) + kl_prior(mean, log_var)


def recon_only(x, logits, mean, log_var):
    return elbo_good(x, logits, mean, log_var) - kl_prior(mean, log_var)


@pytest.mark.parametrize("answer", [elbo_good, elbo_keras])
def test_neg_elbo_correct(answer, capsys):
    ok, out = verdict(nb05.check_neg_elbo, answer, capsys)
    assert ok and "correct" in out


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (stub, "not yet solved"),
        ([1, 2, 3], "should be a function"),
        (broken, "ZeroDivisionError"),
        (lambda *a: elbo_good(*a)[:2], "shape (3,)"),
        (lambda *a: np.mean(elbo_good(*a)), "not the batch mean"),
        (lambda *a: elbo_good(*a) * np.nan, "NaN"),
        (recon_only, "add the KL"),
        (lambda x, l, m, lv: kl_prior(m, lv), "only the KL term"),
        (lambda *a: -elbo_good(*a), "sign is flipped"),
        (lambda x, l, m, lv: recon_only(x, l, m, lv) / x.shape[-1] + kl_prior(m, lv), "don't average"),
        (lambda x, l, m, lv: recon_only(x, l, m, lv) - kl_prior(m, lv), "not subtracted"),
        (lambda x, l, m, lv: elbo_good(x, -l, m, lv), "logits are log"),
        (elbo_naive, "±60"),
        (elbo_clipped, "clipping"),
        (lambda *a: elbo_good(*a) + 1.0, "off"),
    ],
)
def test_neg_elbo_wrong(answer, message, capsys):
    ok, out = verdict(nb05.check_neg_elbo, answer, capsys)
    assert ok is False and message in out, out


def test_never_raises_on_odd_answers(capsys):
    for checker in (nb05.check_reparameterise, nb05.check_kl_gaussians, nb05.check_neg_elbo):
        for answer in (None, ..., 0, "x", lambda *a: None, lambda *a: {"a": 1}, lambda *a: [[1, 2], [3]]):
            assert checker(answer) is False
    capsys.readouterr()


def test_reparameterise_that_zeroes_eps_fails(capsys):
    def answer(mean, log_var, eps):
        eps[...] = 0  # then mean + σ·eps = mean, and a reference computed from this eps would agree
        return mean + np.exp(0.5 * log_var) * eps

    result, out = verdict(nb05.check_reparameterise, answer, capsys)
    assert result is False, out
