"""Pinhole cameras (OpenCV axes) and the EWA projection of 3-D Gaussians into an image.

Conventions: ``x_cam = R @ x_world + t``, x to the right, y down, z forward (depth); pixel ``(row, col)`` has its
centre at ``(u, v) = (col + 0.5, row + 0.5)`` in pixel units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import tensorflow as tf

BLUR = 0.3  # pixels²: low-pass filter added to every projected covariance (EWA's anti-aliasing)


class Camera(NamedTuple):
    """One pinhole camera: world-to-camera rotation ``R (3, 3)`` and translation ``t (3,)``, focal length and
    image size in pixels (the principal point is the image centre)."""

    R: object
    t: object
    focal: float
    width: int
    height: int


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

    def __iter__(self):
        """One ``Camera`` per view."""
        return (Camera(R, t, self.focal, self.width, self.height) for R, t in zip(self.R, self.t))

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


def orbit_cameras(n, radius, elevation, focal, width, height):
    """``n`` cameras on a horizontal circle at ``elevation`` degrees, looking at the origin."""
    az = np.linspace(0, 2 * np.pi, n, endpoint=False)
    e = np.radians(elevation)
    dirs = np.stack([np.cos(e) * np.cos(az), np.cos(e) * np.sin(az), np.full(n, np.sin(e))], axis=1)
    return cameras_on_sphere(dirs, radius, focal, width, height)


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
