# %% [markdown] slideshow={"slide_type": "slide"}
# # 00 · Foundations: from a falling ball to a neural network
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/00_foundations.ipynb) · [Slides](../slides/README.md) · next: [01 · Housing regression: an MLP against real baselines](01_housing_regression.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - to write a model ($\hat v = w\,t + b$) and its loss (mean squared error, derived from Gaussian noise), and
#   derive the gradient by hand;
# - gradient descent in ten lines of NumPy, its path on the loss surface, and what the learning rate does;
# - how SGD, momentum, RMSprop and Adam move differently on the same surface;
# - that a one-neuron Keras model with `model.fit` runs exactly the loop you wrote;
# - under- and overfitting with polynomials of degree 1, 2 and 20, read from train and validation error,
#   and how an L2 penalty (ridge) tames degree 20;
# - from one neuron to a multi-layer perceptron (MLP): the perceptron and XOR, activations, backpropagation
#   written by hand and checked against TensorFlow, random initialisation, universal approximation.
#
# **Time:** smoke ≈ 25 s · workshop ≈ 45 s · full ≈ 1.5 min (CPU; estimates for a quiet 2-core machine from the
# CPU time used: smoke 20 s, workshop 41 s, full 67 s. Measured on a shared 2-core CPU under load 5–9: workshop
# 111 s, full 115 s) · GPU: not needed

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

ctx = utils.setup("00_foundations")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · The experiment: how fast does a dropped ball fall?
#
# The lecture starts with a physics lab: drop a ball, measure, repeat. Physics predicts that, without air
# drag, a ball released at rest falls with speed
#
# $$v(t) = g\,t, \qquad g \approx 9.81\ \mathrm{m/s^2},$$
#
# a straight line through the origin whose slope is the gravitational acceleration $g$. So if we measure the
# speed $v_i$ at a few times $t_i$ and fit a line, its slope is our measurement of $g$.
#
# **Our data are simulated**, not measured: we draw $N = 30$ drop times between 0.2 s and 3 s, compute
# $g\,t_i$ with the textbook $g = 9.81\ \mathrm{m/s^2}$, and add Gaussian noise of $\sigma_v = 1\ \mathrm{m/s}$
# (a light gate's timing error, say). Why simulate? Because then we *know* the right answer and can check how
# close each method gets to it. A fixed random seed (`ctx.seed`) makes every run draw the same measurements.
#
# The data are the same in every mode: they are tiny. Only the number of optimisation steps and epochs (and of L2
# strengths tried in section 11, of network widths in section 12) changes with the mode; all of these sizes sit in
# the first code cell below.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: we start with something everyone knows, a falling ball, so all attention goes to the method, not the
# data. We simulate the measurements so that we know the right answer (9.81) and can grade every method.
# Point at: the scatter around the dashed truth line; the spread is the 1 m/s noise we put in.
# Ask the room: if you fitted a line through these points by eye, how close to 9.81 would you expect to get?

# %% slideshow={"slide_type": "subslide"}
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

# Sizes: every number that changes with the mode, in one place
STEPS = ctx.pick(smoke=20, workshop=300, full=1000)  # full-batch gradient-descent steps (sections 4 and 8)
LR_STEPS = ctx.pick(smoke=10, workshop=60, full=60)  # steps for each learning rate (section 6)
OPT_STEPS = ctx.pick(smoke=10, workshop=150, full=300)  # steps for each optimiser (section 7)
N_LAMBDAS = ctx.pick(smoke=6, workshop=49, full=97)  # L2 strengths tried (section 11)
KERAS_BUDGET_S = ctx.pick(smoke=10, workshop=30, full=60)  # wall-clock cap on model.fit, seconds (section 8)
XOR_HIDDEN = 4  # hidden tanh units for XOR (section 12)
XOR_STEPS = ctx.pick(smoke=50, workshop=2000, full=2000)  # full-batch steps on XOR, for each of three starts
DROPS_HIDDEN = 8  # hidden tanh units fitted to the distances fallen (section 12)
DROPS_STEPS = ctx.pick(smoke=50, workshop=2000, full=5000)  # RMSprop steps on the 20 training drops
UA_WIDTHS = ctx.pick(smoke=[1, 4], workshop=[1, 2, 4, 8, 16, 32], full=[1, 2, 4, 8, 16, 32, 64])  # hidden units
UA_STEPS = ctx.pick(smoke=50, workshop=3000, full=10000)  # Adam steps for each width
MOONS_EPOCHS = ctx.pick(smoke=1, workshop=30, full=100)  # epochs of the Keras MLP on two moons
MOONS_BUDGET_S = ctx.pick(smoke=10, workshop=30, full=120)  # wall-clock cap on its model.fit, seconds

G_TRUE = 9.81  # m/s², the value our fits should recover
N_SPEED = 30  # measurements
SIGMA_V = 1.0  # m/s, measurement noise

rng = np.random.default_rng(ctx.seed)
t = np.sort(rng.uniform(0.2, 3.0, N_SPEED))  # s
noise_v = rng.normal(0.0, SIGMA_V, N_SPEED)  # m/s, the measurement errors we drew (kept to compare in section 2)
v = G_TRUE * t + noise_v  # m/s
print(f"{len(t)} measurements; first three: t = {np.round(t[:3], 2)} s, v = {np.round(v[:3], 2)} m/s")

# %%
fig, ax = plt.subplots()
ax.scatter(t, v, label="simulated measurements")
ax.plot([0, 3], [0, 3 * G_TRUE], "k--", label=f"truth: v = {G_TRUE} · t")
ax.set(title="Speed of a falling ball", xlabel="time since release t (s)", ylabel="speed v (m/s)")
ax.legend()
ctx.savefig(fig, "speed_data")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · The model and its loss
#
# The **model** is a line with two parameters, the slope $w$ and the intercept (bias) $b$:
#
# $$\hat v_i = w\,t_i + b .$$
#
# The **loss** says how wrong a choice of $(w, b)$ is. We use the mean squared error (MSE):
#
# $$L(w, b) = \frac{1}{N}\sum_{i=1}^{N} \bigl(w\,t_i + b - v_i\bigr)^2 .$$
#
# Why squares? They are smooth (easy to differentiate), never negative, punish big misses more than small
# ones, and, when the noise is Gaussian, minimising them is the same as finding the most likely parameters
# (maximum likelihood, derived next). "Learning" is nothing more than finding the $(w, b)$ where $L$ is smallest.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a model is a formula with knobs (w, b); a loss is one number that says how wrong the knobs are.
# Learning = turning the knobs to make that number small. The subslide shows why squares are not arbitrary:
# Gaussian noise turns "most likely line" into "least squares line" in four lines of algebra.
# Point at: the printed σ = √MSE beside the 1 m/s we simulated and the RMS of the 30 errors actually drawn:
# √MSE sits close to the drawn errors' RMS; the fit itself lowers it only by √(28/30) ≈ 0.97, so most of the gap
# to 1 m/s is the luck of 30 draws, not the method.
# Ask the room: which loss would you get if the noise had occasional huge outliers?

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the MSE comes from: Gaussian noise and maximum likelihood
#
# Suppose each measurement is the line plus Gaussian noise of standard deviation $\sigma$: $v_i = w\,t_i + b +
# \varepsilon_i$, where $\varepsilon_i \sim \mathcal N(0, \sigma^2)$ reads "$\varepsilon_i$ is drawn from a normal
# (Gaussian) distribution with mean 0 and variance $\sigma^2$", each draw independent of the others. The
# **likelihood** of $(w, b)$ is the probability density of the data we measured, if those were the true
# parameters. Independent draws multiply, so it is the product $\prod_i$ (the product sign, like $\sum$ for sums)
# of one density per point. In four lines:
#
# $$p(v_i \mid w, b) = \frac{1}{\sqrt{2\pi\sigma^2}} \exp\Bigl(-\frac{(v_i - w\,t_i - b)^2}{2\sigma^2}\Bigr)$$
#
# $$\log \prod_{i=1}^N p(v_i \mid w, b) = \sum_{i=1}^N \log p(v_i \mid w, b)
#   = -\frac N2 \log(2\pi\sigma^2) - \frac{1}{2\sigma^2} \sum_{i=1}^N (v_i - w\,t_i - b)^2$$
#
# $$-\frac1N \log \prod_{i=1}^N p(v_i \mid w, b) = \frac{1}{2\sigma^2}\,L(w, b) + \tfrac12 \log(2\pi\sigma^2)$$
#
# $$\arg\max_{w, b}\ \text{likelihood} = \arg\min_{w, b}\ L(w, b) .$$
#
# Line 2 takes the logarithm, which turns the product into a sum; because log only ever increases, the $(w, b)$ that
# makes the likelihood largest also makes its log largest. Line 3 flips the sign (and divides by $N$), so the
# largest likelihood becomes the smallest value, and $\arg\max$ ("the $(w, b)$ at which … is largest") turns into
# $\arg\min$. The first term of line 2 and the factor $1/2\sigma^2$ do not depend on $(w, b)$, so the most likely
# line is the least-squares line, whatever $\sigma$ is. The same algebra gives the most likely $\sigma^2$: the MSE
# at the minimum. Other noise gives other losses (Laplace noise gives the mean *absolute* error; notebook 02 does
# the same for class labels, where it gives the cross-entropy).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The exact answer: least squares in closed form
#
# For a line the minimum can be written down. Stack the inputs as a design matrix $X$ with rows $(t_i, 1)$ and
# the parameters as $\theta = (w, b)$. At the minimum the loss is flat: its gradient (the vector of its slopes,
# derived in section 3) is zero. Setting it to zero gives the *normal equations*
#
# $$X^\top X\,\theta = X^\top v .$$
#
# `np.linalg.lstsq` solves them in a numerically stable way. This is our **baseline**: gradient descent, below,
# should arrive at the same $(w, b)$. (For neural networks there is no such formula, which is why we need
# gradient descent at all.)

# %%
def mse(w, b, t, y):
    """Mean squared error of the line w·t + b on the points (t, y)."""
    return np.mean((w * t + b - y) ** 2)


X_line = np.column_stack([t, np.ones_like(t)])  # rows (t_i, 1)
w_ls, b_ls = np.linalg.lstsq(X_line, v, rcond=None)[0]
loss_ls = mse(w_ls, b_ls, t, v)
print(f"closed form: w = g = {w_ls:.3f} m/s² (true {G_TRUE}), b = {b_ls:.3f} m/s, MSE = {loss_ls:.3f} (m/s)²")
print(f"maximum-likelihood noise level: σ = √MSE = {np.sqrt(loss_ls):.2f} m/s; the data were simulated with "
      f"σ = {SIGMA_V} m/s, and the {N_SPEED} errors actually drawn have RMS {np.sqrt(np.mean(noise_v**2)):.2f} m/s")
print(f"the fitted line follows part of the noise, which lowers the expected √MSE only by √((N−2)/N) = "
      f"{np.sqrt((N_SPEED - 2) / N_SPEED):.2f}; the rest of the gap to {SIGMA_V} m/s is the luck of {N_SPEED} draws")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · The gradient, derived by hand
#
# The gradient $\nabla L = \bigl(\partial L/\partial w,\ \partial L/\partial b\bigr)$ points uphill. With the
# residual $r_i = w\,t_i + b - v_i$ and the chain rule ($\partial r_i/\partial w = t_i$, $\partial r_i/\partial b = 1$):
#
# $$\frac{\partial L}{\partial w} = \frac{1}{N}\sum_i 2\,r_i\,\frac{\partial r_i}{\partial w}
#   = \frac{2}{N}\sum_{i=1}^{N} \bigl(w\,t_i + b - v_i\bigr)\,t_i ,
# \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N}\sum_{i=1}^{N} \bigl(w\,t_i + b - v_i\bigr).$$
#
# A hand-derived gradient deserves a test: compare it with a finite difference
# $\bigl(L(w+\epsilon, b) - L(w-\epsilon, b)\bigr)/2\epsilon$.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the gradient is two partial derivatives; the chain rule through the residual gives both. Never trust
# a hand-derived gradient until a finite difference agrees: that habit returns in section 12 with backprop.
# Ask the room: why is the finite difference not used for training, if it is so easy to write?

# %%
def mse_grad(w, b, t, y):
    """(∂L/∂w, ∂L/∂b) of the mean squared error, as a NumPy array."""
    residual = w * t + b - y
    return np.array([2 * np.mean(residual * t), 2 * np.mean(residual)])


eps = 1e-6
w0, b0 = 3.0, 2.0
numeric = np.array([
    (mse(w0 + eps, b0, t, v) - mse(w0 - eps, b0, t, v)) / (2 * eps),
    (mse(w0, b0 + eps, t, v) - mse(w0, b0 - eps, t, v)) / (2 * eps),
])
print("analytic gradient:", mse_grad(w0, b0, t, v), " finite difference:", numeric)
assert np.allclose(mse_grad(w0, b0, t, v), numeric, rtol=1e-5), "the derived gradient does not match"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Gradient descent, written by hand
#
# Start somewhere, then repeatedly take a small step downhill:
#
# $$\theta_{k+1} = \theta_k - \eta\,\nabla L(\theta_k),$$
#
# where $\eta$ is the **learning rate** (step size). We start far from the answer, at $(w, b) = (0, 8)$, so that
# the path is worth looking at, and use $\eta = 0.1$ (section 6 explains the choice).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: ten lines of NumPy; this loop is what every optimiser in the course refines.
# Point at: the loss curve's fast drop then slow crawl, and the two errors: optimisation vs statistical.
# Ask the room: more steps shrink which of the two errors, and which one never?

# %%
START = np.array([0.0, 8.0])  # (w, b) where every optimiser starts
LR = 0.1


def gradient_descent(lr, steps, start=START):
    """Full-batch gradient descent on the speed data; returns the path of (w, b), one row per step."""
    theta = start.copy()
    path = [theta.copy()]
    for _ in range(steps):
        theta = theta - lr * mse_grad(*theta, t, v)
        path.append(theta.copy())
    return np.array(path)


path_gd = gradient_descent(LR, STEPS)
losses_gd = [mse(w, b, t, v) for w, b in path_gd]
w_gd, b_gd = path_gd[-1]
print(f"after {STEPS} steps: w = g = {w_gd:.3f} m/s², b = {b_gd:.3f} m/s, MSE = {losses_gd[-1]:.4f}")
print(f"closed form:        w = g = {w_ls:.3f} m/s², b = {b_ls:.3f} m/s, MSE = {loss_ls:.4f}")
assert losses_gd[-1] < losses_gd[0], "gradient descent should lower the loss"

# %%
fig, ax = plt.subplots()
ax.plot(losses_gd, label=f"gradient descent (η = {LR})")
ax.axhline(loss_ls, color="k", ls="--", label="closed-form minimum")
ax.set(title="Loss per gradient-descent step", xlabel="step", ylabel="MSE ((m/s)²)", yscale="log")
ax.legend()
ctx.savefig(fig, "gd_loss")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The loss drops fast for a few steps, then slowly. How far is our measured $g$ from the truth, and did gradient
# descent reach the closed-form answer? Both numbers go into the notebook's metrics. Note the difference between
# the two errors: the *optimisation* error (GD vs closed form) shrinks with more steps; the *statistical* error
# (closed form vs 9.81) comes from the noise in 30 measurements and no optimiser can remove it.

# %%
ctx.log_metric("g_closed_form", w_ls, unit="m/s²")
ctx.log_metric("g_gradient_descent", w_gd, unit="m/s²", baseline=w_ls)
ctx.log_metric("g_error_gradient_descent", abs(w_gd - G_TRUE), unit="m/s²", target=0.5, higher_is_better=False,
               key=True)
ctx.log_metric("gd_gap_to_closed_form", abs(w_gd - w_ls), unit="m/s²", target=0.01, higher_is_better=False)
print(f"|g_GD - g_true| = {abs(w_gd - G_TRUE):.3f} m/s²,  |g_GD - g_closed_form| = {abs(w_gd - w_ls):.2e} m/s²")
if not ctx.smoke:
    assert abs(w_gd - w_ls) < 0.01, "gradient descent has not converged to the least-squares answer"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · The loss surface
#
# With only two parameters we can draw $L(w, b)$ everywhere: a bowl, shown here as contour lines (log-spaced,
# so the flat bottom is visible). The MSE of a line is a quadratic function of $(w, b)$, so the bowl has one
# minimum and no traps.
#
# The bowl is stretched: a valley, longer than it is wide. Its curvature is the Hessian $H = \tfrac{2}{N} X^\top X$;
# the ratio of its largest to its smallest eigenvalue (the *condition number*) says how elongated the valley is.
# Gradient descent first drops down the steep walls, then crawls along the flat valley floor: that is the
# fast-then-slow loss curve above. The contour labels are the MSE in (m/s)². (Rescaling the inputs makes the bowl
# rounder; notebook 01 does it with a `Normalization` layer.)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: with two parameters we can see the whole landscape. It is a stretched valley; the printed condition
# number says how stretched (a few tens is mild: section 7 comes back to this).
# Point at: the path dropping down the wall, then crawling along the floor.
# Ask the room: what would make the valley rounder? (Rescaling the input: notebook 01's Normalization.)

# %%
hessian = 2 / N_SPEED * X_line.T @ X_line
eigenvalues = np.linalg.eigvalsh(hessian)
print(f"Hessian eigenvalues {np.round(eigenvalues, 3)} → condition number {eigenvalues[-1] / eigenvalues[0]:.0f}")

# %% slideshow={"slide_type": "skip"}
# extra code – the loss on a (w, b) grid and a function that draws it; the next figures reuse it
W_GRID, B_GRID = np.meshgrid(np.linspace(-2, 20, 200), np.linspace(-10, 14, 200))
LOSS_GRID = np.mean((W_GRID[..., None] * t + B_GRID[..., None] - v) ** 2, axis=-1)


def draw_surface(ax, title):
    contours = ax.contour(W_GRID, B_GRID, LOSS_GRID, levels=np.logspace(-0.3, 3, 18), norm=LogNorm(),
                          cmap="viridis", linewidths=0.8)
    ax.clabel(contours, contours.levels[1::4], fmt="%.3g", fontsize=7)  # every fourth level: MSE in (m/s)²
    ax.plot(w_ls, b_ls, "k*", ms=14, label="closed-form minimum")
    ax.set(title=title, xlabel="slope w (m/s²)", ylabel="intercept b (m/s)",
           xlim=(W_GRID.min(), W_GRID.max()), ylim=(B_GRID.min(), B_GRID.max()))


# %%
fig, ax = plt.subplots(figsize=(6.5, 5))
draw_surface(ax, "Loss surface L(w, b) and the gradient-descent path")
ax.plot(path_gd[:, 0], path_gd[:, 1], ".-", color="C3", ms=3, label=f"GD, η = {LR}")
ax.legend(loc="upper right")
ctx.savefig(fig, "loss_surface")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · The learning rate: too small, just right, too large
#
# On a quadratic bowl, gradient descent is stable only if the step is small enough for the steepest direction:
#
# $$\eta < \frac{2}{\lambda_{\max}(H)} .$$
#
# Far below the limit the path is smooth but crawls: after the same number of steps it is still far from the
# minimum. Just below the limit the path zig-zags across the valley, yet it gets furthest, because the step along
# the flat valley floor is largest (the theoretical best for a quadratic is $\eta^* = 2/(\lambda_{\min} +
# \lambda_{\max})$, just under the limit). Just above the limit every step overshoots further and the loss
# explodes. In practice we do not know $\lambda_{\max}$, so we keep a safety margin, as our $\eta = 0.1$ does.
# We compute the limit from the Hessian and try four learning rates with the same number of steps.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one number decides crawl, zig-zag or explosion, and for a bowl we can compute the limit 2/λ_max.
# Point at: the four paths; the one just under the limit gets furthest despite zig-zagging.
# Ask the room: in a real network we cannot compute λ_max; how would you pick η?

# %%
lr_max = 2 / eigenvalues[-1]
LEARNING_RATES = {"too small": 0.01, "safe margin": LR, "near the limit": 0.9 * lr_max, "too large": 1.1 * lr_max}
lr_paths = {name: gradient_descent(lr, LR_STEPS) for name, lr in LEARNING_RATES.items()}
print(f"stability limit 2/λ_max = {lr_max:.3f}, best for this bowl 2/(λ_min + λ_max) = {2 / eigenvalues.sum():.3f}")
lr_final_loss = {name: mse(*path[-1], t, v) for name, path in lr_paths.items()}
for name, final in lr_final_loss.items():
    print(f"{name:>15} (η = {LEARNING_RATES[name]:.3f}): loss after {LR_STEPS} steps = {final:.3g}")
grew = [name for name, final in lr_final_loss.items() if final > mse(*START, t, v)]
lr_conclusion = (f"After {LR_STEPS} steps the lowest loss came from η {min(lr_final_loss, key=lr_final_loss.get)}; "
                 f"the loss grew above its start for: {', '.join(grew) or 'none'}.")
print(lr_conclusion)

# %%
SHOWN = 12  # steps drawn on the surface: enough to see each behaviour before the diverging path leaves the plot
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.6))
draw_surface(ax_path, f"The first {SHOWN} steps for four learning rates")
for name, path in lr_paths.items():
    label = f"{name} (η = {LEARNING_RATES[name]:.3f})"
    ax_path.plot(path[: SHOWN + 1, 0], path[: SHOWN + 1, 1], ".-", ms=4, lw=1, label=label)
    ax_loss.plot([mse(w, b, t, v) for w, b in path], label=label)
ax_loss.axhline(loss_ls, color="k", ls="--", label="minimum")
ax_loss.set(title="Loss per step", xlabel="step", ylabel="MSE ((m/s)²)", yscale="log")
ax_loss.legend(fontsize=8)
ax_path.legend(fontsize=8, loc="lower left")  # the diverging path leaves through the top
ctx.savefig(fig, "learning_rates")
plt.show()
assert mse(*lr_paths["too large"][-1], t, v) > mse(*START, t, v), "above 2/λ_max the loss should grow"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · SGD, momentum, RMSprop and Adam
#
# Real training sets are too big to compute the full gradient at every step. **Stochastic gradient descent
# (SGD)** estimates it on a small random *mini-batch* $B$ (here 5 of the 30 points): cheaper, noisier steps.
# Three refinements are used almost everywhere (written here as Keras writes them; $g_k$ is the mini-batch
# gradient at step $k$):
#
# - **Momentum** (Polyak, 1964) keeps a running velocity, so steps that agree add up and zig-zags cancel:
#   $$u_{k+1} = \beta\,u_k - \eta\,g_k, \qquad \theta_{k+1} = \theta_k + u_{k+1}, \qquad \beta = 0.9 .$$
# - **RMSprop** (Tieleman & Hinton, 2012; notebook 01 trains with it) keeps a running average $s$ of the squared
#   gradients and divides each parameter's step by $\sqrt{s}$, so a parameter with small gradients takes steps as
#   large as one with big gradients:
#   $$s_k = \rho\,s_{k-1} + (1 - \rho)\,g_k^2, \qquad \theta_k = \theta_{k-1} - \eta\,\frac{g_k}{\sqrt{s_k + \epsilon}},
#     \qquad \rho = 0.9 .$$
#   $s$ starts at 0 and after one step holds only $(1-\rho)\,g_1^2$, so the first step is $\eta/\sqrt{1-\rho}
#   \approx 3.2\,\eta$; as $s$ fills up the steps shrink towards about $\eta$ (printed below).
# - **Adam** (Kingma & Ba, 2015) is RMSprop plus momentum: it divides a running average $m$ of the gradients by
#   the running estimate of their size, so every parameter moves at about the rate $\eta$ from the first step,
#   whatever the scale of its gradient:
#   $$m_{k} = \beta_1 m_{k-1} + (1-\beta_1)\,g_k,\quad s_{k} = \beta_2 s_{k-1} + (1-\beta_2)\,g_k^2,\quad
#     \theta_{k} = \theta_{k-1} - \eta\,\frac{m_k/(1-\beta_1^k)}{\sqrt{s_k/(1-\beta_2^k)} + \epsilon}$$
#   with $\beta_1 = 0.9$, $\beta_2 = 0.999$ (the paper's defaults). The divisions by $1-\beta^k$ correct the
#   start, where $m$ and $s$ are still close to their initial zeros.
#
# Every optimiser below sees the same sequence of mini-batches, so only the update rule differs.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: all four differ only in the update line; the same mini-batches go into each. RMSprop and Adam divide by
# a running average of squared gradients; Adam also averages the gradients like momentum.
# Point at: SGD's jitter, momentum's loops, RMSprop's and Adam's diagonal start. Read the printed race, not our
# expectations, and its "points used" column: a mini-batch step costs 5 points, a full-batch step 30, so a
# method that needs more steps can still have done less work.
# Ask the room: why does SGD never settle exactly at the minimum?

# %% slideshow={"slide_type": "subslide"}
BATCH = 5


def sgd_update(theta, grad, state, lr):
    return theta - lr * grad


def momentum_update(theta, grad, state, lr, beta=0.9):
    state["u"] = beta * state.get("u", 0.0) - lr * grad
    return theta + state["u"]


def rmsprop_update(theta, grad, state, lr, rho=0.9, eps=1e-7):
    state["s"] = rho * state.get("s", 0.0) + (1 - rho) * grad**2
    return theta - lr * grad / np.sqrt(state["s"] + eps)


def adam_update(theta, grad, state, lr, beta1=0.9, beta2=0.999, eps=1e-7):
    k = state["k"] = state.get("k", 0) + 1
    state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * grad
    state["s"] = beta2 * state.get("s", 0.0) + (1 - beta2) * grad**2
    m_hat, s_hat = state["m"] / (1 - beta1**k), state["s"] / (1 - beta2**k)
    return theta - lr * m_hat / (np.sqrt(s_hat) + eps)


def optimise(update, lr, steps, batch=BATCH):
    """Run an update rule on mini-batch gradients; the same batches for every rule (same seed)."""
    batches = np.random.default_rng(ctx.seed + 1)
    theta, state, path = START.copy(), {}, [START.copy()]
    for _ in range(steps):
        idx = batches.choice(N_SPEED, batch, replace=False)
        theta = update(theta, mse_grad(*theta, t[idx], v[idx]), state, lr)
        path.append(theta.copy())
    return np.array(path)


# learning rates chosen by a quick try on this data: momentum's effective step is about η/(1-β) = 10 η
OPTIMISERS = {"SGD (η = 0.1)": (sgd_update, 0.1), "momentum (η = 0.01, β = 0.9)": (momentum_update, 0.01),
              "RMSprop (η = 0.3)": (rmsprop_update, 0.3), "Adam (η = 1)": (adam_update, 1.0)}
opt_paths = {name: optimise(update, lr, OPT_STEPS) for name, (update, lr) in OPTIMISERS.items()}
opt_paths[f"full-batch GD (η = {LR})"] = path_gd[: OPT_STEPS + 1]
for name, path in opt_paths.items():
    print(f"{name:>30}: w = {path[-1, 0]:6.3f}, b = {path[-1, 1]:6.3f}, MSE = {mse(*path[-1], t, v):.4f}")

# %%
fig, (ax_path, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.6))
draw_surface(ax_path, f"Optimiser paths ({OPT_STEPS} steps, mini-batches of {BATCH})")
for name, path in opt_paths.items():
    ax_path.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, label=name)
    ax_loss.plot([mse(w, b, t, v) for w, b in path], label=name)
ax_loss.axhline(loss_ls, color="k", ls="--", label="minimum")
ax_loss.set(title="Loss on all 30 points per step", xlabel="step", ylabel="MSE ((m/s)²)", yscale="log")
ax_loss.legend(fontsize=8)
ax_path.legend(fontsize=8, loc="upper right")
ctx.savefig(fig, "optimisers")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# What to see: SGD's path is jittery (each mini-batch points a slightly different way) and it never settles exactly,
# because the noise does not vanish at the minimum. Momentum builds up speed, overshoots and loops around the
# valley. RMSprop's and Adam's first steps move *each* parameter by about the same amount in the direction its
# gradient points, whatever the gradient's size, so they head off diagonally rather than straight downhill, then
# turn and follow the valley; near the minimum they keep jittering with the mini-batch noise. Full-batch gradient
# descent uses the exact gradient of all 30 points at every step, so its path is smooth.
#
# Which one is fastest? Two numbers per optimiser, read off the loss curves: the first step at which the loss
# on all 30 points is within 10 % of the minimum (how fast it gets close), and its mean loss over the last third
# of the steps (how close it stays). A full-batch step uses 30 points, a mini-batch step 5, so we also count the
# points each one used on the way.

# %% slideshow={"slide_type": "subslide"}
NEAR = 1.1  # "close": a loss within 10 % of the minimum
SHORT = {name: name.split(" (")[0] for name in opt_paths}  # "SGD", "momentum", "RMSprop", "Adam", "full-batch GD"


def first_step_near(losses):
    """The first step at which the loss is within NEAR × the minimum, or None if it never gets there."""
    hits = np.flatnonzero(np.asarray(losses) <= NEAR * loss_ls)
    return int(hits[0]) if hits.size else None


opt_losses = {name: np.array([mse(w, b, t, v) for w, b in path]) for name, path in opt_paths.items()}
reached = {name: first_step_near(losses) for name, losses in opt_losses.items()}
TAIL = max(1, OPT_STEPS // 3)  # the last third of the steps
late_loss = {name: losses[-TAIL:].mean() for name, losses in opt_losses.items()}
for name in opt_paths:
    points = N_SPEED if SHORT[name] == "full-batch GD" else BATCH
    when = (f"step {reached[name]:3d} ({reached[name] * points:4d} points used)" if reached[name] is not None
            else f"not within {OPT_STEPS} steps")
    print(f"{name:>30}: within 10 % of the minimum at {when}; mean loss over the last {TAIL} steps "
          f"{late_loss[name]:.3f}")

order = sorted(opt_paths, key=lambda n: np.inf if reached[n] is None else reached[n])
first = [f"{SHORT[n]} (step {reached[n]})" for n in order if reached[n] is not None]
never = [SHORT[n] for n in order if reached[n] is None]
closest = min(late_loss, key=late_loss.get)
opt_conclusion = (
    f"Within 10 % of the minimum, in order: {', '.join(first) or 'none'}"
    + (f"; not within {OPT_STEPS} steps: {', '.join(never)}" if never else "")
    + f". Lowest mean loss over the last {TAIL} steps: {SHORT[closest]} ({late_loss[closest]:.3f}; "
    f"minimum {loss_ls:.3f})."
)
print(opt_conclusion)
for name, losses in opt_losses.items():
    short = SHORT[name].replace(" ", "_").replace("-", "_").lower()
    ctx.log_metric(f"loss_{short}", losses[-1], unit="(m/s)²", baseline=loss_ls, higher_is_better=False)
    if reached[name] is not None:
        ctx.log_metric(f"steps_to_10pct_{short}", reached[name], unit="steps", higher_is_better=False)
assert all(losses[-1] < losses[0] for losses in opt_losses.values()), "every optimiser should descend"

# %% [markdown] slideshow={"slide_type": "fragment"}
# Do not generalise from this one race. Our valley is only mildly stretched (its condition number is printed in
# section 5; a few tens), the learning rates
# came from a quick try rather than tuning, and only the mini-batch methods feel gradient noise. Momentum and
# Adam were designed for long, narrow valleys and for data sets too big to compute the full gradient at every
# step, which is the situation of every network in the rest of the course. Adam is the usual first choice for
# neural networks because it needs the least tuning, not because it wins on every problem.
#
# Our update rules are the ones Keras implements. Five steps of each, from the same start with the same
# (full-batch) gradients, agree to float32 precision. The last column shows how far each step moved $w$, in
# units of $\eta$: momentum gathers speed, RMSprop starts near $3.2\,\eta$ and slows, Adam moves about $\eta$.

# %%
import keras

for name, update, lr, optimizer in [
    ("momentum", momentum_update, 0.01, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)),
    ("RMSprop", rmsprop_update, 0.3, keras.optimizers.RMSprop(learning_rate=0.3)),
    ("Adam", adam_update, 1.0, keras.optimizers.Adam(learning_rate=1.0)),
]:
    theta_keras = keras.Variable(START, dtype="float32")
    theta_hand, state, moves = START.copy(), {}, []
    for _ in range(5):
        new_theta = update(theta_hand, mse_grad(*theta_hand, t, v), state, lr)
        moves.append(abs(new_theta[0] - theta_hand[0]) / lr)  # this step's move of w, in units of η
        theta_hand = new_theta
        grad_keras = mse_grad(*keras.ops.convert_to_numpy(theta_keras), t, v)
        optimizer.apply([keras.ops.convert_to_tensor(grad_keras, "float32")], [theta_keras])
    theta_keras = keras.ops.convert_to_numpy(theta_keras)
    print(f"{name:>8}: by hand {np.round(theta_hand, 4)}, keras.optimizers {np.round(theta_keras, 4)}; "
          f"w moved by {', '.join(f'{m:.2f}' for m in moves)} η")
    assert np.allclose(theta_hand, theta_keras, rtol=1e-4, atol=1e-4), f"{name}: hand-written and Keras differ"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · The same fit with Keras: a neural network of one neuron
#
# A `Dense(1)` layer with one input computes $\hat v = w\,t + b$: its *kernel* is $w$, its *bias* is $b$. It is
# a neural network with a single neuron and no activation. `model.compile(optimizer=SGD(0.1), loss="mse")`
# picks the same loss and update rule as above, and `model.fit` runs the loop: forward pass, loss, gradient
# (by automatic differentiation instead of our derivation), update.
#
# To make the match exact we start from the same $(w, b) = (0, 8)$ and feed the full batch of 30 points at every
# step, so each Keras step is one of our gradient-descent steps. The data set `from_tensors((t, v)).repeat()`
# yields that full batch over and over; `steps_per_epoch=10` makes each "epoch" ten steps, which keeps the
# history short. The rest of the course trains with mini-batches and an adaptive optimiser (RMSprop in
# notebook 01, Adam in most later ones), and `TimeBudget` stops training if the workshop clock runs out.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Dense(1) is one neuron; model.fit runs our loop with automatic differentiation. Same start, same
# steps, same answer: the library holds no magic.
# Ask the room: what in this cell would change for a network with a million weights? (Only the model line.)

# %% slideshow={"slide_type": "subslide"}
import tensorflow as tf

STEPS_PER_EPOCH = 10
KERAS_EPOCHS = max(1, STEPS // STEPS_PER_EPOCH)

model = keras.Sequential([
    keras.Input(shape=(1,)),
    keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(START[0]),
                       bias_initializer=keras.initializers.Constant(START[1])),
])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR), loss="mse")
full_batch = tf.data.Dataset.from_tensors((t[:, None].astype("float32"), v.astype("float32"))).repeat()
budget = utils.training.TimeBudget(KERAS_BUDGET_S)
history = model.fit(full_batch, epochs=KERAS_EPOCHS, steps_per_epoch=STEPS_PER_EPOCH, callbacks=[budget],
                    shuffle=False, verbose=0)

kernel, bias = model.layers[0].get_weights()
w_keras, b_keras = float(kernel[0, 0]), float(bias[0])
steps_run = len(history.history["loss"]) * STEPS_PER_EPOCH
ctx.log_metric("g_keras", w_keras, unit="m/s²", baseline=w_ls)
ctx.log_metric("g_error_keras", abs(w_keras - G_TRUE), unit="m/s²", target=0.5, higher_is_better=False)
print(f"Keras after {steps_run} steps: w = g = {w_keras:.4f} m/s², b = {b_keras:.4f} m/s")
print(f"our GD after {steps_run} steps: w = g = {path_gd[steps_run, 0]:.4f} m/s², b = {path_gd[steps_run, 1]:.4f} m/s")
if not budget.stopped_early:
    assert np.allclose([w_keras, b_keras], path_gd[steps_run], rtol=1e-3, atol=1e-3), "Keras should match our GD"

# %%
ax = utils.plots.plot_history(history, title="Keras Dense(1) trained with model.fit", ylabel="MSE ((m/s)²)",
                              logy=True)
ax.set_xlabel(f"epoch ({STEPS_PER_EPOCH} full-batch steps each)")
ax.axhline(loss_ls, color="k", ls="--", label="closed-form minimum")
ax.legend()
ctx.savefig(ax.figure, "keras_history")
plt.show()
assert history.history["loss"][-1] < history.history["loss"][0]

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Distance fallen: a curve, not a line
#
# The lecture's table records how far the ball fell ($d$, in metres) against time. Physics says
#
# $$d(t) = \tfrac12\,g\,t^2 ,$$
#
# a parabola, so a straight line cannot fit it. We still use *linear* regression: a polynomial of degree $p$,
#
# $$\hat d = \theta_0 + \theta_1 x + \theta_2 x^2 + \dots + \theta_p x^p ,$$
#
# is linear in its parameters $\theta$. Put the powers of each input in a row of a **design matrix**
# $X_{ij} = x_i^{\,j}$ ($j = 0, \dots, p$) and the normal equations of section 2 solve it unchanged.
#
# One practical detail: the powers of $t \in [0, 3]$ s range from $3^0 = 1$ to $3^{20} \approx 3.5\cdot10^9$,
# which makes the least-squares problem numerically ill-conditioned. We therefore use $x = t/1.5\,\mathrm{s} - 1$,
# which maps the times to $[-1, 1]$, where every power stays between $-1$ and $1$.
#
# The data: 20 simulated training drops at evenly spread times (as a careful experimenter would plan them),
# with distance noise $\sigma_d = 2$ m, plus 100 **validation** drops at random times that the fit never sees (to
# compare models) and 100 **test** drops (touched once, at the very end).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: distance grows with t², so a line cannot fit; a polynomial is still linear in its parameters, so least
# squares still works. Scaling t to [-1, 1] keeps the powers tame.
# Point at: degree 1 missing the curve, degree 20 threading every training point and swinging between them.
# Ask the room: which of the three would you trust for a drop at t = 3.2 s?

# %%
SIGMA_D = 2.0  # m
N_TRAIN, N_VAL, N_TEST = 20, 100, 100


def simulate_drops(times):
    return times, 0.5 * G_TRUE * times**2 + rng.normal(0.0, SIGMA_D, len(times))


def scaled(times):
    return times / 1.5 - 1.0  # [0, 3] s → [-1, 1]


def design(times, degree):
    """Design matrix with columns x^0 … x^degree of the scaled times."""
    return np.vander(scaled(times), degree + 1, increasing=True)


t_train, d_train = simulate_drops(np.linspace(0.0, 3.0, N_TRAIN))  # planned: evenly spread drop times
t_val, d_val = simulate_drops(np.sort(rng.uniform(0.0, 3.0, N_VAL)))  # new drops at random times
t_test, d_test = simulate_drops(np.sort(rng.uniform(0.0, 3.0, N_TEST)))
print(f"condition number of the degree-20 design matrix: raw t {np.linalg.cond(np.vander(t_train, 21)):.1e}, "
      f"scaled x {np.linalg.cond(design(t_train, 20)):.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Degree 1, 2 and 20
#
# The lecture's picture: degree 1 is too simple and misses the curve (**bias**, underfitting); degree 2 has
# the right shape; degree 20 has 21 parameters for 20 points, so it can pass through every training point, and
# it does, swinging wildly in between (**variance**, overfitting).

# %%
def fit_polynomial(degree, lam=0.0):
    """Least-squares polynomial fit on the training drops; lam > 0 adds the L2 penalty of section 11."""
    X = design(t_train, degree)
    penalty = lam * np.diag([0.0] + [1.0] * degree)  # the intercept θ0 is not penalised
    if lam == 0:
        return np.linalg.lstsq(X, d_train, rcond=None)[0]
    return np.linalg.solve(X.T @ X / N_TRAIN + penalty, X.T @ d_train / N_TRAIN)


def poly_mse(theta, times, distances):
    return np.mean((design(times, len(theta) - 1) @ theta - distances) ** 2)


fits = {degree: fit_polynomial(degree) for degree in (1, 2, 20)}
for degree, theta in fits.items():
    print(f"degree {degree:2d}: train MSE {poly_mse(theta, t_train, d_train):9.3g} m², "
          f"validation MSE {poly_mse(theta, t_val, d_val):9.3g} m²")

# %%
t_plot = np.linspace(0, 3, 400)
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharey=True, layout="constrained")
verdicts = {1: "underfit (bias)", 2: "about right", 20: "overfit (variance)"}
for ax, (degree, theta) in zip(axes, fits.items(), strict=True):
    ax.scatter(t_val, d_val, s=8, color="0.75", label="validation drops")
    ax.scatter(t_train, d_train, s=20, color="C0", label="training drops")
    ax.plot(t_plot, 0.5 * G_TRUE * t_plot**2, "k--", lw=1, label="truth ½ g t²")
    ax.plot(t_plot, design(t_plot, degree) @ theta, color="C3", label=f"degree {degree}")
    ax.set(title=f"degree {degree}: {verdicts[degree]}", xlabel="time t (s)", ylim=(-10, 55))
axes[0].set_ylabel("distance fallen d (m)")
axes[0].legend(fontsize=8, loc="upper left")
fig.suptitle("Polynomial fits of the distance fallen")
ctx.savefig(fig, "polynomial_fits")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# The degree-2 fit also measures $g$: in unscaled time, $d = a t^2 + b t + c$ with $a = g/2$. We refit it on raw
# $t$ (harmless for degree 2) to read $g = 2a$ off directly. For comparison, the nine hand-timed drops in the
# lecture's table, fitted with $d = \tfrac12 g t^2$ alone ($g = 2\sum d_i t_i^2 / \sum t_i^4$), give a real
# measurement with its own, larger, errors: hand timing is hard.

# %%
a, _, _ = np.linalg.lstsq(np.vander(t_train, 3), d_train, rcond=None)[0]  # columns t², t, 1
g_quadratic = 2 * a
lecture_d = np.array([0, 5, 5.4, 20, 25, 31, 34, 45, 10])  # m, the lecture's table
lecture_t = np.array([0, 1, 1, 2, 2.5, 2.6, 2.7, 3, 1.5])  # s
g_lecture = 2 * np.sum(lecture_d * lecture_t**2) / np.sum(lecture_t**4)
ctx.log_metric("g_quadratic_fit", g_quadratic, unit="m/s²")
ctx.log_metric("g_error_quadratic_fit", abs(g_quadratic - G_TRUE), unit="m/s²", higher_is_better=False)
print(f"g from the degree-2 fit: {g_quadratic:.2f} m/s²; from the lecture's nine drops: {g_lecture:.2f} m/s²")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · Train and validation error against degree
#
# The training error can only go down as the degree grows: a bigger model can always copy the smaller one and
# then do a bit better on the points it sees. What we care about is the error on *new* drops, the validation
# error. It falls while the model gains the flexibility it needs, then climbs once the extra flexibility goes
# into fitting noise. The gap between the curves is the overfitting. The noise level $\sigma_d^2 = 4\ \mathrm{m^2}$
# is the floor *in expectation*: even the true curve $\tfrac12 g t^2$ has that MSE on average over many new drops.
# On 100 drops the measured MSE scatters around it by about $\sigma_d^2\sqrt{2/100} \approx 0.6\ \mathrm{m^2}$,
# so one validation or test MSE can land a little below it (the true curve's own score is printed below).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: training error only falls with capacity; validation error falls, then rises. The gap is overfitting,
# and the noise level is the floor no model beats on average; 100 drops measure it only to about ±0.6 m².
# Point at: the minimum of the validation curve and the dotted noise line.
# Ask the room: why is choosing the degree on the validation set slightly optimistic?

# %%
DEGREES = np.arange(0, 21)
train_mse = [poly_mse(fit_polynomial(p), t_train, d_train) for p in DEGREES]
val_mse = [poly_mse(fit_polynomial(p), t_val, d_val) for p in DEGREES]
best_degree = int(DEGREES[np.argmin(val_mse)])

fig, ax = plt.subplots()
ax.plot(DEGREES, train_mse, "o-", label="training")
ax.plot(DEGREES, val_mse, "s--", label="validation")
ax.axhline(SIGMA_D**2, color="k", lw=1, ls=":", label="noise level σ²")
# degrees 19 and 20 (≥ 20 parameters for 20 points) pass through every training point: train MSE ≈ 0, below the axis
ax.set(title="Error against polynomial degree", xlabel="polynomial degree p", ylabel="MSE (m²)", yscale="log",
       xticks=DEGREES[::2], ylim=(0.1, None))
ax.legend(loc="upper center")
ctx.savefig(fig, "degree_curve")
plt.show()
print(f"lowest validation MSE at degree {best_degree}: {min(val_mse):.2f} m²")
truth_val, truth_test = (np.mean((0.5 * G_TRUE * times**2 - d) ** 2) for times, d in [(t_val, d_val), (t_test, d_test)])
print(f"the true curve ½ g t² itself: validation MSE {truth_val:.2f} m², test MSE {truth_test:.2f} m² "
      f"(noise level {SIGMA_D**2:.0f} m², scatter on {N_VAL} drops about ±{SIGMA_D**2 * np.sqrt(2 / N_VAL):.1f} m²)")

# %%
for degree in (1, 2, 20):
    ctx.log_metric(f"val_mse_degree_{degree}", val_mse[degree], unit="m²", higher_is_better=False,
                   baseline=val_mse[1] if degree == 2 else None,
                   target=1.5 * SIGMA_D**2 if degree == 2 else None, key=degree == 2)
assert train_mse[20] <= train_mse[2] + 1e-9, "more parameters cannot fit the training drops worse"
assert val_mse[2] < val_mse[1], "the right shape should beat the line on new data"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11 · L2 regularisation (ridge) tames degree 20
#
# Instead of removing parameters we can make large ones expensive. Ridge regression adds the squared size of
# the coefficients to the loss, with a strength $\lambda \ge 0$ (the intercept $\theta_0$ is left free, so that
# shifting all distances does not cost anything):
#
# $$L_\lambda(\theta) = \frac1N\,\lVert X\theta - d\rVert^2 + \lambda \sum_{j\ge1} \theta_j^2
# \quad\Longrightarrow\quad
# \Bigl(\tfrac1N X^\top X + \lambda D\Bigr)\,\theta = \tfrac1N X^\top d, \qquad D = \mathrm{diag}(0, 1, \dots, 1).$$
#
# Wild wiggles need huge, cancelling coefficients, so the penalty flattens them. $\lambda = 0$ is plain least
# squares; a very large $\lambda$ squeezes the curve to a constant (underfitting again). We pick $\lambda$ by
# the validation error. In Keras the same penalty is `kernel_regularizer=keras.regularizers.L2(λ)`
# (also called *weight decay*).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: instead of fewer parameters, make large ones expensive. One knob λ slides from overfit to underfit.
# Point at: the valley of the validation curve in λ, and the tamed degree-20 curve on the right.
# Ask the room: why is the intercept left out of the penalty?

# %%
LAMBDAS = np.logspace(-14, 2, N_LAMBDAS)
ridge_train = [poly_mse(fit_polynomial(20, lam), t_train, d_train) for lam in LAMBDAS]
ridge_val = [poly_mse(fit_polynomial(20, lam), t_val, d_val) for lam in LAMBDAS]
best_lambda = float(LAMBDAS[np.argmin(ridge_val)])
theta_ridge = fit_polynomial(20, best_lambda)
print(f"best λ = {best_lambda:.2g}: validation MSE {min(ridge_val):.2f} m² "
      f"(degree 20 without penalty: {val_mse[20]:.3g} m², degree 2: {val_mse[2]:.2f} m²)")
print(f"size of the coefficients ‖θ‖: {np.linalg.norm(fits[20]):.3g} without penalty, "
      f"{np.linalg.norm(theta_ridge):.3g} with λ = {best_lambda:.2g}")
near_degree_2 = LAMBDAS[np.asarray(ridge_val) <= 1.25 * val_mse[2]]  # within 25 % of degree 2's validation MSE
if near_degree_2.size:
    print(f"λ from {near_degree_2.min():.2g} to {near_degree_2.max():.2g} ({near_degree_2.size} of {len(LAMBDAS)} "
          f"tried) keep the validation MSE within 25 % of degree 2's")
else:
    print(f"no λ of the {len(LAMBDAS)} tried brings the validation MSE within 25 % of degree 2's")

# %%
fig, (ax_err, ax_fit) = plt.subplots(1, 2, figsize=(12, 4.4))
ax_err.plot(LAMBDAS, ridge_train, "o-", ms=3, label="training")
ax_err.plot(LAMBDAS, ridge_val, "s--", ms=3, label="validation")
ax_err.axhline(SIGMA_D**2, color="k", lw=1, ls=":", label="noise level σ²")
ax_err.axvline(best_lambda, color="C3", lw=1, label=f"best λ = {best_lambda:.2g}")
ax_err.set(title="Degree 20: error against L2 strength", xlabel="λ", ylabel="MSE (m²)", xscale="log",
           yscale="log")
ax_err.legend(fontsize=8)
ax_fit.scatter(t_train, d_train, s=20, label="training drops")
ax_fit.plot(t_plot, 0.5 * G_TRUE * t_plot**2, "k--", lw=1, label="truth ½ g t²")
ax_fit.plot(t_plot, design(t_plot, 20) @ fits[20], color="0.6", label="degree 20, λ = 0")
ax_fit.plot(t_plot, design(t_plot, 20) @ theta_ridge, color="C3", label=f"degree 20, λ = {best_lambda:.2g}")
ax_fit.set(title="Degree 20 with and without L2", xlabel="time t (s)", ylabel="distance fallen d (m)",
           ylim=(-10, 55))
ax_fit.legend(fontsize=8)
ctx.savefig(fig, "ridge")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Read the left panel from right to left: a huge $\lambda$ flattens everything (both errors high, underfit); in
# between, a range of $\lambda$ brings the validation error close to degree 2's (printed above: how wide it is in
# this run); as $\lambda \to 0$ the wiggles
# return and the validation error climbs towards the unpenalised fit's. The penalty shrinks the coefficients by
# orders of magnitude (printed above), and that is what removes the wiggles.
#
# We chose the degree and $\lambda$ by looking at the validation drops, so the validation error of the winner is
# a little optimistic. The **test** drops, used only now, give the honest numbers.

# %%
test_degree_2 = poly_mse(fits[2], t_test, d_test)
test_ridge = poly_mse(theta_ridge, t_test, d_test)
test_degree_20 = poly_mse(fits[20], t_test, d_test)
print(f"test MSE: degree 2 {test_degree_2:.2f} m², degree 20 + L2 {test_ridge:.2f} m², "
      f"degree 20 alone {test_degree_20:.3g} m²")
ridge_conclusion = (
    f"Test MSE of degree 20: {test_degree_20:.3g} m² alone, {test_ridge:.2f} m² with the L2 penalty, "
    f"{'below' if test_ridge < test_degree_2 else 'above'} degree 2's {test_degree_2:.2f} m² "
    f"(noise level {SIGMA_D**2:.0f} m²)."
)
print(ridge_conclusion)
ctx.log_metric("val_mse_degree_20_ridge", min(ridge_val), unit="m²", baseline=val_mse[20], higher_is_better=False,
               target=1.5 * SIGMA_D**2, key=True)
ctx.log_metric("test_mse_degree_2", test_degree_2, unit="m²", higher_is_better=False)
ctx.log_metric("test_mse_degree_20_ridge", test_ridge, unit="m²", baseline=test_degree_20, higher_is_better=False)
ctx.log_metric("best_lambda", best_lambda)
assert min(ridge_val) < val_mse[20], "some L2 strength should beat the unregularised degree-20 fit"

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 12 · From one neuron to an MLP
#
# Section 8's `Dense(1)` is a single neuron without an activation. This part builds up, from that neuron, the
# network notebook 01 uses: a **multi-layer perceptron (MLP)**, layers of neurons where the outputs of one layer
# are the inputs of the next. (The name is historical: its neurons are smooth, not the all-or-nothing
# perceptrons it is named after.)
#
# A **neuron** weighs its inputs $x = (x_1, \dots, x_d)$, adds a bias, and passes the sum $z$ (its
# *pre-activation*) through an **activation function** $\varphi$:
#
# $$z = \sum_{j=1}^{d} w_j x_j + b = w \cdot x + b, \qquad a = \varphi(z).$$
#
# With $\varphi(z) = z$ it is the line of section 8. With the step function $\varphi(z) = 1$ if $z > 0$, else $0$,
# it is Rosenblatt's **perceptron** (1958), which answers yes or no; its two answers are divided by the straight
# line $w \cdot x + b = 0$. On a batch of examples (one per row of $X$) the forward pass is one matrix product:
# $a = \varphi(Xw + b)$. The first test: the logic gates AND, OR and XOR ("exactly one input is on") on their
# four possible inputs.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: this part turns section 8's one neuron into the network notebook 01 uses. Perceptron and XOR show why
# one neuron is not enough; activations, backprop and initialisation show how layers learn; the two moons
# show Keras doing it all. Point at: the printed AND: one weighted sum and a threshold already make a logic gate.
# Ask the room: why would a network of stacked linear layers be no better than one neuron?

# %%
def step(z):
    return (z > 0).astype(float)


def neuron(X, w, b, activation):
    """A neuron's forward pass on a batch: one example per row of X."""
    return activation(X @ w + b)


X_GATE = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)  # the four inputs of a two-input gate
GATES = {"AND": np.array([0, 0, 0, 1.0]), "OR": np.array([0, 1, 1, 1.0]), "XOR": np.array([0, 1, 1, 0.0])}
section_start = time.perf_counter()  # the wall time of this part goes into the metrics
print("a perceptron with w = (1, 1), b = -1.5 on the inputs", X_GATE.tolist(), "answers",
      neuron(X_GATE, np.array([1.0, 1.0]), -1.5, step), "= AND")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The perceptron rule, and XOR
#
# Rosenblatt's perceptron learns its weights from examples. Take the examples one at a time, predict
# $\hat y = \text{step}(w \cdot x + b)$, and move the weights by the error $y - \hat y$ (which is 0, +1 or −1):
#
# $$w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad b \leftarrow b + \eta\,(y - \hat y).$$
#
# A right answer changes nothing; a wrong one tilts the line towards the missed example. One pass over all the
# training examples is called an **epoch**. If some straight line separates the two classes, the rule finds one
# after finitely many mistakes (the perceptron convergence theorem). XOR has no such line: (0, 1) and (1, 0)
# must be on one side, (0, 0) and (1, 1) on the other. Minsky and Papert (1969) made this limit famous.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the rule moves the line only when an example is wrong, and moves it towards that example.
# Point at: the mistakes per epoch: AND and OR reach 0 and stop changing; XOR makes mistakes in every epoch.
# In the figure, the black × marks the examples each perceptron gets wrong.
# Ask the room: draw XOR's four points; can any straight line put (0, 1) and (1, 0) on one side and (0, 0) and
# (1, 1) on the other? How many of the four can a line get right at best? (Three.)

# %%
PERCEPTRON_EPOCHS = 20  # the same in every mode: four examples per epoch cost nothing


def train_perceptron(X, y, epochs, lr=1.0):
    """Rosenblatt's rule, one example at a time; returns w, b and the number of mistakes in each epoch."""
    w, b, mistakes = np.zeros(X.shape[1]), 0.0, []
    for _ in range(epochs):
        wrong = 0
        for x_i, y_i in zip(X, y, strict=True):
            error = y_i - step(x_i @ w + b)
            w, b = w + lr * error * x_i, b + lr * error
            wrong += int(error != 0)
        mistakes.append(wrong)
    return w, b, mistakes


perceptrons = {gate: train_perceptron(X_GATE, y, PERCEPTRON_EPOCHS) for gate, y in GATES.items()}
perceptron_correct = {gate: int(np.sum(neuron(X_GATE, w_p, b_p, step) == GATES[gate]))
                      for gate, (w_p, b_p, _) in perceptrons.items()}
ctx.log_metric("perceptron_xor_correct", perceptron_correct["XOR"], unit="of 4")
for gate, (_, _, mistakes) in perceptrons.items():
    last_mistake = max((i + 1 for i, m in enumerate(mistakes) if m), default=0)
    print(f"{gate:>3}: {perceptron_correct[gate]}/4 right after {PERCEPTRON_EPOCHS} epochs; mistakes per epoch "
          f"{mistakes[:6]}…; last mistake in epoch {last_mistake}")


# %% slideshow={"slide_type": "skip"}
# extra code – colour the plane by a classifier's answer and show the examples on it, a black × on each example
# it gets wrong (used three times below)
def draw_regions(ax, predict, X, y, title, xlim=(-0.5, 1.5), ylim=(-0.5, 1.5)):
    """predict: an (n, 2) array of points → their classes 0 or 1."""
    g1, g2 = np.meshgrid(np.linspace(*xlim, 150), np.linspace(*ylim, 150))
    regions = predict(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
    ax.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5], colors=["#d6e4f5", "#f7d9cc"])
    small = len(X) < 10
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", vmin=0, vmax=1, edgecolors="k", s=60 if small else 12)
    wrong = predict(X) != y
    ax.scatter(X[wrong, 0], X[wrong, 1], marker="x", color="k", s=120 if small else 40, lw=2 if small else 1.2,
               label=f"wrong ({wrong.sum()})")
    ax.legend(loc="upper right", fontsize=8)
    ax.set(title=title, xlabel="input x₁", ylabel="input x₂", xlim=xlim, ylim=ylim)


# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
for ax, (gate, (w_p, b_p, _)) in zip(axes, perceptrons.items(), strict=True):
    draw_regions(ax, lambda P, w_p=w_p, b_p=b_p: neuron(P, w_p, b_p, step), X_GATE, GATES[gate],
                 f"perceptron on {gate}: {perceptron_correct[gate]}/4 right")
fig.suptitle("One perceptron: one straight boundary (red region: answers 1; red dots: true answer 1)")
ctx.savefig(fig, "perceptron_gates")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ### A hidden layer, and why it needs an activation
#
# The way out is a **hidden layer**: $H$ neurons look at the input, and an output neuron looks at their answers.
# With a weight matrix $W_1$ ($d \times H$) and $W_2$ ($H \times 1$), for a batch $X$ ($N \times d$):
#
# $$Z_1 = X W_1 + b_1, \qquad A_1 = \varphi(Z_1), \qquad \hat y = A_1 W_2 + b_2 .$$
#
# Without the activation $\varphi$ this gains nothing: $(X W_1 + b_1) W_2 + b_2 = X (W_1 W_2) + (b_1 W_2 + b_2)$
# is again one linear layer, and any stack of linear layers collapses the same way. The activation bends the
# layer, so the network can draw curved boundaries and curves. Three common choices and their derivatives (the
# backward pass below needs them):
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}},\ \ \sigma'(z) = \sigma(z)\bigl(1 - \sigma(z)\bigr); \qquad
# \tanh'(z) = 1 - \tanh^2 z; \qquad \text{ReLU}(z) = \max(0, z),\ \ \text{ReLU}'(z) = [z > 0].$$
#
# ($[z > 0]$ is 1 where $z > 0$ and 0 elsewhere; at $z = 0$ itself ReLU has no slope, and we take 0, as
# TensorFlow does.)

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: without an activation a hidden layer collapses into one linear layer (the printed check: two layers equal
# one with W1·W2). The activation is what bends the model.
# Point at: the derivative panel: the grey zones where sigmoid′ and tanh′ are nearly 0 (saturation); ReLU′ is 1
# for every z > 0.
# Ask the room: sigmoid′ is at most 1/4; how small can a gradient get after passing ten sigmoid layers?
# (At most 1/4¹⁰ ≈ 10⁻⁶ of it, before the weights.)

# %%
def sigmoid(z):
    return 1 / (1 + np.exp(-z))


ACTIVATIONS = {  # name: (φ, φ'), both written in terms of the pre-activation z
    "sigmoid": (sigmoid, lambda z: sigmoid(z) * (1 - sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
}

rng_mlp = np.random.default_rng(ctx.seed + 12)  # this part's own random numbers
W1, b1, W2, b2 = rng_mlp.normal(size=(2, 5)), rng_mlp.normal(size=5), rng_mlp.normal(size=(5, 1)), rng_mlp.normal(size=1)
two_linear_layers = (X_GATE @ W1 + b1) @ W2 + b2
one_linear_layer = X_GATE @ (W1 @ W2) + (b1 @ W2 + b2)
print("two linear layers:", two_linear_layers.ravel().round(4), " one layer with W1·W2:", one_linear_layer.ravel().round(4))
assert np.allclose(two_linear_layers, one_linear_layer), "stacked linear layers are one linear layer"

# %%
z_plot = np.linspace(-6, 6, 241)
fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
for name, (phi, dphi) in ACTIVATIONS.items():
    ax_f.plot(z_plot, phi(z_plot), label=name)
    ax_d.plot(z_plot, dphi(z_plot), label=f"{name}′")
ax_d.axvspan(3, 6, color="0.9", label="saturated: sigmoid′, tanh′ ≈ 0")
ax_d.axvspan(-6, -3, color="0.9")
ax_f.set(title="Activation functions φ(z)", xlabel="pre-activation z", ylabel="φ(z)", ylim=(-1.2, 2.2))
ax_d.set(title="Their derivatives φ′(z)", xlabel="pre-activation z", ylabel="φ′(z)")
ax_f.legend()
ax_d.legend(fontsize=8)
ctx.savefig(fig, "activations")
plt.show()
print(f"slope at z = 5: sigmoid′ = {ACTIVATIONS['sigmoid'][1](5.0):.4f}, tanh′ = {ACTIVATIONS['tanh'][1](5.0):.5f}, "
      f"ReLU′ = {ACTIVATIONS['relu'][1](np.array(5.0)):.0f}; the largest sigmoid′ anywhere is "
      f"{ACTIVATIONS['sigmoid'][1](0.0):.2f}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# **Saturation**: for large $|z|$ sigmoid and tanh go flat, their derivative is nearly 0, and (as the backward
# pass shows next) a gradient that passes through them is multiplied by that factor. Even at its best, sigmoid′
# is only 1/4: at every sigmoid layer a gradient crosses it is multiplied by at most 1/4 (and by the weights),
# which is why deep stacks of sigmoids learn slowly. ReLU does not saturate
# for $z > 0$ (slope 1), which is one reason deep networks use it; for $z < 0$ its slope is 0, and a unit whose
# $z$ is negative for every example stops learning ("dead ReLU").

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Backpropagation, by hand
#
# To train the network by gradient descent we need $\partial L/\partial W_1$, $\partial L/\partial b_1$,
# $\partial L/\partial W_2$, $\partial L/\partial b_2$. Backpropagation is the chain rule of section 3, applied
# layer by layer from the loss backwards, reusing what the forward pass computed. Call
# $\delta = \partial L/\partial z$ the error signal of a layer's pre-activations. With the MSE
# $L = \frac1N \sum_n (\hat y_n - y_n)^2$:
#
# $$\delta_2 = \frac{\partial L}{\partial z_2} = \frac{\partial L}{\partial \hat y} = \frac{2}{N}(\hat y - y), \qquad
#   \frac{\partial L}{\partial W_2} = A_1^\top \delta_2, \qquad \frac{\partial L}{\partial b_2} = \sum_n \delta_{2,n},$$
#
# $$\delta_1 = \bigl(\delta_2 W_2^\top\bigr) \odot \varphi'(Z_1), \qquad
#   \frac{\partial L}{\partial W_1} = X^\top \delta_1, \qquad \frac{\partial L}{\partial b_1} = \sum_n \delta_{1,n}.$$
#
# The output neuron has no activation, so its pre-activation $z_2$ is $\hat y$ itself, and $\delta_2$ is $\partial
# L/\partial \hat y$. Read the formulas as three rules: a weight's gradient is (its layer's input)$^\top$ × (its
# layer's $\delta$); a bias's gradient is $\delta$ summed over the batch (the $1/N$ of the mean is already inside
# $\delta$); and $\delta$ travels one layer back by multiplying with the transposed weights, then with $\varphi'$
# ($\odot$: element by element). That last factor is where saturation bites.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: backprop is the chain rule run backwards, reusing the forward pass. Three rules: a weight's gradient is
# (layer input)ᵀ × δ; a bias's gradient is δ summed over the batch; δ goes one layer back through Wᵀ, then φ′.
# Point at: the printed relative errors against GradientTape: about 10⁻¹⁶, float64 round-off, for all three
# activations.
# Ask the room: what would the relative error look like if we had forgotten the φ′ factor? (Close to 1.)

# %% slideshow={"slide_type": "subslide"}
def init_mlp(n_in, n_hidden, n_out, rng, how="glorot"):
    """Weights of a two-layer MLP, biases zero. 'glorot' is Keras's default: uniform in ±√(6/(fan_in+fan_out));
    a number fills every weight with that constant (to show below why that fails)."""
    def weights(fan_in, fan_out):
        if how == "glorot":
            limit = np.sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, (fan_in, fan_out))
        return np.full((fan_in, fan_out), float(how))

    return {"W1": weights(n_in, n_hidden), "b1": np.zeros(n_hidden),
            "W2": weights(n_hidden, n_out), "b2": np.zeros(n_out)}


def mlp_forward(params, X, act="tanh"):
    """Forward pass; returns the output ŷ and what the backward pass reuses (Z1, A1)."""
    Z1 = X @ params["W1"] + params["b1"]
    A1 = ACTIVATIONS[act][0](Z1)
    return A1 @ params["W2"] + params["b2"], (Z1, A1)


def mlp_backward(params, X, y, act="tanh"):
    """The MSE and its gradient for every parameter, by the δ formulas above."""
    y_hat, (Z1, A1) = mlp_forward(params, X, act)
    delta2 = 2 * (y_hat - y) / len(y)  # ∂L/∂ŷ, N × 1
    delta1 = (delta2 @ params["W2"].T) * ACTIVATIONS[act][1](Z1)  # ∂L/∂Z1, N × H
    grads = {"W2": A1.T @ delta2, "b2": delta2.sum(axis=0), "W1": X.T @ delta1, "b1": delta1.sum(axis=0)}
    return np.mean((y_hat - y) ** 2), grads


# %% [markdown] slideshow={"slide_type": "subslide"}
# A hand-derived gradient deserves a test (section 3 used a finite difference). Here the referee is TensorFlow's
# automatic differentiation: `tf.GradientTape` records the same forward pass and differentiates it for us. We use
# float64, so the two should agree to about 15 digits; a slip in a formula (a missing $\varphi'$, a transpose)
# shows up as a relative error near 1.

# %%
def tape_gradients(params, X, y, act):
    """The same loss differentiated by TensorFlow (float64)."""
    tf_act = {"sigmoid": tf.sigmoid, "tanh": tf.tanh, "relu": tf.nn.relu}[act]
    variables = {name: tf.Variable(value, dtype=tf.float64) for name, value in params.items()}
    with tf.GradientTape() as tape:
        y_hat = tf_act(X @ variables["W1"] + variables["b1"]) @ variables["W2"] + variables["b2"]
        loss = tf.reduce_mean((y_hat - y) ** 2)
    return {name: grad.numpy() for name, grad in tape.gradient(loss, variables).items()}


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


X_check, y_check = rng_mlp.normal(size=(16, 3)), rng_mlp.normal(size=(16, 1))
params_check = init_mlp(3, 5, 1, rng_mlp)
params_check["b1"] = rng_mlp.normal(size=5)  # non-zero biases, so that every part of the formulas is tested
backprop_error = {}
for act in ACTIVATIONS:
    _, by_hand = mlp_backward(params_check, X_check, y_check, act)
    by_tape = tape_gradients(params_check, X_check, y_check, act)
    backprop_error[act] = max(relative_error(by_hand[name], by_tape[name]) for name in params_check)
    print(f"{act:>7}: largest relative error, hand vs GradientTape, over W1, b1, W2, b2: {backprop_error[act]:.1e}")
worst_backprop_error = max(backprop_error.values())
ctx.log_metric("backprop_rel_error", worst_backprop_error, target=1e-6, higher_is_better=False, key=True)
assert worst_backprop_error < 1e-6, "the hand-written gradients disagree with GradientTape"

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Training it: XOR, and why the weights start random
#
# With the gradients in hand, training is section 4's loop: gradient descent (section 7's `sgd_update`) on all
# four XOR examples at every step, a tanh hidden layer of 4 units, and the answer 1 where $\hat y > 0.5$.
#
# The weights start **random**. Why not at zero? Every hidden unit would then compute the same thing, receive the
# same $\delta$ and the same update, and stay the same for ever: the layer would act as a single unit. Worse, with
# all weights zero, $\delta_1 = \delta_2 W_2^\top = 0$ and $A_1 = \tanh(0) = 0$, so no weight ever moves and only
# $b_2$ learns. Random weights break the symmetry. Their scale matters too: too large and tanh saturates, too
# small and the signal fades layer by layer. Glorot and Bengio (2010) chose the range so that the signal keeps its
# size through the layers; it is the Keras default. We train from three starts: Glorot-random, all zeros, and
# every weight 0.5.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the same loop as section 4, with backprop's gradients. Only the starting weights differ between the runs.
# Point at: the printed spread of the hidden units' weights: 0 for both constant starts, so the units stayed
# identical; in the figure, the × on the examples each net gets wrong.
# Ask the room: why can the all-0.5 net, with four hidden units, do no better than a straight line?

# %% slideshow={"slide_type": "subslide"}
def train_mlp(params, X, y, steps, update, lr, act="tanh"):
    """Full-batch training on the hand-written gradients; update(theta, grad, state, lr) as in section 7."""
    states = {name: {} for name in params}
    losses = []
    for _ in range(steps):
        loss, grads = mlp_backward(params, X, y, act)
        params = {name: update(params[name], grads[name], states[name], lr) for name in params}
        losses.append(loss)
    return params, losses


y_xor = GATES["XOR"][:, None]
xor_nets = {start: train_mlp(init_mlp(2, XOR_HIDDEN, 1, rng_mlp, how), X_GATE, y_xor, XOR_STEPS, sgd_update, 0.2)
            for start, how in [("Glorot random", "glorot"), ("all zeros", 0.0), ("all 0.5", 0.5)]}
xor_correct = {}
for start, (params, losses) in xor_nets.items():
    answers = (mlp_forward(params, X_GATE)[0][:, 0] > 0.5).astype(float)
    xor_correct[start] = int(np.sum(answers == GATES["XOR"]))
    spread = np.ptp(params["W1"], axis=1).max()  # how different the hidden units' weights are
    print(f"{start:>13}: {xor_correct[start]}/4 right, final MSE {losses[-1]:.4f}; the {XOR_HIDDEN} hidden units' "
          f"incoming weights differ by at most {spread:.3g}")
ctx.log_metric("xor_correct", xor_correct["Glorot random"], unit="of 4", target=4, key=True)
assert xor_nets["Glorot random"][1][-1] < xor_nets["Glorot random"][1][0], "training should lower the XOR loss"
assert np.ptp(xor_nets["all 0.5"][0]["W1"], axis=1).max() < 1e-9, "hidden units started equal must stay equal"

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
for ax, (start, (params, _)) in zip(axes, xor_nets.items(), strict=True):
    draw_regions(ax, lambda P, params=params: (mlp_forward(params, P)[0][:, 0] > 0.5).astype(float), X_GATE,
                 GATES["XOR"], f"XOR, start {start}: {xor_correct[start]}/4 right")
fig.suptitle(f"A hidden layer of {XOR_HIDDEN} tanh units after {XOR_STEPS} gradient-descent steps")
ctx.savefig(fig, "xor_mlp")
plt.show()
xor_conclusion = (f"XOR: one perceptron got {perceptron_correct['XOR']}/4; a hidden layer of {XOR_HIDDEN} "
                  f"tanh units got {xor_correct['Glorot random']}/4 from a random start, "
                  f"{xor_correct['all zeros']}/4 from zeros and {xor_correct['all 0.5']}/4 from all 0.5.")
print(xor_conclusion)
for start, (params, _) in xor_nets.items():
    print(f"{start:>13}: ŷ at (0, 0), (0, 1), (1, 0), (1, 1) = {np.round(mlp_forward(params, X_GATE)[0][:, 0], 3)}")

# %% [markdown] slideshow={"slide_type": "fragment"}
# Reading the scores: a straight line can get at most 3 of XOR's 4 examples right, so a score of 3/4 or less is
# no better than one line.
#
# - **One perceptron** never settles on XOR: an epoch without a mistake would mean that a line separates the
#   classes, so the rule keeps correcting, and its score is wherever the cycle happened to stop.
# - **All weights 0.5**: the hidden units start identical and stay identical (spread 0, printed above), so the net
#   computes $c \tanh(w \cdot x + b) + b_2$, a function of one weighted sum $w \cdot x + b$. Its boundary
#   $\hat y = 0.5$ is a straight line, so it can at best match a line.
# - **All zeros**: only $b_2$ learns, and it settles at the mean of the targets, 0.5. So $\hat y = 0.5$ at every
#   input (printed above), the rule $\hat y > 0.5$ gives all four the same answer, and a constant answer gets
#   exactly 2 of XOR's 4 right.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### The parabola, where `Dense(1)` cannot follow
#
# Section 9's distances lie on a parabola. A `Dense(1)` on the time $t$ is a line: at best (trained to the end)
# it is the degree-1 least-squares fit, whose validation error section 10 measured. A hidden layer of tanh units
# is not tied to a shape we chose, as the polynomials were. We train one with our backprop and section 7's RMSprop
# on the same 20 training drops (input: the scaled time $x \in [-1, 1]$ of section 9; target: the distance,
# standardised to mean 0 and standard deviation 1, so that it is on the scale of a tanh unit's output; notebook
# 01 standardises its *inputs* with a `Normalization` layer and only rescales its target), and compare on the
# validation drops.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a Dense(1) is a line; one hidden layer of tanh units bends to the parabola without being told its shape.
# Point at: the printed parameter count, more than degree 20's 21, and the training MSE far from 0: the network
# did not thread the points the way degree 20 did.
# Ask the room: if we trained it ten times longer, would it start to overfit like degree 20? (Try it.)

# %%
x_drops_train, x_drops_val = scaled(t_train)[:, None], scaled(t_val)[:, None]
d_mean, d_std = d_train.mean(), d_train.std()
params_drops, drops_losses = train_mlp(init_mlp(1, DROPS_HIDDEN, 1, rng_mlp), x_drops_train,
                                       ((d_train - d_mean) / d_std)[:, None], DROPS_STEPS, rmsprop_update, 0.01)


def mlp_distance(times):
    return mlp_forward(params_drops, scaled(times)[:, None])[0][:, 0] * d_std + d_mean


val_mse_mlp = np.mean((mlp_distance(t_val) - d_val) ** 2)
train_mse_mlp = np.mean((mlp_distance(t_train) - d_train) ** 2)
n_params_drops = sum(value.size for value in params_drops.values())
drops_conclusion = (f"Validation MSE on the drops: line (the best a Dense(1) can do) {val_mse[1]:.1f} m², MLP with "
                    f"{DROPS_HIDDEN} tanh units {val_mse_mlp:.1f} m², degree-2 polynomial {val_mse[2]:.1f} m² "
                    f"(noise level {SIGMA_D**2:.0f} m²).")
print(drops_conclusion)
print(f"The MLP has {n_params_drops} parameters for {N_TRAIN} training drops (degree 20 has 21), yet after "
      f"{DROPS_STEPS} steps its training MSE is {train_mse_mlp:.2f} m², against degree 20's "
      f"{train_mse[20]:.1g} m² and degree 2's {train_mse[2]:.2f} m².")
ctx.log_metric("val_mse_mlp_drops", val_mse_mlp, unit="m²", baseline=val_mse[1], higher_is_better=False,
               target=1.5 * SIGMA_D**2)
if not ctx.smoke:
    assert val_mse_mlp < val_mse[1], "the hidden layer should beat the best line on new drops"

# %%
fig, ax = plt.subplots()
ax.scatter(t_val, d_val, s=8, color="0.75", label="validation drops")
ax.scatter(t_train, d_train, s=20, color="C0", label="training drops")
ax.plot(t_plot, 0.5 * G_TRUE * t_plot**2, "k--", lw=1, label="truth ½ g t²")
ax.plot(t_plot, design(t_plot, 1) @ fits[1], color="C1", label="best line = best Dense(1)")
ax.plot(t_plot, mlp_distance(t_plot), color="C3", label=f"MLP, {DROPS_HIDDEN} tanh units")
ax.set(title="Distance fallen: a line against one hidden layer", xlabel="time t (s)", ylabel="distance fallen d (m)",
       ylim=(-10, 55))
ax.legend(fontsize=8)
ctx.savefig(fig, "mlp_drops")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# More parameters than degree 20, yet no wild swings: why? Counting parameters does not say how flexible a model
# is *after training*. Degree 20 was solved exactly, down to the minimum of its training loss, which passes
# through every point. The network was not: its training MSE (printed) stays far above zero. The likely reasons,
# not tested here: it starts as a smooth, nearly flat curve (small random weights, smooth tanh units), and a
# fixed number of small gradient steps bends it only part of the way towards its training minimum. Stopping
# training early acts much like a penalty on large weights (Goodfellow et al., ch. 7.8, show that for a quadratic
# loss it is close to L2): an *implicit* regularisation. To test it, train ten times longer and watch the training
# and validation errors.

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Universal approximation
#
# How much can one hidden layer do? Cybenko (1989, for sigmoids) and Hornik (1991, for any non-constant bounded
# activation) proved that one hidden layer with *enough* units can approximate any continuous function on a
# closed interval as closely as we like. The theorem says nothing about how many units are enough, nor whether
# gradient descent will find the weights. So we measure: fit a wiggly 1-D function with 1, 2, 4, … hidden units
# (same optimiser, same number of steps, section 7's Adam) and plot the remaining error against the width. This
# is the error on the function itself (no noise, no held-out data): approximation, not generalisation. Where the
# error stops falling with width, something else limits it: too few units for the function's wiggles, too few
# steps, or a poor random start. To tell the step budget apart, each such width trains on for twice as many
# steps again (three times the budget in all).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the theorem promises that enough units can fit any continuous curve; it says nothing about how many, or
# whether training finds the weights. So we measure.
# Point at: the error against width, and the printed test of the widths where the error stalled: did three
# times the steps help, or not?
# Ask the room: this error is on the function itself; what would we need to measure generalisation instead?

# %%
def wiggly(x):
    return np.sin(3 * np.pi * x) * np.exp(-x) + 0.5 * x


x_wiggly = np.linspace(-1, 1, 200)[:, None]
y_wiggly = wiggly(x_wiggly)
ua_params, ua_mse = {}, {}
for width in UA_WIDTHS:
    ua_params[width], losses = train_mlp(init_mlp(1, width, 1, rng_mlp), x_wiggly, y_wiggly, UA_STEPS, adam_update,
                                         0.01)
    ua_mse[width] = mlp_backward(ua_params[width], x_wiggly, y_wiggly)[0]
print("MSE on the function by hidden units:", ", ".join(f"{w}: {m:.2g}" for w, m in ua_mse.items()))
# widths that did not lower the error by at least 10 % against the next narrower one
not_better = [wider for narrower, wider in zip(UA_WIDTHS, UA_WIDTHS[1:]) if ua_mse[wider] > 0.9 * ua_mse[narrower]]
stall_tests = []  # for each such width: does training on for 2 × UA_STEPS more steps lower its error by 10 %?
for width in not_better:
    longer, _ = train_mlp(ua_params[width], x_wiggly, y_wiggly, 2 * UA_STEPS, adam_update, 0.01)
    mse_longer = mlp_backward(longer, x_wiggly, y_wiggly)[0]
    helped = mse_longer <= 0.9 * ua_mse[width]
    stall_tests.append(f"at {width} units, {3 * UA_STEPS} steps instead of {UA_STEPS} took the MSE from "
                       f"{ua_mse[width]:.2g} to {mse_longer:.2g}, "
                       + ("so the step budget limited it" if helped else
                          "not 10 % lower, so more steps do not help: too few units or a poor start limit it"))
ua_conclusion = (f"Universal approximation: with {UA_WIDTHS[0]} hidden unit{'s' * (UA_WIDTHS[0] > 1)} the MSE is "
                 f"{ua_mse[UA_WIDTHS[0]]:.2g}, with {UA_WIDTHS[-1]} it is {ua_mse[UA_WIDTHS[-1]]:.2g} (the function's "
                 f"variance is {y_wiggly.var():.2g}), after {UA_STEPS} Adam steps each; "
                 + ("the error fell by at least 10 % with every step up in width." if not not_better else
                    f"the error did not fall by 10 % or more on the way to {', '.join(map(str, not_better))} units; "
                    + "; ".join(stall_tests) + "."))
print(ua_conclusion)
ctx.log_metric(f"ua_mse_{UA_WIDTHS[-1]}_units", ua_mse[UA_WIDTHS[-1]], baseline=ua_mse[UA_WIDTHS[0]],
               higher_is_better=False)
if not ctx.smoke:
    assert ua_mse[UA_WIDTHS[-1]] < 0.1 * ua_mse[UA_WIDTHS[0]], "a wide hidden layer should fit far better"

# %%
fig, (ax_fit, ax_err) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
ax_fit.plot(x_wiggly, y_wiggly, "k", lw=3, alpha=0.3, label="target function")
for width in UA_WIDTHS[:: max(1, len(UA_WIDTHS) // 3)]:
    ax_fit.plot(x_wiggly, mlp_forward(ua_params[width], x_wiggly)[0],
                label=f"{width} hidden unit{'s' * (width > 1)}")
ax_fit.set(title="One hidden layer of tanh units", xlabel="input x", ylabel="output y")
ax_fit.legend(fontsize=8)
ax_err.plot(list(ua_mse), list(ua_mse.values()), "o-")
ax_err.set(title=f"Error against width ({UA_STEPS} Adam steps each)", xlabel="hidden units", ylabel="MSE",
           xscale="log", yscale="log")
ax_err.set_xticks(UA_WIDTHS, [str(w) for w in UA_WIDTHS])
ctx.savefig(fig, "universal_approximation")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ### An MLP in Keras: two moons
#
# Everything above, Keras does for us: `Dense` layers hold the weights (Glorot-random), `model.fit` runs the
# forward pass, backpropagation (by automatic differentiation, as the tape did) and the update. Notebook 01 uses
# exactly this kind of model. Two words it relies on:
#
# - a **mini-batch** is the handful of examples (here 32) whose averaged gradient makes one step (section 7's SGD);
# - an **epoch** is one pass over the whole training set in mini-batches, shuffled anew each time: with 700
#   training examples and mini-batches of 32, one epoch is 22 steps.
#
# The data: scikit-learn's `make_moons`, two interleaved half-circles with noise (standard deviation 0.2), 700
# points for training and 300 for testing. At this noise the moons overlap a little, so no classifier gets every
# test point right: some errors are the data's, not the model's. The output neuron gives a score $z$; $z > 0$ means
# class 1, the lower (red) moon. The loss is binary cross-entropy on $\sigma(z)$, the standard loss for yes/no
# answers (notebook 02 derives it). The baseline is a single neuron on the raw inputs, logistic regression: one
# straight boundary.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Keras does everything above in a few lines: Glorot-random Dense layers, backprop by the tape, RMSprop.
# This is the kind of model notebook 01 trains.
# Point at: the × marks on the test points, mostly where the two moons overlap; the logistic-regression
# baseline, one straight boundary, is printed beside the MLP's accuracy.
# Ask the room: why can no classifier get every test point right here?

# %% slideshow={"slide_type": "subslide"}
from sklearn.datasets import make_moons
from sklearn.linear_model import LogisticRegression

X_moons, y_moons = make_moons(n_samples=1000, noise=0.2, random_state=ctx.seed)
X_moons_train, y_moons_train, X_moons_test, y_moons_test = X_moons[:700], y_moons[:700], X_moons[700:], y_moons[700:]
logistic = LogisticRegression().fit(X_moons_train, y_moons_train)
logistic_accuracy = logistic.score(X_moons_test, y_moons_test)

moons_mlp = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),  # the score z; σ(z) is the probability of class 1, the lower moon
])
moons_mlp.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-2),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
moons_budget = utils.training.TimeBudget(MOONS_BUDGET_S)
moons_history = moons_mlp.fit(X_moons_train, y_moons_train, batch_size=32, epochs=MOONS_EPOCHS, verbose=0,
                              callbacks=[moons_budget])


def moons_class(points):
    """The MLP's answer, 1 for the lower moon (score z > 0); calling the model directly is quickest here."""
    return (keras.ops.convert_to_numpy(moons_mlp(points))[:, 0] > 0).astype(float)


moons_accuracy = float(np.mean(moons_class(X_moons_test) == y_moons_test))
moons_conclusion = (f"Two moons, test accuracy: MLP {moons_accuracy:.1%} after "
                    f"{len(moons_history.history['loss'])} epochs, one neuron (logistic regression) "
                    f"{logistic_accuracy:.1%}.")
print(moons_conclusion)
ctx.log_metric("moons_test_accuracy", moons_accuracy, baseline=logistic_accuracy, target=0.97, key=True)
if not ctx.smoke and not moons_budget.stopped_early:
    assert moons_accuracy > logistic_accuracy + 0.03, "the MLP should clearly beat a single neuron"

# %%
fig, (ax_regions, ax_loss) = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
draw_regions(ax_regions, moons_class, X_moons_test, y_moons_test, f"MLP on the test points: {moons_accuracy:.1%} right",
             xlim=(-1.6, 2.6), ylim=(-1.2, 1.7))
moons_losses = moons_history.history["loss"]
ax_loss.plot(range(1, len(moons_losses) + 1), moons_losses, label="training loss")  # epochs count from 1
ax_loss.set(title="Binary cross-entropy per epoch", xlabel="epoch (22 mini-batches of 32)", ylabel="loss (nats)")
ax_loss.legend()
ctx.savefig(fig, "moons")
plt.show()
mlp_section_s = time.perf_counter() - section_start
ctx.log_metric("mlp_section_s", mlp_section_s, unit="s", target=60, higher_is_better=False)
print(f"This part took {mlp_section_s:.1f} s.")


# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Learning = minimising a loss. For a line and the MSE the minimum has a closed form; gradient descent finds
#   the same point by walking downhill, and the same walk works for models with no closed form.
# - The learning rate must stay below $2/\lambda_{\max}$ of the curvature; an elongated valley makes plain
#   gradient descent zig-zag across it or crawl along its floor.
# - SGD, momentum, RMSprop and Adam differ only in the update rule. Which was fastest on our small bowl is
#   measured, not assumed: the cell below prints what this run found.
# - `keras.layers.Dense(1)` with `model.fit` is the loop we wrote; the rest of the course stacks more neurons.
# - Too simple a model underfits, too flexible a model overfits; the validation error tells them apart, and an
#   L2 penalty lets a flexible model behave.
# - A perceptron draws one straight boundary, so it cannot learn XOR; a hidden layer with a nonlinear activation
#   can. Backpropagation is the chain rule, layer by layer ($\delta$ back through $W^\top$ and $\varphi'$), and
#   the weights must start random. An MLP is such layers stacked; Keras builds and trains it for us.
#
# Next: notebook 01 fits a many-input neural network to California housing prices.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: read the printed conclusions aloud; they are this run's numbers, not the slide author's.
# Ask the room: which of today's ideas do you expect to see again in notebook 01? (Loss, GD/RMSprop, validation,
# an MLP of Dense layers.)

# %%
print(f"g measured: {w_gd:.3f} m/s² by gradient descent, {w_ls:.3f} m/s² in closed form (true {G_TRUE}).")
print(lr_conclusion)
print(opt_conclusion)
print(f"Lowest validation MSE at polynomial degree {best_degree}. {ridge_conclusion}")
print(f"Backprop by hand against GradientTape: largest relative error {worst_backprop_error:.1e}.")
print(xor_conclusion)
print(drops_conclusion)
print(ua_conclusion)
print(moons_conclusion)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Four exercises, one per idea of the notebook. Each has a cell to fill in and a check below it that says whether your
# answer is right (or what to look at). Nothing later in the notebook depends on your answers.
#
# ### Exercise 1 · The gradient of the MSE with an L2 penalty (2 points)
#
# Write `ridge_gradient(w, b, t, y, lam)` returning the pair $(\partial L/\partial w,\ \partial L/\partial b)$ of
#
# $$L(w, b) = \frac1N\sum_{i=1}^N (w\,t_i + b - y_i)^2 + \lambda\,w^2$$
#
# (the bias $b$ is not penalised). With `lam=0` it is the plain MSE gradient of section 3.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: four exercises, each a core piece written by the learner: a gradient with L2, a momentum step, a design
# matrix, and the backward pass of a sigmoid layer. The checker names the usual slip when an answer is wrong.
# Ask the room: in Exercise 4, why is db a sum over the batch and not a mean?

# %% tags=["exercise"]
def ridge_gradient(w, b, t, y, lam):
    """Return (dL/dw, dL/db) for L = mean((w*t + b - y)**2) + lam * w**2."""
    raise NotImplementedError("compute the two partial derivatives")


# %% tags=["solution"]
def ridge_gradient(w, b, t, y, lam):  # noqa: F811 (the solution replaces the stub)
    """Return (dL/dw, dL/db) for L = mean((w*t + b - y)**2) + lam * w**2."""
    residual = w * t + b - y
    return 2 * np.mean(residual * t) + 2 * lam * w, 2 * np.mean(residual)


# %% [markdown] tags=["hint"]
# *Hint:* differentiate term by term. The first term is section 3's; the penalty $\lambda w^2$ depends on $w$
# only, so it changes one of the two partial derivatives and leaves the other alone.

# %%
import utils.checks.nb00  # the checkers of this notebook

# a checker prints its verdict (✓, "not yet solved", or a hint); the ";" only stops Jupyter echoing True/False
utils.checks.nb00.check_ridge_gradient(ridge_gradient);

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2 · One momentum step (2 points)
#
# Write `momentum_step(theta, velocity, grad, lr, beta)` returning `(new_theta, new_velocity)`: one step of SGD
# with momentum in the convention of section 7 (the Keras one), where the velocity already contains the
# learning rate and the minus sign. Try it from the description first: the old velocity decays by the factor
# `beta`, the new gradient pushes it downhill by `lr` times the gradient, and the parameters move by the new
# velocity. Then, on paper: if the gradient stayed the same $g$ at every step, what would the velocity approach?
# (Compare with section 7's comment on momentum's effective step.)

# %% tags=["exercise"]
def momentum_step(theta, velocity, grad, lr, beta):
    """Return (new_theta, new_velocity) after one step of SGD with momentum."""
    raise NotImplementedError("update the velocity, then the parameters")


# %% tags=["solution"]
def momentum_step(theta, velocity, grad, lr, beta):  # noqa: F811 (the solution replaces the stub)
    """Return (new_theta, new_velocity) after one step of SGD with momentum."""
    new_velocity = beta * velocity - lr * grad
    return theta + new_velocity, new_velocity


# %%
utils.checks.nb00.check_momentum_step(momentum_step);

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3 · The polynomial design matrix (2 points)
#
# Write `design_matrix(x, degree)` returning the $N \times (p+1)$ matrix with $X_{ij} = x_i^{\,j}$,
# columns from $x^0 = 1$ up to $x^p$, without `np.vander` (use it to check yourself afterwards).

# %% tags=["exercise"]
def design_matrix(x, degree):
    """Return the matrix whose column j holds x**j, for j = 0 … degree."""
    raise NotImplementedError("stack the powers of x as columns")


# %% tags=["solution"]
def design_matrix(x, degree):  # noqa: F811 (the solution replaces the stub)
    """Return the matrix whose column j holds x**j, for j = 0 … degree."""
    x = np.asarray(x, dtype=float)
    return np.stack([x**j for j in range(degree + 1)], axis=1)


# %% [markdown] tags=["hint"]
# *Hint:* the result has one row per point and one column per power, shape $(N, p + 1)$: a degree-$p$
# polynomial has $p + 1$ coefficients, and column 0 is $x^0$, all ones.

# %%
utils.checks.nb00.check_design_matrix(design_matrix);

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 4 · The backward pass of a sigmoid layer (2 points)
#
# A layer computes $z = xW + b$ and $a = \sigma(z)$ for a batch $x$ ($N \times d_{in}$), with $W$
# ($d_{in} \times d_{out}$) and $b$ ($d_{out}$). The layer above it hands back `grad_a` $= \partial L/\partial a$
# ($N \times d_{out}$), where $L$ is the mean loss over the batch, so `grad_a` already holds the $1/N$. Write
# `sigmoid_dense_backward(x, W, b, grad_a)` returning `(dW, db, dx)`: $\partial L/\partial W$, $\partial L/\partial b$
# and $\partial L/\partial x$ (what this layer hands to the layer below), each with the shape of what it is the
# gradient of. Section 12's three rules apply, with $\delta = \partial L/\partial z$.

# %% tags=["exercise"]
def sigmoid_dense_backward(x, W, b, grad_a):
    """Return (dW, db, dx) for a = sigmoid(x @ W + b), given grad_a = dL/da."""
    raise NotImplementedError("compute delta = dL/dz first, then the three gradients")


# %% tags=["solution"]
def sigmoid_dense_backward(x, W, b, grad_a):  # noqa: F811 (the solution replaces the stub)
    """Return (dW, db, dx) for a = sigmoid(x @ W + b), given grad_a = dL/da."""
    s = 1 / (1 + np.exp(-(x @ W + b)))
    delta = grad_a * s * (1 - s)  # dL/dz: the chain rule through the sigmoid
    return x.T @ delta, delta.sum(axis=0), delta @ W.T


# %% [markdown] tags=["hint"]
# *Hint:* first $\delta = \partial L/\partial z$, from `grad_a` and the sigmoid's derivative (section 12 lists
# it), element by element; then section 12's three rules. Each gradient has the shape of what it is the gradient
# of: `dW` like `W` ($d_{in} \times d_{out}$), `db` like `b`, `dx` like `x`; let the shapes tell you which factor
# to transpose.

# %%
utils.checks.nb00.check_sigmoid_dense_backward(sigmoid_dense_backward);

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - I. Goodfellow, Y. Bengio, A. Courville, *Deep Learning*, MIT Press 2016 (deeplearningbook.org): ch. 4.3
#   (gradient descent and the Hessian's condition number), ch. 5.2–5.3 (capacity, over- and underfitting,
#   validation sets), ch. 5.5.1 (MSE as maximum likelihood), ch. 6 (feedforward networks: XOR, hidden units and
#   activations, universal approximation, back-propagation), ch. 7.1 (L2 regularisation), ch. 8.3–8.5 (SGD,
#   momentum, RMSprop, Adam).
# - T. Hastie, R. Tibshirani, J. Friedman, *The Elements of Statistical Learning*, 2nd ed., Springer 2009:
#   ch. 3.2 and 3.4.1 (least squares, ridge regression), ch. 7 (model assessment and selection).
# - G. Goh, "Why Momentum Really Works", *Distill* 2017 (distill.pub/2017/momentum): momentum on a quadratic bowl,
#   with interactive plots; it explains when momentum helps and when it does not.
# - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods", *USSR Computational
#   Mathematics and Mathematical Physics* 4(5), 1964: the heavy-ball (momentum) method.
# - D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015 (arXiv:1412.6980).
# - S. Ruder, "An overview of gradient descent optimization algorithms", arXiv:1609.04747, 2016.
# - C. M. Bishop, *Pattern Recognition and Machine Learning*, Springer 2006: ch. 1.2.5 and 3.1.1 (least squares
#   as maximum likelihood under Gaussian noise), ch. 5.3 (error backpropagation).
# - F. Rosenblatt, "The perceptron: a probabilistic model for information storage and organization in the
#   brain", *Psychological Review* 65(6), 1958: the perceptron and its learning rule.
# - M. Minsky, S. Papert, *Perceptrons*, MIT Press 1969: what a single layer cannot compute (XOR among it).
# - D. E. Rumelhart, G. E. Hinton, R. J. Williams, "Learning representations by back-propagating errors",
#   *Nature* 323, 1986: backpropagation for networks with hidden layers.
# - G. Cybenko, "Approximation by superpositions of a sigmoidal function", *Mathematics of Control, Signals and
#   Systems* 2, 1989; K. Hornik, "Approximation capabilities of multilayer feedforward networks", *Neural
#   Networks* 4(2), 1991: universal approximation with one hidden layer.
# - X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural networks",
#   AISTATS 2010: the initialisation Keras uses by default.
# - T. Tieleman, G. Hinton, Lecture 6.5, "rmsprop: divide the gradient by a running average of its recent
#   magnitude", *Neural Networks for Machine Learning* (Coursera), 2012: RMSprop.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Goodfellow et al. ch. 4–8 cover everything today in more depth; the original papers are short and worth
# reading for the history: Rosenblatt's perceptron, Minsky and Papert's XOR, backprop in 1986, the universal
# approximation theorems. Ask the room: which of these results is about what a network *can* represent, and
# which about how it *learns*?

# %% slideshow={"slide_type": "skip"}
ctx.save_metrics()  # metrics.json, read by the course report
