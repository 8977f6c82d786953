# %% [markdown] slideshow={"slide_type": "slide"}
# # 06 · GANs: a minimax game, mode collapse and a DCGAN that draws digits
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/06_gan.ipynb) · [Slides](../slides/README.md) · ← previous: [05 · Variational autoencoders: a latent space you can walk through](05_vae_latent_space.ipynb) · next: [07 · Recurrent networks: memory over time](07_recurrent_networks.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - the GAN as a two-player minimax game: the value function, the optimal discriminator, and the losses the two
#   networks actually minimise (and why the generator uses the *non-saturating* one);
# - what **mode collapse** looks like on a 2-D ring of eight Gaussians, measured over training, and how letting the
#   discriminator judge several samples at once (PacGAN "packing") avoids it;
# - to train a **DCGAN** on MNIST as a `keras.Model` with its own `train_step`: losses over time, a fixed-noise
#   sample grid per epoch (as an animation), a walk through the latent space;
# - to judge samples without Inception: a **feature FID**, class coverage and confidence from a digit classifier
#   trained by the course, with real data as the floor.
#
# **Time:** smoke ≈ 20 s · workshop ≈ 3½–4½ min (205 s measured on a quiet 2-core CPU, 2026-12-01, the classifier cached; 262 s on a slower machine the same day, when the toy GANs trained half as many steps) · full ≈ 7 min (CPU) · GPU: helps in full mode
# (the first run on a machine adds about a minute to train the evaluation classifier, which is then cached)

# %% tags=["setup"] slideshow={"slide_type": "skip"}
# Setup: the same cell in every notebook (written by tools/nav.py). It finds the course folder
# (in Colab it clones the course first), then checks packages, seeds, and picks the device and mode.
import os
import subprocess
import sys
from pathlib import Path

REPO_URL = "https://github.com/ml-course-org/ml-course"
if "google.colab" in sys.modules:
    ROOT = Path(os.environ.get("COURSE_ROOT", "/content/ml-course"))
    if not (ROOT / "utils").exists():
        url = os.environ.get("COURSE_REPO_URL", REPO_URL)
        subprocess.run(["git", "clone", "--depth", "1", url, str(ROOT)], check=True)
else:
    ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "utils" / "__init__.py").exists()), None)
    assert ROOT, "Start Jupyter inside the course folder (the one holding utils/), e.g. with `make lab`."
sys.path.insert(0, str(ROOT))
import utils

ctx = utils.setup("06_gan")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Two networks, one game
#
# A **generator** $G$ turns noise $z \sim \mathcal N(0, I)$ into a sample $G(z)$; a **discriminator** $D$ looks at
# a sample and outputs the probability $D(x)$ that it came from the data rather than from $G$. Goodfellow et al.
# (2014, [arXiv:1406.2661](https://arxiv.org/abs/1406.2661)) set them against each other:
#
# $$\min_G \max_D \; V(D, G) = \mathbb E_{x \sim p_\text{data}}\big[\log D(x)\big]
#   + \mathbb E_{z \sim p_z}\big[\log\big(1 - D(G(z))\big)\big].$$
#
# $D$ maximises $V$: it is a binary classifier, real = 1, fake = 0, trained with cross-entropy. $G$ minimises it: it
# wants its samples called real. Neither network ever sees a likelihood; $G$ learns only through $D$'s gradient.
#
# **The optimal discriminator.** For a fixed $G$ with sample density $p_g$, maximising the integrand
# $p_\text{data}(x)\log D + p_g(x)\log(1 - D)$ point by point gives
#
# $$D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}, \qquad
#   V(D^*, G) = -\log 4 + 2\,\mathrm{JSD}\big(p_\text{data} \,\|\, p_g\big).$$
#
# So against a perfect discriminator the generator minimises the Jensen–Shannon divergence, which is 0 exactly when
# $p_g = p_\text{data}$; then $D^* = \tfrac12$ everywhere. In practice neither player is optimal: we alternate one
# gradient step for $D$ and one for $G$ and hope the pair settles.

# %% [markdown] slideshow={"slide_type": "notes"}
# (Timing: start Run All now. The two toy GANs (15–20 s each on a quiet 2-core CPU, 60 s at most) and the DCGAN (150 s at most) then
# train while you present sections 1–3, so the DCGAN's results are ready when you reach section 4.)
#
# Say: two networks play one game. D is an ordinary binary classifier (real = 1, fake = 0); G is scored only
# through D. Against the best D the game measures the Jensen-Shannon divergence between data and generator.
# In practice G uses the non-saturating loss -log D(G(z)), because the minimax loss has almost no gradient
# exactly when D wins early.
#
# Point at: the figure of the two generator losses and their gradients against D(G(z)): near D(G(z)) = 0 (a
# bad generator) the minimax gradient is flat, the non-saturating one steep.
#
# Ask the room: "At the start of training, who wins, D or G, and which of the two losses still teaches G
# something then?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The losses we actually minimise
#
# Networks output a **logit** $\ell(x)$ and $D(x) = \sigma(\ell(x))$. With $-\log\sigma(\ell) = \operatorname{softplus}(-\ell)$
# and $-\log(1 - \sigma(\ell)) = \operatorname{softplus}(\ell)$ (numerically safe, no $\log 0$):
#
# $$L_D = \mathbb E_x\big[\operatorname{softplus}(-\ell(x))\big] + \mathbb E_z\big[\operatorname{softplus}(\ell(G(z)))\big]$$
#
# For the generator there are two choices:
#
# * **minimax** (the game as written): minimise $\mathbb E_z\big[\log(1 - D(G(z)))\big] = -\mathbb E_z\big[\operatorname{softplus}(\ell(G(z)))\big]$;
# * **non-saturating** (what everyone uses): minimise $-\mathbb E_z\big[\log D(G(z))\big] = \mathbb E_z\big[\operatorname{softplus}(-\ell(G(z)))\big]$.
#
# Both push $D(G(z))$ up. The difference is *where they push hard*: early in training $D$ easily rejects fakes,
# $D(G(z)) \approx 0$, and there the minimax loss is flat, with gradient $\partial/\partial\ell = -\sigma(\ell) \to 0$.
# The non-saturating loss has gradient $-(1 - \sigma(\ell)) \to -1$: strongest exactly when the generator is worst.

# %% slideshow={"slide_type": "skip"}
import json
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from IPython.display import Image, display
from keras import layers, ops
from PIL import Image as PILImage

from utils.data import load_mnist
from utils.evaluation import Evaluator
from utils.plots import image_grid, plot_history
from utils.training import TimeBudget

# %% [markdown] slideshow={"slide_type": "skip"}
# **Sizes.** Everything that depends on the mode, in one place (smoke: proves the code runs; workshop: about
# 3.5 minutes on a quiet 2-core CPU; full: longer runs, better digits). `STEPS_PER_EXECUTION` runs that many
# batches in one compiled call, which saves Python overhead per batch; it changes nothing in the maths:

# %%
# the toy GAN on a ring of Gaussians (section 3)
TOY_POINTS = ctx.pick(smoke=5_000, workshop=100_000, full=100_000)  # training points
TOY_EPOCHS = ctx.pick(smoke=2, workshop=40, full=40)  # here an "epoch" is TOY_STEPS batches
TOY_STEPS = ctx.pick(smoke=10, workshop=100, full=100)
TOY_SECONDS = ctx.pick(smoke=20, workshop=60, full=120)  # wall-clock cap per toy GAN (a safety net)
# the DCGAN on MNIST (section 4)
N_TRAIN = ctx.pick(smoke=2000, workshop=60_000, full=60_000)
STEPS_PER_EPOCH = ctx.pick(smoke=3, workshop=100, full=100)  # a Keras "epoch" here is 100 batches, not all of MNIST
EPOCHS = ctx.pick(smoke=2, workshop=60, full=100)
TRAIN_SECONDS = ctx.pick(smoke=60, workshop=150, full=1800)
STEPS_PER_EXECUTION = ctx.pick(smoke=1, workshop=10, full=10)
# judging the samples (section 5)
N_SAMPLES = ctx.pick(smoke=256, workshop=2000, full=10_000)  # generated digits scored (and real digits for the floor)
N_REFERENCE = ctx.pick(smoke=1000, workshop=10_000, full=10_000)  # real test digits they are compared with

# %%
# extra code – the two generator losses and their gradients as a function of D(G(z))
d_fake = np.linspace(0.001, 0.999, 400)
logit = np.log(d_fake / (1 - d_fake))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
axes[0].plot(d_fake, np.log(1 - d_fake), label=r"minimax: $\log(1 - D)$")
axes[0].plot(d_fake, -np.log(d_fake), label=r"non-saturating: $-\log D$")
axes[0].set(title="Generator loss", xlabel="D(G(z)), probability the fake is called real", ylabel="loss (nats)")
axes[1].plot(d_fake, -d_fake, label=r"minimax: $-\sigma(\ell)$")
axes[1].plot(d_fake, -(1 - d_fake), label=r"non-saturating: $-(1 - \sigma(\ell))$")
axes[1].set(title="Its gradient with respect to the logit", xlabel="D(G(z)), probability the fake is called real",
            ylabel="d loss / d logit (nats per logit unit)")
for ax, where in zip(axes, ("upper right", "lower center")):
    ax.axvspan(0, 0.1, color="grey", alpha=0.15)
    ax.legend(fontsize=8, loc=where)
axes[0].text(0.05, 0.97, "grey: early\ntraining", transform=axes[0].transAxes, va="top", fontsize=8)
axes[1].annotate("early training:\nminimax gradient ≈ 0", (0.05, -0.03), (0.3, -0.05), va="top",
                 arrowprops={"arrowstyle": "->"})
fig.tight_layout()
ctx.savefig(fig, "generator_losses")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · A GAN as a Keras model with its own `train_step`
#
# `model.fit` calls `train_step(batch)` once per batch. We override it to play one round of the game:
#
# 1. **Discriminator step.** Draw $z$, make fakes; score a real batch and the fakes; take the gradient of $L_D$
#    with respect to $D$'s weights only and apply it with $D$'s optimiser.
# 2. **Generator step.** Draw fresh $z$; score $G(z)$ with $D$; take the gradient of the generator loss with respect
#    to $G$'s weights only (the gradient flows *through* $D$, but $D$ is not updated) and apply it with $G$'s optimiser.
#
# Two optimisers, so `compile(d_optimizer=..., g_optimizer=...)`. The losses are written with `keras.ops`; only the
# gradient uses `tf.GradientTape` (TensorFlow backend). The metrics report $L_D$, $L_G$ and the mean of $D$ on real
# and fake batches: at the game's equilibrium both would be $\tfrac12$.
#
# One option, `pack`, is explained in the toy below: it lets $D$ judge `pack` samples at once.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: `fit` calls `train_step` once per batch; we override it to play one round: a discriminator step on real
# and fake, then a generator step whose gradient flows through D without updating D. Two optimisers, passed to
# `compile`.
#
# Point at: the two tapes in `train_step` and which weights each gradient is applied to; then the metrics it
# reports (L_D, L_G, mean D on real and on fake), which would all sit near 1/2 at the equilibrium.
#
# Ask the room: "What would go wrong if the generator step also updated D's weights?"

# %%
def bce_from_logits(target, logits):
    """Mean binary cross-entropy of logits against a constant target: softplus(l) - target * l."""
    return ops.mean(ops.softplus(logits) - target * logits)


def pack_samples(x, pack):
    """Group `pack` consecutive samples into one, concatenated along the last axis (PacGAN)."""
    if pack == 1:
        return x
    shape = tuple(x.shape[1:])
    x = ops.reshape(x, (-1, pack, *shape))  # (batch/pack, pack, ...)
    x = ops.moveaxis(x, 1, -1)  # (batch/pack, ..., features, pack)
    return ops.reshape(x, (-1, *shape[:-1], shape[-1] * pack))


class GAN(keras.Model):
    """A generator and a discriminator trained against each other, one round of the game per batch."""

    def __init__(self, generator, discriminator, latent_dim, pack=1, generator_loss="non-saturating", **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.pack, self.generator_loss = latent_dim, pack, generator_loss
        self.noise = keras.random.SeedGenerator(0)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", "d_real", "d_fake")}

    @property
    def metrics(self):  # Keras resets these at the start of every epoch
        return list(self.trackers.values())

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    def train_step(self, real):
        batch = ops.shape(real)[0]
        # 1. discriminator: real -> 1, fake -> 0
        z = keras.random.normal((batch, self.latent_dim), seed=self.noise)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            real_logits = self.discriminator(pack_samples(real, self.pack), training=True)
            fake_logits = self.discriminator(pack_samples(fake, self.pack), training=True)
            d_loss = bce_from_logits(1.0, real_logits) + bce_from_logits(0.0, fake_logits)
        weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # 2. generator: make D call fresh fakes real; only G's weights change
        z = keras.random.normal((batch, self.latent_dim), seed=self.noise)
        with tf.GradientTape() as tape:
            logits = self.discriminator(pack_samples(self.generator(z, training=True), self.pack), training=True)
            if self.generator_loss == "minimax":
                g_loss = -bce_from_logits(0.0, logits)  # minimise log(1 - D(G(z)))
            else:
                g_loss = bce_from_logits(1.0, logits)  # minimise -log D(G(z))
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        for name, value in (("d_loss", d_loss), ("g_loss", g_loss),
                            ("d_real", ops.mean(ops.sigmoid(real_logits))), ("d_fake", ops.mean(ops.sigmoid(fake_logits)))):
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · A toy you can see: a ring of eight Gaussians
#
# The data: eight Gaussian blobs (standard deviation $\sigma = 0.05$) evenly spaced on a circle of radius 2. Each
# blob is a **mode**. Because we know the truth, we can score any set of generated points exactly:
#
# * a sample is **high quality** if it lies within $3\sigma$ of a mode centre (for the real data that is
#   $1 - e^{-9/2} \approx 98.9\,\%$ of the points in expectation, the share of a 2-D Gaussian within 3σ; the
#   cell below prints what a sample of 2,000 real points gets);
# * a mode is **covered** if at least 5 % of all samples are high-quality samples of that mode
#   (40 % of the 12.5 % a perfect generator puts there).
#
# Why 5 % and not less? A generator that has learned only "points on a circle of radius 2", spread uniformly
# around it, already puts $2 \cdot 3\sigma / (2\pi \cdot 2) \approx 2.4\,\%$ of its points within 3σ of each
# mode. A rule that such a **uniform ring** passes cannot tell a learned mode from luck, so the threshold sits
# well above it; the cell below checks that the uniform ring fails.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: on eight Gaussian blobs we know the truth, so quality (within 3 sigma of a mode) and coverage (modes
# with enough samples) are exact. We provoke mode collapse by letting G learn three times faster than D, and
# fix it with packing: D judges several samples at once, so a lack of variety becomes visible to it.
#
# Point at: the two curves of modes covered (vanilla vs packed) and the snapshots; then the printed lines, which
# say for this run how many checkpoints each GAN spent collapsed, spread round the ring, or on the modes (a
# snapshot with 0 modes may be collapsed or merely not sharp yet: the sector count decides).
#
# Ask the room: "Nothing in the loss asks for variety. Why does seeing two samples at once give D a way to
# punish a generator that has no variety?"

# %%
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.05
angles = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
RING_CENTRES = (RING_RADIUS * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype("float32")


def sample_ring(n, rng):
    """n points from the ring of Gaussians."""
    return (RING_CENTRES[rng.integers(0, RING_MODES, n)] + RING_STD * rng.normal(size=(n, 2))).astype("float32")


MODE_SHARE = 0.05  # a mode is covered if at least this share of all samples are high-quality samples of it


def ring_scores(points):
    """(modes covered of 8, fraction of high-quality samples) for an array of 2-D points."""
    distance = np.linalg.norm(points[:, None, :] - RING_CENTRES[None], axis=-1)  # (n, 8)
    high_quality = distance.min(axis=1) < 3 * RING_STD
    per_mode = np.bincount(distance.argmin(axis=1)[high_quality], minlength=RING_MODES)
    return int(np.sum(per_mode >= MODE_SHARE * len(points))), float(high_quality.mean())


def sectors_covered(points):
    """Angular sectors (of 8, one per mode, any radius beyond 1) holding at least 5 % of the samples.

    Tells a collapsed generator (few sectors) from one that spreads round the ring but is not yet sharp
    (all sectors, few modes)."""
    angle = np.arctan2(points[:, 1], points[:, 0])
    sector = np.round(angle / (2 * np.pi / RING_MODES)).astype(int) % RING_MODES  # nearest mode's angle
    outside = np.linalg.norm(points, axis=1) > 1.0
    return int(np.sum(np.bincount(sector[outside], minlength=RING_MODES) >= MODE_SHARE * len(points)))


rng = np.random.default_rng(0)
real_ring = sample_ring(2000, rng)
angle = rng.uniform(0, 2 * np.pi, 2000)
uniform_ring = RING_RADIUS * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # right radius, no modes
real_modes, real_quality = ring_scores(real_ring)
uniform_modes, uniform_quality = ring_scores(uniform_ring)
print(f"real data:    {real_modes}/8 modes covered, {real_quality:.1%} high-quality samples")
print(f"uniform ring: {uniform_modes}/8 modes covered, {uniform_quality:.1%} high-quality samples "
      f"(≈ {uniform_quality / RING_MODES:.1%} per mode, below the {MODE_SHARE:.0%} needed), "
      f"but {sectors_covered(uniform_ring)}/8 angular sectors: spread out, not collapsed")
assert real_modes == RING_MODES and uniform_modes == 0, "the rule must pass real data and fail a uniform ring"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Mode collapse, and a fix: packing
#
# Nothing in $L_G$ asks for *variety*. Each generator step moves its samples towards wherever $D$ currently says
# "real". If $G$ adapts faster than $D$, all its samples pile onto one spot that $D$ happens to like; $D$ then
# learns that spot is fake, and $G$ hops to the next one. The generator chases the discriminator round the ring and
# never spreads out: **mode collapse**. Here we provoke it on purpose by giving $G$ a learning rate three times $D$'s.
#
# **Packing** (PacGAN, Lin et al. 2018, [arXiv:1712.04086](https://arxiv.org/abs/1712.04086)): $D$ judges
# `pack` = 4 samples at once, concatenated into one input, all real or all fake. Four real points usually come from
# different modes; four points from a collapsed generator sit on top of each other. So $D$ can now see *lack of
# variety*, and its gradient tells $G$ to spread out. It is the only change: same networks, same learning rates,
# same number of steps; $D$'s first layer just has $2 \times 4$ inputs instead of 2.

# %%
TOY_LATENT = 16
TOY_BATCH = 512  # a multiple of the pack size


def mlp(inputs, outputs, width=128, name=None):
    return keras.Sequential([keras.Input((inputs,)), layers.Dense(width, activation="relu"),
                             layers.Dense(width, activation="relu"), layers.Dense(outputs)], name=name)


class RingTracker(keras.callbacks.Callback):
    """After every epoch: score 2,000 samples from fixed noise; keep a few snapshots (and the last) to plot."""

    def __init__(self, snapshot_epochs):
        super().__init__()
        self.z = np.random.default_rng(1).normal(size=(2000, TOY_LATENT)).astype("float32")
        self.snapshot_epochs, self.scores, self.sectors, self.snapshots = snapshot_epochs, [], [], {}

    def on_epoch_end(self, epoch, logs=None):
        points = np.asarray(self.model.generator(self.z, training=False))
        self.scores.append(ring_scores(points))
        self.sectors.append(sectors_covered(points))
        if epoch + 1 in self.snapshot_epochs:
            self.snapshots[epoch + 1] = points

    def on_train_end(self, logs=None):  # the last epoch reached, also when the time budget stopped training
        self.snapshots[len(self.scores)] = np.asarray(self.model.generator(self.z, training=False))


def train_toy_gan(pack, seed=2):
    keras.utils.set_random_seed(seed)
    points = sample_ring(TOY_POINTS, np.random.default_rng(seed))
    data = (tf.data.Dataset.from_tensor_slices(points)
            .shuffle(10_000, seed=seed).batch(TOY_BATCH, drop_remainder=True).repeat())
    gan = GAN(mlp(TOY_LATENT, 2, name="generator"), mlp(2 * pack, 1, name="discriminator"), TOY_LATENT, pack=pack)
    # G learns 3x faster than D: the setting that provokes collapse
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(3e-3, beta_1=0.5),
                steps_per_execution=25)  # 25 batches per call: less Python overhead for these tiny networks
    tracker = RingTracker(snapshot_epochs={1, max(1, TOY_EPOCHS // 3), max(1, 2 * TOY_EPOCHS // 3)})
    start = time.time()
    gan.fit(data, epochs=TOY_EPOCHS, steps_per_epoch=TOY_STEPS, verbose=0, shuffle=False,  # tf.data shuffles
            callbacks=[tracker, TimeBudget(TOY_SECONDS)])
    print(f"pack={pack}: {int(gan.g_optimizer.iterations)} steps in {time.time() - start:.1f} s, "
          f"modes covered at the end {tracker.scores[-1][0]} of {RING_MODES}")
    return tracker


toy = {"vanilla GAN": train_toy_gan(pack=1), "packed GAN (pack = 4)": train_toy_gan(pack=4)}

# %% [markdown] slideshow={"slide_type": "subslide"}
# Modes covered and the fraction of high-quality samples, measured after every 100 steps, and what the samples
# look like along the way (grey: real data; dotted: what real data and a uniform ring score).

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for label, tracker in toy.items():
    steps = TOY_STEPS * np.arange(1, len(tracker.scores) + 1)
    modes, quality = np.array(tracker.scores).T
    axes[0].plot(steps, modes, marker=".", label=label)
    axes[1].plot(steps, quality, marker=".", label=label)
axes[0].axhline(uniform_modes, color="grey", ls=":", label="uniform ring")
axes[1].axhline(real_quality, color="black", ls=":", label="real data")
axes[1].axhline(uniform_quality, color="grey", ls=":", label="uniform ring")
axes[0].set(title=f"Modes covered (≥ {MODE_SHARE:.0%} of samples within 3σ)", xlabel="training step (batches of 512)", ylabel="modes covered (of 8)",
            ylim=(-0.3, 8.3))
axes[1].set(title="High-quality samples over training", xlabel="training step (batches of 512)",
            ylabel="fraction within 3σ of a mode", ylim=(0, 1))
for ax in axes:
    ax.legend()
fig.tight_layout()
ctx.savefig(fig, "toy_modes_over_training")
plt.show()

# %%
# extra code – snapshots of the samples of both GANs
fig, axes = plt.subplots(2, 4, figsize=(12, 6.2), sharex=True, sharey=True)
for i, (label, tracker) in enumerate(toy.items()):
    for ax, (epoch, points) in zip(axes[i], sorted(tracker.snapshots.items())):
        ax.scatter(*real_ring.T, s=2, c="lightgrey")
        ax.scatter(*points[:500].T, s=3, c=f"C{i}")
        modes, quality = ring_scores(points)
        ax.set(title=f"{label}\nstep {epoch * TOY_STEPS}: {modes}/8 modes", xlim=(-3, 3), ylim=(-3, 3), aspect="equal")
    axes[i, 0].set_ylabel("y (data units)")
for ax in axes[1]:
    ax.set_xlabel("x (data units)")
fig.tight_layout()
ctx.savefig(fig, "toy_samples")
plt.show()

# %%
vanilla_modes, vanilla_quality = toy["vanilla GAN"].scores[-1]
packed_modes, packed_quality = toy["packed GAN (pack = 4)"].scores[-1]
ctx.log_metric("toy_modes_vanilla", vanilla_modes, unit="of 8")
ctx.log_metric("toy_modes_packed", packed_modes, unit="of 8", target=8, baseline=vanilla_modes)
ctx.log_metric("toy_high_quality_packed", packed_quality, baseline=vanilla_quality)
ctx.log_metric("toy_high_quality_real", real_quality)
ctx.log_metric("toy_high_quality_uniform_ring", uniform_quality)
# a GAN may escape collapse late, so judge the whole run: modes covered, averaged over the checkpoints


def state(modes, sectors):
    """One checkpoint in words: collapsed, spread round the ring but not on the modes, or on the modes."""
    return ("on the modes" if modes >= 6 else "collapsed" if sectors <= 3
            else "spread round the ring, not on the modes")


mean_modes = {label: float(np.mean(np.array(tracker.scores)[:, 0])) for label, tracker in toy.items()}
ctx.log_metric("toy_mean_modes_packed", mean_modes["packed GAN (pack = 4)"], unit="of 8",
               baseline=mean_modes["vanilla GAN"])
for label, tracker in toy.items():
    modes, quality = np.array(tracker.scores).T
    steps = TOY_STEPS * np.arange(1, len(modes) + 1)
    first = {k: next((int(s) for s, m in zip(steps, modes) if m >= k), None) for k in (1, 4, RING_MODES)}
    when = ", ".join(f"{k} mode{'s' if k > 1 else ''} first at step {v}" if v else f"never {k}"
                     for k, v in first.items())
    states = [state(m, k) for m, k in zip(modes, tracker.sectors)]
    shares = ", ".join(f"{name} {states.count(name) / len(states):.0%}" for name in
                       ("collapsed", "spread round the ring, not on the modes", "on the modes"))
    print(f"{label}: {when}; at the end (step {steps[-1]}) {int(modes[-1])}/8 modes, {tracker.sectors[-1]}/8 "
          f"angular sectors and {quality[-1]:.0%} high-quality samples (best {quality.max():.0%}; real data "
          f"{real_quality:.0%}, uniform ring {uniform_quality:.0%}): {states[-1]}. Checkpoints: {shares}; modes "
          f"averaged over the run {mean_modes[label]:.1f} of 8 (the area under the left curve, divided by its length).")

# %% [markdown] slideshow={"slide_type": "fragment"}
# What to take away, read from the lines above and the curves. Each checkpoint is put in one of three states:
# **collapsed** (its samples in at most 3 of the 8 angular sectors), **spread round the ring but not on the
# modes** (more sectors, fewer than 6 modes covered: a uniform ring is like this), or **on the modes** (6 or more
# covered). "0/8 modes" alone does not say collapse: the sector count tells the two apart. The lines say how long
# each GAN spent in each state and where it ended. Packing is meant to remove the *tendency* to collapse; it does
# not make a small GAN sharp in a few hundred steps, and collapse is not a certainty either: with other seeds, or
# trained longer, a vanilla GAN can escape it, which is why the whole run, not its last snapshot, is compared. Other remedies you will meet:
# balancing the two learning rates (try `3e-3` → `1e-3` above), minibatch discrimination, unrolled GANs, and
# Wasserstein losses.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · DCGAN on MNIST
#
# Radford, Metz & Chintala (2016, [arXiv:1511.06434](https://arxiv.org/abs/1511.06434)) found convolutional
# architectures that train stably. Their guidelines, which we follow at a small scale:
#
# * no pooling: the **generator upsamples** with strided transposed convolutions ($7\times7 \to 14\times14 \to 28\times28$),
#   the **discriminator downsamples** with strided convolutions ($28 \to 14 \to 7$);
# * batch normalisation in the generator, LeakyReLU (slope 0.2) in the discriminator;
# * a `tanh` output, so images are scaled to $[-1, 1]$;
# * Adam with $\beta_1 = 0.5$ (less momentum keeps the two players from overshooting each other).
#
# The paper used a learning rate of $2\times10^{-4}$ and batches of 128. We use batches of 64 and a learning rate of
# $10^{-3}$: in the course's earlier CPU runs with a 2½-minute budget they gave better digits in the same time. This
# notebook does not re-run that comparison; set `BATCH` and the learning rate back to the paper's and compare the
# FID below at the same budget to see it for yourself.
# The loss is the non-saturating one; no packing (collapse is rarer with images, and we measure it below).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the DCGAN guidelines at a small scale: transposed convolutions up in G, strided convolutions down in D,
# batch norm in G, LeakyReLU in D, tanh output, Adam with beta_1 = 0.5. The same `train_step` as the toy.
#
# Point at: the fixed-noise grids turning from blobs into digits epoch by epoch; the loss curves, which stay
# roughly flat instead of falling to zero; the latent walk that morphs one digit into another.
#
# Ask the room: "The losses do not go down. How do you tell a healthy GAN run from a failing one, then?"

# %%
LATENT = 64
BATCH = 64
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train_gan = (x_train[:N_TRAIN] / 127.5 - 1.0).astype("float32")[..., None]
# [0, 255] -> [-1, 1] to match the generator's tanh
mnist_batches = (tf.data.Dataset.from_tensor_slices(x_train_gan).shuffle(10_000, seed=0)
                 .batch(BATCH, drop_remainder=True).repeat().prefetch(2))


def make_generator():
    return keras.Sequential([
        keras.Input((LATENT,)),
        layers.Dense(7 * 7 * 64, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Reshape((7, 7, 64)),
        layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False),  # 14 x 14
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),  # 28 x 28
    ], name="generator")


def make_discriminator():
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        # no biases in the convolutions: it costs nothing here and avoids a (harmless) error message from
        # TensorFlow's graph optimiser about fusing convolution + bias + LeakyReLU
        layers.Conv2D(32, 4, strides=2, padding="same", use_bias=False), layers.LeakyReLU(0.2),  # 14 x 14
        layers.Conv2D(64, 4, strides=2, padding="same", use_bias=False), layers.LeakyReLU(0.2),  # 7 x 7
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(1),  # one logit: real or fake
    ], name="discriminator")


keras.utils.set_random_seed(ctx.seed)
dcgan = GAN(make_generator(), make_discriminator(), LATENT)
dcgan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
              steps_per_execution=STEPS_PER_EXECUTION)
assert dcgan.generator(np.zeros((2, LATENT))).shape == (2, 28, 28, 1)

# %% slideshow={"slide_type": "skip"}
dcgan.generator.summary()
print(f"discriminator: {dcgan.discriminator.count_params():,} parameters")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Watching it learn
#
# A callback draws the same 64 noise vectors through the generator before training and after every epoch, so the
# frames show one fixed set of "seeds" turning from blobs into digits. The training stops at the epoch count or
# when the time budget runs out, whichever comes first.

# %%
FIXED_Z = np.random.default_rng(7).normal(size=(64, LATENT)).astype("float32")


def to_unit(images):
    """Generator output in [-1, 1] -> images in [0, 1], channel axis dropped."""
    return np.clip((np.asarray(images)[..., 0] + 1.0) / 2.0, 0.0, 1.0)


def tile(images, ncols=8, pad=2):
    """A batch of 28x28 images in [0, 1] -> one uint8 picture, ncols per row."""
    n, h, w = images.shape
    nrows = -(-n // ncols)
    canvas = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad), dtype="uint8") * 255
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        canvas[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = image * 255
    return canvas


class FixedNoiseFrames(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.frames = []

    def on_train_begin(self, logs=None):
        self.frames.append(tile(to_unit(self.model.generator(FIXED_Z, training=False))))

    def on_epoch_end(self, epoch, logs=None):
        self.frames.append(tile(to_unit(self.model.generator(FIXED_Z, training=False))))


frames = FixedNoiseFrames()
budget = TimeBudget(TRAIN_SECONDS)
start = time.time()
history = dcgan.fit(mnist_batches, epochs=EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, verbose=2, shuffle=False,  # tf.data shuffles
                    callbacks=[frames, budget])
train_seconds = time.time() - start
train_steps = int(dcgan.g_optimizer.iterations)  # steps really taken (the time cap may cut an epoch short)
print(f"{train_steps} steps ({train_steps * BATCH:,} images, {train_steps * BATCH / len(x_train):.1f} passes over "
      f"MNIST) in {train_seconds:.0f} s")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Losses over time
#
# GAN losses do not fall to zero: each network's loss is the other's success. A healthy run shows both roughly
# flat after a short transient, $D(x)$ a little above ½ and $D(G(z))$ a little below. Warning signs: $L_D \to 0$
# with $D(G(z)) \to 0$ (the discriminator wins and the generator's gradient vanishes), or wild swings.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
plot_history(history, metrics=("d_loss", "g_loss"), title="DCGAN losses (mean per epoch of 100 batches)",
             ylabel="loss (nats)", ax=axes[0])
plot_history(history, metrics=("d_real", "d_fake"), title="Discriminator outputs", ylabel="mean D(·) (probability real)",
             ax=axes[1])
axes[1].axhline(0.5, color="grey", linestyle=":", label="equilibrium ½")
axes[1].legend()
for ax in axes:
    ax.set_xlabel(f"epoch ({STEPS_PER_EPOCH} batches of {BATCH})")
fig.tight_layout()
ctx.savefig(fig, "dcgan_losses")
plt.show()
losses = history.history
assert np.all(np.isfinite(losses["d_loss"])) and np.all(np.isfinite(losses["g_loss"])), "a loss became NaN"

# %% [markdown] slideshow={"slide_type": "subslide"}
# The fixed-noise grids as an animation (saved as `artifacts/<mode>/06_gan/dcgan_progress.gif`), and the last frame.

# %%
gif_path = ctx.out / "dcgan_progress.gif"
keep = frames.frames[:: max(1, len(frames.frames) // 40)] + frames.frames[-1:]  # at most about 40 frames
pictures = [PILImage.fromarray(frame) for frame in keep]
pictures[0].save(gif_path, save_all=True, append_images=pictures[1:], duration=250, loop=0)
print(f"{len(pictures)} frames -> {gif_path}")
display(Image(filename=gif_path, width=2 * pictures[0].width))

# %%
fig = image_grid(to_unit(dcgan.generator(FIXED_Z, training=False)), ncols=16, size=0.7,
                 title=f"Fixed-noise samples after {train_steps} steps")
ctx.savefig(fig, "dcgan_samples")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A walk through the latent space
#
# The generator is a smooth function of $z$, so the straight line $z_t = (1 - t)\,z_0 + t\,z_1$ between two noise
# vectors gives a sequence of images that morphs one digit into another. (Exercise 3 asks for the spherical
# version, which keeps $\lVert z_t\rVert$ at the typical length of a Gaussian vector.)

# %%
rng = np.random.default_rng(3)
ends = rng.normal(size=(2, 6, LATENT)).astype("float32")
t = np.linspace(0, 1, 10)[None, :, None]
path = ((1 - t) * ends[0][:, None] + t * ends[1][:, None]).reshape(-1, LATENT)  # 6 rows of 10 steps
fig = image_grid(to_unit(dcgan.generator(path, training=False)), ncols=10, size=0.8,
                 title="Linear interpolation between two noise vectors (left → right), six pairs")
ctx.savefig(fig, "dcgan_interpolation")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Judging the samples
#
# Papers report the **Fréchet Inception Distance** (Heusel et al. 2017, [arXiv:1706.08500](https://arxiv.org/abs/1706.08500)):
# embed real and generated images with a pretrained network, fit a Gaussian $\mathcal N(\mu, \Sigma)$ to each set of
# features, and measure
#
# $$\mathrm{FID} = \lVert\mu_r - \mu_g\rVert^2 + \operatorname{Tr}\big(\Sigma_r + \Sigma_g - 2\,(\Sigma_r\Sigma_g)^{1/2}\big).$$
#
# It is 0 for identical distributions and grows when samples are off (a shifted mean) or lack variety (a smaller
# covariance). **We cannot use Inception here**: its weights would have to be downloaded, and this course downloads
# nothing at run time. And it would be the wrong judge anyway: Inception was trained on ImageNet photos and has no
# concept of a 28×28 grey digit. The honest substitute is a **domain classifier**: a small CNN trained on MNIST by
# course code (`utils.evaluation`, ≥ 99 % test accuracy, cached in `artifacts/_shared/`). Its 128 penultimate
# features give a *feature FID*, and its predictions give two more numbers:
#
# * **class coverage**: the share of samples predicted as each digit. A generator that covers the data gives ≈ 10 %
#   each; mode collapse shows up as digits near 0 %;
# * **confidence**: the mean highest softmax probability, near 1 for clear digits, lower for smudges.
#
# ⚠️ These FIDs are comparable with each other inside this course (06 and 09 use the same classifier), **not** with
# the Inception FIDs in papers. FID also depends on the number of samples (it is biased upwards for small sets), so
# the **floor**, real training digits scored against the same reference, uses as many images as the samples.
# Workshop mode scores 2,000 samples and full mode 10,000, so compare runs of different modes by how far each
# lies above its own floor.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: papers use FID on Inception features; we cannot download Inception and it knows little about digits,
# so we use the course's own MNIST classifier: a feature FID, the classifier's confidence, and which digits
# appear. The floor (real digits against real digits, same count) is where a perfect generator would land.
#
# Point at: the printed FID next to its floor and to uniform noise; the coverage bars per digit; the samples the
# classifier finds least convincing.
#
# Ask the room: "Why is an FID computed with our own classifier not comparable with an FID from a paper?"

# %%
judge = Evaluator.load(quick=ctx.smoke)  # loads the classifier; trains it (about a minute) only if it is missing
reference = x_test[:N_REFERENCE]

z = np.random.default_rng(11).normal(size=(N_SAMPLES, LATENT)).astype("float32")
samples = np.concatenate([to_unit(dcgan.generator(z[i:i + 1000], training=False)) for i in range(0, N_SAMPLES, 1000)])
samples_uint8 = np.round(samples * 255).astype("uint8")
np.save(ctx.out / "dcgan_samples.npy", samples_uint8)
assert samples_uint8.shape == (N_SAMPLES, 28, 28)

scores = judge.evaluate(samples_uint8, reference)
floor = judge.evaluate(x_train[:N_SAMPLES], reference)  # real digits: the best a generator could do
noise = judge.evaluate(np.random.default_rng(0).integers(0, 256, (N_SAMPLES, 28, 28), dtype="uint8"), reference)
print(f"{'':>24} {'feature FID':>12} {'min coverage':>13} {'confidence':>11}")
for label, result in (("DCGAN samples", scores), ("real digits (floor)", floor), ("uniform noise", noise)):
    print(f"{label:>24} {result['fid']:12.2f} {result['min_coverage']:13.3f} {result['confidence']:11.3f}")

# %%
# extra code – coverage per digit, and the samples the classifier finds least convincing
fig, ax = plt.subplots(figsize=(8, 3.4))
digits = np.arange(10)
ax.bar(digits - 0.2, np.array(scores["coverage"]) * 100, width=0.4, label="DCGAN samples")
ax.bar(digits + 0.2, np.array(floor["coverage"]) * 100, width=0.4, label="real digits")
ax.axhline(5, color="grey", linestyle=":", label="target: ≥ 5 % each")
ax.set(title=f"Class coverage of {N_SAMPLES:,} samples", xlabel="predicted digit", ylabel="share of samples (%)",
       xticks=digits)
ax.legend(fontsize=8)
ctx.savefig(fig, "dcgan_coverage")
plt.show()

probabilities = judge.probabilities(samples_uint8[:500])
least = np.argsort(probabilities.max(axis=1))[:16]
fig = image_grid(samples[least], labels=[f"{p.argmax()} ({p.max():.0%})" for p in probabilities[least]], ncols=8,
                 title="Least convincing samples: predicted digit (confidence)")
ctx.savefig(fig, "dcgan_least_confident")
plt.show()

# %%
ctx.log_metric("dcgan_fid", scores["fid"], higher_is_better=False, baseline=floor["fid"], key=True)
ctx.log_metric("min_coverage", scores["min_coverage"], target=0.05, baseline=floor["min_coverage"])
ctx.log_metric("confidence", scores["confidence"], baseline=floor["confidence"])
ctx.log_metric("real_fid_floor", floor["fid"], higher_is_better=False)
ctx.log_metric("real_min_coverage", floor["min_coverage"])
ctx.log_metric("real_confidence", floor["confidence"])
ctx.log_metric("noise_fid", noise["fid"], higher_is_better=False)
ctx.log_metric("dcgan_train_steps", train_steps)
ctx.log_metric("dcgan_train_s", train_seconds, unit="s", higher_is_better=False)
if not ctx.smoke:
    assert floor["fid"] < scores["fid"] < noise["fid"], "samples should score between real digits and noise"
print(f"DCGAN: FID {scores['fid']:.2f} against the real-digit floor {floor['fid']:.2f} (n = {N_SAMPLES:,}) and "
      f"uniform noise {noise['fid']:.0f}; rarest digit {scores['min_coverage']:.1%} of the samples "
      f"(real {floor['min_coverage']:.1%}); confidence {scores['confidence']:.3f} (real {floor['confidence']:.3f}).")

# %% [markdown] slideshow={"slide_type": "fragment"}
# How to read it: the floor (real digits against real digits, as many as the samples) is where a perfect
# generator would land; uniform noise shows the other end. FID has no absolute scale, so the cell below places
# this run between the two on a logarithmic scale and reads the coverage against the 5 % line.

# %%
position = np.log(scores["fid"] / floor["fid"]) / np.log(noise["fid"] / floor["fid"])
shares = np.array(scores["coverage"])
common = np.argsort(shares)[::-1][:2]
print(f"The FID is {scores['fid'] / floor['fid']:.0f}× the floor, {position:.0%} of the way from the floor to noise "
      "on a log scale: " + ("far from real digits." if position > 0.5 else "closer to real digits than to noise, "
                            "but not at the floor.") + " "
      f"The rarest digit has {scores['min_coverage']:.1%} of the samples, "
      + ("well above" if scores["min_coverage"] > 0.075 else "just above" if scores["min_coverage"] >= 0.05
         else "below") + f" the 5 % line; the most common are {common[0]} and {common[1]} "
      f"({shares[common[0]]:.1%}, {shares[common[1]]:.1%}; real digits ≈ 10 % each). Over-represented classes are "
      "often where ambiguous smudges are read, so look at the least convincing samples above for their labels.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A GAN is a game: $D$ classifies real against fake, $G$ tries to be called real. Against the best $D$ the
#   generator minimises the Jensen–Shannon divergence; in practice we alternate single gradient steps, and the
#   generator uses the non-saturating loss $-\log D(G(z))$, which does not vanish when $D$ wins early.
# - **Mode collapse**: nothing in the loss asks for variety, so a generator that outruns its discriminator can pile
#   its samples onto one spot at a time. Letting $D$ see several samples at once (packing) makes lack of variety
#   visible to it. Modes covered (a rule that a uniform ring fails) and angular sectors tell "collapsed" from
#   "spread but not yet sharp"; section 3's printed lines say which state each GAN spent this run in, and where
#   it ended.
# - A DCGAN (strided convolutions, batch norm, LeakyReLU, tanh, Adam with $\beta_1 = 0.5$) written as a `keras.Model`
#   with its own `train_step`, trained for a few minutes on a CPU; its FID is read against real digits.
# - Samples are judged with a classifier trained in the course: a feature FID against real digits, class coverage to
#   catch collapse, and confidence; real data gives the floor. These are not Inception FIDs. Notebook 09 scores its
#   diffusion model with the same yardstick.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a GAN is a game; the non-saturating loss keeps the generator learning; mode collapse comes from a
# generator that outruns its discriminator, and packing makes it visible; a DCGAN draws digits in minutes, and we
# judge them against real digits, not by eye.
#
# Point at: the mode-collapse bullet, the one that explains what people see when their own GAN fails.
#
# Ask the room: "Notebook 05's VAE and this GAN both draw digits. Which would you pick for sharp samples, and
# which for a latent space you can trust?"

# %%
# The same classifier judged notebook 05's VAE samples: compare the confidences if 05 ran in this mode
vae_metrics = ctx.out.parent / "05_vae_latent_space" / "metrics.json"
if vae_metrics.exists():
    vae_values = {k: v["value"] for k, v in json.loads(vae_metrics.read_text())["metrics"].items()}
    print(f"Classifier confidence on samples: DCGAN {scores['confidence']:.3f} ({train_steps} steps); notebook 05's "
          f"2-D VAE {vae_values.get('prior_confidence_2d_main', float('nan')):.3f} (main run, "
          f"{vae_values.get('epochs_2d', float('nan')):.1f} passes), 16-D VAE "
          f"{vae_values.get('prior_confidence_16d', float('nan')):.3f} (short run); real digits "
          f"{floor['confidence']:.3f}. Training budgets differ: read it as where each stands in this course's runs.")
else:
    print(f"Run notebook 05 in {ctx.mode} mode to compare: its metrics.json ({vae_metrics}) holds the same "
          "classifier's confidence on the VAE's prior samples.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Each exercise has a cell to fill in and a check below it. Use NumPy; nothing later depends on your answers.
#
# ### Exercise 1 · The discriminator loss from logits (2 points)
#
# Write `discriminator_loss(real_logits, fake_logits)`: the mean binary cross-entropy of the real logits against
# label 1 plus that of the fake logits against label 0, i.e. $L_D$ of section 1. The checker also tries logits of
# $\pm 100$, where $\log\sigma(\ell)$ computed naively gives $\log 0$.

# %% tags=["exercise"]
def discriminator_loss(real_logits, fake_logits):
    """Return mean(-log sigmoid(real_logits)) + mean(-log(1 - sigmoid(fake_logits)))."""
    raise NotImplementedError("write L_D from the logits, without taking the log of a sigmoid")


# %% tags=["solution"]
def discriminator_loss(real_logits, fake_logits):  # noqa: F811 (the solution replaces the stub)
    """Return mean(-log sigmoid(real_logits)) + mean(-log(1 - sigmoid(fake_logits)))."""
    return np.mean(np.logaddexp(0, -real_logits)) + np.mean(np.logaddexp(0, fake_logits))


# %% [markdown] tags=["hint"]
# *Hint:* rewrite $-\log\sigma(\ell)$ and $-\log(1 - \sigma(\ell))$ as $\log(1 + e^{\pm\ell})$ (which sign for
# which?); `np.logaddexp(0, x)` computes $\log(1 + e^x)$ without overflow. Average each term over its batch, then add.

# %%
import utils.checks.nb06  # the checkers of this notebook

utils.checks.nb06.check_discriminator_loss(discriminator_loss);

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three exercises with checkers: the discriminator loss from logits (numerically safe at logits of
# plus or minus 100), the value of the game against the best discriminator (-log 4 at equilibrium), and
# spherical interpolation.
#
# Point at: the checker under each stub; run exercise 1 unsolved to show what a hint looks like.
#
# Ask the room: "Why is a straight line between two Gaussian latent vectors an unusual path for the generator,
# and what does slerp change?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · The value of the game against the best discriminator (2 points)
#
# On a grid of points, two discrete distributions `p_data` and `p_g` (arrays of the same shape, each summing to 1)
# stand in for the densities. Write `game_value(p_data, p_g)` returning $V(D^*, G) = \sum_x p_\text{data}(x)\log D^*(x)
# + \sum_x p_g(x)\log(1 - D^*(x))$ with $D^* = p_\text{data} / (p_\text{data} + p_g)$. It must be $-\log 4$ when
# $p_g = p_\text{data}$. Points where a probability is 0 contribute 0 (the limit of $p \log p$).

# %% tags=["exercise"]
def game_value(p_data, p_g):
    """Return V(D*, G) for discrete distributions p_data and p_g on the same grid."""
    raise NotImplementedError("compute D*, then the two sums; skip points whose probability is 0")


# %% tags=["solution"]
def game_value(p_data, p_g):  # noqa: F811 (the solution replaces the stub)
    """Return V(D*, G) for discrete distributions p_data and p_g on the same grid."""
    p_data, p_g = np.asarray(p_data, float), np.asarray(p_g, float)
    total = p_data + p_g
    real = p_data > 0
    fake = p_g > 0
    return np.sum(p_data[real] * np.log(p_data[real] / total[real])) + np.sum(p_g[fake] * np.log(p_g[fake] / total[fake]))


# %% [markdown] tags=["hint"]
# *Hint:* $1 - D^* = p_g / (p_\text{data} + p_g)$. Select the points with `mask = p_data > 0` before taking logs
# (and `p_g > 0` for the second sum), so that $0 \cdot \log 0$ never appears.

# %%
utils.checks.nb06.check_game_value(game_value);

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · Spherical interpolation (2 points)
#
# In many dimensions a Gaussian vector has length $\approx\sqrt d$ (here $\sqrt{64} = 8$), but the midpoint of a
# straight line between two of them is shorter (≈ $8/\sqrt 2$): the linear walk passes through unusual latents.
# **Slerp** walks along the arc instead:
#
# $$\operatorname{slerp}(z_0, z_1, t) = \frac{\sin((1 - t)\,\theta)}{\sin\theta}\,z_0 + \frac{\sin(t\,\theta)}{\sin\theta}\,z_1,
#   \qquad \cos\theta = \frac{z_0 \cdot z_1}{\lVert z_0\rVert\,\lVert z_1\rVert}.$$
#
# Write `slerp(z0, z1, t)` for two 1-D vectors and a number `t` in $[0, 1]$.

# %% tags=["exercise"]
def slerp(z0, z1, t):
    """Spherical interpolation between vectors z0 and z1 at fraction t."""
    raise NotImplementedError("find the angle theta between z0 and z1, then weight them with sines")


# %% tags=["solution"]
def slerp(z0, z1, t):  # noqa: F811 (the solution replaces the stub)
    """Spherical interpolation between vectors z0 and z1 at fraction t."""
    cos_theta = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    theta = np.arccos(np.clip(cos_theta, -1.0, 1.0))
    return (np.sin((1 - t) * theta) * z0 + np.sin(t * theta) * z1) / np.sin(theta)


# %% [markdown] tags=["hint"]
# *Hint:* the angle between two vectors comes from their cosine, the dot product divided by both lengths; clip
# the cosine to $[-1, 1]$ before `np.arccos`, round-off can push it just outside.

# %%
utils.checks.nb06.check_slerp(slerp);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - I. Goodfellow et al., *Generative Adversarial Nets*, NeurIPS 2014 ([arXiv:1406.2661](https://arxiv.org/abs/1406.2661)):
#   the game, $D^*$ and the Jensen–Shannon divergence.
# - A. Radford, L. Metz, S. Chintala, *Unsupervised Representation Learning with Deep Convolutional GANs*, ICLR 2016
#   ([arXiv:1511.06434](https://arxiv.org/abs/1511.06434)): DCGAN.
# - Z. Lin, A. Khetan, G. Fanti, S. Oh, *PacGAN: The power of two samples in generative adversarial networks*,
#   NeurIPS 2018 ([arXiv:1712.04086](https://arxiv.org/abs/1712.04086)): packing, and the ring of Gaussians as a test.
# - L. Metz, B. Poole, D. Pfau, J. Sohl-Dickstein, *Unrolled Generative Adversarial Networks*, ICLR 2017
#   ([arXiv:1611.02163](https://arxiv.org/abs/1611.02163)): another remedy for collapse, on the same toy.
# - M. Arjovsky, S. Chintala, L. Bottou, *Wasserstein GAN*, ICML 2017 ([arXiv:1701.07875](https://arxiv.org/abs/1701.07875)).
# - M. Heusel et al., *GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium*, NeurIPS
#   2017 ([arXiv:1706.08500](https://arxiv.org/abs/1706.08500)): the FID.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Goodfellow et al. for the game and the Jensen-Shannon result; Radford et al. for DCGAN; Lin et al. for
# packing and the ring of Gaussians; the rest for evaluation and training stability.
#
# Point at: the PacGAN paper, which used the same ring test as section 3.
#
# Ask the room: "Which of these would you read first if your GAN collapsed on your own data?"

# %%
ctx.save_metrics()
