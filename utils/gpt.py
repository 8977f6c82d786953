"""A mini-GPT in Keras 3 for notebook 08: attention from scratch, the model, and text generation.

Everything here is shown and explained in ``notebooks/08_transformer`` (the notebook prints the
source of each piece next to its explanation); it lives in a module so the tests can import it.

* tokens: ``merge_pair`` (one BPE merge: the course's own, which the notebook's BPE runs on);
* attention: ``causal_mask``, ``masked_softmax``, ``scaled_dot_product_attention``, ``multi_head_attention``;
* the model: ``CausalSelfAttention``, ``Block`` (pre-norm: residual + LayerNorm), ``GPT``;
* the recipe: ``RECIPE`` (sizes and training settings per mode, the one source for the notebook and
  ``tools/gpt_recipe.py``), ``compile_gpt`` (AdamW and the loss), ``learning_rate_schedule``;
* training helpers: ``random_windows`` (a tf.data stream of random text windows),
  ``fixed_windows`` (a fixed validation set);
* reading a trained model: ``attention_shares`` (how much each head looks at i, i − 1 and the last space);
* generation: ``Decoder`` (next-token logits with or without a key/value cache, one call per token),
  ``generate`` (greedy, temperature, top-k, top-p), ``beam_search``, and ``FastGenerator`` (the whole
  loop compiled, to measure what the cache saves).
"""

from __future__ import annotations

import math
import time

import keras
import numpy as np
from keras import ops

# The mini-GPT's recipe per course mode: the one source for notebook 08 (section 6) and tools/gpt_recipe.py.
_COMMON = {
    "dropout": 0.0,
    "beta_2": 0.99,  # AdamW; weight decay on the weight matrices only
    "weight_decay": 0.1,
    "clipnorm": 1.0,  # gradient clipping by global norm
    "warmup_steps": 100,  # linear warm-up, then a cosine decay to lr_floor × peak_lr
    "lr_floor": 0.1,
    "steps_per_epoch": 250,  # the validation loss is measured after every "epoch" of this many steps
    "eval_batch": 128,  # windows per evaluation batch (one batch shape: compiled once)
    "finetune_lr_scale": 0.5,  # fine-tuning (section 9): half the peak rate, a short warm-up
    "finetune_warmup_steps": 20,
}
RECIPE = {
    # seconds: the training budget; steps: where the schedule ends if the budget has not ended it (fast
    # machines); target: the validation loss (nats/char, whole validation text) the mode promises
    "smoke": {**_COMMON, "context": 32, "batch": 8, "d_model": 32, "heads": 2, "layers": 1, "peak_lr": 2e-3,
              "seconds": 20, "steps": 4, "warmup_steps": 2, "steps_per_epoch": 2, "eval_batch": 16, "target": None},
    # workshop: width 96 (was 128), since on a 2-core CPU a step of the width-128 model takes ~0.1 s, and in the
    # few minutes a workshop has a smaller model that makes more steps learns more (~0.6x the compute per step)
    "workshop": {**_COMMON, "context": 64, "batch": 16, "d_model": 96, "heads": 4, "layers": 4, "peak_lr": 3e-3,
                 "seconds": 165, "steps": 15_000, "target": 1.62},
    "full": {**_COMMON, "context": 256, "batch": 64, "d_model": 384, "heads": 6, "layers": 6, "dropout": 0.2,
             "peak_lr": 1e-3, "seconds": 3600, "steps": 2000, "target": 1.50},
}

MASKED = -1e9  # score of a masked position: exp(-1e9 - max) is exactly 0, without the NaNs of inf - inf


# -------------------------------------------------------------------------------------------- tokens
def merge_pair(ids, pair, new_id):
    """One BPE merge: every adjacent ``pair`` in ``ids``, taken from the left, becomes ``new_id``.

    One pass that looks back: a token completes the pair with the token before it, unless that one was
    just made by a merge (so ``[5, 5, 5]`` with the pair ``(5, 5)`` gives ``[new_id, 5]``).
    """
    first, second = pair
    out, merged = [], False
    for token in ids:
        if out and not merged and out[-1] == first and token == second:
            out[-1], merged = new_id, True
        else:
            out.append(token)
            merged = False
    return out


# ----------------------------------------------------------------------------------------- attention
def causal_mask(length):
    """(length, length) booleans, True where query i may look at key j, i.e. j <= i."""
    i = ops.arange(length)[:, None]
    j = ops.arange(length)[None, :]
    return j <= i


def masked_softmax(scores, mask=None):
    """Softmax over the last axis of ``scores``, with weight 0 where ``mask`` (True = may attend) is False."""
    if mask is not None:
        scores = ops.where(mask, scores, MASKED)
    return ops.softmax(scores, axis=-1)


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q kᵀ / √d_k) v over the last two axes; ``mask`` (True = may attend) broadcasts to the scores.

    Returns the output (..., T_q, d_v) and the attention weights (..., T_q, T_k), each row summing to 1.
    """
    d_k = q.shape[-1]
    weights = masked_softmax(ops.matmul(q, ops.swapaxes(k, -1, -2)) / math.sqrt(d_k), mask)
    return ops.matmul(weights, v), weights


def split_heads(x, heads):
    """(batch, T, d) -> (batch, heads, T, d / heads): each head gets its own slice of the features."""
    t, d = x.shape[1], x.shape[2]
    return ops.transpose(ops.reshape(x, (-1, t, heads, d // heads)), (0, 2, 1, 3))


def merge_heads(x):
    """(batch, heads, T, d_head) -> (batch, T, heads * d_head): the inverse of ``split_heads``."""
    heads, t, d_head = x.shape[1], x.shape[2], x.shape[3]
    return ops.reshape(ops.transpose(x, (0, 2, 1, 3)), (-1, t, heads * d_head))


def multi_head_attention(x, w_q, w_k, w_v, w_o, heads, b_q=0.0, b_k=0.0, b_v=0.0, b_o=0.0, causal=True):
    """Multi-head self-attention written out: project, split into heads, attend, merge, project back.

    ``x`` is (batch, T, d); the weights are (d, d) matrices and the biases (d,) vectors.
    Returns the output (batch, T, d) and the weights (batch, heads, T, T).
    """
    q = split_heads(ops.matmul(x, w_q) + b_q, heads)
    k = split_heads(ops.matmul(x, w_k) + b_k, heads)
    v = split_heads(ops.matmul(x, w_v) + b_v, heads)
    mask = causal_mask(x.shape[1]) if causal else None
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    return ops.matmul(merge_heads(out), w_o) + b_o, weights


# --------------------------------------------------------------------------------------------- model
class CausalSelfAttention(keras.layers.Layer):
    """Multi-head causal self-attention: one Dense makes q, k and v for all heads at once."""

    def __init__(self, d_model, heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads = d_model, heads
        self.qkv = keras.layers.Dense(3 * d_model, name="qkv")  # [W_q | W_k | W_v] side by side
        self.proj = keras.layers.Dense(d_model, name="proj")  # W_o
        self.dropout = keras.layers.Dropout(dropout)

    def _heads(self, x):
        q, k, v = ops.split(self.qkv(x), 3, axis=-1)
        return split_heads(q, self.heads), split_heads(k, self.heads), split_heads(v, self.heads)

    def call(self, x, training=None, return_kv=False, return_weights=False):
        q, k, v = self._heads(x)
        out, weights = scaled_dot_product_attention(q, k, v, causal_mask(x.shape[1]))
        out = self.dropout(self.proj(merge_heads(out)), training=training)
        if return_weights:
            return out, weights
        return (out, k, v) if return_kv else out

    def step(self, x, keys, values, position):
        """One new token ``x`` (batch, 1, d) at ``position``: write its key/value into the cache, attend to it."""
        q, k, v = self._heads(x)
        keys = ops.slice_update(keys, (0, 0, position, 0), k)
        values = ops.slice_update(values, (0, 0, position, 0), v)
        visible = ops.arange(keys.shape[2]) <= position  # cache slots filled so far
        out, _ = scaled_dot_product_attention(q, keys, values, visible)
        return self.proj(merge_heads(out)), keys, values


class Block(keras.layers.Layer):
    """A pre-norm transformer block: x + Attention(LayerNorm(x)), then x + MLP(LayerNorm(x))."""

    def __init__(self, d_model, heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.norm1 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm1")
        self.attn = CausalSelfAttention(d_model, heads, dropout, name="attn")
        self.norm2 = keras.layers.LayerNormalization(epsilon=1e-5, name="norm2")
        self.mlp_in = keras.layers.Dense(4 * d_model, activation="gelu", name="mlp_in")
        self.mlp_out = keras.layers.Dense(d_model, name="mlp_out")
        self.dropout = keras.layers.Dropout(dropout)

    def mlp(self, x, training=None):
        return self.dropout(self.mlp_out(self.mlp_in(self.norm2(x))), training=training)

    def call(self, x, training=None, return_kv=False):
        if return_kv:
            attended, k, v = self.attn(self.norm1(x), return_kv=True)
            x = x + attended
            return x + self.mlp(x), k, v
        x = x + self.attn(self.norm1(x), training=training)  # residual: the block only adds a correction
        return x + self.mlp(x, training=training)

    def step(self, x, keys, values, position):
        attended, keys, values = self.attn.step(self.norm1(x), keys, values, position)
        x = x + attended
        return x + self.mlp(x), keys, values


class GPT(keras.Model):
    """A decoder-only transformer: token + position embeddings, ``layers`` blocks, LayerNorm, logits."""

    def __init__(self, vocab_size, context, d_model=128, heads=4, layers=4, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.context, self.d_model, self.heads = vocab_size, context, d_model, heads
        self.token_embedding = keras.layers.Embedding(vocab_size, d_model, name="token_embedding")
        self.position_embedding = keras.layers.Embedding(context, d_model, name="position_embedding")
        self.dropout = keras.layers.Dropout(dropout)
        self.blocks = [Block(d_model, heads, dropout, name=f"block{i}") for i in range(layers)]
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5, name="norm")
        self.head = keras.layers.Dense(vocab_size, name="head")

    def embed(self, tokens, positions):
        return self.token_embedding(tokens) + self.position_embedding(positions)

    def call(self, tokens, training=None):
        """Logits (batch, T, vocab) for the next token after every position of ``tokens`` (batch, T)."""
        x = self.dropout(self.embed(tokens, ops.arange(tokens.shape[1])), training=training)
        for block in self.blocks:
            x = block(x, training=training)
        return self.head(self.norm(x))

    def attention_maps(self, tokens):
        """Attention weights of every layer, a list of (batch, heads, T, T) arrays."""
        x = self.embed(tokens, ops.arange(tokens.shape[1]))
        maps = []
        for block in self.blocks:
            attended, weights = block.attn(block.norm1(x), return_weights=True)
            x = x + attended
            x = x + block.mlp(x)
            maps.append(ops.convert_to_numpy(weights))
        return maps

    def prefill(self, window, length):
        """Run a right-padded ``window`` (batch, context); return the logits after token ``length`` - 1
        and every layer's keys and values (the padding's entries are overwritten later)."""
        x = self.embed(window, ops.arange(window.shape[1]))
        keys, values = [], []
        for block in self.blocks:
            x, k, v = block(x, return_kv=True)
            keys.append(k)
            values.append(v)
        logits = self.head(self.norm(ops.take(x, length - 1, axis=1)))
        return logits, keys, values

    def decode_step(self, tokens, position, keys, values):
        """Logits (batch, vocab) after one new token per row at ``position``, and the updated caches."""
        x = self.embed(tokens[:, None], ops.reshape(position, (1,)))
        new_keys, new_values = [], []
        for block, k, v in zip(self.blocks, keys, values):
            x, k, v = block.step(x, k, v, position)
            new_keys.append(k)
            new_values.append(v)
        return self.head(self.norm(x))[:, 0, :], new_keys, new_values


# ------------------------------------------------------------------------------------------ training
def compile_gpt(model, recipe, jit_compile="auto"):
    """AdamW (decoupled weight decay on the weight matrices only), gradient clipping, next-token cross-entropy.

    The learning rate is set at every step by ``learning_rate_schedule``.
    """
    optimizer = keras.optimizers.AdamW(recipe["peak_lr"], beta_2=recipe["beta_2"],
                                       weight_decay=recipe["weight_decay"], global_clipnorm=recipe["clipnorm"])
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])  # not LayerNorm's scales, not biases
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=jit_compile)
    return model


def learning_rate_schedule(recipe, seconds, steps, finetune=False):
    """The recipe's warm-up and cosine decay, ending after ``seconds`` or ``steps``, whichever comes first
    (either may be None). ``finetune=True``: the lower peak and shorter warm-up of fine-tuning."""
    from .training import WarmupCosine

    peak = recipe["peak_lr"] * (recipe["finetune_lr_scale"] if finetune else 1.0)
    warmup = recipe["finetune_warmup_steps"] if finetune else recipe["warmup_steps"]
    return WarmupCosine(peak, seconds=seconds, steps=steps, warmup_steps=warmup, floor=recipe["lr_floor"])


def random_windows(ids, context, batch, seed=0):
    """An endless tf.data stream of (x, y) batches of random windows: y is x shifted by one character."""
    import tensorflow as tf

    ids = tf.constant(np.asarray(ids, dtype=np.int32))
    last_start = int(ids.shape[0]) - context - 1
    offsets = tf.range(context + 1)

    def windows(r):
        starts = tf.cast(tf.math.floormod(r, last_start), tf.int32)
        chunk = tf.gather(ids, starts[:, None] + offsets[None, :])
        return chunk[:, :-1], chunk[:, 1:]

    starts = tf.data.Dataset.random(seed=seed).batch(batch, drop_remainder=True)
    return starts.map(windows, num_parallel_calls=1).prefetch(4)


def fixed_windows(ids, context, count=None):
    """Non-overlapping windows (x, y) through ``ids``, evenly spaced when ``count`` limits their number."""
    ids = np.asarray(ids, dtype=np.int32)
    starts = np.arange(0, len(ids) - context - 1, context)
    if count is not None and count < len(starts):
        starts = starts[np.linspace(0, len(starts) - 1, count).astype(int)]
    chunks = ids[starts[:, None] + np.arange(context + 1)[None, :]]
    return chunks[:, :-1], chunks[:, 1:]


# --------------------------------------------------------------------------------- reading attention
def attention_shares(maps, tokens, space_id):
    """How much attention each head puts on the query's own position i, on i − 1, and on the last space.

    ``maps``: a list over layers of (batch, heads, T, T) attention weights on ``tokens`` (batch, T). Only the
    queries whose last space (at or before i) lies at least two positions back count, so the three
    positions are distinct. Returns the mean shares as an array (layers, heads, 3) (columns: i, i − 1, last
    space) and, for comparison, the share a head spreading its attention evenly would give one position.
    """
    tokens = np.asarray(tokens)
    positions = np.arange(tokens.shape[1])
    last_space = np.maximum.accumulate(np.where(tokens == space_id, positions, -1), axis=1)  # -1: none yet
    rows, queries = np.nonzero((last_space >= 0) & (last_space <= positions - 2))
    if len(queries) == 0:
        raise ValueError("no query has a space two or more positions back: give longer windows of text")
    spaces = last_space[rows, queries]
    shares = np.stack([np.stack([np.asarray(m)[rows, :, queries, keys].mean(axis=0)  # (heads,)
                                 for keys in (queries, queries - 1, spaces)], axis=-1) for m in maps])
    return shares, float(np.mean(1.0 / (queries + 1)))


# ---------------------------------------------------------------------------------------- generation
class Decoder:
    """Next-token logits of a trained ``GPT`` for a batch of growing sequences.

    ``use_cache=False`` runs the whole window (the last ``context`` tokens) through the model for every
    new token. ``use_cache=True`` keeps every layer's keys and values, so a new token costs one position;
    when the cache is full it is refilled from the last ``context // 2`` tokens. Both run compiled
    functions (XLA unless ``jit=False``) of fixed shapes: windows are right-padded, and a causal model never
    looks at the padding.
    """

    def __init__(self, model, use_cache=True, jit=True):
        import tensorflow as tf

        self.model, self.use_cache, self.context = model, use_cache, model.context
        self._full = tf.function(lambda w, n: ops.take(model(w), n - 1, axis=1), jit_compile=jit)
        self._prefill = tf.function(model.prefill, jit_compile=jit)
        self._step = tf.function(model.decode_step, jit_compile=jit)

    def _window(self, tokens):
        window = np.zeros((tokens.shape[0], self.context), dtype=np.int32)
        window[:, : tokens.shape[1]] = tokens
        return window

    def _fill(self, tokens):
        logits, self.keys, self.values = self._prefill(self._window(tokens), np.int32(tokens.shape[1]))
        self.position = tokens.shape[1]
        return np.asarray(logits, dtype=np.float64)

    def start(self, prompt):
        """Begin with ``prompt`` (batch, length) token ids; return the logits (batch, vocab) of the next token."""
        self.tokens = np.asarray(prompt, dtype=np.int32).reshape(len(prompt), -1)
        last = self.tokens[:, -self.context :]
        if self.use_cache:
            return self._fill(last)
        return np.asarray(self._full(self._window(last), np.int32(last.shape[1])), dtype=np.float64)

    def advance(self, next_tokens):
        """Append one token per row; return the logits of the token after it."""
        next_tokens = np.asarray(next_tokens, dtype=np.int32).reshape(-1)
        self.tokens = np.concatenate([self.tokens, next_tokens[:, None]], axis=1)
        if not self.use_cache:
            last = self.tokens[:, -self.context :]
            return np.asarray(self._full(self._window(last), np.int32(last.shape[1])), dtype=np.float64)
        if self.position == self.context:  # cache full: keep the last half of the context
            return self._fill(self.tokens[:, -(self.context // 2) :])
        logits, self.keys, self.values = self._step(next_tokens, np.int32(self.position), self.keys, self.values)
        self.position += 1
        return np.asarray(logits, dtype=np.float64)

    def reorder(self, rows):
        """Keep the sequences ``rows`` (beam search: each beam continues one of its parents)."""
        rows = np.asarray(rows)
        self.tokens = self.tokens[rows]
        if self.use_cache:
            self.keys = [ops.take(k, rows, axis=0) for k in self.keys]
            self.values = [ops.take(v, rows, axis=0) for v in self.values]


def log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_with_temperature(logits, temperature=1.0):
    """p_i = exp(z_i / τ) / Σ_j exp(z_j / τ), τ the temperature: τ < 1 sharpens, τ > 1 flattens, τ → 0 is greedy."""
    return np.exp(log_softmax(np.asarray(logits, dtype=np.float64) / temperature))


def top_k_filter(probs, k):
    """Keep the ``k`` most likely tokens (ties at the boundary kept), renormalised."""
    threshold = np.sort(probs, axis=-1)[..., -k][..., None]
    kept = np.where(probs >= threshold, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def top_p_filter(probs, p):
    """Nucleus: keep the smallest set of most likely tokens whose probability adds up to at least ``p``."""
    order = np.argsort(-probs, axis=-1)
    sorted_probs = np.take_along_axis(probs, order, axis=-1)
    before = np.cumsum(sorted_probs, axis=-1) - sorted_probs  # mass of the tokens ranked above
    keep_sorted = before < p  # the top token always stays
    keep = np.zeros_like(keep_sorted)
    np.put_along_axis(keep, order, keep_sorted, axis=-1)
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum(axis=-1, keepdims=True)


def generate(decoder, prompt, steps, *, greedy=False, temperature=1.0, top_k=None, top_p=None, seed=0):
    """Continue ``prompt`` (a list of ids) by ``steps`` tokens, one sequence.

    Returns the new ids and their log-likelihood Σ log p(token | before) in nats under the model itself
    (temperature 1, no filtering), so every strategy is scored on the same scale.
    """
    rng = np.random.default_rng(seed)
    logits = decoder.start(np.asarray(prompt)[None, :])[0]
    out, loglik = [], 0.0
    for _ in range(steps):
        if greedy:
            token = int(np.argmax(logits))
        else:
            probs = softmax_with_temperature(logits, temperature)
            if top_k is not None:
                probs = top_k_filter(probs, top_k)
            if top_p is not None:
                probs = top_p_filter(probs, top_p)
            token = int(rng.choice(len(probs), p=probs))
        loglik += float(log_softmax(logits)[token])
        out.append(token)
        logits = decoder.advance([token])[0]
    return out, loglik


def beam_search(decoder, prompt, steps, width=4):
    """Keep the ``width`` most likely continuations at every step; return the best one and its log-likelihood."""
    logits = decoder.start(np.repeat(np.asarray(prompt)[None, :], width, axis=0))
    scores = np.full(width, MASKED)
    scores[0] = 0.0  # all beams start identical: expand only the first
    sequences = np.zeros((width, 0), dtype=np.int64)
    for _ in range(steps):
        candidates = (scores[:, None] + log_softmax(logits)).ravel()  # (width × vocab,)
        best = np.argsort(-candidates, kind="stable")[:width]
        parents, tokens = np.divmod(best, logits.shape[-1])
        scores = candidates[best]
        sequences = np.concatenate([sequences[parents], tokens[:, None]], axis=1)
        decoder.reorder(parents)
        logits = decoder.advance(tokens)
    return sequences[0].tolist(), float(scores[0])


class FastGenerator:
    """Greedy or temperature sampling with the whole loop inside one compiled function (``tf.while_loop``).

    Calling a compiled function from Python costs a fixed overhead per call, more than the arithmetic of a
    small model on one token; running the loop inside the graph removes that, so the difference between
    generating with and without the key/value cache is what remains. Both variants produce the same tokens
    as ``Decoder`` with the cache: the window grows to ``context`` tokens, then restarts from its last half.
    """

    def __init__(self, model, use_cache=True, jit=True):
        import tensorflow as tf

        self.model, self.use_cache, self.context = model, use_cache, model.context
        self._chunk = tf.function(self._cached_chunk if use_cache else self._plain_chunk, jit_compile=jit)

    @staticmethod
    def _pick(logits, temperature, seed, i):
        import tensorflow as tf

        if temperature == 0:
            return tf.argmax(logits, axis=-1, output_type=tf.int32)
        draw = tf.random.stateless_categorical(logits / temperature, 1, seed=tf.stack([seed, i]), dtype=tf.int32)
        return draw[:, 0]

    def _cached_chunk(self, window, length, n, temperature, seed):
        """Fill the cache from ``window`` once, then generate ``n`` tokens one position at a time."""
        import tensorflow as tf

        logits, keys, values = self.model.prefill(window, length)
        out = tf.zeros_like(window)

        def body(i, logits, keys, values, out):
            token = self._pick(logits, temperature, seed, i)
            out = ops.slice_update(out, (0, i), token[:, None])
            logits, keys, values = tf.cond(  # no step after the last token: the window is full
                i + 1 < n, lambda: self.model.decode_step(token, length + i, keys, values),
                lambda: (logits, keys, values))
            return i + 1, logits, keys, values, out

        *_, out = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), logits, keys, values, out))
        return out

    def _plain_chunk(self, window, length, n, temperature, seed):
        """Generate ``n`` tokens, running the whole window through the model for each one."""
        import tensorflow as tf

        out = tf.zeros_like(window)

        def body(i, window, out):
            logits = ops.take(self.model(window), length + i - 1, axis=1)
            token = self._pick(logits, temperature, seed, i)
            out = ops.slice_update(out, (0, i), token[:, None])
            window = ops.slice_update(window, (0, ops.minimum(length + i, self.context - 1)), token[:, None])
            return i + 1, window, out

        *_, out = tf.while_loop(lambda i, *_: i < n, body, (tf.constant(0), window, out))
        return out

    def __call__(self, prompt, steps, temperature=0.0, seed=0):
        """``steps`` new token ids after ``prompt`` (a list of ids); temperature 0 means greedy."""
        tokens, new = list(prompt)[-self.context :], []
        chunk = 0
        while len(new) < steps:
            if len(tokens) > self.context:  # the window is full: restart from its last half
                tokens = tokens[-(self.context // 2) :]
            n = min(self.context + 1 - len(tokens), steps - len(new))  # the last one is predicted from a full window
            window = np.zeros((1, self.context), dtype=np.int32)
            window[0, : len(tokens)] = tokens
            seed_here = np.int32(seed * 100_003 + chunk)  # the temperature stays a float: compiled per value
            out = self._chunk(window, np.int32(len(tokens)), np.int32(n), float(temperature), seed_here)
            produced = np.asarray(out)[0, :n].tolist()
            tokens, new, chunk = tokens + produced, new + produced, chunk + 1
        return new


def tokens_per_second(generate_fn, steps=500, repeats=1):
    """Wall-clock tokens per second of ``generate_fn(steps)``, after a short warm-up call that compiles."""
    generate_fn(min(steps, 8))
    start = time.perf_counter()
    for _ in range(repeats):
        generate_fn(steps)
    return repeats * steps / (time.perf_counter() - start)
