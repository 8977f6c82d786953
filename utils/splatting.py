"""Gaussian splatting on a CPU: a differentiable tile renderer in TensorFlow, a ray-cast test scene, training.

Notebook 08 explains every piece (the math comes first there); this module holds the code so that the
tests in ``tests/test_splatting.py`` can import it. Conventions:

* cameras follow OpenCV: ``x_cam = R @ x_world + t``, x to the right, y down, z forward (depth);
* pixel ``(row, col)`` has its centre at ``(u, v) = (col + 0.5, row + 0.5)`` in pixel units;
* a 2-D Gaussian is given by its mean (pixels), its *conic* (the inverse covariance as ``(a, b, c)``,
  the quadratic form being ``a dx² + 2 b dx dy + c dy²``), colour, opacity and depth (for sorting).

The renderer works with any float dtype: the tests use float64 to compare gradients with finite
differences, training uses float32.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

ALPHA_MIN = 1.0 / 255.0  # a Gaussian fainter than this at a pixel is skipped (as in 3DGS)
ALPHA_MAX = 0.99  # no single splat is fully opaque: keeps 1 - alpha > 0 for the gradient
T_MIN = 1e-4  # early termination: stop once less than this much light gets through
CUTOFF = 3.0  # a splat ends at 3 standard deviations (its ellipse q ≤ 9)
BLUR = 0.3  # pixels²: low-pass filter added to every projected covariance (EWA's anti-aliasing)


def show_code(*functions):
    """Show the source of course functions in the notebook (syntax-highlighted when IPython is there)."""
    text = "\n\n".join(inspect.getsource(f).rstrip() for f in functions)
    try:
        from IPython.display import Markdown, display

        display(Markdown(f"```python\n{text}\n```"))
    except ImportError:  # plain Python: print it
        print(text)


# ----------------------------------------------------------------------------------------------------
# Covariances: 3-D from scale and rotation, 2-D from scale and angle
# ----------------------------------------------------------------------------------------------------


def quaternion_to_rotation(q):
    """Rotation matrices ``(N, 3, 3)`` from quaternions ``(N, 4)`` ordered ``(w, x, y, z)``; normalised first."""
    q = q / tf.norm(q, axis=-1, keepdims=True)
    w, x, y, z = tf.unstack(q, axis=-1)
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ]
    return tf.stack([tf.stack(row, axis=-1) for row in rows], axis=-2)


def covariance_3d(scales, quaternions):
    """Σ = R S Sᵀ Rᵀ with S = diag(scales): positive semi-definite by construction, whatever the parameters."""
    rs = quaternion_to_rotation(quaternions) * scales[..., None, :]  # R @ diag(s): scales column j by s_j
    return tf.matmul(rs, rs, transpose_b=True)


def covariance_2d(scales, angles):
    """The 2-D analogue: Σ = R(θ) diag(s²) R(θ)ᵀ, returned as ``(N, 2, 2)``."""
    c, s = tf.cos(angles), tf.sin(angles)
    rot = tf.stack([tf.stack([c, -s], -1), tf.stack([s, c], -1)], -2)
    rs = rot * scales[..., None, :]
    return tf.matmul(rs, rs, transpose_b=True)


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
    k2 = tf.clip_by_value(2.0 * tf.math.log(tf.maximum(opacities / ALPHA_MIN, 1.0)), 0.0, 9.0)
    extent = tf.sqrt(k2)[..., None] * tf.sqrt(tf.stack([sxx, syy], axis=-1))
    return conic, extent


# ----------------------------------------------------------------------------------------------------
# Projection (EWA): 3-D Gaussians seen by a pinhole camera become 2-D Gaussians
# ----------------------------------------------------------------------------------------------------


@dataclass
class Cameras:
    """A set of pinhole cameras sharing intrinsics: ``R (V, 3, 3)``, ``t (V, 3)``, focal length, image size."""

    R: np.ndarray
    t: np.ndarray
    focal: float
    width: int
    height: int

    def __len__(self):
        return len(self.R)

    def subset(self, index):
        """The cameras at ``index`` (a list or array of view numbers)."""
        index = np.atleast_1d(index)
        return Cameras(self.R[index], self.t[index], self.focal, self.width, self.height)

    @property
    def centres(self):
        """Camera centres in world coordinates: ``-Rᵀ t``."""
        return -np.einsum("vji,vj->vi", self.R, self.t)


def look_at(eye, target=(0.0, 0.0, 0.0), up=(0.0, 0.0, 1.0)):
    """World-to-camera ``(R, t)`` for a camera at ``eye`` looking at ``target`` (OpenCV axes)."""
    eye, target, up = (np.asarray(v, dtype=np.float64) for v in (eye, target, up))
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-8:  # looking straight up or down
        right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])  # rows: camera x, y, z axes in world coordinates
    return R, -R @ eye


def cameras_on_sphere(directions, radius, focal, width, height):
    """Cameras at ``radius · direction`` looking at the origin."""
    poses = [look_at(radius * np.asarray(d)) for d in directions]
    return Cameras(np.stack([p[0] for p in poses]), np.stack([p[1] for p in poses]), focal, width, height)


def fibonacci_directions(n, min_elevation=-25.0, max_elevation=75.0, offset=0.0):
    """``n`` unit vectors spread evenly over a band of elevations (degrees), by the golden-angle spiral."""
    z_lo, z_hi = np.sin(np.radians(min_elevation)), np.sin(np.radians(max_elevation))
    i = np.arange(n) + 0.5
    z = z_hi - (z_hi - z_lo) * i / n
    azimuth = np.pi * (3.0 - np.sqrt(5.0)) * (np.arange(n) + offset)
    r = np.sqrt(1 - z**2)
    return np.stack([r * np.cos(azimuth), r * np.sin(azimuth), z], axis=1)


def project_gaussians(means, cov3d, R, t, focal, width, height, near=0.2):
    """Project 3-D Gaussians to the image: 2-D means (pixels), 2-D covariances, depths and a visibility mask.

    The perspective map is not linear, so EWA splatting linearises it at each Gaussian's centre:
    ``Σ' = J W Σ Wᵀ Jᵀ`` with ``W = R`` (world to camera) and ``J`` the Jacobian of
    ``(x, y, z) ↦ (f x/z + cx, f y/z + cy)``. A small blur (0.3 px²) keeps every splat at least a pixel wide.
    """
    dtype = means.dtype
    R, t = tf.cast(R, dtype), tf.cast(t, dtype)
    p = tf.linalg.matvec(R, means) + t  # camera coordinates
    x, y, z = tf.unstack(p, axis=-1)
    visible = z > near
    z = tf.maximum(z, near)
    # clamp x/z and y/z a little outside the view (as 3DGS does), else J explodes for splats beside the camera
    lim_x, lim_y = 1.3 * 0.5 * width / focal, 1.3 * 0.5 * height / focal
    tx = tf.clip_by_value(x / z, -lim_x, lim_x) * z
    ty = tf.clip_by_value(y / z, -lim_y, lim_y) * z
    zero = tf.zeros_like(z)
    J = tf.stack(
        [tf.stack([focal / z, zero, -focal * tx / z**2], -1), tf.stack([zero, focal / z, -focal * ty / z**2], -1)], -2
    )  # (N, 2, 3)
    T = tf.einsum("nij,jk->nik", J, R)  # J W
    cov2d = tf.matmul(tf.matmul(T, cov3d), T, transpose_b=True) + BLUR * tf.eye(2, dtype=dtype)
    means2d = tf.stack([focal * x / z + 0.5 * width, focal * y / z + 0.5 * height], axis=-1)
    return means2d, cov2d, z, visible


# ----------------------------------------------------------------------------------------------------
# Rasterisation: the slow, obviously correct loop, and the fast tiled one
# ----------------------------------------------------------------------------------------------------


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


def tile_lists(means2d, extents, depths, visible, width, height, tile=4, k=128, coarse=None):
    """Which Gaussians each ``tile × tile`` block of pixels must blend, nearest first: ``(T, k)`` indices.

    With ``coarse = (size, k_coarse)`` the selection is hierarchical: big tiles first keep their
    ``k_coarse`` nearest Gaussians out of all of them, then each small tile inside picks its ``k``
    nearest from its big tile's list only. ``top_k`` then runs over short lists instead of over every
    Gaussian for every small tile. Returns ``idx``, ``hit`` (a real overlap, not padding), the tile
    corners ``(T, 2)``, the layout for reassembling the image and the overflow counts.
    """
    n = means2d.shape[0]
    dtype = means2d.dtype
    cw, ch = (width, height) if coarse is None else (coarse[0], coarse[0])
    assert width % cw == 0 and height % ch == 0 and cw % tile == 0 and ch % tile == 0, "sizes must divide"
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
    corners = tf.stack([tf.reshape(fx0, [-1]), tf.reshape(fy0, [-1])], axis=-1)
    layout = (rows_c, cols_c, sub_r, sub_c)
    overflow = (counts > kk) | (coarse_counts[:, None] > coarse_k)
    return tf.reshape(idx, [-1, kk]), tf.reshape(hit, [-1, kk]), corners, layout, tf.reshape(counts, [-1]), \
        tf.reshape(overflow, [-1])


def rasterize(means2d, conics, colours, opacities, depths, visible, extents, width, height, background,
              tile=4, k=128, coarse=None):
    """Front-to-back alpha compositing of 2-D Gaussians, one ``tile × tile`` block of pixels at a time.

    Each tile blends only its ``k`` nearest overlapping Gaussians (``tile_lists``), so the cost is
    ``H·W·k`` whatever the number of Gaussians. Returns the image ``(H, W, 3)`` and ``info``: per tile
    ``counts`` (how many Gaussians overlapped it), ``overflow`` (more than ``k``: the farthest were
    dropped) and ``leaky`` (it overflowed while some pixel still let light through, so a dropped Gaussian
    might have shown: the image may be wrong there).
    """
    dtype = means2d.dtype
    idx, hit, corners, layout, counts, overflow = tile_lists(means2d, extents, depths, visible, width, height,
                                                             tile, k, coarse)
    # pixel centres of every tile, (T, P) with P = tile²
    offs = tf.cast(tf.range(tile), dtype) + 0.5
    oy, ox = tf.meshgrid(offs, offs, indexing="ij")
    px = corners[:, :1] + tf.reshape(ox, [-1])[None, :]
    py = corners[:, 1:] + tf.reshape(oy, [-1])[None, :]
    # the k Gaussians of each tile, (T, k, ...)
    g_mean = tf.gather(means2d, idx)
    g_conic = tf.gather(conics, idx)
    g_color = tf.gather(colours, idx)
    g_opacity = tf.gather(opacities, idx) * tf.cast(hit, dtype)
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
    rows_c, cols_c, sub_r, sub_c = layout
    image = tf.reshape(rgb, [rows_c, cols_c, sub_r, sub_c, tile, tile, 3])
    image = tf.reshape(tf.transpose(image, [0, 2, 4, 1, 3, 5, 6]), [height, width, 3])
    leaky = overflow & (tf.reduce_max(remaining, axis=1) > 0.01)
    return image, {"counts": counts, "overflow": overflow, "leaky": leaky}


# ----------------------------------------------------------------------------------------------------
# A synthetic scene, rendered by independent code: ray casting against spheres and a box
# ----------------------------------------------------------------------------------------------------


def _pattern(kind, u, v, colours, freq):
    """Albedo from surface coordinates ``u, v`` in [0, 1): stripes, a checkerboard, or a smooth blend."""
    c0, c1 = (np.asarray(c, dtype=np.float64) for c in colours)
    if kind == "stripes":
        mix = np.floor(v * freq[1]) % 2
    elif kind == "checker":
        mix = (np.floor(u * freq[0]) + np.floor(v * freq[1])) % 2
    else:  # "blend": a smooth colour gradient from pole to pole
        mix = v
    return (1 - mix[..., None]) * c0 + mix[..., None] * c1


@dataclass
class Sphere:
    centre: tuple
    radius: float
    colours: tuple
    pattern: str = "blend"
    freq: tuple = (8, 6)

    def hit(self, o, d):
        """Distance along unit rays ``o + s d`` to the first intersection (``inf`` when missed)."""
        oc = o - np.asarray(self.centre)
        b = np.einsum("ij,ij->i", oc, d)
        disc = b * b - (np.einsum("ij,ij->i", oc, oc) - self.radius**2)
        s = -b - np.sqrt(np.maximum(disc, 0.0))
        return np.where((disc > 0) & (s > 1e-6), s, np.inf)

    def surface(self, p):
        """Normals and albedo at surface points ``p``."""
        n = (p - np.asarray(self.centre)) / self.radius
        u = (np.arctan2(n[:, 1], n[:, 0]) / (2 * np.pi)) % 1.0
        v = np.arccos(np.clip(n[:, 2], -1, 1)) / np.pi
        return n, _pattern(self.pattern, u, v, self.colours, self.freq)

    def area(self):
        return 4 * np.pi * self.radius**2

    def sample(self, n, rng):
        """``n`` points spread uniformly over the surface."""
        d = rng.normal(size=(n, 3))
        return np.asarray(self.centre) + self.radius * d / np.linalg.norm(d, axis=1, keepdims=True)


@dataclass
class Box:
    centre: tuple
    half: tuple
    angle: float  # rotation about the vertical (z) axis, degrees
    colours: tuple
    pattern: str = "checker"
    freq: tuple = (3, 3)

    @property
    def rotation(self):  # box-to-world
        a = np.radians(self.angle)
        return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])

    def hit(self, o, d):
        """Slab test in box coordinates: the ray is inside all three slabs between ``t_near`` and ``t_far``."""
        lo, ld = (o - np.asarray(self.centre)) @ self.rotation, d @ self.rotation
        half = np.asarray(self.half)
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (-half - lo) / ld, (half - lo) / ld
        t_near = np.max(np.minimum(t1, t2), axis=1)
        t_far = np.min(np.maximum(t1, t2), axis=1)
        return np.where((t_near <= t_far) & (t_near > 1e-6), t_near, np.inf)

    def surface(self, p):
        local = (p - np.asarray(self.centre)) @ self.rotation / np.asarray(self.half)  # in [-1, 1]³
        rows = np.arange(len(p))
        axis = np.argmax(np.abs(local), axis=1)  # the face is where one coordinate is ±1
        n_local = np.zeros_like(local)
        n_local[rows, axis] = np.sign(local[rows, axis])
        u = (np.clip(local[rows, (axis + 1) % 3], -1, 0.9999) + 1) / 2
        v = (np.clip(local[rows, (axis + 2) % 3], -1, 0.9999) + 1) / 2
        return n_local @ self.rotation.T, _pattern(self.pattern, u, v, self.colours, self.freq)

    def area(self):
        hx, hy, hz = self.half
        return 8 * (hx * hy + hy * hz + hx * hz)

    def sample(self, n, rng):
        half = np.asarray(self.half)
        face_areas = np.array([half[1] * half[2], half[0] * half[2], half[0] * half[1]] * 2)
        face = rng.choice(6, size=n, p=face_areas / face_areas.sum())
        local = rng.uniform(-1, 1, size=(n, 3))
        local[np.arange(n), face % 3] = np.where(face < 3, 1.0, -1.0)
        return np.asarray(self.centre) + (local * half) @ self.rotation.T


@dataclass
class Scene:
    """Objects lit by one distant light (diffuse shading, so colours do not depend on the viewpoint)."""

    objects: list
    background: tuple = (1.0, 1.0, 1.0)
    light: tuple = (0.4, -0.5, 0.75)
    ambient: float = 0.35

    def radiance(self, points, index):
        """Colour of surface points of object ``index`` (the same from every direction)."""
        normals, albedo = self.objects[index].surface(points)
        light = np.asarray(self.light) / np.linalg.norm(self.light)
        shade = self.ambient + (1 - self.ambient) * np.clip(normals @ light, 0, 1)
        return np.clip(albedo * shade[:, None], 0, 1)

    def render(self, cameras, supersample=3):
        """Ray-cast every view, ``supersample²`` rays per pixel averaged (anti-aliased edges): ``(V, H, W, 3)``."""
        W, H, s = cameras.width, cameras.height, supersample
        offs = (np.arange(s) + 0.5) / s
        cols = (np.arange(W)[:, None] + offs[None, :]).reshape(-1)  # sub-pixel centres
        rows = (np.arange(H)[:, None] + offs[None, :]).reshape(-1)
        u, v = np.meshgrid(cols, rows)
        dirs_cam = np.stack([(u - W / 2) / cameras.focal, (v - H / 2) / cameras.focal, np.ones_like(u)], -1)
        images = []
        for R, t in zip(cameras.R, cameras.t):
            d = dirs_cam.reshape(-1, 3) @ R  # camera to world: Rᵀ d
            d /= np.linalg.norm(d, axis=1, keepdims=True)
            o = np.broadcast_to(-R.T @ t, d.shape)
            dist = np.stack([obj.hit(o, d) for obj in self.objects])  # (objects, rays)
            first = np.argmin(dist, axis=0)
            nearest = dist[first, np.arange(len(first))]
            rgb = np.tile(np.asarray(self.background, dtype=np.float64), (len(first), 1))
            for i in range(len(self.objects)):
                sel = (first == i) & np.isfinite(nearest)
                rgb[sel] = self.radiance(o[sel] + nearest[sel, None] * d[sel], i)
            img = rgb.reshape(H, s, W, s, 3).mean(axis=(1, 3))  # rows were laid out as (H, s), cols as (W, s)
            images.append(img)
        return np.stack(images).astype(np.float32)

    def point_cloud(self, n, rng, position_noise=0.02, colour_noise=0.05):
        """A sparse, noisy coloured point cloud on the surfaces, like the one Structure-from-Motion gives."""
        areas = np.array([obj.area() for obj in self.objects])
        counts = rng.multinomial(n, areas / areas.sum())
        points, colours = [], []
        for i, (obj, m) in enumerate(zip(self.objects, counts)):
            p = obj.sample(m, rng)
            colours.append(self.radiance(p, i))
            points.append(p)
        points, colours = np.concatenate(points), np.concatenate(colours)
        points = points + rng.normal(scale=position_noise, size=points.shape)
        colours = np.clip(colours + rng.normal(scale=colour_noise, size=colours.shape), 0, 1)
        return points.astype(np.float32), colours.astype(np.float32)


def demo_scene():
    """Three textured spheres and a checkered box on a white background, about 2.6 units across."""
    return Scene(
        [
            Sphere((-0.55, -0.45, 0.0), 0.5, ((0.9, 0.35, 0.1), (0.95, 0.85, 0.2)), "stripes", (8, 6)),
            Sphere((0.6, -0.4, 0.05), 0.45, ((0.15, 0.3, 0.85), (0.85, 0.9, 0.95)), "checker", (8, 4)),
            Sphere((0.05, 0.25, 0.75), 0.32, ((0.2, 0.75, 0.3), (0.1, 0.35, 0.6)), "blend"),
            Box((0.1, 0.55, -0.3), (0.38, 0.38, 0.38), 30.0, ((0.75, 0.15, 0.45), (0.95, 0.75, 0.8)), "checker"),
        ]
    )


# ----------------------------------------------------------------------------------------------------
# The 3-D model, rendering, training with densification and pruning
# ----------------------------------------------------------------------------------------------------


def inverse_sigmoid(x):
    x = np.clip(np.asarray(x, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(x / (1 - x))


def nearest_neighbour_distance(points, k=3):
    """Mean distance of every point to its ``k`` nearest neighbours (the initial Gaussian size in 3DGS)."""
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(points).query(points, k=k + 1)
    return dist[:, 1:].mean(axis=1)


PARAMETERS = ("means", "log_scales", "quaternions", "colour_logits", "opacity_logits")


class Gaussians3D:
    """A fixed-capacity set of 3-D Gaussians; the first ``n`` slots (``active``) are in use.

    A fixed number of slots keeps every tensor shape constant, so densification (which fills free slots)
    and pruning (which frees them) never force TensorFlow to trace or compile the training step again.
    Parameters are stored unconstrained: log-scales, a quaternion normalised when used, logits for
    colour and opacity (squashed by a sigmoid into (0, 1)).
    """

    def __init__(self, points, colours, capacity, initial_opacity=0.1):
        n = len(points)
        assert n <= capacity, f"{n} points do not fit into {capacity} slots"
        scale = np.maximum(nearest_neighbour_distance(points), 1e-3)

        def slots(values, fill):
            out = np.full((capacity,) + np.shape(values)[1:], fill, dtype=np.float32)
            out[:n] = values
            return tf.Variable(out)

        self.capacity = capacity
        self.means = slots(points, 0.0)
        self.log_scales = slots(np.log(scale)[:, None].repeat(3, 1), -10.0)
        self.quaternions = tf.Variable(np.tile(np.float32([1, 0, 0, 0]), (capacity, 1)))  # no rotation
        self.colour_logits = slots(inverse_sigmoid(colours), 0.0)
        self.opacity_logits = slots(inverse_sigmoid(np.full(n, initial_opacity)), -20.0)
        self.active = tf.Variable(np.arange(capacity) < n)

    @property
    def variables(self):
        return [getattr(self, name) for name in PARAMETERS]

    @property
    def count(self):
        return int(tf.reduce_sum(tf.cast(self.active, tf.int32)))

    def get(self):
        """Constrained values: means, scales, unit quaternions, colours, opacities, active mask."""
        q = self.quaternions / tf.norm(self.quaternions, axis=-1, keepdims=True)
        return (self.means, tf.exp(self.log_scales), q, tf.sigmoid(self.colour_logits),
                tf.sigmoid(self.opacity_logits), self.active)

    def numpy(self):
        return {name: getattr(self, name).numpy() for name in (*PARAMETERS, "active")}

    def assign(self, values):
        for name in (*PARAMETERS, "active"):
            getattr(self, name).assign(values[name])


def render_gaussians(means, scales, quaternions, colours, opacities, active, R, t, focal, width, height,
                     background, tile=4, k=256, coarse=(8, 512)):
    """The whole renderer: 3-D Gaussians → covariances → projection → tiles → image.

    Returns the image, the 2-D means (whose gradient drives densification) and the tiles' ``info``.
    """
    dtype = means.dtype  # float32 for training, float64 for the gradient checks
    scales, quaternions, colours, opacities = (tf.cast(v, dtype) for v in (scales, quaternions, colours, opacities))
    cov3d = covariance_3d(scales, quaternions)
    means2d, cov2d, depths, visible = project_gaussians(means, cov3d, R, t, focal, width, height)
    conics, extents = conic_and_extent(cov2d, opacities)
    visible = visible & active & (opacities > ALPHA_MIN)
    image, info = rasterize(means2d, conics, colours, opacities, depths, visible, extents, width, height,
                            background, tile=tile, k=k, coarse=coarse)
    return image, means2d, info


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


@dataclass
class TrainConfig:
    """Hyper-parameters of 3-D training: 3DGS's recipe, adapted to tiny images and runs of minutes."""

    lr_means: float = 1e-3  # × scene radius; decays 100× over the run
    lr_log_scales: float = 0.01
    lr_quaternions: float = 0.005
    lr_colour_logits: float = 0.02
    lr_opacity_logits: float = 0.05
    lr_decay_others: float = 1.0  # the other rates end at this fraction of their start (1: constant, as in 3DGS)
    ssim_weight: float = 0.2  # loss = (1 - λ) L1 + λ (1 - SSIM), as in 3DGS
    tile: int = 4  # small tiles, each blending its k nearest Gaussians ...
    k: int = 256
    coarse: tuple | None = (8, 512)  # ... chosen among the 512 nearest of their 8 × 8 tile
    densify_rounds: int = 20  # densify and prune this many times, evenly spread over ...
    densify_until: float = 0.6  # ... this fraction of the run (by time, so the schedule suits any machine)
    grad_threshold: float = 2.2e-3  # mean |∂L/∂(2-D mean)| in screen units (±1 across) that triggers densifying
    split_scale: float = 0.05  # × scene radius: larger Gaussians are split, smaller ones cloned
    prune_opacity: float = 0.005  # below the reset value (0.01), or a reset would prune everything
    prune_scale: float = 0.25  # × scene radius: larger Gaussians are pruned
    opacity_resets: tuple = (0.3,)  # fractions of the run at which every opacity is lowered to 0.01
    jit: bool = True  # compile the step with XLA (slow to compile, about twice as fast to run); else eager


class Trainer:
    """Adam on every Gaussian parameter, with densification and pruning between steps.

    ``step(view, progress)`` renders one training view, compares it with the photo and updates the
    parameters, as one compiled TensorFlow graph; ``progress`` (0 → 1, the fraction of the time budget
    used) drives the learning-rate decay. Adam is written out (a few lines) because densification must
    reset the optimiser state of the slots it fills.
    """

    def __init__(self, gaussians, cameras, images, background, scene_radius, config=None):
        self.g = gaussians
        self.config = c = config or TrainConfig()
        self.cameras = cameras
        self.background = tf.constant(background, tf.float32)
        self.scene_radius = float(scene_radius)
        self.R = tf.constant(cameras.R, tf.float32)
        self.t = tf.constant(cameras.t, tf.float32)
        self.images = tf.constant(images, tf.float32)
        self.m = [tf.Variable(tf.zeros_like(v)) for v in self.g.variables]  # Adam's first moments
        self.v = [tf.Variable(tf.zeros_like(v)) for v in self.g.variables]  # and second moments
        self.steps = tf.Variable(0.0)
        self.grad_sum = tf.Variable(tf.zeros(gaussians.capacity))
        self.grad_count = tf.Variable(tf.zeros(gaussians.capacity))
        self.lrs = [c.lr_means * self.scene_radius, c.lr_log_scales, c.lr_quaternions, c.lr_colour_logits,
                    c.lr_opacity_logits]
        # compiled with XLA, and rendering as a TensorFlow graph; plain (eager) TensorFlow when jit is off
        self.step = tf.function(self._step, jit_compile=True) if c.jit else self._step
        self._render_view = tf.function(self._render_one) if c.jit else self._render_one

    def _render_one(self, R, t, focal, width, height, k, coarse):
        means, scales, quats, colours, opacities, active = self.g.get()
        image, _, info = render_gaussians(means, scales, quats, colours, opacities, active, R, t, focal, width,
                                          height, self.background, self.config.tile, k, coarse)
        return image, info

    def _step(self, view, progress):
        c, cams = self.config, self.cameras
        R, t = tf.gather(self.R, view), tf.gather(self.t, view)  # tf.gather: no recompiling for each view
        target = tf.gather(self.images, view)
        with tf.GradientTape() as tape:
            means, scales, quats, colours, opacities, active = self.g.get()
            image, means2d, info = render_gaussians(means, scales, quats, colours, opacities, active, R, t,
                                                    cams.focal, cams.width, cams.height, self.background,
                                                    c.tile, c.k, c.coarse)
            l1 = tf.reduce_mean(tf.abs(image - target))
            loss = (1.0 - c.ssim_weight) * l1 + c.ssim_weight * (1.0 - ssim_matmul(image, target))
        *grads, grad2d = tape.gradient(loss, self.g.variables + [means2d])
        # Adam, with the learning rate of the positions decaying from lr to lr/100 over the run
        self.steps.assign_add(1.0)
        b1, b2, eps = 0.9, 0.999, 1e-15
        for i, (var, grad) in enumerate(zip(self.g.variables, grads)):
            lr = self.lrs[i] * (0.01**progress if i == 0 else c.lr_decay_others**progress)
            self.m[i].assign(b1 * self.m[i] + (1 - b1) * grad)
            self.v[i].assign(b2 * self.v[i] + (1 - b2) * grad * grad)
            m_hat = self.m[i] / (1 - b1**self.steps)
            v_hat = self.v[i] / (1 - b2**self.steps)
            var.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + eps))
        # densification statistics: how hard the loss pulls each Gaussian across the screen, in screen units
        # (the image spans -1 to 1, as in 3DGS), so the threshold does not depend on the image size
        g2d = tf.norm(grad2d * tf.constant([cams.width / 2, cams.height / 2], tf.float32), axis=-1)
        self.grad_sum.assign_add(g2d)
        self.grad_count.assign_add(tf.cast(g2d > 0, tf.float32))
        return {"loss": loss, "max_count": tf.reduce_max(info["counts"]),
                "overflow": tf.reduce_mean(tf.cast(info["overflow"], tf.float32))}

    def _reset_slots(self, slots, parameters=None):
        """Zero Adam's moments of the given slots (new Gaussians start without momentum)."""
        for i in range(len(PARAMETERS)) if parameters is None else parameters:
            for state in (self.m[i], self.v[i]):
                value = state.numpy()
                value[slots] = 0.0
                state.assign(value)

    def densify_and_prune(self, rng):
        """Clone small and split large Gaussians that the loss pulls hard; prune faint and huge ones.

        Returns the numbers ``(cloned, split, pruned)``.
        """
        c = self.config
        p = self.g.numpy()
        active = p["active"]
        mean_grad = self.grad_sum.numpy() / np.maximum(self.grad_count.numpy(), 1)
        scales = np.exp(p["log_scales"])
        # the strongest gradients first, as many as there are free slots (a clone or a split needs one each)
        candidates = np.flatnonzero(active & (mean_grad > c.grad_threshold))
        free = np.flatnonzero(~active)
        candidates = candidates[np.argsort(-mean_grad[candidates])][: len(free)]
        new = free[: len(candidates)]
        for name in PARAMETERS:  # clone: an exact copy, which the optimiser then pulls its own way
            p[name][new] = p[name][candidates]
        is_split = scales[candidates].max(axis=1) > c.split_scale * self.scene_radius
        src = candidates[is_split]
        if len(src):  # split: replace by two Gaussians drawn from it, each 1.6× smaller
            rot = quaternion_to_rotation(tf.constant(p["quaternions"][src])).numpy()
            for slot in (src, new[is_split]):
                offset = np.einsum("nij,nj->ni", rot, scales[src] * rng.normal(size=(len(src), 3)))
                p["means"][slot] = p["means"][src] + offset
                p["log_scales"][slot] = p["log_scales"][src] - np.log(1.6)
        active[new] = True
        # prune: nearly transparent, or far bigger than any detail of the scene
        opacity = 1 / (1 + np.exp(-p["opacity_logits"]))
        huge = np.exp(p["log_scales"]).max(axis=1) > c.prune_scale * self.scene_radius
        prune = active & ((opacity < c.prune_opacity) | huge)
        active[prune] = False
        p["opacity_logits"][~active] = -20.0
        self.g.assign(p)
        self._reset_slots(np.concatenate([new, np.flatnonzero(prune)]))
        self.grad_sum.assign(tf.zeros_like(self.grad_sum))
        self.grad_count.assign(tf.zeros_like(self.grad_count))
        return len(candidates) - len(src), len(src), int(prune.sum())

    def reset_opacity(self, value=0.01):
        """Lower every opacity to at most ``value``: Gaussians the views need regain it within a few hundred
        steps; floaters and redundant ones stay faint and are pruned."""
        logits = self.g.opacity_logits.numpy()
        active = self.g.active.numpy()
        logits[active] = np.minimum(logits[active], inverse_sigmoid(value))
        self.g.opacity_logits.assign(logits)
        self._reset_slots(np.flatnonzero(active), [PARAMETERS.index("opacity_logits")])

    def render(self, cameras, k=None, coarse=None, with_info=False):
        """Render views with the current Gaussians (no gradients): ``(V, H, W, 3)`` in [0, 1].

        ``k`` and ``coarse`` override the lengths of the tile lists (to check what overflow costs).
        """
        images, infos = [], []
        for R, t in zip(cameras.R, cameras.t):
            image, info = self._render_view(tf.constant(R, tf.float32), tf.constant(t, tf.float32),
                                            float(cameras.focal), cameras.width, cameras.height, k or self.config.k,
                                            coarse or self.config.coarse)
            images.append(np.clip(image.numpy(), 0, 1))
            infos.append({key: value.numpy() for key, value in info.items()})
        return (np.stack(images), infos) if with_info else np.stack(images)


# ----------------------------------------------------------------------------------------------------
# Speed, figures, animation
# ----------------------------------------------------------------------------------------------------


def random_gaussians(n, rng, radius=1.0, scale=0.04):
    """``n`` random Gaussians in a ball (for timing): means, scales, quaternions, colours, opacities, active."""
    d = rng.normal(size=(n, 3))
    means = radius * d / np.linalg.norm(d, axis=1, keepdims=True) * rng.uniform(0, 1, (n, 1)) ** (1 / 3)
    return [tf.Variable(np.asarray(v, np.float32)) for v in (
        means, scale * np.exp(rng.normal(scale=0.3, size=(n, 3))), rng.normal(size=(n, 4)),
        rng.uniform(0, 1, (n, 3)), rng.uniform(0.3, 0.9, n))]


def time_training_step(n, size, rng, tile=4, k=256, coarse=(8, 512), dense=False, graph=True, jit=False,
                       repeats=5, focal_ratio=1.6):
    """Milliseconds per gradient step (render, loss, gradient of every parameter) with ``n`` random Gaussians.

    ``dense=True`` blends every Gaussian at every pixel (one tile the size of the image, holding all of
    them): the cost grows with ``n``. ``graph`` runs the step as a TensorFlow graph (``jit``: compiled by
    XLA), else eagerly. The best of ``repeats`` steps is reported (less noise from other programs).
    """
    params = random_gaussians(n, rng)
    R, t = (tf.constant(v, tf.float32) for v in look_at((2.5, -2.5, 1.5)))
    target = tf.zeros((size, size, 3))
    if dense:
        tile, k, coarse = size, n, None

    def step():
        with tf.GradientTape() as tape:
            means, scales, quats, colours, opacities = params
            image, _, _ = render_gaussians(means, scales, quats, colours, opacities, tf.ones(n, bool), R, t,
                                           focal_ratio * size, size, size, tf.ones(3), tile, k, coarse)
            loss = tf.reduce_mean(tf.abs(image - target))
        return tape.gradient(loss, params)

    if graph:  # a TensorFlow graph (compiled by XLA if jit), else eager
        step = tf.function(step, jit_compile=jit)
    step()  # trace (and compile)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def orbit_cameras(n, radius, elevation, focal, width, height):
    """``n`` cameras on a horizontal circle at ``elevation`` degrees, looking at the origin."""
    az = np.linspace(0, 2 * np.pi, n, endpoint=False)
    e = np.radians(elevation)
    dirs = np.stack([np.cos(e) * np.cos(az), np.cos(e) * np.sin(az), np.full(n, np.sin(e))], axis=1)
    return cameras_on_sphere(dirs, radius, focal, width, height)


def save_gif(frames, path, fps=12, scale=3):
    """Save ``(N, H, W, 3)`` frames in [0, 1] as a looping GIF, enlarged ``scale`` times (nearest pixel)."""
    from PIL import Image

    pictures = [Image.fromarray((np.clip(f, 0, 1) * 255).astype(np.uint8)).resize(
        (f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=int(1000 / fps), loop=0)
    return path


def plot_ellipses(ax, means, cov, colours, opacities=None, sigmas=2.0, max_count=None, **kwargs):
    """Draw 2-D Gaussians as ellipses at ``sigmas`` standard deviations, filled with their colour."""
    from matplotlib.patches import Ellipse

    means, cov, colours = (np.asarray(v) for v in (means, cov, colours))
    alphas = np.ones(len(means)) if opacities is None else np.asarray(opacities)
    order = np.arange(len(means)) if max_count is None else np.argsort(-alphas)[:max_count]
    for i in order:
        values, vectors = np.linalg.eigh(cov[i])
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
        width, height = 2 * sigmas * np.sqrt(np.maximum(values[::-1], 0))
        ax.add_patch(Ellipse(means[i], width, height, angle=angle, facecolor=colours[i],
                             alpha=float(np.clip(alphas[i], 0.05, 1)) * 0.8, edgecolor="none", **kwargs))
    return ax
