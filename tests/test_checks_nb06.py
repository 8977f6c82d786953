"""The notebook 06 checkers accept the right answers and answer wrong ones with a specific message."""

import numpy as np
import pytest

from utils.checks import nb06


def stub(*args):
    raise NotImplementedError


def _verdict(checker, answer, capsys):
    ok = checker(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return ok, out


# ---------------------------------------------------------------------------------------------------
def d_loss(real, fake):
    return np.mean(np.logaddexp(0, -real)) + np.mean(np.logaddexp(0, fake))


def test_discriminator_loss_correct(capsys):
    assert _verdict(nb06.check_discriminator_loss, d_loss, capsys)[0] is True
    assert _verdict(nb06.check_discriminator_loss, nb06.discriminator_loss_reference, capsys)[0] is True


@pytest.mark.parametrize("answer, message", [
    (None, "not yet solved"),
    (stub, "not yet solved"),
    (lambda r, f: "a loss", "should be a number"),
    (lambda r, f: np.array([1.0, 2.0]), "one number"),
    (lambda r, f: np.nan, "NaN"),
    (lambda r, f: 1 / 0, "raised ZeroDivisionError"),
    (lambda r, f: d_loss(f, r), "swapped"),
    (lambda r, f: np.mean(np.logaddexp(0, -r)), "only one of the two terms"),
    (lambda r, f: -d_loss(r, f), "sign"),
    (lambda r, f: np.sum(np.logaddexp(0, -r)) + np.sum(np.logaddexp(0, f)), "summed over the batch"),
    (lambda r, f: np.mean(np.concatenate([np.logaddexp(0, -r), np.logaddexp(0, f)])), "averaged over all"),
    (lambda r, f: np.mean(-np.log(1 / (1 + np.exp(-r)))) + np.mean(-np.log(1 - 1 / (1 + np.exp(-f)))), "±100"),
    (lambda r, f: d_loss(r, f) + 0.1, "is off"),
])
def test_discriminator_loss_wrong(answer, message, capsys):
    ok, out = _verdict(nb06.check_discriminator_loss, answer, capsys)
    assert ok is False
    assert message in out, out


# ---------------------------------------------------------------------------------------------------
def test_game_value_correct(capsys):
    assert _verdict(nb06.check_game_value, nb06.game_value_reference, capsys)[0] is True


def naive_game_value(p_data, p_g):
    d = p_data / (p_data + p_g)
    return np.sum(p_data * np.log(d)) + np.sum(p_g * np.log(1 - d))


@pytest.mark.parametrize("answer, message", [
    (None, "not yet solved"),
    (stub, "not yet solved"),
    (lambda p, q: "value", "should be a number"),
    (lambda p, q: p / (p + q), "one number"),
    (naive_game_value, "NaN or infinity"),  # 0 · log 0 and 0 / 0 where both are zero
    (lambda p, q: -nb06.game_value_reference(p, q), "+log 4"),
    (lambda p, q: np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p / (p + q), 1.0)), 0.0)), "only the first sum"),
    (lambda p, q: nb06.game_value_reference(p, q) + 0.01, "−log 4"),
    (lambda p, q: 0.99 * (nb06.game_value_reference(p, q) + np.log(4)) - np.log(4), "is off"),
    (lambda p, q: p[1000], "raised IndexError"),
])
def test_game_value_wrong(answer, message, capsys):
    ok, out = _verdict(nb06.check_game_value, answer, capsys)
    assert ok is False
    assert message in out, out


# ---------------------------------------------------------------------------------------------------
def test_slerp_correct(capsys):
    assert _verdict(nb06.check_slerp, nb06.slerp_reference, capsys)[0] is True


@pytest.mark.parametrize("answer, message", [
    (None, "not yet solved"),
    (stub, "not yet solved"),
    (lambda a, b, t: "z", "should be a number"),
    (lambda a, b, t: np.concatenate([a, b]), "shape"),
    (lambda a, b, t: a * np.nan, "NaN"),
    (lambda a, b, t: (1 - t) * a + t * b, "linear interpolation"),
    (lambda a, b, t: nb06.slerp_reference(b, a, t), "which sine"),
    (lambda a, b, t: nb06.slerp_reference(a, b, t) * (1 + 0.1 * t * (1 - t)), "is off"),
    (lambda a, b, t: np.linalg.inv(np.zeros((2, 2))), "raised LinAlgError"),
])
def test_slerp_wrong(answer, message, capsys):
    ok, out = _verdict(nb06.check_slerp, answer, capsys)
    assert ok is False
    assert message in out, out


def test_discriminator_loss_that_zeroes_its_inputs_fails(capsys):
    def answer(real, fake):
        real[...] = 0
        fake[...] = 0
        return d_loss(real, fake)

    result, out = _verdict(nb06.check_discriminator_loss, answer, capsys)
    assert result is False, out
