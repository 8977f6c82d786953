"""The 3-D model: a fixed-capacity set of Gaussians (``Gaussians3D``) and the whole renderer that turns them
into an image (``render_gaussians``: covariance → projection → tile lists → blending)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from .cameras import project_gaussians
from .covariance import covariance_3d
from .raster import ALPHA_MIN, Footprints, conic_and_extent, rasterize

PARAMETERS = ("means", "log_scales", "quaternions", "colour_logits", "opacity_logits")  # what training learns


class Splats(NamedTuple):
    """``N`` 3-D Gaussians, constrained values: what ``render_gaussians`` takes."""

    means: tf.Tensor  # (N, 3) positions in world units
    scales: tf.Tensor  # (N, 3) standard deviations along the Gaussian's own axes
    quaternions: tf.Tensor  # (N, 4) rotations (w, x, y, z), normalised when used
    colours: tf.Tensor  # (N, 3) in [0, 1]
    opacities: tf.Tensor  # (N,) in (0, 1)
    active: tf.Tensor  # (N,) bool: the slot holds a Gaussian


def inverse_sigmoid(x):
    """The logit of ``x`` (clipped into (0, 1) first): the unconstrained value whose sigmoid is ``x``."""
    x = np.clip(np.asarray(x, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(x / (1 - x))


def nearest_neighbour_distance(points, k=3):
    """Mean distance of every point to its ``k`` nearest neighbours (the initial Gaussian size in 3DGS)."""
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(points).query(points, k=k + 1)
    return dist[:, 1:].mean(axis=1)


class Gaussians3D:
    """A fixed-capacity set of 3-D Gaussians; the first ``n`` slots (``active``) are in use.

    A fixed number of slots keeps every tensor shape constant, so densification (which fills free slots)
    and pruning (which frees them) never force TensorFlow to trace or compile the training step again.
    Parameters are stored unconstrained: log-scales, a quaternion normalised when used, logits for
    colour and opacity (squashed by a sigmoid into (0, 1)).
    """

    def __init__(self, points, colours, capacity, initial_opacity=0.1):
        n = len(points)
        if n > capacity:
            raise ValueError(f"{n} points do not fit into {capacity} slots: raise the capacity")
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
        """The learned parameters by name."""
        return {name: getattr(self, name) for name in PARAMETERS}

    @property
    def count(self):
        return int(tf.reduce_sum(tf.cast(self.active, tf.int32)))

    def get(self):
        """The constrained values, as ``Splats``."""
        q = self.quaternions / tf.norm(self.quaternions, axis=-1, keepdims=True)
        return Splats(self.means, tf.exp(self.log_scales), q, tf.sigmoid(self.colour_logits),
                      tf.sigmoid(self.opacity_logits), self.active)

    def numpy(self):
        return {name: getattr(self, name).numpy() for name in (*PARAMETERS, "active")}

    def assign(self, values):
        for name in (*PARAMETERS, "active"):
            getattr(self, name).assign(values[name])


def render_gaussians(splats, camera, background, *, tile=4, k=256, coarse=(8, 512)):
    """The whole renderer: ``Splats`` seen by a ``Camera`` → covariances → projection → tiles → image.

    Returns the image, the 2-D means (whose gradient drives densification) and the tiles' ``info``.
    """
    dtype = splats.means.dtype  # float32 for training, float64 for the gradient checks
    scales, quaternions, colours, opacities = (tf.cast(v, dtype) for v in splats[1:5])
    cov3d = covariance_3d(scales, quaternions)
    means2d, cov2d, depths, visible = project_gaussians(splats.means, cov3d, camera.R, camera.t, camera.focal,
                                                        camera.width, camera.height)
    conics, extents = conic_and_extent(cov2d, opacities)
    footprints = Footprints(means2d, conics, extents, colours, opacities, depths,
                            visible & splats.active & (opacities > ALPHA_MIN))
    image, info = rasterize(footprints, camera.width, camera.height, background, tile=tile, k=k, coarse=coarse)
    return image, means2d, info
