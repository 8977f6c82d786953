"""Rasterisation: 2-D Gaussians (splats on the screen) blended front to back into an image.

Two renderers: ``render_reference``, the slow and obviously correct loop over pixels and splats (NumPy, for the
checks), and ``rasterize``, the fast tiled one in TensorFlow (differentiable, any float dtype: the tests use
float64 to compare gradients with finite differences, training uses float32).

A 2-D Gaussian is given by its mean (pixels), its *conic* (the inverse covariance as ``(a, b, c)``, the quadratic
form being ``a dx² + 2 b dx dy + c dy²``), the half-size of its box, colour, opacity and depth (for sorting).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import tensorflow as tf

ALPHA_MIN = 1.0 / 255.0  # a Gaussian fainter than this at a pixel is skipped (as in 3DGS)
ALPHA_MAX = 0.99  # no single splat is fully opaque: keeps 1 - alpha > 0 for the gradient
T_MIN = 1e-4  # early termination: stop once less than this much light gets through
CUTOFF = 3.0  # a splat ends at 3 standard deviations (its ellipse q ≤ 9)


class Footprints(NamedTuple):
    """``N`` splats on the screen, ready to blend: what ``rasterize`` takes."""

    means2d: tf.Tensor  # (N, 2) centres in pixels
    conics: tf.Tensor  # (N, 3) inverse covariances (a, b, c)
    extents: tf.Tensor  # (N, 2) half-sizes of the boxes outside which a splat is skipped
    colours: tf.Tensor  # (N, 3)
    opacities: tf.Tensor  # (N,)
    depths: tf.Tensor  # (N,) sort keys: nearest first
    visible: tf.Tensor  # (N,) bool: in front of the camera and in use


class TileLists(NamedTuple):
    """Which splats each tile of pixels blends (``tile_lists``), nearest first."""

    idx: tf.Tensor  # (T, k) splat numbers
    hit: tf.Tensor  # (T, k) a real overlap, not padding
    corners: tf.Tensor  # (T, 2) top-left pixel (x, y) of each tile
    layout: tuple  # (coarse rows, coarse columns, fine rows, fine columns) to reassemble the image
    counts: tf.Tensor  # (T,) how many splats overlapped the tile
    overflow: tf.Tensor  # (T,) more than fit in the list: the farthest were dropped


def conic_and_extent(cov2d, opacities):
    """Inverse covariance ``(a, b, c)`` and the half-size ``(ex, ey)`` of the box outside which alpha < 1/255.

    ``alpha = o · exp(-q/2) ≥ 1/255`` exactly when ``q ≤ 2 ln(255 o)``: that ellipse's bounding box has
    half-sizes ``k √Σxx`` and ``k √Σyy`` with ``k = √(2 ln(255 o))`` (capped at 3σ). Faint Gaussians get a
    small box, so they claim few tiles; the image is unchanged because outside the box they are skipped.
    """
    opacities = tf.cast(opacities, cov2d.dtype)
    sxx, sxy, syy = cov2d[..., 0, 0], cov2d[..., 0, 1], cov2d[..., 1, 1]
    det = sxx * syy - sxy * sxy
    conic = tf.stack([syy / det, -sxy / det, sxx / det], axis=-1)
    k2 = tf.clip_by_value(2.0 * tf.math.log(tf.maximum(opacities / ALPHA_MIN, 1.0)), 0.0, CUTOFF**2)
    extent = tf.sqrt(k2)[..., None] * tf.sqrt(tf.stack([sxx, syy], axis=-1))
    return conic, extent


def render_reference(means2d, conics, colours, opacities, depths, visible, width, height, background):
    """Pixel by pixel, splat by splat from front to back, as the 3DGS CUDA kernel blends (NumPy, slow: checks only)."""
    means2d, conics, colours, opacities, depths = (np.asarray(v, dtype=np.float64) for v in
                                                  (means2d, conics, colours, opacities, depths))
    order = [i for i in np.argsort(depths, kind="stable") if visible[i]]
    image = np.zeros((height, width, 3))
    for row in range(height):
        for col in range(width):
            u, v = col + 0.5, row + 0.5
            T, rgb = 1.0, np.zeros(3)
            for i in order:  # front to back
                dx, dy = u - means2d[i, 0], v - means2d[i, 1]
                a, b, c = conics[i]
                q = a * dx * dx + 2 * b * dx * dy + c * dy * dy
                alpha = min(ALPHA_MAX, opacities[i] * math.exp(-0.5 * q))
                if alpha < ALPHA_MIN or q > CUTOFF**2:  # too faint, or beyond 3σ
                    continue
                if T * (1 - alpha) < T_MIN:  # early termination: this pixel is opaque
                    break
                rgb += T * alpha * colours[i]
                T *= 1 - alpha
            image[row, col] = rgb + T * np.asarray(background)
    return image


def _nearest_overlapping(x0, y0, w, h, means2d, extents, depths, ok, k):
    """For tiles with corners ``(x0, y0)`` and size ``w × h``: the ``k`` nearest candidates whose box overlaps.

    Candidates are laid out along the last axis (their ``means2d`` and ``extents`` end in 2); returns their
    positions there, sorted front to back ``(..., k)``, whether each position is a real overlap, and how
    many candidates overlapped in all (more than ``k``: the tile overflowed).
    """
    mx, my, ex, ey = means2d[..., 0], means2d[..., 1], extents[..., 0], extents[..., 1]
    overlap = ok & (mx + ex > x0) & (mx - ex < x0 + w) & (my + ey > y0) & (my - ey < y0 + h)
    score = tf.where(overlap, -tf.stop_gradient(depths), tf.constant(-np.inf, depths.dtype))
    top, pos = tf.math.top_k(score, k=min(k, score.shape[-1]))  # sorted: nearest first
    return pos, top > -np.inf, tf.reduce_sum(tf.cast(overlap, tf.int32), axis=-1)


def tile_lists(splats, width, height, *, tile=4, k=128, coarse=None):
    """Which of the ``Footprints`` each ``tile × tile`` block of pixels must blend, nearest first: ``TileLists``.

    With ``coarse = (size, k_coarse)`` the selection is hierarchical: big tiles first keep their
    ``k_coarse`` nearest Gaussians out of all of them, then each small tile inside picks its ``k``
    nearest from its big tile's list only. ``top_k`` then runs over short lists instead of over every
    Gaussian for every small tile.
    """
    means2d, extents, depths, visible = splats.means2d, splats.extents, splats.depths, splats.visible
    n = means2d.shape[0]
    dtype = means2d.dtype
    cw, ch = (width, height) if coarse is None else (coarse[0], coarse[0])
    if width % cw or height % ch or cw % tile or ch % tile:
        raise ValueError(f"tile {tile} and coarse tile {cw} must divide each other and the image ({width}×{height})")
    rows_c, cols_c, sub_r, sub_c = height // ch, width // cw, ch // tile, cw // tile
    cx0 = tf.cast(tf.tile(tf.range(cols_c) * cw, [rows_c]), dtype)  # coarse corners, (Tc,)
    cy0 = tf.cast(tf.repeat(tf.range(rows_c) * ch, cols_c), dtype)
    if coarse is None:  # one coarse "tile", the whole image, whose list is every Gaussian
        cand, cand_ok = tf.range(n)[None, :], visible[None, :]
        coarse_counts = tf.reduce_sum(tf.cast(visible, tf.int32))[None]
        coarse_k = n
    else:
        coarse_k = min(coarse[1], n)
        cand, cand_ok, coarse_counts = _nearest_overlapping(cx0[:, None], cy0[:, None], cw, ch, means2d[None],
                                                            extents[None], depths[None], visible[None], coarse_k)
    # fine tiles inside each coarse one, (Tc, F)
    fx0 = cx0[:, None] + tf.cast(tf.tile(tf.range(sub_c) * tile, [sub_r]), dtype)[None, :]
    fy0 = cy0[:, None] + tf.cast(tf.repeat(tf.range(sub_r) * tile, sub_c), dtype)[None, :]
    pos, hit, counts = _nearest_overlapping(
        fx0[..., None], fy0[..., None], tile, tile, tf.gather(means2d, cand)[:, None],
        tf.gather(extents, cand)[:, None], tf.gather(depths, cand)[:, None], cand_ok[:, None], k)
    idx = tf.gather(cand, pos, batch_dims=1)  # positions in the coarse list → Gaussian numbers, (Tc, F, k)
    kk = idx.shape[-1]
    overflow = (counts > kk) | (coarse_counts[:, None] > coarse_k)
    return TileLists(idx=tf.reshape(idx, [-1, kk]), hit=tf.reshape(hit, [-1, kk]),
                     corners=tf.stack([tf.reshape(fx0, [-1]), tf.reshape(fy0, [-1])], axis=-1),
                     layout=(rows_c, cols_c, sub_r, sub_c), counts=tf.reshape(counts, [-1]),
                     overflow=tf.reshape(overflow, [-1]))


def rasterize(splats, width, height, background, *, tile=4, k=128, coarse=None):
    """Front-to-back alpha compositing of ``Footprints``, one ``tile × tile`` block of pixels at a time.

    Each tile blends only its ``k`` nearest overlapping Gaussians (``tile_lists``), so the cost is
    ``H·W·k`` whatever the number of Gaussians. Returns the image ``(H, W, 3)`` and ``info``: per tile
    ``counts`` (how many Gaussians overlapped it), ``overflow`` (more than ``k``: the farthest were
    dropped) and ``leaky`` (it overflowed while some pixel still let light through, so a dropped Gaussian
    might have shown: the image may be wrong there).
    """
    dtype = splats.means2d.dtype
    lists = tile_lists(splats, width, height, tile=tile, k=k, coarse=coarse)
    # pixel centres of every tile, (T, P) with P = tile²
    offs = tf.cast(tf.range(tile), dtype) + 0.5
    oy, ox = tf.meshgrid(offs, offs, indexing="ij")
    px = lists.corners[:, :1] + tf.reshape(ox, [-1])[None, :]
    py = lists.corners[:, 1:] + tf.reshape(oy, [-1])[None, :]
    # the k Gaussians of each tile, (T, k, ...)
    g_mean = tf.gather(splats.means2d, lists.idx)
    g_conic = tf.gather(splats.conics, lists.idx)
    g_color = tf.gather(splats.colours, lists.idx)
    g_opacity = tf.gather(splats.opacities, lists.idx) * tf.cast(lists.hit, dtype)
    dx = px[:, :, None] - g_mean[:, None, :, 0]  # (T, P, k)
    dy = py[:, :, None] - g_mean[:, None, :, 1]
    a, b, c = (g_conic[:, None, :, i] for i in range(3))
    q = a * dx * dx + 2.0 * b * dx * dy + c * dy * dy
    alpha = tf.minimum(g_opacity[:, None, :] * tf.exp(-0.5 * q), ALPHA_MAX)
    alpha = tf.where((alpha < ALPHA_MIN) | (q > CUTOFF**2), tf.zeros_like(alpha), alpha)
    # transmittance before each splat: T_i = ∏_{j<i} (1 - α_j), computed as exp(cumsum(log(1 - α)))
    trans = tf.exp(tf.math.cumsum(tf.math.log1p(-alpha), axis=-1, exclusive=True))
    keep = tf.cast(trans * (1.0 - alpha) >= T_MIN, dtype)  # early termination as a mask
    weights = alpha * trans * keep  # (T, P, k)
    rgb = tf.einsum("tpk,tkc->tpc", weights, g_color)
    remaining = 1.0 - tf.reduce_sum(weights, -1)  # light that got through every splat: T_final, (T, P)
    rgb = rgb + remaining[..., None] * tf.cast(background, dtype)
    rows_c, cols_c, sub_r, sub_c = lists.layout
    image = tf.reshape(rgb, [rows_c, cols_c, sub_r, sub_c, tile, tile, 3])
    image = tf.reshape(tf.transpose(image, [0, 2, 4, 1, 3, 5, 6]), [height, width, 3])
    leaky = lists.overflow & (tf.reduce_max(remaining, axis=1) > 0.01)
    return image, {"counts": lists.counts, "overflow": lists.overflow, "leaky": leaky}
