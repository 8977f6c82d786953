"""The exercise checkers of notebook 03: right answers pass, the usual slips get their own message, nothing raises."""

import math

import numpy as np
import pytest
from checking import _crash, _run, _stub
from scipy.signal import convolve2d as scipy_convolve2d
from scipy.signal import correlate2d as scipy_correlate2d

from utils.checks import nb03

# ---------------------------------------------------------------- Exercise 1: correlate2d


def correlate2d(image, kernel):
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def test_correlate2d_correct(capsys):
    result, out = _run(nb03.check_correlate2d, correlate2d, capsys)
    assert result is True and "correct" in out


def test_correlate2d_accepts_scipy_lists_and_tensors(capsys):
    import tensorflow as tf

    assert nb03.check_correlate2d(lambda x, k: scipy_correlate2d(x, k, mode="valid")) is True
    assert nb03.check_correlate2d(lambda x, k: correlate2d(x, k).tolist()) is True
    assert nb03.check_correlate2d(lambda x, k: tf.constant(correlate2d(x, k))) is True


def _same_size(image, kernel):
    return scipy_correlate2d(image, kernel, mode="same")


def _missing_last(image, kernel):
    return correlate2d(image, kernel)[:-1, :-1]


def _one_flip(image, kernel):
    return correlate2d(image, kernel[::-1, :])


def _mean_times_window(image, kernel):
    return correlate2d(image, np.ones_like(kernel)) * kernel.mean()


def _integer_pixels(image, kernel):
    return correlate2d(np.round(image), kernel)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda x, k: None, "returned None"),
        (_crash, "raised ZeroDivisionError"),
        (lambda x, k: scipy_convolve2d(x, k, mode="valid"), "flipped (turned by 180°)"),
        (_one_flip, "flipped along one axis"),
        (_same_size, "the image's own size"),
        (_missing_last, "the last position is missing"),
        (lambda x, k: correlate2d(x, k).T, "swapped"),
        (_mean_times_window, "element by element"),
        (lambda x, k: correlate2d(x, k) + 1, "is off: at position"),
        (_integer_pixels, "whole-number pixels"),
        (lambda x, k: correlate2d(x, k) * np.nan, "NaN"),
    ],
)
def test_correlate2d_wrong(answer, message, capsys):
    result, out = _run(nb03.check_correlate2d, answer, capsys)
    assert result is False
    assert message in out, out


# ---------------------------------------------------------------- Exercise 2: conv_output_size


def conv_output_size(n, k, stride=1, padding=0):
    if padding == "same":
        return math.ceil(n / stride)
    if padding == "valid":
        padding = 0
    return (n + 2 * padding - k) // stride + 1


def test_output_size_correct(capsys):
    result, out = _run(nb03.check_conv_output_size, conv_output_size, capsys)
    assert result is True and "correct" in out


def test_output_size_accepts_floats_and_numpy(capsys):
    assert nb03.check_conv_output_size(lambda *a: float(conv_output_size(*a))) is True
    assert nb03.check_conv_output_size(lambda *a: np.int64(conv_output_size(*a))) is True


def test_output_size_matches_keras():
    """The reference rule is what Keras does: build each case as a layer and read its output shape."""
    import keras

    for n, k, stride, padding in nb03._SIZE_CASES:
        if isinstance(padding, int) and padding:
            layer = keras.Sequential([keras.layers.ZeroPadding2D(padding), keras.layers.Conv2D(1, k, strides=stride)])
        else:
            layer = keras.layers.Conv2D(1, k, strides=stride, padding=padding or "valid")
        shape = layer(np.zeros((1, n, n, 1), "float32")).shape
        assert shape[1] == nb03._output_size(n, k, stride, padding), (n, k, stride, padding, shape)


def _no_plus_one(n, k, stride, padding):
    if padding == "same":
        return math.ceil(n / stride)
    p = 0 if padding == "valid" else padding
    return (n + 2 * p - k) // stride


def _ceil(n, k, stride, padding):
    if padding == "same":
        return math.ceil(n / stride)
    p = 0 if padding == "valid" else padding
    return math.ceil((n + 2 * p - k) / stride) + 1


def _same_is_n(n, k, stride, padding):
    return n if padding == "same" else conv_output_size(n, k, stride, padding)


def _same_floor(n, k, stride, padding):
    return n // stride if padding == "same" else conv_output_size(n, k, stride, padding)


def _same_as_valid(n, k, stride, padding):
    return conv_output_size(n, k, stride, 0 if padding == "same" else padding)


def _valid_as_same(n, k, stride, padding):
    return conv_output_size(n, k, stride, "same" if padding == "valid" else padding)


def _one_side(n, k, stride, padding):
    p = padding if isinstance(padding, int) else None
    return (n + p - k) // stride + 1 if p else conv_output_size(n, k, stride, padding)


def _no_stride(n, k, stride, padding):
    return conv_output_size(n, k, 1, padding)


def _true_division(n, k, stride, padding):
    p = 0 if padding in ("valid", "same") else padding
    return (n + 2 * p - k) / stride + 1 if padding != "same" else math.ceil(n / stride)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None"),
        (_crash, "raised ZeroDivisionError"),
        (_no_plus_one, "the +1 is missing"),
        (_ceil, "round DOWN"),
        (_same_is_n, "only at stride 1"),
        (_same_floor, "rounds up"),
        (_same_as_valid, "treated 'same' as 'valid'"),
        (_valid_as_same, "treated 'valid' as 'same'"),
        (_one_side, "on EACH side"),
        (_no_stride, "the stride is missing"),
        (_true_division, "should be a whole number"),
        (lambda *a: conv_output_size(*a) + 2, "the rule is floor"),
        (lambda *a: [conv_output_size(*a)] * 2, "one whole number"),
    ],
)
def test_output_size_wrong(answer, message, capsys):
    result, out = _run(nb03.check_conv_output_size, answer, capsys)
    assert result is False
    assert message in out, out


# ---------------------------------------------------------------- Exercise 3: conv_parameters


def conv_parameters(kernel_size, in_channels, filters):
    return kernel_size * kernel_size * in_channels * filters + filters


def test_parameters_correct(capsys):
    result, out = _run(nb03.check_conv_parameters, conv_parameters, capsys)
    assert result is True and "correct" in out


def test_parameters_match_keras():
    import keras

    for k, c_in, filters in [(3, 1, 32), (3, 32, 64), (5, 6, 16)]:
        layer = keras.layers.Conv2D(filters, k)
        layer.build((None, 28, 28, c_in))
        assert layer.count_params() == conv_parameters(k, c_in, filters)


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda k, c, f: None, "returned None"),
        (lambda k, c, f: k * k * c * f, "the biases are missing"),
        (lambda k, c, f: k * k * f + f, "spans all"),
        (lambda k, c, f: k * c * f + f, "k² ="),
        (lambda k, c, f: 2 * k * k * c * f, "not one per weight"),
        (lambda k, c, f: k * k * c * f + c, "per FILTER"),
        (lambda k, c, f: (k * k * c + 1) * f + 1, "each filter has"),
        (lambda k, c, f: (k * k * c * f + f) * 28 * 28, "each filter has"),
        (lambda k, c, f: conv_parameters(k, c, f) + 0.5, "whole number"),
        (lambda k, c, f: "many", "should be a number"),
    ],
)
def test_parameters_wrong(answer, message, capsys):
    result, out = _run(nb03.check_conv_parameters, answer, capsys)
    assert result is False
    assert message in out, out
