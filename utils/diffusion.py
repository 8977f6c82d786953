"""Denoising diffusion on MNIST: noise schedules, the forward process, a class-conditional denoiser built on
``utils.models.unet``, its training step, and the DDPM, DDIM and classifier-free-guidance samplers.

Notebook 09 explains every formula used here and writes the 2-D version (Algorithms 1 and 2 of Ho et al.
2020) out in full; this module holds the MNIST version so that ``tools/train_diffusion.py`` trains exactly
the model the notebook builds and loads. Conventions:

* time steps run ``t = 1 … T``; schedule arrays have ``T + 1`` entries so that ``alpha_bars[t]`` is
  ᾱ_t, with ``alpha_bars[0] = 1`` (the clean image) and ``betas[0] = 0``;
* the model works on 14 × 14 digits (2 × 2 averages of MNIST, ``to_diffusion``) in [-1, 1], which a CPU can
  learn in minutes; ``from_diffusion`` scales samples back to [0, 1] and upsamples them to 28 × 28
  (bicubic, then sharpened) so that the evaluation classifier of ``utils.evaluation`` can read them;
* the network predicts v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (Salimans & Ho 2022); ``split_prediction`` turns v into
  the noise ε̂ and the clean image x̂₀ that the DDPM and DDIM updates use;
* the class label ``NULL_CLASS`` (= 10) means "no label": the unconditional model used by guidance.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from .env import ROOT
from .models import unet

NUM_CLASSES = 10
NULL_CLASS = NUM_CLASSES  # the extra label that means "unconditional" (label dropout, guidance)
CHECKPOINT = ROOT / "checkpoints" / "09_diffusion_mnist.weights.h5"

# One place for the architecture and training settings shared by notebook 09 and tools/train_diffusion.py,
# so the checkpoint always fits the model the notebook builds.
RECIPE = {
    "size": 14,  # side of the images the model works on (MNIST averaged over 2×2 blocks)
    "T": 250,  # diffusion steps: DDPM sampling takes all of them
    "schedule": "cosine",
    "filters": (32, 64),  # U-Net channels per level: 14×14 → 7×7
    "embed_dim": 128,  # size of the time + label embedding that conditions every U-Net block
    "label_dropout": 0.15,  # share of training labels replaced by "no label", for classifier-free guidance
    "learning_rate": 2e-3,
    "batch_size": 128,
    "ema_momentum": 0.999,
}


# ---------------------------------------------------------------------------------------- schedules


@dataclass
class Schedule:
    """β_t, α_t = 1 − β_t and ᾱ_t = α_1·…·α_t for t = 0 … T (index 0 is the clean image)."""

    betas: np.ndarray
    name: str = ""

    def __post_init__(self):
        self.betas = np.asarray(self.betas, dtype="float64")
        self.alphas = 1.0 - self.betas
        self.alpha_bars = np.cumprod(self.alphas)

    @property
    def T(self) -> int:
        return len(self.betas) - 1

    def posterior_variance(self, t):
        """β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t, the variance of q(x_{t−1} | x_t, x₀) (0 at t = 1)."""
        t = np.asarray(t)
        return (1 - self.alpha_bars[t - 1]) / (1 - self.alpha_bars[t]) * self.betas[t]


def linear_schedule(T: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> Schedule:
    """Ho et al.'s β_t rising linearly from 1e-4 to 0.02 for T = 1000, both ends scaled by 1000/T for other T
    (as Nichol & Dhariwal do), so that the total amount of noise stays about the same."""
    scale = 1000 / T
    betas = np.linspace(beta_start * scale, min(beta_end * scale, 0.999), T)
    return Schedule(np.concatenate([[0.0], betas]), name="linear")


def cosine_schedule(T: int = 1000, s: float = 0.008) -> Schedule:
    """Nichol & Dhariwal's cosine schedule: ᾱ_t = f(t)/f(0) with f(t) = cos²((t/T + s)/(1 + s) · π/2),
    and β_t = 1 − ᾱ_t/ᾱ_{t−1} capped at 0.999."""
    steps = np.arange(T + 1, dtype="float64") / T
    f = np.cos((steps + s) / (1 + s) * math.pi / 2) ** 2
    alpha_bars = f / f[0]
    betas = np.clip(1 - alpha_bars[1:] / alpha_bars[:-1], 0.0, 0.999)
    return Schedule(np.concatenate([[0.0], betas]), name="cosine")


def make_schedule(kind: str = "cosine", T: int = 1000) -> Schedule:
    return {"linear": linear_schedule, "cosine": cosine_schedule}[kind](T)


# ------------------------------------------------------------------------------------ forward process


def _per_example(values, t, ndim):
    """``values[t]`` shaped (N, 1, 1, …) to broadcast over a batch with ``ndim`` dimensions."""
    v = np.asarray(values, dtype="float32")[np.asarray(t)]
    return v.reshape(v.shape + (1,) * (ndim - v.ndim))


def q_sample(x0, t, noise, alpha_bars):
    """The forward process in one jump: x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε.

    ``t`` is an int or an array with one step per example; ``alpha_bars`` has T + 1 entries."""
    x0 = np.asarray(x0, dtype="float32")
    ab = _per_example(alpha_bars, t, x0.ndim)
    return np.sqrt(ab) * x0 + np.sqrt(1 - ab) * np.asarray(noise, dtype="float32")


def to_diffusion(images, size: int = RECIPE["size"]) -> np.ndarray:
    """uint8 digits (N, 28, 28) → float32 (N, size, size, 1) in [-1, 1]; ``size=14`` averages 2×2 blocks."""
    x = np.asarray(images, dtype="float32") / 255.0
    x = x[..., None] if x.ndim == 3 else x
    if size != x.shape[1]:
        factor = x.shape[1] // size
        x = x.reshape(len(x), size, factor, size, factor, 1).mean(axis=(2, 4))
    return x * 2 - 1


def from_diffusion(x, size: int = 28, sharpen: bool = True) -> np.ndarray:
    """Model space [-1, 1] → images in [0, 1], shape (N, size, size, 1).

    When the model works at a lower resolution the images are upsampled (bicubic) so that the evaluation
    classifier can read them. 2×2 averaging blurred the stroke edges and upsampling keeps the blur; since MNIST
    strokes are nearly black or white, ``sharpen`` doubles the contrast around mid-grey (then clips), which
    restores sharp edges: real digits sent through this round trip score almost like the originals.
    """
    x = np.asarray(x, dtype="float32")
    if x.shape[1] != size:
        x = np.asarray(tf.image.resize(x, (size, size), method="bicubic"))
        if sharpen:
            x = 2.0 * x
    return np.clip((x + 1) / 2, 0.0, 1.0)


# ------------------------------------------------------------------------------------------- the model


@keras.saving.register_keras_serializable(package="course")
class TimeEmbedding(layers.Layer):
    """Sinusoidal features of 1000·t/T, as in the Transformer's positional encoding and DDPM's U-Net."""

    def __init__(self, dim: int, **kwargs):
        super().__init__(**kwargs)
        self.dim = dim
        half = dim // 2
        self.frequencies = np.exp(-math.log(10_000.0) * np.arange(half) / half).astype("float32")

    def call(self, s):
        angles = 1000.0 * s * self.frequencies
        return keras.ops.concatenate([keras.ops.sin(angles), keras.ops.cos(angles)], axis=-1)

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def build_denoiser(size: int = RECIPE["size"], filters=RECIPE["filters"], embed_dim: int = RECIPE["embed_dim"],
                   num_classes: int = NUM_CLASSES, name: str = "denoiser") -> keras.Model:
    """The network v_θ(x_t, t, y): ``utils.models.unet`` conditioned on one vector, the sum of a learned
    embedding of the time step (sinusoidal features → two dense layers) and of the class label
    (``num_classes + 1`` rows, the last one for "no label").

    Inputs ``[noisy image (N, size, size, 1), t/T (N, 1) float, label (N, 1) int]``; output like the image.
    """
    image = keras.Input(shape=(size, size, 1), name="noisy_image")
    time_in = keras.Input(shape=(1,), name="time")  # t / T in [0, 1]
    label = keras.Input(shape=(1,), dtype="int32", name="label")
    t_emb = TimeEmbedding(embed_dim, name="time_features")(time_in)
    t_emb = layers.Dense(embed_dim, activation="swish", name="time_dense1")(t_emb)
    t_emb = layers.Dense(embed_dim, name="time_dense2")(t_emb)
    y_emb = layers.Embedding(num_classes + 1, embed_dim, name="label_embedding")(label)
    y_emb = layers.Flatten(name="label_flat")(y_emb)
    condition = layers.Activation("swish", name="condition")(layers.Add(name="time_plus_label")([t_emb, y_emb]))
    backbone = unet((size, size, 1), out_channels=1, filters=tuple(filters), condition_dim=embed_dim, name="unet")
    return keras.Model([image, time_in, label], backbone([image, condition]), name=name)


def split_prediction(v, x_t, alpha_bar: float, clip: bool = True):
    """From the v-prediction to (ε̂, x̂₀): x̂₀ = √ᾱ_t·x_t − √(1−ᾱ_t)·v, clipped to the data range [-1, 1]
    (``clip=True``), then ε̂ = (x_t − √ᾱ_t·x̂₀) / √(1−ᾱ_t), so that the two stay consistent."""
    a, b = math.sqrt(alpha_bar), math.sqrt(1 - alpha_bar)
    x0 = a * x_t - b * v
    if clip:
        x0 = np.clip(x0, -1.0, 1.0)
    eps = (x_t - a * x0) / max(b, 1e-8)
    return eps, x0


def sampling_step(x_t, v, t: int, s: int, alpha_bars, eta: float, rng, clip: bool = True):
    """One reverse step from time t to an earlier time s (s = t − 1 for DDPM), given the network's v.

    The generalised (DDIM) update of Song et al. 2021:
    x_s = √ᾱ_s·x̂₀ + √(1 − ᾱ_s − σ²)·ε̂ + σ·z, with σ = η·√((1−ᾱ_s)/(1−ᾱ_t) · (1 − ᾱ_t/ᾱ_s)).
    η = 0 is deterministic DDIM. With s = t − 1 and η = 1, σ² = β̃_t and the step is the mean of
    q(x_{t−1} | x_t, x̂₀) plus noise: exactly DDPM's Algorithm 2 (with σ_t² = β̃_t) when ``clip=False``.
    With ``clip=True`` (the default) x̂₀ is first clipped to [-1, 1] (as Ho et al.'s released code does, not
    their Algorithm 2), which changes the step wherever the unclipped x̂₀ leaves that range.
    """
    a_t, a_s = float(alpha_bars[t]), float(alpha_bars[s])
    eps, x0 = split_prediction(v, x_t, a_t, clip=clip)
    sigma = eta * math.sqrt((1 - a_s) / (1 - a_t) * (1 - a_t / a_s))
    x = math.sqrt(a_s) * x0 + math.sqrt(max(1 - a_s - sigma**2, 0.0)) * eps
    if s > 0 and sigma > 0:
        x = x + sigma * rng.standard_normal(x.shape).astype("float32")
    return x.astype("float32")


def sampling_times(T: int, steps: int) -> np.ndarray:
    """``steps`` evenly spaced time steps from T down to T/steps (T, T−1, …, 1 when steps = T); the sampler
    then jumps from the last one straight to 0."""
    steps = min(steps, T)
    return np.unique((T * np.arange(1, steps + 1) / steps).round().astype(int))[::-1]


@keras.saving.register_keras_serializable(package="course")
class DiffusionTrainer(keras.Model):
    """Algorithm 1 of Ho et al. as a Keras ``train_step``, with a v-target and label dropout; ``fit`` it on
    batches of (x₀ in [-1, 1], label)."""

    def __init__(self, network, alpha_bars, label_dropout: float = 0.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.alpha_bars = tf.constant(np.asarray(alpha_bars, dtype="float32"))
        self.T = len(alpha_bars) - 1
        self.label_dropout = float(label_dropout)
        self.seeds = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, inputs, training=False):
        return self.network(inputs, training=training)

    def train_step(self, data):
        x0, labels = data
        n = tf.shape(x0)[0]
        t = keras.random.randint((n,), 1, self.T + 1, seed=self.seeds)            # t ~ Uniform{1, …, T}
        eps = keras.random.normal(tf.shape(x0), seed=self.seeds)                  # ε ~ N(0, I)
        ab = tf.reshape(tf.gather(self.alpha_bars, t), (-1, 1, 1, 1))
        x_t = tf.sqrt(ab) * x0 + tf.sqrt(1 - ab) * eps                           # a draw of q(x_t | x_0)
        v = tf.sqrt(ab) * eps - tf.sqrt(1 - ab) * x0                             # the target
        drop = keras.random.uniform((n,), seed=self.seeds) < self.label_dropout  # "no label" for guidance
        labels = tf.where(drop, NULL_CLASS, tf.cast(tf.reshape(labels, (-1,)), "int32"))
        s = tf.cast(tf.reshape(t, (-1, 1)), "float32") / self.T
        with tf.GradientTape() as tape:
            pred = self.network([x_t, s, tf.reshape(labels, (-1, 1))], training=True)
            loss = tf.reduce_mean(tf.square(v - pred))
        grads = tape.gradient(loss, self.network.trainable_variables)
        self.optimizer.apply(grads, self.network.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


class Diffusion:
    """The denoiser network plus its schedule: trains with Algorithm 1 and samples with DDPM
    (Algorithm 2), DDIM and classifier-free guidance.

        dm = Diffusion()                                   # the RECIPE model, untrained
        dm.load()                                          # or: the committed checkpoint
        digits = dm.sample(100, labels=7, steps=20, guidance=2.0)
    """

    def __init__(self, recipe: dict | None = None, network=None):
        self.recipe = {**RECIPE, **(recipe or {})}
        self.schedule = make_schedule(self.recipe["schedule"], self.recipe["T"])
        self.network = network or build_denoiser(self.recipe["size"], self.recipe["filters"], self.recipe["embed_dim"])
        self._predict = None

    @property
    def T(self) -> int:
        return self.schedule.T

    @property
    def size(self) -> int:
        return self.network.input_shape[0][1]

    # ------------------------------------------------------------------------------------ training
    def trainer(self, total_steps: int | None = None, seed: int = 0) -> DiffusionTrainer:
        """A compiled ``DiffusionTrainer`` with Adam and an exponential moving average (EMA) of the weights,
        which ``fit`` copies into the network when it ends. With ``total_steps``, the learning rate warms up
        over the first 5 % of the steps and then decays along a cosine to 10 %."""
        trainer = DiffusionTrainer(self.network, self.schedule.alpha_bars, self.recipe["label_dropout"], seed)
        lr = self.recipe["learning_rate"]
        if total_steps:
            lr = keras.optimizers.schedules.CosineDecay(lr / 10, total_steps, alpha=0.1, warmup_target=lr,
                                                        warmup_steps=max(1, total_steps // 20))
        optimizer = keras.optimizers.Adam(lr, use_ema=True, ema_momentum=self.recipe["ema_momentum"])
        trainer.compile(optimizer=optimizer)
        return trainer

    def dataset(self, images, labels, seed: int = 0):
        """MNIST uint8 digits and labels → a shuffled, repeated tf.data pipeline of (x₀, label) batches."""
        x = to_diffusion(images, self.size)
        ds = tf.data.Dataset.from_tensor_slices((x, np.asarray(labels, "int32")))
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat()
        return ds.batch(self.recipe["batch_size"], drop_remainder=True).prefetch(2)

    # ------------------------------------------------------------------------------------ sampling
    def predict_v(self, x_t, t: int, labels, batch: int = 1000) -> np.ndarray:
        """The network on numpy inputs (one time step ``t`` for the whole batch), in chunks."""
        if self._predict is None:
            network = self.network
            self._predict = tf.function(lambda x, s, y: network([x, s, y], training=False), reduce_retracing=True)
        n = len(x_t)
        s = np.full((n, 1), t / self.T, dtype="float32")
        y = np.asarray(labels, dtype="int32").reshape(n, 1)
        return np.concatenate([np.asarray(self._predict(x_t[i:i + batch], s[i:i + batch], y[i:i + batch]))
                               for i in range(0, n, batch)])

    def guided_v(self, x_t, t: int, labels, guidance: float = 0.0) -> np.ndarray:
        """Classifier-free guidance (Ho & Salimans 2022): (1 + w)·v(x, y) − w·v(x, ∅). The mix is linear, so
        mixing v is the same as mixing ε̂ (both are linear in the network output for a given x_t)."""
        if guidance == 0:
            return self.predict_v(x_t, t, labels)
        n = len(x_t)
        both = self.predict_v(np.concatenate([x_t, x_t]), t,
                              np.concatenate([labels, np.full(n, NULL_CLASS, dtype="int32")]))
        return (1 + guidance) * both[:n] - guidance * both[n:]

    def sample(self, n: int, labels=None, steps: int | None = None, eta: float | None = None,
               guidance: float = 0.0, seed: int = 0, progress: bool = False, native: bool = False):
        """Generate ``n`` digits as images in [0, 1], shape (n, 28, 28, 1) (``native=True``: model size).

        * ``steps=None`` (all T) and ``eta=None``: **DDPM**, Algorithm 2, with σ_t² = β̃_t;
        * ``steps=S < T``: **DDIM** on S evenly spaced steps, deterministic (``eta=0``) unless told otherwise;
        * ``labels``: the digit(s) to draw, an int or n ints; ``None`` draws unconditionally (label ∅);
        * ``guidance=w > 0``: classifier-free guidance with weight w.
        """
        rng = np.random.default_rng(seed)
        steps = steps or self.T
        eta = (1.0 if steps >= self.T else 0.0) if eta is None else eta
        labels = NULL_CLASS if labels is None else labels
        labels = np.broadcast_to(np.asarray(labels, dtype="int32"), (n,)).copy()
        times = sampling_times(self.T, steps)
        x = rng.standard_normal((n, self.size, self.size, 1)).astype("float32")
        pairs = list(zip(times, [*times[1:], 0]))
        if progress:
            import warnings

            from tqdm import TqdmWarning

            with warnings.catch_warnings():  # without ipywidgets tqdm.auto falls back to a text bar: fine
                warnings.simplefilter("ignore", TqdmWarning)
                from tqdm.auto import tqdm
            kind = "DDPM" if steps >= self.T and eta == 1 else "DDIM"
            pairs = tqdm(pairs, desc=f"{kind}, {len(times)} steps, {n} digits", leave=False, mininterval=3)
        for t, s in pairs:
            x = sampling_step(x, self.guided_v(x, t, labels, guidance), t, s, self.schedule.alpha_bars, eta, rng)
        return from_diffusion(x, self.size if native else 28)

    def timed_sample(self, n: int, **kwargs):
        """``sample(n, …)`` plus its wall time in seconds. The network is called once on a batch of this size
        before the clock starts, so that TensorFlow's one-off tracing is not counted as sampling time."""
        self.predict_v(np.zeros((n, self.size, self.size, 1), "float32"), self.T, np.zeros(n, "int32"))
        start = time.perf_counter()
        images = self.sample(n, **kwargs)
        return images, time.perf_counter() - start

    # ------------------------------------------------------------------------------------ weights
    def save(self, path=CHECKPOINT) -> Path:
        """Write the network's weights (``.weights.h5``) atomically: a reader never sees half a file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"partial-{os.getpid()}.weights.h5")
        self.network.save_weights(partial)
        os.replace(partial, path)
        return path

    def load(self, path=CHECKPOINT) -> Diffusion:
        self.network.load_weights(Path(path))
        self._predict = None
        return self
