"""Checkers for the exercises of notebook 04 (denoising with CNNs)."""

from __future__ import annotations

import numpy as np

from ..exercises import Hint, as_array, call, exercise, reference, short


def _pair(result, what):
    """The (noisy, clean) pair a tf.data map function returns, as two float arrays."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Hint(f"{what} should return a pair (noisy, clean), like the seed's addNoise; got {type(result).__name__}")
    return as_array(result[0], "the noisy image"), as_array(result[1], "the clean image")


@exercise("Exercise 1 · add_poisson_noise")
def check_add_poisson_noise(add_poisson_noise):
    """Shot noise: mean equal to the clean value, variance clean / peak, values in [0, 1], pair returned."""
    peak = 20.0
    grey = np.full((64, 64, 3), 0.4, dtype=np.float32)
    noisy, clean = _pair(call(add_poisson_noise, grey, peak=peak), "add_poisson_noise")
    if noisy.shape != grey.shape:
        raise Hint(f"the noisy image should keep the shape {grey.shape}, got {noisy.shape}")
    if clean.shape != grey.shape or not np.allclose(clean, grey):
        raise Hint("the second element should be the clean image, unchanged (it is the training target)")
    if noisy.min() < 0 or noisy.max() > 1:
        raise Hint("clip the noisy image to [0, 1], the range of a real photo")
    if np.allclose(noisy, grey):
        raise Hint("the noisy image equals the clean one: did you add the noise?")
    if abs(noisy.mean() - 0.4) > 0.02:
        raise Hint(f"shot noise keeps the mean: expected about 0.4, got {short(noisy.mean())}; "
                   "draw counts ~ Poisson(clean · peak) and divide them by peak")
    var, expected = noisy.var(), 0.4 / peak
    if not 0.7 * expected < var < 1.3 * expected:
        raise Hint(f"the variance should be about clean / peak = {expected:.4f}, got {short(var)}: "
                   "Poisson counts have variance equal to their mean")
    levels = np.unique(np.round(noisy * peak, 4))
    if not np.allclose(levels, np.round(levels)):
        raise Hint("the noisy values should be whole photon counts divided by peak")
    # Near white, a quarter of the counts exceed peak (Poisson(18) > 20): an unclipped image always shows it.
    bright = np.full((32, 32, 3), 0.9, dtype=np.float32)
    noisy_bright, _ = _pair(call(add_poisson_noise, bright, peak=peak), "add_poisson_noise")
    if noisy_bright.shape != bright.shape:
        raise Hint(f"the noisy image should keep the shape {bright.shape}, got {noisy_bright.shape}")
    if noisy_bright.min() < 0 or noisy_bright.max() > 1:
        raise Hint("clip the noisy image to [0, 1], the range of a real photo: near white, many photon counts "
                   f"exceed peak (here the largest value is {short(noisy_bright.max())})")
    dark = np.zeros((16, 16, 3), dtype=np.float32)
    noisy_dark, _ = _pair(call(add_poisson_noise, dark, peak=peak), "add_poisson_noise")
    if noisy_dark.shape != dark.shape or not np.allclose(noisy_dark, 0):
        raise Hint("a black pixel receives no photons: its shot noise should be exactly 0")


@reference
def _psnr(clean, estimate):
    return 10 * np.log10(1.0 / np.mean((clean - estimate) ** 2))


@exercise("Exercise 2 · psnr")
def check_psnr(psnr):
    """PSNR in dB for images in [0, 1] (data range 1), on an image whose largest value is well below 1."""
    rng = np.random.default_rng(3)
    clean = 0.1 + 0.6 * rng.random((20, 30, 3))  # a dim photo: its maximum (≈ 0.7) is not MAX = 1
    estimate = np.clip(clean + rng.normal(0, 0.05, clean.shape), 0, 1)
    mse = np.mean((clean - estimate) ** 2)
    expected = _psnr(clean, estimate)
    value = as_array(call(psnr, clean, estimate), "the PSNR")
    if value.shape != ():
        raise Hint(f"psnr should return one number for the whole image, got an array of shape {value.shape}")
    if np.isclose(value, -expected, rtol=1e-4):
        raise Hint("the sign is flipped: PSNR = 10 log10(MAX² / MSE), large when the error is small")
    if np.isclose(value, expected / 2, rtol=1e-4) or np.isclose(value, 20 * np.log10(1 / mse), rtol=1e-4):
        raise Hint("use 10·log10 of a ratio of *squared* quantities (MAX² / MSE), or 20·log10(MAX / RMSE)")
    if np.isclose(value, 1.0 / mse, rtol=1e-4) or np.isclose(value, np.log10(1.0 / mse), rtol=1e-4):
        raise Hint("PSNR is in decibels: 10 · log10(MAX² / MSE)")
    for peak in (clean.max(), estimate.max(), clean.max() - clean.min(), estimate.max() - estimate.min()):
        if np.isclose(value, 10 * np.log10(peak**2 / mse), rtol=1e-4):
            raise Hint("MAX is the largest value the image format allows (1 for images in [0, 1]), not the "
                       "largest value in this image: a dim photo must not score better than a bright one")
    if not np.isclose(value, expected, rtol=1e-4):
        raise Hint(f"expected {expected:.3f} dB, got {short(float(value))} dB: average the squared error over "
                   "every pixel and channel, and take MAX = 1 for images in [0, 1]")


@exercise("Exercise 3 · up_and_skip")
def check_up_and_skip(up_and_skip):
    """Upsample ×2 with a transposed convolution, then concatenate the encoder's features (the skip)."""
    import keras

    coarse = keras.Input(shape=(8, 8, 16), name="coarse")
    skip = keras.Input(shape=(16, 16, 8), name="skip")
    out = call(up_and_skip, coarse, skip, 4)
    if not isinstance(out, keras.KerasTensor) or len(out.shape) != 4:
        raise Hint("up_and_skip should return the 4-D Keras tensor (batch, height, width, channels) that the "
                   f"layers produce, got {type(out).__name__}")
    shape = tuple(out.shape[1:])
    if shape[:2] != (16, 16):
        raise Hint(f"the output should have the skip's size 16×16, got {shape[0]}×{shape[1]}: "
                   "upsample with Conv2DTranspose(filters, 2, strides=2)")
    if shape[2] != 4 + 8:
        raise Hint(f"expected 4 upsampled + 8 skip = 12 channels, got {shape[2]}: "
                   "concatenate (not add) the upsampled features with the skip")
    model = keras.Model([coarse, skip], out)
    rng = np.random.default_rng(0)
    c = rng.normal(size=(1, 8, 8, 16)).astype("float32")
    s = rng.normal(size=(1, 16, 16, 8)).astype("float32")
    y = as_array(model([c, s]), "the output for random inputs")
    close = dict(rtol=1e-2, atol=1e-2)  # loose enough for a bfloat16 mixed-precision policy
    if not np.allclose(y[..., 4:], s, **close) and not np.allclose(y[..., :8], s, **close):
        raise Hint("the skip's values should reach the output unchanged (concatenated), so the decoder "
                   "sees the encoder's fine detail")
    y2 = as_array(model([c * 2 + 1, s]), "the output for random inputs")
    if np.allclose(y, y2):
        raise Hint("the output does not depend on the coarse input: upsample it and use it")

