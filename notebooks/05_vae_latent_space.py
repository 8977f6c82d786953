# %% [markdown] slideshow={"slide_type": "slide"}
# # 05 · Variational autoencoders: a latent space you can walk through
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/05_vae_latent_space.ipynb) · [Slides](../slides/README.md) · ← previous: [04 · Denoising with CNNs: autoencoders, U-Nets and adversarial noise](04_denoising_cnn.ipynb) · next: [06 · GANs: a minimax game, mode collapse and a DCGAN that draws digits](06_gan.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - why a plain autoencoder cannot generate, and what the VAE adds: a prior, a probabilistic encoder, the ELBO;
# - the reparameterisation trick and the KL term, derived, coded with `keras.ops` and checked numerically;
# - to train a VAE as a `keras.Model` with its own `train_step`, and to report its loss honestly: the negative
#   ELBO in nats per test image, next to a trivial baseline;
# - to walk a 2-D latent space: class map, decoded manifold, interpolation, samples from the prior;
#   what the KL weight β changes, and what a 16-D latent buys;
# - to export latent vectors for the TensorBoard embedding projector.
#
# **Time:** smoke ≈ 20 s · workshop ≈ 4 min (239 s measured on a quiet 2-core CPU, 2026-12-01, the evaluation classifier already trained and cached, as after any earlier run of 05, 06 or 09) · full ≈ 15 min (CPU) · GPU: helps in full mode only
# (the first run on a machine adds about a minute to train the evaluation classifier of notebooks 06 and 09,
# which is then cached)

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

ctx = utils.setup("05_vae_latent_space")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · From autoencoder to variational autoencoder
#
# An **autoencoder** (AE, notebook 04) squeezes an image $x$ through a narrow code $z = f_\phi(x)$ and rebuilds
# it, $\hat x = g_\theta(z)$, trained only to make $\hat x$ close to $x$. It compresses well, but it is not a
# *generative* model: nothing says where the codes of real digits lie, so a code picked at random usually falls
# in a region the decoder never saw, and two 2s written by different people may get codes far apart.
#
# A **variational autoencoder** (VAE; Kingma & Welling, *Auto-Encoding Variational Bayes*, 2014) turns the AE
# into a probability model with three parts:
#
# | part | in this notebook |
# |---|---|
# | prior over codes | $p(z) = \mathcal N(0, I)$, so we know where to sample |
# | decoder $p_\theta(x \mid z)$ | one Bernoulli per pixel: $p_\theta(x \mid z) = \prod_{i=1}^{784} \sigma(\ell_i)^{x_i}\,(1-\sigma(\ell_i))^{1-x_i}$, logits $\ell = g_\theta(z)$ |
# | encoder $q_\phi(z \mid x)$ | a Gaussian per image: $\mathcal N\big(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x)\big)$ |
#
# The encoder no longer gives one point but a small cloud: "this digit's code is around $\mu$, give or take $\sigma$".

# %% [markdown] slideshow={"slide_type": "notes"}
# (Timing: start Run All now, while you present sections 1–3; training starts in section 5.)
#
# Say: an autoencoder compresses, but it cannot generate: nothing tells us where the codes of real digits lie,
# so we do not know which region to sample, and on another training run the codes sit elsewhere, on another
# scale (section 6 shows the AE's map). The VAE adds three things: a prior, an encoder that outputs a distribution,
# and a loss (the ELBO) that ties them together.
#
# Point at: the table of the three parts; read the decoder row aloud (one coin flip per pixel).
#
# Ask the room: "If I pick a random 2-D code for a plain autoencoder, what do you expect the decoder to draw,
# and why?" (Expected: it depends on where the code falls; inside the digits' codes a blurry digit, far outside
# them something the decoder never learned to draw. Nothing tells us which is which.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The ELBO: what a VAE maximises
#
# We would like to maximise the likelihood of the data, $\log p_\theta(x) = \log \int p_\theta(x \mid z)\,p(z)\,dz$,
# but the integral over all codes is intractable. For any $q_\phi(z \mid x)$,
#
# $$\log p_\theta(x) = \underbrace{\mathbb E_{q_\phi(z\mid x)}\big[\log p_\theta(x \mid z)\big]
#   - \mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p(z)\big)}_{\text{ELBO (evidence lower bound)}}
#   + \underbrace{\mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p_\theta(z \mid x)\big)}_{\ge 0},$$
#
# so the ELBO is a lower bound on $\log p_\theta(x)$, tight when the encoder matches the true posterior. Training
# maximises it over $\theta$ and $\phi$ together. We minimise its negative, a sum of two terms in **nats** (natural
# logarithms; divide by $\ln 2$ for bits):
#
# $$-\text{ELBO}(x) = \underbrace{\mathbb E_{q}\big[-\log p_\theta(x \mid z)\big]}_{\text{reconstruction}}
#   + \underbrace{\mathrm{KL}\big(q_\phi(z \mid x)\,\|\,p(z)\big)}_{\text{stay close to the prior}}
#   \;\ge\; -\log p_\theta(x).$$
#
# The first term is the AE's reconstruction loss; the second is new. Lower is better, and since it bounds the
# negative log-likelihood from above, "150 nats per test image" means $\frac1N\sum_n \log p_\theta(x_n) \ge -150$:
# in geometric mean the model gives each test digit a probability of at least $e^{-150}$, out of $2^{784}$ possible
# binary images.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Data: binarised MNIST, and the number to beat
#
# A Bernoulli decoder models pixels that are 0 or 1, but MNIST pixels are grey values in $[0, 1]$. We
# **binarise dynamically**: every time a training digit is used, each pixel is set to 1 with probability equal to
# its grey value, so the model sees a fresh black-and-white version each epoch (a mild data augmentation). The
# **test set is binarised once**, with a fixed seed, so every model in this notebook is scored on the same
# 10,000 binary images and the negative ELBO is a true bound on $-\log p(x)$ for them.
#
# Be aware when you compare numbers: many tutorials apply the binary cross-entropy to the grey values themselves
# (then even a perfect reconstruction costs tens of nats, the entropy of the grey levels, computed below, and the
# number is not a likelihood), or threshold the digits at 0.5 (easier data, smaller numbers). Only numbers computed
# the same way are comparable.
#
# **Baseline.** The simplest model of binary digits ignores any code: each pixel is on independently with the
# probability $\bar p_i$ it has in the training set. Its negative log-likelihood,
# $-\sum_i \big[x_i \log \bar p_i + (1-x_i)\log(1-\bar p_i)\big]$, is what a VAE must beat; it is also what a VAE
# falls back to if its decoder learns to ignore $z$.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the Bernoulli decoder wants 0/1 pixels, so training digits are binarised afresh every epoch, and the test
# set once, with a fixed seed. Every number in this notebook is nats per binary test image, and the
# independent-pixel baseline printed here is the number every model must beat.
#
# Point at: the grey digit and its four random binarisations; then the baseline line printed below it.
#
# Ask the room: "Why is a binary cross-entropy computed on grey values not a likelihood, and what would it
# do to the numbers we compare?"

# %%
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from scipy.stats import norm

import keras
from keras import layers, ops
from utils import projector
from utils.evaluation import Evaluator
from utils.plots import image_grid, plot_history
from utils.training import TimeBudget

# %% [markdown] slideshow={"slide_type": "skip"}
# **Sizes.** Everything that depends on the mode, in one place (smoke: proves the code runs; workshop: about
# 3.5 minutes on a quiet 2-core CPU; full: longer training). Each training run stops at its epoch or step count
# or at its wall-clock budget, whichever comes first, and says which.

# %%
N_TRAIN = ctx.pick(smoke=1024, workshop=60_000, full=60_000)
N_TEST = ctx.pick(smoke=500, workshop=10_000, full=10_000)
BATCH = 128
EPOCHS_2D, SECONDS_2D = ctx.pick(smoke=(1, 30), workshop=(15, 90), full=(60, 1800))  # the main 2-D VAE
TARGET_2D = ctx.pick(smoke=None, workshop=160, full=150)  # nats per test image; smoke mode only proves it runs
EPOCHS_AE, SECONDS_AE = ctx.pick(smoke=(1, 20), workshop=(1, 20), full=(10, 600))  # the plain autoencoder
GRID = ctx.pick(smoke=8, workshop=20, full=25)  # tiles per side of the decoded manifold
STEPS_SHORT = ctx.pick(smoke=8, workshop=900, full=4690)  # optimiser steps of each β model and of the 16-D VAE
SECONDS_SHORT = ctx.pick(smoke=15, workshop=30, full=900)  # their wall-clock safety net
N_JUDGED = ctx.pick(smoke=100, workshop=1000, full=2000)  # prior samples read by the digit classifier
N_PROJECTOR = ctx.pick(smoke=100, workshop=2000, full=10_000)

# %%

(x_train_u8, y_train), (x_test_u8, y_test) = utils.data.load_mnist()
x_train_u8, y_train = x_train_u8[:N_TRAIN], y_train[:N_TRAIN]
x_test_u8, y_test = x_test_u8[:N_TEST], y_test[:N_TEST]
x_train = (x_train_u8 / 255.0).astype("float32").reshape(-1, 784)  # grey values; binarised anew in every batch
x_test = (x_test_u8 / 255.0).astype("float32").reshape(-1, 784)
rng = np.random.default_rng(ctx.seed)
x_test_bin = (rng.uniform(size=x_test.shape) < x_test).astype("float32")  # binarised once, fixed seed
print(f"train {x_train.shape}, test {x_test_bin.shape}; share of test pixels that are on: {x_test_bin.mean():.3f}")

# %% slideshow={"slide_type": "fragment"}
# extra code – one grey digit and four of its random binarisations
example = x_train[0]
versions = [example] + [(rng.uniform(size=784) < example).astype("float32") for _ in range(4)]
fig = image_grid(np.reshape(versions, (-1, 28, 28)), labels=["grey values", *["binarised"] * 4], ncols=5,
                 title="Dynamic binarisation: each pixel is on with probability = its grey value")
ctx.savefig(fig, "binarisation")
plt.show()

# %%
# Baseline: independent pixels with the training frequencies (+1/+2 smoothing keeps every probability in (0, 1))
p_on = (x_train.sum(axis=0) + 1.0) / (len(x_train) + 2.0)
baseline_nll = float(np.mean(-(x_test_bin @ np.log(p_on) + (1 - x_test_bin) @ np.log(1 - p_on))))
print(f"independent-pixel baseline: {baseline_nll:.1f} nats per test image")
grey = np.clip(x_test, 1e-7, 1 - 1e-7)
grey_floor = float(np.mean(np.sum(-grey * np.log(grey) - (1 - grey) * np.log(1 - grey), axis=1)))
print(f"(cross-entropy on grey values could never go below {grey_floor:.1f} nats per image: not comparable)")
ctx.log_metric("baseline_independent_pixels_nll", baseline_nll, unit="nats", higher_is_better=False)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The three pieces of the loss, in code
#
# **Reconstruction.** With logits $\ell = g_\theta(z)$, the Bernoulli negative log-likelihood of one image is the
# binary cross-entropy summed over its 784 pixels,
#
# $$-\log p_\theta(x \mid z) = \sum_{i=1}^{784} \Big[-x_i \log \sigma(\ell_i) - (1 - x_i)\log\big(1 - \sigma(\ell_i)\big)\Big].$$
#
# Computed from the logits (`from_logits=True`) it never takes the log of a probability that rounded to 0.
#
# **The reparameterisation trick.** The loss needs a sample $z \sim q_\phi(z \mid x)$, and we need its gradient
# with respect to the encoder's weights $\phi$. A sampling step has no gradient. The trick moves the randomness into
# an input that does not depend on $\phi$:
#
# $$z = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon, \qquad \varepsilon \sim \mathcal N(0, I),$$
#
# so $z$ has the same distribution, but is now a differentiable function of $\mu$ and $\sigma$, and
# $\nabla_\phi\, \mathbb E_\varepsilon[f(z)] = \mathbb E_\varepsilon[\nabla_\phi f(\mu + \sigma \odot \varepsilon)]$
# is estimated with one $\varepsilon$ per image. The encoder outputs $\log \sigma^2$ rather than $\sigma$: any real
# number is a valid log-variance, and $\sigma = \exp(\tfrac12 \log \sigma^2)$ is always positive.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three pieces, each a few lines of `keras.ops`: the reconstruction term from logits, the
# reparameterisation z = mu + sigma * eps, and the closed-form KL. The numerical check compares the closed form
# with a Monte Carlo average of log q - log p.
#
# Point at: the two numbers of the check, closed form against sampled; they agree to a few decimals.
#
# Ask the room: "Sampling has no gradient. Which variable does the trick move the randomness into, and why
# does the gradient with respect to the encoder now exist?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The KL term.** For a Gaussian against the standard normal the KL divergence has a closed form. Per latent
# dimension, with $q = \mathcal N(\mu, \sigma^2)$ and $p = \mathcal N(0, 1)$,
#
# $$\mathrm{KL}(q \,\|\, p) = \mathbb E_q\big[\log q(z) - \log p(z)\big]
#   = \mathbb E_q\Big[-\tfrac12\log\sigma^2 - \tfrac{(z-\mu)^2}{2\sigma^2} + \tfrac{z^2}{2}\Big]
#   = \tfrac12\big(\sigma^2 + \mu^2 - 1 - \log \sigma^2\big),$$
#
# using $\mathbb E_q[(z-\mu)^2] = \sigma^2$ and $\mathbb E_q[z^2] = \sigma^2 + \mu^2$; the dimensions are
# independent, so the KL of the whole code is the sum over dimensions. It is 0 only for $\mu = 0, \sigma = 1$:
# the term pulls every code towards the origin ($\mu^2$) and keeps it fuzzy ($\sigma$ near 1). Fuzzy codes that
# overlap force nearby codes to decode to similar images, which is what makes the latent space smooth and filled.

# %%
def binarise(x, seed):
    """Dynamic binarisation: each pixel becomes 1 with probability equal to its grey value."""
    return ops.cast(keras.random.uniform(ops.shape(x), seed=seed) < x, x.dtype)


def bernoulli_nll(x, logits):
    """−log p(x | z) per image, in nats: binary cross-entropy summed over the pixels."""
    return ops.sum(ops.binary_crossentropy(x, logits, from_logits=True), axis=-1)


def reparameterise(mean, log_var, seed):
    """A sample z = μ + σ·ε of N(μ, σ²) that gradients can flow through (ε carries all the randomness)."""
    eps = keras.random.normal(ops.shape(mean), seed=seed)
    return mean + ops.exp(0.5 * log_var) * eps


def kl_to_prior(mean, log_var):
    """KL(N(μ, σ²) ‖ N(0, I)) per image, in nats, summed over the latent dimensions."""
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


# %% [markdown] slideshow={"slide_type": "fragment"}
# A check that the closed form is the definition: draw many $z$ with the reparameterisation and average
# $\log q(z) - \log p(z)$.

# %%
mean_check = np.array([[0.8, -1.5, 0.0]], dtype="float32")
log_var_check = np.array([[-1.0, 0.5, 0.0]], dtype="float32")
z_check = ops.convert_to_numpy(reparameterise(np.repeat(mean_check, 200_000, 0), np.repeat(log_var_check, 200_000, 0),
                                              seed=ctx.seed))
log_q = norm.logpdf(z_check, mean_check, np.exp(0.5 * log_var_check)).sum(axis=1)
log_p = norm.logpdf(z_check).sum(axis=1)
kl_closed = float(ops.convert_to_numpy(kl_to_prior(mean_check, log_var_check))[0])
kl_sampled = float(np.mean(log_q - log_p))
print(f"KL closed form {kl_closed:.4f} nats · Monte-Carlo estimate {kl_sampled:.4f} nats")
assert abs(kl_closed - kl_sampled) < 0.02, "the closed-form KL should match the sampled one"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Encoder, decoder, and a VAE with its own `train_step`
#
# Encoder and decoder are small multilayer perceptrons, $784 \to 512 \to 256 \to d$ and back; the encoder ends in
# two heads, $\mu$ and $\log\sigma^2$. (On a 2-core CPU a small convolutional VAE took several times longer per
# epoch in our tests and was no better after the same wall time, so the workshop uses the MLP.)
#
# The plain **autoencoder** has the same layers, with one head for the code. It is written as a `keras.Model` with
# a custom `train_step`: binarise the batch, compute the loss terms per image, take the gradient, apply it, update
# the metrics. The **VAE** inherits all of that and changes exactly two things:
#
# 1. the code is *sampled* around the encoder's output $\mu$ with the reparameterisation trick, not $\mu$ itself;
# 2. the loss gets the KL term: $\text{recon} + \beta\,\text{KL}$. With $\beta = 1$ this is the negative ELBO;
#    section 8 tries other values. Whatever $\beta$, the metric `neg_elbo` is always reported with $\beta = 1$,
#    so models trained differently are compared on the same bound.
#
# The model code uses `keras.ops`; only the gradient (`tf.GradientTape`) is specific to the TensorFlow backend.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: encoder and decoder are small MLPs; the encoder has two heads (mu and log sigma^2). The autoencoder is a
# `keras.Model` with its own `train_step`; the VAE inherits it and changes exactly two things: it samples the code
# and it adds beta * KL to the loss.
#
# Point at: the `train_step` (binarise, loss per image, gradient, apply, metrics), then the VAE class: it only
# overrides `loss_terms` (sample z, add the KL) and `objective` (recon + beta * KL).
#
# Ask the room: "Why do we log the reconstruction and the KL as separate metrics instead of only their sum?"

# %%
HIDDEN = (512, 256)


def make_encoder(latent_dim, variational=True):
    x = keras.Input((784,))
    h = x
    for units in HIDDEN:
        h = layers.Dense(units, activation="relu")(h)
    if not variational:
        return keras.Model(x, layers.Dense(latent_dim, name="code")(h), name="encoder")
    mean = layers.Dense(latent_dim, name="mean")(h)
    log_var = layers.Dense(latent_dim, name="log_var")(h)
    return keras.Model(x, [mean, log_var], name="encoder")


def make_decoder(latent_dim):
    z = keras.Input((latent_dim,))
    h = z
    for units in reversed(HIDDEN):
        h = layers.Dense(units, activation="relu")(h)
    return keras.Model(z, layers.Dense(784, name="logits")(h), name="decoder")  # one Bernoulli logit per pixel


# %%
class AutoEncoder(keras.Model):
    """Encoder → code → decoder, trained on the reconstruction term alone."""

    metric_names = ("recon",)

    def __init__(self, encoder, decoder, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.trackers = [keras.metrics.Mean(name=name) for name in self.metric_names]

    @property
    def metrics(self):  # Keras resets these at the start of every epoch
        return self.trackers

    def loss_terms(self, x, training=False):
        """Per-image loss terms in nats."""
        logits = self.decoder(self.encoder(x, training=training), training=training)
        return {"recon": bernoulli_nll(x, logits)}

    def objective(self, terms):
        return terms["recon"]

    def train_step(self, x):
        x = binarise(x, self.seed_generator)
        with tf.GradientTape() as tape:
            terms = self.loss_terms(x, training=True)
            loss = ops.mean(self.objective(terms))
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(gradients, self.trainable_weights)
        return self.update_trackers(terms)

    def test_step(self, x):  # test images come already binarised (once, with a fixed seed)
        return self.update_trackers(self.loss_terms(x))

    def update_trackers(self, terms):
        for tracker in self.trackers:
            tracker.update_state(terms[tracker.name])
        return {tracker.name: tracker.result() for tracker in self.trackers}

    def encode(self, x):
        return ops.convert_to_numpy(self.encoder(x))

    def decode(self, z):
        """Pixel probabilities σ(logits) as images (n, 28, 28)."""
        logits = self.decoder(np.asarray(z, dtype="float32"))
        return ops.convert_to_numpy(ops.sigmoid(logits)).reshape(-1, 28, 28)


class VAE(AutoEncoder):
    """The AE with a sampled code and a KL term: minimises recon + β·KL, reports the negative ELBO."""

    metric_names = ("neg_elbo", "recon", "kl")

    def __init__(self, encoder, decoder, beta=1.0, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.beta = beta

    def loss_terms(self, x, training=False):
        mean, log_var = self.encoder(x, training=training)
        z = reparameterise(mean, log_var, self.seed_generator)  # change 1: a sampled code
        logits = self.decoder(z, training=training)
        recon, kl = bernoulli_nll(x, logits), kl_to_prior(mean, log_var)
        return {"neg_elbo": recon + kl, "recon": recon, "kl": kl}

    def objective(self, terms):
        return terms["recon"] + self.beta * terms["kl"]  # change 2: the KL term

    def encode(self, x):
        return ops.convert_to_numpy(self.encoder(x)[0])  # the mean μ of q(z | x) stands for the image


STEPS_PER_PASS = -(-len(x_train) // BATCH)  # batches in one pass over the training set


def train(model, epochs, seconds, validate=True, max_steps=None):
    """Adam on mini-batches of 128 for at most `epochs` epochs, `max_steps` steps or `seconds` of wall time.

    Returns the Keras history, with `history.steps` (optimiser steps really taken: Keras prints a full
    epoch's batch count even for an epoch the time cap cut) and `history.cut` (True if the time cap ended it)."""
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    budget = TimeBudget(seconds)
    callbacks = [budget]
    if max_steps:
        epochs = -(-max_steps // STEPS_PER_PASS)
        callbacks.append(keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: setattr(
            model, "stop_training", model.stop_training or int(model.optimizer.iterations) >= max_steps)))
    history = model.fit(x_train, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=2, callbacks=callbacks,
                        validation_data=(x_test_bin,) if validate else None)
    history.steps, history.cut = int(model.optimizer.iterations), budget.stopped_early
    return history


def trained_for(history):
    """'N steps (P passes over the data)', and whether the time cap stopped it."""
    return (f"{history.steps} steps ({history.steps / STEPS_PER_PASS:.1f} passes)"
            + (", stopped by the time cap" if history.cut else ""))


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Training a VAE with a 2-D latent space
#
# Two latent dimensions are far too few to describe a digit well, but they can be drawn: every picture in the
# next sections is a map of this plane. The test set is evaluated after every epoch (the dashed curve); we choose
# nothing by it, so it stays an honest test set. The training curve averages each epoch while the model was still
# improving, so early on it lies above the test curve. The wall-clock budget stops training early on a slow machine.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: two latent dimensions are too few for a good model, but they can be drawn; every picture that follows is
# a map of this plane. The test curve is only watched, never used to choose anything, so it stays a test set.
#
# Point at: the training and test curves; the training curve starts above the test curve because it averages an
# epoch in which the model was still improving. Then the printed test negative ELBO, next to the baseline.
#
# Ask the room: "Is the negative ELBO an upper or a lower bound on -log p(x), and what does that mean for the
# baseline comparison?"

# %%
vae = VAE(make_encoder(2), make_decoder(2), seed=ctx.seed)
history = train(vae, EPOCHS_2D, seconds=SECONDS_2D)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
plot_history(history, metrics=("neg_elbo",), title="Negative ELBO (train: fresh binarisations; val: test set)",
             ylabel="nats per image", ax=axes[0])
plot_history(history, metrics=("recon", "kl"), title="Its two terms", ylabel="nats per image", logy=True, ax=axes[1])
ctx.savefig(fig, "vae_2d_history")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The test negative ELBO: a single sample of $z$ per image (the expectation over $q$ is estimated from 10,000
# images, so the sampling noise in the mean is small), the KL exact.

# %%
test_2d = vae.evaluate(x_test_bin, batch_size=1000, verbose=0, return_dict=True)
epochs_2d = len(history.history["neg_elbo"])
print(f"2-D VAE after {trained_for(history)}: test −ELBO {test_2d['neg_elbo']:.1f} nats per image "
      f"(reconstruction {test_2d['recon']:.1f} + KL {test_2d['kl']:.1f}); baseline {baseline_nll:.1f}")
ctx.log_metric("test_neg_elbo_2d", test_2d["neg_elbo"], unit="nats", higher_is_better=False, key=True,
               target=TARGET_2D, baseline=baseline_nll)
ctx.log_metric("test_recon_2d", test_2d["recon"], unit="nats", higher_is_better=False)
ctx.log_metric("test_kl_2d", test_2d["kl"], unit="nats", higher_is_better=False)
ctx.log_metric("epochs_2d", history.steps / STEPS_PER_PASS, unit="passes")

neg_elbo_curve = history.history["neg_elbo"]
assert np.isfinite(test_2d["neg_elbo"]) and test_2d["kl"] >= 0
assert len(neg_elbo_curve) == 1 or neg_elbo_curve[-1] < neg_elbo_curve[0], "the training loss should fall"
if not ctx.smoke:  # a wide margin (tens of nats) on any machine; the target above goes to the report
    assert test_2d["neg_elbo"] < baseline_nll, "the VAE should beat independent pixels"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · AE vs VAE: two maps of the test digits
#
# Now the autoencoder with the same layers and a 2-D code, trained on reconstruction alone (fewer epochs: we only
# want to see where it puts the digits). Then each test digit becomes a dot at its code (for the VAE: the mean
# $\mu$ of $q(z \mid x)$), coloured by its true class, which neither model ever saw.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the same layers, once as an autoencoder (reconstruction only) and once as a VAE. Each test digit becomes
# a dot at its code, coloured by its class, which neither model saw.
#
# Point at: the scales of the two maps' axes (the AE's codes lie wherever training put them, the VAE's stay
# within a few units of the origin) and the regions of the classes on the VAE map.
#
# Ask the room: "On which of the two maps would you dare to sample a random point, and where exactly?"

# %%
ae = AutoEncoder(make_encoder(2, variational=False), make_decoder(2), seed=ctx.seed)
ae_history = train(ae, EPOCHS_AE, seconds=SECONDS_AE, validate=False)
ae_recon = ae.evaluate(x_test_bin, batch_size=1000, verbose=0, return_dict=True)["recon"]
ae_epochs = len(ae_history.history["recon"])
vae_recon_same = history.history["val_recon"][min(ae_epochs, epochs_2d) - 1]
print(f"AE test reconstruction after {trained_for(ae_history)}: {ae_recon:.1f} nats per image; the VAE's after "
      f"{min(ae_epochs, epochs_2d)} epoch(s): {vae_recon_same:.1f}. "
      + ("The AE reconstructs better: it decodes its exact code, while the VAE decodes a code sampled around μ "
         "and is also pulled towards the prior by the KL term." if ae_recon < vae_recon_same else
         "The VAE reconstructs no worse here, although it decodes a sampled code and pays a KL term.")
      + " (The AE's number is not a likelihood: without a prior it defines no p(x).)")
ctx.log_metric("ae_test_recon_2d", ae_recon, unit="nats", higher_is_better=False)

z_vae = vae.encode(x_test_bin)
z_ae = ae.encode(x_test_bin)
assert z_vae.shape == z_ae.shape == (N_TEST, 2)


# %%
# extra code – a scatter of 2-D codes coloured by digit; reused for the β models
def plot_codes(ax, codes, title):
    dots = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", vmin=-0.5, vmax=9.5, s=3, alpha=0.6)
    ax.set(title=title, xlabel="$z_1$ (latent units)", ylabel="$z_2$ (latent units)")
    return dots


fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
plot_codes(axes[0], z_ae, f"Autoencoder codes ({ae_history.steps / STEPS_PER_PASS:.1f} passes; "
           f"recon {ae_recon:.0f} nats)")
dots = plot_codes(axes[1], z_vae, f"VAE means μ ({history.steps / STEPS_PER_PASS:.1f} passes; "
                  f"−ELBO {test_2d['neg_elbo']:.0f} nats)")
circle = plt.Circle((0, 0), 2, fill=False, ls="--", color="k", label="radius 2: 86 % of the prior")
axes[1].add_patch(circle)
axes[1].set_aspect("equal", adjustable="datalim")  # so that the circle is drawn round
axes[1].legend(loc="upper right")
fig.colorbar(dots, ax=axes, ticks=range(10), label="digit")
fig.suptitle("Where each model puts the test digits")
ctx.savefig(fig, "ae_vs_vae_latent")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The AE's codes sit wherever training happened to put them, on whatever scale: nothing tells us which region is
# "digit-like", so we cannot sample. The VAE's means stay inside the prior's few units around the origin (the
# KL term) and the classes form neighbouring regions with no big holes, because every training digit occupied a
# fuzzy cloud of codes, not a point.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Walking through the latent space
#
# ### The decoded manifold
#
# Decode a regular grid of codes and tile the images where the codes are. Following Kingma & Welling (2014,
# Fig. 4), the grid is spaced by the inverse CDF of the Gaussian, $z = \Phi^{-1}(u)$ for evenly spaced $u$, so that
# every tile covers the same prior probability: the centre, where the prior puts most digits, gets more tiles.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three walks through the 2-D plane: a grid of codes decoded (spaced by Gaussian quantiles, so each tile
# covers the same prior probability), a straight line between two digits' codes, and samples from the prior.
#
# Point at: the manifold grid (neighbouring tiles change smoothly from one class into another); in the
# interpolation, the top row (a morph through the latent space) against the bottom row (a pixel cross-fade).
#
# Ask the room: "Which digits sit between a 1 and a 0 on this path, and what does that tell you about the
# layout of the plane?"

# %%
z_axis = norm.ppf(np.linspace(0.03, 0.97, GRID))  # Gaussian quantiles
z1, z2 = np.meshgrid(z_axis, z_axis[::-1])  # top row = largest z2, like a plot's y axis
manifold = projector.sprite_image(vae.decode(np.stack([z1.ravel(), z2.ravel()], axis=1)))
fig, ax = plt.subplots(figsize=(7, 7))
ax.imshow(manifold, cmap="gray", vmin=0, vmax=255, extent=(0, 1, 0, 1))  # sprite_image returns uint8
labelled = np.linspace(0, GRID - 1, 5).round().astype(int)  # five tick labels, ends included
ax.set_xticks((labelled + 0.5) / GRID, [f"{v:.1f}" for v in z_axis[labelled]])
ax.set_yticks((labelled + 0.5) / GRID, [f"{v:.1f}" for v in z_axis[labelled]])
ax.grid(False)
ax.set(title="The 2-D VAE's decoder on a grid of Gaussian quantiles", xlabel="$z_1$ (latent units)",
       ylabel="$z_2$ (latent units)")
ctx.savefig(fig, "manifold")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Interpolation: from one digit to another
#
# Encode two test digits, walk in a straight line between their codes, $z_t = (1-t)\,\mu_a + t\,\mu_b$, and decode
# each point. For contrast, the bottom row blends the two *images* pixel by pixel, $(1-t)\,x_a + t\,x_b$: a
# cross-fade, not a morph.

# %%
index_a, index_b = int(np.argmax(y_test == 1)), int(np.argmax(y_test == 0))
t = np.linspace(0.0, 1.0, 11)[:, None]  # steps of 0.1
z_path = (1 - t) * z_vae[index_a] + t * z_vae[index_b]
latent_walk = vae.decode(z_path)
pixel_blend = (1 - t) * x_test[index_a] + t * x_test[index_b]
fig = image_grid(np.concatenate([latent_walk, pixel_blend.reshape(-1, 28, 28)]),
                 labels=[f"t = {v:.1f}" for v in t[:, 0]] + [""] * len(t), ncols=len(t), vmin=0, vmax=1,
                 title=f"From a {y_test[index_a]} to a {y_test[index_b]}: through the latent space (top) "
                       "vs a pixel blend (bottom)")
ctx.savefig(fig, "interpolation")
plt.show()

# %% slideshow={"slide_type": "fragment"}
# extra code – the same path drawn on the map of test codes
fig, ax = plt.subplots(figsize=(6, 5))
dots = plot_codes(ax, z_vae, "The interpolation path on the VAE's latent map")
ax.plot(z_path[:, 0], z_path[:, 1], "k.-", lw=2, label=f"path {y_test[index_a]} → {y_test[index_b]}")
ax.legend()
fig.colorbar(dots, ax=ax, ticks=range(10), label="digit")
ctx.savefig(fig, "interpolation_path")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Samples from the prior
#
# This is what makes the VAE generative: draw $z \sim \mathcal N(0, I)$ and decode. We show the decoder's pixel
# probabilities $\sigma(\ell)$ (the mean image) rather than a random 0/1 draw from them, which would look speckled.

# %%
z_prior = np.random.default_rng(ctx.seed).normal(size=(32, 2)).astype("float32")
samples_2d = vae.decode(z_prior)
np.save(ctx.out / "samples_2d.npy", samples_2d)
fig = image_grid(samples_2d, ncols=8, vmin=0, vmax=1, title="2-D VAE: decoded samples z ~ N(0, I)")
ctx.savefig(fig, "prior_samples_2d")
plt.show()
assert samples_2d.shape == (32, 28, 28) and 0 <= samples_2d.min() and samples_2d.max() <= 1

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · The KL weight β
#
# Higgins et al. (*β-VAE*, 2017) weight the KL term: minimise $\text{recon} + \beta\,\text{KL}$.
#
# - $\beta < 1$ cares less about the prior: codes spread out and their clouds $\sigma$ shrink (closer to an AE),
#   reconstructions improve, but the codes no longer fill the prior the way it expects, so samples drawn from
#   the prior should land less often on codes of real digits.
# - $\beta > 1$ pulls harder towards the prior: codes crowd together and classes overlap, reconstructions blur,
#   the KL falls.
#
# Only $\beta = 1$ minimises the negative ELBO itself, so with enough training it should have the lowest one; after a
# run this short it need not (the table below says what this run measured). Each β gets the same short run from
# scratch, the same number of optimiser steps (the main model above trained longer, so it is not reused here).
#
# "Look less like digits" is a claim about pictures, so we **measure** it with the digit classifier that
# notebooks 06 and 09 use to judge their generators (`utils.evaluation`, a small CNN trained on MNIST by course
# code): decode prior samples $z \sim \mathcal N(0, I)$ and ask (1) how sure the classifier is on average (its
# highest softmax probability: near 1 for clear digits) and (2) how many of the ten digits appear among them
# (a digit counts if at least 5 % of the samples are read as it).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: beta weights the KL term. A small beta is closer to an autoencoder (sharper reconstructions, codes that
# no longer fill the prior); a large beta pulls every code towards the origin (blurrier, overlapping classes).
# Only beta = 1 optimises the ELBO itself; the table shows what this short run measured, and the course
# classifier judges the prior samples.
#
# Point at: the table row by row (reconstruction, KL, negative ELBO); then the latent maps above their prior
# samples in the figure.
#
# Ask the room: "If you only cared about reconstructions, which beta would you pick, and what would you lose?"

# %%
judge = Evaluator.load(quick=ctx.smoke)  # the course's digit classifier: loaded, or trained once and cached


def judge_samples(images):
    """(mean classifier confidence, digits with ≥ 5 % of the samples) for decoded images in [0, 1]."""
    probabilities = judge.probabilities(images)
    shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(images)
    return float(probabilities.max(axis=1).mean()), int(np.sum(shares >= 0.05))


def standard_error(images):
    """Sampling error of the mean confidence over these samples (not counting the training run's own luck)."""
    top = judge.probabilities(images).max(axis=1)
    return float(top.std() / np.sqrt(len(top)))


real_confidence, real_digits = judge_samples(x_test[:N_JUDGED].reshape(-1, 28, 28))
print(f"real test digits: confidence {real_confidence:.3f}, {real_digits} of 10 digits")
z_judged = np.random.default_rng(ctx.seed + 1).normal(size=(N_JUDGED, 2)).astype("float32")
main_confidence, main_digits = judge_samples(vae.decode(z_judged))
print(f"the main 2-D VAE of section 5 ({history.steps / STEPS_PER_PASS:.1f} passes), prior samples: confidence "
      f"{main_confidence:.3f}, {main_digits} of 10 digits")
ctx.log_metric("prior_confidence_2d_main", main_confidence, baseline=real_confidence)

BETAS = (0.1, 1.0, 4.0)
beta_models, beta_results = {}, {}
for beta in BETAS:
    print(f"β = {beta}")
    beta_models[beta] = VAE(make_encoder(2), make_decoder(2), beta=beta, seed=ctx.seed)
    beta_history = train(beta_models[beta], None, seconds=SECONDS_SHORT, validate=False, max_steps=STEPS_SHORT)
    beta_results[beta] = beta_models[beta].evaluate(x_test_bin, batch_size=1000, verbose=0, return_dict=True)
    beta_results[beta]["trained"], beta_results[beta]["steps"] = trained_for(beta_history), beta_history.steps
    beta_results[beta]["confidence"], beta_results[beta]["digits"] = judge_samples(beta_models[beta].decode(z_judged))
    for term in ("neg_elbo", "recon", "kl"):
        ctx.log_metric(f"beta_{beta:g}_test_{term}", beta_results[beta][term], unit="nats", higher_is_better=False)
    ctx.log_metric(f"beta_{beta:g}_prior_confidence", beta_results[beta]["confidence"], baseline=real_confidence)
    ctx.log_metric(f"beta_{beta:g}_prior_digits", beta_results[beta]["digits"], unit="of 10")
print(f"\n β     −ELBO   recon    KL   (nats per test image) · prior samples: confidence, digits present "
      f"({N_JUDGED} samples; real digits {real_confidence:.3f}, {real_digits})")
for beta, r in beta_results.items():
    print(f"{beta:4g}  {r['neg_elbo']:6.1f}  {r['recon']:6.1f}  {r['kl']:5.1f}   {r['confidence']:.3f}  {r['digits']:2d}"
          f"   after {r['trained']}")
if not ctx.smoke:
    assert beta_results[4.0]["kl"] < beta_results[0.1]["kl"], "a larger β should give a smaller KL"

# %%
low, one = beta_results[0.1], beta_results[1.0]
error = np.hypot(standard_error(beta_models[0.1].decode(z_judged)), standard_error(beta_models[1.0].decode(z_judged)))
gap = low["confidence"] - one["confidence"]  # β = 0.1 minus β = 1: negative means β = 0.1 is read less surely
CLEAR = max(3 * error, 0.03)  # one threshold: 3 sampling errors, and never under 0.03 (a run's own luck)
verdict = f"{'more' if gap > 0 else 'less'} confidently than" if abs(gap) > CLEAR else "about as confidently as"
steps_note = ("the same number of steps" if len({r["steps"] for r in beta_results.values()}) == 1
              else "unequal step counts (the time cap cut some; see the table)")
print(f"At {steps_note}, prior samples of the β = 0.1 model are read {verdict} those of β = 1: confidence "
      f"{low['confidence']:.3f} vs {one['confidence']:.3f} (β = 0.1 − β = 1: {gap:+.3f}; we call a difference clear "
      f"above {CLEAR:.3f}, 3 sampling errors of ±{error:.3f} or 0.03, whichever is larger), {low['digits']} vs "
      f"{one['digits']} of the 10 digits present. β = 4: {beta_results[4.0]['confidence']:.3f}, "
      f"{beta_results[4.0]['digits']} digits. Real digits: {real_confidence:.3f}.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# How to read the line above: the sampling error counts only the luck of the prior draws, not the luck of each
# short training run, so the verdict calls a difference clear only above the larger of 3 sampling errors and
# 0.03. What a small β costs the prior samples at this size is what this run printed, in confidence and in
# digits present; another seed or a longer run can shift it, which is exercise material, not a conclusion.

# %%
# extra code – each β model's latent map (top) and its samples from the prior (bottom)
fig, axes = plt.subplots(2, len(BETAS), figsize=(4.2 * len(BETAS), 8.4), layout="constrained")
for column, beta in enumerate(BETAS):
    model = beta_models[beta]
    dots = plot_codes(axes[0, column], model.encode(x_test_bin),
                      f"β = {beta:g}: recon {beta_results[beta]['recon']:.0f}, KL {beta_results[beta]['kl']:.0f}")
    axes[0, column].add_patch(plt.Circle((0, 0), 2, fill=False, ls="--", color="k", label="radius 2: 86 % of the prior"))
    axes[0, column].set_aspect("equal", adjustable="datalim")
    axes[1, column].imshow(projector.sprite_image(model.decode(z_prior[:16])), cmap="gray", vmin=0, vmax=255)
    axes[1, column].set(title=f"β = {beta:g}: 16 prior samples (confidence {beta_results[beta]['confidence']:.2f})")
    axes[1, column].axis("off")
fig.colorbar(dots, ax=axes[0], ticks=range(10), label="digit")
axes[0, 0].legend(loc="upper right")
fig.suptitle(f"The KL weight β after {beta_results[1.0]['trained']}: test codes (top), "
             "prior samples (bottom, the same z for every β)")
ctx.savefig(fig, "beta_effect")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · A larger latent space: 16 dimensions
#
# Two numbers cannot hold a digit's shape, slant and thickness at once; 16 can. The same VAE with $d = 16$ gets a
# short run, the same number of optimiser steps as the β = 1 model of section 8, and is compared with that 2-D model.
# Expect a much better reconstruction and a larger KL: more information flows through the code, at a price the
# KL term counts.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: 16 dimensions hold shape, slant and thickness; at the same number of steps the reconstruction improves
# a lot and the KL grows, because more information flows through the code. Yet samples from the prior can look
# worse: the decoder was trained on the aggregate posterior, not on the prior. The notebook measures whether prior
# samples land in holes or only in thinner regions of the digits' codes; read its printed conclusion, which says
# what this run found.
#
# Point at: the reconstruction rows (test digits, 2-D, 16-D), then the 16-D prior samples, then the printed
# conclusion (negative ELBO, classifier confidence, holes).
#
# Ask the room: "The 16-D model explains real digits better. Why does that not guarantee better samples?"
# (Expected: the ELBO only tests the decoder near real digits' codes; the prior also samples between them.)

# %%
vae16 = VAE(make_encoder(16), make_decoder(16), seed=ctx.seed)
history16 = train(vae16, None, seconds=SECONDS_SHORT, validate=False, max_steps=STEPS_SHORT)
test_16d = vae16.evaluate(x_test_bin, batch_size=1000, verbose=0, return_dict=True)
vae2_short, same_epochs_2d = beta_models[1.0], beta_results[1.0]["neg_elbo"]  # the 2-D β = 1 model, as short a run
print(f"16-D VAE after {trained_for(history16)}: test −ELBO {test_16d['neg_elbo']:.1f} nats "
      f"(recon {test_16d['recon']:.1f} + KL {test_16d['kl']:.1f}); 2-D VAE (β = 1, section 8) after "
      f"{beta_results[1.0]['trained']}: {same_epochs_2d:.1f} nats (recon {beta_results[1.0]['recon']:.1f} + "
      f"KL {beta_results[1.0]['kl']:.1f})")
ctx.log_metric("test_neg_elbo_16d", test_16d["neg_elbo"], unit="nats", higher_is_better=False, baseline=baseline_nll)
ctx.log_metric("test_recon_16d", test_16d["recon"], unit="nats", higher_is_better=False)
ctx.log_metric("test_kl_16d", test_16d["kl"], unit="nats", higher_is_better=False)
ctx.log_metric("test_neg_elbo_2d_same_epochs", same_epochs_2d, unit="nats", higher_is_better=False)
if not ctx.smoke:
    assert test_16d["recon"] < beta_results[1.0]["recon"], "16 latent dimensions should reconstruct better than 2"

# %%
# extra code – reconstructions: test digits, the 2-D VAE's, the 16-D VAE's (decoded from the means μ)
shown = np.arange(10)
rows = [x_test_bin[shown].reshape(-1, 28, 28), vae.decode(z_vae[shown]), vae16.decode(vae16.encode(x_test_bin[shown]))]
fig = image_grid(np.concatenate(rows), ncols=10, labels=["test digit"] * 10 + ["2-D VAE"] * 10 + ["16-D VAE"] * 10,
                 vmin=0, vmax=1, title="Reconstructions from the code's mean: 2 vs 16 latent dimensions")
ctx.savefig(fig, "reconstructions_2d_vs_16d")
plt.show()

# %%
samples_16d = vae16.decode(np.random.default_rng(ctx.seed).normal(size=(32, 16)))
np.save(ctx.out / "samples_16d.npy", samples_16d)
fig = image_grid(samples_16d, ncols=8, vmin=0, vmax=1, title="16-D VAE: decoded samples z ~ N(0, I)")
ctx.savefig(fig, "prior_samples_16d")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A better ELBO, but do the samples keep up?
#
# The ELBO scores how well the model explains **real** digits: each test digit is encoded, and the decoder only
# has to work near that digit's code. A prior sample asks something else: that the decoder works wherever
# $\mathcal N(0, I)$ puts mass. The codes the decoder was trained on follow the **aggregate posterior**
# $q(z) = \frac1N \sum_n q_\phi(z \mid x_n)$, a mixture of one small Gaussian per training digit. The KL term pulls
# each $q_\phi(z \mid x_n)$ towards the prior, but a low KL per digit does not make the mixture *equal* to the prior:
# in 16 dimensions the digits' clouds can fill a thin, curved part of the space and leave **holes**, regions where
# the prior puts mass but no digit's code lies; the decoder never learned what to draw there.
#
# We measure both sides, cheaply, with the test digits standing in for the training set:
#
# - the classifier's confidence on decoded prior samples $z \sim \mathcal N(0, I)$, and on decoded samples
#   $z \sim q_\phi(z \mid x)$ of test digits (codes where the decoder was trained);
# - the log density of the aggregate posterior, $\log q(z)$, built from the codes of half of the test digits, at
#   prior samples against at codes of the *other* half (a digit's own cloud would flatter its own code). A prior
#   sample far below the real codes' typical density sits in a hole.

# %% slideshow={"slide_type": "skip"}
# extra code – the log density of the aggregate posterior (a log-sum-exp over the digits' Gaussians)
def log_aggregate_density(z, mean, log_var, chunk=100):
    """log q(z) = log mean_n N(z; μ_n, σ_n²) for each row of z: the mixture of the digits' Gaussian codes."""
    inv_var = np.exp(-log_var)
    constant = -0.5 * np.sum(log_var + np.log(2 * np.pi), axis=1)  # (N,)
    out = []
    for i in range(0, len(z), chunk):
        d2 = np.einsum("bnd,nd->bn", (z[i:i + chunk, None, :] - mean[None]) ** 2, inv_var)
        log_terms = constant[None] - 0.5 * d2
        top = log_terms.max(axis=1, keepdims=True)
        out.append(top[:, 0] + np.log(np.mean(np.exp(log_terms - top), axis=1)))
    return np.concatenate(out)


rng_holes = np.random.default_rng(ctx.seed + 2)
hole_rows = {}
for name, model, d in (("2-D VAE", vae2_short, 2), ("16-D VAE", vae16, 16)):  # equal training steps
    mean, log_var = (ops.convert_to_numpy(a) for a in model.encoder(x_test_bin))
    half = len(mean) // 2  # the mixture uses the first half; codes of real digits come from the second
    z_from_prior = rng_holes.normal(size=(N_JUDGED, d)).astype("float32")
    picked = half + rng_holes.choice(len(mean) - half, min(N_JUDGED, len(mean) - half), replace=False)
    z_from_data = (mean[picked] + np.exp(0.5 * log_var[picked]) * rng_holes.normal(size=(len(picked), d))).astype("float32")
    mean, log_var = mean[:half], log_var[:half]
    density_prior = log_aggregate_density(z_from_prior, mean, log_var)
    density_data = log_aggregate_density(z_from_data, mean, log_var)
    in_hole = float(np.mean(density_prior < np.quantile(density_data, 0.01)))
    gap = float(np.median(density_data) - np.median(density_prior))
    hole_rows[name] = {"prior": judge_samples(model.decode(z_from_prior))[0],
                       "data": judge_samples(model.decode(z_from_data))[0], "in_hole": in_hole, "gap": gap}
    print(f"{name}: classifier confidence on prior samples {hole_rows[name]['prior']:.3f}, on codes of test digits "
          f"{hole_rows[name]['data']:.3f}; prior samples below the density of 99 % of the digits' codes: {in_hole:.0%} "
          f"(1 % of the digits' own codes fall there by construction); "
          f"median log q(z) {gap:.1f} nats lower at prior samples than at digits' codes")
    ctx.log_metric(f"prior_confidence_{d}d", hole_rows[name]["prior"], baseline=hole_rows[name]["data"])
    ctx.log_metric(f"prior_samples_in_holes_{d}d", in_hole, higher_is_better=False)

# %%
two, sixteen = hole_rows["2-D VAE"], hole_rows["16-D VAE"]
gap16, gap2 = sixteen["data"] - sixteen["prior"], two["data"] - two["prior"]
print(f"Within each model, samples decoded from codes of real digits are read with confidence {sixteen['data']:.3f} "
      f"(16-D) and {two['data']:.3f} (2-D), prior samples {sixteen['prior']:.3f} and {two['prior']:.3f}: a gap of "
      f"{gap16:+.3f} for 16-D against {gap2:+.3f} for 2-D. "
      + ("So the 16-D decoder loses more between real codes and the prior than the 2-D one. "
         if gap16 > gap2 + 0.03 else "So the two lose about as much between real codes and the prior. ")
      + f"At equal steps ({beta_results[1.0]['trained']} for 2-D), the 16-D VAE's −ELBO is {test_16d['neg_elbo']:.1f} "
      f"nats against {same_epochs_2d:.1f}, and its prior samples are read "
      + ("less surely" if sixteen["prior"] < two["prior"] - 0.03 else
         "more surely" if sixteen["prior"] > two["prior"] + 0.03 else "about as surely")
      + f" ({sixteen['prior']:.3f} vs {two['prior']:.3f}). Holes: {sixteen['in_hole']:.0%} of its prior samples fall where the digits' codes are rarer than for "
      f"99 % of those codes (2-D: {two['in_hole']:.0%}), and a typical prior sample sits {sixteen['gap']:.1f} nats "
      f"lower in log q(z) (2-D: {two['gap']:.1f}). "
      + ("So many prior samples land where no digit's code lies: holes explain much of the gap."
         if sixteen["in_hole"] > 0.1 else
         "So prior samples are not in outright holes by this measure: they land among the digits' codes, "
         "in thinner regions (the median gap above), where the decoder saw fewer codes in training."))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Exploring 16 dimensions with the embedding projector
#
# We cannot scatter-plot 16 dimensions, but the [TensorBoard embedding projector](https://projector.tensorflow.org)
# can project them interactively (PCA, t-SNE, UMAP), colour the points by label and show each point's image. It
# reads four files, written by `utils.projector.export_projector`:
#
# | file | content |
# |---|---|
# | `vectors.tsv` | one row per test digit: its 16 latent means, tab-separated |
# | `metadata.tsv` | a header, then one row per digit: its label and test-set index |
# | `sprite.png` | all thumbnails in one square image, $\lceil\sqrt n\,\rceil$ tiles a side, in the same order |
# | `projector_config.pbtxt` | ties them together (file names, thumbnail size) |
#
# To look: `pip install tensorboard`, then `tensorboard --logdir artifacts/workshop/05_vae_latent_space/projector` (the folder of the mode you ran) and
# open the *Projector* tab; or, without installing anything, load `vectors.tsv` and `metadata.tsv` at
# projector.tensorflow.org ("Load").

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: 16 dimensions cannot be scatter-plotted, but the TensorBoard embedding projector can project them
# (PCA, t-SNE, UMAP) and show each digit's thumbnail. The notebook writes the four files it reads.
#
# Point at: the table of the four files. In a 3.5-minute-per-notebook workshop this section is homework: open the
# projector on the folder printed below at home and colour the points by label.
#
# Ask the room: "t-SNE shows ten clean clusters. What can you not conclude from that picture about the
# latent space?" (Expected: distances between clusters and cluster sizes; t-SNE keeps neighbours, not geometry.)

# %%
folder = projector.export_projector(
    ctx.out / "projector", vae16.encode(x_test_bin[:N_PROJECTOR]),
    metadata={"label": y_test[:N_PROJECTOR], "test_index": np.arange(N_PROJECTOR)},
    images=x_test_u8[:N_PROJECTOR], tensor_name="vae_16d_latent_means")
summary = projector.check_export(folder)  # reads the files back: row counts, sprite size, config paths
print(f"wrote {sorted(p.name for p in folder.iterdir())} to {folder}")
print(summary)
assert summary["n"] == N_PROJECTOR and summary["dim"] == 16

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A VAE is an autoencoder made probabilistic: a prior $\mathcal N(0, I)$, a Gaussian encoder, a Bernoulli decoder.
#   It maximises the ELBO; we report the negative ELBO in nats per test image, an upper bound on $-\log p(x)$, next
#   to the independent-pixel baseline.
# - The reparameterisation trick $z = \mu + \sigma\varepsilon$ lets gradients pass through the sampling; the KL term
#   has a closed form and is what keeps the latent space centred, filled and smooth.
# - In 2-D the latent space can be walked: classes form regions, a straight line morphs one digit into another,
#   and random codes decode to plausible digits. β trades reconstruction against closeness to the prior, and the
#   course classifier measures what that does to prior samples. More latent dimensions reconstruct much better
#   and give a better ELBO, but samples from the prior are only as good as the aggregate posterior's fit to the
#   prior: the decoder is judged by the ELBO only near codes of real digits, and the prior also asks it to draw
#   between them; section 9 measures, at equal training steps, how surely its prior samples are read against
#   samples from real digits' codes, and whether they fall in holes.
# - The projector files let you explore a higher-dimensional latent space interactively.
#
# Next: notebook 06 trains a GAN, a generator with no encoder and no likelihood at all.


# %% [markdown] slideshow={"slide_type": "notes"}
# Say: recap in three lines: a VAE is a probabilistic autoencoder trained on the ELBO; the trick and the KL make
# the latent space smooth and samplable; beta and the latent size trade reconstruction against samples.
#
# Point at: the bullet on the aggregate posterior, the idea people most often miss.
#
# Ask the room: "What would you change first to get better samples from the 16-D model?"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Each exercise has a cell to fill in and a check below it. Use NumPy (or `keras.ops`); nothing later in the
# notebook depends on your answers.
#
# ### Exercise 1 · The reparameterisation step (2 points)
#
# Write `reparameterise_with(mean, log_var, eps)` returning the sample $z = \mu + \sigma \odot \varepsilon$ for a
# given noise array `eps` (the same shape as `mean`), where `log_var` holds $\log \sigma^2$.

# %% tags=["exercise"]
def reparameterise_with(mean, log_var, eps):
    """Return z = mean + sigma * eps, where log_var = log(sigma**2)."""
    raise NotImplementedError("turn log_var into a standard deviation, then scale and shift eps")


# %% tags=["solution"]
def reparameterise_with(mean, log_var, eps):  # noqa: F811 (the solution replaces the stub)
    """Return z = mean + sigma * eps, where log_var = log(sigma**2)."""
    return mean + np.exp(0.5 * log_var) * eps


# %% [markdown] tags=["hint"]
# *Hint:* $\sigma = \sqrt{\sigma^2} = \exp(\tfrac12 \log\sigma^2)$; everything is element by element.

# %%
import utils.checks.nb05  # the checkers of this notebook

utils.checks.nb05.check_reparameterise(reparameterise_with);

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three exercises, each with a checker that gives a hint for the usual mistakes: the reparameterisation
# step, the KL of two Gaussians, and the negative ELBO of a batch computed from logits.
#
# Point at: the checker line under each stub; run it once unsolved so the room sees what a hint looks like.
#
# Ask the room: "Exercise 3 uses logits of plus or minus 60. What goes wrong if you compute the loss from
# sigmoid(logits) instead?"

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · The KL divergence of two Gaussians (2 points)
#
# Section 3 had the KL to the standard normal. Write the general case for diagonal Gaussians,
# `kl_gaussians(mean_q, log_var_q, mean_p, log_var_p)` $= \mathrm{KL}(q \,\|\, p)$, one value per row, summed over
# the last axis:
#
# $$\mathrm{KL}\big(\mathcal N(\mu_q, \sigma_q^2) \,\|\, \mathcal N(\mu_p, \sigma_p^2)\big)
#   = \tfrac12 \sum_j \Big[\log\sigma_{p,j}^2 - \log\sigma_{q,j}^2 + \frac{\sigma_{q,j}^2 + (\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1\Big].$$
#
# (With $\mu_p = 0$ and $\log\sigma_p^2 = 0$ it must reduce to `kl_to_prior` of section 3.)

# %% tags=["exercise"]
def kl_gaussians(mean_q, log_var_q, mean_p, log_var_p):
    """Return KL(q || p) for diagonal Gaussians, summed over the last axis."""
    raise NotImplementedError("write the closed form above with NumPy")


# %% tags=["solution"]
def kl_gaussians(mean_q, log_var_q, mean_p, log_var_p):  # noqa: F811 (the solution replaces the stub)
    """Return KL(q || p) for diagonal Gaussians, summed over the last axis."""
    var_q, var_p = np.exp(log_var_q), np.exp(log_var_p)
    return 0.5 * np.sum(log_var_p - log_var_q + (var_q + (mean_q - mean_p) ** 2) / var_p - 1.0, axis=-1)


# %%
utils.checks.nb05.check_kl_gaussians(kl_gaussians);

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · The negative ELBO of a batch (2 points)
#
# Write `neg_elbo_per_image(x, logits, mean, log_var)`: for binary images `x` (shape $N \times P$), decoder logits
# of the same shape, and the encoder's `mean` and `log_var` ($N \times d$), return the one-sample negative ELBO of
# each image in nats, shape $(N,)$: Bernoulli reconstruction summed over pixels plus the KL to $\mathcal N(0, I)$.
# The checker also tries logits of $\pm 60$: compute the reconstruction from the logits, not from $\sigma(\ell)$.

# %% tags=["exercise"]
def neg_elbo_per_image(x, logits, mean, log_var):
    """Return recon + KL for each image (nats), shape (N,)."""
    raise NotImplementedError("sum the per-pixel Bernoulli loss, add the KL to N(0, I)")


# %% tags=["solution"]
def neg_elbo_per_image(x, logits, mean, log_var):  # noqa: F811 (the solution replaces the stub)
    """Return recon + KL for each image (nats), shape (N,)."""
    # −x·log σ(l) − (1 − x)·log(1 − σ(l)) = max(l, 0) − l·x + log(1 + exp(−|l|)), never a log of 0
    recon = np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=-1)
    return recon + kl


# %% [markdown] tags=["hint"]
# *Hint:* $-\log\sigma(\ell) = \log(1 + e^{-\ell})$ and $-\log(1 - \sigma(\ell)) = \log(1 + e^{\ell})$; both are
# `np.logaddexp(0, ±l)`, which never overflows. Sum over the last axis, do not average.

# %%
utils.checks.nb05.check_neg_elbo(neg_elbo_per_image);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - D. P. Kingma, M. Welling, *Auto-Encoding Variational Bayes*, ICLR 2014 ([arXiv:1312.6114](https://arxiv.org/abs/1312.6114)):
#   the VAE, the reparameterisation trick, the manifold figure of section 7.
# - D. P. Kingma, M. Welling, *An Introduction to Variational Autoencoders*, Foundations and Trends in ML 2019
#   ([arXiv:1906.02691](https://arxiv.org/abs/1906.02691)): the ELBO and its gaps, at length.
# - I. Higgins et al., *β-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework*, ICLR 2017.
# - M. D. Hoffman, M. J. Johnson, *ELBO surgery: yet another way to carve up the variational evidence lower bound*,
#   NIPS 2016 Workshop on Advances in Approximate Bayesian Inference: the aggregate posterior and the prior.
# - M. Rosca, B. Lakshminarayanan, S. Mohamed, *Distribution Matching in Variational Inference*, 2018
#   ([arXiv:1802.06847](https://arxiv.org/abs/1802.06847)): holes in the aggregate posterior and poor prior samples.
# - TensorBoard embedding projector: [tensorflow.org/tensorboard/tensorboard_projector_plugin](https://www.tensorflow.org/tensorboard/tensorboard_projector_plugin).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Kingma & Welling for the VAE and its manifold figure; Higgins et al. for beta; Hoffman & Johnson and
# Rosca et al. for why the aggregate posterior, not the prior, decides what the decoder has seen.
#
# Point at: the two Kingma & Welling references; the 2019 introduction is the one to read first.
#
# Ask the room: "Which of these would you read to understand the holes measured in section 9?"

# %%
ctx.save_metrics()
