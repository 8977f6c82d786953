"""Training the 3-D Gaussians: Adam on every parameter, densification (clone, split) and pruning between steps,
and the timing of one training step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from .cameras import Camera, look_at
from .covariance import quaternion_to_rotation
from .metrics import ssim_matmul
from .model import PARAMETERS, Splats, inverse_sigmoid, render_gaussians

# Adam's step size per parameter, by name (3DGS's values, adapted): the positions' rate is × the scene radius
# and decays 100× over the run
LEARNING_RATES = {"means": 1e-3, "log_scales": 0.01, "quaternions": 0.005, "colour_logits": 0.02,
                  "opacity_logits": 0.05}
SPLIT_FACTOR = 1.6  # a split Gaussian's two children are this many times smaller than it (as in 3DGS)


@dataclass
class TrainConfig:
    """Hyper-parameters of 3-D training: 3DGS's recipe, adapted to tiny images and runs of minutes."""

    learning_rates: dict = field(default_factory=lambda: dict(LEARNING_RATES))
    lr_decay_others: float = 1.0  # the rates other than the positions' end at this fraction of their start
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

    def __post_init__(self):
        if set(self.learning_rates) != set(PARAMETERS):
            raise ValueError(f"learning_rates needs one rate for each of {', '.join(PARAMETERS)}")


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
        self.m = {name: tf.Variable(tf.zeros_like(v)) for name, v in self.g.variables.items()}  # Adam's moments
        self.v = {name: tf.Variable(tf.zeros_like(v)) for name, v in self.g.variables.items()}
        self.steps = tf.Variable(0.0)
        self.grad_sum = tf.Variable(tf.zeros(gaussians.capacity))
        self.grad_count = tf.Variable(tf.zeros(gaussians.capacity))
        self.learning_rates = dict(c.learning_rates, means=c.learning_rates["means"] * self.scene_radius)
        # compiled with XLA, and rendering as a TensorFlow graph; plain (eager) TensorFlow when jit is off
        # a fixed signature (int32 view, float32 progress): a tensor of another dtype is an error, not a silent
        # retrace and a second XLA compile in the middle of training
        signature = [tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float32)]
        self.step = tf.function(self._step, jit_compile=True, input_signature=signature) if c.jit else self._step
        self._render_view = tf.function(self._render_one) if c.jit else self._render_one

    def _render_one(self, camera, k, coarse):
        image, _, info = render_gaussians(self.g.get(), camera, self.background, tile=self.config.tile, k=k,
                                          coarse=coarse)
        return image, info

    def _step(self, view, progress):
        c, cams = self.config, self.cameras
        # tf.gather picks the view inside the graph: no recompiling for each view
        camera = Camera(tf.gather(self.R, view), tf.gather(self.t, view), cams.focal, cams.width, cams.height)
        target = tf.gather(self.images, view)
        with tf.GradientTape() as tape:
            image, means2d, info = render_gaussians(self.g.get(), camera, self.background, tile=c.tile, k=c.k,
                                                    coarse=c.coarse)
            l1 = tf.reduce_mean(tf.abs(image - target))
            loss = (1.0 - c.ssim_weight) * l1 + c.ssim_weight * (1.0 - ssim_matmul(image, target))
        grads, grad2d = tape.gradient(loss, (self.g.variables, means2d))
        # Adam, with the learning rate of the positions decaying from lr to lr/100 over the run
        self.steps.assign_add(1.0)
        b1, b2, eps = 0.9, 0.999, 1e-15
        for name, var in self.g.variables.items():
            decay = 0.01 if name == "means" else c.lr_decay_others
            lr = self.learning_rates[name] * decay**progress
            m, v, grad = self.m[name], self.v[name], grads[name]
            m.assign(b1 * m + (1 - b1) * grad)
            v.assign(b2 * v + (1 - b2) * grad * grad)
            m_hat = m / (1 - b1**self.steps)
            v_hat = v / (1 - b2**self.steps)
            var.assign_sub(lr * m_hat / (tf.sqrt(v_hat) + eps))
        # densification statistics: how hard the loss pulls each Gaussian across the screen, in screen units
        # (the image spans -1 to 1, as in 3DGS), so the threshold does not depend on the image size
        g2d = tf.norm(grad2d * tf.constant([cams.width / 2, cams.height / 2], tf.float32), axis=-1)
        self.grad_sum.assign_add(g2d)
        self.grad_count.assign_add(tf.cast(g2d > 0, tf.float32))
        return {"loss": loss, "max_count": tf.reduce_max(info["counts"]),
                "overflow": tf.reduce_mean(tf.cast(info["overflow"], tf.float32))}

    def _reset_slots(self, slots, parameters=PARAMETERS):
        """Zero Adam's moments of the given slots (new Gaussians start without momentum)."""
        for name in parameters:
            for state in (self.m[name], self.v[name]):
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
        parents = candidates[is_split]
        if len(parents):  # split: the parent's slot and a new one each get a sample of the parent, 1.6× smaller
            centre, log_scale = p["means"][parents], p["log_scales"][parents]  # copies, kept for both children
            rot = quaternion_to_rotation(tf.constant(p["quaternions"][parents])).numpy()
            for child in (parents, new[is_split]):
                offset = np.einsum("nij,nj->ni", rot, scales[parents] * rng.normal(size=(len(parents), 3)))
                p["means"][child] = centre + offset
                p["log_scales"][child] = log_scale - np.log(SPLIT_FACTOR)
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
        return len(candidates) - len(parents), len(parents), int(prune.sum())

    def reset_opacity(self, value=0.01):
        """Lower every opacity to at most ``value``: Gaussians the views need regain it within a few hundred
        steps; floaters and redundant ones stay faint and are pruned."""
        logits = self.g.opacity_logits.numpy()
        active = self.g.active.numpy()
        logits[active] = np.minimum(logits[active], inverse_sigmoid(value))
        self.g.opacity_logits.assign(logits)
        self._reset_slots(np.flatnonzero(active), ["opacity_logits"])

    def render(self, cameras, k=None, coarse=None, with_info=False):
        """Render views with the current Gaussians (no gradients): ``(V, H, W, 3)`` in [0, 1].

        ``k`` and ``coarse`` override the lengths of the tile lists (to check what overflow costs).
        """
        images, infos = [], []
        for camera in cameras:
            camera = camera._replace(R=tf.constant(camera.R, tf.float32), t=tf.constant(camera.t, tf.float32),
                                     focal=float(camera.focal))
            image, info = self._render_view(camera, k or self.config.k, coarse or self.config.coarse)
            images.append(np.clip(image.numpy(), 0, 1))
            infos.append({key: value.numpy() for key, value in info.items()})
        return (np.stack(images), infos) if with_info else np.stack(images)


def random_gaussians(n, rng, radius=1.0, scale=0.04):
    """``n`` random Gaussians in a ball (for timing): ``Splats`` whose first five fields are ``tf.Variable``s."""
    d = rng.normal(size=(n, 3))
    means = radius * d / np.linalg.norm(d, axis=1, keepdims=True) * rng.uniform(0, 1, (n, 1)) ** (1 / 3)
    values = (means, scale * np.exp(rng.normal(scale=0.3, size=(n, 3))), rng.normal(size=(n, 4)),
              rng.uniform(0, 1, (n, 3)), rng.uniform(0.3, 0.9, n))
    return Splats(*(tf.Variable(np.asarray(v, np.float32)) for v in values), active=tf.ones(n, bool))


def time_training_step(n, size, rng, tile=4, k=256, coarse=(8, 512), dense=False, graph=True, jit=False,
                       repeats=5, focal_ratio=1.6):
    """Milliseconds per gradient step (render, loss, gradient of every parameter) with ``n`` random Gaussians.

    ``dense=True`` blends every Gaussian at every pixel (one tile the size of the image, holding all of
    them): the cost grows with ``n``. ``graph`` runs the step as a TensorFlow graph (``jit``: compiled by
    XLA), else eagerly. The best of ``repeats`` steps is reported (less noise from other programs).
    """
    splats = random_gaussians(n, rng)
    R, t = (tf.constant(v, tf.float32) for v in look_at((2.5, -2.5, 1.5)))
    camera = Camera(R, t, focal_ratio * size, size, size)
    target = tf.zeros((size, size, 3))
    if dense:
        tile, k, coarse = size, n, None

    def step():
        with tf.GradientTape() as tape:
            image, _, _ = render_gaussians(splats, camera, tf.ones(3), tile=tile, k=k, coarse=coarse)
            loss = tf.reduce_mean(tf.abs(image - target))
        return tape.gradient(loss, splats[:5])

    if graph:  # a TensorFlow graph (compiled by XLA if jit), else eager
        step = tf.function(step, jit_compile=jit)
    step()  # trace (and compile)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return 1000 * best
