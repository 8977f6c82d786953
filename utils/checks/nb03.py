"""Exercise checkers for notebook 03 (convolutional networks): a 2-D cross-correlation written by hand, the
output size of a convolution or pooling layer, and the parameter count of a convolution layer.

Each checker calls the student's function on fixed inputs (never on the notebook's own results, so the
student version runs with every exercise unsolved), compares with the right answer and, when it is wrong,
recognises the usual slips (a flipped kernel, a 'same'-sized output, a forgotten +1, ceil for floor, 'same'
confused with 'valid', a forgotten bias) to say what to look at.
"""

from __future__ import annotations

import math

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, reference, short


@reference
def _correlate(image, kernel):
    """The reference: 'valid' cross-correlation, out[i, j] = sum_ab kernel[a, b] * image[i + a, j + b]."""
    kh, kw = kernel.shape
    windows = np.lib.stride_tricks.sliding_window_view(image, (kh, kw))
    return np.einsum("ijab,ab->ij", windows, kernel)


def _whole(value, what):
    """One whole number from the answer (2, 2.0, np.int64(2) or a one-element tensor), else a ``Hint``."""
    array = as_array(value, what)
    if array.size != 1:
        raise Hint(f"{what} should be one whole number, got an array of shape {array.shape}")
    number = float(array.reshape(()))
    if abs(number) > 1e12:
        raise Hint(f"{what} should be a count of pixels or weights, got {short(number)}: look for a product or power "
                   "that grows without bound")
    if number != math.floor(number):
        raise Hint(f"{what} should be a whole number (a count of pixels or weights), got {short(number)}: "
                   "round down with // (floor division)")
    return int(number)


@exercise("Exercise 1 · a 2-D cross-correlation by hand")
def check_correlate2d(correlate2d):
    rng = np.random.default_rng(3)
    image = rng.integers(0, 10, size=(6, 8)).astype(float)  # output (5, 6): not square, so swapped axes show
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])  # 2×3, no symmetry, so a flipped kernel shows
    what = "correlate2d(image of shape (6, 8), kernel of shape (2, 3))"
    want = _correlate(image, kernel)
    got = as_array(call(correlate2d, image, kernel, what="correlate2d"), what)
    if got.shape != want.shape:
        if got.shape == image.shape:
            raise Hint(f"{what} should have shape {want.shape}, got {got.shape}, the image's own size: compute only "
                       "the 'valid' positions, where the whole kernel lies inside the image (no padding)")
        if got.shape == (want.shape[0] - 1, want.shape[1] - 1):
            raise Hint(f"{what} should have shape {want.shape}, got {got.shape}: the last position is missing; "
                       "there are H - kh + 1 rows of positions (range(H - kh + 1))")
        if got.shape == want.shape[::-1]:
            raise Hint(f"{what} should have shape {want.shape} (rows, columns), got {got.shape}: rows and columns "
                       "are swapped")
        raise Hint(f"{what} should have shape {want.shape} = (H - kh + 1, W - kw + 1), got {got.shape}")
    if np.allclose(got, want, rtol=1e-6, atol=1e-9):
        pass
    elif np.allclose(got, _correlate(image, kernel[::-1, ::-1]), rtol=1e-6, atol=1e-9):
        raise Hint(f"{what}: your kernel is flipped (turned by 180°). That is the convolution of mathematics; "
                   "deep learning's 'convolution' is a cross-correlation: out[i, j] = sum of "
                   "kernel[a, b] * image[i + a, j + b], kernel as it is")
    elif (np.allclose(got, _correlate(image, kernel[::-1, :]), rtol=1e-6, atol=1e-9)
          or np.allclose(got, _correlate(image, kernel[:, ::-1]), rtol=1e-6, atol=1e-9)):
        raise Hint(f"{what}: the kernel is flipped along one axis; use kernel[a, b] with image[i + a, j + b]")
    elif np.allclose(got, _correlate(image, np.ones_like(kernel)) * kernel.sum() / kernel.size, rtol=1e-6):
        raise Hint(f"{what}: multiply each pixel of the window by its own kernel weight, element by element, "
                   "then sum (not the window's sum times the kernel's mean)")
    else:
        worst = np.unravel_index(np.argmax(np.abs(got - want)), want.shape)
        raise Hint(f"{what} is off: at position {tuple(int(i) for i in worst)} expected {short(want[worst])}, got "
                   f"{short(got[worst])}; out[i, j] = sum over a, b of kernel[a, b] * image[i + a, j + b]")

    # the notebook's photo is float: a 1×1 kernel scales, and the input must stay as it was
    image = rng.normal(size=(5, 4))
    what = "correlate2d(image of shape (5, 4), [[2.5]])"
    got = as_array(call(correlate2d, image, np.array([[2.5]]), what="correlate2d"), what)
    if got.shape != image.shape or not np.allclose(got, 2.5 * image, rtol=1e-6, atol=1e-9):
        raise Hint(f"{what} should be the image times 2.5, shape {image.shape}; got shape {got.shape}. Does your "
                   "code assume a 3×3 kernel or whole-number pixels?")


@reference
def _output_size(n, k, stride, padding):
    if padding == "same":
        return -(-n // stride)  # ceil(n / stride)
    p = 0 if padding == "valid" else padding
    return (n + 2 * p - k) // stride + 1


# (n, k, stride, padding): a Conv2D of each kind, and pooling (k = stride = 2), with odd sizes where floor matters
_SIZE_CASES = [(28, 3, 1, 0), (28, 3, 1, 1), (28, 5, 1, "valid"), (28, 3, 1, "same"), (28, 2, 2, 0), (7, 2, 2, 0),
               (32, 3, 2, 1), (28, 4, 3, 0), (15, 3, 2, "same"), (15, 3, 2, "valid"), (227, 11, 4, 0)]


@exercise("Exercise 2 · the output size of a convolution or pooling layer")
def check_conv_output_size(conv_output_size):
    for n, k, stride, padding in _SIZE_CASES:
        what = f"conv_output_size(n={n}, k={k}, stride={stride}, padding={padding!r})"
        got = _whole(call(conv_output_size, n, k, stride, padding, what="conv_output_size"), what)
        want = _output_size(n, k, stride, padding)
        if got == want:
            continue
        p = 0 if isinstance(padding, str) else padding
        span = n + 2 * p - k
        if padding == "same":
            if got == n and stride > 1:
                raise Hint(f"{what} should be {want}: 'same' keeps the size only at stride 1; with stride s it gives "
                           f"ceil(n / s) (Keras's rule), here ceil({n} / {stride}) = {want}")
            if got == n // stride:
                raise Hint(f"{what} should be {want}: with 'same' Keras rounds up, ceil(n / s), not down")
            if got == _output_size(n, k, stride, 0):
                raise Hint(f"{what} should be {want}: you treated 'same' as 'valid' (no padding); 'same' pads so "
                           f"that the output has ceil(n / stride) pixels")
        if padding == "valid" and got in (n, -(-n // stride)):
            raise Hint(f"{what} should be {want}: you treated 'valid' as 'same'; 'valid' adds no padding, so the "
                       "kernel must fit inside the image: (n - k) // stride + 1")
        # (before the +1 check: at p = 1, stride 1 the two slips give the same number, and the first case,
        # without padding, has already caught a missing +1)
        if isinstance(padding, int) and padding and got == (n + padding - k) // stride + 1:
            raise Hint(f"{what} should be {want}: padding={padding} adds {padding} zeros on EACH side, 2p in all")
        if got == span // stride:
            raise Hint(f"{what} should be {want}: the +1 is missing. The first position counts too: "
                       "floor((n + 2p - k) / stride) + 1")
        if got == -(-span // stride) + 1:
            raise Hint(f"{what} should be {want}: round DOWN (floor, //): a kernel that would stick out of the "
                       "(padded) image is not applied, so a position that does not fit is dropped")
        if got == span + 1 and stride > 1:
            raise Hint(f"{what} should be {want}: the stride is missing; the kernel moves {stride} pixels per "
                       f"step, so divide (n + 2p - k) by the stride before adding 1")
        if got == (n - 2 * p - k) // stride + 1 and p:
            raise Hint(f"{what} should be {want}: padding makes the image larger: n + 2p, not n - 2p")
        raise Hint(f"{what} should be {want}, got {got}; the rule is floor((n + 2p - k) / stride) + 1, and 'same' "
                   "gives ceil(n / stride)")


@reference
def _conv_parameters(k, c_in, filters):
    return k * k * c_in * filters + filters


@exercise("Exercise 3 · the parameters of a convolution layer")
def check_conv_parameters(conv_parameters):
    # (kernel size, input channels, filters): the notebook's CNN, RGB input, a 1×1 convolution, a 5×5 one
    for k, c_in, filters in [(3, 1, 32), (3, 32, 64), (3, 3, 16), (1, 64, 16), (5, 6, 16)]:
        what = f"conv_parameters(kernel_size={k}, in_channels={c_in}, filters={filters})"
        got = _whole(call(conv_parameters, k, c_in, filters, what="conv_parameters"), what)
        weights = k * k * c_in * filters
        want = _conv_parameters(k, c_in, filters)
        if got == want:
            continue
        if got == weights and k * k * c_in > 1:  # (for a 1×1 kernel on 1 channel the two slips coincide)
            raise Hint(f"{what} should be {want}: the biases are missing, one per filter (+ {filters})")
        if got == k * k * filters + filters and c_in > 1:
            raise Hint(f"{what} should be {want}: each filter spans all {c_in} input channels, so it has "
                       f"k × k × {c_in} weights, not k × k")
        if got == k * c_in * filters + filters and k > 1:
            raise Hint(f"{what} should be {want}: a {k}×{k} kernel has k² = {k * k} weights per input channel")
        if got == weights + weights or got == weights + k * k * c_in:
            raise Hint(f"{what} should be {want}: there is one bias per filter (per output channel), not one per "
                       "weight or per input channel")
        if got == weights + c_in and c_in != filters:
            raise Hint(f"{what} should be {want}: one bias per FILTER (output channel), not per input channel")
        raise Hint(f"{what} should be {want}, got {got}: each filter has k × k × in_channels weights and one bias")
