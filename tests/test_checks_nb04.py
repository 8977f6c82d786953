"""The exercise checkers of notebook 04: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _run, _stub

from utils.checks import nb04

# ---------------------------------------------------------------- Exercise 1: add_poisson_noise


def add_poisson_noise(clean, peak=30.0):
    counts = np.random.poisson(peak * np.asarray(clean, dtype=np.float64))
    return np.clip(counts / peak, 0.0, 1.0).astype("float32"), clean


def _tf_poisson(clean, peak=30.0):
    import tensorflow as tf

    counts = tf.random.poisson([], peak * tf.convert_to_tensor(clean))
    return tf.clip_by_value(counts / peak, 0.0, 1.0), clean


def test_poisson_correct(capsys):
    result, out = _run(nb04.check_add_poisson_noise, add_poisson_noise, capsys)
    assert result is True and "correct" in out


def test_poisson_accepts_tensorflow(capsys):
    assert nb04.check_add_poisson_noise(_tf_poisson) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        ("poisson", "should be a function"),
        (_crash, "ZeroDivisionError"),
        (lambda clean, peak=30.0: add_poisson_noise(clean, peak)[0], "pair (noisy, clean)"),
        (lambda clean, peak=30.0: (add_poisson_noise(clean, peak)[0][:10], clean), "keep the shape"),
        (lambda clean, peak=30.0: (add_poisson_noise(clean, peak)[0], clean * 0), "clean image, unchanged"),
        (lambda clean, peak=30.0: (np.full(np.shape(clean), np.nan), clean), "NaN"),
        (lambda clean, peak=30.0: (np.random.poisson(peak * np.asarray(clean)) / peak * 3, clean), "clip"),
        (lambda clean, peak=30.0: (np.asarray(clean), clean), "did you add the noise"),
        (lambda clean, peak=30.0: (np.clip(np.random.poisson(peak * np.asarray(clean)), 0, 1), clean),
         "keeps the mean"),  # forgot to divide by peak
        (lambda clean, peak=30.0: (np.clip(np.random.poisson(4 * peak * np.asarray(clean)) / (4 * peak), 0, 1), clean),
         "variance"),  # too many photons: too little noise
        (lambda clean, peak=30.0: (np.clip(np.asarray(clean) + np.random.normal(0, np.sqrt(np.asarray(clean) / peak)),
                                           0, 1), clean), "whole photon counts"),  # a Gaussian imitation
        (lambda clean, peak=30.0: (np.clip(np.asarray(clean) + np.random.normal(0, 0.1, np.shape(clean)), 0, 1), clean),
         ""),  # Gaussian noise of the wrong size
    ],
)
def test_poisson_wrong(answer, message, capsys):
    result, out = _run(nb04.check_add_poisson_noise, answer, capsys)
    assert result is False
    assert message in out


def test_poisson_black_pixels_must_stay_black(capsys):
    def offset(clean, peak=30.0):
        noisy, _ = add_poisson_noise(clean, peak)
        return (noisy + (np.asarray(clean) == 0) * 1 / peak), clean

    result, out = _run(nb04.check_add_poisson_noise, offset, capsys)
    assert result is False and "black pixel" in out


# ---------------------------------------------------------------- Exercise 2: psnr


def psnr(clean, estimate):
    return 10 * np.log10(1.0 / np.mean((np.asarray(clean) - np.asarray(estimate)) ** 2))


def test_psnr_correct(capsys):
    result, out = _run(nb04.check_psnr, psnr, capsys)
    assert result is True and "correct" in out


def test_psnr_accepts_skimage(capsys):
    from skimage.metrics import peak_signal_noise_ratio

    assert nb04.check_psnr(lambda a, b: peak_signal_noise_ratio(a, b, data_range=1)) is True


def _mse(a, b):
    return np.mean((np.asarray(a) - np.asarray(b)) ** 2)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (3.0, "should be a function"),
        (_crash, "ZeroDivisionError"),
        (lambda a, b: "30 dB", "number"),
        (lambda a, b: np.full(3, 30.0), "one number"),
        (lambda a, b: float("nan"), "NaN"),
        (lambda a, b: -psnr(a, b), "sign"),
        (lambda a, b: 20 * np.log10(1 / _mse(a, b)), "squared"),
        (lambda a, b: 1 / _mse(a, b), "decibels"),
        (lambda a, b: 10 * np.log10(255**2 / _mse(a, b)), "MAX = 1"),
        (lambda a, b: 10 * np.log10(1 / np.mean(np.abs(np.asarray(a) - np.asarray(b)))), "expected"),
    ],
)
def test_psnr_wrong(answer, message, capsys):
    result, out = _run(nb04.check_psnr, answer, capsys)
    assert result is False
    assert message in out


# ---------------------------------------------------------------- Exercise 3: up_and_skip


def up_and_skip(coarse, skip, filters):
    from keras import layers

    upsampled = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(coarse)
    return layers.Concatenate()([upsampled, skip])


def test_skip_correct(capsys):
    result, out = _run(nb04.check_up_and_skip, up_and_skip, capsys)
    assert result is True and "correct" in out


def test_skip_correct_under_mixed_precision(capsys):
    import keras

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        result, out = _run(nb04.check_up_and_skip, up_and_skip, capsys)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert result is True, out


def test_skip_either_order(capsys):
    from keras import layers

    def skip_first(coarse, skip, filters):
        return layers.Concatenate()([skip, layers.UpSampling2D()(layers.Conv2D(filters, 1)(coarse))])

    assert nb04.check_up_and_skip(skip_first) is True


def _no_skip(coarse, skip, filters):
    from keras import layers

    return layers.Conv2DTranspose(filters + 8, 2, strides=2, padding="same")(coarse)


def _add_skip(coarse, skip, filters):
    from keras import layers

    return layers.Add()([layers.Conv2DTranspose(8, 2, strides=2, padding="same")(coarse), skip])


def _no_upsample(coarse, skip, filters):
    from keras import layers

    return layers.Concatenate()([layers.Conv2D(filters, 1)(coarse), skip])


def _skip_only(coarse, skip, filters):
    from keras import layers

    return layers.Concatenate()([layers.Conv2D(filters, 1)(skip), skip])


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (42, "should be a function"),
        (_crash, "ZeroDivisionError"),
        (lambda c, s, f: np.zeros((1, 16, 16, 12)), "Keras tensor"),
        (_no_upsample, "raised"),  # Concatenate of 8×8 and 16×16 fails inside the student's code
        (_add_skip, "channels"),
        (_no_skip, "unchanged"),
        (_skip_only, "does not depend on the coarse input"),
    ],
)
def test_skip_wrong(answer, message, capsys):
    result, out = _run(nb04.check_up_and_skip, answer, capsys)
    assert result is False
    assert message in out


def _unclipped(clean, peak=30.0):
    return np.random.poisson(peak * np.asarray(clean, dtype=np.float64)) / peak, clean


def test_poisson_unclipped_fails_every_time(capsys):
    for _ in range(20):
        result, out = _run(nb04.check_add_poisson_noise, _unclipped, capsys)
        assert result is False and "clip" in out, out


def _changes_its_input(clean, peak=30.0):
    noisy, _ = add_poisson_noise(clean, peak)
    clean[...] = noisy  # the checker's reference must not see this
    return noisy, clean


def test_poisson_answer_that_changes_its_input_fails(capsys):
    result, out = _run(nb04.check_add_poisson_noise, _changes_its_input, capsys)
    assert result is False and "clean image, unchanged" in out, out


@pytest.mark.parametrize("peak", [np.max, lambda a: np.max(a) - np.min(a)])
def test_psnr_with_the_images_own_maximum_fails(peak, capsys):
    def answer(clean, estimate):
        return 10 * np.log10(peak(np.asarray(clean)) ** 2 / _mse(clean, estimate))

    result, out = _run(nb04.check_psnr, answer, capsys)
    assert result is False and "not the largest value in this image" in out, out
