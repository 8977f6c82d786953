"""Covariances that are valid whatever the parameters: 3-D from scales and a quaternion, 2-D from scales and an
angle. Gradient descent moves the scales and rotations freely; Σ = M Mᵀ stays symmetric positive semi-definite."""

from __future__ import annotations

import tensorflow as tf


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
