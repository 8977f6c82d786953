# %% [markdown] slideshow={"slide_type": "slide"}
# # 07 · Recurrent networks: memory over time
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/07_recurrent_networks.ipynb) · [Slides](../slides/README.md) · ← previous: [06 · GANs: a minimax game, mode collapse and a DCGAN that draws digits](06_gan.ipynb) · next: [08 · Transformers: from tokens to a mini-GPT that writes](08_transformer.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - a recurrent cell: one small network applied at every step of a sequence, carrying a state; written in NumPy
#   and unrolled;
# - backprop through time, written by you and checked against `tf.GradientTape`, and why the gradient vanishes
#   over long time lags (measured, for a SimpleRNN and an LSTM);
# - the gates of the LSTM and the GRU; the three cells side by side on the adding problem, a task that needs a
#   memory of `ADD_LENGTH` steps (100 in workshop mode);
# - a bidirectional LSTM that reads MNIST digits row by row, and a character-level LSTM that writes Shakespeare,
#   set beside notebook 08's transformer on the same data;
# - what an RNN must squeeze into one state vector, measured, and why attention does not have to.
#
# **Time:** smoke ≈ 30 s · workshop ≈ 4 min on a 2-core CPU (measured: 244 s at a load of 2–3.5, of which the
# adding problem 77 s, row-by-row MNIST 61 s, the char-LSTM its 50 s budget; 8 min at a load of about 10) · full
# ≈ 40 min (CPU; its budgets) · GPU: helps in full mode

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

ctx = utils.setup("07_recurrent_networks")

# %% [markdown] slideshow={"slide_type": "skip"}
# All sizes that change with the mode sit together in the cell below; each training run has a wall-clock budget
# (`TimeBudget`), so a slow laptop trains for fewer steps rather than for longer.

# %% slideshow={"slide_type": "skip"}
import json
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from keras import layers

from utils import gpt
from utils.checks import nb07
from utils.training import TimeBudget, cap_warning

# Sizes: every number that changes with the mode, in one place
JIT = False  # XLA: on a CPU it compiles a recurrent loop for far longer (tens of seconds) than it saves here
UNITS = ctx.pick(smoke=16, workshop=32, full=128)  # state size of the adding-problem models (§2, §4)
ADD_LENGTH = ctx.pick(smoke=20, workshop=100, full=200)  # steps per adding-problem sequence (§4)
ADD_TRAIN = ctx.pick(smoke=1_024, workshop=25_600, full=100_000)  # training sequences
ADD_BATCH = 32
ADD_STEPS = ctx.pick(smoke=20, workshop=1_200, full=3_000)  # training steps per model: the equal budget (§4)
ADD_SAFETY_SECONDS = ctx.pick(smoke=60, workshop=180, full=1_800)  # a cap per model, only against a stalled machine
MNIST_UNITS = ctx.pick(smoke=16, workshop=64, full=128)  # per direction (§5)
MNIST_TRAIN = ctx.pick(smoke=2_000, workshop=None, full=None)  # None: all 55,000 (5,000 kept for validation)
MNIST_EPOCHS = ctx.pick(smoke=1, workshop=3, full=20)  # passes over the training digits: the budget (§5)
MNIST_SAFETY_SECONDS = ctx.pick(smoke=60, workshop=240, full=1_800)  # a cap only against a stalled machine
CHAR_UNITS = ctx.pick(smoke=32, workshop=128, full=512)  # the char-LSTM's state (§6)
CHAR_SECONDS = ctx.pick(smoke=4, workshop=50, full=1200)
CHAR_MAX_STEPS = ctx.pick(smoke=10, workshop=20_000, full=50_000)
CHAR_CONTEXT = gpt.RECIPE[ctx.mode]["context"]  # the windows notebook 08 trains and validates its GPT on
CHAR_BATCH = 64
VAL_WINDOWS = ctx.pick(smoke=64, workshop=None, full=None)  # None: the whole validation text
SAMPLE_CHARS = ctx.pick(smoke=40, workshop=400, full=600)
PROBE_WINDOWS = ctx.pick(smoke=64, workshop=600, full=1200)  # validation windows the state probe reads (§7)
PROBE_LAGS = ctx.pick(smoke=8, workshop=24, full=32)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · A recurrent cell, unrolled
#
# A dense network sees its whole input at once. Text, speech, a sensor trace arrive one step at a time, and what a
# step means depends on what came before: in *"The dog chased the c?t"* the smudged letter is an *a* because of the
# words before it. A **recurrent** network (Elman, 1990) reads a sequence $x_1, \dots, x_T$ one step at a time and
# keeps a **state** $h_t$, a vector that summarises what it has read so far:
#
# $$ h_t = \tanh\!\big(x_t W_x + h_{t-1} W_h + b\big), \qquad h_0 = 0 \text{ (or given)}. $$
#
# The same weights $W_x$ (inputs → state), $W_h$ (state → state) and $b$ are used at **every** step: the network
# has a fixed number of parameters whatever the length of the sequence. Drawn out step by step (**unrolled**), it
# is a deep feed-forward network with $T$ layers that share their weights, one layer per time step. A prediction
# can be read from the last state ($\hat y = h_T w_y$: one answer per sequence) or from every state (one answer
# per step, as a language model does).
#
# Below, the cell in NumPy, and the same cell as Keras's `SimpleRNN` layer given our weights (Keras stores $W_x$ as
# its `kernel` and $W_h$ as its `recurrent_kernel`, in the same row-vector layout).

# %%
def rnn_forward(x, h0, W_x, W_h, b):
    """All states (T + 1, H) of a SimpleRNN on one sequence x (T, d): h0 first, then h_1 … h_T."""
    hs = [h0]
    for x_t in x:  # one step per element, in order: the state carries the past forward
        hs.append(np.tanh(x_t @ W_x + hs[-1] @ W_h + b))
    return np.stack(hs)


rng = np.random.default_rng(ctx.seed)
T_DEMO, D_IN, H_DEMO = 12, 3, 5
x_demo = rng.normal(size=(T_DEMO, D_IN))
W_x, W_h, b = rng.normal(0, 0.5, (D_IN, H_DEMO)), rng.normal(0, 0.5, (H_DEMO, H_DEMO)), rng.normal(0, 0.1, H_DEMO)
h0 = np.zeros(H_DEMO)
hs = rnn_forward(x_demo, h0, W_x, W_h, b)

simple = layers.SimpleRNN(H_DEMO, return_sequences=True)
simple.build((None, T_DEMO, D_IN))
simple.set_weights([W_x, W_h, b])
hs_keras = np.asarray(simple(x_demo[None].astype("float32")))[0]
print(f"{T_DEMO} steps of {D_IN} inputs → states of {H_DEMO} numbers; parameters: {W_x.size + W_h.size + b.size} "
      "whatever the length")
print(f"largest difference NumPy vs keras.layers.SimpleRNN over all {T_DEMO} states: "
      f"{np.abs(hs[1:] - hs_keras).max():.1e}")
assert np.allclose(hs[1:], hs_keras, atol=1e-5)

# %% [markdown] slideshow={"slide_type": "notes"}
# Draw the loop, then unroll it on the board: the same box T times, arrows carrying h from left to right. Point at
# the parameter count: it does not depend on T. The check against Keras shows that `SimpleRNN` is exactly these
# three lines. Ask the room: what would have to change to read the sequence right to left?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Backprop through time, and why the gradient vanishes
#
# Unrolled, the RNN is an ordinary deep network, so its gradient is ordinary backprop, run from the last step
# back to the first: **backpropagation through time** (BPTT). Take a loss $L$ that depends on the last state, and
# write $\delta_t = \partial L / \partial h_t$. With $a_t = x_t W_x + h_{t-1} W_h + b$ and $h_t = \tanh(a_t)$,
# walking back from $t = T$ (where $\delta_T$ is given):
#
# $$ \frac{\partial L}{\partial a_t} = \delta_t \odot (1 - h_t^2), \qquad
#    \delta_{t-1} = \frac{\partial L}{\partial a_t}\, W_h^\top, $$
# $$ \frac{\partial L}{\partial W_x} = \sum_{t=1}^{T} x_t^\top \frac{\partial L}{\partial a_t}, \qquad
#    \frac{\partial L}{\partial W_h} = \sum_{t=1}^{T} h_{t-1}^\top \frac{\partial L}{\partial a_t}, \qquad
#    \frac{\partial L}{\partial b} = \sum_{t=1}^{T} \frac{\partial L}{\partial a_t}. $$
#
# The weights are shared, so each gradient is a **sum over the steps**: every step where a weight was used adds
# its share.
#
# ### Exercise 1 · Backprop through time (2 points)
#
# Write `bptt(x, hs, W_h, grad_h_last)`: `x` is the input sequence (T, d), `hs` the states (T + 1, H) from
# `rnn_forward` (so `hs[t]` is $h_t$ and `hs[0]` is $h_0$), `grad_h_last` is $\delta_T$. Return the three
# gradients `(dW_x, dW_h, db)`, shaped like `W_x`, `W_h` and `b`. `np.outer(u, v)` is $u^\top v$ for two vectors.

# %% tags=["exercise"]
def bptt(x, hs, W_h, grad_h_last):
    raise NotImplementedError("walk t from T down to 1: da = delta * (1 - hs[t]**2), add the shares, pass delta back")


# %% tags=["solution"]
def bptt(x, hs, W_h, grad_h_last):  # noqa: F811 (the solution replaces the stub)
    dW_x = np.zeros((x.shape[1], W_h.shape[0]))
    dW_h = np.zeros_like(W_h)
    db = np.zeros(W_h.shape[0])
    delta = grad_h_last  # ∂L/∂h_T
    for t in range(len(x), 0, -1):  # backwards in time
        da = delta * (1 - hs[t] ** 2)  # through the tanh
        dW_x += np.outer(x[t - 1], da)
        dW_h += np.outer(hs[t - 1], da)
        db += da
        delta = da @ W_h.T  # on to h_{t-1}
    return dW_x, dW_h, db


# %%
nb07.check_bptt(bptt);

# %% [markdown] slideshow={"slide_type": "subslide"}
# Your `bptt`, once it is solved, against TensorFlow's automatic differentiation on the same unrolled network, in
# float64. The loss is $L = h_T \cdot w_y$, so $\delta_T = w_y$. Nothing later in the notebook uses your answer;
# the course's own answer is compared with `GradientTape` in its tests (`tests/test_checks_nb07.py`).

# %%
def learners_answer(fn, *args):
    """``fn(*args)`` as float arrays, or None (with a message) while the exercise is unsolved or raises."""
    try:
        return [np.asarray(part, dtype=np.float64) for part in fn(*args)]
    except NotImplementedError:
        print(f"`{fn.__name__}` is not solved yet: solve the exercise above, then rerun this cell to compare it.")
    except Exception as error:  # a wrong answer must not stop the notebook; the checker above explains it
        print(f"`{fn.__name__}` raised {type(error).__name__}: {error}; the checker above says what to fix.")
    return None


w_y = rng.normal(size=H_DEMO)
weights = [tf.Variable(w) for w in (W_x, W_h, b)]
with tf.GradientTape() as tape:
    h = tf.constant(h0)[None]
    for t in range(T_DEMO):  # the same unrolled network, one TensorFlow op after another
        h = tf.tanh(x_demo[t][None] @ weights[0] + h @ weights[1] + weights[2])
    loss = tf.reduce_sum(h[0] * w_y)
theirs = [g.numpy() for g in tape.gradient(loss, weights)]
ours = learners_answer(bptt, x_demo, hs, W_h, w_y)
bptt_error = None
if ours is not None and [g.shape for g in ours] == [g.shape for g in theirs]:
    for name, g_ours, g_tf in zip(["dW_x", "dW_h", "db"], ours, theirs):
        print(f"{name}: relative difference your BPTT vs GradientTape "
              f"{np.linalg.norm(g_ours - g_tf) / np.linalg.norm(g_tf):.1e}")
    bptt_error = max(np.linalg.norm(o - t) / np.linalg.norm(t) for o, t in zip(ours, theirs))
    print("They agree to rounding error: BPTT is backprop on the unrolled graph." if bptt_error < 1e-6 else
          "They differ: the checker above names the usual slips.")
    ctx.log_metric("bptt_relative_error", bptt_error, target=1e-6, higher_is_better=False)
elif ours is not None:
    print(f"your bptt returned shapes {[g.shape for g in ours]}, GradientTape {[g.shape for g in theirs]}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why the gradient vanishes
#
# Unroll the recursion for $\delta$: the gradient that reaches step $t$ from step $T$ is a product of $T - t$
# Jacobians,
#
# $$ \frac{\partial h_T}{\partial h_t} = \prod_{k=t+1}^{T} \operatorname{diag}\!\big(1 - h_k^2\big)\, W_h^\top
#    \quad\Rightarrow\quad
#    \Big\lVert \frac{\partial h_T}{\partial h_t} \Big\rVert \le \big(\lVert W_h \rVert \cdot \max_k \lVert 1 - h_k^2
#    \rVert_\infty\big)^{T - t}. $$
#
# If the bracket is below 1 the gradient shrinks **exponentially** with the lag $T - t$; above 1 it can explode
# (Bengio, Simard & Frasconi, 1994; Hochreiter, 1991). So a plain RNN learns short-range patterns easily, and a
# dependency 100 steps back barely moves its weights: the signal drowns under the short-range ones. (Exploding
# gradients are tamed by clipping their norm, as every run in this notebook does; vanishing ones are not.)
#
# Measured: the gradient of a freshly initialised network's output with respect to each input $x_t$, against the
# lag $T - t$, for a `SimpleRNN` and an `LSTM` (section 3) of the same width, averaged over 64 random sequences.
# One thing to know about the LSTM before section 3 explains it: its memory passes from step to step multiplied by
# a **forget gate** $f$, a number between 0 and 1 per unit, and at initialisation Keras sets it near
# $\sigma(1) \approx 0.73$, so an untrained LSTM forgets a fixed share at every step. Section 4 measures the same
# curves after training.

# %%
def recurrent_model(kind, length, units=UNITS):
    """A recurrent layer of `units` (SimpleRNN, LSTM or GRU) reading (length, 2) sequences, then Dense(1)."""
    cell = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}[kind]
    return keras.Sequential([keras.Input((length, 2)), cell(units), layers.Dense(1)], name=kind)


def gradient_by_lag(model, x):
    """Mean over the batch of ‖∂ output / ∂ x_t‖, indexed by the lag T - t (0 = the last input)."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(model(x))  # each row's output depends on its own inputs only
    norms = np.linalg.norm(tape.gradient(total, x).numpy(), axis=-1).mean(axis=0)
    return norms[::-1]


lag_inputs = np.random.default_rng(1).uniform(0, 1, (64, ADD_LENGTH, 2)).astype("float32")
keras.utils.set_random_seed(ctx.seed)
untrained = {kind: recurrent_model(kind, ADD_LENGTH) for kind in ("SimpleRNN", "LSTM")}
lag_untrained = {kind: gradient_by_lag(model, lag_inputs) for kind, model in untrained.items()}
far = ADD_LENGTH - 1
per_step = {kind: (norms[far] / norms[0]) ** (1 / far) for kind, norms in lag_untrained.items()}
for kind, norms in lag_untrained.items():
    print(f"{kind:>9}, untrained: gradient at lag 10 is {norms[10] / norms[0]:.1e} of the last step's, "
          f"at lag {far} {norms[far] / norms[0]:.1e}: a factor {per_step[kind]:.2f} per step on average")

# the untrained LSTM's forget gate f_t = σ(x_t W_f + h_{t-1} U_f + b_f), from Keras's own states and weights
lstm_states = layers.LSTM(UNITS, return_sequences=True)
lstm_states.build(lag_inputs.shape)
lstm_states.set_weights(untrained["LSTM"].layers[0].get_weights())
h_prev = np.concatenate([np.zeros((len(lag_inputs), 1, UNITS)), np.asarray(lstm_states(lag_inputs))[:, :-1]], axis=1)
kernel_f, recurrent_f, bias_f = (w[..., UNITS:2 * UNITS] for w in lstm_states.get_weights())  # blocks i, f, g, o
forget_mean = float(np.mean(1 / (1 + np.exp(-(lag_inputs @ kernel_f + h_prev @ recurrent_f + bias_f)))))
faster, slower = sorted(per_step, key=per_step.get)
print(f"The untrained LSTM's forget gate averages {forget_mean:.2f} (0.73 would be σ(1), Keras's starting bias "
      f"alone); {forget_mean:.2f}^{far} = {forget_mean ** far:.0e}. Untrained, the {faster}'s gradient fades faster "
      f"than the {slower}'s"
      + (f"; neither carries more than 0.1 % of the signal {far} steps back" if max(per_step.values()) ** far < 1e-3
         else "") + ". What matters is whether training opens a path (section 4).")

# %%
# extra code – the gradient against the lag, on a log scale
fig, ax = plt.subplots(figsize=(7, 4))
for kind, norms in lag_untrained.items():
    ax.semilogy(np.arange(ADD_LENGTH), norms / norms[0], label=f"{kind}, untrained")
ax.set(title=f"How far back the gradient reaches ({UNITS} units, {ADD_LENGTH} steps)", xlabel="lag T − t (steps)",
       ylabel="‖∂ output / ∂ x_t‖ relative to lag 0")
ax.legend()
ctx.savefig(fig, "gradient_by_lag_untrained")
plt.show()

# %% [markdown] slideshow={"slide_type": "notes"}
# Write the δ recursion on the board next to the code and point at the loop running backwards. The GradientTape
# agreement (printed, once Exercise 1 is solved) is to rounding error: BPTT is nothing but backprop on the unrolled
# graph. On the plot: a straight line on a log scale is an exponential decay, and the cell prints each cell's
# average factor per step. Read the printed line aloud: which cell fades faster untrained, and the LSTM's mean
# forget gate. The forget gate bounds only the path along the cell state (f to the power of the lag); the measured
# per-step factor also includes the paths through the gates and h, so the two need not match. The SimpleRNN's W_h
# starts orthogonal (norm 1), but the tanh derivative shrinks each step below that. Ask: what value of the forget
# gate would let the gradient survive ADD_LENGTH steps?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Gates: the LSTM and the GRU
#
# The **LSTM** (Hochreiter & Schmidhuber, 1997; the forget gate is Gers et al., 2000) adds a second state, the
# **cell** $c_t$, which is changed only by multiplying and adding, never squashed on its way from step to step:
#
# $$ \begin{aligned}
# z &= [x_t, h_{t-1}]\, W + b \quad\text{split into four blocks } z_i, z_f, z_g, z_o \\
# i &= \sigma(z_i) \;\text{(input gate)}, \quad f = \sigma(z_f) \;\text{(forget gate)}, \quad
#    o = \sigma(z_o) \;\text{(output gate)}, \quad g = \tanh(z_g) \;\text{(candidate)} \\
# c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t).
# \end{aligned} $$
#
# The gates are sigmoids, numbers between 0 and 1 that say how much passes: $f$ how much of the old cell to keep,
# $i$ how much of the candidate to write, $o$ how much of the cell to show. Along the cell,
# $\partial c_T / \partial c_t = \prod_k \operatorname{diag}(f_k)$ (plus terms through the gates): no $W_h$, no
# tanh derivative. When the network learns $f \approx 1$ for a unit, that unit carries both its content and its
# gradient across many steps. Keras starts the forget gate's bias at 1 (`unit_forget_bias=True`) so that it
# begins by remembering rather than forgetting (Jozefowicz et al., 2015).
#
# The **GRU** (Cho et al., 2014) merges cell and state and uses two gates: an update gate
# $u = \sigma(\cdot)$ and a reset gate $r = \sigma(\cdot)$, with $h_t = u \odot h_{t-1} + (1 - u) \odot
# \tanh\!\big(x_t W + (r \odot h_{t-1}) U + b\big)$ (Keras's convention; it applies $r$ after the
# multiplication by $U$ by default). Fewer parameters, and often as good.
#
# ### Exercise 2 · One LSTM step (2 points)
#
# Write `lstm_step(x, h, c, W, b)` for one sequence: `x` (d,), `h` and `c` (H,), `W` (d + H, 4H), `b` (4H,). The
# columns of `W` hold the four blocks in Keras's order: input gate, forget gate, candidate, output gate. Return
# `(h_new, c_new)`.

# %% tags=["exercise"]
def lstm_step(x, h, c, W, b):
    raise NotImplementedError("z = [x, h] W + b; four blocks i, f, g, o; then c_new and h_new")


# %% tags=["solution"]
def lstm_step(x, h, c, W, b):  # noqa: F811 (the solution replaces the stub)
    z = np.concatenate([x, h]) @ W + b
    z_i, z_f, z_g, z_o = np.split(z, 4)
    i, f, o = (1 / (1 + np.exp(-z_gate)) for z_gate in (z_i, z_f, z_o))  # gates: sigmoid, 0 … 1
    g = np.tanh(z_g)  # candidate: tanh, -1 … 1
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


# %%
nb07.check_lstm_step(lstm_step);

# %% [markdown] slideshow={"slide_type": "subslide"}
# Your `lstm_step`, once it is solved, against Keras: an `LSTM` layer's `kernel` ($d \times 4H$) stacked on its
# `recurrent_kernel` ($H \times 4H$) is our $W$; one step from the same state must give the same $h$ and $c$. (The
# course's own answer is compared with Keras in `tests/test_checks_nb07.py`.)

# %%
lstm_layer = layers.LSTM(H_DEMO, return_state=True)
h_start, c_start = rng.normal(size=(1, H_DEMO)).astype("float32"), rng.normal(size=(1, H_DEMO)).astype("float32")
one_step = x_demo[:1][None].astype("float32")  # (batch 1, one step, d)
_, h_keras, c_keras = lstm_layer(one_step, initial_state=[h_start, c_start])
kernel, recurrent_kernel, lstm_bias = lstm_layer.get_weights()
step_ours = learners_answer(lstm_step, one_step[0, 0], h_start[0], c_start[0],
                            np.vstack([kernel, recurrent_kernel]), lstm_bias)
if step_ours is not None and [p.shape for p in step_ours] == [(H_DEMO,), (H_DEMO,)]:
    h_ours, c_ours = step_ours
    print(f"largest difference, your lstm_step vs keras.layers.LSTM: h {np.abs(h_ours - h_keras[0]).max():.1e}, "
          f"c {np.abs(c_ours - c_keras[0]).max():.1e}")
elif step_ours is not None:
    print(f"your lstm_step returned shapes {[p.shape for p in step_ours]}; expected two of ({H_DEMO},)")
gru_layer = layers.GRU(H_DEMO)
gru_layer.build((None, T_DEMO, D_IN))
print(f"parameters for {H_DEMO} units and {D_IN} inputs: SimpleRNN {simple.count_params()}, "
      f"GRU {gru_layer.count_params()}, LSTM {lstm_layer.count_params()}")

# %% [markdown] slideshow={"slide_type": "notes"}
# Draw the cell as a conveyor belt running along the top, with the forget gate multiplying it and the input gate
# adding to it. The key point is the line c_t = f ⊙ c_{t-1} + i ⊙ g: no weight matrix between c_{t-1} and c_t.
# Common slips the checker catches: tanh on a gate, the forget gate left out, [h, x] instead of [x, h]. Ask: what
# does the cell do when f = 1 and i = 0 for a unit?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · A long memory: the adding problem
#
# The **adding problem** (Hochreiter & Schmidhuber, 1997; in this form Le, Jaitly & Hinton, 2015, and Arjovsky,
# Shah & Bengio, 2016) is a test of long memory and nothing else. Each step carries two numbers: a value drawn
# uniformly from $[0, 1]$ and a marker, 1 at exactly two steps (one in each half of the sequence) and 0 elsewhere.
# The answer is the sum of the two marked values. The first marked value must be kept through up to
# $T$ steps of distracting numbers.
#
# **The bar.** The answer is the sum of two independent uniform numbers, with mean 1 and variance
# $2 \cdot \tfrac{1}{12} = \tfrac16 \approx 0.167$. A model that ignores the markers can do no better than predict
# 1 every time, with a mean squared error of 0.167. A model that "solves" the task must get far below that; we ask
# for less than 10 % of it.
#
# The sequences are `ADD_LENGTH` steps long (100 in workshop mode; printed below). All three models get the same
# state size, optimizer (Adam, learning rate $10^{-2}$, gradient norm clipped to 1), data, and the same budget in
# **training steps**: `ADD_STEPS` batches of `ADD_BATCH` sequences (1,200 in workshop mode), so a slow machine takes
# longer rather than giving a model fewer steps. (A time cap, `ADD_SAFETY_SECONDS`, only guards against a stalled
# machine; if it cuts a run, the cell says so, and the comparison is then no longer at equal steps.) A model stops
# early once its validation error is below 5 % of the bar, to save time.

# %%
def adding_problem(n, length, rng):
    """n sequences (n, length, 2) of [value, marker] and their targets: the sum of the two marked values."""
    x = np.zeros((n, length, 2), dtype="float32")
    x[:, :, 0] = rng.uniform(0, 1, (n, length))
    first = rng.integers(0, length // 2, n)  # one marker in each half
    second = rng.integers(length // 2, length, n)
    rows = np.arange(n)
    x[rows, first, 1] = x[rows, second, 1] = 1.0
    return x, x[rows, first, 0] + x[rows, second, 0]


data_rng = np.random.default_rng(ctx.seed)
x_add, y_add = adding_problem(ADD_TRAIN, ADD_LENGTH, data_rng)
x_add_val, y_add_val = adding_problem(500, ADD_LENGTH, data_rng)
x_add_test, y_add_test = adding_problem(2_000, ADD_LENGTH, data_rng)
baseline_mse = float(np.mean((y_add_test - 1.0) ** 2))  # always answer 1, the mean
marked = x_add[0, x_add[0, :, 1] == 1, 0]
print(f"{ADD_TRAIN:,} training sequences of {ADD_LENGTH} steps; e.g. markers at steps "
      f"{np.flatnonzero(x_add[0, :, 1]).tolist()}, values {marked[0]:.3f} and {marked[1]:.3f}, target {y_add[0]:.3f}")
print(f"predicting the mean: test MSE {baseline_mse:.3f} (theory 1/6 = {1 / 6:.3f})")

# %%
ADD_KINDS = ("SimpleRNN", "GRU", "LSTM")  # the cells compared; edit this tuple to train fewer
ADD_STEPS_PER_EPOCH = 100  # validation after every 100 steps
SOLVED = 0.05 * baseline_mse  # stop a model once it is this far below the bar


def train_adding(kind):
    """Train one cell for ADD_STEPS steps; return the model, its validation curve (steps, MSE), test MSE, steps,
    and its gradient-by-lag before training."""
    keras.utils.set_random_seed(ctx.seed)
    model = recurrent_model(kind, ADD_LENGTH)
    untrained_lag = gradient_by_lag(model, x_add_test[:64])
    model.compile(optimizer=keras.optimizers.Adam(1e-2, global_clipnorm=1.0), loss="mse", jit_compile=JIT)
    batches = tf.data.Dataset.from_tensor_slices((x_add, y_add)).shuffle(ADD_TRAIN, seed=ctx.seed).repeat()
    curve = []  # (optimizer steps so far, validation MSE) after each validation
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: curve.append(
        (int(model.optimizer.iterations.numpy()), logs["val_loss"])))
    stop_when_solved = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: setattr(model, "stop_training", model.stop_training or
                                                 logs["val_loss"] < SOLVED))
    cap = TimeBudget(ADD_SAFETY_SECONDS, verbose=False)  # cap_warning below says it
    start_cpu, start = time.process_time(), time.time()
    model.fit(batches.batch(ADD_BATCH).prefetch(2), steps_per_epoch=min(ADD_STEPS_PER_EPOCH, ADD_STEPS),
              epochs=max(1, ADD_STEPS // ADD_STEPS_PER_EPOCH), validation_data=(x_add_val, y_add_val),
              validation_batch_size=500, verbose=0, shuffle=False, callbacks=[record, stop_when_solved, cap])
    seconds, cpu_seconds = time.time() - start, time.process_time() - start_cpu
    test_mse = model.evaluate(x_add_test, y_add_test, batch_size=500, verbose=0)
    steps = int(model.optimizer.iterations.numpy())
    print(f"{kind:>9}: {steps:5,} steps in {seconds:5.1f} s ({cpu_seconds:5.1f} s of CPU time), test MSE "
          f"{test_mse:.4f} ({test_mse / baseline_mse:.1%} of the mean-predicting bar)")
    if cap.stopped_early:
        cap_warning(ADD_SAFETY_SECONDS, f"the {kind}", steps, ADD_STEPS,
                    consequence="the comparison below is not at equal steps")
    return model, curve, test_mse, steps, untrained_lag


adding = {kind: train_adding(kind) for kind in ADD_KINDS}

# %% [markdown] slideshow={"slide_type": "subslide"}
# The validation error against training steps, and what each model reached on 2,000 test sequences.

# %%
# extra code – validation MSE against training steps, with the bar and the target
fig, ax = plt.subplots(figsize=(8, 4.5))
for kind, (_, curve, _, _, _) in adding.items():
    ax.semilogy(*zip(*curve), marker=".", label=kind)
ax.axhline(baseline_mse, color="gray", ls=":", label=f"predict the mean ({baseline_mse:.3f})")
ax.axhline(0.1 * baseline_mse, color="gray", ls="--", label="target: 10 % of that")
ax.set(title=f"The adding problem, {ADD_LENGTH} steps ({UNITS} units each, up to {ADD_STEPS:,} training steps)",
       xlabel=f"training steps (batches of {ADD_BATCH})", ylabel="validation MSE (log scale)")
ax.legend()
ctx.savefig(fig, "adding_problem")
plt.show()

target = 0.1 * baseline_mse
for kind, (_, _, test_mse, steps, _) in adding.items():
    ctx.log_metric(f"adding_mse_{kind.lower()}", test_mse, target=target if kind == "LSTM" else None,
                   baseline=baseline_mse, higher_is_better=False, key=kind == "LSTM")
    ctx.log_metric(f"adding_steps_{kind.lower()}", steps, unit="steps")
solved = [kind for kind, (_, _, mse, _, _) in adding.items() if mse < target]
unsolved = [kind for kind in adding if kind not in solved]
print(f"Below 10 % of the bar ({target:.4f}) within {ADD_STEPS:,} steps each, on {ADD_LENGTH}-step sequences: "
      f"{', '.join(solved) or 'none'}; not: {', '.join(unsolved) or 'none'}.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **After training**, the same gradient-by-lag measurement as in section 2, on test sequences: how strongly does the
# trained model's answer depend on an input $t$ steps before the end?

# %%
lag_trained = {kind: gradient_by_lag(adding[kind][0], x_add_test[:64]) for kind in adding}
far_add = ADD_LENGTH - 1  # the longest lag in these sequences
ratio_far = {kind: lag_trained[kind][far_add] / lag_trained[kind][0] for kind in adding}
fig, ax = plt.subplots(figsize=(7, 4))
for kind in adding:
    untrained_lag = adding[kind][4]
    line, = ax.semilogy(lag_trained[kind] / lag_trained[kind][0], label=f"{kind}, trained")
    ax.semilogy(untrained_lag / untrained_lag[0], ls=":", color=line.get_color(), label=f"{kind}, untrained")
ax.set(title="Gradient against lag, before and after training on the adding problem", xlabel="lag T − t (steps)",
       ylabel="‖∂ output / ∂ x_t‖ relative to lag 0", ylim=(1e-16, 10))  # below 1e-16: float32 round-off
ax.legend(fontsize="small")
ctx.savefig(fig, "gradient_by_lag_trained")
plt.show()
for kind, (_, _, _, _, untrained_lag) in adding.items():
    print(f"{kind:>9}, trained: gradient at lag {far_add} is {ratio_far[kind]:.1e} of the last step's (untrained: "
          f"{untrained_lag[far_add] / untrained_lag[0]:.1e}); {'solved' if kind in solved else 'not solved'}")
    ctx.log_metric(f"{kind.lower()}_trained_gradient_ratio_far", ratio_far[kind])
reach = sorted(adding, key=ratio_far.get, reverse=True)
if ratio_far[reach[0]] > 1e-2:
    print(f"After training, the {reach[0]}'s answer still depends on the first inputs ({ratio_far[reach[0]]:.1e} × "
          f"the last step's weight at lag {far_add}); "
          + ", ".join(f"the {kind}'s {ratio_far[kind]:.1e}" for kind in reach[1:]) + ".")
else:
    print(f"After training no cell's gradient reaches back {far_add} steps with more than 1 % of the last step's "
          f"weight (best: {reach[0]}, {ratio_far[reach[0]]:.1e}).")

# %% [markdown] slideshow={"slide_type": "notes"}
# Before showing the curves, ask the room to predict which of the three will solve it. Point at the long flat
# stretch near the mean-predicting line: every model first learns to answer about 1, then (if it ever does) finds
# the markers, often suddenly. On the lag plot, read the printed line under it: a cell that solved the task must
# let the first marked value reach the answer, so its trained gradient should stay high across the lags, and the
# line says whether that happened in this run. If the SimpleRNN happens to solve it on your machine, or the LSTM
# does not, say so: the budget is 1,200 steps and the result is a measurement, not a law.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · Reading a digit row by row: a bidirectional LSTM
#
# An image is not a sequence, but it can be read as one: an MNIST digit as 28 steps, each step one row of 28
# pixels (the lecture's Keras example `mnist_hierarchical_rnn` reads rows, then the sequence of row summaries).
# A **bidirectional** RNN (Schuster & Paliwal, 1997) runs one RNN from the top row down and a second from the bottom
# row up, and joins their final states: each half sees the whole digit, from opposite ends. For text this means
# that a word's representation depends on the words after it too (*"The dog chased the ca? up the tree"*: cat or
# car?), which only works when the whole sequence is there before the answer is needed (classification, tagging;
# not generation).
#
# The model trains for `MNIST_EPOCHS` passes over the training digits (3 in workshop mode); the `val_` numbers
# printed per epoch follow its progress on 5,000 held-out training digits, and the **test accuracy line** under
# them, on the 10,000 test digits, is the measurement.

# %%
(x_mnist, y_mnist), (x_mnist_test, y_mnist_test) = utils.data.load_mnist()
x_mnist, x_mnist_test = x_mnist.astype("float32") / 255.0, x_mnist_test.astype("float32") / 255.0
x_mnist_val, y_mnist_val = x_mnist[-5_000:], y_mnist[-5_000:]
x_mnist, y_mnist = x_mnist[:-5_000][:MNIST_TRAIN], y_mnist[:-5_000][:MNIST_TRAIN]

keras.utils.set_random_seed(ctx.seed)
row_reader = keras.Sequential([
    keras.Input((28, 28)),  # 28 steps (rows) of 28 pixels
    layers.Bidirectional(layers.LSTM(MNIST_UNITS)),  # top-down and bottom-up final states, concatenated
    layers.Dense(10),
], name="row_by_row")
row_reader.compile(optimizer=keras.optimizers.Adam(2e-3, global_clipnorm=1.0), metrics=["accuracy"],
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=JIT)
row_reader.summary()
bidirectional_params = row_reader.layers[0].count_params()
same_size = int(round((-29 + np.sqrt(29**2 + bidirectional_params)) / 2))  # 4u(u + 28 + 1) = bidirectional's
print(f"the bidirectional layer: {bidirectional_params:,} parameters; one LSTM of {same_size} units has "
      f"{4 * same_size * (same_size + 29):,} (Exercise 4)")
mnist_batches = utils.training.as_dataset(x_mnist, y_mnist, 128, shuffle=True, seed=ctx.seed)
mnist_cap = TimeBudget(MNIST_SAFETY_SECONDS, verbose=False)  # cap_warning below says it
start_cpu, start = time.process_time(), time.time()
mnist_history = row_reader.fit(mnist_batches, epochs=MNIST_EPOCHS, verbose=2, shuffle=False,
                               validation_data=(x_mnist_val, y_mnist_val), validation_batch_size=500,
                               callbacks=[mnist_cap])
mnist_seconds, mnist_cpu = time.time() - start, time.process_time() - start_cpu
mnist_steps = int(row_reader.optimizer.iterations.numpy())
if mnist_cap.stopped_early:
    cap_warning(MNIST_SAFETY_SECONDS, "training", mnist_steps, MNIST_EPOCHS * len(mnist_batches),
                consequence="the accuracy below is lower than a full run's")
_, mnist_accuracy = row_reader.evaluate(x_mnist_test, y_mnist_test, batch_size=500, verbose=0)
print(f"test accuracy {mnist_accuracy:.2%} on 10,000 test digits after {mnist_steps:,} steps, {mnist_seconds:.0f} s "
      f"({mnist_cpu:.0f} s of CPU time; the first step also builds the graph) on {len(x_mnist):,} training digits; "
      f"always guessing the most common digit: {np.bincount(y_mnist_test).max() / len(y_mnist_test):.1%}")
ctx.log_metric("row_mnist_test_accuracy", mnist_accuracy, target=0.97, baseline=np.bincount(y_mnist_test).max() /
               len(y_mnist_test), key=True)
if not ctx.smoke:
    assert mnist_accuracy > 0.5, "reading rows should classify most digits"

# %% [markdown] slideshow={"slide_type": "notes"}
# The point is not that an LSTM is the right tool for images (notebook 03's convolutional network is) but that "a
# sequence" is a choice of how to read data. Ask: why can a bidirectional model not be used to generate text one
# character at a time? In a tight workshop this section is the one to cut (the longest training after section 4):
# show the idea on the slide, leave the run and Exercise 4 as homework; keep section 7, the bridge to notebook 08.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · A character-level LSTM on Shakespeare
#
# The model Karpathy made famous in *The Unreasonable Effectiveness of Recurrent Neural Networks* (2015, char-rnn):
# read text one character at a time and predict the next one from the state. We use **exactly notebook 08's data**:
# the same characters (those of Shakespeare and of Nietzsche, the second text of 08), the first 90 % of Tiny
# Shakespeare to train on and the last 10 % to validate, and the same measure, the cross-entropy in **nats per
# character** on non-overlapping windows of the whole validation text, each window read from a fresh state. The
# windows have the length the GPT of 08 sees in this mode (`CHAR_CONTEXT`, printed below), so both models predict every
# character from the same preceding text.
#
# Model: an embedding of each character, one LSTM layer, and a dense layer giving the logits of the next character
# at every step. Trained like 08's GPT on random windows of the training text (`gpt.random_windows`), with a time
# budget.

# %%
text = utils.data.load_text("tinyshakespeare")
nietzsche = utils.data.load_text("nietzsche")
split = int(0.9 * len(text))  # notebook 08's split: first 90 % to train on, last 10 % to validate
chars = sorted(set(text) | set(nietzsche))  # notebook 08's vocabulary
char_to_id = {c: i for i, c in enumerate(chars)}
V = len(chars)
ids = np.array([char_to_id[c] for c in text], dtype=np.int32)
train_ids, val_ids = ids[:split], ids[split:]

pair_counts = np.ones((V, V))  # the bigram baseline, counted on the training text, add-one smoothed (as in 08)
np.add.at(pair_counts, (train_ids[:-1], train_ids[1:]), 1)
bigram = pair_counts / pair_counts.sum(axis=1, keepdims=True)
bigram_loss = float(-np.log(bigram[val_ids[:-1], val_ids[1:]]).mean())
print(f"{len(train_ids):,} training and {len(val_ids):,} validation characters, {V} symbols "
      f"(uniform guess: ln {V} = {np.log(V):.3f} nats/char); bigram baseline {bigram_loss:.3f} nats/char")


class CharLSTM(keras.Model):
    """Embedding → LSTM → logits of the next character at every step; can carry its state between calls."""

    def __init__(self, vocab_size, units, embedding_dim=64, **kwargs):
        super().__init__(**kwargs)
        self.embedding = layers.Embedding(vocab_size, embedding_dim)
        self.lstm = layers.LSTM(units, return_sequences=True, return_state=True)
        self.head = layers.Dense(vocab_size)

    def call(self, tokens, state=None, return_state=False):
        states, h, c = self.lstm(self.embedding(tokens), initial_state=state)
        logits = self.head(states)
        return (logits, [h, c], states) if return_state else logits


keras.utils.set_random_seed(ctx.seed)
char_model = CharLSTM(V, CHAR_UNITS)
char_model.compile(optimizer=keras.optimizers.Adam(3e-3, global_clipnorm=1.0),
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=JIT)
char_model(train_ids[None, :CHAR_CONTEXT])
print(f"char-LSTM: {CHAR_UNITS} units, {char_model.count_params():,} parameters; windows of {CHAR_CONTEXT} characters")

# %%
val_x, val_y = gpt.fixed_windows(val_ids, CHAR_CONTEXT, VAL_WINDOWS)
val_curve = val_x[:256], val_y[:256]  # a fixed subset for the curve, measured after every epoch
char_batches = gpt.random_windows(train_ids, CHAR_CONTEXT, CHAR_BATCH, seed=ctx.seed)
start = time.time()
char_model.fit(char_batches.take(1), verbose=0, shuffle=False)  # one step that also builds the graph, outside the budget
print(f"first step (building the graph): {time.time() - start:.1f} s")
start = time.time()
char_history = char_model.fit(char_batches,
                              steps_per_epoch=min(100, CHAR_MAX_STEPS), epochs=max(1, CHAR_MAX_STEPS // 100),
                              validation_data=val_curve, validation_batch_size=256, verbose=2, shuffle=False,
                              callbacks=[TimeBudget(CHAR_SECONDS)])
char_seconds = time.time() - start
char_steps = int(char_model.optimizer.iterations.numpy())
char_val_loss = char_model.evaluate(val_x, val_y, batch_size=256, verbose=0)
char_throughput = (char_steps - 1) * CHAR_BATCH * CHAR_CONTEXT / char_seconds  # the timed steps only
print(f"{char_steps:,} steps ({char_steps * CHAR_BATCH * CHAR_CONTEXT / 1e6:.2f} M characters read) in "
      f"{char_seconds:.0f} s, {char_throughput:,.0f} characters/s")
print(f"validation loss {char_val_loss:.3f} nats/char (perplexity {np.exp(char_val_loss):.2f}) on "
      f"{val_x.size:,} characters; bigram {bigram_loss:.3f}")
ctx.log_metric("char_lstm_val_loss", char_val_loss, unit="nats/char", target=bigram_loss, baseline=bigram_loss,
               higher_is_better=False, key=True)
ctx.log_metric("char_lstm_train_seconds", char_seconds, unit="s", higher_is_better=False)
ctx.log_metric("char_lstm_throughput", char_throughput, unit="chars/s")
assert char_history.history["val_loss"][-1] < np.log(V), "the validation loss should fall below a uniform guess"

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Beside notebook 08.** The mini-GPT's numbers come from 08's own workshop run on this machine, if it has been
# run (`artifacts/workshop/08_transformer/metrics.json`); they are not recomputed here.

# %%
gpt_metrics_path = utils.env.artifacts_dir("workshop") / "08_transformer" / "metrics.json"
gpt_metrics = json.loads(gpt_metrics_path.read_text())["metrics"] if gpt_metrics_path.exists() else {}
rows = [("bigram (counted, this notebook)", bigram_loss, "—"),
        (f"char-LSTM, {CHAR_UNITS} units (this run)", char_val_loss, f"{char_seconds:.0f} s")]
if "val_loss" in gpt_metrics:
    gpt_seconds = gpt_metrics.get("train_seconds", {}).get("value", float("nan"))
    rows.append(("mini-GPT (notebook 08's workshop run)", gpt_metrics["val_loss"]["value"], f"{gpt_seconds:.0f} s"))
for name, loss, seconds in rows:
    print(f"{name:<40} {loss:.3f} nats/char   training {seconds}")
if "val_loss" not in gpt_metrics:
    print("(no workshop run of notebook 08 found: run it, `python tools/run_course.py --mode workshop --nb 08`, "
          "to see its mini-GPT here; its validation loss is measured on the same windows)")
else:
    gpt_loss = gpt_metrics["val_loss"]["value"]
    gap = abs(char_val_loss - gpt_loss)
    print("The char-LSTM's validation loss is "
          + (f"within {max(gap, 0.001):.3f} nats/char of the GPT's (about the same)" if gap < 0.005 else
             f"{gap:.3f} nats/char {'lower (better)' if char_val_loss < gpt_loss else 'higher (worse)'} than the GPT's")
          + f", after "
          f"{char_seconds:.0f} s of training against the GPT's {gpt_seconds:.0f} s: not an equal budget, so this "
          "compares where each stands in its own notebook's time, not the architectures.")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Generating: feed a prompt, then repeatedly sample the next character from the softmax of the logits (divided by a
# temperature of 0.8, a little sharper than the model's own distribution) and feed it back, **carrying the state**:
# each new character costs one step of the cell, however long the text already is.

# %%
@tf.function
def next_logits(token, state):
    logits, state, _ = char_model(token, state=state, return_state=True)
    return logits[:, -1], state


def generate(prompt, length, temperature=0.8, seed=0):
    sampler = np.random.default_rng(seed)
    logits, state = char_model(np.array([[char_to_id[c] for c in prompt]]), return_state=True)[:2]
    logits, out = logits[:, -1], []
    for _ in range(length):
        probs = gpt.softmax_with_temperature(np.asarray(logits[0], dtype=np.float64), temperature)
        token = int(sampler.choice(V, p=probs))
        out.append(chars[token])
        logits, state = next_logits(tf.constant([[token]]), state)
    return "".join(out)


sample = generate("ROMEO:\n", SAMPLE_CHARS)
print("ROMEO:\n" + sample)
_ = (ctx.out / "sample.txt").write_text("ROMEO:\n" + sample)

# %% [markdown] slideshow={"slide_type": "notes"}
# Read the sample aloud: the layout (names in capitals, a colon, short lines) is learned first, then frequent words,
# then grammar, which a few minutes on a CPU do not reach. Point at the table: same data, same windows, same nats.
# Ask: why does generating with the LSTM cost the same per character however long the text is, while the GPT of
# 08 needed a key/value cache for that? Read the comparison line aloud; whichever model is ahead here, say what the
# GPT buys that this small CPU run does not show: training that runs all positions in parallel (which pays on a GPU),
# quality that keeps improving as models and data grow, and direct access to a long context (section 7's probe).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · One state vector, or attention
#
# Everything an RNN knows about the past at step $t$ is in $h_t$ (and $c_t$): a vector of fixed size, written over
# at every step. To use a character read 30 steps ago, the network must have decided, 30 steps ago, to keep it and
# kept it ever since, through 30 updates. A translation model built this way (an encoder RNN whose final state
# starts a decoder RNN) must squeeze a whole sentence into one vector, and its quality falls with the sentence's
# length (Cho et al., 2014, measured it). **Attention** (Bahdanau, Cho & Bengio, 2015) let the decoder look back at *all* the encoder's states and
# take a weighted average of them at each step; the transformer (notebook 08) keeps only that: at every position it
# can read any earlier position directly, one step away however far back, at the price of a cost that grows with
# the square of the length.
#
# **Measured: what the char-LSTM's state still holds.** We read the LSTM's state $h_t$ at positions of validation
# windows, and ask a linear read-out (least squares onto the one-hot code, fitted on half of the windows, judged on
# the other half) to name the character $k$ steps back, $x_{t-k}$. If the state kept the recent text verbatim, the
# accuracy would stay high for every $k$.

# %%
probe_x, _ = gpt.fixed_windows(val_ids, CHAR_CONTEXT, PROBE_WINDOWS)
_, _, probe_states = char_model(probe_x, return_state=True)
probe_states = np.asarray(probe_states, dtype=np.float64)  # (windows, CHAR_CONTEXT, units): h_t at every t
positions = np.arange(PROBE_LAGS, CHAR_CONTEXT)  # positions with PROBE_LAGS characters behind them in the window
features = probe_states[:, positions].reshape(-1, CHAR_UNITS)
features = np.hstack([features, np.ones((len(features), 1))])  # a bias column
half = len(probe_x) // 2 * len(positions)  # fit on the first half of the windows, judge on the second
accuracy = []
for lag in range(PROBE_LAGS):
    lagged = probe_x[:, positions - lag].reshape(-1)  # the character `lag` steps before each position
    one_hot = np.eye(V)[lagged[:half]]
    readout = np.linalg.solve(features[:half].T @ features[:half] + 1e-2 * np.eye(features.shape[1]),
                              features[:half].T @ one_hot)
    accuracy.append(float(np.mean((features[half:] @ readout).argmax(axis=1) == lagged[half:])))
most_common = np.bincount(probe_x.reshape(-1), minlength=V).max() / probe_x.size

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(range(PROBE_LAGS), accuracy, "o-", label="linear read-out from the LSTM's state h_t")
ax.axhline(most_common, color="gray", ls=":", label=f"always the most common character ({most_common:.0%})")
ax.axhline(1.0, color="C1", ls="--", label="attention (by construction, not measured)")
ax.set(title="Which character was k steps back? Read from one state vector", xlabel="k (characters back)",
       ylabel="accuracy on held-out windows", ylim=(0, 1.05))
ax.legend()
ctx.savefig(fig, "state_probe")
plt.show()
readable_until = next((k for k, a in enumerate(accuracy) if a <= most_common), None)  # first k at the line
print(f"from h_t alone: the current character {accuracy[0]:.0%}, 1 back {accuracy[1]:.0%}, 3 back {accuracy[3]:.0%}, "
      f"{PROBE_LAGS - 1} back {accuracy[-1]:.0%} (the most common character alone: {most_common:.0%}); "
      + (f"by k = {readable_until} the character k back is no longer linearly readable from h_t in this model (there "
         "the read-out first does no better than always naming the most common character)"
         if readable_until is not None else
         f"every k up to {PROBE_LAGS - 1} stays above that line"))
ctx.log_metric("state_probe_accuracy_lag1", accuracy[1])
ctx.log_metric(f"state_probe_accuracy_lag{PROBE_LAGS - 1}", accuracy[-1])

# %% [markdown] slideshow={"slide_type": "subslide"}
# The dashed line is not measured here: it is what attention gives by construction (a head whose weights sit on
# position $t - k$ returns that position's value exactly, whatever $k$), and notebook 08 measures how its trained
# heads use it. The state is not a transcript: the recent past is readable from it, and the line under the figure
# prints from which $k$ on a linear read-out does no better than naming the most common character. (A non-linear
# read-out might find more; what is measured is what is linearly readable.) Recurrence has a second price: step
# $t$ needs step $t - 1$, so the $T$ steps of a window run one after another, where a transformer processes all
# positions of a window at once in training (generation is one step at a time for both). That parallelism pays on
# a GPU and with long windows; on a 2-core CPU, with small models and windows of `CHAR_CONTEXT` characters, it need
# not, as the line below shows.

# %%
if "train_throughput" in gpt_metrics:
    gpt_throughput = gpt_metrics["train_throughput"]["value"]
    print(f"training throughput: char-LSTM {char_throughput:,.0f} characters/s (this run), mini-GPT "
          f"{gpt_throughput:,.0f} characters/s (notebook 08's workshop run, possibly on a differently loaded machine): "
          f"the {'LSTM' if char_throughput > gpt_throughput else 'GPT'} read "
          f"{max(char_throughput, gpt_throughput) / min(char_throughput, gpt_throughput):.1f}× more characters per "
          "second here (the models differ in size, so this is not a like-for-like speed test)")
else:
    print(f"training throughput: char-LSTM {char_throughput:,.0f} characters/s (this run); run notebook 08 in "
          "workshop mode to see the GPT's beside it")

# %% [markdown] slideshow={"slide_type": "notes"}
# The probe is the one new idea here: a linear read-out asks what is linearly decodable from the state. Point at
# how fast the curve falls towards the frequency line. Then contrast with the transformer: no summary vector at all,
# every position stays available. Ask: what would the curve look like for a state of 10,000 units, and what would
# that cost per step?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A recurrent network applies one cell at every step, $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$, with the same
#   weights throughout; unrolled, it is a deep network with shared layers, and its gradient is backprop run
#   backwards through the steps (BPTT), which this notebook wrote in NumPy and checked against `GradientTape`.
# - The gradient reaching back $k$ steps is a product of $k$ Jacobians, so it shrinks (or grows) exponentially
#   with $k$; measured for an untrained SimpleRNN and LSTM, and again after training on the adding problem.
# - The LSTM's cell changes by a gated sum, $c_t = f \odot c_{t-1} + i \odot g$, so information and gradient can
#   pass many steps when the forget gate learns to stay near 1; the GRU does the same with two gates. The adding
#   problem (the line below) shows which of the three cells found the two marked numbers up to `ADD_LENGTH` steps
#   apart within an equal budget of training steps.
# - A bidirectional LSTM reads a sequence from both ends; reading MNIST row by row it classifies digits (its test
#   accuracy is printed in section 5).
# - A character-level LSTM, trained on 08's split with 08's vocabulary and measured in 08's nats per character,
#   stands beside the bigram baseline and the mini-GPT. Everything it knows about the past must fit in one state
#   vector; section 7 measured how well the characters $k$ steps back can still be read from it. Attention removes
#   that bottleneck: every earlier position stays one look-up away.

# %%
print(f"This run ({ctx.mode} mode): "
      + (f"your BPTT matches GradientTape to {bptt_error:.0e}; " if bptt_error is not None else "")
      + f"adding problem ({ADD_LENGTH} steps, up to {ADD_STEPS:,} training steps each): solved by "
      f"{', '.join(solved) or 'none'}; test MSE "
      + ", ".join(f"{kind} {mse:.4f}" for kind, (_, _, mse, _, _) in adding.items())
      + f" against {baseline_mse:.3f} for the mean; row-by-row MNIST {mnist_accuracy:.2%}; char-LSTM "
      f"{char_val_loss:.3f} nats/char against the bigram's {bigram_loss:.3f}.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Read the printed line above aloud: every number in it is from this run. Recap in one sentence per cell type:
# SimpleRNN forgets exponentially, LSTM/GRU gates can hold a value, attention skips the holding altogether. Ask:
# which of today's tasks would you now give to a transformer, and which would an LSTM still do well?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Exercises 1 (backprop through time, section 2) and 2 (one LSTM step, section 3) are in the notebook above, each
# with its checker. Open experiments, no checker, each a few minutes on a CPU:
#
# 3. **How long can the SimpleRNN remember?** In section 4's training cell, set `ADD_KINDS = ("SimpleRNN",
#    "LSTM")`; then for `ADD_LENGTH` = 10, 25 and 50 (set it in the sizes cell near the top, run that cell), rerun
#    section 4 from its first code cell (the data) to its lag plot. Before each run, predict: will the SimpleRNN
#    solve it at this length? Will the LSTM? (At this budget the LSTM need not solve it either.)
# 4. **One direction or two?** Replace `layers.Bidirectional(layers.LSTM(MNIST_UNITS))` by one
#    `layers.LSTM(units)` with about the same number of parameters (section 5 prints the unit count that matches,
#    96 for `MNIST_UNITS = 64`) and compare the test accuracy at the same number of epochs. Then read the columns
#    instead of the rows (`x.transpose(0, 2, 1)`).
# 5. **A GRU writes Shakespeare.** Swap the LSTM of `CharLSTM` for `layers.GRU` (it returns one state, not two:
#    adapt `call`) and compare the validation loss at the same `CHAR_SECONDS`.
# 6. **Forget gate bias.** Build the adding-problem LSTM with `unit_forget_bias=False` and compare the curves and the
#    untrained gradient-by-lag plot with the default.

# %% [markdown] slideshow={"slide_type": "notes"}
# Exercises 1 and 2 are the graded ones (each has a checker); 3 to 6 are experiments to discuss. Exercise 3 is the
# best one to run live: ask the room to predict, for each length, whether the SimpleRNN and the LSTM will get
# below 10 % of the bar, then run it and compare with the guesses. Expect the SimpleRNN to do better on short
# sequences than on long ones, but let the run decide; the LSTM may not solve every length in 1,200 steps either.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - J. L. Elman, *Finding Structure in Time*, Cognitive Science 14, 1990: the simple recurrent network.
# - Y. Bengio, P. Simard, P. Frasconi, *Learning Long-Term Dependencies with Gradient Descent is Difficult*, IEEE
#   Transactions on Neural Networks 5(2), 1994: why the gradient vanishes or explodes.
# - S. Hochreiter, J. Schmidhuber, *Long Short-Term Memory*, Neural Computation 9(8), 1997: the LSTM, and the adding
#   problem among its long-lag tests; F. Gers, J. Schmidhuber, F. Cummins, *Learning to Forget*, 2000: the forget gate.
# - K. Cho et al., *Learning Phrase Representations using RNN Encoder–Decoder for Statistical Machine Translation*,
#   EMNLP 2014 ([arXiv:1406.1078](https://arxiv.org/abs/1406.1078)): the GRU.
# - M. Schuster, K. K. Paliwal, *Bidirectional Recurrent Neural Networks*, IEEE Transactions on Signal Processing
#   45(11), 1997.
# - Q. V. Le, N. Jaitly, G. E. Hinton, *A Simple Way to Initialize Recurrent Networks of Rectified Linear Units*,
#   2015 ([arXiv:1504.00941](https://arxiv.org/abs/1504.00941)), and M. Arjovsky, A. Shah, Y. Bengio, *Unitary
#   Evolution Recurrent Neural Networks*, ICML 2016 ([arXiv:1511.06464](https://arxiv.org/abs/1511.06464)): the
#   adding problem in the form used here, with the 0.167 bar.
# - R. Jozefowicz, W. Zaremba, I. Sutskever, *An Empirical Exploration of Recurrent Network Architectures*, ICML
#   2015: a forget-gate bias of 1.
# - A. Karpathy, *The Unreasonable Effectiveness of Recurrent Neural Networks*, blog post, 2015
#   (karpathy.github.io/2015/05/21/rnn-effectiveness), and char-rnn: the character-level LSTM.
# - C. Olah, *Understanding LSTM Networks*, blog post, 2015 (colah.github.io/posts/2015-08-Understanding-LSTMs): the
#   lecture's figures.
# - D. Bahdanau, K. Cho, Y. Bengio, *Neural Machine Translation by Jointly Learning to Align and Translate*, ICLR 2015
#   ([arXiv:1409.0473](https://arxiv.org/abs/1409.0473)): attention over the encoder's states, the step from this
#   notebook to the next.

# %% [markdown] slideshow={"slide_type": "notes"}
# Olah's post is the one to recommend to everyone; Bengio et al. 1994 for those who want the vanishing gradient
# proved; Bahdanau et al. as the bridge to notebook 08. Ask: which of these papers would you read first, and why?

# %% slideshow={"slide_type": "skip"}
ctx.save_metrics()
