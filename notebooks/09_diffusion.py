# %% [markdown] slideshow={"slide_type": "slide"}
# # 09 · Diffusion models: from noise to digits
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/09_diffusion.ipynb) · [Slides](../slides/README.md) · ← previous: [08 · Transformers: from tokens to a mini-GPT that writes](08_transformer.ipynb) · next: [10 · Gaussian splatting: a differentiable renderer that learns a scene](10_gaussian_splatting.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - the *forward process* that turns data into noise, in closed form, and what a noise schedule (linear or
#   cosine) decides;
# - DDPM's training (Algorithm 1) and sampling (Algorithm 2) of Ho et al. (2020), written out and run on a 2-D
#   Swiss roll;
# - a class-conditional U-Net that denoises MNIST digits, and the choices that let a CPU train it in minutes;
# - DDIM: the same network sampled in 20 steps instead of 250, and what that costs in quality;
# - classifier-free guidance, and how a classifier trained in the course judges the samples (feature FID,
#   class coverage).
#
# **Time:** smoke ≈ 20 s · workshop ≈ 4½ min (277 s measured on a quiet 2-core CPU, 2026-12-01, the evaluation classifier cached) · full ≈ 30 min (CPU), ≈ 5 min (GPU) · GPU: helps in full mode only
#
# **Where the digits come from:** the workshop trains its own MNIST model for about 100 seconds and shows what
# that buys; the quality numbers (DDPM vs DDIM, guidance, coverage) then use a **checkpoint** that the same
# code trained for longer (`tools/train_diffusion.py`, the recipe of this notebook's full mode). Each figure
# says which model made it.

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

ctx = utils.setup("09_diffusion")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The idea: destroy the data slowly, learn to undo it
#
# A diffusion model has two processes over $T$ steps.
#
# **Forward (fixed, no learning):** add a little Gaussian noise at each step,
#
# $$q(x_t \mid x_{t-1}) = \mathcal N\!\big(x_t;\ \sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I\big),\qquad t = 1,\dots,T,$$
#
# with small variances $\beta_t$ (the **noise schedule**). The factor $\sqrt{1-\beta_t}$ shrinks the signal so
# that the total variance stays 1. After enough steps nothing of the data is left: $x_T \approx \mathcal N(0, I)$.
#
# **Reverse (learned):** start from pure noise $x_T \sim \mathcal N(0, I)$ and remove a little noise at each step,
#
# $$p_\theta(x_{t-1} \mid x_t) = \mathcal N\!\big(x_{t-1};\ \mu_\theta(x_t, t),\ \sigma_t^2 I\big).$$
#
# When every $\beta_t$ is small, one reverse step is (nearly) Gaussian too, so a network only has to learn its
# mean. Generating a digit is then $T$ small denoising steps.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: two processes over T steps. The forward one only adds noise and learns nothing; the reverse one is a
# network that predicts the noise, trained as a plain regression. The forward process has a closed form, so any
# noise level costs one line: that is why training is cheap.
#
# Point at: the one-jump formula x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps; both coefficients
# keep the total variance at 1.
#
# Ask the room: "If the forward process is fixed and known, what exactly is there left to learn?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The forward process in one jump
#
# Write $\alpha_t = 1-\beta_t$ and $\bar\alpha_t = \alpha_1\alpha_2\cdots\alpha_t$. Gaussians compose, so $t$ noise
# steps are one Gaussian step:
#
# $$q(x_t \mid x_0) = \mathcal N\!\big(\sqrt{\bar\alpha_t}\,x_0,\ (1-\bar\alpha_t) I\big)
#   \quad\Longleftrightarrow\quad
#   x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\quad \epsilon\sim\mathcal N(0, I).$$
#
# This is what makes training cheap: a noisy version of an image at *any* step $t$ costs one line, no loop over
# $t$ steps. $\bar\alpha_t$ falls from 1 (clean) to about 0 (pure noise); how fast it falls is the schedule's job.
#
# **Why predict the noise?** Given $x_0$, the step back $q(x_{t-1}\mid x_t, x_0)$ is a Gaussian we can write down,
# with mean $\tilde\mu_t = \frac{1}{\sqrt{\alpha_t}}\big(x_t - \frac{\beta_t}{\sqrt{1-\bar\alpha_t}}\epsilon\big)$
# and variance $\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\beta_t$, where $\epsilon$ is the noise
# inside $x_t$. At sampling time we do not know $x_0$, so a network $\epsilon_\theta(x_t, t)$ guesses the noise and
# we plug the guess in. Ho et al. showed that the variational bound of the likelihood then reduces (up to
# weights they drop) to a plain regression: $\|\epsilon - \epsilon_\theta(x_t, t)\|^2$.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Noise schedules: linear vs cosine
#
# - **Linear** (Ho et al. 2020): $\beta_t$ rises linearly from $10^{-4}$ to $0.02$ over $T = 1000$ steps (for
#   another $T$ both ends are scaled by $1000/T$).
# - **Cosine** (Nichol & Dhariwal 2021): choose $\bar\alpha_t$ directly,
#   $\bar\alpha_t = f(t)/f(0)$ with $f(t) = \cos^2\!\big(\frac{t/T + s}{1+s}\cdot\frac{\pi}{2}\big)$, $s = 0.008$.
#
# A useful summary is the **signal-to-noise ratio** $\mathrm{SNR}(t) = \bar\alpha_t / (1-\bar\alpha_t)$: the
# power of the image over the power of the noise in $x_t$. The schedules live in `utils.diffusion`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the schedule decides how the training effort is spread over noise levels. Linear wipes out the digit by
# about half-way, so half its steps turn noise into other noise; cosine removes the signal evenly. We use cosine
# for MNIST.
#
# Point at: alpha_bar and the log-SNR curves of both schedules, then the same digit pushed through both rows with
# one shared noise draw: the linear row is noise by the middle.
#
# Ask the room: "Looking at the linear row, which training steps would teach the network almost nothing,
# and why?"

# %%
import json
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.datasets import make_swiss_roll

import utils.checks.nb09
import utils.diffusion as diff
from utils.evaluation import Evaluator
from utils.plots import image_grid, plot_history, show_code
from utils.training import TimeBudget

# %% [markdown] slideshow={"slide_type": "skip"}
# **Sizes.** Everything that depends on the mode, in one place (smoke: proves the code runs; workshop: about
# 3½ minutes on a 2-core CPU; full: the checkpoint's recipe):

# %%
# Swiss roll (section 3)
N_ROLL = ctx.pick(smoke=2_000, workshop=12_000, full=30_000)  # points, 5/6 for training
ROLL_EPOCHS = ctx.pick(smoke=1, workshop=40, full=150)
ROLL_STEPS_PER_EPOCH = ctx.pick(smoke=2, workshop=50, full=50)  # batches of 1,024 points
ROLL_BUDGET_S = ctx.pick(smoke=3, workshop=25, full=120)  # wall-clock cap on training
# MNIST model trained in this run (section 4)
TRAIN_STEPS = ctx.pick(smoke=2, workshop=20_000, full=20_000)  # workshop: the time budget stops it first
TRAIN_BUDGET_S = ctx.pick(smoke=20, workshop=100, full=3600)
STEPS_PER_EPOCH = ctx.pick(smoke=2, workshop=100, full=500)
N_TRAIN = ctx.pick(smoke=512, workshop=60_000, full=60_000)  # digits in the training pipeline
EMA_MOMENTUM = ctx.pick(smoke=0.9, workshop=0.995, full=diff.RECIPE["ema_momentum"])
# sampling and judging (sections 4–7)
GRID_PER_DIGIT = ctx.pick(smoke=1, workshop=8, full=8)  # samples per digit in the pictures
N_REFERENCE = ctx.pick(smoke=1000, workshop=10_000, full=10_000)  # real test digits the FIDs compare with
N_EVAL = ctx.pick(smoke=16, workshop=500, full=500)  # samples per FID: the same in workshop and full mode
DDPM_STEPS = ctx.pick(smoke=10, workshop=250, full=250)  # all T = 250 steps (smoke mode only checks the code)
DDIM_STEPS = 20
GUIDANCE_WEIGHTS = ctx.pick(smoke=[0.0, 2.0], workshop=[0.0, 0.5, 1.0, 2.0, 4.0], full=[0.0, 0.5, 1.0, 2.0, 4.0])
GUIDED_PER_DIGIT = ctx.pick(smoke=2, workshop=20, full=100)

# %%
T = diff.RECIPE["T"]  # the number of steps of the MNIST model below
schedules = {"linear": diff.linear_schedule(T), "cosine": diff.cosine_schedule(T)}
for name, s in schedules.items():
    print(f"{name:6s}: β_1 = {s.betas[1]:.2e}, β_T = {s.betas[T]:.3f}, ᾱ_T/2 = {s.alpha_bars[T // 2]:.3f}, "
          f"ᾱ_T = {s.alpha_bars[T]:.1e}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
steps = np.arange(1, T + 1)
for name, s in schedules.items():
    axes[0].plot(steps / T, s.alpha_bars[1:], label=name)
    axes[1].plot(steps / T, np.log10(s.alpha_bars[1:] / (1 - s.alpha_bars[1:])), label=name)
axes[0].set(title=r"Signal kept: $\bar\alpha_t$", xlabel="t / T", ylabel=r"$\bar\alpha_t$ (share of signal power)")
axes[1].axhline(0, color="grey", lw=0.8)
axes[1].set(title="Signal-to-noise ratio", xlabel="t / T",
            ylabel=r"$\log_{10}$ SNR = $\log_{10}\bar\alpha_t/(1-\bar\alpha_t)$")
for ax in axes:
    ax.legend()
fig.suptitle(f"Noise schedules, T = {T}")
fig.tight_layout()
ctx.savefig(fig, "schedules")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The same digit pushed through both forward processes, with one noise draw $\epsilon$ shared by both rows:

# %%
(x_train, y_train), (x_test, y_test) = utils.data.load_mnist()
digit = diff.to_diffusion(x_train[:1], size=28)  # one 28×28 digit in [-1, 1]
shown_t = [0, T // 20, T // 10, T // 4, T // 2, 3 * T // 4, T]
noise = np.random.default_rng(ctx.seed).standard_normal(digit.shape)
rows = [diff.q_sample(digit, t, noise, s.alpha_bars)[0] for s in schedules.values() for t in shown_t]
labels = [f"{name}\nt = {t}" for name in schedules for t in shown_t]
fig = image_grid(np.array(rows), labels=labels, ncols=len(shown_t), size=1.5, vmin=-1.5, vmax=1.5,
                 title=r"Forward process $q(x_t \mid x_0)$ on a digit: linear (top) vs cosine (bottom)")
ctx.savefig(fig, "forward_process")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The linear schedule has wiped the digit out by $t \approx T/2$: the last half of its steps turn noise into
# slightly different noise, and a model trained on them learns little. The cosine schedule removes the signal
# evenly (its log-SNR falls almost linearly), so more of the training steps teach something. We use it for MNIST.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · The forward process in one jump (2 points)
#
# Write `q_sample(x0, t, noise, alpha_bars)` that returns $x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon$.
# `alpha_bars` has $T+1$ entries (`alpha_bars[0] = 1` is the clean image); `t` is either one int or an array with
# one step per image of the batch `x0` (shape `(N, H, W, 1)`), so each image gets its own noise level.

# %% tags=["exercise"]
def q_sample(x0, t, noise, alpha_bars):
    """x_t for a batch x0 at steps t (an int, or one int per image)."""
    raise NotImplementedError("take ᾱ_t from alpha_bars and mix x0 with the noise")


# %% tags=["solution"]
def q_sample(x0, t, noise, alpha_bars):  # noqa: F811 (the solution replaces the stub)
    """x_t for a batch x0 at steps t (an int, or one int per image)."""
    ab = np.asarray(alpha_bars)[np.asarray(t)]
    ab = ab.reshape(ab.shape + (1,) * (np.ndim(x0) - ab.ndim))  # (N,) → (N, 1, 1, 1) to broadcast per image
    return np.sqrt(ab) * x0 + np.sqrt(1 - ab) * noise


# %% [markdown] tags=["hint"]
# *Hint:* `alpha_bars[t]` works for an int and for an array of ints. For a batch it has shape `(N,)`; reshape it
# to `(N, 1, 1, 1)` (e.g. `.reshape(-1, 1, 1, 1)`) so it multiplies each image by its own number.

# %%
utils.checks.nb09.check_q_sample(q_sample);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · DDPM on a 2-D Swiss roll
#
# Before images, the whole algorithm on data we can see: points $x_0 \in \mathbb R^2$ on a Swiss roll (scikit-learn's
# 3-D roll seen from above, scaled to about $[-1.5, 2]$). A Gaussian cannot model it; a diffusion model can.
# With $T = 50$ steps (2-D data needs few) and the linear schedule, here is the forward process on the whole data set:

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the whole algorithm on data we can see. A small MLP told the step t predicts the noise; Algorithm 1 is
# four lines, Algorithm 2 is a loop of one formula. The MMD against the best Gaussian tells us, with a number,
# whether the samples are more than a blob.
#
# Point at: the loss curve that stops falling but not at zero; the reverse process step by step, noise gathering
# onto the roll; the printed MMD of the samples against that of the Gaussian baseline.
#
# Ask the room: "Why can the noise-prediction loss never reach zero, even for a perfect network?"

# %%
ROLL_T = 50
roll_schedule = diff.linear_schedule(ROLL_T)
n_roll = N_ROLL
roll = make_swiss_roll(n_roll, noise=0.3, random_state=ctx.seed)[0][:, [0, 2]].astype("float32") / 7.0
roll_train, roll_test = roll[: n_roll * 5 // 6], roll[n_roll * 5 // 6:]

rng = np.random.default_rng(ctx.seed)
roll_noise = rng.standard_normal(roll_train.shape)
fig, axes = plt.subplots(1, 5, figsize=(14, 3), sharex=True, sharey=True)
for ax, t in zip(axes, [0, 5, 12, 25, ROLL_T]):
    ax.scatter(*diff.q_sample(roll_train, t, roll_noise, roll_schedule.alpha_bars).T, s=1, alpha=0.4)
    ax.set(title=f"t = {t}", xlabel="$x_1$", xlim=(-3, 3), ylim=(-3, 3))
axes[0].set_ylabel("$x_2$")
fig.suptitle(f"Forward process on {len(roll_train):,} Swiss-roll points (linear schedule, T = {ROLL_T})", y=1.03)
ctx.savefig(fig, "swiss_roll_forward")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The noise predictor and Algorithm 1
#
# $\epsilon_\theta(x_t, t)$ is a small MLP. It must know $t$: the same point means "nearly clean" at $t = 5$ and
# "mostly noise" at $t = 45$. Each hidden layer adds a learned vector for the step $t$ (an `Embedding` row).
#
# Training is **Algorithm 1** of Ho et al. (2020), exactly as in the lecture:
#
# > **repeat**
# > 1. $x_0 \sim q(x_0)$ (a batch of data)
# > 2. $t \sim \mathrm{Uniform}(\{1,\dots,T\})$
# > 3. $\epsilon \sim \mathcal N(0, I)$
# > 4. take a gradient step on $\nabla_\theta \big\|\epsilon - \epsilon_\theta(\sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t)\big\|^2$
# >
# > **until** converged
#
# In Keras this is a `train_step`: one batch of data per call, and `fit` does the "repeat".

# %%
def roll_denoiser(T, width=256, depth=3):
    """ε_θ(x_t, t): an MLP whose every hidden layer adds a learned vector for the time step t."""
    x = keras.Input(shape=(2,), name="x_t")
    t = keras.Input(shape=(), dtype="int32", name="t")
    h = x
    for i in range(depth):
        h = keras.layers.Dense(width, name=f"dense{i}")(h)
        h = keras.layers.Add(name=f"add_time{i}")([h, keras.layers.Embedding(T + 1, width, name=f"time{i}")(t)])
        h = keras.layers.Activation("relu", name=f"relu{i}")(h)
    return keras.Model([x, t], keras.layers.Dense(2, name="eps")(h), name="roll_denoiser")


class DDPM(keras.Model):
    """Algorithm 1 as a Keras train_step: fit() it on batches of data points x0."""

    def __init__(self, network, alpha_bars, **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.alpha_bars = tf.constant(alpha_bars, dtype="float32")
        self.T = len(alpha_bars) - 1
        self.seeds = keras.random.SeedGenerator(ctx.seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, x0):                                                     # 1. a batch x0 ~ q(x0)
        n = tf.shape(x0)[0]
        t = keras.random.randint((n,), 1, self.T + 1, seed=self.seeds)           # 2. t ~ Uniform{1..T}
        eps = keras.random.normal(tf.shape(x0), seed=self.seeds)                 # 3. ε ~ N(0, I)
        ab = tf.gather(self.alpha_bars, t)[:, None]
        x_t = tf.sqrt(ab) * x0 + tf.sqrt(1 - ab) * eps
        with tf.GradientTape() as tape:                                          # 4. gradient step on
            eps_hat = self.network([x_t, t], training=True)
            loss = tf.reduce_mean(tf.square(eps - eps_hat))                      #    ‖ε − ε_θ(x_t, t)‖²
        grads = tape.gradient(loss, self.network.trainable_variables)
        self.optimizer.apply(grads, self.network.trainable_variables)
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}


roll_net = roll_denoiser(ROLL_T)
ddpm_2d = DDPM(roll_net, roll_schedule.alpha_bars)
ddpm_2d.compile(optimizer=keras.optimizers.Adam(3e-3))
print(f"ε_θ has {roll_net.count_params():,} parameters")

# %%
roll_batches = (tf.data.Dataset.from_tensor_slices(roll_train).shuffle(len(roll_train), seed=ctx.seed)
                .repeat().batch(1024))
roll_history = ddpm_2d.fit(roll_batches, epochs=ROLL_EPOCHS, steps_per_epoch=ROLL_STEPS_PER_EPOCH,
                           verbose=0, shuffle=False, callbacks=[TimeBudget(ROLL_BUDGET_S)])
roll_losses = roll_history.history["loss"]
print(f"{int(ddpm_2d.optimizer.iterations.numpy()):,} steps; loss {roll_losses[0]:.3f} → {roll_losses[-1]:.3f}")

# %%
ax = plot_history(roll_history, title="Swiss roll: noise-prediction loss", ylabel="MSE of ε (per coordinate)")
ctx.savefig(ax.figure, "swiss_roll_loss")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The loss does not go to zero, and should not: at large $t$ the noise in $x_t$ cannot be told apart from the
# data, so part of $\epsilon$ is unpredictable. A loss that has stopped falling is the sign to stop.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Algorithm 2: sampling
#
# > 1. $x_T \sim \mathcal N(0, I)$
# > 2. **for** $t = T, \dots, 1$ **do**
# > 3. $\quad z \sim \mathcal N(0, I)$ if $t > 1$, else $z = 0$
# > 4. $\quad x_{t-1} = \frac{1}{\sqrt{\alpha_t}}\Big(x_t - \frac{1-\alpha_t}{\sqrt{1-\bar\alpha_t}}\,\epsilon_\theta(x_t, t)\Big) + \sigma_t z$
# > 5. **end for**
# > 6. **return** $x_0$
#
# Line 4 is the mean $\tilde\mu_t$ of section 1 with the predicted noise plugged in ($1-\alpha_t = \beta_t$), plus
# fresh noise of standard deviation $\sigma_t$. Ho et al. found $\sigma_t^2 = \beta_t$ and
# $\sigma_t^2 = \tilde\beta_t$ to work about equally well; we use $\sigma_t = \sqrt{\beta_t}$ here.
# (Careful: the lecture slide writes $\sqrt{1-\alpha_t}$ in the denominator; the paper has $\sqrt{1-\bar\alpha_t}$.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · One reverse step (2 points)
#
# Write `ddpm_step(x_t, eps_hat, t, betas, alpha_bars, z)`: line 4 of Algorithm 2 with $\sigma_t = \sqrt{\beta_t}$,
# where `eps_hat` is the network's $\epsilon_\theta(x_t, t)$ and `z` a standard normal draw of the same shape.
# At $t = 1$ no noise is added (line 3). The arrays have $T+1$ entries, so `betas[t]` is $\beta_t$.

# %% tags=["exercise"]
def ddpm_step(x_t, eps_hat, t, betas, alpha_bars, z):
    """x_(t-1) from x_t and the predicted noise, Algorithm 2 line 4, σ_t = sqrt(β_t)."""
    raise NotImplementedError("remove the scaled noise estimate, rescale by 1/√α_t, add σ_t·z unless t == 1")


# %% tags=["solution"]
def ddpm_step(x_t, eps_hat, t, betas, alpha_bars, z):  # noqa: F811
    """x_(t-1) from x_t and the predicted noise, Algorithm 2 line 4, σ_t = sqrt(β_t)."""
    alpha_t = 1 - betas[t]
    mean = (x_t - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_hat) / np.sqrt(alpha_t)
    return mean + np.sqrt(betas[t]) * z if t > 1 else mean


# %% [markdown] tags=["hint"]
# *Hint:* $\alpha_t$ is `1 - betas[t]` (one step), $\bar\alpha_t$ is `alpha_bars[t]` (the product). Compute the mean
# first; then `return mean + np.sqrt(betas[t]) * z if t > 1 else mean`.

# %%
utils.checks.nb09.check_ddpm_step(ddpm_step);

# %% [markdown] slideshow={"slide_type": "subslide"}
# Algorithm 2 in full, for a cloud of 2-D points at once (one network call per step evaluates all of them):

# %%
def sample_2d(network, schedule, n, seed=0, keep=()):
    """Algorithm 2 for n points; also returns the cloud at the steps listed in `keep`."""
    rng = np.random.default_rng(seed)
    betas, alpha_bars = schedule.betas, schedule.alpha_bars
    x = rng.standard_normal((n, 2)).astype("float32")                            # 1. x_T ~ N(0, I)
    snapshots = {schedule.T: x}
    for t in range(schedule.T, 0, -1):                                           # 2. for t = T … 1
        z = rng.standard_normal(x.shape).astype("float32") if t > 1 else 0.0     # 3. z (none at t = 1)
        eps_hat = np.asarray(network([x, np.full(n, t, dtype="int32")], training=False))
        x = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * eps_hat) / np.sqrt(1 - betas[t]) + np.sqrt(betas[t]) * z  # 4.
        if t - 1 in keep:
            snapshots[t - 1] = x
    return x, snapshots                                                          # 6. return x_0


n_show = len(roll_test)
roll_samples, roll_snapshots = sample_2d(roll_net, roll_schedule, n_show, seed=ctx.seed, keep=(40, 30, 20, 10, 5, 0))
gaussian = np.random.default_rng(ctx.seed).multivariate_normal(roll_train.mean(0), np.cov(roll_train.T), n_show)
assert roll_samples.shape == (n_show, 2) and np.isfinite(roll_samples).all()

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharex=True, sharey=True)
for ax, (title, points) in zip(axes, [("held-out data", roll_test), ("Gaussian fit (baseline)", gaussian),
                                      ("DDPM samples", roll_samples)]):
    ax.scatter(*points.T, s=2, alpha=0.5)
    ax.set(title=f"{title} ({len(points):,} points)", xlabel="$x_1$", xlim=(-2.2, 2.6), ylim=(-2.2, 2.6))
axes[0].set_ylabel("$x_2$")
fig.suptitle("Swiss roll: samples vs data", y=1.03)
ctx.savefig(fig, "swiss_roll_samples")
plt.show()

# %%
# extra code – the reverse process, step by step: noise slowly gathers onto the roll
fig, axes = plt.subplots(1, len(roll_snapshots), figsize=(2.8 * len(roll_snapshots), 2.9), sharex=True, sharey=True)
for ax, (t, points) in zip(axes, sorted(roll_snapshots.items(), reverse=True)):
    ax.scatter(*points.T, s=1, alpha=0.4, color="C2")
    ax.set(title=f"t = {t}", xlabel="$x_1$", xlim=(-3, 3), ylim=(-3, 3))
axes[0].set_ylabel("$x_2$")
fig.suptitle("Reverse process (Algorithm 2) from pure noise", y=1.03)
ctx.savefig(fig, "swiss_roll_reverse")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How close are the samples? Maximum mean discrepancy
#
# Eyes are not a metric. The **maximum mean discrepancy** compares two point clouds $A$ and $B$ through a kernel
# $k(a, b) = \exp(-\|a-b\|^2 / 2h^2)$:
#
# $$\mathrm{MMD}^2(A, B) = \overline{k(a, a')} + \overline{k(b, b')} - 2\,\overline{k(a, b)},$$
#
# where the bars are means over all pairs. It is 0 when the two distributions are the same and grows as they
# differ. We sum it over a few widths $h$ (fine and coarse structure) and compare the DDPM samples with the
# best Gaussian (same mean and covariance as the data): the model has to beat that baseline clearly.

# %%
def mmd2(a, b, widths=(0.02, 0.05, 0.1, 0.2, 0.5)):
    """Squared MMD between point clouds a and b with a sum of Gaussian kernels (biased estimate)."""
    def mean_kernel(u, v):
        d2 = ((u[:, None, :] - v[None, :, :]) ** 2).sum(-1)
        return sum(np.exp(-d2 / (2 * h * h)).mean() for h in widths)
    return float(mean_kernel(a, a) + mean_kernel(b, b) - 2 * mean_kernel(a, b))


roll_mmd = mmd2(roll_samples, roll_test)
gaussian_mmd = mmd2(gaussian, roll_test)
floor_mmd = mmd2(roll_train[:n_show], roll_test)  # two samples of the real data: what a perfect model gets
print(f"MMD² to held-out data: DDPM {roll_mmd:.4f} · Gaussian fit {gaussian_mmd:.4f} · "
      f"real data (floor) {floor_mmd:.4f}")
ctx.log_metric("swissroll_mmd", roll_mmd, baseline=gaussian_mmd, higher_is_better=False)
ctx.log_metric("swissroll_mmd_real_floor", floor_mmd, higher_is_better=False)
if not ctx.smoke:
    assert roll_mmd < gaussian_mmd, "the diffusion model should beat the Gaussian baseline"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · DDPM on MNIST
#
# The same two algorithms, with a stronger network and a few choices that let a CPU learn digits in minutes:
#
# 1. **A U-Net instead of an MLP.** `utils.models.unet` (the denoiser of notebook 04) with `condition_dim`: every
#    block adds a learned projection of a *condition vector* to its features. That vector tells the network the
#    time step and the digit we want: a sinusoidal embedding of $t$ (as in the Transformer's positional encoding)
#    through two dense layers, **plus** a learned embedding of the class label $y$.
# 2. **Label dropout for guidance.** 15 % of the training labels are replaced by an extra label "∅" (no label),
#    so the same network also learns the unconditional model $v_\theta(x_t, t, \varnothing)$ (section 7 uses it).
# 3. **v-prediction** (Salimans & Ho 2022). Predicting $\epsilon$ is fine at small $t$, but at large $t$ the image
#    estimate $\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\hat\epsilon)/\sqrt{\bar\alpha_t}$ divides every error
#    by $\sqrt{\bar\alpha_t} \approx 0$. The network predicts instead
#    $v = \sqrt{\bar\alpha_t}\,\epsilon - \sqrt{1-\bar\alpha_t}\,x_0$, which has unit scale at every $t$; both
#    estimates follow without division: $\hat x_0 = \sqrt{\bar\alpha_t}\,x_t - \sqrt{1-\bar\alpha_t}\,\hat v$ and
#    $\hat\epsilon = \sqrt{1-\bar\alpha_t}\,x_t + \sqrt{\bar\alpha_t}\,\hat v$. The sampler clips $\hat x_0$ to the
#    pixel range $[-1, 1]$. Same algorithm, better-conditioned target.
# 4. **Cosine schedule, $T = 250$, and an exponential moving average (EMA) of the weights.** The samples use
#    $\bar\theta \leftarrow m\,\bar\theta + (1-m)\,\theta$ after every step (Keras's `use_ema=True`), which averages
#    out the noise of the last steps of SGD (Ho et al. used $m = 0.9999$). The workshop uses $m = 0.995$, the
#    long runs $0.999$. Whether an average helps a run this short is not assumed: below we score the model
#    trained here with and without its EMA weights, and the printed line says which scored better.
# 5. **14 × 14 digits.** The model works on MNIST averaged over 2 × 2 blocks: 4× fewer pixels is ≈ 4× less
#    compute, which is what makes minutes on a CPU enough. Samples are upsampled to 28 × 28 (bicubic, then
#    sharpened; see "Judging digits" below) for display and for the evaluation classifier.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the same two algorithms on images, with a U-Net told the time step and the label, v-prediction, label
# dropout for guidance, and an EMA of the weights. The workshop gives it only a short run: watch what that buys.
#
# Point at: the loss curve, the grid of digits from this run's model (one row per requested digit), and the
# printed feature FID and smallest class share against the real-digit floor, then the EMA against the raw
# weights (read which one won in this run).
#
# Ask the room: "What does averaging the weights over time buy here, and when would it not help?"

# %%
recipe = dict(diff.RECIPE, ema_momentum=EMA_MOMENTUM)
model = diff.Diffusion(recipe)
print({k: recipe[k] for k in ("size", "T", "schedule", "filters", "embed_dim", "label_dropout", "ema_momentum")})
print(f"denoiser: {model.network.count_params():,} parameters "
      f"(U-Net {model.network.get_layer('unet').count_params():,})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Algorithm 1 for images, from `utils.diffusion` (the only changes from the 2-D `train_step` above: the v-target,
# the label, and the label dropout):

# %%
show_code(diff.DiffusionTrainer.train_step)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Training for the workshop's budget
#
# The workshop gives this model about 100 seconds on the CPU (full mode: the 20,000 steps of the checkpoint
# recipe). Watch what a short training buys.

# %%
class KeepRawWeights(keras.callbacks.Callback):
    """Copy the raw (not averaged) weights after every epoch: fit() swaps in the EMA weights when it ends."""

    def on_epoch_end(self, epoch, logs=None):
        self.weights = [v.numpy() for v in self.model.network.trainable_variables]


trainer = model.trainer(total_steps=TRAIN_STEPS if ctx.mode == "full" else None, seed=ctx.seed)
raw = KeepRawWeights()
start = time.time()
history = trainer.fit(model.dataset(x_train[:N_TRAIN], y_train[:N_TRAIN], seed=ctx.seed),
                      epochs=-(-TRAIN_STEPS // STEPS_PER_EPOCH), steps_per_epoch=STEPS_PER_EPOCH, shuffle=False,
                      verbose=ctx.pick(smoke=0, workshop=2, full=2), callbacks=[TimeBudget(TRAIN_BUDGET_S), raw])
trained_steps = int(trainer.optimizer.iterations.numpy())
losses = history.history["loss"]
print(f"trained {trained_steps:,} steps ({trained_steps * recipe['batch_size']:,} digits seen) in "
      f"{time.time() - start:.0f} s; loss {losses[0]:.3f} → {losses[-1]:.3f}; the EMA weights are now in the model")
assert np.isfinite(losses[-1])
if not ctx.smoke and len(losses) > 1:  # a slow machine may stop within the first epoch: nothing to compare then
    assert losses[-1] < losses[0], "the loss should fall"

# %%
ax = plot_history(history, title=f"MNIST diffusion, v-prediction loss ({STEPS_PER_EPOCH} steps per epoch)",
                  ylabel="MSE of v (per pixel)")
ctx.savefig(ax.figure, "mnist_loss")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# Digits from the model trained **in this run**, one row per requested digit, sampled with DDIM in 20 steps
# (section 6 explains DDIM), 14 × 14 upsampled to 28 × 28:

# %%
grid_labels = np.repeat(np.arange(10), GRID_PER_DIGIT)
own_grid = model.sample(len(grid_labels), labels=grid_labels, steps=DDIM_STEPS, seed=ctx.seed)
fig = image_grid(own_grid, ncols=8, size=0.9,
                 title=f"Trained here: {trained_steps:,} steps, {TRAIN_BUDGET_S} s budget (rows: digits 0–9)")
ctx.savefig(fig, "samples_trained_here")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Judging digits: the course's evaluation classifier
#
# Papers score image generators with the Fréchet Inception Distance (FID). We cannot download Inception here,
# and it knows little about 28 × 28 digits anyway, so `utils.evaluation` uses a small CNN trained on MNIST by
# course code (shared with notebook 06):
#
# - **feature FID**: fit a Gaussian to the classifier's 128 penultimate features of the samples and of the real
#   test digits; $\mathrm{FID} = \|\mu_s - \mu_r\|^2 + \mathrm{Tr}\big(\Sigma_s + \Sigma_r - 2(\Sigma_s\Sigma_r)^{1/2}\big)$.
#   Lower is better; comparable inside this course only, not with papers. It is biased upwards for small
#   samples, so we always compare at the same number of digits, and report the **floor**: the FID of real
#   training digits (passed through the same 14 × 14 → 28 × 28 round trip) against the test set.
#
# The round trip matters. Averaging 2 × 2 blocks blurs the stroke edges and upsampling keeps the blur; the
# classifier, trained on sharp digits, notices, and blurred *real* digits already score a large FID. MNIST
# strokes are nearly black or white, so doubling the contrast around mid-grey (and clipping to [0, 1]) gives the
# edges back. `utils.diffusion.from_diffusion` does this to every sample; the floor below measures it.
# - **class coverage**: the share of each digit among the classifier's predictions (about 10 % each for a model
#   that covers the data);
# - **guidance accuracy**: the share of digits drawn for class $y$ that the classifier reads as $y$.

# %%
judge = Evaluator.load(quick=ctx.smoke)  # the course classifier: loaded, or trained once and cached
reference = x_test[:N_REFERENCE]  # real test digits


def fid(images):
    """Feature FID of images against the reference digits (the judge embeds the reference once)."""
    return judge.fid(images, reference)


n_eval = N_EVAL
small = diff.to_diffusion(x_train[-n_eval:])  # real digits as the model sees them: 14×14 in [-1, 1]
real, blurred = diff.from_diffusion(small), diff.from_diffusion(small, sharpen=False)
floor, floor_blurred, floor_28 = fid(real), fid(blurred), fid(x_train[-n_eval:])
print(f"FID of {n_eval} real training digits against the test digits: 28×28 originals {floor_28:.2f} · "
      f"14×14 upsampled {floor_blurred:.2f} · upsampled and sharpened {floor:.2f} (the floor for our samples)")

# %%
# extra code – the round trip on a few real digits
k = 8
rows = [x_train[-k:, :, :, None] / 255.0, np.kron(diff.from_diffusion(small[-k:], size=14), np.ones((1, 2, 2, 1))),
        blurred[-k:], real[-k:]]
names = ["original 28×28", "14×14 (what the model sees)", "bicubic to 28×28", "+ contrast ×2 (used)"]
fig = image_grid(np.concatenate(rows), labels=[n if i % k == 0 else "" for n in names for i in range(k)], ncols=k,
                 size=1.1, title="Real digits through the 14 × 14 round trip")
ctx.savefig(fig, "round_trip")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Now the model trained in this run, on unconditional samples (label ∅):

# %%
own_samples = model.sample(n_eval, steps=DDIM_STEPS, seed=ctx.seed + 1)  # unconditional (label ∅)
own_fid, own_coverage = fid(own_samples), judge.class_coverage(own_samples)
print(f"model trained here, {n_eval} unconditional DDIM samples: FID {own_fid:.2f}, "
      f"smallest class share {own_coverage.min():.1%}")
ctx.log_metric("fid_trained_here", own_fid, baseline=floor, higher_is_better=False)
ctx.log_metric("train_steps_here", trained_steps)

# %% [markdown] slideshow={"slide_type": "fragment"}
# **What does the EMA buy?** The same samples (same noise, same labels) from the raw weights that the last
# training step left, scored the same way:

# %%
ema_weights = [v.numpy() for v in model.network.trainable_variables]
for variable, value in zip(model.network.trainable_variables, raw.weights):
    variable.assign(value)
raw_fid = fid(model.sample(n_eval, steps=DDIM_STEPS, seed=ctx.seed + 1))
keep_raw = raw_fid < own_fid  # keep whichever weights scored the lower FID for the rest of the notebook
if not keep_raw:
    for variable, value in zip(model.network.trainable_variables, ema_weights):  # back to the EMA weights
        variable.assign(value)
print(f"after {trained_steps:,} steps, {n_eval} samples each: FID {raw_fid:.2f} with the raw weights, "
      f"{own_fid:.2f} with their EMA (m = {EMA_MOMENTUM}); real-digit floor {floor:.2f}. The EMA "
      + (f"lowers the FID by {raw_fid - own_fid:.2f}" if own_fid < raw_fid else f"raises the FID by {own_fid - raw_fid:.2f}")
      + f". (The average starts from the initial weights, which still carry a weight of m^steps = "
      f"{EMA_MOMENTUM ** trained_steps:.0%} after {trained_steps:,} steps; its memory is about 1/(1 − m) = "
      f"{1 / (1 - EMA_MOMENTUM):.0f} steps"
      + (", so it still averages in weights from early in this short run.)" if keep_raw else ".)"))
print("From here on the model trained here uses its " + ("raw weights, which scored the lower FID in this run."
      if keep_raw else "EMA weights, which scored the lower FID in this run.")
      + (" The grid above was drawn with the EMA weights; here it is again with the raw ones." if keep_raw else ""))
if keep_raw:  # the same labels and seed as the grid above, from the weights that scored the lower FID
    own_grid = model.sample(len(grid_labels), labels=grid_labels, steps=DDIM_STEPS, seed=ctx.seed)
    fig = image_grid(own_grid, ncols=8, size=0.9, title=f"Trained here: {trained_steps:,} steps, raw weights "
                     f"(FID {raw_fid:.1f} against the EMA's {own_fid:.1f}; rows: digits 0–9)")
    ctx.savefig(fig, "samples_trained_here")  # replaces the EMA grid in the report
    plt.show()
ctx.log_metric("fid_trained_here_raw_weights", raw_fid, baseline=floor, higher_is_better=False)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · The checkpoint: the same model, trained for longer
#
# A few minutes of CPU are not enough for sharp digits. `tools/train_diffusion.py` trains this very model (same
# recipe, same code) for 20,000 steps, like this notebook's full mode, and saves the EMA weights in
# `checkpoints/09_diffusion_mnist.weights.h5` (0.7 MB). **Everything from here on uses the checkpoint**, except
# in full mode, where the model trained above already had the full recipe. Retrain it with
# `python tools/train_diffusion.py` (about an hour on 2 shared CPU cores, minutes on a GPU).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a few CPU minutes are not enough for sharp digits, so from here on the notebook loads a checkpoint that
# `tools/train_diffusion.py` trained with the same code and recipe for longer (in full mode the model trained
# above is used instead).
#
# Point at: the line that says whether the checkpoint was loaded in this run.
#
# Ask the room: "Why is it honest to use a checkpoint here, and what must be the same for the comparison to
# mean anything?"

# %%
use_checkpoint = ctx.mode != "full" and diff.CHECKPOINT.exists()
if use_checkpoint:
    dm = diff.Diffusion().load(diff.CHECKPOINT)
    note = diff.CHECKPOINT.with_name("09_diffusion_mnist.json")
    info = json.loads(note.read_text()) if note.exists() else {}
    steps_text = f"{info['steps']:,} steps" if isinstance(info.get("steps"), int) else "unknown steps"
    source = f"checkpoint ({steps_text})" if "steps" in info else "checkpoint"
    print(f"Loaded {diff.CHECKPOINT.name}: trained {steps_text} in {info.get('minutes', '?')} min "
          f"by {info.get('trained_by', '?')}" if info else f"Loaded {diff.CHECKPOINT.name} (no {note.name} beside it)")
else:
    dm = model
    source = f"trained here ({trained_steps:,} steps, {'raw' if keep_raw else 'EMA'} weights)"
    print("Using the model trained in this run" + ("" if ctx.mode == "full" else " (no checkpoint found)"))

ckpt_grid = dm.sample(len(grid_labels), labels=grid_labels, steps=DDIM_STEPS, seed=ctx.seed)
fig = image_grid(ckpt_grid, ncols=8, size=0.9, title=f"{source}: DDIM {DDIM_STEPS} steps (rows: digits 0–9)")
ctx.savefig(fig, "samples_checkpoint")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · DDIM: the same network, a dozen times fewer steps
#
# DDPM needs all $T$ steps because each step only undoes a small Gaussian step. Song et al. (2021) noticed that
# training (Algorithm 1) only ever uses the jumps $q(x_t \mid x_0)$, never the single steps, so other reverse
# processes share the same trained network. **DDIM** goes from step $t$ straight to any earlier step $s$:
#
# $$x_s = \sqrt{\bar\alpha_s}\,\hat x_0 + \sqrt{1-\bar\alpha_s-\sigma^2}\;\hat\epsilon + \sigma z,
#   \qquad \sigma = \eta\sqrt{\tfrac{1-\bar\alpha_s}{1-\bar\alpha_t}\big(1-\tfrac{\bar\alpha_t}{\bar\alpha_s}\big)}.$$
#
# Read it as: estimate the clean image $\hat x_0$, then re-noise it to the level of step $s$, re-using the noise
# direction $\hat\epsilon$ the network found (and adding fresh noise $\sigma z$ if $\eta > 0$).
#
# - $\eta = 0$: the classic **DDIM**, deterministic (the same $x_T$ always gives the same digit). It follows a
#   smooth path and takes big steps well; on well-trained image models it is the best choice at 10–50 steps
#   (Song et al. 2021, Table 1).
# - $\eta = 1$: the same amount of noise as DDPM. With $s = t-1$ the formula is Algorithm 2 with
#   $\sigma_t^2 = \tilde\beta_t$, *if* $\hat x_0$ is used as the network gives it. Our sampler clips $\hat x_0$ to
#   the pixel range $[-1, 1]$ first (as Ho et al.'s released code does; their Algorithm 2 does not), so wherever
#   the network's $\hat x_0$ leaves that range the step differs from Algorithm 2; the cell below measures how
#   often. On a subsequence of steps it is "DDPM with strides". The fresh noise washes out part of the errors
#   the network made in earlier steps, which a deterministic sampler carries to the end.
#
# `utils.diffusion.sampling_step` implements this one formula for all of them.
#
# **Is our DDPM step Algorithm 2?** Take real test digits, noise them to step $t$, let the network predict, and
# take one step $t \to t-1$ with $\eta = 1$ twice, with and without clipping $\hat x_0$, from the same noise:

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: training only ever uses the jumps q(x_t | x_0), so other reverse processes can reuse the same network.
# DDIM jumps many steps at once; eta = 0 is deterministic, eta = 1 adds fresh noise. Steps and eta are chosen
# after training, traded against time.
#
# Point at: the table comparing one DDPM step and one DDIM step; then the samples and the printed times and FIDs
# of DDPM against DDIM at eta 0 and 1; read whether one won by more than the chance spread of real digits.
#
# Ask the room: "Why might fresh noise (eta = 1) help a small, inaccurate network at few steps?"

# %%
class NoNoise:  # an rng that draws zeros: compare the two steps' means
    def standard_normal(self, shape):
        return np.zeros(shape, "float32")


x0_real = diff.to_diffusion(x_test[:200])
print("  t   pixels with x̂₀ outside [-1, 1]   mean |clipped step − Algorithm 2 step|   mean |step|   ratio")
for t in (T, 3 * T // 4, T // 2, T // 4, 10, 2):
    x_t = diff.q_sample(x0_real, t, np.random.default_rng(t).standard_normal(x0_real.shape), dm.schedule.alpha_bars)
    v = dm.predict_v(x_t, t, np.full(len(x_t), diff.NULL_CLASS))
    _, x0_hat = diff.split_prediction(v, x_t, dm.schedule.alpha_bars[t], clip=False)
    clipped, exact = (diff.sampling_step(x_t, v, t, t - 1, dm.schedule.alpha_bars, 1.0, NoNoise(), clip=clip)
                      for clip in (True, False))
    difference, size = np.mean(np.abs(clipped - exact)), np.mean(np.abs(exact - x_t))
    print(f"{t:4d}   {np.mean(np.abs(x0_hat) > 1):30.1%}   {difference:36.2e}   {size:11.2e}   {difference / size:5.1%}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the table row by row: the second column is the share of pixels of $\hat x_0$ outside $[-1, 1]$, the
# third how far the clipped step lands from the unclipped one (Algorithm 2), the fourth how far the step moves
# $x_t$, and the last the third as a share of the fourth. So our "DDPM" is Algorithm 2 with
# $\sigma_t^2 = \tilde\beta_t$ and a clipped $\hat x_0$, not Algorithm 2 exactly; the table says how large the
# difference is for this model.
#
# Now we draw the same number of unconditional digits (label ∅) with DDPM (all $T$ steps) and with DDIM in 20
# steps at $\eta = 0$ and $\eta = 1$, time them, and score them.

# %%
DDIM_ETA = 1.0  # the η used for the DDIM metrics below; η = 0 is measured alongside
ddpm_samples, ddpm_s = dm.timed_sample(n_eval, steps=DDPM_STEPS, eta=1.0, seed=ctx.seed + 2, progress=True)
ddpm_fid, ddpm_coverage = fid(ddpm_samples), judge.class_coverage(ddpm_samples)
ddim = {}
for eta in (0.0, 1.0):
    images, secs = dm.timed_sample(n_eval, steps=DDIM_STEPS, eta=eta, seed=ctx.seed + 2)
    ddim[eta] = {"images": images, "seconds": secs, "fid": fid(images), "coverage": judge.class_coverage(images)}
print(f"{n_eval} unconditional digits from the {source} (real-digit floor FID {floor:.2f}):")
rows = [(f"DDPM, {DDPM_STEPS} steps", ddpm_s, ddpm_fid, ddpm_coverage)]
rows += [(f"DDIM, {DDIM_STEPS} steps, η = {eta:g}", d["seconds"], d["fid"], d["coverage"]) for eta, d in ddim.items()]
for name, secs, score, cover in rows:
    print(f"  {name:24s} {secs:6.1f} s · FID {score:6.2f} · smallest class {cover.min():.1%}")
ddim_s, ddim_fid, ddim_samples = ddim[DDIM_ETA]["seconds"], ddim[DDIM_ETA]["fid"], ddim[DDIM_ETA]["images"]
speedup, fid_ratio = ddpm_s / ddim_s, ddim_fid / ddpm_fid
print(f"DDIM (η = {DDIM_ETA:g}) is {speedup:.1f}× faster than DDPM; its FID is {fid_ratio:.2f}× DDPM's "
      f"(η = 0: {ddim[0.0]['fid'] / ddpm_fid:.2f}×)")
assert ddpm_samples.shape == ddim_samples.shape == (n_eval, 28, 28, 1)

# %%
fig, axes = plt.subplots(1, 5, figsize=(16, 3.6), gridspec_kw={"width_ratios": [1.2, 1.2, 1.2, 1, 1]})
side = int(min(6, np.sqrt(n_eval)))  # a side × side mosaic of samples
mosaics = [(ddpm_samples, f"DDPM, {DDPM_STEPS} steps")]
mosaics += [(d["images"], f"DDIM, {DDIM_STEPS} steps, η = {eta:g}") for eta, d in ddim.items()]
for ax, (images, title) in zip(axes, mosaics):
    tiles = images[: side * side, :, :, 0].reshape(side, side, 28, 28).transpose(0, 2, 1, 3).reshape(side * 28, -1)
    ax.imshow(tiles, cmap="gray", vmin=0, vmax=1)
    ax.set(title=title, xticks=[], yticks=[])
    ax.grid(False)
names = ["DDPM", "DDIM\nη = 0", "DDIM\nη = 1"]
axes[3].bar(names, [ddpm_s, ddim[0.0]["seconds"], ddim[1.0]["seconds"]], color=["C0", "C1", "C2"])
axes[3].set(title=f"Sampling time, {n_eval} digits", ylabel="seconds (CPU)")
axes[4].bar([*names, "real"], [ddpm_fid, ddim[0.0]["fid"], ddim[1.0]["fid"], floor], color=["C0", "C1", "C2", "grey"])
axes[4].set(title=f"Feature FID (n = {n_eval})", ylabel="FID (lower is better)")
fig.suptitle(f"DDPM vs DDIM, unconditional samples from the {source}", y=1.02)
fig.tight_layout()
ctx.savefig(fig, "ddpm_vs_ddim")
plt.show()

# %%
ctx.log_metric("fid_ddim", ddim_fid, baseline=floor, higher_is_better=False, key=True)
ctx.log_metric("fid_ddim_deterministic", ddim[0.0]["fid"], baseline=floor, higher_is_better=False)
ctx.log_metric("fid_ddpm", ddpm_fid, baseline=floor, higher_is_better=False)
ctx.log_metric("ddpm_seconds", ddpm_s, unit="s", higher_is_better=False)
ctx.log_metric("ddim_seconds", ddim_s, unit="s", higher_is_better=False)
ctx.log_metric("ddim_speedup", speedup, unit="×", target=10)
ctx.log_metric("fid_ratio_ddim_ddpm", fid_ratio, target=1.2, higher_is_better=False)
ctx.log_metric("fid_ratio_ddim_deterministic_ddpm", ddim[0.0]["fid"] / ddpm_fid, higher_is_better=False)
ctx.log_metric("real_floor_fid", floor, higher_is_better=False)
ctx.log_metric("real_floor_fid_28px", floor_28, higher_is_better=False)
ctx.log_metric("real_floor_fid_unsharpened", floor_blurred, higher_is_better=False)
ctx.log_metric("eval_samples", n_eval)

# %%
# how much the FID of n_eval digits moves by chance: disjoint sets of real digits, same n, same round trip
chance_draws = [fid(diff.from_diffusion(diff.to_diffusion(x_train[-(k + 2) * n_eval:-(k + 1) * n_eval])))
                for k in range(4)]
chance_spread = max(chance_draws) - min(chance_draws)
ranked = sorted(rows, key=lambda row: row[2])
gap = ranked[1][2] - ranked[0][2]
print(f"FID of 4 disjoint sets of {n_eval} real digits: {min(chance_draws):.2f} to {max(chance_draws):.2f} "
      f"(a spread of {chance_spread:.2f} from the draw alone).")
if gap < chance_spread:
    print(f"The two lowest FIDs, {ranked[0][0]} ({ranked[0][2]:.2f}) and {ranked[1][0]} ({ranked[1][2]:.2f}), "
          f"differ by {gap:.2f}, inside that spread: indistinguishable at n = {n_eval}.")
else:
    print(f"Lowest FID in this run: {ranked[0][0]} ({ranked[0][2]:.2f}), {gap:.2f} below the next "
          f"({ranked[1][0]}), more than the spread of {chance_spread:.2f}.")
print(f"DDIM at η = 0 scores {ddim[0.0]['fid']:.2f} and at η = 1 {ddim[1.0]['fid']:.2f}, against DDPM's "
      f"{ddpm_fid:.2f} in {ddpm_s / ddim[1.0]['seconds']:.0f}× the time (floor {floor:.2f}).")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Song et al. (2021, Table 1) found the deterministic sampler best at few steps on CIFAR-10 with far larger
# networks; the lines above say whether one sampler beat the others on our small model by more than chance. With a less accurate network, fresh noise
# ($\eta = 1$) can wash out errors made in the early big steps, which $\eta = 0$ carries to the end. Either way,
# the number of sampling steps (and $\eta$) is chosen *after* training, traded against time.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Do the samples cover all ten digits?
#
# A generator can look good digit by digit and still forget whole classes (GANs do, notebook 06). The classifier
# reads each of the unconditional samples drawn above (DDPM and both DDIMs). The three samplers start from the
# same starting noises (the same seed), so their samples are not independent draws; a model that covers MNIST
# gives about 10 % per digit.

# %%
unconditional = np.concatenate([ddpm_samples, ddim[0.0]["images"], ddim[1.0]["images"]])
coverage = judge.class_coverage(unconditional)
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.bar(range(10), coverage * 100, color="C2", label=f"unconditional samples ({source})")
ax.axhline(10, color="grey", ls="--", label="uniform (10 %)")
ax.axhline(5, color="C3", ls=":", label="target: at least 5 % each")
ax.set(title=f"Class coverage of {len(unconditional):,} unconditional samples",
       xlabel="digit read by the classifier", ylabel="share of samples (%)", xticks=range(10))
ax.legend(fontsize=8)
ctx.savefig(fig, "class_coverage")
plt.show()
print(f"the three samplers share the same {n_eval} starting noises; smallest class share "
      f"{coverage.min():.1%} (digit {coverage.argmin()}), target at least 5 %: "
      f"{'met' if coverage.min() >= 0.05 else 'not met'}")
ctx.log_metric("min_coverage", coverage.min(), target=0.05)
np.save(ctx.out / "samples_ddim.npy", (ddim_samples[..., 0] * 255).round().astype("uint8"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Classifier-free guidance
#
# The network was trained with labels (and 15 % of the time without). To draw a 7 we pass $y = 7$; but a weak
# model's 7s can be vague. **Classifier-free guidance** (Ho & Salimans 2022) pushes each step further in the
# direction that the label adds:
#
# $$\tilde\epsilon = \epsilon_\theta(x_t, t, y) + w\,\big(\epsilon_\theta(x_t, t, y) - \epsilon_\theta(x_t, t, \varnothing)\big)
#                = (1+w)\,\epsilon_\theta(x_t, t, y) - w\,\epsilon_\theta(x_t, t, \varnothing).$$
#
# $w = 0$ is the plain conditional model; larger $w$ gives more typical, more recognisable digits at the cost of
# variety. The difference $\epsilon(x,y) - \epsilon(x,\varnothing)$ is (up to scale) the gradient of
# $\log p(y \mid x_t)$ of an *implicit* classifier, hence the name: no separate classifier is trained. It costs two
# network calls per step. (Our network predicts $v$; the same mix applies to $v$, because $\hat\epsilon$ is
# linear in it.)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: classifier-free guidance pushes each step further in the direction the label adds, with one weight w.
# Larger w gives clearer but more alike digits; guided sets get their own real-digit floor at the same size and
# class balance.
#
# Point at: accuracy and FID against w, the grid at the chosen w, and the printed line on which w scored best
# in this run.
#
# Ask the room: "Guidance raised the accuracy. What did it cost, and which number in the figure shows it?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · The guided noise estimate (2 points)
#
# Write `guided_noise(eps_cond, eps_uncond, w)` returning $\tilde\epsilon$ above from the conditional prediction
# $\epsilon_\theta(x_t, t, y)$, the unconditional one $\epsilon_\theta(x_t, t, \varnothing)$ and the weight $w$.

# %% tags=["exercise"]
def guided_noise(eps_cond, eps_uncond, w):
    """Classifier-free guidance: push the conditional estimate away from the unconditional one."""
    raise NotImplementedError


# %% tags=["solution"]
def guided_noise(eps_cond, eps_uncond, w):  # noqa: F811
    """Classifier-free guidance: push the conditional estimate away from the unconditional one."""
    return (1 + w) * eps_cond - w * eps_uncond


# %%
utils.checks.nb09.check_guided_noise(guided_noise);

# %% [markdown] slideshow={"slide_type": "subslide"}
# We ask for every digit equally often, at several guidance weights, and let the classifier check each sample.
# `Diffusion.guided_v` does the mix above with one batched network call for both predictions.
#
# These sets are smaller than the unconditional ones above and hold exactly as many of each digit, and FID
# depends on both. So they get their own floor: **real** digits, the same number of each class, through the same
# 14 × 14 round trip. A guided FID is good when it is close to *that* floor.

# %%
WEIGHTS = GUIDANCE_WEIGHTS
GUIDANCE = 2.0  # the weight chosen for the guided samples and the target
per_digit = GUIDED_PER_DIGIT
requested = np.repeat(np.arange(10), per_digit)
by_digit = [x_train[-20_000:][y_train[-20_000:] == d] for d in range(10)]  # ≥ 1,700 training digits of each
floor_draws = [fid(diff.from_diffusion(diff.to_diffusion(
    np.concatenate([digits[k * per_digit:(k + 1) * per_digit] for digits in by_digit])))) for k in range(5)]
floor_balanced = float(np.mean(floor_draws))
print(f"floor: 5 disjoint sets of {10 * per_digit} real digits, {per_digit} of each, through the round trip: "
      f"FID {floor_balanced:.2f} on average, {min(floor_draws):.2f} to {max(floor_draws):.2f}")
guided = {}
for w in WEIGHTS:
    images = dm.sample(len(requested), labels=requested, steps=DDIM_STEPS, guidance=w, seed=ctx.seed + 3)
    probabilities = judge.probabilities(images)
    guided[w] = {"images": images, "accuracy": float(np.mean(probabilities.argmax(axis=1) == requested)),
                 "fid": fid(images), "confidence": float(probabilities.max(axis=1).mean())}
    print(f"w = {w:3.1f}: {guided[w]['accuracy']:6.1%} read as the requested digit · "
          f"classifier confidence {guided[w]['confidence']:.3f} · FID {guided[w]['fid']:.2f} "
          f"(n = {len(requested)}; real floor {floor_balanced:.2f})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(WEIGHTS, [guided[w]["accuracy"] * 100 for w in WEIGHTS], "o-")
axes[0].axhline(90, color="C3", ls=":", label="target 90 %")
axes[0].set(title="Guided digits read as the requested digit", xlabel="guidance weight w", ylabel="accuracy (%)")
axes[0].legend()
axes[1].plot(WEIGHTS, [guided[w]["fid"] for w in WEIGHTS], "o-", color="C1", label="guided samples")
axes[1].axhspan(min(floor_draws), max(floor_draws), color="grey", alpha=0.3, label=f"real digits, {per_digit} per class")
axes[1].legend()
axes[1].set(title=f"Feature FID of the guided digits (n = {len(requested)})", xlabel="guidance weight w",
            ylabel="FID (lower is better)")
fig.suptitle(f"Classifier-free guidance, {source}, DDIM {DDIM_STEPS} steps")
fig.tight_layout()
ctx.savefig(fig, "guidance_sweep")
plt.show()

# %%
shown = guided[GUIDANCE]["images"].reshape(10, per_digit, 28, 28, 1)[:, :8].reshape(-1, 28, 28, 1)
fig = image_grid(shown, ncols=min(8, per_digit), size=0.9,
                 title=f"Guided, w = {GUIDANCE} ({source}; rows: requested digit 0–9)")
ctx.savefig(fig, "samples_guided")
plt.show()
ctx.log_metric("cfg_accuracy", guided[GUIDANCE]["accuracy"], target=0.90, baseline=guided[0.0]["accuracy"])
ctx.log_metric("fid_guided", guided[GUIDANCE]["fid"], baseline=floor_balanced, higher_is_better=False)
ctx.log_metric("real_floor_fid_balanced", floor_balanced, higher_is_better=False)
np.save(ctx.out / "samples_guided.npy", (guided[GUIDANCE]["images"][..., 0] * 255).round().astype("uint8"))

# %%
best_w = min(WEIGHTS, key=lambda w: guided[w]["fid"])
print(f"Accuracy from w = {WEIGHTS[0]:g} to w = {WEIGHTS[-1]:g}: "
      + " → ".join(f"{guided[w]['accuracy']:.0%}" for w in WEIGHTS)
      + f". Lowest FID at w = {best_w:g} ({guided[best_w]['fid']:.2f}) against real digits at the same n and "
      f"class balance scoring {min(floor_draws):.2f} to {max(floor_draws):.2f}; at w = {WEIGHTS[-1]:g} the FID is "
      f"{guided[WEIGHTS[-1]]['fid']:.2f}.")
if best_w != GUIDANCE:
    print(f"The grid shows w = {GUIDANCE:g} although w = {best_w:g} scored the lowest FID: at w = {GUIDANCE:g} "
          "the loss of variety that guidance costs is visible.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the line above against the idea: guidance should raise the accuracy, and beyond some $w$ make the digits
# clean but all alike, which the FID registers as missing variety. Image generators use $w$ of about 1–8.
#
# A guided FID *below* the real digits' range is no proof of "better than real". With 200 digits in a
# 128-dimensional feature space, the FID is biased upwards by an amount that grows with the spread of the set;
# a set with a little less variety than real handwriting (which is what guidance produces) pays less of that
# bias. Compare at the same $n$, read the floor as a range, and believe the FID only together with the accuracy
# and the pictures.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The forward process is fixed and has a closed form; the whole learning problem is a regression on the noise
#   (or on $v$). The schedule decides how the training effort is spread over noise levels.
# - Algorithms 1 and 2 fit on a slide, and work unchanged from 2-D points to images; images only need a stronger
#   network (a U-Net told the time step) and patience. Our image sampler clips $\hat x_0$, so its "DDPM" step is
#   Algorithm 2 only where that clip does nothing.
# - DDIM reuses the trained network with 12.5× fewer steps (20 instead of 250); which $\eta$ is best was measured, not assumed. Guidance
#   trades variety for fidelity with one number; its FIDs are read against real digits at the same $n$ and class
#   balance.
# - The evaluation classifier keeps us honest: the numbers are comparable inside the course, not with papers.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a fixed forward process with a closed form, a regression on the noise, two algorithms that work
# unchanged from points to images, DDIM for speed, guidance for fidelity, and a course classifier that keeps
# the numbers honest.
#
# Point at: the bullet on the clipped x_0: our DDPM is Algorithm 2 only where that clip does nothing.
#
# Ask the room: "Compared with notebook 06's GAN, what does the diffusion model give up, and what does it gain?"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Exercises 1–3 are inside the notebook: the forward jump `q_sample` (section 2), one reverse step `ddpm_step`
# (section 3) and the guided noise estimate (section 7); each has a check below it. To go further:
#
# - train the MNIST model with the linear schedule or with ε-prediction (change `recipe`) and compare the loss and
#   the FID after the same budget;
# - sample with DDIM in 5, 10, 50 steps and plot FID against time; guide with $w = 8$;
# - sample with `sampling_step(..., clip=False)` and see how the samples and the FID change.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three exercises sit inside the notebook (the forward jump, one reverse step, the guided noise
# estimate), each with a checker; the list here goes further: other schedules or targets, DDIM step counts,
# sampling without the clip.
#
# Point at: the exercise-1 checker in section 2; run it unsolved once so the room sees a hint.
#
# Ask the room: "Which of the extra experiments would you run first to decide between the linear and cosine
# schedules, and at what budget?"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - J. Ho, A. Jain, P. Abbeel, *Denoising Diffusion Probabilistic Models*, NeurIPS 2020
#   ([arXiv:2006.11239](https://arxiv.org/abs/2006.11239)): Algorithms 1 and 2.
# - J. Song, C. Meng, S. Ermon, *Denoising Diffusion Implicit Models*, ICLR 2021
#   ([arXiv:2010.02502](https://arxiv.org/abs/2010.02502)): DDIM and η.
# - A. Nichol, P. Dhariwal, *Improved Denoising Diffusion Probabilistic Models*, ICML 2021
#   ([arXiv:2102.09672](https://arxiv.org/abs/2102.09672)): the cosine schedule.
# - T. Salimans, J. Ho, *Progressive Distillation for Fast Sampling of Diffusion Models*, ICLR 2022
#   ([arXiv:2202.00512](https://arxiv.org/abs/2202.00512)): v-prediction.
# - J. Ho, T. Salimans, *Classifier-Free Diffusion Guidance*, 2022 ([arXiv:2207.12598](https://arxiv.org/abs/2207.12598)).
# - M. Heusel et al., *GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium*, NeurIPS
#   2017 ([arXiv:1706.08500](https://arxiv.org/abs/1706.08500)): the FID.
# - R. Rombach et al., *High-Resolution Image Synthesis with Latent Diffusion Models*, CVPR 2022
#   ([arXiv:2112.10752](https://arxiv.org/abs/2112.10752)): the same algorithm in an autoencoder's latent space
#   (notebook 05), as in Stable Diffusion.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Ho et al. for Algorithms 1 and 2; Song et al. for DDIM; Nichol & Dhariwal for the cosine schedule;
# Salimans & Ho for v-prediction; Ho & Salimans for guidance; Rombach et al. for latent diffusion, the same
# algorithm in an autoencoder's latent space (notebook 05).
#
# Point at: the latent-diffusion reference, which links this notebook back to the VAE.
#
# Ask the room: "Why does running diffusion in a latent space make it cheaper?"

# %%
print(f"notebook wall time so far: {ctx.elapsed():.0f} s")
ctx.save_metrics()
