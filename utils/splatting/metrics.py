"""Image quality: PSNR and SSIM, and an SSIM for the training loss that XLA compiles well on a CPU."""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def psnr(a, b):
    """Peak signal-to-noise ratio in dB for images in [0, 1] (mean over a batch)."""
    mse = np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2, axis=(-3, -2, -1))
    return float(np.mean(-10 * np.log10(np.maximum(mse, 1e-12))))


def ssim(a, b):
    """Structural similarity (Gaussian window 11, σ = 1.5, as ``tf.image.ssim``), mean over a batch."""
    return float(tf.reduce_mean(tf.image.ssim(tf.constant(a, tf.float32), tf.constant(b, tf.float32), 1.0)))


def _blur_matrix(n, size=11, sigma=1.5):
    """``(n - size + 1, n)`` matrix applying a normalised Gaussian filter with 'valid' borders."""
    g = np.exp(-((np.arange(size) - size // 2) ** 2) / (2 * sigma**2))
    g /= g.sum()
    out = np.zeros((n - size + 1, n), np.float32)
    for i in range(n - size + 1):
        out[i, i : i + size] = g
    return out


def ssim_matmul(x, y):
    """SSIM of two ``(H, W, C)`` images, equal to ``tf.image.ssim`` but with the Gaussian blur as two matrix
    products: XLA on a CPU compiles ``tf.image.ssim``'s depthwise convolution (and its gradient) poorly."""
    h, w = x.shape[0], x.shape[1]
    bh, bw = tf.constant(_blur_matrix(h), x.dtype), tf.constant(_blur_matrix(w), x.dtype)

    def blur(z):
        return tf.einsum("ikc,lk->ilc", tf.einsum("ij,jkc->ikc", bh, z), bw)

    c1, c2 = 0.01**2, 0.03**2
    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    luminance = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    contrast_structure = (2 * sxy + c2) / (sxx + syy + c2)
    return tf.reduce_mean(luminance * contrast_structure)
