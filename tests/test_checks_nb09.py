"""The exercise checkers of notebook 09: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _stub

from utils.checks import nb09


def _ab(alpha_bars, t, x0):
    return np.asarray(alpha_bars)[np.asarray(t)].reshape(-1, *([1] * (np.ndim(x0) - 1)))


# ---------------------------------------------------------------- Exercise 1: q_sample


def q_sample(x0, t, noise, alpha_bars):
    ab = _ab(alpha_bars, t, x0)
    return np.sqrt(ab) * x0 + np.sqrt(1 - ab) * noise


def test_q_sample_correct(capsys):
    assert nb09.check_q_sample(q_sample) is True
    assert "correct" in capsys.readouterr().out


def test_q_sample_reference_matches_course_code():
    from utils.diffusion import linear_schedule
    from utils.diffusion import q_sample as course_q_sample

    schedule = linear_schedule(20)
    rng = np.random.default_rng(0)
    x0, noise = rng.normal(size=(2, 3, 5, 5, 1))
    t = np.array([1, 10, 20])
    assert np.allclose(course_q_sample(x0, t, noise, schedule.alpha_bars),
                       nb09.q_sample_reference(x0, t, noise, schedule.alpha_bars), atol=1e-6)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None: did you forget `return`?"),
        ("x_t", "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: "noisy", "should be a number"),
        (lambda x0, t, noise, ab: np.full(np.shape(x0), np.nan), "NaN"),
        (lambda x0, t, noise, ab: np.sqrt(ab[t]) * x0 + np.sqrt(1 - ab[t]) * noise, "reshape ᾱ_t"),
        (lambda x0, t, noise, ab: _ab(ab, t, x0) * x0 + (1 - _ab(ab, t, x0)) * noise, "square roots"),
        (lambda x0, t, noise, ab: np.sqrt(1 - _ab(ab, t, x0)) * x0 + np.sqrt(_ab(ab, t, x0)) * noise, "swapped"),
        (lambda x0, t, noise, ab: q_sample(x0, np.asarray(t) - 1, noise, ab), "off by one"),
        (lambda x0, t, noise, ab: q_sample(x0, np.full_like(t, np.ravel(t)[0]), noise, ab), "t[0]"),
        (lambda x0, t, noise, ab: q_sample(x0, t, noise, ab)[..., 0], "shape"),
        (lambda x0, t, noise, ab: q_sample(x0, t, noise, ab) + 0.1, "is off"),
    ],
)
def test_q_sample_wrong(answer, message, capsys):
    assert nb09.check_q_sample(answer) is False
    assert message in capsys.readouterr().out


def test_q_sample_one_step_alpha(capsys):
    def one_step(x0, t, noise, ab):
        betas = 1 - ab / np.concatenate([[1.0], ab[:-1]])
        return q_sample(x0, t, noise, 1 - betas)

    assert nb09.check_q_sample(one_step) is False
    assert "product ᾱ_t" in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 2: ddpm_step


def ddpm_step(x_t, eps_hat, t, betas, alpha_bars, z):
    alpha = 1 - betas[t]
    x = (x_t - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_hat) / np.sqrt(alpha)
    if t > 1:
        x = x + np.sqrt(betas[t]) * z
    return x


def _variant(coef, scale, sigma, noise_at_1=False, sign=-1):
    """A ddpm_step with one part swapped for a plausible mistake."""

    def step(x_t, eps_hat, t, betas, alpha_bars, z):
        b, ab = betas[t], alpha_bars[t]
        a = 1 - b
        mean = (x_t + sign * coef(b, a, ab) * eps_hat) / scale(a, ab)
        return mean + (sigma(b) * z if (t > 1 or noise_at_1) else 0.0)

    return step


RIGHT_COEF = lambda b, a, ab: b / np.sqrt(1 - ab)  # noqa: E731
RIGHT_SCALE = lambda a, ab: np.sqrt(a)  # noqa: E731
RIGHT_SIGMA = np.sqrt


def test_ddpm_step_correct(capsys):
    assert nb09.check_ddpm_step(ddpm_step) is True
    assert "correct" in capsys.readouterr().out
    assert nb09.check_ddpm_step(_variant(RIGHT_COEF, RIGHT_SCALE, RIGHT_SIGMA)) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (3.0, "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: [["a", "b"]], "should be a number"),
        (lambda x_t, *a: x_t[:, 0], "shape (5, 2)"),
        (lambda x_t, *a: x_t * np.nan, "NaN"),
        (_variant(RIGHT_COEF, RIGHT_SCALE, RIGHT_SIGMA, noise_at_1=True), "no noise is added at the last step"),
        (_variant(RIGHT_COEF, RIGHT_SCALE, lambda b: 0.0 * b), "noise term σ_t·z is missing"),
        (_variant(RIGHT_COEF, RIGHT_SCALE, lambda b: b), "not the variance"),
        (_variant(lambda b, a, ab: b / np.sqrt(1 - a), RIGHT_SCALE, RIGHT_SIGMA), "typo"),
        (_variant(RIGHT_COEF, lambda a, ab: np.sqrt(ab), RIGHT_SIGMA), "not by √ᾱ_t"),
        (_variant(RIGHT_COEF, lambda a, ab: a, RIGHT_SIGMA), "square root √α_t"),
        (_variant(RIGHT_COEF, RIGHT_SCALE, RIGHT_SIGMA, sign=+1), "subtracted"),
        (_variant(lambda b, a, ab: b / (1 - ab), RIGHT_SCALE, RIGHT_SIGMA), "square root in its denominator"),
        (lambda *a: ddpm_step(*a) * 1.01, "is off"),
    ],
)
def test_ddpm_step_wrong(answer, message, capsys):
    assert nb09.check_ddpm_step(answer) is False
    assert message in capsys.readouterr().out


# ---------------------------------------------------------------- Exercise 3: guided_noise


def guided_noise(eps_cond, eps_uncond, w):
    return (1 + w) * eps_cond - w * eps_uncond


def test_guided_noise_correct(capsys):
    assert nb09.check_guided_noise(guided_noise) is True
    assert "correct" in capsys.readouterr().out
    assert nb09.check_guided_noise(lambda c, u, w: c + w * (c - u)) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None: did you forget `return`?"),
        ([1, 2], "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda c, u, w: {"eps": c}, "should be a number"),
        (lambda c, u, w: c[0], "shape"),
        (lambda c, u, w: np.full_like(c, np.nan), "NaN"),
        (lambda c, u, w: u, "not the unconditional one"),
        (lambda c, u, w: np.zeros_like(c), "returned zeros"),
        (lambda c, u, w: c if w == 0 else w * c + (1 - w) * u, "other convention"),
        (lambda c, u, w: c if w == 0 else (1 + w) * u - w * c, "swapped"),
        (lambda c, u, w: c + w * u, "step away from the unconditional"),
        (lambda c, u, w: c if w == 0 else c + 0.5, "is off"),
    ],
)
def test_guided_noise_wrong(answer, message, capsys):
    assert nb09.check_guided_noise(answer) is False
    assert message in capsys.readouterr().out
