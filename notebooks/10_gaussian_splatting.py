# %% [markdown] slideshow={"slide_type": "slide"}
# # 10 · Gaussian splatting: a differentiable renderer that learns a scene
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/10_gaussian_splatting.ipynb) · [Slides](../slides/README.md) · ← previous: [09 · Diffusion models: from noise to digits](09_diffusion.ipynb)
# <!-- nav:end -->
#
# **You will learn:**
# - what a 3-D Gaussian splat is (position, covariance, colour, opacity) and why the covariance is built from
#   a scale and a rotation;
# - how a splatting renderer works: project every Gaussian (EWA), sort by depth, blend front to back, one tile
#   of pixels at a time, and why every step of it is differentiable;
# - to fit a photo with 2-D Gaussians, then to learn a 3-D scene from photos with known cameras, starting from
#   a sparse point cloud, with densification (clone, split) and pruning;
# - to judge the result on views the training never saw (PSNR, SSIM), and how NeRF differs.
#
# **Time:** smoke ≈ 15 s · workshop ≈ 3.5 min (215 s measured on a quiet 2-core CPU, 2026-12-01) · full ≈ 22 min (CPU) · GPU: not needed (it speeds up full mode)
#
# Everything runs on a CPU: there is no CUDA rasteriser here. The renderer is plain TensorFlow, written in the
# package `utils/splatting/` (one module per job: covariances, cameras, rasteriser, model, scene, training), so
# that the tests can import it; this notebook shows each of its functions, with the math, before using it.

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

ctx = utils.setup("10_gaussian_splatting")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The idea: a scene made of fuzzy, coloured, see-through blobs
#
# The lecture's definition: a Gaussian splat has
# - a **position** $\mu \in \mathbb R^3$ (where it is),
# - a **covariance** $\Sigma \in \mathbb R^{3\times 3}$ (how it is stretched and turned),
# - a **colour** $c$ (RGB),
# - an **opacity** $o \in (0, 1)$ (how much light it stops, the "alpha").
#
# A scene is a few thousand (or millions of) them. To **render** a view:
# 1. project each Gaussian into the image: it becomes a 2-D Gaussian (an ellipse);
# 2. sort them by depth;
# 3. for each pixel, blend them **front to back**:
#
# $$C = \sum_{i=1}^{n} c_i\,\alpha_i\,T_i + T_{n+1}\,c_{\text{bg}},\qquad
#   T_i = \prod_{j<i} (1-\alpha_j),\qquad
#   \alpha_i = o_i \exp\!\big(-\tfrac12\,d_i^\top \Sigma_i'^{-1} d_i\big),$$
#
# where $d_i$ is the offset from the splat's projected centre to the pixel and $\Sigma_i'$ its 2-D covariance.
# $T_i$ is the **transmittance**, the fraction of light that gets past the splats in front of splat $i$.
#
# To **learn** a scene (the lecture's five steps): start from a point cloud that Structure-from-Motion (SfM)
# estimated from the photos, put a Gaussian on each point, then repeat: render a training view, compare with the
# photo, follow the gradient to adjust every parameter, and now and then **densify** (clone or split Gaussians
# where the image is still wrong) and **prune** (drop the useless ones). The renderer must therefore be
# *differentiable*: fast, and with a gradient for every parameter.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a scene as a cloud of fuzzy, coloured, see-through blobs. Rendering = project, sort by depth, blend
# front to back; learning = render a training photo, compare, follow the gradient, now and then add or drop blobs.
# Point at: the blending sum, C = Σ c α T: each splat adds its colour in proportion to the light that still gets through.
# Ask the room: why must the renderer be differentiable for this to learn anything?

# %%
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import skimage.data
import skimage.transform
import tensorflow as tf
from IPython.display import Image, display
from matplotlib.patches import Ellipse
from tqdm import TqdmWarning

warnings.filterwarnings("ignore", category=TqdmWarning)  # without ipywidgets, tqdm.auto falls back to text bars
from tqdm.auto import tqdm

import utils.checks.nb10
import utils.splatting as sp
from utils.training import cap_warning

# XLA compiles the training steps: slow to compile, about twice as fast to run. Smoke mode runs a few steps
# only, so there it runs them eagerly.
JIT = not ctx.smoke
rng = np.random.default_rng(ctx.seed)

# %% [markdown] slideshow={"slide_type": "skip"}
# **Sizes.** Every size, budget and target of the notebook, per mode: smoke proves the code runs in seconds,
# workshop fits a few minutes on a laptop CPU, full trains longer for better results. Later cells use these names.

# %%
# Part 1 · fit a photo with 2-D Gaussians
SIZE_2D = ctx.pick(smoke=32, workshop=128, full=128)  # the photo, pixels per side
N_2D = ctx.pick(smoke=64, workshop=1500, full=4000)  # Gaussians
# Workshop budgets are steps (its curves flatten by then), so a busy CPU learns as much, only later; the seconds
# are a safety cap well above what a 2-core laptop needs. Full mode trains for its seconds.
MAX_STEPS_2D = ctx.pick(smoke=3, workshop=250, full=100_000)
SECONDS_2D = ctx.pick(smoke=20, workshop=60, full=180)  # wall-clock cap of the fit
TARGET_PSNR_2D = 28  # dB: reported as met or not, never asserted
# Part 2 · learn a 3-D scene
SIZE_3D = ctx.pick(smoke=32, workshop=64, full=96)  # views, pixels per side
N_TRAIN = ctx.pick(smoke=8, workshop=32, full=64)  # training views (more views, less over-fitting)
N_TEST = ctx.pick(smoke=2, workshop=6, full=8)  # held-out views
N_POINTS = ctx.pick(smoke=200, workshop=1000, full=2000)  # the point cloud: one Gaussian each at the start
CAPACITY = ctx.pick(smoke=400, workshop=4000, full=12000)  # slots for densification (a fixed shape, see section 8)
MAX_STEPS_3D = ctx.pick(smoke=3, workshop=1600, full=1_000_000)
SECONDS_3D = ctx.pick(smoke=20, workshop=240, full=1080)  # wall-clock cap of the training loop
K_3D = ctx.pick(smoke=64, workshop=256, full=256)  # each 4×4 tile blends its K_3D nearest Gaussians ...
COARSE_K_3D = ctx.pick(smoke=128, workshop=512, full=512)  # ... among the COARSE_K_3D nearest of its 8×8 tile
GRAD_THRESHOLD_3D = ctx.pick(smoke=2.2e-3, workshop=2.2e-3, full=1.6e-3)  # full: densify more
OPACITY_RESETS = ctx.pick(smoke=(), workshop=(0.3,), full=(0.2, 0.4))  # fractions of the run
TARGET_PSNR_3D = ctx.pick(smoke=27, workshop=27, full=32)  # dB on the held-out views: reported, never asserted
# speed (section 10) and the orbit (section 11)
TIMING_N = ctx.pick(smoke=[200], workshop=[1000, 4000, 16000], full=[1000, 4000, 16000, 64000])
DENSE_N = ctx.pick(smoke=[200], workshop=[250, 1000], full=[250, 1000, 2000])
TIMING_SIZES = ctx.pick(smoke=[32], workshop=[32, 64, 128], full=[64, 96, 128])
N_FRAMES = ctx.pick(smoke=4, workshop=36, full=72)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Part 1: 2-D Gaussians
#
# In the plane, a Gaussian with centre $\mu$ and covariance $\Sigma$ gives pixel $x$ the weight
#
# $$G(x) = \exp\!\big(-\tfrac12 (x-\mu)^\top \Sigma^{-1} (x-\mu)\big).$$
#
# Its level sets are ellipses. $\Sigma$ must be symmetric positive definite, and gradient descent on its four
# entries would soon break that. So we never learn $\Sigma$ directly: we learn two **scales** $s_1, s_2$ and an
# **angle** $\theta$ and build
#
# $$\Sigma = R(\theta)\,\mathrm{diag}(s_1^2, s_2^2)\,R(\theta)^\top,\qquad
#   R(\theta) = \begin{pmatrix}\cos\theta & -\sin\theta\\ \sin\theta & \cos\theta\end{pmatrix},$$
#
# an ellipse with standard deviations $s_1, s_2$ along its axes, turned by $\theta$: valid for *any* parameter values. (We store
# $\log s$, so scales stay positive too.)
#
# The renderer needs $\Sigma^{-1}$, the **conic** $\begin{pmatrix}a & b\\ b & c\end{pmatrix}$, so that the exponent is
# $q = a\,dx^2 + 2b\,dx\,dy + c\,dy^2$, and the box outside which a splat is too faint to matter: 3DGS skips
# $\alpha < 1/255$, i.e. $q > 2\ln(255\,o)$, and we also stop at $3\sigma$ ($q \le 9$). The bounding box of
# that ellipse has half-widths $k\sqrt{\Sigma_{xx}}$ and $k\sqrt{\Sigma_{yy}}$ with
# $k = \min\big(3, \sqrt{2\ln(255\,o)}\big)$: faint splats get small boxes.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: never learn the covariance directly: learn scales and an angle, and build Σ = R S² Rᵀ, valid for any
# values. The reference loop is slow on purpose: it is the answer the fast renderer is checked against.
# Point at: the two blends of the same three splats: only the order changed, yet the picture did.
# Ask the room: which parameter choice would make Σ invalid if we learned its four entries directly?

# %%
utils.plots.show_code(sp.covariance_2d, sp.conic_and_extent)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Blending, the slow and obviously correct way
#
# The loop below blends a pixel the way the 3DGS CUDA kernel does: walk through the splats from front to back,
# skip those too faint here (or beyond $3\sigma$), add each one's colour weighted by $\alpha_i T_i$, and **stop
# early** once less than $10^{-4}$ of the light would get through (nothing behind can show). $\alpha$ is capped at
# $0.99$ so that $1-\alpha$ never reaches 0. It is our *reference*: slow, but easy to check by eye.

# %%
utils.plots.show_code(sp.render_reference)

# %% [markdown] slideshow={"slide_type": "subslide"}
# Three splats, blended in two orders. The order is all that changes, yet the picture does: whatever is in front
# hides what is behind, in proportion to its opacity.

# %%
demo_means = np.array([[14.0, 16.0], [22.0, 14.0], [18.0, 22.0]])
demo_cov = sp.covariance_2d(tf.constant([[7.0, 3.0], [6.0, 4.0], [5.0, 5.0]]), tf.constant([0.5, -0.4, 0.0])).numpy()
demo_colours = np.array([[0.9, 0.2, 0.1], [0.1, 0.4, 0.9], [0.2, 0.8, 0.3]])
demo_opacity = np.array([0.9, 0.8, 0.7])
demo_conic, _ = sp.conic_and_extent(tf.constant(demo_cov), tf.constant(demo_opacity))
names = ["red", "blue", "green"]
renders = {  # depth = position in the front-to-back order
    ", ".join(names[i] for i in order): sp.render_reference(demo_means, demo_conic.numpy(), demo_colours,
                                                            demo_opacity, np.argsort(order), [True] * 3, 36, 36,
                                                            (1, 1, 1))
    for order in [(0, 1, 2), (2, 1, 0)]
}

# extra code – the splats as ellipses, and the two blends
fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.3))
sp.plot_ellipses(axes[0], demo_means, demo_cov, demo_colours, demo_opacity)
axes[0].set(xlim=(0, 36), ylim=(36, 0), aspect="equal", title="three splats (2σ ellipses)", xlabel="x (pixels)",
            ylabel="y (pixels)")
for ax, (name, image) in zip(axes[1:], renders.items()):
    ax.imshow(image, extent=(0, 36, 36, 0))
    ax.set(title=f"front to back: {name}", xlabel="x (pixels)")
    ax.grid(False)
fig.tight_layout()
ctx.savefig(fig, "blend_order")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1 · Alpha compositing of a few samples (2 points)
#
# Write `composite(colours, alphas, background)` for **one pixel**: `colours` has shape `(n, 3)`, `alphas` shape
# `(n,)`, both ordered front to back, and `background` is an RGB triple. Return
# $C = \sum_i c_i\,\alpha_i\,T_i + T_{n+1}\,c_{\text{bg}}$ with $T_i = \prod_{j<i}(1-\alpha_j)$ (no cap, no early
# stop: just the formula). NeRF uses exactly this sum along a ray (section 12).

# %% tags=["exercise"]
def composite(colours, alphas, background):
    """Front-to-back alpha compositing of n samples of one pixel: an RGB array of shape (3,)."""
    raise NotImplementedError("keep a running transmittance T, starting at 1")


# %% tags=["solution"]
def composite(colours, alphas, background):  # noqa: F811 (the solution replaces the stub)
    """Front-to-back alpha compositing of n samples of one pixel: an RGB array of shape (3,)."""
    rgb, T = np.zeros(3), 1.0
    for colour, alpha in zip(np.asarray(colours, dtype=float), np.asarray(alphas, dtype=float)):
        rgb += T * alpha * colour
        T *= 1.0 - alpha
    return rgb + T * np.asarray(background, dtype=float)


# %% [markdown] tags=["hint"]
# *Hint:* loop over the samples with a running `T = 1.0`: add `T * alpha * colour`, then multiply `T` by
# `1 - alpha`. Whatever light is left at the end (`T`) shows the background.

# %%
utils.checks.nb10.check_composite(composite);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Fast and differentiable: tiles of pixels
#
# The loop costs $H \cdot W \cdot N$ steps (every pixel, every splat). Blending *every* splat at *every* pixel
# in TensorFlow is just as bad: a 64×64 image with 4,000 splats is 16 million pixel-splat pairs per step, most of
# them zero because a splat covers only a few pixels.
#
# 3DGS cuts the image into **tiles** of 16×16 pixels and gives each tile the list of splats whose box touches it,
# sorted by depth. We do the same with fixed shapes, which TensorFlow (and XLA) needs:
# - each tile keeps its $k$ **nearest** overlapping splats: `tf.math.top_k` on $-\text{depth}$ picks them *and*
#   sorts them front to back. Cost: $H\cdot W\cdot k$, whatever the number of splats;
# - two levels: 8×8 tiles first keep their 512 nearest splats, then each 4×4 tile inside picks its $k = 256$
#   from that short list (small tiles need shorter lists, and `top_k` over a short list is cheap, so the cost
#   hardly grows with the number of splats);
# - blending is vectorised: $T_i = \exp\big(\sum_{j<i}\log(1-\alpha_j)\big)$ is a cumulative sum along the list,
#   and early termination becomes a mask: splat $i$ counts only while $T_i(1-\alpha_i) \ge 10^{-4}$.
#
# The price: if more than $k$ splats overlap a tile, the farthest are dropped (the tile **overflows**). That is
# harmless when the nearest ones already make the tile opaque, and a hole otherwise; `rasterize` reports both.
# Everything else is plain tensor algebra, so `tf.GradientTape` differentiates it end to end.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: blending every splat at every pixel costs pixels × splats; tiles with fixed-length lists of their nearest
# splats make the cost follow the image size. top_k both picks and sorts; the cumulative sum gives T.
# Point at: the printed difference between the fast renderer and the reference: rounding error only.
# Ask the room: what goes wrong in a tile that more than k splats overlap?

# %%
utils.plots.show_code(sp.raster._nearest_overlapping, sp.tile_lists, sp.rasterize)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check:** the tiled renderer must equal the reference loop exactly (up to rounding) on random splats, as long
# as no tile overflows.

# %%
n_check, W_check, H_check = 40, 24, 16
check = {
    "means": rng.uniform([0, 0], [W_check, H_check], (n_check, 2)),
    "cov": sp.covariance_2d(tf.constant(rng.uniform(0.8, 4.0, (n_check, 2))),
                            tf.constant(rng.uniform(0, np.pi, n_check))).numpy(),
    "colours": rng.uniform(0, 1, (n_check, 3)),
    "opacity": rng.uniform(0.05, 0.99, n_check),
    "depth": rng.uniform(1, 5, n_check),
}
conic, extent = sp.conic_and_extent(tf.constant(check["cov"]), tf.constant(check["opacity"]))
check_splats = sp.Footprints(means2d=tf.constant(check["means"]), conics=conic, extents=extent,
                             colours=tf.constant(check["colours"]), opacities=tf.constant(check["opacity"]),
                             depths=tf.constant(check["depth"]), visible=tf.ones(n_check, bool))
fast, info = sp.rasterize(check_splats, W_check, H_check, background=(1.0, 1.0, 1.0), tile=4, k=32, coarse=(8, 40))
slow = sp.render_reference(check["means"], conic.numpy(), check["colours"], check["opacity"], check["depth"],
                           [True] * n_check, W_check, H_check, (1, 1, 1))
print(f"largest difference fast vs reference: {np.abs(fast.numpy() - slow).max():.2e} "
      f"(most splats on a tile: {info['counts'].numpy().max()}, overflowing tiles: {info['overflow'].numpy().sum()})")
assert not info["overflow"].numpy().any() and np.allclose(fast.numpy(), slow, atol=1e-9)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Fit a photo with 2-D Gaussians
#
# Before any 3-D, the renderer can learn a picture: $N$ splats with free centres, scales, angles, colours and
# opacities, fitted by gradient descent to a 128×128 photo. There is no depth in the plane, so each splat gets a
# fixed random layer number that plays the role of depth. The loss is the mean squared error, so we can read
# progress as **PSNR** $= 10\log_{10}(1/\text{MSE})$ in dB (higher is better; +6 dB halves the error).
#
# The parameters live on different scales (centres in pixels, the rest in logits or logs), so each group gets its
# own Adam learning rate. The splats of a photo are small and sit in one layer, so one level of 8×8 tiles with
# lists of 96 is enough here (the fit reports whether any tile overflowed).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: before 3-D, the renderer learns a picture: 1,500 splats, each with its own centre, shape, colour and
# opacity, fitted by Adam to a 128×128 photo. PSNR climbs fast, then slowly.
# Point at: the PSNR curve — read whether it passes the target line — and the ellipse plot: small splats where the photo has detail.
# Ask the room: where in the photo would you expect the splats to be smallest, and why?

# %%
photo = skimage.transform.resize(skimage.data.astronaut(), (SIZE_2D, SIZE_2D), anti_aliasing=True)
photo = photo.astype(np.float32)
start_xy = rng.uniform(0, SIZE_2D, (N_2D, 2))
params_2d = {
    "means": tf.Variable(start_xy, dtype=tf.float32),
    "log_scales": tf.Variable(np.full((N_2D, 2), np.log(0.5 * SIZE_2D / np.sqrt(N_2D))), dtype=tf.float32),
    "angles": tf.Variable(rng.uniform(0, np.pi, N_2D), dtype=tf.float32),
    "colour_logits": tf.Variable(sp.inverse_sigmoid(photo[start_xy[:, 1].astype(int), start_xy[:, 0].astype(int)]),
                                 dtype=tf.float32),
    "opacity_logits": tf.Variable(np.zeros(N_2D), dtype=tf.float32),
}
layer_2d = tf.constant(rng.permutation(N_2D), tf.float32)  # a fixed stacking order stands in for depth
learning_rates_2d = {"means": 0.5, "log_scales": 0.02, "angles": 0.02, "colour_logits": 0.05, "opacity_logits": 0.05}
optimisers_2d = {name: keras.optimizers.Adam(lr) for name, lr in learning_rates_2d.items()}


def render_2d(p):
    """The photo as the splats see it: covariance → conic and box → tiled blending on black."""
    cov = sp.covariance_2d(tf.exp(p["log_scales"]), p["angles"]) + sp.BLUR * tf.eye(2)  # ≥ a pixel wide
    opacity = tf.sigmoid(p["opacity_logits"])
    conic, extent = sp.conic_and_extent(cov, opacity)
    splats = sp.Footprints(means2d=p["means"], conics=conic, extents=extent, colours=tf.sigmoid(p["colour_logits"]),
                           opacities=opacity, depths=layer_2d, visible=tf.ones(N_2D, bool))
    image, info = sp.rasterize(splats, SIZE_2D, SIZE_2D, background=(0.0, 0.0, 0.0), tile=8, k=96,
                               coarse=None)  # small splats on one layer: short lists suffice
    return image, info


def fit_step_2d():
    with tf.GradientTape() as tape:
        mse = tf.reduce_mean((render_2d(params_2d)[0] - photo) ** 2)
    grads = tape.gradient(mse, list(params_2d.values()))
    for (name, variable), grad in zip(params_2d.items(), grads):
        optimisers_2d[name].apply_gradients([(grad, variable)])
    return mse


if JIT:
    fit_step_2d = tf.function(fit_step_2d, jit_compile=True)

psnr_start_2d = sp.psnr(np.clip(render_2d(params_2d)[0].numpy(), 0, 1), photo)
psnr_mean_colour_2d = sp.psnr(np.broadcast_to(photo.mean(axis=(0, 1)), photo.shape), photo)
t0 = time.time()
history_2d = {"step": [1], "psnr": [-10 * np.log10(float(fit_step_2d()))]}  # the first call compiles
print(f"2-D step compiled in {time.time() - t0:.1f} s; PSNR of the random start: {psnr_start_2d:.1f} dB")
start = time.time()
with tqdm(desc="2-D fit", unit=" steps", mininterval=2) as bar:
    while time.time() - start < SECONDS_2D and history_2d["step"][-1] < MAX_STEPS_2D:
        mse = float(fit_step_2d())
        history_2d["step"].append(history_2d["step"][-1] + 1)
        history_2d["psnr"].append(-10 * np.log10(mse))
        bar.update()
        bar.set_postfix(psnr=f"{history_2d['psnr'][-1]:.2f} dB", refresh=False)
seconds_2d = time.time() - start
fit_2d, info_2d = render_2d(params_2d)
fit_2d = np.clip(fit_2d.numpy(), 0, 1)
psnr_2d = sp.psnr(fit_2d, photo)
print(f"{history_2d['step'][-1]} steps in {seconds_2d:.0f} s ({1000 * seconds_2d / len(history_2d['step']):.0f} ms"
      f"/step): PSNR {psnr_2d:.2f} dB (a flat image of the mean colour: {psnr_mean_colour_2d:.2f} dB)")
if history_2d["step"][-1] < MAX_STEPS_2D and ctx.mode != "full":  # in full mode the time is the budget, not a safety cap
    cap_warning(SECONDS_2D, "the fit", history_2d["step"][-1], MAX_STEPS_2D)
print(f"most splats on one 8×8 tile: {info_2d['counts'].numpy().max()} (lists hold 96; "
      f"{info_2d['overflow'].numpy().sum()} tiles overflowed)")

# %%
# extra code – PSNR over the steps, the fit, and the splats drawn as ellipses
fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), gridspec_kw={"width_ratios": [1.4, 1, 1, 1]})
axes[0].plot(history_2d["step"], history_2d["psnr"])
axes[0].axhline(TARGET_PSNR_2D, color="gray", ls="--", label=f"target {TARGET_PSNR_2D} dB")
axes[0].set(title="2-D fit: PSNR over the steps", xlabel="step", ylabel="PSNR (dB)")
axes[0].legend()
cov_2d = (sp.covariance_2d(tf.exp(params_2d["log_scales"]), params_2d["angles"]) + sp.BLUR * tf.eye(2)).numpy()
axes[1].imshow(photo)
axes[1].set_title(f"photo ({SIZE_2D}×{SIZE_2D})")
axes[2].imshow(fit_2d)
axes[2].set_title(f"{N_2D} Gaussians: {psnr_2d:.1f} dB")
axes[3].set_facecolor("black")
sp.plot_ellipses(axes[3], params_2d["means"].numpy(), cov_2d, tf.sigmoid(params_2d["colour_logits"]).numpy(),
                 tf.sigmoid(params_2d["opacity_logits"]).numpy(), sigmas=1.5)
axes[3].set(xlim=(0, SIZE_2D), ylim=(SIZE_2D, 0), aspect="equal", title="the same splats as 1.5σ ellipses")
for ax in axes[1:]:
    ax.set(xlabel="x (pixels)", ylabel="y (pixels)")
    ax.grid(False)
fig.tight_layout()
ctx.savefig(fig, "fit_2d")
plt.show()

# %%
ctx.log_metric("psnr_2d", psnr_2d, unit="dB", target=TARGET_PSNR_2D, baseline=psnr_mean_colour_2d, key=True)
ctx.log_metric("steps_2d", history_2d["step"][-1])
print(f"2-D fit: {psnr_2d:.2f} dB, target {TARGET_PSNR_2D} dB {'met' if psnr_2d >= TARGET_PSNR_2D else 'not met'}")
assert fit_2d.shape == photo.shape
assert psnr_2d > psnr_start_2d, "the fit made the picture worse"
if not ctx.smoke:  # a wide margin over a flat image of the mean colour, which a machine twice as slow still clears
    assert psnr_2d > psnr_mean_colour_2d + 5, "the fit is barely better than a flat image of the mean colour"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Part 2: 3-D Gaussians
#
# In 3-D the same trick keeps $\Sigma$ valid: learn a scale vector $s \in \mathbb R^3$ and a rotation, stored as a
# unit **quaternion** $q = (w, x, y, z)$ (four numbers, no gimbal lock, easy to normalise), and build
#
# $$\Sigma = R\,S\,S^\top R^\top,\qquad S = \mathrm{diag}(s_1, s_2, s_3),\qquad
# R = \begin{pmatrix}
# 1-2(y^2+z^2) & 2(xy-wz) & 2(xz+wy)\\
# 2(xy+wz) & 1-2(x^2+z^2) & 2(yz-wx)\\
# 2(xz-wy) & 2(yz+wx) & 1-2(x^2+y^2)
# \end{pmatrix}.$$
#
# $\Sigma = M M^\top$ with $M = RS$, so $v^\top\Sigma v = \|M^\top v\|^2 \ge 0$ for every $v$: positive
# semi-definite whatever the parameters. Its eigenvectors are $R$'s columns, its eigenvalues $s_i^2$.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the same trick in 3-D: a scale vector and a unit quaternion give Σ = R S Sᵀ Rᵀ, positive semi-definite
# whatever the parameters. The check prints the smallest eigenvalue over a thousand random covariances.
# Ask the room: why a quaternion rather than three Euler angles?

# %%
utils.plots.show_code(sp.quaternion_to_rotation, sp.covariance_3d)

# %%
random_cov = sp.covariance_3d(tf.exp(tf.random.normal((1000, 3), stddev=2.0)), tf.random.normal((1000, 4))).numpy()
eigenvalues = np.linalg.eigvalsh(random_cov)
print(f"1000 random covariances: largest asymmetry {np.abs(random_cov - random_cov.transpose(0, 2, 1)).max():.1e}, "
      f"smallest eigenvalue / largest {np.min(eigenvalues[:, 0] / eigenvalues[:, -1]):.1e} (≥ 0 up to rounding)")
assert np.allclose(random_cov, random_cov.transpose(0, 2, 1)) and np.all(eigenvalues[:, 0] >= -1e-6 * eigenvalues[:, -1])

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · Covariance from scale and rotation (2 points)
#
# Write `covariance_from_scale_rotation(scales, quaternion)` for **one** Gaussian: `scales` has shape `(3,)`,
# `quaternion` is $(w, x, y, z)$ and may not have length 1. Return the $3\times 3$ matrix $\Sigma = R S S^\top R^\top$
# (NumPy is enough).

# %% tags=["exercise"]
def covariance_from_scale_rotation(scales, quaternion):
    """Σ = R S Sᵀ Rᵀ for one Gaussian, shape (3, 3)."""
    raise NotImplementedError("normalise the quaternion, build R, then R @ diag(s²) @ R.T")


# %% tags=["solution"]
def covariance_from_scale_rotation(scales, quaternion):  # noqa: F811
    """Σ = R S Sᵀ Rᵀ for one Gaussian, shape (3, 3)."""
    w, x, y, z = np.asarray(quaternion, dtype=float) / np.linalg.norm(quaternion)
    R = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])
    S = np.diag(scales)
    return R @ S @ S.T @ R.T


# %% [markdown] tags=["hint"]
# *Hint:* divide the quaternion by its norm first, or $R$ is not a rotation. `np.diag(scales)` is $S$; the
# product $S S^\top$ is `np.diag(scales ** 2)`.

# %%
utils.checks.nb10.check_covariance(covariance_from_scale_rotation);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · Projection: from a 3-D to a 2-D Gaussian (EWA splatting)
#
# A camera (OpenCV axes: $x$ right, $y$ down, $z$ forward) maps a world point to camera coordinates
# $p = W\mu + t$ (rotation $W$, translation $t$), then to the pixel
#
# $$u = f\,\frac{p_x}{p_z} + c_x,\qquad v = f\,\frac{p_y}{p_z} + c_y .$$
#
# This map is not linear, so a 3-D Gaussian does not project to an exact 2-D Gaussian. EWA splatting
# (Zwicker et al., 2002) linearises it at the Gaussian's centre, with the **Jacobian**
#
# $$J = \frac{\partial(u, v)}{\partial(p_x, p_y, p_z)} =
# \begin{pmatrix} f/p_z & 0 & -f p_x/p_z^2\\ 0 & f/p_z & -f p_y/p_z^2\end{pmatrix},
# \qquad \Sigma' = J\,W\,\Sigma\,W^\top J^\top + 0.3\,I .$$
#
# A linear map of a Gaussian is a Gaussian, so the splat on screen has mean $(u, v)$ and covariance $\Sigma'$.
# The $0.3\,I$ (in pixels²) is a small blur that keeps every splat at least about a pixel wide, so that a tiny or
# far-away Gaussian cannot fall between pixel centres (anti-aliasing). The depth $p_z$ is what we sort by.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a 3-D Gaussian seen through a pinhole camera is not exactly Gaussian; EWA linearises the projection at the
# centre with its Jacobian J, giving Σ' = J W Σ Wᵀ Jᵀ. The gradient checks against finite differences.
# Point at: the footprint against the formula, and the occlusion example: the nearer sphere wins.
# Ask the room: where does the linear approximation break down — near the camera or far from it?

# %%
utils.plots.show_code(sp.project_gaussians)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check: one Gaussian's footprint against its formula.** A Gaussian at the origin with scales
# $(s_x, s_y, s_z)$, seen along the world $y$ axis from distance $z$: camera $x$ is world $x$, camera $y$ is
# world $-z$, and $J W$ is $\frac fz$ times a selection, so the footprint must be
# $o\,\exp\!\big(-\tfrac12(\frac{du^2}{\sigma_u^2} + \frac{dv^2}{\sigma_v^2})\big)$ with
# $\sigma_u^2 = (f s_x/z)^2 + 0.3$ and $\sigma_v^2 = (f s_z/z)^2 + 0.3$, inside its $3\sigma$ ellipse.

# %%
def render_one_view(means, scales, quats, colours, opacities, eye, size, focal, background=(0.0, 0.0, 0.0),
                    k=64):
    """Render a handful of Gaussians (any float dtype) from a camera at ``eye`` looking at the origin."""
    R, t = sp.look_at(eye)
    dtype = means.dtype
    splats = sp.Splats(means, scales, quats, colours, opacities, active=tf.ones(means.shape[0], bool))
    camera = sp.Camera(tf.constant(R, dtype), tf.constant(t, dtype), focal, width=size, height=size)
    image, _, info = sp.render_gaussians(splats, camera, tf.constant(background, dtype), tile=4, k=k, coarse=None)
    return image.numpy()


scales_one, distance, focal_one, size_one, opacity_one = np.array([0.30, 0.1, 0.15]), 4.0, 40.0, 32, 0.8
footprint = render_one_view(tf.zeros((1, 3), tf.float64), tf.constant([scales_one]),
                            tf.constant([[1.0, 0, 0, 0]], tf.float64), tf.ones((1, 3), tf.float64),
                            tf.constant([opacity_one], tf.float64), (0, -distance, 0), size_one, focal_one)[..., 0]
du = np.arange(size_one) + 0.5 - size_one / 2
var_u = (focal_one * scales_one[0] / distance) ** 2 + sp.BLUR
var_v = (focal_one * scales_one[2] / distance) ** 2 + sp.BLUR
q_formula = du[None, :] ** 2 / var_u + du[:, None] ** 2 / var_v
formula = np.where(q_formula <= 9, opacity_one * np.exp(-0.5 * q_formula), 0.0)
formula = np.where(formula >= sp.ALPHA_MIN, formula, 0.0)
print(f"footprint vs formula: largest difference {np.abs(footprint - formula).max():.1e}")
assert np.allclose(footprint, formula, rtol=0, atol=1e-12)

# extra code – the footprint and its profile through the centre
fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
axes[0].imshow(footprint, cmap="gray")
axes[0].set(title="one Gaussian, rendered", xlabel="u (pixels)", ylabel="v (pixels)")
axes[0].grid(False)
axes[1].plot(du, footprint[size_one // 2], "o", label="rendered, row through the centre")
axes[1].plot(du, formula[size_one // 2], "-", label=r"$o\,\exp(-du^2/2\sigma_u^2)$")
axes[1].set(title="footprint = formula", xlabel="du (pixels)", ylabel="alpha")
axes[1].legend(fontsize=8)
fig.tight_layout()
ctx.savefig(fig, "footprint")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check: a near Gaussian hides a far one.** A red and a blue Gaussian on the $y$ axis, seen from both ends. The
# storage order is the same in both renders; only the depth sort decides which one is in front.

# %%
pair = dict(means=tf.constant([[0.0, -0.8, 0.0], [0.0, 0.8, 0.0]], tf.float64),
            scales=tf.constant([[0.35] * 3, [0.5] * 3], tf.float64), quats=tf.constant([[1.0, 0, 0, 0]] * 2, tf.float64),
            colours=tf.constant([[1.0, 0, 0], [0, 0, 1.0]], tf.float64), opacities=tf.constant([0.99, 0.99], tf.float64))
from_front = render_one_view(**pair, eye=(0, -4, 0), size=32, focal=40.0, background=(1.0, 1.0, 1.0))
from_back = render_one_view(**pair, eye=(0, 4, 0), size=32, focal=40.0, background=(1.0, 1.0, 1.0))
print("centre pixel from the front:", from_front[16, 16].round(3), "· from the back:", from_back[16, 16].round(3))
assert from_front[16, 16, 0] > 0.95 and from_back[16, 16, 2] > 0.95

# extra code
fig, axes = plt.subplots(1, 2, figsize=(6, 3.2))
for ax, image, title in zip(axes, [from_front, from_back], ["camera at y = −4: red is nearer", "camera at y = +4"]):
    ax.imshow(image)
    ax.set(title=title, xlabel="u (pixels)", ylabel="v (pixels)")
    ax.grid(False)
fig.tight_layout()
ctx.savefig(fig, "occlusion")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · The EWA Jacobian (2 points)
#
# Write `projection_jacobian(p, focal)`: the $2\times 3$ matrix $J$ above for a point `p` $= (p_x, p_y, p_z)$ in
# camera coordinates. (The checker also compares it with finite differences of the projection.)

# %% tags=["exercise"]
def projection_jacobian(p, focal):
    """∂(u, v)/∂(px, py, pz) of u = f px/pz + cx, v = f py/pz + cy: shape (2, 3)."""
    raise NotImplementedError("differentiate f·px/pz and f·py/pz")


# %% tags=["solution"]
def projection_jacobian(p, focal):  # noqa: F811
    """∂(u, v)/∂(px, py, pz) of u = f px/pz + cx, v = f py/pz + cy: shape (2, 3)."""
    x, y, z = np.asarray(p, dtype=float)
    return np.array([[focal / z, 0.0, -focal * x / z**2], [0.0, focal / z, -focal * y / z**2]])


# %% [markdown] tags=["hint"]
# *Hint:* $\partial (f p_x/p_z)/\partial p_z = -f p_x / p_z^2$; $u$ does not depend on $p_y$.

# %%
utils.checks.nb10.check_jacobian(projection_jacobian);

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Check: differentiable end to end.** Every parameter of every Gaussian (position, log-scale, quaternion, colour,
# opacity logit) gets its gradient through projection, tiling, sorting and blending. We compare
# `tf.GradientTape`'s gradient of a random weighted sum of the pixels with central finite differences, in
# float64 (the sort and the tile lists do not change under such tiny nudges).

# %%
n_fd = 4
fd_params = {
    "means": rng.normal(scale=0.4, size=(n_fd, 3)),
    "log_scales": np.log(rng.uniform(0.15, 0.35, (n_fd, 3))),
    "quaternions": rng.normal(size=(n_fd, 4)),
    "colour_logits": rng.normal(size=(n_fd, 3)),
    "opacity_logits": rng.normal(size=n_fd),
}
pixel_weights = tf.constant(rng.normal(size=(16, 16, 3)))


def weighted_pixels(p):
    """A scalar that depends on every pixel: Σ w · image."""
    R, t = sp.look_at((2.5, -3.0, 1.0))
    splats = sp.Splats(p["means"], tf.exp(p["log_scales"]), p["quaternions"], tf.sigmoid(p["colour_logits"]),
                       tf.sigmoid(p["opacity_logits"]), active=tf.ones(n_fd, bool))
    image, _, _ = sp.render_gaussians(splats, sp.Camera(tf.constant(R), tf.constant(t), 20.0, 16, 16),
                                      tf.constant([1.0, 1.0, 1.0], tf.float64), tile=4, k=16, coarse=None)
    return tf.reduce_sum(pixel_weights * image)


variables_fd = {name: tf.Variable(value, dtype=tf.float64) for name, value in fd_params.items()}
with tf.GradientTape() as tape:
    value = weighted_pixels(variables_fd)
analytic = tape.gradient(value, variables_fd)
rows = []
for name, value in fd_params.items():
    index = tuple(rng.integers(0, s) for s in value.shape)  # one entry of each parameter, at random
    nudged = []
    for sign in (+1, -1):
        p = {key: tf.constant(v) for key, v in fd_params.items()}
        changed = value.copy()
        changed[index] += sign * 1e-6
        p[name] = tf.constant(changed)
        nudged.append(float(weighted_pixels(p)))
    rows.append({"parameter": f"{name}{[int(i) for i in index]}", "GradientTape": float(analytic[name].numpy()[index]),
                 "finite difference": (nudged[0] - nudged[1]) / 2e-6})
gradient_table = pd.DataFrame(rows)
gradient_table["relative error"] = (gradient_table["GradientTape"] - gradient_table["finite difference"]).abs() / (
    gradient_table["finite difference"].abs().max())
assert gradient_table["relative error"].max() < 1e-5
gradient_table["relative error"] = gradient_table["relative error"].map("{:.1e}".format)
display(gradient_table.round(6))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · A scene to learn, with known cameras
#
# The ground truth comes from **independent code**: a small ray caster (`sp.Scene`) that intersects each pixel's
# rays with three textured spheres and a checkered box, shades them with one distant light (diffuse, so colours do
# not change with the viewpoint), and averages 3×3 rays per pixel for smooth edges. It shares no code with the
# splatting renderer, so a match between the two is earned.
#
# The cameras sit on a sphere around the scene and look at its centre. The **training** views are spread by a
# golden-angle spiral; the **test** views are other positions on the same sphere that training never sees: how
# well they are rendered measures whether the splats learned the *scene* rather than the photos. The workshop
# uses 64×64 views; full mode 96×96, where the hardest pixels (edges) are a smaller share of the image.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: ground truth from an independent ray caster, so a match with the splats is earned. Training cameras on a
# spiral, test cameras in between that training never sees; the start is a noisy sparse point cloud, as SfM gives.
# Point at: the camera and point-cloud figure: where the test cameras sit relative to the training ones.
# Ask the room: what would a test view from directly below measure?

# %%
utils.plots.show_code(sp.Sphere.hit)

# %%
CAMERA_DISTANCE, FOCAL = 4.0, 1.6 * SIZE_3D  # focal length in pixels: a 35° field of view

scene = sp.demo_scene()
train_cams = sp.cameras_on_sphere(sp.fibonacci_directions(N_TRAIN), CAMERA_DISTANCE, FOCAL, SIZE_3D, SIZE_3D)
test_cams = sp.cameras_on_sphere(sp.fibonacci_directions(N_TEST, -15, 60, offset=0.5), CAMERA_DISTANCE, FOCAL,
                                 SIZE_3D, SIZE_3D)
t0 = time.time()
train_images, test_images = scene.render(train_cams), scene.render(test_cams)
print(f"ray-cast {len(train_cams)} training and {len(test_cams)} test views of {SIZE_3D}×{SIZE_3D} "
      f"in {time.time() - t0:.1f} s")

# %%
# extra code – some training views and all test views
fig = utils.plots.image_grid(np.concatenate([train_images[:8], test_images[:6]]),
                             labels=[f"train {i}" for i in range(8)] + [f"test {i}" for i in range(min(6, N_TEST))],
                             ncols=7, size=1.5, title="ground truth from the ray caster: training and held-out views")
ctx.savefig(fig, "views")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The point cloud: what Structure-from-Motion would give
#
# SfM matches features between photos and triangulates them: a **sparse**, **noisy** set of coloured points on
# the surfaces. We imitate it: points sampled on the surfaces, moved by Gaussian noise (σ = 0.02, about half a
# pixel), with noisy colours. Each point becomes one Gaussian: its position, its colour, opacity 0.1, and a round
# shape as large as the mean distance to its three nearest neighbours (as 3DGS does).

# %%
points, point_colours = scene.point_cloud(N_POINTS, rng)
scene_radius = float(np.max(np.linalg.norm(points - points.mean(axis=0), axis=1)))
gaussians = sp.Gaussians3D(points, point_colours, CAPACITY)
print(f"{len(points)} points, scene radius {scene_radius:.2f}; initial scales (mean neighbour distance): "
      f"{np.exp(gaussians.log_scales.numpy()[: len(points), 0]).mean():.3f}")

# %%
# extra code – the cameras and the point cloud
fig = plt.figure(figsize=(10, 4.2))
ax = fig.add_subplot(1, 2, 1, projection="3d")
for cams, colour, label in [(train_cams, "tab:blue", "training cameras"), (test_cams, "tab:red", "test cameras")]:
    centres = cams.centres
    ax.scatter(*centres.T, color=colour, s=18, label=label)
ax.scatter(*points.T, c=point_colours, s=2)
ax.set(title="cameras around the scene (scene units)", xlabel="x", ylabel="y", zlabel="z")
ax.legend(fontsize=8)
ax = fig.add_subplot(1, 2, 2, projection="3d")
ax.scatter(*points.T, c=point_colours, s=4)
ax.set(title=f"sparse noisy point cloud ({len(points)} points, scene units)", xlabel="x", ylabel="y", zlabel="z")
fig.tight_layout()
ctx.savefig(fig, "cameras_points")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Training: render, compare, follow the gradient, densify, prune
#
# **Loss** (as in 3DGS): $\mathcal L = 0.8\,\lvert I - \hat I\rvert_1 + 0.2\,\big(1-\mathrm{SSIM}(I, \hat I)\big)$
# for one random training view per step. SSIM compares local means, contrasts and structure, so it rewards sharp
# edges that L1 alone blurs. (`ssim_matmul` computes it with the Gaussian blur as two matrix products, which XLA
# compiles well on a CPU; the result equals `tf.image.ssim`.)
#
# **Optimiser:** Adam with one learning rate per parameter group; the positions' rate decays 100× over the run.
#
# **Densification**, 20 times spread over the first 60 % of the run: a Gaussian whose screen position the loss
# keeps pulling at (mean $\lVert\partial\mathcal L/\partial(u,v)\rVert$ over the views that saw it, above a
# threshold) sits where the image is still wrong:
# - if it is **small**, the region is *under-reconstructed*: **clone** it (a copy that the optimiser pulls its own way);
# - if it is **large**, it covers too much: **split** it into two samples drawn from it, each 1.6× smaller.
#
# **Pruning** then drops Gaussians that are nearly transparent ($o < 0.005$) or far larger than any detail of the
# scene. At the fractions `OPACITY_RESETS` of the run (workshop: once, at 30 %), every opacity is **reset** to at
# most 0.01: the Gaussians the photos need are meant to regain their opacity, while floaters and redundant ones
# fade further and are pruned; the training curves below mark each reset (dotted), so you can see what it costs
# and how fast the loss recovers. (The pruning
# threshold must stay below the reset value, or the next pruning would remove every Gaussian.) This keeps the
# tile lists short, which matters here: a tile that overflows can leave a square hole.
#
# **Fixed shapes:** XLA compiles the step for fixed tensor shapes, so the Gaussians live in `CAPACITY` slots with an
# `active` mask. Densifying fills free slots, pruning frees them; the compiled step never changes. The training
# view is picked inside the step with `tf.gather`, since indexing a constant with a tensor makes XLA compile again
# at every step.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one random view per step, L1 + SSIM loss, Adam with a rate per parameter group. Densify where the gradient
# keeps pulling (clone small, split large), prune faint or huge ones, reset opacities once. The budget is a number
# of steps, with a time cap as a safety net; the printed line gives steps and ms per step, and says if the cap hit.
# Point at: the progress bar's number of Gaussians growing while the loss falls.
# Ask the room: why compile the step with fixed shapes and an 'active' mask instead of growing arrays?

# %%
utils.plots.show_code(sp.Trainer._step, sp.Trainer.densify_and_prune)

# %%
config = sp.TrainConfig(jit=JIT, k=K_3D, coarse=(8, COARSE_K_3D), grad_threshold=GRAD_THRESHOLD_3D,
                        opacity_resets=OPACITY_RESETS)
print("Adam's learning rates:", ", ".join(f"{name} {lr:g}" for name, lr in config.learning_rates.items()),
      "(means: × the scene radius)")
trainer = sp.Trainer(gaussians, train_cams, train_images, scene.background, scene_radius, config)

before = trainer.render(test_cams)  # the Gaussians of the point cloud, before any training
psnr_before, ssim_before = sp.psnr(before, test_images), sp.ssim(before, test_images)
mean_colour = np.broadcast_to(train_images.mean(axis=(0, 1, 2)), test_images.shape)
psnr_mean_colour = sp.psnr(mean_colour, test_images)
print(f"before training: test PSNR {psnr_before:.2f} dB, SSIM {ssim_before:.3f} "
      f"(a flat image of the mean colour: {psnr_mean_colour:.2f} dB)")

# %%
history = {"step": [], "seconds": [], "progress": [], "loss": [], "gaussians": [], "overflow": []}
evaluations = {"step": [], "seconds": [], "test_psnr": []}
t0 = time.time()
# the first call traces and compiles the step (it is also training step 1); the view is an int32 and the
# progress a float32 here and in the loop, so the loop reuses this compiled step (no second compile)
trainer.step(tf.constant(0, tf.int32), tf.constant(0.0, tf.float32))
print(f"training step compiled in {time.time() - t0:.1f} s")
# when to densify and when to reset opacities, as fractions of the run: of its steps, or of its seconds if the
# time cap comes first (a busy machine), so the schedule always ends with the run
densify_at = list(np.linspace(0, config.densify_until, config.densify_rounds + 1)[1:])
resets = list(config.opacity_resets)
reset_steps = []  # the steps at which the opacities were reset
evaluate_every = 1 / 6  # of the run
start, step, next_evaluation = time.time(), 1, 0.0  # the clock starts after the compiling first step
step_seconds = 0.0  # time inside the training steps alone (no densifying, evaluating or logging)
with tqdm(desc="3-D training", unit=" steps", mininterval=2) as bar:
    while (elapsed := time.time() - start) < SECONDS_3D and step < MAX_STEPS_3D:
        progress = max(elapsed / SECONDS_3D, step / MAX_STEPS_3D)
        view = tf.constant(rng.integers(len(train_cams)), tf.int32)
        t_step = time.perf_counter()
        out = trainer.step(view, tf.constant(progress, tf.float32))
        loss_now = float(out["loss"])  # waits for the step to finish
        step_seconds += time.perf_counter() - t_step
        step += 1
        bar.update()
        if densify_at and progress >= densify_at[0]:
            densify_at.pop(0)
            trainer.densify_and_prune(rng)
        if resets and progress >= resets[0]:
            resets.pop(0)
            trainer.reset_opacity()
            reset_steps.append(step)
        if step % 20 == 0 or step < 20:
            history["step"].append(step)
            history["seconds"].append(elapsed)
            history["progress"].append(progress)
            history["loss"].append(loss_now)
            history["gaussians"].append(gaussians.count)
            history["overflow"].append(float(out["overflow"]))
            bar.set_postfix(loss=f"{history['loss'][-1]:.4f}", gaussians=gaussians.count, refresh=False)
        if progress >= next_evaluation:
            evaluations["step"].append(step)
            evaluations["seconds"].append(elapsed)
            evaluations["test_psnr"].append(sp.psnr(trainer.render(test_cams), test_images))
            next_evaluation += evaluate_every
seconds_3d = time.time() - start
ms_per_step = 1000 * step_seconds / max(1, step - 1)  # the training steps on their own
print(f"{step} steps in {seconds_3d:.0f} s ({ms_per_step:.0f} ms per training step on its own; "
      f"{1000 * seconds_3d / max(1, step - 1):.0f} ms per step with densifying, evaluating and logging), "
      f"{gaussians.count} Gaussians")
if step < MAX_STEPS_3D and ctx.mode != "full":  # in full mode the time is the budget, not a safety cap
    cap_warning(SECONDS_3D, "training", step, MAX_STEPS_3D)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Results on the held-out views

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: judge on views training never saw. Read whether the PSNR curve rises fast, then slowly; the error maps show
# where the
# remaining error sits (edges, texture). The tile-overflow check measures what the fixed lists cost.
# Point at: the per-view PSNRs, the gap between training and held-out views, and the dotted opacity reset.
# Ask the room: a small train/test gap — is that good news or a sign of too little training?

# %%
after, infos = trainer.render(test_cams, with_info=True)
test_psnr = sp.psnr(after, test_images)
test_ssim = sp.ssim(after, test_images)
train_sample = np.arange(0, len(train_cams), max(1, len(train_cams) // 8))
train_psnr = sp.psnr(trainer.render(train_cams.subset(train_sample)), train_images[train_sample])
evaluations["step"].append(step)
evaluations["seconds"].append(seconds_3d)
evaluations["test_psnr"].append(test_psnr)
per_view = [sp.psnr(a[None], b[None]) for a, b in zip(after, test_images)]
print(f"held-out views: PSNR {test_psnr:.2f} dB (per view: {', '.join(f'{v:.1f}' for v in per_view)}), "
      f"SSIM {test_ssim:.3f}; training views: PSNR {train_psnr:.2f} dB")
print(f"before training: PSNR {psnr_before:.2f} dB, SSIM {ssim_before:.3f}")

# %%
# extra code – ground truth, render and error for every test view
n_show = min(6, N_TEST)
error = np.abs(after - test_images).mean(axis=-1)
fig, axes = plt.subplots(3, n_show, figsize=(2.1 * n_show, 6.6), squeeze=False)
for i in range(n_show):
    for row, (image, title) in enumerate([(test_images[i], "ground truth"), (after[i], f"splats {per_view[i]:.1f} dB"),
                                          (error[i], "|error|")]):
        axes[row, i].imshow(image, cmap="magma" if row == 2 else None, vmin=0, vmax=0.5 if row == 2 else None)
        axes[row, i].set_title(title, fontsize=9)
        axes[row, i].axis("off")
fig.suptitle(f"held-out views: {test_psnr:.2f} dB PSNR, SSIM {test_ssim:.3f}")
fig.tight_layout()
ctx.savefig(fig, "test_views")
plt.show()

# %%
# extra code – loss, number of Gaussians and test PSNR over the run
fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
axes[0].plot(history["step"], history["loss"], lw=0.8)
axes[0].set(title="training loss (one view per step)", xlabel="step", ylabel="0.8·L1 + 0.2·(1 − SSIM)", yscale="log")
axes[1].plot(history["step"], history["gaussians"], label="Gaussians")
axes[1].set(title="number of Gaussians, tiles overflowing", xlabel="step", ylabel="Gaussians")
overflow_axis = axes[1].twinx()
overflow_axis.plot(history["step"], 100 * np.array(history["overflow"]), color="tab:orange", lw=0.6, alpha=0.7)
overflow_axis.set_ylabel(f"% of tiles with more than k = {config.k}", color="tab:orange")
for reset_step in reset_steps:
    for ax in axes:
        ax.axvline(reset_step, color="gray", ls=":")
axes[2].plot(evaluations["step"], evaluations["test_psnr"], "o-", label="held-out views")
axes[2].axhline(TARGET_PSNR_3D, color="gray", ls="--", label="target")
axes[2].axhline(psnr_before, color="tab:red", ls=":", label="before training")
axes[2].set(title="test PSNR", xlabel="step", ylabel="PSNR (dB)")
axes[2].legend(fontsize=8)
fig.tight_layout()
ctx.savefig(fig, "training_curves")
plt.show()
# what the opacity reset cost, read from the held-out PSNR (evaluated every sixth of the run, so coarsely)
for reset_step in reset_steps:
    before_reset = [p for s, p in zip(evaluations["step"], evaluations["test_psnr"]) if s <= reset_step]
    after_reset = [(s, p) for s, p in zip(evaluations["step"], evaluations["test_psnr"]) if s > reset_step]
    if not before_reset or not after_reset:
        print(f"opacity reset at step {reset_step}: no held-out evaluation on both sides of it")
        continue
    lowest_step, lowest = min(after_reset, key=lambda sp_: sp_[1])
    recovered = next((s for s, p in after_reset if p >= before_reset[-1]), None)
    print(f"opacity reset at step {reset_step}: held-out PSNR {before_reset[-1]:.2f} dB at the last evaluation "
          f"before it, lowest after it {lowest:.2f} dB (step {lowest_step}); "
          + (f"back to {before_reset[-1]:.2f} dB or more by step {recovered}" if recovered is not None
             else "not back to that level by the end of the run"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Did the tiles overflow?
#
# Dropping the farthest splats of a crowded tile is harmless when the nearest ones already make it opaque. We
# measure what it costs: the same test views rendered with four times longer tile lists. The heat map shows how
# many splats overlapped each 4×4 tile of one view, among its 8×8 tile's list (red outline: more than $k$).

# %%
roomy = trainer.render(test_cams, k=4 * config.k, coarse=(config.coarse[0], 4 * config.coarse[1]))
psnr_roomy = sp.psnr(roomy, test_images)
overflowing = np.mean([info["overflow"].mean() for info in infos])
print(f"k = {config.k}: {test_psnr:.2f} dB · k = {4 * config.k}: {psnr_roomy:.2f} dB · "
      f"{100 * overflowing:.1f} % of the tiles overflowed")

# extra code – splats per tile for the first test view (tiles come coarse tile by coarse tile: reorder them)
n_coarse, n_sub = SIZE_3D // config.coarse[0], config.coarse[0] // config.tile
counts = infos[0]["counts"].reshape(n_coarse, n_coarse, n_sub, n_sub).transpose(0, 2, 1, 3).reshape(
    SIZE_3D // config.tile, SIZE_3D // config.tile)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
axes[0].imshow(after[0])
axes[0].set(title="test view 0", xlabel="x (pixels)", ylabel="y (pixels)")
shown = axes[1].imshow(counts, cmap="viridis")
for y, x in zip(*np.nonzero(counts > config.k)):
    axes[1].add_patch(plt.Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, edgecolor="red", lw=1))
fig.colorbar(shown, ax=axes[1], label="splats overlapping the tile")
axes[1].set(title=f"splats per 4×4 tile (k = {config.k})", xlabel="tile column", ylabel="tile row")
for ax in axes:
    ax.grid(False)
fig.tight_layout()
ctx.savefig(fig, "tile_counts")
plt.show()

# %%
ctx.log_metric("test_psnr_3d", test_psnr, unit="dB", target=TARGET_PSNR_3D, baseline=psnr_before, key=True)
ctx.log_metric("ssim_3d", test_ssim, baseline=ssim_before)
ctx.log_metric("train_psnr_3d", train_psnr, unit="dB")
ctx.log_metric("psnr_mean_colour_3d", psnr_mean_colour, unit="dB")
ctx.log_metric("gaussians_final", gaussians.count, baseline=len(points))
ctx.log_metric("steps_3d", step)
ctx.log_metric("ms_per_training_step", ms_per_step, unit="ms", higher_is_better=False)
ctx.log_metric("psnr_with_4k_tile_lists", psnr_roomy, unit="dB")
ctx.log_metric("overflow_cost", psnr_roomy - test_psnr, unit="dB", target=0.5, higher_is_better=False)
ctx.log_metric("tiles_overflowing", 100 * overflowing, unit="%", higher_is_better=False)
overflow_cost = psnr_roomy - test_psnr
overflow_text = "no measurable change" if abs(overflow_cost) < 0.005 else f"{overflow_cost:.2f} dB"
for name, value, target, met in [("held-out PSNR", f"{test_psnr:.2f} dB", f"≥ {TARGET_PSNR_3D} dB",
                                  test_psnr >= TARGET_PSNR_3D),
                                 ("cost of the tile overflow", overflow_text, "< 0.5 dB",
                                  psnr_roomy - test_psnr < 0.5)]:
    print(f"{name}: {value}, target {target}: {'met' if met else 'not met'}")
assert after.shape == test_images.shape and np.isfinite(test_psnr)
if not ctx.smoke:  # smoke mode runs three steps: enough to prove the code runs, not to learn
    # a wide margin, which a machine twice as slow (half the steps) still clears
    assert test_psnr > psnr_before + 5, "training did not improve the held-out views by 5 dB"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · How fast, and how does it scale?
#
# One training step (render, loss, gradient of every parameter) timed with random Gaussians, for the tiled
# renderer and for a **dense** one that blends every Gaussian at every pixel (one tile as large as the image,
# holding all of them). The tiled cost follows the number of pixels, the dense cost the number of pixels *times*
# the number of Gaussians. To keep the notebook quick these timings use TensorFlow graphs without XLA (no long
# compile per size; smoke mode runs them eagerly); the XLA-compiled training step of section 8 is printed beside
# them, timed on its own (the compile, densifying and evaluating left out). Times on a busy machine vary: each
# entry is the best of a few steps, and the printed ratios below say how steep each line is.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the tiled cost follows the number of pixels; the dense renderer's follows pixels × Gaussians. The
# timings are best-of-a-few on this machine, so they wobble under load; the slopes are what matters.
# Point at: the two lines against the number of Gaussians: read the slopes from the printed ratios (tiled
# 16k/1k, dense 1k/250, tiled per ×4 pixels) rather than from the picture.
# Ask the room: what would a GPU change, and what would it not?

# %%
BASE_SIZE, BASE_N = TIMING_SIZES[len(TIMING_SIZES) // 2], TIMING_N[len(TIMING_N) // 2]
timing_rng = np.random.default_rng(0)
runs = [("tiled", n, BASE_SIZE) for n in TIMING_N] + [("dense", n, BASE_SIZE) for n in DENSE_N]
runs += [("tiled", BASE_N, size) for size in TIMING_SIZES if size != BASE_SIZE]
timings = pd.DataFrame([
    {"renderer": renderer, "Gaussians": n, "image": size,
     "ms": sp.time_training_step(n, size, timing_rng, dense=renderer == "dense", graph=JIT, repeats=3)}
    for renderer, n, size in tqdm(runs, desc="timing")
])
display(timings.pivot_table(index=["renderer", "Gaussians"], columns="image", values="ms").round(1))
for row in timings.itertuples():
    ctx.log_metric(f"ms_{row.renderer}_{row.Gaussians}g_{row.image}px", row.ms, unit="ms", higher_is_better=False)
# the slopes, as measured: how much longer a step takes when the Gaussians or the pixels grow
for renderer in ["tiled", "dense"]:
    rows = timings[(timings.renderer == renderer) & (timings.image == BASE_SIZE)].sort_values("Gaussians")
    if len(rows) > 1:
        lo, hi = rows.iloc[0], rows.iloc[-1]
        print(f"{renderer}, {BASE_SIZE}×{BASE_SIZE}: {hi.Gaussians:,} / {lo.Gaussians:,} Gaussians "
              f"(×{hi.Gaussians / lo.Gaussians:.0f}) → {hi.ms / lo.ms:.1f}× the time per step")
rows = timings[(timings.renderer == "tiled") & (timings.Gaussians == BASE_N)].sort_values("image")
for (_, small), (_, large) in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows()):
    print(f"tiled, {BASE_N:,} Gaussians: {large.image}² / {small.image}² pixels (×{(large.image / small.image)**2:.2f})"
          f" → {large.ms / small.ms:.1f}× the time per step")
print(f"the XLA-compiled training step of section 8 ({SIZE_3D}×{SIZE_3D}, up to {CAPACITY:,} slots): "
      f"{ms_per_step:.0f} ms, timed on its own")

# %%
# extra code – ms per step against the number of Gaussians and the image size
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for renderer, style in [("tiled", "o-"), ("dense", "s--")]:
    rows = timings[(timings.renderer == renderer) & (timings.image == BASE_SIZE)].sort_values("Gaussians")
    axes[0].plot(rows.Gaussians, rows.ms, style, label=renderer)
axes[0].set(title=f"one training step, {BASE_SIZE}×{BASE_SIZE} image", xlabel="Gaussians",
            ylabel="ms per step (graph mode)", xscale="log", yscale="log")
axes[0].legend()
rows = timings[(timings.renderer == "tiled") & (timings.Gaussians == BASE_N)].sort_values("image")
axes[1].plot(rows.image**2, rows.ms, "o-")
axes[1].set(title=f"tiled, {BASE_N} Gaussians", xlabel="pixels", ylabel="ms per step (graph mode)",
            xscale="log", yscale="log")
fig.tight_layout()
ctx.savefig(fig, "timing")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11 · An orbit around the learned scene
#
# Views from a circle of cameras that no training photo came from: left the ray caster, right the splats.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the learned splats from a circle of cameras, side by side with the ray caster. Most frames are views no
# training photo came from. Point at: the edges of the spheres and the checkered box as the camera moves.
# Ask the room: which artefact would more training views fix, and which would more steps fix?

# %%
orbit = sp.orbit_cameras(N_FRAMES, CAMERA_DISTANCE, 20.0, FOCAL, SIZE_3D, SIZE_3D)
orbit_truth, orbit_splats = scene.render(orbit), trainer.render(orbit)
frames = np.concatenate([orbit_truth, orbit_splats], axis=2)  # side by side
gif_path = sp.save_gif(frames, ctx.out / "orbit.gif", fps=12)
print(f"orbit: {N_FRAMES} frames, PSNR {sp.psnr(orbit_splats, orbit_truth):.2f} dB against the ray caster; "
      f"saved to {gif_path}")
display(Image(filename=str(gif_path)))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12 · How NeRF differs
#
# NeRF (Mildenhall et al., 2020) learns the same kind of thing, a scene from photos with known cameras, but
# represents and renders it the other way round.
#
# | | NeRF | Gaussian splatting |
# |---|---|---|
# | scene | *implicit*: an MLP $F_\theta(x, d) \mapsto (\sigma, c)$ gives density and colour at any point | *explicit*: a list of Gaussians with their parameters |
# | rendering | **ray marching**: for each pixel, sample points along its ray, query the MLP at each | **rasterisation**: project each Gaussian once, sort, blend per tile |
# | cost of a 64×64 image | 4,096 rays × ~192 samples ≈ 790,000 MLP queries | one projection per Gaussian + a few dozen blends per pixel |
# | where work goes | everywhere along the rays, empty space included (unless sampled cleverly) | only where Gaussians are |
# | editing | hard (the scene is in the weights) | easy (move, delete or copy Gaussians) |
#
# Both composite front to back with the **same sum**. NeRF's samples along a ray, $\delta_i$ apart, get
# $\alpha_i = 1-\exp(-\sigma_i\delta_i)$, and
# $C = \sum_i T_i\,\alpha_i\,c_i$ with $T_i = \prod_{j<i}(1-\alpha_j)$: the quadrature of the volume rendering
# integral $\int T(t)\,\sigma(t)\,c(t)\,dt$. A splat's $\alpha$ instead comes from its projected footprint
# $o\,\exp(-\tfrac12 d^\top\Sigma'^{-1}d)$. The function `composite` of exercise 1 serves both.
# That shared, differentiable sum is why splatting could reuse NeRF's training recipe (photos, known cameras,
# a photometric loss) while rendering in real time on a GPU.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: same goal and same compositing sum; NeRF queries an MLP at samples along every ray, splatting projects each
# primitive once. Explicit primitives make rendering fast and editing easy.
# Point at: the sketch: dots on every ray versus one footprint per Gaussian.
# Ask the room: which of the two would you pick to delete one object from a scene?

# %%
# extra code – a sketch: NeRF samples along rays, splatting projects primitives
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
blobs = [((5.0, 1.0), 1.3, 0.6, 20, "tab:orange"), ((7.0, -1.2), 1.0, 0.5, -30, "tab:blue"),
         ((8.5, 0.8), 0.8, 0.8, 0, "tab:green")]
for ax in axes:
    ax.plot([0], [0], "ks", ms=8)
    ax.text(0, -0.5, "camera", fontsize=8, ha="center")
    ax.plot([1.5, 1.5], [-2.2, 2.2], "k-", lw=2)  # the image plane
    ax.text(1.6, 2.3, "image plane", fontsize=8)
    ax.set(xlim=(-0.5, 10), ylim=(-3, 3), aspect="equal", xlabel="depth (scene units)", ylabel="height (scene units)")
    for centre, w, h, angle, colour in blobs:
        ax.add_patch(Ellipse(centre, 2 * w, 2 * h, angle=angle, color=colour, alpha=0.35))
for slope in np.linspace(-0.3, 0.3, 7):
    depths = np.linspace(1.5, 9.8, 24)
    axes[0].plot([0, 9.8], [0, 9.8 * slope], color="gray", lw=0.6)
    axes[0].plot(depths, depths * slope, ".", color="k", ms=3)
axes[0].set_title("NeRF: sample every ray, query an MLP at each dot")
for centre, w, h, _angle, colour in blobs:
    y_screen = 1.5 * centre[1] / centre[0]
    axes[1].plot([0, centre[0]], [0, centre[1]], color=colour, lw=0.8, ls="--")
    spread = 1.5 * max(w, h) / centre[0]
    ys = np.linspace(y_screen - 2 * spread, y_screen + 2 * spread, 50)
    axes[1].plot(1.5 - 0.8 * np.exp(-0.5 * ((ys - y_screen) / (0.5 * spread)) ** 2), ys, color=colour)
axes[1].set_title("splatting: project each Gaussian once (its footprint)")
fig.tight_layout()
ctx.savefig(fig, "nerf_vs_splatting")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 13 · What this run measured

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the printed lines are the conclusion: 2-D PSNR, held-out PSNR against its target, train/test gap, and
# what the tile overflow cost — all this run's numbers.
# Ask the room: which number would you want to improve first, and what would you change?

# %%
print(f"2-D: {N_2D} Gaussians fitted a {SIZE_2D}×{SIZE_2D} photo to {psnr_2d:.1f} dB in {history_2d['step'][-1]} steps "
      f"(a flat image of the mean colour: {psnr_mean_colour_2d:.1f} dB).")
print(f"3-D: from {len(points)} noisy points to {gaussians.count} Gaussians in {step} steps ({seconds_3d:.0f} s, "
      f"{ms_per_step:.0f} ms per step); held-out views {psnr_before:.1f} → {test_psnr:.1f} dB "
      f"(target {TARGET_PSNR_3D} dB: {'met' if test_psnr >= TARGET_PSNR_3D else 'not met'}), SSIM {ssim_before:.2f} → "
      f"{test_ssim:.3f}; training views {train_psnr:.1f} dB, so the gap to the views training never saw is "
      f"{train_psnr - test_psnr:.1f} dB.")
print(f"Tile lists: {100 * overflowing:.1f} % of the tiles overflowed; four times longer lists change the held-out "
      f"PSNR by {psnr_roomy - test_psnr:+.2f} dB.")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A Gaussian splat is a position, a covariance built as $R\,S\,S^\top R^\top$ from a scale and a rotation (valid
#   whatever the parameters), a colour and an opacity. Rendering projects each one with the EWA Jacobian, sorts
#   by depth and blends front to back: $C = \sum_i c_i\,\alpha_i\,T_i + T_{n+1}\,c_{\text{bg}}$.
# - Every step is tensor algebra, so `tf.GradientTape` differentiates the renderer end to end; the gradients
#   match finite differences, and the tiled renderer matches the slow reference loop.
# - Tiles make the cost follow the image size, not the number of Gaussians; the price is a cap per tile, which
#   densification, pruning and the opacity reset must keep from overflowing (section 9 measured what it cost).
# - Learning a scene: start from a sparse noisy point cloud, render a training view, compare (L1 + SSIM), follow
#   the gradient; clone small and split large Gaussians where the loss pulls hard, prune faint and huge ones.
#   Section 13 prints what this run reached on views that training never saw.
# - What 3DGS adds that we left out: view-dependent colour (spherical harmonics), millions of Gaussians, and a
#   CUDA rasteriser that sorts all (tile, depth) pairs at once and stops each pixel early for real.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: five ideas: valid covariances by construction, EWA projection, tiled differentiable blending, densify and
# prune, judge on held-out views. What real 3DGS adds: spherical harmonics, millions of splats, a CUDA rasteriser.
# Ask the room: which of today's pieces would you have to rewrite to run on a phone?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# The three exercises sit where their topic is taught, each with a check below it: **1** alpha compositing of
# a few samples (section 2), **2** a covariance from scale and rotation (section 5), **3** the EWA Jacobian
# (section 6). Nothing later in the notebook depends on your answers. To go further (no checker):
# - train without the opacity reset (`OPACITY_RESETS = ()`), or with `K_3D = 32`, and look for square holes in
#   the held-out views and in the tile-count map;
# - make the point cloud noisier or sparser (`scene.point_cloud(..., position_noise=0.05)`, fewer `N_POINTS`);
# - add view-dependent colour: a colour per Gaussian that depends on the viewing direction (a first-order
#   spherical harmonic is three extra RGB vectors).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: three checked exercises sit in the sections that teach them (compositing, covariance, EWA Jacobian); the
# rest are open experiments for home.
# Ask the room: which exercise would you give a colleague who knows NeRF but not splatting?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - B. Kerbl, G. Kopanas, T. Leimkühler, G. Drettakis, *3D Gaussian Splatting for Real-Time Radiance Field
#   Rendering*, ACM Transactions on Graphics 42(4), 2023: the method, its densification and its CUDA rasteriser.
# - M. Zwicker, H. Pfister, J. van Baar, M. Gross, *EWA Splatting*, IEEE Transactions on Visualization and
#   Computer Graphics 8(3), 2002: projecting Gaussians with the local Jacobian, and the low-pass filter.
# - B. Mildenhall, P. P. Srinivasan, M. Tancik, J. T. Barron, R. Ramamoorthi, R. Ng, *NeRF: Representing Scenes as
#   Neural Radiance Fields for View Synthesis*, ECCV 2020: the volume-rendering sum that splatting shares.
# - Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, *Image Quality Assessment: From Error Visibility to
#   Structural Similarity*, IEEE Transactions on Image Processing 13(4), 2004: SSIM, in the loss and the results.
# - D. P. Kingma, J. Ba, *Adam: A Method for Stochastic Optimization*, ICLR 2015: the optimiser, written out in
#   `Trainer._step`.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Kerbl et al. 2023 for 3DGS itself, Zwicker et al. for EWA splatting, Mildenhall et al. for NeRF.
# This is the last notebook: the course went from a fitted line to a differentiable renderer with the same tools.
# Ask the room: which of the course's ideas did this notebook reuse?

# %%
ctx.save_metrics()
