# %% [markdown] slideshow={"slide_type": "slide"}
# # 04 · Denoising with CNNs: autoencoders, U-Nets and adversarial noise
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/04_denoising_cnn.ipynb) · [Slides](../slides/README.md) · ← previous: [03 · Convolutional networks: seeing images](03_convolutional_networks.ipynb) · next: [05 · Variational autoencoders: a latent space you can walk through](05_vae_latent_space.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - how an autoencoder compresses a 28×28 digit into 32 numbers (≈ 25×) and decodes it again;
# - the lecture's *DenoiserCNN* recipe on colour photos: a `tf.data` pipeline that cuts patches and adds noise;
# - how a plain CNN and a U-Net (down-sampling + skip connections) compare at the same training budget, and how
#   both compare with classical denoisers (non-local means, total variation, wavelets, BM3D) by PSNR and SSIM;
# - the same pipeline for other restorations (down-res, saturation);
# - how a small, deliberately chosen perturbation (FGSM) fools an accurate MNIST classifier.
#
# **Time:** smoke ≈ 20 s · workshop ≈ 1–5 min: 63 s on a quiet 2-core CPU with native bfloat16 (2026-12-01; the plain CNN's 400 steps 8 s, the U-Net's 17 s), 292 s and 303 s on two quiet runs the same day on a slower 2-core machine (59–85 s and about 105 s); a busier or slower CPU takes longer, and the safety caps then cut training short with a printed warning · full ≈ 20 min (CPU) · GPU: helps, not needed

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

ctx = utils.setup("04_denoising_cnn")

# %% [markdown] slideshow={"slide_type": "skip"}
# The imports, and one speed decision: **mixed precision**. Recent hardware (GPUs since NVIDIA Ampere, and
# CPUs with AVX-512 BF16 or AMX) multiplies in `bfloat16` — 16-bit floats with float32's range — faster than in
# float32 (how much depends on the chip: on the 2-core CPU this notebook was timed on, a U-Net training step took
# 33–39 ms in bfloat16 against 55–56 ms in float32). Keras's `mixed_bfloat16` policy computes in bfloat16 but
# keeps the weights (and our models' last layers) in float32. Where the hardware lacks it, bfloat16 would be *slower*, so we ask first.

# %% slideshow={"slide_type": "skip"}
import math
import time
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf
from keras import layers
from skimage import data as skdata
from skimage import img_as_float32
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, denoise_wavelet, estimate_sigma
from sklearn.datasets import load_sample_images

import utils.checks.nb04 as checks
from utils.models import mnist_classifier, unet
from utils.plots import image_grid
from utils.training import TimeBudget, WarmupCosine, cap_warning


def native_bfloat16() -> bool:
    """True where bfloat16 arithmetic is native: an Ampere+ GPU, or a CPU with AVX-512 BF16 / AMX."""
    if ctx.gpu:
        gpu = tf.config.list_physical_devices("GPU")[0]
        return tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0))[0] >= 8
    cpuinfo = Path("/proc/cpuinfo")
    flags = cpuinfo.read_text() if cpuinfo.exists() else ""
    return "avx512_bf16" in flags or "amx_bf16" in flags


tf.get_logger().setLevel("ERROR")  # keep Keras's retracing notices out of the output

if native_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
print("Keras dtype policy:", keras.mixed_precision.global_policy().name)

# Sizes: every number that changes with the mode, in one place
N_TEST = ctx.pick(smoke=500, workshop=10_000, full=10_000)  # MNIST test digits used (sections 1 and 8)
AE_TRAIN = ctx.pick(smoke=512, workshop=60_000, full=60_000)  # training digits for the autoencoder (section 1)
# Budgets are counted in steps, so a slow or busy CPU trains exactly as much, only later; each also has a time
# cap, a safety net set well above the time a 2-core laptop needs (a cell says when a cap cut a run short).
AE_EPOCHS, AE_SECONDS = ctx.pick(smoke=1, workshop=1, full=40), ctx.pick(smoke=5, workshop=40, full=300)
PATCH = ctx.pick(smoke=32, workshop=32, full=64)  # training patch side in pixels (section 2)
TUNING = {  # settings tried for each classical denoiser (section 4); an empty list skips the method
    "non-local means (fast)": ctx.pick(smoke=[0.6], workshop=[0.4, 0.5, 0.6, 0.8], full=[0.4, 0.5, 0.6, 0.8]),
    "non-local means (slow)": ctx.pick(smoke=[], workshop=[], full=[0.6, 0.7, 0.8, 1.0]),
    "total variation": ctx.pick(smoke=[0.1], workshop=[0.06, 0.08, 0.1, 0.12, 0.15], full=[0.06, 0.08, 0.1, 0.12, 0.15]),
    "wavelet (BayesShrink)": ctx.pick(smoke=["db1"], workshop=["db1", "db2", "sym4"], full=["db1", "db2", "sym4"]),
}
STEPS_PER_EPOCH = ctx.pick(smoke=1, workshop=50, full=500)  # training steps between two points of a curve
# The plain CNN and the U-Net get the same number of steps (section 5); the seconds are each run's safety cap.
DENOISER_STEPS = ctx.pick(smoke=2, workshop=400, full=15_000)
DENOISER_SECONDS = ctx.pick(smoke=20, workshop=150, full=3600)
UNET_FILTERS = ctx.pick(smoke=(8, 16), workshop=(32, 64, 128), full=(32, 64, 128))
SR_STEPS, SR_SECONDS = ctx.pick(smoke=2, workshop=50, full=1500), ctx.pick(smoke=20, workshop=45, full=600)
CLF_TRAIN, CLF_EPOCHS = ctx.pick(smoke=512, workshop=30_000, full=60_000), ctx.pick(smoke=1, workshop=1, full=3)
CLF_SECONDS = ctx.pick(smoke=20, workshop=60, full=300)  # the MNIST classifier attacked in section 8
EPSILONS = ctx.pick(smoke=[0.0, 0.1, 0.3], workshop=[0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
                    full=[0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4])
N_ATTACK = ctx.pick(smoke=500, workshop=1000, full=10_000)  # test digits attacked at each ε

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The autoencoder: compression by a bottleneck
#
# An autoencoder is two networks trained as one. The **encoder** $f$ squeezes an image $x$ into a short code
# $z = f(x)$, the **decoder** $g$ rebuilds it, and the loss only asks for the copy to be faithful, pixel by pixel:
#
# $$\mathcal L = \frac{1}{N}\sum_{i=1}^{N} \ell\bigl(x_i,\, g(f(x_i))\bigr), \qquad \text{e.g. }
# \ell(x, \hat x) = \lVert x - \hat x \rVert^2 .$$
#
# Copying would be trivial, but the code has only 32 numbers for 28 × 28 = 784 pixels, a compression factor of
# $784 / 32 \approx 25\times$. To pass that bottleneck the network must learn what digits have in common (strokes,
# loops) and keep only what tells one digit from another.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: an autoencoder is a copy machine with a narrow waist: 784 pixels in, 32 numbers in the middle, 784 out.
# The loss only asks for a faithful copy; the bottleneck is what forces it to learn what digits share.
# Point at: the reconstructions under the originals: the shape survives, the pen's texture does not.
# Ask the room: what would happen with a 784-number code, no bottleneck at all?

# %%
(x_train, y_train), (x_test, y_test) = utils.data.load_mnist()
x_train = x_train.astype("float32")[..., None] / 255.0  # (60000, 28, 28, 1) in [0, 1]
x_test = x_test.astype("float32")[..., None] / 255.0
x_test, y_test = x_test[:N_TEST], y_test[:N_TEST]
CODE_SIZE = 32
print(f"{x_train.shape[0]:,} training digits; compression 784 / {CODE_SIZE} = {784 / CODE_SIZE:.1f}×")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The lecture's network is fully connected, like the regression MLP of notebook 01 but with 784 outputs: a sigmoid
# keeps every pixel in [0, 1]. For such outputs the usual $\ell$ is binary cross-entropy per pixel,
# $-x \log \hat x - (1 - x)\log(1 - \hat x)$: like the squared error it is smallest at $\hat x = x$, but its
# gradient does not vanish when the sigmoid saturates. We report the squared error (MSE) alongside.

# %%
encoder = keras.Sequential(
    [keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(128, activation="relu"),
     layers.Dense(CODE_SIZE, activation="relu", name="code")], name="encoder")
decoder = keras.Sequential(
    [keras.Input((CODE_SIZE,)), layers.Dense(128, activation="relu"),
     layers.Dense(784, activation="sigmoid", dtype="float32"), layers.Reshape((28, 28, 1))], name="decoder")
autoencoder = keras.Sequential([encoder, decoder], name="autoencoder")
autoencoder.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy", metrics=["mse"])
ae_history = autoencoder.fit(x_train[:AE_TRAIN], x_train[:AE_TRAIN], batch_size=256,
                             epochs=AE_EPOCHS, verbose=2, callbacks=[TimeBudget(AE_SECONDS)])

# %%
codes = np.asarray(encoder(x_test, training=False), dtype="float32")
reconstructed = np.asarray(decoder(codes, training=False), dtype="float32")
ae_mse = float(np.mean((reconstructed - x_test) ** 2))
print(f"code shape {codes.shape}, test reconstruction MSE {ae_mse:.4f} ({10 * np.log10(1 / ae_mse):.1f} dB PSNR)")
mean_digit_mse = float(np.mean((x_test - x_train.mean(axis=0)) ** 2))  # baseline: always draw the average digit
print(f"the average digit, drawn for every test digit, has MSE {mean_digit_mse:.4f}")
ctx.log_metric("ae_test_mse", ae_mse, target=0.5 * mean_digit_mse, baseline=mean_digit_mse, higher_is_better=False)
assert codes.shape == (len(x_test), CODE_SIZE)
assert ae_mse < mean_digit_mse or ctx.smoke, "the autoencoder should beat drawing the average digit"

# %%
fig = image_grid(np.concatenate([x_test[:10], reconstructed[:10]]),
                 labels=[f"original {d}" for d in y_test[:10]] + [f"from {CODE_SIZE} numbers" for _ in range(10)],
                 ncols=10, vmin=0, vmax=1,
                 title=f"Autoencoder: test digits (top) and their reconstructions from a {CODE_SIZE}-number code")
ctx.savefig(fig, "autoencoder_reconstructions")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The reconstructions are blurrier than the originals: the 32 numbers keep the shape of the digit and drop the
# detail of the pen stroke. The rest of this notebook turns that around: instead of *compressing* an image we
# ask a network to *remove* something from it — noise.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The DenoiserCNN recipe on colour photos
#
# For denoising we need pairs (noisy image, clean image). We have no noisy photos, so we make them: take a clean
# photo $x$ and add **synthetic noise**, white Gaussian with standard deviation $\sigma$ (on the 0–255 scale,
# $\sigma = 25$; we work in [0, 1], so $\sigma = 25/255$), clipped back to the valid range:
#
# $$y = \operatorname{clip}_{[0,1]}(x + n), \qquad n \sim \mathcal N(0, \sigma^2 I).$$
#
# The network then learns the map $y \mapsto x$ with the clean image as ground truth. Photos are large and few, so
# we train on **patches**: every pass cuts each photo into a grid of `PATCH` × `PATCH` squares (32 px in workshop
# mode, 64 px in full mode) after a random shift, flip and
# quarter-turn, which turns six photos into an endless supply of different examples.
#
# The photos ship inside scikit-image and scikit-learn. `chelsea` (a cat) is **held out** for testing; note that
# `skimage.data.cat()` is the very same photo, so it must stay out of training too.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: we have no pairs of noisy and clean photos, so we manufacture them: clean photo, cut patches, add noise,
# all inside tf.data, so every step sees fresh noise. Six photos become an endless stream of examples.
# Point at: the pairs grid: top noisy input, bottom clean target; the cat is held out and never cut into patches.
# Ask the room: why must skimage's cat() stay out of training when the test photo is chelsea()?

# %%
SIGMA = 25 / 255
BATCH = 16
train_photos = {
    "astronaut": skdata.astronaut(), "coffee": skdata.coffee(), "rocket": skdata.rocket(),
    "motorcycle": skdata.stereo_motorcycle()[0], **dict(zip(["china", "flower"], load_sample_images().images)),
}
train_photos = {name: img_as_float32(photo) for name, photo in train_photos.items()}
clean_test = img_as_float32(skdata.chelsea())
if ctx.smoke:  # a small crop keeps the classical denoisers fast in smoke mode
    clean_test = clean_test[100:164, 150:246]
DETAIL = (slice(60, 140), slice(150, 270)) if not ctx.smoke else (slice(0, 64), slice(0, 96))  # for close-ups
assert not any(np.array_equal(photo, img_as_float32(skdata.cat())) for photo in train_photos.values())
rng = np.random.default_rng(ctx.seed)
noisy_test = np.clip(clean_test + rng.normal(0, SIGMA, clean_test.shape), 0, 1).astype("float32")
print({name: photo.shape for name, photo in train_photos.items()}, "test:", clean_test.shape)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The lecture's two pipeline steps (its reference code names them), `extractPatches` and `addNoise`, as
# TensorFlow functions that `tf.data` can `map` over. Noise is drawn inside the pipeline, so every epoch sees fresh noise on every patch.

# %%
def extract_patches(photo, size=PATCH):
    """The lecture's extractPatches: random flip, quarter-turn and shift, then a grid of size×size patches."""
    photo = tf.image.random_flip_left_right(photo)
    photo = tf.image.rot90(photo, k=tf.random.uniform([], 0, 4, dtype=tf.int32))
    shift = tf.random.uniform([2], 0, size, dtype=tf.int32)
    photo = photo[shift[0]:, shift[1]:]
    patches = tf.image.extract_patches(photo[None], sizes=[1, size, size, 1], strides=[1, size, size, 1],
                                       rates=[1, 1, 1, 1], padding="VALID")
    return tf.reshape(patches, [-1, size, size, 3])


def add_noise(clean, sigma=SIGMA):
    """The lecture's addNoise: return the pair (noisy input, clean target)."""
    noisy = clean + tf.random.normal(tf.shape(clean), stddev=sigma)
    return tf.clip_by_value(noisy, 0.0, 1.0), clean


def patch_pipeline(make_pair, photos=train_photos, batch=BATCH):
    """photos → patches → (input, target) pairs, shuffled, batched and prefetched; repeats forever."""
    return (tf.data.Dataset.from_generator(lambda: iter(photos.values()),
                                           output_signature=tf.TensorSpec((None, None, 3), tf.float32))
            .cache()                # decode the photos once, keep them in memory
            .repeat()
            .map(extract_patches, num_parallel_calls=tf.data.AUTOTUNE)
            .unbatch()              # one element per patch
            .shuffle(2000, seed=ctx.seed)
            .map(make_pair, num_parallel_calls=tf.data.AUTOTUNE)
            .batch(batch)
            .prefetch(tf.data.AUTOTUNE))  # prepare the next batch while the model trains


noise_data = patch_pipeline(add_noise)
noisy_batch, clean_batch = next(iter(noise_data))
print("one batch:", noisy_batch.shape, clean_batch.shape)
assert noisy_batch.shape == (BATCH, PATCH, PATCH, 3)
assert abs(float(tf.math.reduce_std(noisy_batch - clean_batch)) - SIGMA) < 0.03  # clipping shrinks it a little

# %%
fig = image_grid(np.concatenate([noisy_batch[:8], clean_batch[:8]]), ncols=8,
                 labels=["noisy input"] * 8 + ["clean target"] * 8,
                 title=f"Training pairs from the pipeline ({PATCH}×{PATCH} patches, σ = 25/255)")
ctx.savefig(fig, "training_patches")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · Shot noise (2 points)
#
# Real camera noise is not only Gaussian: light arrives in photons, and a pixel that expects $\lambda$ photons
# counts a Poisson number of them, with mean **and variance** $\lambda$. With `peak` photons for a white pixel,
#
# $$y = \frac{\operatorname{Poisson}(\text{peak}\cdot x)}{\text{peak}}, \qquad \mathbb E[y] = x, \quad
# \operatorname{Var}[y] = \frac{x}{\text{peak}},$$
#
# so dark regions are *less* noisy in absolute terms. Write `add_poisson_noise(clean, peak=30.0)` that returns
# the pair `(noisy, clean)` like `add_noise` above, with the noisy image clipped to [0, 1]. NumPy
# (`np.random.poisson`) or TensorFlow (`tf.random.poisson`) both pass the checker; only a TensorFlow version can
# run inside the `tf.data` pipeline (a further exercise at the end asks for that).

# %% tags=["exercise"]
def add_poisson_noise(clean, peak=30.0):
    raise NotImplementedError("draw photon counts ~ Poisson(peak · clean) and divide by peak")


# %% tags=["solution"]
def add_poisson_noise(clean, peak=30.0):
    counts = np.random.poisson(peak * np.asarray(clean, dtype=np.float64))
    return np.clip(counts / peak, 0.0, 1.0).astype("float32"), clean


# %%
checks.check_add_poisson_noise(add_poisson_noise);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Measuring quality: PSNR and SSIM
#
# The **peak signal-to-noise ratio** compares the mean squared error with the largest possible pixel value
# $\text{MAX}$ (1 for images in [0, 1]), on a log scale:
#
# $$\text{PSNR} = 10 \log_{10} \frac{\text{MAX}^2}{\text{MSE}}\ \text{dB}, \qquad
# \text{MSE} = \frac{1}{HWC}\sum_{h,w,c} (x_{hwc} - \hat x_{hwc})^2 .$$
#
# Every halving of the MSE adds 3 dB; at σ = 25/255 the noisy photo sits near 20 dB. PSNR ignores *where* the
# errors are, so we also report **SSIM** (structural similarity, Wang et al. 2004), which compares local means,
# contrasts and correlations in small windows and is 1 for a perfect copy.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: PSNR is the squared error on a log scale: +3 dB halves the error, +6 dB quarters it. SSIM looks at local
# structure instead, so we report both. Every method goes through one scoring function, so none is favoured.
# Point at: the noisy input's line: about 20 dB, SSIM near 0.3 — the number every method must improve.
# Ask the room: two images with the same PSNR can look very different: how?

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · PSNR by hand (2 points)
#
# Write `psnr(clean, estimate)` in NumPy for images in [0, 1], following the formula above. The notebook itself
# uses `skimage.metrics.peak_signal_noise_ratio` and cross-checks it with the formula.

# %% tags=["exercise"]
def psnr(clean, estimate):
    raise NotImplementedError("10 · log10(MAX² / MSE) with MAX = 1")


# %% tags=["solution"]
def psnr(clean, estimate):
    mse = np.mean((np.asarray(clean, dtype=float) - np.asarray(estimate, dtype=float)) ** 2)
    return 10 * np.log10(1.0 / mse)


# %%
checks.check_psnr(psnr);

# %% [markdown] slideshow={"slide_type": "subslide"}
# All results go through one function, so every method is scored the same way: PSNR and SSIM from scikit-image
# (`data_range=1`, colour channels last) and the wall time it took per image.

# %%
results = []


def score(method, estimate, seconds, setting=""):
    """PSNR/SSIM of an estimate of the held-out photo; stored in ``results`` for the final table."""
    estimate = np.clip(estimate, 0, 1)
    row = {"method": method, "setting": setting,
           "PSNR (dB)": peak_signal_noise_ratio(clean_test, estimate, data_range=1),
           "SSIM": structural_similarity(clean_test, estimate, data_range=1, channel_axis=-1),
           "time per image (s)": seconds}
    own_psnr = 10 * np.log10(1.0 / np.mean((clean_test.astype(float) - estimate) ** 2))
    assert abs(own_psnr - row["PSNR (dB)"]) < 1e-3, "scikit-image and the formula disagree"
    results.append(row)
    return row


noisy_row = score("noisy input", noisy_test, 0.0)
print(f"noisy input: {noisy_row['PSNR (dB)']:.2f} dB, SSIM {noisy_row['SSIM']:.3f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Classical denoisers (no learning)
#
# Three classics from `skimage.restoration`, each with one strength knob:
#
# - **Non-local means** (Buades et al. 2005): each pixel becomes a weighted average of pixels whose *surrounding
#   patch* looks alike, anywhere within a search window, with weights $e^{-d^2/h^2}$ for patch distance $d$.
#   The filter strength $h$ is set relative to the noise level $\hat\sigma$, which `estimate_sigma` measures
#   from the noisy photo itself. `fast_mode` uses a box-shaped patch comparison; the slow mode a Gaussian one
#   (only full mode tries it: it costs many times more per setting, and full mode's table shows whether it pays).
# - **Total variation** (Rudin, Osher & Fatemi 1992; Chambolle's solver): the image closest to the noisy one whose
#   summed gradient magnitude $\sum |\nabla \hat x|$ is small, traded off by a `weight`: flat regions, sharp edges.
# - **Wavelet shrinkage** (BayesShrink, Chang et al. 2000): in a wavelet basis noise spreads over all
#   coefficients while the image concentrates in a few large ones; shrink the small ones to zero.
#
# To be fair to them we give each its **best case**: its knob is tuned on the held-out photo itself (which a real
# denoiser could not do), over a few values around scikit-image's documented defaults.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three classics, each one fixed idea about images: similar patches repeat (non-local means), edges are
# sparse (total variation), wavelet coefficients are sparse. We tune each knob on the test photo itself —
# an unfair advantage we hand them on purpose. BM3D, the real benchmark, is optional (non-commercial licence).
# Point at: the tuning table — the best setting of each, and how little time they need.
# Ask the room: the networks will never see the test photo; is tuning the classics on it fair?

# %%
sigma_est = float(np.mean(estimate_sigma(noisy_test, channel_axis=-1)))
print(f"estimated noise σ = {sigma_est * 255:.1f}/255 (true 25/255)")
nlm_patch = dict(patch_size=5, patch_distance=6, channel_axis=-1)  # the scikit-image docs' example setting
baselines = {  # method: (denoise(noisy, setting), how to print a setting); the settings tried are in TUNING
    "non-local means (fast)": (lambda y, k: denoise_nl_means(y, h=k * sigma_est, sigma=sigma_est, fast_mode=True,
                                                             **nlm_patch), "h = {}·σ̂"),
    "non-local means (slow)": (lambda y, k: denoise_nl_means(y, h=k * sigma_est, sigma=sigma_est, fast_mode=False,
                                                             **nlm_patch), "h = {}·σ̂"),
    "total variation": (lambda y, k: denoise_tv_chambolle(y, weight=k, channel_axis=-1), "weight = {}"),
    "wavelet (BayesShrink)": (lambda y, k: denoise_wavelet(y, wavelet=k, method="BayesShrink", mode="soft",
                                                           channel_axis=-1, convert2ycbcr=True, rescale_sigma=True),
                              "wavelet {}"),
}
tuning, estimates, best_setting = [], {"noisy input": noisy_test}, {}
for method, (denoise_fn, label) in baselines.items():
    settings = TUNING[method]
    if not settings:
        continue
    best = None
    for setting in settings:
        start = time.perf_counter()
        estimate = denoise_fn(noisy_test, setting)
        seconds = time.perf_counter() - start
        value = peak_signal_noise_ratio(clean_test, np.clip(estimate, 0, 1), data_range=1)
        tuning.append({"method": method, "setting": label.format(setting), "PSNR (dB)": value, "time (s)": seconds})
        if best is None or value > best[0]:
            best = (value, estimate, seconds, label.format(setting))
            best_setting[method] = setting
    score(method, best[1], best[2], best[3])
    estimates[method] = np.clip(best[1], 0, 1)
    print(f"{method:24s} best {best[3]:16s} {best[0]:.2f} dB")
pd.DataFrame(tuning).set_index(["method", "setting"]).round(2)  # every setting tried

# %%
best_baseline = max(results[1:], key=lambda row: row["PSNR (dB)"])
print(f"best classical denoiser of the table: {best_baseline['method']} ({best_baseline['setting']}), "
      f"{best_baseline['PSNR (dB)']:.2f} dB")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The stronger classical baseline: BM3D (optional)
#
# **BM3D** (Dabov et al. 2007) is the classical denoiser that learned ones are measured against. It gathers
# similar patches into 3-D stacks, shrinks each stack in a 3-D transform domain (similar patches make it sparse),
# then repeats with a Wiener filter guided by the first result. Its reference implementation, `bm3d` on PyPI
# (Tampere University), carries a **non-commercial licence**, so it is *not* a course requirement. If you have
# installed it (`pip install bm3d`) the next cell runs it on the same photo and noise draw (`bm3d_rgb`, the
# colour version, profile `"np"`, the true σ = 25/255; it takes tens of seconds on a 2-core CPU). Otherwise it
# adds the figures we measured with it to the table, marked as cited.

# %%
try:
    import bm3d  # optional: licensed for non-commercial use only, not in requirements.txt
except ImportError:
    bm3d = None
BM3D_CITED = {"PSNR (dB)": 32.62, "SSIM": 0.880, "time per image (s)": 50.4}  # measured: see the setting below
if bm3d is not None:
    start = time.perf_counter()
    bm3d_estimate = bm3d.bm3d_rgb(noisy_test, SIGMA, profile="np")
    bm3d_row = score("BM3D", bm3d_estimate, time.perf_counter() - start, 'run here: bm3d_rgb, profile "np"')
    estimates["BM3D"] = np.clip(bm3d_estimate, 0, 1)
elif not ctx.smoke:  # smoke mode tests a crop of the photo, to which the cited figures do not apply
    bm3d_row = {"method": "BM3D", **BM3D_CITED,
                "setting": "cited, not run: bm3d 4.0.3 (non-commercial licence), bm3d_rgb, profile \"np\", this photo "
                           "and noise draw, on a 2-core CPU under load"}
    results.append(bm3d_row)
else:
    bm3d_row = None
if bm3d_row:
    print(f"BM3D ({bm3d_row['setting']}): {bm3d_row['PSNR (dB)']:.2f} dB, SSIM {bm3d_row['SSIM']:.3f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Learning to denoise: a plain CNN and a U-Net
#
# Both networks use **residual learning** (DnCNN, Zhang et al. 2017): rather than drawing the clean image from
# scratch, the network $r_\theta$ predicts the *correction* that removes the noise, and we add it to the input:
#
# $$\hat x = y + r_\theta(y), \qquad \mathcal L(\theta) = \frac{1}{N}\sum_i \lVert y_i + r_\theta(y_i) - x_i \rVert^2 .$$
#
# The noise is simple (small, zero-mean, the same everywhere) while the photo is not, so a network that starts
# near "change nothing" has far less to learn. The squared error above is what PSNR scores, but we *train* with
# the absolute error $\lVert \cdot \rVert_1$ (mean absolute error): its gradient does not fade as the errors
# get small, and restoration networks reach a good PSNR in fewer steps with it (Lim et al. 2017, EDSR; Zhao et
# al. 2017). Few steps is exactly our situation.
#
# - The **plain CNN** stacks 3 × 3 convolutions at full resolution. Each layer widens its view by 2 pixels, so six
#   layers see a 13 × 13 window, and every layer is paid for at every pixel.
# - The **U-Net** (Ronneberger et al. 2015) halves the resolution (max-pooling) once per level below the first,
#   twice for our three levels (32, 64 and 128 channels), then doubles it back up (transposed convolutions). A
#   3 × 3 convolution at 1/4 resolution widens the view by 2 × 4 = 8 pixels while running at only 1/16 of the
#   positions, so the U-Net can afford more channels where the resolution is low.
#   **Skip connections** hand the encoder's fine features straight to the decoder at the same resolution
#   (concatenation), so the detail lost by down-sampling comes back.
#
# Both claims can be counted from the layers, and we count them below rather than trust them. Walking along the
# network, a layer with a $k \times k$ window, at a depth where one of its steps spans $j$ input pixels, widens
# the **receptive field** (how many input pixels an output pixel can depend on) by $(k-1)\,j$; a stride $s$
# multiplies $j$ by $s$ (a transposed convolution with window = stride divides it, without widening the view):
#
# $$r = 1 + \sum_{\ell} (k_\ell - 1)\, j_\ell, \qquad j_\ell = \prod_{i < \ell} s_i .$$
#
# The **cost** of a convolution is $k^2\, C_\text{in}\, C_\text{out}$ multiply-adds per position, and at depth
# $j$ there are $1/j^2$ positions per input pixel.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: both networks predict the correction, not the image (residual learning). The plain CNN sees 13×13
# pixels; the U-Net pools twice and sees several times further, at a higher cost per pixel (the table below
# prints both: its view in pixels, its multiply-adds per pixel against the plain CNN's). Both get the same
# number of training steps, so the curves share one axis; the time cap is only a safety net, and the printed
# line says if it cut a run short.
# Point at: the two training curves, step by step, and the printed gap on the held-out photo.
# Ask the room: with so few steps, which would you bet on — the wide view or the small, easy-to-fit network?

# %% [markdown] slideshow={"slide_type": "subslide"}
# Training has a **step budget** $K$, the same for both networks, so the comparison is fair on any machine; a
# time cap $T$, set well above what a 2-core laptop needs, is only a safety net (a printed warning says when it
# cut a run short). The **learning-rate schedule**: a short linear warm-up over the first $K_w = 100$ steps
# (large steps on a fresh network can blow it up; a run of fewer than 400 steps warms up over its first quarter),
# then a cosine decay to 0 over $K$ steps, or over $T$ seconds
# if the cap comes first:
#
# $$\eta(k, t) = \eta_0 \min\Bigl(1, \frac{k + 1}{K_w}\Bigr)\,\tfrac12\bigl(1 + \cos \pi p\bigr), \qquad
# p = \min\Bigl(1, \max\Bigl(\frac{t}{T}, \frac{k}{K}\Bigr)\Bigr),$$
#
# so even a run that the cap cuts short ends with small, fine-tuning steps. `utils.training.WarmupCosine`
# sets it before every step (notebook 08 uses it too); `TimeBudget` stops training when $T$ is up.

# %% slideshow={"slide_type": "skip"}
def train_restorer(model, dataset, seconds, steps, peak_lr=3e-3, loss="mean_absolute_error"):
    """Adam on the mean absolute error for ``steps`` steps, the schedule over them; ``seconds`` is a safety cap.

    Returns the History, with ``steps`` (optimizer steps taken), ``seconds`` (wall time) and ``capped`` (True
    when the time cap, not the step budget, ended training) added.
    """
    per_epoch = min(STEPS_PER_EPOCH, steps)
    if steps % per_epoch:
        raise ValueError(f"steps={steps} must be a multiple of {per_epoch} (Keras trains whole epochs of steps)")
    model.compile(optimizer=keras.optimizers.Adam(peak_lr), loss=loss, metrics=["mse"])
    cap = TimeBudget(seconds, verbose=False)  # cap_warning below says it
    start = time.perf_counter()
    history = model.fit(dataset, steps_per_epoch=per_epoch, epochs=steps // per_epoch,
                        verbose=2, shuffle=False,  # the pipeline shuffles already
                        callbacks=[cap, WarmupCosine(peak_lr, seconds, steps, warmup_steps=max(1, min(100, steps // 4)))])
    history.seconds = time.perf_counter() - start
    history.steps = int(model.optimizer.iterations)
    history.capped = cap.stopped_early
    print(f"trained {history.steps} of {steps} steps in {history.seconds:.1f} s "
          f"({1000 * history.seconds / max(history.steps, 1):.0f} ms per step, first step's set-up included)")
    if history.capped:
        cap_warning(seconds, "training", history.steps, steps,
                    consequence="this model is under-trained and its numbers below are worse than a full run's")
    return history


def view_and_cost(model):
    """Receptive field (px) at the coarsest depth and at the output, and multiply-adds per input pixel.

    Walks the layers in order, which for these two networks is the path through the coarsest level.
    """
    r, j, macs, coarsest = 1, 1, 0.0, (1, 1)
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):
            k, s = layer.kernel_size[0], layer.strides[0]
            assert k == s, "only window = stride: each output pixel then comes from one input pixel"
            macs += k * k * layer.input.shape[-1] * layer.filters / j**2
            j //= s
        elif isinstance(layer, layers.Conv2D):
            r += (layer.kernel_size[0] - 1) * j
            macs += layer.kernel_size[0] ** 2 * layer.input.shape[-1] * layer.filters / j**2
        elif isinstance(layer, layers.MaxPooling2D):
            r += (layer.pool_size[0] - 1) * j
            j *= layer.strides[0]
        if j >= coarsest[0]:
            coarsest = (j, r)
    return {"receptive field at the coarsest depth (px)": coarsest[1], "receptive field at the output (px)": r,
            "multiply-adds per pixel": round(macs), "parameters": model.count_params()}


def self_ensemble(denoise_fn, image):
    """Average ``denoise_fn`` over the 8 flips/quarter-turns of ``image``, each undone afterwards."""
    views = []
    for quarter_turns in range(4):
        for flip in (False, True):
            view = np.rot90(image, quarter_turns)[:, ::-1 if flip else 1]
            restored = denoise_fn(np.ascontiguousarray(view))[:, ::-1 if flip else 1]
            views.append(np.rot90(restored, -quarter_turns))
    return np.mean(views, axis=0)


def restore(model, image, multiple=8, ensemble=False):
    """Run a fully convolutional model on a whole photo; returns (restored image, seconds).

    The photo is reflect-padded to a multiple of ``multiple`` (8 covers up to three halvings) and cropped back. ``ensemble=True``
    averages the restorations of the 8 flips/rotations of the photo (explained below).
    """
    def run(x):
        h, w, _ = x.shape
        padded = np.pad(x, ((0, -h % multiple), (0, -w % multiple), (0, 0)), mode="reflect")
        return np.asarray(model(padded[None], training=False), dtype="float32")[0, :h, :w]

    run(image)  # warm-up: the first call sets up the computation
    start = time.perf_counter()
    out = self_ensemble(run, image) if ensemble else run(image)
    return np.clip(out, 0, 1), time.perf_counter() - start

# %% [markdown] slideshow={"slide_type": "subslide"}
# The plain CNN: six 3 × 3 convolutions of 32 channels, the last one producing the 3-channel correction.

# %%
def plain_cnn(depth=6, width=32):
    photo = keras.Input((None, None, 3))
    x = photo
    for _ in range(depth - 1):
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    correction = layers.Conv2D(3, 3, padding="same", dtype="float32")(x)
    return keras.Model(photo, layers.Add(dtype="float32")([photo, correction]), name="plain_cnn")


cnn = plain_cnn()
print("plain CNN:", view_and_cost(cnn))
cnn_history = train_restorer(cnn, noise_data, seconds=DENOISER_SECONDS, steps=DENOISER_STEPS)
cnn_estimate, cnn_seconds = restore(cnn, noisy_test)
estimates["plain CNN"] = cnn_estimate
cnn_row = score("plain CNN", cnn_estimate, cnn_seconds, f"{cnn.count_params():,} params")
print(f"plain CNN: {cnn_row['PSNR (dB)']:.2f} dB")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · A skip connection (2 points)
#
# The decoder's step of a U-Net: upsample the coarse features by 2 with
# `layers.Conv2DTranspose(filters, 2, strides=2, padding="same")`, then **concatenate** the encoder's features of
# the same resolution (`layers.Concatenate()([upsampled, skip])`). Write `up_and_skip(coarse, skip, filters)`
# returning the concatenated tensor. (`utils.models.unet` repeats this at every level.)

# %% tags=["exercise"]
def up_and_skip(coarse, skip, filters):
    raise NotImplementedError("Conv2DTranspose(filters, 2, strides=2), then Concatenate with skip")


# %% tags=["solution"]
def up_and_skip(coarse, skip, filters):
    upsampled = layers.Conv2DTranspose(filters, 2, strides=2, padding="same")(coarse)
    return layers.Concatenate()([upsampled, skip])


# %%
checks.check_up_and_skip(up_and_skip);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The U-Net from `utils.models` (later notebooks reuse it): three resolutions with 32, 64 and 128 channels,
# two convolutions per level, two skip connections, and `residual=True` for the correction added to the input.
# It gets the same training budget as the plain CNN: as many steps as the plain CNN took (all of
# `DENOISER_STEPS`, unless the safety cap stopped it sooner), under the same cap.

# %%
unet_model = unet(filters=UNET_FILTERS, residual=True)
skips = [layer.name for layer in unet_model.layers if layer.name.startswith("skip_")]
print(f"U-Net: skip connections {skips},", view_and_cost(unet_model))
unet_history = train_restorer(unet_model, noise_data, seconds=DENOISER_SECONDS, steps=cnn_history.steps)
unet_estimate, unet_seconds = restore(unet_model, noisy_test)
estimates["U-Net"] = unet_estimate
unet_row = score("U-Net", unet_estimate, unet_seconds, f"{unet_model.count_params():,} params")
print(f"U-Net: {unet_row['PSNR (dB)']:.2f} dB")

# %% [markdown] slideshow={"slide_type": "fragment"}
# An extra at test time, **self-ensembling** (Timofte et al. 2016): the 8 flips and quarter-turns of the photo
# show the network the same cat with differently arranged noise. Undo each transform and average the 8
# restorations: part of the network's errors cancel, at 8 × the inference time. The trick is not specific to
# networks (for wavelets, averaging over shifts is known as "cycle spinning", Coifman & Donoho 1995), so we give
# the two best classical denoisers the same treatment. The fair comparisons are one pass against one pass, and
# ensemble against ensemble.

# %%
ensemble_estimate, ensemble_seconds = restore(unet_model, noisy_test, ensemble=True)
estimates["U-Net ×8 ensemble"] = ensemble_estimate
ensemble_row = score("U-Net ×8 ensemble", ensemble_estimate, ensemble_seconds, "8 flips/rotations averaged")
classical_ensembles = []
for method in ["non-local means (fast)", "wavelet (BayesShrink)"]:
    denoise_fn, label = baselines[method]
    start = time.perf_counter()
    estimate = self_ensemble(lambda y, fn=denoise_fn, k=best_setting[method]: fn(y, k), noisy_test)
    classical_ensembles.append(score(f"{method} ×8 ensemble", estimate, time.perf_counter() - start,
                                     label.format(best_setting[method])))
best_classical_ensemble = max(classical_ensembles, key=lambda row: row["PSNR (dB)"])
print(f"×8 self-ensembles: U-Net {ensemble_row['PSNR (dB)']:.2f} dB, best classical "
      f"({best_classical_ensemble['method']}) {best_classical_ensemble['PSNR (dB)']:.2f} dB")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Plain CNN against U-Net, at the same budget
#
# Both networks saw the same pipeline, the same schedule and the same number of steps (unless a safety cap cut
# the U-Net short: the line below says so). Their training curves share one axis of steps, and the table puts
# the held-out results beside what each network costs. The training patches score lower than the held-out cat
# will: they come from other photos, with more fine texture, and textured patches are harder to denoise.

# %%
fig, ax = plt.subplots()
for name, history in [("plain CNN", cnn_history), ("U-Net", unet_history)]:
    losses = np.array(history.history["mse"])
    steps_done = np.minimum(np.arange(1, len(losses) + 1) * STEPS_PER_EPOCH, history.steps)
    ax.plot(steps_done, 10 * np.log10(1 / losses), marker=".", label=f"{name} ({history.steps} steps)")
ax.set(title=f"Training at the same budget: patch PSNR (mean MSE of the last {STEPS_PER_EPOCH} steps)",
       xlabel="training step", ylabel="PSNR on training patches (dB)")
ax.legend()
ctx.savefig(fig, "training_curves")
plt.show()

same_budget = pd.DataFrame([
    {"network": name, **view_and_cost(model), "steps": history.steps, "training (s)": history.seconds,
     "ms per step": 1000 * history.seconds / max(history.steps, 1), "held-out PSNR (dB)": row["PSNR (dB)"],
     "SSIM": row["SSIM"]}
    for name, model, history, row in [("plain CNN", cnn, cnn_history, cnn_row), ("U-Net", unet_model, unet_history, unet_row)]
]).set_index("network")
architecture_gap = unet_row["PSNR (dB)"] - cnn_row["PSNR (dB)"]
equal_steps = cnn_history.steps == unet_history.steps
budget = f"{unet_history.steps} steps each" if equal_steps else \
    f"NOT equal: {cnn_history.steps} and {unet_history.steps} steps, the U-Net cut short by the {DENOISER_SECONDS} s cap"
if cnn_history.capped or unet_history.capped:
    print(f"⚠ a safety cap cut training short ({budget}; planned: {DENOISER_STEPS} each): read the gap below as a "
          "result of this machine's speed, not of the architectures.")
cost_ratio = same_budget.loc["U-Net", "multiply-adds per pixel"] / same_budget.loc["plain CNN", "multiply-adds per pixel"]
print(f"At the same budget ({budget}), the U-Net is {architecture_gap:+.2f} dB against the plain CNN on the held-out "
      f"photo, at {cost_ratio:.2f} × its multiply-adds per pixel and "
      f"{same_budget.loc['U-Net', 'parameters'] / same_budget.loc['plain CNN', 'parameters']:.0f} × its parameters.")
ctx.log_metric("unet_minus_cnn_psnr", architecture_gap, unit="dB")
cnn_curve, unet_curve = np.array(cnn_history.history["mse"]), np.array(unet_history.history["mse"])
shared = min(len(cnn_curve), len(unet_curve))
cnn_above = float(np.mean(cnn_curve[:shared] < unet_curve[:shared]))  # lower training MSE: higher patch PSNR
print(f"On the training patches the plain CNN's curve lies above the U-Net's at {cnn_above:.0%} of the {shared} "
      f"points both curves have; on the held-out photo the {'U-Net' if architecture_gap > 0 else 'plain CNN'} "
      f"is ahead by {abs(architecture_gap):.2f} dB.")
for losses in (cnn_history.history["loss"], unet_history.history["loss"]):
    assert len(losses) < 2 or losses[-1] < losses[0] or ctx.smoke, "the training loss should fall"
same_budget.style.format(precision=2, thousands=",")

# %% [markdown] slideshow={"slide_type": "fragment"}
# What the counts say: the U-Net's view is several times the plain CNN's 13 px, paid for with more multiply-adds
# per pixel and many more parameters (its low-resolution layers are wide; the line above gives both ratios). What
# the run says is in the
# lines printed above, and it need not favour the U-Net: at a short budget the plain CNN can come out ahead. Two
# reasons are likely when it does: the U-Net has many times the parameters to fit in the same steps, and
# σ = 25 noise is independent from pixel to pixel, so a 13-pixel view already sees most of what removing it needs
# (a wider view matters more for stronger or correlated noise). Whether the U-Net pulls ahead with more steps is
# what full mode (15,000 steps each) measures.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · The comparison
#
# One table on the held-out photo: every classical denoiser at its best tuned setting, BM3D (run here, or cited),
# the two networks, the ×8 self-ensembles, and the wall time per image on this machine (for the networks:
# inference only; their training time is in the table above).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one table, one scoring function: classical at their best tuned setting, BM3D, the two networks, and the
# ×8 self-ensembles compared with each other. The printed lines are the conclusion, not the prose.
# Point at: the U-Net row against the best classical row and against BM3D; then the full-resolution fur.
# Ask the room: what would you need to beat BM3D — more steps, more photos, or a bigger network?

# %%
table = pd.DataFrame(results).set_index("method")
table.style.format({"PSNR (dB)": "{:.2f}", "SSIM": "{:.3f}", "time per image (s)": "{:.2f}"})

# %%
noisy_psnr, unet_psnr = noisy_row["PSNR (dB)"], unet_row["PSNR (dB)"]
best_psnr = best_baseline["PSNR (dB)"]
ctx.log_metric("unet_psnr", unet_psnr, unit="dB", target=best_psnr, baseline=best_psnr, key=True)
ctx.log_metric("unet_ssim", unet_row["SSIM"], target=best_baseline["SSIM"], baseline=best_baseline["SSIM"])
ctx.log_metric("unet_x8_psnr", ensemble_row["PSNR (dB)"], unit="dB", baseline=best_classical_ensemble["PSNR (dB)"])
ctx.log_metric("best_baseline_psnr", best_psnr, unit="dB")
ctx.log_metric("cnn_psnr", cnn_row["PSNR (dB)"], unit="dB", baseline=noisy_psnr)
ctx.log_metric("noisy_psnr", noisy_psnr, unit="dB")


def ahead(gap):
    return f"{abs(gap):.2f} dB {'ahead of' if gap > 0 else 'behind'}"


conclusion = [f"U-Net (one pass): {unet_psnr:.2f} dB, SSIM {unet_row['SSIM']:.3f}; {ahead(unet_psnr - best_psnr)} the "
              f"best of the three classical denoisers in the table ({best_baseline['method']}, {best_psnr:.2f} dB, "
              f"SSIM {best_baseline['SSIM']:.3f}).",
              f"Plain CNN (one pass, same steps): {cnn_row['PSNR (dB)']:.2f} dB; U-Net ×8 ensemble "
              f"{ensemble_row['PSNR (dB)']:.2f} dB, {ahead(ensemble_row['PSNR (dB)'] - best_classical_ensemble['PSNR (dB)'])}"
              f" the best classical ×8 ensemble ({best_classical_ensemble['method']})."]
if bm3d_row:
    ctx.log_metric("bm3d_psnr", bm3d_row["PSNR (dB)"], unit="dB")
    conclusion.append(f"BM3D ({'run here' if bm3d is not None else 'cited'}): {bm3d_row['PSNR (dB)']:.2f} dB, SSIM "
                      f"{bm3d_row['SSIM']:.3f}; the U-Net is {ahead(unet_psnr - bm3d_row['PSNR (dB)'])} it, its ×8 "
                      f"ensemble {ahead(ensemble_row['PSNR (dB)'] - bm3d_row['PSNR (dB)'])} it.")
print("\n".join(conclusion))
# (unless the safety cap cut its training short, which the warning above reports)
assert unet_psnr > noisy_psnr + 1 or ctx.smoke or unet_history.capped, "the U-Net should clean up its noisy input"

# %% [markdown] slideshow={"slide_type": "fragment"}
# How to read it: the classical methods need no training but each encodes one fixed idea of what an image looks
# like (similar patches repeat; edges are sparse; wavelet coefficients are sparse). The U-Net learned its idea
# from six other photos in a short training. Each classical knob was tuned on the test photo itself, which
# flatters them; the networks never saw it. The lines printed above say how this run came out, and they are the
# notebook's conclusion: whether the U-Net beat the three classical denoisers of the table, and by how much, and
# how far it stays from **BM3D, the stronger classical baseline** (run here if installed, else the cited figure).
# The learned denoisers that beat BM3D (DnCNN by about 0.6 dB on grey test images at σ = 25, Zhang et al. 2017)
# train for hours on hundreds of images; ours trains for 400 steps on six (the lines above print how long).

# %% [markdown] slideshow={"slide_type": "subslide"}
# Before and after, **at full resolution** (one image pixel per screen pixel; open the saved PNG to see every
# hair): the clean original, the noisy input, the best classical result and the U-Net's.

# %% slideshow={"slide_type": "skip"}
def full_resolution(images, titles, suptitle, ncols=2, dpi=100):
    """Images side by side, each shown at its native pixel size when saved at ``dpi``."""
    h, w = images[0].shape[:2]
    nrows = math.ceil(len(images) / ncols)
    title_px = 40
    top = 0.4 + title_px / dpi  # inches above the first row: the figure title, then the row's titles
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * w / dpi, (nrows * (h + title_px) - title_px) / dpi + top),
                             dpi=dpi, squeeze=False)
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(suptitle, fontsize=11, y=1 - 0.1 / fig.get_figheight(), va="top")
    fig.subplots_adjust(left=0, right=1, bottom=0, top=1 - top / fig.get_figheight(), wspace=0.01,
                        hspace=title_px / h)
    return fig


def caption(method):
    if method == "clean":
        return "clean original"
    row = next(r for r in results if r["method"] == method)
    return f"{method}\n{row['PSNR (dB)']:.2f} dB · SSIM {row['SSIM']:.3f}"

# %%
estimates["clean"] = clean_test
shown = ["clean", "noisy input", best_baseline["method"], "U-Net"]
fig = full_resolution([estimates[m] for m in shown], [caption(m) for m in shown],
                      f"Held-out photo, Gaussian noise σ = 25/255 (clean original at {clean_test.shape[1]}×"
                      f"{clean_test.shape[0]} px)")
ctx.savefig(fig, "before_after_full_resolution", dpi=100)
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Look closely at the fur, and compare what each method does to it: non-local means averages similar patches,
# so it smooths the fine hair away; the networks keep more of the edges but leave a faint mottled colour noise,
# and none of them gives the fur back. The close-ups below put the plain CNN beside the U-Net, at the same
# budget: a gap of a few tenths of a dB is hard to see.

# %%
# extra code – an enlarged detail of every result
close_ups = ["clean", "noisy input", best_baseline["method"], "plain CNN", "U-Net", "U-Net ×8 ensemble"]
fig = image_grid([estimates[m][DETAIL] for m in close_ups], labels=[caption(m) for m in close_ups], ncols=3, size=3.6,
                 title="A detail of each result, enlarged")
ctx.savefig(fig, "before_after_detail")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · Other things to try: the same pipeline, other damage
#
# Nothing in the recipe is specific to noise: any function that maps a clean patch to a pair
# (damaged input, clean target) trains a restorer. The lecture's two suggestions:
#
# - `saturate`: boost the colour saturation by 1.5 (a network trained on it learns to *undo* an over-saturated
#   photo);
# - `downres`: shrink by a factor and blow back up with nearest-neighbour, i.e. blocky pixels. A network trained on
#   it learns **super-resolution**: to guess the detail that the low resolution lost.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: nothing in the recipe is about noise: swap add_noise for downres and the same pipeline trains a
# super-resolution network. We start from the denoiser's weights and fine-tune briefly.
# Point at: the three PSNRs: blocky input, bicubic, U-Net — and how much of the gain fine-tuning added.
# Ask the room: why is bicubic interpolation such a hard baseline for a two-fold enlargement?

# %%
def saturate(original, factor=1.5):
    """The lecture's saturate: (saturated, original)."""
    return tf.image.adjust_saturation(original, factor), original


def downres(original, factor=2):
    """The lecture's downres: nearest-neighbour down by ``factor`` and back up; (blocky, original)."""
    size = tf.shape(original)[-3:-1]
    small = tf.image.resize(original, size // factor, method="nearest")
    return tf.image.resize(small, size, method="nearest"), original


detail = clean_test[DETAIL]
fig = image_grid([detail, saturate(detail)[0], downres(detail)[0]], ncols=3, size=3.2,
                 labels=["original", "saturate(original)", "downres(original)"],
                 title="The lecture's other pipeline functions: inputs for a restorer (detail of the test photo)")
ctx.savefig(fig, "variants_examples")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# We train one of them, `downres`, on the same photos and test it on the held-out photo. The classical comparison
# is bicubic interpolation from the same low-resolution image. Rather than a fresh network, we start from a copy
# of the trained denoising U-Net (**transfer learning**): its filters already respond to edges and textures, so a
# short training starts from useful features. (This notebook does not train a restorer from random weights to
# compare: that comparison is one of the exercises at the end.)
#
# One change: the loss goes back to the **squared** error. The absolute error is minimised by the *median*
# correction, and after a nearest-neighbour blow-up a quarter of the pixels are exact and flat regions nearly so:
# the median correction is 0 almost everywhere, and an L1-trained network gets stuck at "change nothing". The
# squared error is minimised by the *mean*, which still feels the edges that need fixing.

# %%
downres_data = patch_pipeline(downres)
blocky_test = np.asarray(downres(clean_test)[0])
h, w, _ = clean_test.shape
bicubic_test = np.clip(np.asarray(tf.image.resize(tf.image.resize(clean_test, (h // 2, w // 2), method="nearest"),
                                                  (h, w), method="bicubic")), 0, 1)
denoiser_on_blocky, _ = restore(unet_model, blocky_test)  # the starting point: the denoiser, not yet fine-tuned
sr_model = keras.models.clone_model(unet_model)  # the same architecture...
sr_model.set_weights(unet_model.get_weights())    # ...starting from the denoiser's weights
sr_history = train_restorer(sr_model, downres_data, seconds=SR_SECONDS, steps=SR_STEPS, loss="mse")
sr_test, _ = restore(sr_model, blocky_test)
sr_psnr = {name: peak_signal_noise_ratio(clean_test, image, data_range=1)
           for name, image in [("nearest (input)", blocky_test), ("bicubic", bicubic_test), ("U-Net", sr_test)]}
sr_start_psnr = peak_signal_noise_ratio(clean_test, denoiser_on_blocky, data_range=1)
print({name: round(value, 2) for name, value in sr_psnr.items()},
      f"(the denoiser before fine-tuning: {sr_start_psnr:.2f} dB)")
ctx.log_metric("downres_unet_psnr", sr_psnr["U-Net"], unit="dB", target=sr_psnr["nearest (input)"],
               baseline=sr_psnr["nearest (input)"])
ctx.log_metric("downres_bicubic_psnr", sr_psnr["bicubic"], unit="dB")

# %%
# extra code – the restoration of the held-out photo, enlarged on a detail
zoomed = [image[DETAIL] for image in (blocky_test, bicubic_test, sr_test, clean_test)]
labels = [f"{name}: {value:.2f} dB" for name, value in sr_psnr.items()] + ["original"]
fig = image_grid(zoomed, labels=labels, ncols=4, size=3.2, title="Restoring a 2× down-res'd photo (detail)")
ctx.savefig(fig, "downres_restored")
plt.show()
gap = sr_psnr["U-Net"] - sr_psnr["bicubic"]
print(f"U-Net against bicubic: {gap:+.2f} dB ({'ahead' if gap > 0 else 'behind'}); "
      f"against its blocky input: {sr_psnr['U-Net'] - sr_psnr['nearest (input)']:+.2f} dB, of which "
      f"{sr_start_psnr - sr_psnr['nearest (input)']:+.2f} dB came from the denoiser's weights before any "
      f"fine-tuning and {sr_psnr['U-Net'] - sr_start_psnr:+.2f} dB from {sr_history.steps} steps of fine-tuning.")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the numbers honestly (the line above is this run's, and it splits the gain: how much the denoiser's
# weights gave before fine-tuning, how much the short fine-tuning added). If the restorer stays *behind*
# bicubic interpolation, a likely reason (not tested here) is that it must first learn to smooth the blocks, which
# bicubic does for free, before it can add any detail. Bicubic is a strong baseline for 2× enlargement, and beating
# it takes long training on many photos (SRCNN, Dong et al. 2014; VDSR, Kim et al. 2016, gain 1–3 dB over
# bicubic after hours of training). Two things to try: more steps (full mode gives it 1,500), and the trick those networks use,
# enlarging with **bicubic** instead of nearest-neighbour in `downres`, so the network starts from the bicubic
# answer and only learns the correction (see the exercises at the end).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Adversarial noise: fooling a classifier on purpose
#
# Denoisers remove noise that is *random*. Noise chosen *against* a network is another matter. The **fast gradient
# sign method** (FGSM, Goodfellow, Shlens & Szegedy 2015) takes one step that increases the classifier's loss
# $\mathcal L(\theta, x, y)$ as much as possible while changing no pixel by more than $\varepsilon$:
#
# $$x_{\text{adv}} = \operatorname{clip}_{[0,1]}\bigl(x + \varepsilon \, \operatorname{sign} \nabla_x \mathcal L(\theta, x, y)\bigr).$$
#
# Why so effective: for a roughly linear model $w^\top x$, this step moves the score by $\varepsilon \lVert w
# \rVert_1$, which grows with the number of pixels, so many small changes add up to a large one.
#
# First a classifier to attack: the small CNN from `utils.models` (two convolution + pooling stages, a dense
# layer, 10 logits), trained on MNIST in batches of 64; its learning rate climbs over the first 20 steps to a peak of 3e-3, then
# decays along a cosine, as the denoisers' did.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: denoisers remove random noise; FGSM adds noise chosen against the network — one signed gradient step,
# each pixel moved by at most ε. Many tiny changes add up because the score is roughly linear in the pixels.
# Point at: the accuracy curve falling with ε, and the bottom row of digits we still read at a glance.
# Ask the room: would a denoiser in front of the classifier protect it, if the attacker knows about it?

# %%
classifier = mnist_classifier()
CLF_BATCH, CLF_RATE = 64, 3e-3  # chosen in runs outside this notebook, one epoch on 30,000 digits (469 steps):
# 0.983–0.986 test accuracy over three seeds; batch 128 at 2e-3 (235 steps), this notebook's earlier setting: 0.976
classifier.compile(optimizer=keras.optimizers.Adam(CLF_RATE),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
clf_steps = CLF_EPOCHS * math.ceil(CLF_TRAIN / CLF_BATCH)
clf_cap = TimeBudget(CLF_SECONDS, verbose=False)  # a safety net: the budget is the epochs
classifier.fit(x_train[:CLF_TRAIN], y_train[:CLF_TRAIN], batch_size=CLF_BATCH, epochs=CLF_EPOCHS, verbose=2,
               callbacks=[clf_cap, WarmupCosine(CLF_RATE, CLF_SECONDS, clf_steps, warmup_steps=20)])
if clf_cap.stopped_early:
    cap_warning(CLF_SECONDS, "the classifier", int(classifier.optimizer.iterations), clf_steps,
                consequence="its accuracy below is lower than a full run's")


def predict_labels(model, images, batch=1000):
    """The class the model gives each image (batched, so 10,000 digits fit in memory)."""
    return np.concatenate([np.argmax(model(images[i:i + batch], training=False), axis=1)
                           for i in range(0, len(images), batch)])


clean_accuracy = float(np.mean(predict_labels(classifier, x_test) == y_test))
print(f"clean test accuracy: {clean_accuracy:.4f} (the training accuracy Keras printed above is lower because it is "
      "the average over the whole epoch, its first, untrained steps included)")
ctx.log_metric("clean_accuracy", clean_accuracy, target=0.98)

# %% [markdown] slideshow={"slide_type": "subslide"}
# The attack needs the gradient of the loss with respect to the **input pixels**, not the weights:
# `tf.GradientTape` watching the images gives it.

# %%
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def fgsm(model, images, labels, epsilon):
    """One signed-gradient step of size epsilon that raises the model's loss on (images, labels)."""
    images = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        loss = loss_fn(labels, model(images, training=False))
    step = tf.sign(tape.gradient(loss, images))
    return tf.clip_by_value(images + epsilon * step, 0.0, 1.0)


SMALL, LARGE = 0.1, 0.3  # a small ε, and the large one of Madry et al. (2018)'s MNIST challenge (L∞ budget 0.3)
assert SMALL in EPSILONS and LARGE in EPSILONS
digits, labels = x_test[:N_ATTACK], y_test[:N_ATTACK]
clean_predictions = predict_labels(classifier, digits)
attack_rows = []
for eps in EPSILONS:
    if eps == 0:  # no attack: the clean predictions
        predictions = clean_predictions
    else:
        attacked = np.concatenate([fgsm(classifier, digits[i:i + 1000], labels[i:i + 1000], eps)
                                   for i in range(0, len(digits), 1000)])
        predictions = predict_labels(classifier, attacked)
    attack_rows.append({"ε": eps, "pixels changed by (out of 255)": round(255 * eps),
                        "accuracy": np.mean(predictions == labels),
                        "predictions changed": np.mean(predictions != clean_predictions)})
attacks = pd.DataFrame(attack_rows).set_index("ε")
accuracy_at = attacks["accuracy"].to_dict()
print(f"on the {N_ATTACK:,} attacked test digits the clean accuracy is {accuracy_at[0.0]:.1%} (on all {len(x_test):,}: "
      f"{clean_accuracy:.1%})")
for eps in (SMALL, LARGE):
    print(f"ε = {eps}: every pixel moves by up to {round(255 * eps)}/255; accuracy {accuracy_at[0.0]:.1%} → "
          f"{accuracy_at[eps]:.1%} on those {N_ATTACK:,} digits, {attacks.loc[eps, 'predictions changed']:.1%} "
          "of the predictions changed")
ctx.log_metric("fgsm_accuracy", accuracy_at[LARGE], target=0.20, baseline=clean_accuracy, higher_is_better=False)
ctx.log_metric("fgsm_accuracy_eps_0.1", accuracy_at[SMALL], baseline=clean_accuracy, higher_is_better=False)
if not ctx.smoke:  # wide margins: a one-epoch classifier on a slow laptop still clears them
    assert clean_accuracy > 0.9 or clf_cap.stopped_early, "the classifier should have learned MNIST"
    assert accuracy_at[LARGE] < clean_accuracy - 0.3, "a large FGSM step should cost much of its accuracy"
attacks.rename(index="{:g}".format).style.format({"accuracy": "{:.1%}", "predictions changed": "{:.1%}"})

# %%
fig, ax = plt.subplots()
ax.plot(EPSILONS, [100 * accuracy_at[e] for e in EPSILONS], marker="o")
for eps, style in ((SMALL, ":"), (LARGE, "--")):
    ax.axvline(eps, color="gray", ls=style, label=f"ε = {eps} ({'small' if eps == SMALL else 'large'})")
ax.axhline(10, color="red", ls=":", label="chance (10 %)")
ax.set(title=f"FGSM: accuracy of the MNIST classifier under attack ({N_ATTACK:,} test digits)",
       xlabel="ε (largest change per pixel, fraction of the [0, 1] range)", ylabel="test accuracy (%)")
ax.legend()
ctx.savefig(fig, "fgsm_accuracy_vs_epsilon")
plt.show()

# %%
examples = x_test[:8]
rows = [examples] + [np.asarray(fgsm(classifier, examples, y_test[:8], eps)) for eps in (SMALL, LARGE)]
predicted = [np.argmax(classifier(images, training=False), axis=1) for images in rows]
fig = image_grid(np.concatenate(rows), ncols=8, vmin=0, vmax=1,
                 labels=[f"{name}: {p}" for name, row in zip(["clean", f"ε={SMALL}", f"ε={LARGE}"], predicted)
                         for p in row],
                 title=f"FGSM: test digits (top), attacked with a small ε = {SMALL} (middle) and a large "
                       f"ε = {LARGE} (bottom), with the classifier's predictions")
ctx.savefig(fig, "fgsm_examples")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# ε = 0.3 is a **large** perturbation: every pixel may move by 0.3 × 255 ≈ 76 of 255 grey levels, and the bottom row shows it
# as a visible grey veil over the digit, though to us it is still plainly the same digit. ε = 0.1 (26 grey levels)
# is a fainter speckle. The lines printed above say what each does to the classifier in this run; the curve
# shows how the damage grows with ε, and the red line where chance lies. Accuracy and "predictions changed" need
# not add up to 100 %: a digit the classifier already got wrong can change from one wrong answer to another.
# Would a denoiser in front of the classifier save it? Not for long, by the literature (not tested here): an
# attacker who knows the whole pipeline differentiates through the denoiser too (Athalye, Carlini & Wagner 2018).
# Training on attacked examples (*adversarial training*, Madry et al. 2018) is the standard defence.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - An autoencoder compresses a digit 25× through a 32-number bottleneck; the reconstruction keeps the shape.
# - The DenoiserCNN recipe: clean photos → patches → synthetic noise, all inside a `tf.data` pipeline, and a
#   network trained to predict the correction (residual learning).
# - A U-Net's down-sampling gives it a wide view (counted from its layers: several times the plain CNN's 13 px),
#   and its skip connections carry detail past it. How much that is worth at
#   the same training budget, and where it stands against the classical denoisers and BM3D, is measured, not
#   assumed: the cell below prints what this run found.
# - Swap `add_noise` for `downres` or `saturate` and the same pipeline trains other restorations; a short
#   fine-tuning is measured against its blocky input and against bicubic interpolation, a strong baseline.
# - Gradients that train a network can also attack it: one signed step (FGSM) costs an accurate classifier most
#   of its accuracy at a large ε = 0.3, and some of it already at a small ε = 0.1 (this run's numbers below).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: five ideas — bottleneck, pipeline with synthetic damage, architecture compared at equal budgets against
# honest baselines, the same pipeline for other damage, and gradients as an attack. Recap each with the number
# this run printed.
# Ask the room: which result of today surprised you, and which would you re-run with a larger budget?

# %%
print("\n".join(conclusion))
print(f"Same budget, plain CNN against U-Net: {budget}, U-Net {architecture_gap:+.2f} dB.")
print(f"Down-res: U-Net {sr_psnr['U-Net']:.2f} dB, bicubic {sr_psnr['bicubic']:.2f} dB, "
      f"blocky input {sr_psnr['nearest (input)']:.2f} dB.")
print(f"FGSM: accuracy {clean_accuracy:.1%} clean, {accuracy_at[SMALL]:.1%} at ε = {SMALL}, "
      f"{accuracy_at[LARGE]:.1%} at ε = {LARGE}.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# The three checked exercises sit where their idea is taught: **Exercise 1** (shot noise, `add_poisson_noise`)
# in section 2, **Exercise 2** (`psnr` by hand) in section 3, and **Exercise 3** (`up_and_skip`, the U-Net's
# skip connection) in section 5. Nothing later in the notebook depends on your answers.
#
# Further exercises, without a checker:
#
# - Train the U-Net on a *range* of σ (blind denoising) and test it at σ = 15 and 50.
# - Train on your `add_poisson_noise` instead of `add_noise`, and test on Poisson noise (inside `tf.data` it gets
#   tensors: write it with `tf.random.poisson`, not NumPy).
# - Train `downres` from random weights for the same steps and compare it with the fine-tuned U-Net copy: does
#   starting from the denoiser's filters pay, at this budget?
# - Add BatchNorm to the plain CNN and make it deeper, as DnCNN does; compare at the same budget again.
# - In `downres`, enlarge with `method="bicubic"` instead of nearest-neighbour, so the network starts from the
#   bicubic answer and only learns the correction; train it from scratch and compare with bicubic.
# - Attack with several small FGSM steps, each projected back into the ε-ball (PGD, Madry et al. 2018).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three checked exercises sit where their idea was taught; the list here is for home: blind denoising,
# Poisson noise in tf.data, downres from scratch, DnCNN's BatchNorm, PGD.
# Ask the room: which of these needs the most compute, and which could you run on this laptop tonight?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016: ch. 9 (convolutional networks),
#   ch. 14 (autoencoders), ch. 7.13 (adversarial examples).
# - K. Zhang, W. Zuo, Y. Chen, D. Meng, L. Zhang, "Beyond a Gaussian Denoiser: Residual Learning of Deep CNN for
#   Image Denoising" (DnCNN), *IEEE Trans. Image Processing* 26(7), 2017: residual learning, and a CNN that beats
#   BM3D after training on hundreds of images.
# - O. Ronneberger, P. Fischer, T. Brox, "U-Net: Convolutional Networks for Biomedical Image Segmentation",
#   MICCAI 2015 (arXiv:1505.04597).
# - K. Dabov, A. Foi, V. Katkovnik, K. Egiazarian, "Image Denoising by Sparse 3-D Transform-Domain Collaborative
#   Filtering" (BM3D), *IEEE Trans. Image Processing* 16(8), 2007; the `bm3d` package: Y. Mäkinen, L. Azzari,
#   A. Foi, "Collaborative Filtering of Correlated Noise", *IEEE Trans. Image Processing* 29, 2020.
# - A. Buades, B. Coll, J.-M. Morel, "A non-local algorithm for image denoising", CVPR 2005; L. Rudin, S. Osher,
#   E. Fatemi, "Nonlinear total variation based noise removal algorithms", *Physica D* 60, 1992.
# - W. Luo, Y. Li, R. Urtasun, R. Zemel, "Understanding the Effective Receptive Field in Deep Convolutional
#   Neural Networks", NeurIPS 2016: the receptive field counted here is an upper bound; the pixels that matter
#   cluster near its centre.
# - Z. Wang, A. Bovik, H. Sheikh, E. Simoncelli, "Image Quality Assessment: From Error Visibility to Structural
#   Similarity" (SSIM), *IEEE Trans. Image Processing* 13(4), 2004.
# - I. Goodfellow, J. Shlens, C. Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015 (FGSM);
#   A. Madry et al., "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR 2018 (PGD);
#   A. Athalye, N. Carlini, D. Wagner, "Obfuscated Gradients Give a False Sense of Security", ICML 2018 (why
#   defences such as a denoiser in front of the classifier fail against an attacker who knows them).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: DnCNN and U-Net are the two papers behind section 5; BM3D the baseline to beat; Goodfellow et al. and
# Madry et al. for attacks and defences. Next notebook: variational autoencoders, the bottleneck made probabilistic.
# Ask the room: what would you read first, and why?

# %% slideshow={"slide_type": "skip"}
ctx.save_metrics()  # metrics.json, read by the course report
