# %% [markdown] slideshow={"slide_type": "slide"}
# # 08 · Transformers: from tokens to a mini-GPT that writes
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/08_transformer.ipynb) · [Slides](../slides/README.md) · ← previous: [07 · Recurrent networks: memory over time](07_recurrent_networks.ipynb) · next: [09 · Diffusion models: from noise to digits](09_diffusion.ipynb) →
# <!-- nav:end -->
#
# **You will learn:**
# - how text becomes numbers: character, word and byte-pair (BPE) tokenizers, and what each costs;
# - embeddings: words as vectors whose neighbours and differences carry meaning;
# - self-attention from scratch (queries, keys, values, the causal mask, several heads), positions,
#   residual connections and LayerNorm: the parts of a transformer block;
# - to train a small GPT on Shakespeare on a laptop CPU, and how greedy, beam, top-k, top-p and temperature
#   decoding differ; why a key/value cache makes generating fast;
# - what fine-tuning buys over training from scratch, and where RLHF fits in a chat model.
#
# **Time:** smoke ≈ 20 s · workshop ≈ 4¾ min (284 s measured on a quiet 2-core CPU, 2026-12-01, 165 s of it training the GPT) · full ≈ 3 min of training on an H100 (measured on Keras's JAX backend), over an hour on a CPU · GPU: makes full mode possible

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

ctx = utils.setup("08_transformer")

# %% [markdown] slideshow={"slide_type": "skip"}
# The model, attention and generation code lives in `utils/gpt.py` so that the tests can import it;
# `show_code(...)` prints it here, next to its explanation, so you read exactly what runs. All sizes that change
# with the mode sit together in the cell below; the GPT's own recipe is `gpt.RECIPE`, shared with
# `tools/gpt_recipe.py`, which trains the same recipe outside the notebook.

# %% slideshow={"slide_type": "skip"}
import collections
import json
import os
import re
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from utils import gpt
from utils.checks import nb08
from utils.plots import heatmap, show_code
from utils.training import TimeBudget

warnings.filterwarnings("ignore", message=".*shuffle=True.*")  # our tf.data streams are random already

# Sizes: every number that changes with the mode, in one place (None: all of it)
JIT = ctx.pick(smoke=False, workshop=True, full=True)  # XLA compilation: seconds to start, then much faster
BPE_CHARS = ctx.pick(smoke=20_000, workshop=200_000, full=None)  # training characters the BPE learns from (§1)
BPE_MERGES = ctx.pick(smoke=50, workshop=400, full=1000)
SKIPGRAM_PAIRS = ctx.pick(smoke=20_000, workshop=None, full=None)  # (word, neighbour) pairs for word2vec (§2)
SKIPGRAM_EPOCHS = ctx.pick(smoke=1, workshop=2, full=10)
RECIPE = gpt.RECIPE[ctx.mode]  # the GPT: sizes, optimizer, schedule, time budget and target (§6)
TRAIN_SECONDS = float(os.environ.get("COURSE_GPT_SECONDS", RECIPE["seconds"]))  # the GPT's training time
SNAPSHOT_SECONDS = ctx.pick(smoke=[1, 5], workshop=[15, 60], full=[30, 120])  # samples from the model as it learns
VAL_WINDOWS = ctx.pick(smoke=64, workshop=None, full=None)  # validation windows for the final loss
SAMPLE_CHARS = ctx.pick(smoke=40, workshop=300, full=500)  # characters per sample
SHARE_WINDOWS = ctx.pick(smoke=16, workshop=128, full=128)  # validation windows the attention shares average (§7)
GEN_CHARS = ctx.pick(smoke=20, workshop=150, full=400)  # characters per decoding strategy (§8)
SPEED_CHARS = ctx.pick(smoke=50, workshop=200, full=500)  # characters per generation-speed measurement (§8)
FT_SECONDS = ctx.pick(smoke=10, workshop=8, full=300)  # each of the two Nietzsche runs (§9)
FT_STEPS = ctx.pick(smoke=2, workshop=None, full=1000)  # None: the time budget decides
FT_STEPS_PER_EPOCH = ctx.pick(smoke=1, workshop=50, full=250)
FT_VAL_WINDOWS = ctx.pick(smoke=16, workshop=256, full=None)  # Nietzsche validation windows for the result


# %% [markdown] slideshow={"slide_type": "slide"}
# ## 1 · Text becomes numbers: tokenizers
#
# A network computes with numbers, so text is cut into **tokens** and each token gets an integer id from a
# **vocabulary**. The lecture's example, *"Let's do tokenization!"*, can be cut three ways:
#
# | tokenizer | pieces | vocabulary | tokens per character |
# |---|---|---|---|
# | characters | `L` `e` `t` `'` `s` … | tiny (65 for Shakespeare) | 1 |
# | words | `Let` `'` `s` `do` `tokenization` `!` | huge, and an unseen word has no id | ≈ 0.4 (a space is a token too) |
# | subwords (BPE) | e.g. `Let` `'s` ` do` ` token` `ization` `!` | chosen (here a few hundred) | in between |
#
# (The BPE pieces are an example: what this notebook's own merges make of the sentence is printed below.)
# A tokenizer must be **exactly reversible**: `decode(encode(text)) == text`. Fewer tokens per character mean
# shorter sequences (attention's cost grows with their square), but a bigger vocabulary means a bigger first and
# last layer, and rare tokens that the model sees too seldom to learn.
#
# Our data: Tiny Shakespeare (1.1 M characters). Like nanoGPT we train on the first 90 % and validate on the last
# 10 %. The second text, Nietzsche, is for fine-tuning in section 9.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a network only sees integers, so the first design decision is how to cut text into tokens. Three
# answers: characters (tiny vocabulary, long sequences), words (short sequences, but unknown words), subwords (BPE,
# the compromise every large model uses). Whatever we choose must decode back to exactly the same text.
# Point at: the table, the tokens-per-character column; later the plot of vocabulary size against sequence length.
# Ask the room: why does sequence length matter so much for a transformer? (Attention compares every pair.)

# %% slideshow={"slide_type": "subslide"}
text = utils.data.load_text("tinyshakespeare")
nietzsche = utils.data.load_text("nietzsche")
split = int(0.9 * len(text))  # first 90 % to train on, last 10 % to validate
train_text, val_text = text[:split], text[split:]
print(f"{len(text):,} characters: {len(train_text):,} to train on, {len(val_text):,} to validate")
print(train_text[:300])

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Characters
#
# The vocabulary is the set of characters. We include the few characters that only Nietzsche uses (digits,
# brackets, `é`, …) so that one model can read both texts.

# %%
chars = sorted(set(text) | set(nietzsche))
char_to_id = {c: i for i, c in enumerate(chars)}


def encode_chars(s):
    return [char_to_id[c] for c in s]


def decode_chars(ids):
    return "".join(chars[int(i)] for i in ids)


print(f"{len(chars)} characters ({len(set(text))} in Shakespeare):", repr("".join(chars)))
print(encode_chars("Let's do tokenization!"))
assert decode_chars(encode_chars(val_text)) == val_text  # exact round trip

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Words
#
# Split into runs of letters, digits, single whitespace characters and single punctuation marks, so that joining
# the pieces gives back the text exactly. Every piece seen in training gets an id; anything else becomes `<unk>`,
# and that is where the round trip breaks: a word tokenizer cannot write a word it never saw.

# %%
WORD = re.compile(r"[A-Za-z]+|[0-9]+|\s|[^\sA-Za-z0-9]")
word_vocab = ["<unk>", *sorted(set(WORD.findall(train_text)))]
word_to_id = {w: i for i, w in enumerate(word_vocab)}


def encode_words(s):
    return [word_to_id.get(w, 0) for w in WORD.findall(s)]


def decode_words(ids):
    return "".join(word_vocab[i] for i in ids)


print(f"{len(word_vocab):,} words in the vocabulary;", [word_vocab[i] for i in encode_words("Let's do tokenization!")])
assert decode_words(encode_words(train_text)) == train_text  # exact on the text it was built from
val_word_ids = encode_words(val_text)
unknown = [w for w in WORD.findall(val_text) if w not in word_to_id]
print(f"validation: {len(unknown):,} of {len(val_word_ids):,} pieces are unknown, e.g. {unknown[:8]}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Byte-pair encoding (BPE)
#
# BPE (Sennrich et al., 2016; GPT-2 uses it on bytes) starts from the 256 possible bytes, so *any* text can be
# written, then learns **merges**: count every adjacent pair of tokens in the training text, replace the most
# frequent pair by a new token, repeat. Each merge adds one token to the vocabulary and shortens the text.
#
# Two details keep it fast and sensible: the text is first cut into word-like chunks (a leading space belongs to
# the word, and the endings `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d` are chunks of their own, as in GPT-2), so
# merges never cross words; and each distinct chunk is stored once with its count, so a
# merge only revisits the chunks that contain the pair.
#
# **Exercise 1 · One BPE merge.** (2 points) Write `merge_pair(ids, pair, new_id)`: walk through `ids` from the left and
# replace every occurrence of the two adjacent ids `pair` by `new_id`. `merge_pair([5, 5, 5], (5, 5), 7)` gives
# `[7, 5]`.

# %% tags=["exercise"] slideshow={"slide_type": "fragment"}
def merge_pair(ids, pair, new_id):
    raise NotImplementedError("replace every adjacent `pair` in `ids` by `new_id`, left to right")


# %% tags=["solution"] slideshow={"slide_type": "skip"}
def merge_pair(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


# %% slideshow={"slide_type": "skip"}
nb08.check_merge_pair(merge_pair);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The course's BPE. It merges with `gpt.merge_pair`, the course's own merge from `utils/gpt.py` (the one the
# checker compares yours with), so the rest of the notebook works whatever you wrote above. It is written
# differently from a `while` loop that jumps two places after a merge: one pass over the tokens, in which each token
# looks back and completes the pair with the one before it, unless that one was just made by a merge.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.merge_pair)

# %% [markdown] slideshow={"slide_type": "skip"}
# `train_bpe` keeps, for every pair, its count in the text and the chunks where it occurs, so each merge updates
# only those chunks.

# %% slideshow={"slide_type": "skip"}
# word-like chunks: an English ending ('s, 't, …; not the 't of 'tis), a word, a number or punctuation with its
# leading space, or a run of whitespace
CHUNK = re.compile(r"'(?:s|t|re|ve|m|ll|d)(?![A-Za-z])| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+")
merge = gpt.merge_pair


def train_bpe(text, merges):
    """Learn `merges` merge rules {(a, b): new id} on `text`, starting from its UTF-8 bytes."""
    chunk_counts = collections.Counter(CHUNK.findall(text))
    chunks = [list(chunk.encode("utf-8")) for chunk in chunk_counts]
    counts = list(chunk_counts.values())
    pair_counts = collections.Counter()  # how often each adjacent pair occurs in the text
    where = collections.defaultdict(set)  # which chunks contain it
    for c, ids in enumerate(chunks):
        for pair in zip(ids, ids[1:]):
            pair_counts[pair] += counts[c]
            where[pair].add(c)
    rules = {}
    for new_id in range(256, 256 + merges):
        best = max(pair_counts, key=pair_counts.get)  # the most frequent pair becomes a token
        rules[best] = new_id
        for c in where.pop(best):
            for pair in zip(chunks[c], chunks[c][1:]):
                pair_counts[pair] -= counts[c]
            chunks[c] = merge(chunks[c], best, new_id)
            for pair in zip(chunks[c], chunks[c][1:]):
                pair_counts[pair] += counts[c]
                where[pair].add(c)
        del pair_counts[best]
    return rules


def bpe_vocabulary(rules):
    """The bytes each token stands for."""
    vocab = {i: bytes([i]) for i in range(256)}
    for (a, b), new_id in rules.items():
        vocab[new_id] = vocab[a] + vocab[b]
    return vocab


def encode_bpe(text, rules):
    """Apply the merges in the order they were learned, chunk by chunk (a chunk's result is cached)."""
    cache, out = {}, []
    for chunk in CHUNK.findall(text):
        if chunk not in cache:
            ids = list(chunk.encode("utf-8"))
            while len(ids) > 1:
                pair = min(zip(ids, ids[1:]), key=lambda p: rules.get(p, np.inf))  # earliest learned merge
                if pair not in rules:
                    break
                ids = merge(ids, pair, rules[pair])
            cache[chunk] = ids
        out.extend(cache[chunk])
    return out


def decode_bpe(ids, vocab):
    return b"".join(vocab[i] for i in ids).decode("utf-8")


# %% [markdown] slideshow={"slide_type": "subslide"}
# Train it on a slice of the training text, then encode the validation text, which it has never seen.

# %%
bpe_text = train_text[:BPE_CHARS]
start = time.time()
rules = train_bpe(bpe_text, BPE_MERGES)
bpe_vocab = bpe_vocabulary(rules)
print(f"{BPE_MERGES} merges learned on {len(bpe_text):,} characters in {time.time() - start:.1f} s")
print("first merges:", [bpe_vocab[i].decode() for i in list(rules.values())[:16]])
print("last merges: ", [bpe_vocab[i].decode() for i in list(rules.values())[-8:]])
val_bpe_ids = encode_bpe(val_text, rules)
assert decode_bpe(val_bpe_ids, bpe_vocab) == val_text  # exact round trip, even on unseen text
for line in ["Let's do tokenization!", next(l for l in val_text.split("\n") if len(l) > 50)]:
    print("|".join(bpe_vocab[i].decode() for i in encode_bpe(line, rules)))

# %% [markdown] slideshow={"slide_type": "fragment"}
# Which pieces earn a merge depends on the text BPE learned from: its vocabulary mirrors that text (a name that
# is frequent in one scene of the slice can become a token). The last merges above, counted in the slice and in as
# many characters of validation text. And a word BPE never saw is still written exactly, in smaller pieces, where
# the word tokenizer has only `<unk>`.

# %%
per = len(bpe_text) / len(val_text)  # validation counts scaled to the slice's length
print(f"{'last merges':>16}   in the BPE's {len(bpe_text):,} training characters   in as many validation characters")
mirrored = 0
for token in list(rules.values())[-8:]:
    piece = bpe_vocab[token].decode()
    in_slice, in_val = bpe_text.count(piece), val_text.count(piece) * per
    mirrored += in_slice >= 2 * in_val
    print(f"{piece!r:>16} {in_slice:>28,} {in_val:>34,.0f}")
print(f"{mirrored} of these 8 merges are at least twice as frequent in the slice as in the validation text.")
names = [w for w in unknown if w[:1].isupper() and len(w) >= 5] or unknown
if names:
    name = names[0]
    pieces = [bpe_vocab[i].decode() for i in encode_bpe(" " + name, rules)]
    print(f"unseen word {name!r}: words → {[word_vocab[i] for i in encode_words(name)]}; BPE → {pieces} "
          f"({len(pieces)} tokens, decoded back exactly: {''.join(pieces) == ' ' + name})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Vocabulary size against sequence length.** Each merge lengthens the vocabulary by one and shortens the text;
# measured on the validation text (for the word tokenizer, with its unknown words).

# %%
merge_counts = [m for m in (0, 25, 50, 100, 200, 400, 1000) if m <= BPE_MERGES]
sample = val_text[:30_000]
bpe_rates = []
for m in merge_counts:
    first = dict(list(rules.items())[:m])  # the first m merges
    bpe_rates.append(len(encode_bpe(sample, first)) / len(sample))
word_rate = len(encode_words(sample)) / len(sample)

fig, ax = plt.subplots()
ax.plot([256 + m for m in merge_counts], bpe_rates, "o-", label="BPE (bytes + merges)")
ax.plot([len(chars)], [1.0], "s", ms=9, label="characters")
ax.plot([len(word_vocab)], [word_rate], "^", ms=9, label=f"words ({len(unknown):,} unknown pieces)")
for m, rate in zip(merge_counts, bpe_rates):
    ax.annotate(f"{m} merges", (256 + m, rate), textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.set(xscale="log", title="Tokenizers: vocabulary size vs sequence length (validation text)",
       xlabel="vocabulary size (tokens, log scale)", ylabel="tokens per character")
ax.legend()
ctx.savefig(fig, "tokenizers")
plt.show()
for name, rate, size in [("characters", 1.0, len(chars)), ("words", word_rate, len(word_vocab)),
                         (f"BPE {BPE_MERGES} merges", bpe_rates[-1], 256 + BPE_MERGES)]:
    print(f"{name:>18}: vocabulary {size:>6,}, {rate:.3f} tokens per character")
ctx.log_metric("bpe_tokens_per_char", bpe_rates[-1], unit="tokens/char", higher_is_better=False)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2 · Embeddings: tokens as vectors
#
# An id is just a name: token 42 is not "closer" to 43 than to 7. An **embedding** gives every token a learned
# vector of $d$ numbers, a row of a $|V| \times d$ matrix $E$. Looking up row $i$ is the same as multiplying the
# one-hot vector of $i$ by $E$, so `keras.layers.Embedding` is a Dense layer without the wasted multiplications.
#
# Training decides what the vectors mean. **Word2vec's skip-gram** (Mikolov et al., 2013) trains them so that a
# word predicts its neighbours: for a word $c$ and a word $o$ seen within two places of it, and $k$ random
# "noise" words $n_1 \dots n_k$, it minimises
# $$ -\log \sigma(\mathbf u_c \cdot \mathbf v_o) \;-\; \sum_{j=1}^{k} \log \sigma(-\mathbf u_c \cdot \mathbf v_{n_j}) $$
# ($\sigma$ the sigmoid; $\mathbf u$ input and $\mathbf v$ output vectors). Words used in the same contexts end up
# with similar vectors, and directions in the space can carry relations (*king − man + woman ≈ queen* needs a big
# corpus; we try what 200 000 words of Shakespeare allow).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: an id is only a name; an embedding is a learned row of a table, and training decides what the
# numbers mean. Skip-gram learns them by predicting neighbours, so words used alike end up close.
# Point at: the printed nearest neighbours (which look sensible, which do not) and the analogies this small corpus
# solves or misses.
# Ask the room: why would "king − man + woman ≈ queen" need far more text than 200,000 words?

# %% slideshow={"slide_type": "skip"}
words = re.findall(r"[a-z]+", text.lower())
word_counts = collections.Counter(words)
wv_vocab = [w for w, n in word_counts.most_common() if n >= 5]  # words seen at least 5 times
wv_index = {w: i for i, w in enumerate(wv_vocab)}
word_ids = np.array([wv_index[w] for w in words if w in wv_index])

WINDOW, NEGATIVES, WV_DIM = 2, 5, 64
rng = np.random.default_rng(ctx.seed)
centres = np.concatenate([word_ids[:-o] for o in range(1, WINDOW + 1)] + [word_ids[o:] for o in range(1, WINDOW + 1)])
contexts = np.concatenate([word_ids[o:] for o in range(1, WINDOW + 1)] + [word_ids[:-o] for o in range(1, WINDOW + 1)])
noise = np.bincount(word_ids, minlength=len(wv_vocab)) ** 0.75  # word2vec's noise distribution
candidates = np.concatenate([contexts[:, None], rng.choice(len(wv_vocab), (len(contexts), NEGATIVES),
                                                           p=noise / noise.sum())], axis=1)
labels = np.zeros(candidates.shape, dtype="float32")
labels[:, 0] = 1.0  # column 0: the true neighbour; the others: noise
centres, candidates, labels = centres[:SKIPGRAM_PAIRS], candidates[:SKIPGRAM_PAIRS], labels[:SKIPGRAM_PAIRS]
print(f"{len(words):,} words, {len(wv_vocab):,} in the vocabulary, {len(centres):,} (word, neighbour) pairs")


class SkipGram(keras.Model):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.word = keras.layers.Embedding(vocab_size, dim, embeddings_initializer=keras.initializers.RandomUniform(
            -0.5 / dim, 0.5 / dim))  # u: the word vectors we keep
        self.context = keras.layers.Embedding(vocab_size, dim, embeddings_initializer="zeros")  # v

    def call(self, inputs):
        centre, candidates = inputs
        return ops.einsum("bd,bkd->bk", self.word(centre), self.context(candidates))  # u_c · v for each candidate


skipgram = SkipGram(len(wv_vocab), WV_DIM)
skipgram.compile(optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.BinaryCrossentropy(from_logits=True),
                 jit_compile=JIT)
start = time.time()
skipgram.fit((centres, candidates), labels, batch_size=4096, epochs=SKIPGRAM_EPOCHS, verbose=2)
print(f"skip-gram trained in {time.time() - start:.1f} s")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Nearest neighbours by **cosine similarity** $\cos(\mathbf a, \mathbf b) = \mathbf a \cdot \mathbf b /
# (\lVert\mathbf a\rVert\,\lVert\mathbf b\rVert)$, and analogies by vector arithmetic: the word closest to
# $\mathbf b - \mathbf a + \mathbf c$ should complete "*a* is to *b* as *c* is to …".

# %%
word_vectors = ops.convert_to_numpy(skipgram.word.embeddings)
word_vectors = word_vectors / np.linalg.norm(word_vectors, axis=1, keepdims=True)


def neighbours(word, k=6):
    similarity = word_vectors @ word_vectors[wv_index[word]]
    return [wv_vocab[i] for i in np.argsort(-similarity)[1 : k + 1]]


def analogy(a, b, c, k=5):
    target = word_vectors[wv_index[b]] - word_vectors[wv_index[a]] + word_vectors[wv_index[c]]
    similarity = word_vectors @ target
    similarity[[wv_index[a], wv_index[b], wv_index[c]]] = -np.inf  # the question's words don't count
    return [wv_vocab[i] for i in np.argsort(-similarity)[:k]]


for word in ["romeo", "father", "he", "thou", "three", "king", "day"]:
    print(f"{word:>7} → {', '.join(neighbours(word))}")
analogies = [("he", "she", "his", "her"), ("him", "he", "her", "she"), ("father", "mother", "son", "daughter"),
             ("man", "woman", "king", "queen")]
solved = 0
for a, b, c, expected in analogies:
    guesses = analogy(a, b, c)
    solved += guesses[0] == expected
    print(f"{a} : {b} = {c} : {guesses[0]:<9} (top 5: {', '.join(guesses)}; expected {expected!r})")
ctx.log_metric("analogies_solved", solved, unit=f"of {len(analogies)}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3 · Attention from scratch
#
# A token's embedding says what the token is, not what it means *here*: "bank" by a river or in a street. So each
# position must gather information from the positions before it. We build that up in three steps, each a small
# change to the one before: a plain **average of the past**, then **weights that depend on the data**, then
# **learned queries and keys**, which is attention.
#
# **Step 1: a running average.** The simplest way to let position $i$ see its past is to average the vectors
# $x_1, \dots, x_i$. For all positions at once this is one matrix product $\bar X = W X$ with a lower-triangular
# $W$, $W_{ij} = 1/i$ for $j \le i$ and 0 for $j > i$: row $i$ holds the weights position $i$ gives each earlier one.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: before any formula, the simplest thing a position can do with its past is average it. A loop would do; a
# lower-triangular matrix does all positions in one product, and that matrix is the attention matrix in disguise.
# Point at: the printed W, zeros above the diagonal (no future), rows of 1, 1/2, 1/3 …
# Ask the room: what does position 1 know about the text? And position 5? What is lost by a plain average?
# (Answers: position 1 knows only its own token, position 5 the mean of all five; a plain average gives every past
# position the same weight, whatever it holds, so the important ones are blurred with the rest.)
# Exercise 2 comes next: about 3 minutes; then show the code cell after it, which builds W the same way.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 2 · The causal mask.** (2 points) Before we build $W$: which of its entries may be non-zero? Write
# `causal_mask_np(T)` in NumPy: a $(T, T)$ array with 1 (or `True`) where query $i$ may attend to key $j$, i.e.
# $j \le i$, and 0 elsewhere. The next steps and the GPT put this pattern everywhere.

# %% tags=["exercise"] slideshow={"slide_type": "fragment"}
def causal_mask_np(T):
    raise NotImplementedError("return a (T, T) array: 1 where j <= i, 0 above the diagonal")


# %% tags=["solution"] slideshow={"slide_type": "skip"}
def causal_mask_np(T):
    return np.tril(np.ones((T, T), dtype=bool))


# %% slideshow={"slide_type": "skip"}
nb08.check_causal_mask(causal_mask_np);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The running average, as a loop and as one matrix product with that pattern (positions counted from 1, as in the
# formula):

# %%
X = np.random.default_rng(ctx.seed).normal(size=(5, 3))  # 5 positions, 3 features each
running = np.stack([X[: i + 1].mean(axis=0) for i in range(len(X))])  # a loop over positions
W_avg = np.tril(np.ones((5, 5)))  # the causal pattern: 1 where j <= i
W_avg /= W_avg.sum(axis=1, keepdims=True)  # row i (from 1): 1/i on the i positions it may see
print("W =\n", np.round(W_avg, 2))
print("W @ X equals the loop's running average:", np.allclose(W_avg @ X, running))

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Step 2: weights from a softmax.** The same $W$ comes out of a softmax over each row of a score matrix $S$ with
# $-\infty$ where $j > i$: $W = \mathrm{softmax}(S + M)$, $M_{ij} = 0$ for $j \le i$ and $-\infty$ for $j > i$. With
# all scores $S = 0$ every visible position gets $e^0$, and the softmax gives back the uniform average. Any other
# scores give other weights, still zero on the future, still summing to 1 per row. Let the data choose them:
# $S = X X^\top$ gives position $j$ a large weight when $x_j$ points the same way as $x_i$ (and is long:
# $x_i \cdot x_j = \lVert x_i\rVert \lVert x_j\rVert \cos\theta$).
#
# **Step 3: learned queries and keys.** Similarity of the raw vectors is one fixed notion of "relevant". A model
# learns its own: each position makes a **query** $q_i = x_i W_q$ ("what am I looking for?"), a **key**
# $k_i = x_i W_k$ ("what do I offer?") and a **value** $v_i = x_i W_v$ ("what do I pass on?"), and the scores are
# $S = Q K^\top$. Below, random $W_q, W_k$ stand in for learned ones.
#
# All three steps go through one masked softmax, `gpt.masked_softmax` from `utils/gpt.py`; writing one yourself is
# part of Exercise 3, and the course's code is shown after it.

# %% slideshow={"slide_type": "skip"}
def masked_softmax(scores):
    """gpt.masked_softmax with the causal mask, on a NumPy (T, T) score matrix."""
    return ops.convert_to_numpy(gpt.masked_softmax(scores, gpt.causal_mask(len(scores))))


W_q, W_k = np.random.default_rng(ctx.seed + 1).normal(size=(2, 3, 3))
weight_steps = {"step 1: scores S = 0 (running average)": masked_softmax(np.zeros((5, 5))),
                "step 2: S = X Xᵀ (similar positions)": masked_softmax(X @ X.T),
                "step 3: S = Q Kᵀ (learned: here random)": masked_softmax((X @ W_q) @ (X @ W_k).T)}
print("softmax of zero scores is the running average:",
      np.allclose(weight_steps["step 1: scores S = 0 (running average)"], W_avg))

# %% slideshow={"slide_type": "subslide"}
# extra code – the three weight matrices side by side
fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
positions = [f"{i + 1}" for i in range(5)]
for ax, (name, w) in zip(axes, weight_steps.items()):
    heatmap(w, positions, positions, title=name, xlabel="key position j (looked at)",
            ylabel="query position i", fmt=".2f", cmap="magma", ax=ax)
fig.suptitle("From a running average to attention: the weights each position gives the past (rows sum to 1)")
fig.tight_layout()
ctx.savefig(fig, "attention_buildup")
plt.show()

# %% [markdown] slideshow={"slide_type": "fragment"}
# Each row is one query position's weights over the positions it may see; only the scores differ between the
# panels. What this draw shows, read from the weights:

# %%
lengths = np.linalg.norm(X, axis=1)
w_similar, w_learned = list(weight_steps.values())[1:]
picks_self = [i for i in range(5) if w_similar[i].argmax() == i]
print(f"Step 2, S = X Xᵀ: {len(picks_self)} of 5 positions give themselves the largest weight (x_i · x_i = |x_i|², "
      "and a vector points the same way as itself).")
for i, j in enumerate(w_similar.argmax(axis=1)):
    if j != i:  # x_i · x_j > |x_i|² needs |x_j| > |x_i|: the dot product rewards length as well as direction
        print(f"  position {i + 1} gives more to position {j + 1} ({w_similar[i, j]:.2f}) than to itself "
              f"({w_similar[i, i]:.2f}): |x_{j + 1}| = {lengths[j]:.2f} is longer than |x_{i + 1}| = {lengths[i]:.2f}.")
elsewhere = [(i, j) for i, j in enumerate(w_learned.argmax(axis=1)) if j != i]
print("Step 3, S = Q Kᵀ: " + (
    "positions that look mostly at another one: "
    + ", ".join(f"{i + 1} → {j + 1} ({w_learned[i, j]:.2f})" for i, j in elsewhere)
    + ". With Q ≠ K a position can look for something other than itself." if elsewhere else
    "in this draw every position still looks mostly at itself; with Q ≠ K it need not (learned W_q, W_k decide)."))

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: one formula, three score matrices. Left, all scores 0: the running average. Middle, S = X Xᵀ: mostly each
# position picks itself, or an earlier vector that is much longer, since a dot product rewards length as well as
# direction. Right, separate queries and keys: a position can look for something other than itself, which is what
# learned W_q and W_k buy.
# Point at: the rows named in the printed lines (the middle panel's off-diagonal favourite, the right panel's rows
# that look back); the empty upper triangle in all three panels.
# Ask the room: why can S = X Xᵀ not be trained? (It has no weights; Q and K add them.) What does the diagonal of
# the middle panel tell you? (Each vector resembles itself most, unless another one is longer.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Scaled dot-product attention.** Position $i$'s output is the average of the values, weighted by how well its
# query matches each key:
# $$ \mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right) V . $$
#
# - Each row of the softmax is a set of **attention weights** that sum to 1 (all-equal scores: the running average).
# - Dividing by $\sqrt{d_k}$ keeps the scores' spread near 1 whatever the width: a dot product of $d_k$ terms of
#   variance 1 has variance $d_k$, and a too-peaked softmax passes back almost no gradient. Measured below: how
#   peaked the weights are (the largest weight in a row), and how much they move when the scores move (the size
#   of the softmax's Jacobian $\partial p / \partial s$, its Frobenius norm).
# - $M$ is the **causal mask**: $0$ where key $j \le i$, $-\infty$ where $j > i$. A model that predicts the next
#   character must not peek at it; with the mask one pass trains all $T$ predictions of a sequence at once.

# %% slideshow={"slide_type": "fragment"}
def softmax_peak_and_gradient(scores):
    """Means over rows: the largest softmax weight, and the size ‖∂p/∂s‖ of the softmax's Jacobian diag(p) − p pᵀ."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    jacobian = p[:, :, None] * np.eye(p.shape[1]) - p[:, :, None] * p[:, None, :]
    return float(p.max(axis=1).mean()), float(np.linalg.norm(jacobian, axis=(1, 2)).mean())


rng_scale = np.random.default_rng(ctx.seed)
uniform_peak, uniform_gradient = softmax_peak_and_gradient(np.zeros((1, 16)))
print("                             largest of 16 weights     gradient size ‖∂p/∂s‖")
print("  d_k   spread (std) of q·k   unscaled  scaled by 1/√d_k   unscaled  scaled by 1/√d_k")
table = {}
for d_k in (4, 64, 512):
    q_s, k_s = rng_scale.normal(size=(500, d_k)), rng_scale.normal(size=(500, 16, d_k))  # unit-variance entries
    scores = np.einsum("nd,nkd->nk", q_s, k_s)  # 500 queries, each against 16 keys
    table[d_k] = softmax_peak_and_gradient(scores) + softmax_peak_and_gradient(scores / np.sqrt(d_k))
    print(f"{d_k:>5} {scores.std():>21.1f} {table[d_k][0]:>10.2f} {table[d_k][2]:>17.2f} "
          f"{table[d_k][1]:>10.3f} {table[d_k][3]:>17.3f}")
print(f"{'uniform weights (all scores equal)':>38}: largest 1/16 = {uniform_peak:.2f}, gradient size "
      f"{uniform_gradient:.3f}")
peak, gradient, scaled_peak, scaled_gradient = table[512]
print(f"At d_k = 512, unscaled, a query puts {peak:.0%} of its attention on one key on average and the softmax's "
      f"gradient is {scaled_gradient / gradient:.1f}× smaller than with the scaling ({gradient:.3f} against "
      f"{scaled_gradient:.3f}); scaled, the largest weight stays between "
      f"{min(t[2] for t in table.values()):.2f} and {max(t[2] for t in table.values()):.2f} at every width.")

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a score is a sum of d_k products, so its spread grows like √d_k (read the spread column). Unscaled, a wide
# head's softmax puts nearly all its weight on one key, and its weights hardly move when a score moves: the gradient
# column shrinks, so little signal reaches the queries and keys. Dividing by √d_k keeps every width like d_k = 1.
# Point at: the two gradient columns and the uniform line (all weights 1/16 is flat, not peaked; the gradient is
# largest in between).
# Ask the room: why does a weight near 1 or 0 pass back little gradient? (∂p_i/∂s_i = p_i(1 − p_i), near 0 at
# both ends.)
# Then Exercise 3 (about 10 minutes): the mask from Exercise 2 and the scaling from this table in one function;
# walk round and look for NaN rows and a missing √d_k, the two slips the checker sees most.

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Exercise 3 · Masked scaled dot-product attention.** (3 points) Write `causal_attention_np(q, k, v)` in NumPy:
# `q` and `k` are $(T, d_k)$, `v` is $(T, d_v)$; return the $(T, d_v)$ output
# $\mathrm{softmax}(q k^\top / \sqrt{d_k} + M)\, v$ with the causal mask $M$. The checker compares it with the
# course's `gpt.scaled_dot_product_attention`, and names the usual slips: a missing $1/\sqrt{d_k}$, the mask put on
# after the softmax, the softmax over the wrong axis, a mask that lets a query see the future, NaN rows. Large
# scores must not overflow (subtract each row's largest score before `np.exp`). Beware of masking by
# multiplication: `(1 - mask) * -np.inf` is NaN wherever the mask is 1, since $0 \times (-\infty)$ is NaN; pick the
# masked scores with `np.where` instead.

# %% tags=["exercise"] slideshow={"slide_type": "fragment"}
def causal_attention_np(q, k, v):
    raise NotImplementedError("softmax(q kᵀ / √d_k, future masked) row by row, times v")


# %% tags=["solution"] slideshow={"slide_type": "skip"}
def causal_attention_np(q, k, v):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    scores = np.where(np.tril(np.ones(scores.shape, dtype=bool)), scores, -np.inf)  # the future: weight 0
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))  # each row's max subtracted: no overflow
    return weights / weights.sum(axis=-1, keepdims=True) @ v


# %% slideshow={"slide_type": "skip"}
nb08.check_causal_attention(causal_attention_np);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The course's version, in `keras.ops` so it runs inside the model, on any number of leading (batch, head) axes
# (masked scores get $-10^9$ rather than $-\infty$: the softmax gives them exactly 0 without risking
# $\infty - \infty$); `masked_softmax` is the one that drew the three panels above:

# %%
show_code(gpt.causal_mask, gpt.masked_softmax, gpt.scaled_dot_product_attention)

# %% slideshow={"slide_type": "fragment"}
toy = np.random.default_rng(ctx.seed).normal(size=(1, 5, 8)).astype("float32")  # 5 positions, 8 features
out, weights = gpt.scaled_dot_product_attention(toy, toy, toy, gpt.causal_mask(5))
print("output:", tuple(out.shape), "· weights:", tuple(weights.shape))
print(np.round(ops.convert_to_numpy(weights[0]), 2))  # lower triangular; every row sums to 1
assert np.allclose(ops.convert_to_numpy(ops.sum(weights, axis=-1)), 1, atol=1e-5)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Multi-head attention
#
# One softmax gives each position one way to look around. **Multi-head** attention splits the $d$ features into
# $h$ heads of $d/h$, runs attention in each with its own slices of $W_q, W_k, W_v$ (one head may follow the
# previous character, another the start of the word; section 7 measures what ours do), then concatenates the heads and mixes them with $W_o$:
# $$ \mathrm{MultiHead}(X) = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_o, \qquad
#    \mathrm{head}_j = \mathrm{Attention}(X W_q^{(j)}, X W_k^{(j)}, X W_v^{(j)}) . $$
# Same cost as one big head; more ways to attend.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.split_heads, gpt.merge_heads, gpt.multi_head_attention)

# %% [markdown] slideshow={"slide_type": "skip"}
# Does our from-scratch version compute what Keras computes? Give `keras.layers.MultiHeadAttention` and ours the
# same weights (Keras stores each projection as a (d, heads, d/heads) tensor; flattened, it is our (d, d) matrix)
# and compare. `tests/test_transformer.py` checks the same thing.

# %% slideshow={"slide_type": "skip"}
d, heads, T = 32, 4, 10
keras_mha = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads)
x_demo = keras.random.normal((2, T, d), seed=1)
expected = keras_mha(x_demo, x_demo, use_causal_mask=True)
w = {v.path.split("/")[-2] + "/" + v.name: ops.convert_to_numpy(v) for v in keras_mha.weights}
ours, _ = gpt.multi_head_attention(
    x_demo, w["query/kernel"].reshape(d, d), w["key/kernel"].reshape(d, d), w["value/kernel"].reshape(d, d),
    w["attention_output/kernel"].reshape(d, d), heads, b_q=w["query/bias"].reshape(d), b_k=w["key/bias"].reshape(d),
    b_v=w["value/bias"].reshape(d), b_o=w["attention_output/bias"], causal=True)
gap = np.abs(ops.convert_to_numpy(ours) - ops.convert_to_numpy(expected)).max()
print(f"largest difference from keras.layers.MultiHeadAttention: {gap:.2e}")
assert gap < 1e-4

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4 · Where is each token? Positional encoding
#
# Attention treats its input as a *set*: shuffle the positions and the outputs are shuffled the same way, nothing
# else changes. "Meerkats love watermelons" and "Watermelons love meerkats" would look alike. Let us check that on
# attention without a mask:

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: attention alone treats the input as a bag, and the printed check shows it: shuffle the input and
# the output is shuffled the same way. So we add a position vector to every token.
# Point at: the stripes of the sinusoidal encoding (fast dimensions at the bottom) and the similarity map that
# depends only on the distance p − q.
# Ask the room: our GPT learns its position table instead: what can it not do that sinusoids could? (Positions past
# the context length.)

# %%
permutation = np.array([2, 0, 1, 4, 3])
out_plain, _ = gpt.scaled_dot_product_attention(toy, toy, toy)
out_shuffled, _ = gpt.scaled_dot_product_attention(toy[:, permutation], toy[:, permutation], toy[:, permutation])
print("shuffling the input just shuffles the output:",
      np.allclose(ops.convert_to_numpy(out_plain)[:, permutation], ops.convert_to_numpy(out_shuffled), atol=1e-5))

# %% [markdown] slideshow={"slide_type": "subslide"}
# So a vector that says *where* is added to each token's embedding. The original transformer (Vaswani et al., 2017)
# uses fixed sinusoids of geometrically spaced wavelengths:
# $$ PE_{(p,\,2i)} = \sin\!\left(p / 10000^{2i/d}\right), \qquad PE_{(p,\,2i+1)} = \cos\!\left(p / 10000^{2i/d}\right). $$
# Fast dimensions tell neighbours apart, slow ones tell the start of a long text from its end, and for any
# offset $k$, $PE_{p+k}$ is a fixed rotation of $PE_p$, so "three places back" is easy to express. GPT-2, and our
# mini-GPT, *learn* a table of position vectors instead (one row per position up to the context length); both work.

# %% slideshow={"slide_type": "subslide"}
def sinusoidal_encoding(length, dim):
    positions = np.arange(length)[:, None]
    rates = 1.0 / 10000 ** (np.arange(0, dim, 2) / dim)
    encoding = np.zeros((length, dim))
    encoding[:, 0::2] = np.sin(positions * rates)
    encoding[:, 1::2] = np.cos(positions * rates)
    return encoding


pe = sinusoidal_encoding(128, 64)
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
image = axes[0].imshow(pe.T, aspect="auto", cmap="RdBu", origin="lower")
axes[0].grid(False)
fig.colorbar(image, ax=axes[0])
axes[0].set(title="Sinusoidal positional encoding", xlabel="position p", ylabel="dimension")
similarity = pe @ pe.T / 32
image = axes[1].imshow(similarity, cmap="viridis")
axes[1].grid(False)
fig.colorbar(image, ax=axes[1])
axes[1].set(title="Similarity PE_p · PE_q / (d/2): depends on p − q only", xlabel="position q", ylabel="position p")
ctx.savefig(fig, "positional_encoding")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5 · The transformer block: residual connections and LayerNorm
#
# A GPT stacks $L$ identical blocks. Each block has two sub-layers, attention (tokens talk to each other) and an MLP
# (each token thinks on its own, a Dense layer 4× wider with GELU and back), and each sub-layer sits in the same frame:
# $$ x \leftarrow x + \mathrm{Attention}(\mathrm{LN}(x)), \qquad x \leftarrow x + \mathrm{MLP}(\mathrm{LN}(x)). $$
#
# ```
# token ids ─► token embedding + position embedding
#          ─► [ LN ─► causal multi-head attention ─► + ]  ◄─ residual: x is added back
#             [ LN ─► MLP (d → 4d → d)             ─► + ]     × L blocks
#          ─► LN ─► Dense(vocabulary) ─► logits: a score for every possible next token, at every position
# ```
#
# - **Residual connections** (He et al., 2016): each sub-layer only adds a correction to $x$. The identity path
#   carries the signal and its gradient straight through, so deep stacks train; without it gradients through many
#   layers become like noise (the "shattered gradients" of the lecture, Balduzzi et al., 2017).
# - **LayerNorm** (Ba et al., 2016) rescales each token's vector to mean 0 and variance 1 over its $d$ features,
#   then applies a learned scale $\gamma$ and shift $\beta$:
#   $\mathrm{LN}(x) = \gamma \odot (x - \mu)/\sqrt{\sigma^2 + \epsilon} + \beta$. Unlike BatchNorm it does not
#   depend on the batch, so it behaves the same when generating one token at a time.
# - Where it sits: the original transformer normalised *after* adding (post-norm); GPT-2 and most models since put
#   LN *inside* the branch, before each sub-layer (pre-norm), which keeps the residual path clean and trains
#   without a long warm-up (Xiong et al., 2020). One last LN precedes the output layer.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: a block is attention (tokens talk) then an MLP (each token thinks), each wrapped as x + f(LN(x)).
# The residual path lets gradients through many blocks; LayerNorm keeps each token's vector on a fixed scale and,
# unlike BatchNorm, does not depend on the batch, which matters when generating one token at a time.
# Point at: the ASCII diagram, then the short `call` methods: the whole model is a few lines.
# Ask the room: what would happen to a 48-block model without the `x +`?

# %% slideshow={"slide_type": "subslide"}
show_code(gpt.CausalSelfAttention.__init__, gpt.CausalSelfAttention.call, gpt.Block, gpt.GPT.__init__, gpt.GPT.call)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6 · A mini-GPT trained on Shakespeare
#
# The model reads characters and, at every position $t$, outputs a probability for each possible next character.
# Why characters, after building BPE in section 1? A few minutes of training is short: with characters the
# vocabulary stays small (no rare tokens seen too seldom to learn), and the loss is in nats per *character*, the
# unit of the bigram baseline below and of notebook 07's LSTM, so the numbers compare directly (a BPE model's loss
# per token would first have to be converted). Large models, trained far longer, use BPE for its shorter sequences.
# Training minimises the **cross-entropy**, the average surprise of the true next character:
# $$ \mathcal L = -\frac{1}{T}\sum_{t=1}^{T} \ln p_\theta(x_{t+1} \mid x_1, \dots, x_t) \quad \text{nats per character}. $$
# A uniform guess over the model's $V$ outputs costs $\ln V$ nats ($V$ is the vocabulary of section 1: the
# characters of both texts, printed below with its $\ln V$); $e^{\mathcal L}$ is the **perplexity**, the number of
# characters the model is still hesitating between.
#
# Baselines first: a **unigram** model (character frequencies) and a **bigram** model ($p(x_{t+1} \mid x_t)$
# counted on the training text, add-one smoothed). The bigram's validation loss is the bar the GPT must clear.
# Notebook 07 trains a character-level LSTM on this same split and vocabulary and reports its validation loss in
# the same nats per character: the recurrent network to set beside the GPT (printed with the GPT's result below
# when 07 has run in this mode).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the loss is the average surprise of the true next character in nats; ln V is the uniform guess,
# the bigram model is the bar to clear. The recipe is fixed in `gpt.RECIPE`; the time budget ends training and the
# learning rate decays with it, so a slow laptop still finishes cool.
# Point at: the printed baselines, then the two loss curves (against time and against characters read) and the
# samples as the model learned: spaces and line breaks first, then words, then speaker names.
# Ask the room: how far apart are the training and validation curves, and what does that say about over-fitting?

# %% slideshow={"slide_type": "subslide"}
ids = np.array(encode_chars(text), dtype=np.int32)
train_ids, val_ids = ids[:split], ids[split:]
V = len(chars)
unigram = (np.bincount(train_ids, minlength=V) + 1) / (len(train_ids) + V)
pair_counts = np.ones((V, V))
np.add.at(pair_counts, (train_ids[:-1], train_ids[1:]), 1)
bigram = pair_counts / pair_counts.sum(axis=1, keepdims=True)
unigram_loss = float(-np.log(unigram[val_ids]).mean())
bigram_loss = float(-np.log(bigram[val_ids[:-1], val_ids[1:]]).mean())
print(f"validation loss: uniform over the {V} outputs ln {V} = {np.log(V):.3f} · unigram {unigram_loss:.3f} · "
      f"bigram {bigram_loss:.3f} nats/char")

# %% [markdown] slideshow={"slide_type": "subslide"}
# **The recipe** (`gpt.RECIPE`, one per mode; `tools/gpt_recipe.py` trains the same recipe outside the notebook,
# on any Keras backend). Batches of random windows of `CONTEXT` characters from the training text; the target is
# the window shifted by one. AdamW (Adam with decoupled weight decay), gradient clipping, a short linear warm-up and
# a cosine decay of the learning rate that ends when the time budget does, so a slow laptop still finishes with a
# cool learning rate, or after the recipe's `steps` if those come first (`RECIPE[mode]["steps"]`; the step limit
# only matters on fast machines, see the note at the end of this cell).
#
# The train step is compiled with XLA (`jit_compile=True`). No dropout in workshop mode: in a few minutes on a CPU
# the model reads the training text a few times at most, and less than once on a slow or busy machine (the run
# prints how many passes it made), too few for dropout to help more than it slows learning. The validation loss is measured on a fixed set of windows after every "epoch" of
# `steps_per_epoch` steps.
#
# For reference, the CPU recipe in nanoGPT's README (A. Karpathy, github.com/karpathy/nanoGPT: 4 layers, 4 heads,
# width 128, context 64, no dropout, 2,000 steps of 12 windows, i.e. 1.5 M characters read) "gets us a loss of only
# 1.88" on its author's CPU; the loss plot below marks that figure at the same number of characters read, not at a
# time, since it comes from another machine. Its GPU recipe (6 layers, width 384, context 256, dropout 0.2) is
# what full mode uses.
#
# *Note for GPU users: figures from another machine, not from this run.* They were measured with
# `tools/gpt_recipe.py` (the same recipe, Keras on its JAX backend) on an H100, and chose the step limits:
# - full mode: with a 5,000-step schedule the 10.8 M-parameter model over-fits one megabyte of text (validation
#   1.90 at the end, after its lowest, 1.50, near step 1,250); a schedule that ends at step 2,000 ended at 1.45
#   and 1.46 in two runs (78 s of training each), so full mode stops there and its final weights are the good ones;
# - workshop mode, with its earlier width-128 model and a 5-minute budget: 48,000 steps, about 50 passes over the
#   text, validation lowest near step 15,000 and 1.66 at the end, hence a 15,000-step limit (not itself timed on a
#   GPU, and not re-measured for today's width-96 workshop model).
#
# `COURSE_GPT_SECONDS=100` (environment variable) sets another training time; the report then shows no target,
# since the target belongs to the recipe's own budget.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.compile_gpt, gpt.learning_rate_schedule)

# %% slideshow={"slide_type": "skip"}
CONTEXT, BATCH, EVAL_BATCH = RECIPE["context"], RECIPE["batch"], RECIPE["eval_batch"]
D_MODEL, HEADS, LAYERS = RECIPE["d_model"], RECIPE["heads"], RECIPE["layers"]
VAL_TARGET = RECIPE["target"] if TRAIN_SECONDS == RECIPE["seconds"] else None
print(f"{ctx.mode} recipe:", ", ".join(f"{name} {value}" for name, value in RECIPE.items()))

keras.utils.set_random_seed(ctx.seed)
model = gpt.GPT(V, CONTEXT, D_MODEL, HEADS, LAYERS, RECIPE["dropout"])
gpt.compile_gpt(model, RECIPE, jit_compile=JIT)
model(train_ids[None, :CONTEXT])  # build the weights
initial_weights = model.get_weights()  # kept for training from scratch in section 9
print(f"mini-GPT: {LAYERS} blocks, {HEADS} heads, width {D_MODEL}, context {CONTEXT}: "
      f"{model.count_params():,} parameters")


def eval_windows(ids, count=None):
    """Non-overlapping windows through `ids`, a whole number of EVAL_BATCH batches (one shape: compiled once)."""
    x, y = gpt.fixed_windows(ids, CONTEXT, count)
    keep = len(x) // EVAL_BATCH * EVAL_BATCH
    return x[:keep], y[:keep]


def evaluate(windows):
    return model.evaluate(*windows, batch_size=EVAL_BATCH, verbose=0)


train_batches = gpt.random_windows(train_ids, CONTEXT, BATCH, seed=ctx.seed)
val_windows = eval_windows(val_ids, count=EVAL_BATCH)  # a fixed set for the curves, measured every epoch
initial_val_loss = evaluate(val_windows)
print(f"validation loss before training: {initial_val_loss:.3f} (ln {V} = {np.log(V):.3f}: a uniform guess)")
x_batch, y_batch = next(iter(train_batches))
print("one batch:", tuple(x_batch.shape), "→", tuple(y_batch.shape))
print(repr(decode_chars(x_batch[0].numpy()[:40])), "→", repr(decode_chars(y_batch[0].numpy()[:40])))


# %% [markdown] slideshow={"slide_type": "subslide"}
# A callback records, after every epoch, the time, the characters seen and both losses, and keeps a copy of the
# weights at a few moments of training time (checked after every step, so an epoch's length does not matter), so
# that we can read what the model wrote as it learned.

# %% slideshow={"slide_type": "skip"}
class Progress(keras.callbacks.Callback):
    def __init__(self, chars_per_step, snapshot_seconds):
        super().__init__()
        self.chars_per_step, self.snapshot_seconds = chars_per_step, sorted(snapshot_seconds)
        self.rows, self.snapshots = [], []

    def on_train_begin(self, logs=None):
        self.start, self.first_step_seconds = time.time(), None

    def on_train_batch_end(self, batch, logs=None):
        seconds = time.time() - self.start
        if self.first_step_seconds is None:
            self.first_step_seconds = seconds
        if self.snapshot_seconds and seconds >= self.snapshot_seconds[0]:  # a moment reached: keep the weights
            self.snapshot_seconds = [s for s in self.snapshot_seconds if s > seconds]
            steps = int(self.model.optimizer.iterations.numpy())
            self.snapshots.append(({"seconds": seconds, "steps": steps, "chars": steps * self.chars_per_step},
                                   self.model.get_weights()))

    def on_epoch_end(self, epoch, logs=None):
        steps = int(self.model.optimizer.iterations.numpy())
        self.rows.append({"seconds": time.time() - self.start, "loss": logs["loss"], "val_loss": logs["val_loss"],
                          "steps": steps, "chars": steps * self.chars_per_step})


progress = Progress(BATCH * CONTEXT, snapshot_seconds=SNAPSHOT_SECONDS)
schedule = gpt.learning_rate_schedule(RECIPE, TRAIN_SECONDS, RECIPE["steps"])  # ends with the budget
start = time.time()
history = model.fit(train_batches, epochs=RECIPE["steps"] // RECIPE["steps_per_epoch"],
                    steps_per_epoch=RECIPE["steps_per_epoch"],
                    validation_data=val_windows, validation_batch_size=EVAL_BATCH, verbose=2,
                    callbacks=[TimeBudget(TRAIN_SECONDS), schedule, progress])
train_seconds = time.time() - start

# %% [markdown] slideshow={"slide_type": "subslide"}
# The final number: the loss on the whole validation text (non-overlapping windows of `CONTEXT` characters, up to
# the last full batch), and the training throughput in characters per second (after the first epoch, which
# includes compiling the train step).

# %% slideshow={"slide_type": "subslide"}
val_all = eval_windows(val_ids, count=VAL_WINDOWS)
val_loss = evaluate(val_all)
rows = progress.rows
steps_done = int(model.optimizer.iterations.numpy())
if len(rows) > 1:
    throughput = (rows[-1]["chars"] - rows[0]["chars"]) / (rows[-1]["seconds"] - rows[0]["seconds"])
else:
    throughput = rows[-1]["chars"] / rows[-1]["seconds"]
print(f"{steps_done:,} steps, {rows[-1]['chars'] / 1e6:.2f} M characters ({rows[-1]['chars'] / len(train_ids):.1f} "
      f"passes over the training text) in {train_seconds:.0f} s, of which {progress.first_step_seconds:.0f} s for the "
      f"first step (compilation); {throughput:,.0f} characters/s ({throughput / (BATCH * CONTEXT):.1f} steps/s) "
      "after the first epoch")
print(f"validation loss {val_loss:.3f} nats/char (perplexity {np.exp(val_loss):.2f}) on {val_all[0].size:,} "
      f"characters; bigram {bigram_loss:.3f}")
ctx.log_metric("val_loss", val_loss, unit="nats/char", target=VAL_TARGET, baseline=bigram_loss,
               higher_is_better=False, key=True)
ctx.log_metric("train_throughput", throughput, unit="chars/s")
ctx.log_metric("train_seconds", train_seconds, unit="s", higher_is_better=False)
ctx.log_metric("train_steps", steps_done, unit="steps")
assert val_loss < initial_val_loss, "the validation loss should fall"
lstm_file = ctx.out.parent / "07_recurrent_networks" / "metrics.json"  # 07's last run in this mode, if any
if lstm_file.exists():
    lstm_losses = {name: m["value"] for name, m in json.loads(lstm_file.read_text())["metrics"].items()
                   if "loss" in name and isinstance(m.get("value"), (int, float))}
    print("notebook 07's last run in this mode (recurrent networks):",
          ", ".join(f"{name} {value:.3f}" for name, value in lstm_losses.items()) or "no loss recorded",
          f"· this GPT: val_loss {val_loss:.3f}")
else:
    print("(notebook 07's char-LSTM has not run in this mode here: run it to see its loss beside the GPT's)")
if not ctx.smoke:
    assert val_loss < bigram_loss, "the GPT should beat the bigram model"

# %% slideshow={"slide_type": "subslide"}
# extra code – loss curves against training time and against characters read (and steps), with the baselines
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
start_row = {"seconds": 0.0, "chars": 0, "loss": np.nan, "val_loss": initial_val_loss}
lowest = min([r["val_loss"] for r in rows] + ([] if ctx.smoke else [1.88]))  # 1.88: nanoGPT's figure, below
for ax, key, xlabel in [(axes[0], "seconds", "training time (s)"), (axes[1], "chars", "characters read (millions)")]:
    scale = 1e6 if key == "chars" else 1
    x_values = [r[key] / scale for r in [start_row, *rows]]
    ax.plot(x_values[1:], [r["loss"] for r in rows], "-", marker=".", label="training (mean over the epoch)")
    ax.plot(x_values, [r["val_loss"] for r in [start_row, *rows]], "--", marker=".", label="validation (fixed windows)")
    ax.axhline(bigram_loss, color="gray", ls=":", label=f"bigram baseline {bigram_loss:.2f}")
    ax.set(xlabel=xlabel, ylim=(lowest - 0.15, initial_val_loss + 0.1))
if not ctx.smoke:  # a figure from nanoGPT's README, placed at the characters its CPU recipe reads (2,000 × 12 × 64)
    axes[1].plot([2000 * 12 * 64 / 1e6], [1.88], "kx", ms=9,
                 label="nanoGPT CPU recipe: 1.88 after 2,000 steps of 12 windows\n(its README; another machine)")
steps_axis = axes[1].secondary_xaxis("top", functions=(lambda m: m * 1e6 / (BATCH * CONTEXT),
                                                       lambda n: n * BATCH * CONTEXT / 1e6))
steps_axis.set_xlabel(f"our optimizer steps ({BATCH * CONTEXT:,} characters each)")
axes[0].set(title="Mini-GPT on Tiny Shakespeare: loss vs time", ylabel="cross-entropy (nats/char)")
axes[1].set_title(f"… and vs characters read ({throughput:,.0f} chars/s)")
axes[0].legend()
axes[1].legend(fontsize=8)
ctx.savefig(fig, "loss_curves")
plt.show()

# %% [markdown] slideshow={"slide_type": "subslide"}
# **Samples as it learned**: the same prompt and random seed, continued by the weights saved along the way
# (sampling at temperature τ = 0.8, explained in section 8, by a compiled generation loop explained there too).
# Each sample's validation loss is measured on the fixed windows of the curves above, with the weights that wrote it.

# %%
prompt_text = "ROMEO:\n"
prompt = encode_chars(prompt_text)
fast_sampler = gpt.FastGenerator(model, use_cache=True, jit=JIT)
final_weights = model.get_weights()
moments = [({"seconds": 0.0, "steps": 0, "chars": 0, "val_loss": initial_val_loss}, initial_weights)]
moments += [({**row, "val_loss": None}, weights) for row, weights in progress.snapshots if row["steps"] < steps_done]
moments.append((rows[-1], final_weights))  # the last epoch ends with the last step
for row, weights in moments:
    model.set_weights(weights)
    if row["val_loss"] is None:  # a snapshot taken between two epochs: measure it now
        row["val_loss"] = evaluate(val_windows)
    sample_ids = fast_sampler(prompt, SAMPLE_CHARS, temperature=0.8, seed=0)
    print(f"── after {row['seconds']:.0f} s, {row['steps']:,} step{'' if row['steps'] == 1 else 's'} "
          f"({row['chars'] / 1e6:.2f} M characters), validation loss {row['val_loss']:.2f} ──\n"
          f"{prompt_text}{decode_chars(sample_ids)}\n")
model.set_weights(final_weights)
(ctx.out / "samples.txt").write_text(prompt_text + decode_chars(sample_ids))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 7 · What the trained model attends to
#
# Which earlier characters does each head look at? One picture of one line can suggest anything, so we measure:
# run the model on validation windows and average, over the query positions $i$ inside a word (whose last space
# lies at least two characters back, so that the three positions differ), the attention weight each head puts on
# **$i$ itself**, on **the previous character $i - 1$**, and on **the last space**, where the current word began.
# A head that spread its attention evenly over the $i + 1$ positions it may see would give each of them
# $1/(i + 1)$: the "uniform" figure printed with the table. Whatever a head is called below comes from these
# shares, measured in this run.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: we do not name heads from one pretty picture; we measure, over many positions, how much each head
# puts on the character itself, the previous one and the last space, against what uniform attention would give.
# Point at: the table, the head with the largest share on i − 1, and the heatmap of the same heads on one line.
# Ask the room: why might a head that looks at the last space help predict the next character?

# %% slideshow={"slide_type": "skip"}
show_code(gpt.attention_shares)

# %% slideshow={"slide_type": "subslide"}
share_x, _ = eval_windows(val_ids, count=SHARE_WINDOWS)
shares, uniform_share = gpt.attention_shares(model.attention_maps(share_x), share_x, char_to_id[" "])
print(f"Mean share of attention, over the positions inside a word in {len(share_x)} validation windows "
      f"(uniform attention would give one position {uniform_share:.1%}):\n")
print("layer  head   on i   on i − 1   on the last space   elsewhere")
for layer in range(LAYERS):
    for head in range(HEADS):
        on_self, on_previous, on_space = shares[layer, head]
        print(f"{layer + 1:>5} {head + 1:>5} {on_self:>6.0%} {on_previous:>10.0%} {on_space:>19.0%} "
              f"{1 - shares[layer, head].sum():>11.0%}")

targets = ["the character itself (i)", "the previous character (i − 1)", "the last space (the start of the word)"]
top_heads = []
print()
for k, target in enumerate(targets):
    layer, head = np.unravel_index(np.argmax(shares[..., k]), shares.shape[:2])
    top_heads.append((int(layer), int(head)))
    share = shares[layer, head, k]
    verdict = ("more than half of its attention: this head follows it" if share > 0.5 else
               "a strong preference, though less than half of its attention" if share >= 5 * uniform_share else
               "little more than uniform attention: no head looks for it")
    print(f"Most attention on {target}: layer {layer + 1}, head {head + 1}, {share:.0%} "
          f"({share / uniform_share:.1f}× uniform), {verdict}.")
ctx.log_metric("attention_share_previous_char_top_head", float(shares[..., 1].max()), unit="share")
ctx.log_metric("attention_share_last_space_top_head", float(shares[..., 2].max()), unit="share")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The attention weights of those heads on 20 characters of validation text: row = the position predicting the next
# character, column = the position it looks at; the causal mask leaves the upper triangle empty.

# %%
# extra code – the heads that scored highest above, on 20 characters
snippet = next(l for l in val_text.split("\n") if len(l) >= 20 and l[:20].count(" ") >= 2)[:20]
snippet_maps = model.attention_maps(np.array([encode_chars(snippet)], dtype=np.int32))
shown = list(dict.fromkeys(top_heads))  # each head once
labels = ["␣" if c == " " else c for c in snippet]
fig, axes = plt.subplots(1, len(shown), figsize=(5.6 * len(shown), 5.4), squeeze=False)
for ax, (layer, head) in zip(axes[0], shown):
    on_self, on_previous, on_space = shares[layer, head]
    heatmap(snippet_maps[layer][0, head], labels, labels, fmt="", cmap="magma", ax=ax,
            title=f"layer {layer + 1}, head {head + 1}\nshares: i {on_self:.0%} · i − 1 {on_previous:.0%} · "
                  f"last space {on_space:.0%}", xlabel="key (looked at)", ylabel="query (predicting the next)")
    ax.set_xticks(range(len(labels)), labels, rotation=0, ha="center")
fig.suptitle(f"Attention weights on {snippet!r}")
fig.tight_layout()
ctx.savefig(fig, "attention_heatmaps")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8 · Generating text: choosing the next token
#
# The model gives logits $z$ for the next token; a softmax with **temperature** $\tau$ turns them into probabilities
# $$ p_i = \frac{e^{z_i / \tau}}{\sum_j e^{z_j / \tau}} . $$
# $\tau < 1$ sharpens the distribution (safer, duller), $\tau > 1$ flattens it (bolder, more mistakes), $\tau \to 0$
# is greedy. (We write the temperature $\tau$, since $T$ is the sequence length.)
#
# | strategy | next token | |
# |---|---|---|
# | greedy | $\arg\max_i p_i$ | likely but repetitive: it loops |
# | beam search (width $B$) | keep the $B$ sequences with the highest $\sum_t \ln p$ | even more likely text; great for translation, dull for stories |
# | sampling | draw from $p$ (with temperature $\tau$) | varied; now and then a very unlikely token derails it |
# | top-$k$ | draw from the $k$ most likely only | cuts the long tail of nonsense |
# | top-$p$ (nucleus) | draw from the smallest set whose probability reaches $p$ | adapts the cut to how sure the model is (Holtzman et al., 2020) |
#
# **Exercise 4 · Softmax with temperature.** (2 points) Write `softmax_with_temperature_np(logits, temperature)` in
# NumPy. It must work for logits like `[1000, 1001, 999]` (hint: $e^{z - c}$ for any constant $c$ gives the same probabilities).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: the model gives a distribution; decoding is a separate choice. Greedy and beam search chase the
# most likely text and loop; sampling with a temperature τ, top-k or top-p trade likelihood for variety.
# Point at: the samples and their log-likelihood per character, the same scale for every strategy.
# Ask the room: beam search wins translation but loses storytelling: why?

# %% tags=["exercise"] slideshow={"slide_type": "fragment"}
def softmax_with_temperature_np(logits, temperature):
    raise NotImplementedError("exp(logits / temperature), normalised to sum to 1")


# %% tags=["solution"] slideshow={"slide_type": "skip"}
def softmax_with_temperature_np(logits, temperature):
    z = np.asarray(logits, dtype=float) / temperature
    e = np.exp(z - z.max())  # subtracting the max avoids overflow and changes nothing
    return e / e.sum()


# %% slideshow={"slide_type": "skip"}
nb08.check_softmax_temperature(softmax_with_temperature_np);

# %% [markdown] slideshow={"slide_type": "subslide"}
# The course's versions of the filters and the two generation loops. Every sample is scored by its
# **log-likelihood** under the model itself ($\sum_t \ln p(x_t \mid x_{<t})$ at $\tau = 1$, no filtering), so the
# strategies are compared on one scale: higher means text the model finds more typical.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.softmax_with_temperature, gpt.top_k_filter, gpt.top_p_filter, gpt.generate, gpt.beam_search)

# %% slideshow={"slide_type": "subslide"}
sampler = gpt.Decoder(model, use_cache=True, jit=JIT)  # next-token logits, one call per character
strategies = {
    "greedy": dict(greedy=True),
    "sampling, τ = 1.0": dict(temperature=1.0),
    "sampling, τ = 0.8": dict(temperature=0.8),
    "top-k, k = 5": dict(top_k=5),
    "top-p, p = 0.9": dict(top_p=0.9),
}
results = {name: gpt.generate(sampler, prompt, GEN_CHARS, seed=1, **options) for name, options in strategies.items()}
beam_width = 5
results[f"beam search, width {beam_width}"] = gpt.beam_search(sampler, prompt, GEN_CHARS, width=beam_width)
for name, (sample_ids, loglik) in results.items():
    print(f"── {name}: log-likelihood {loglik:.1f} nats ({loglik / GEN_CHARS:.2f} per character) ──")
    print(prompt_text + decode_chars(sample_ids) + "\n")

# %% [markdown] slideshow={"slide_type": "subslide"}
# Two sanity checks (also in `tests/test_transformer.py`): beam search with one beam *is* greedy search, and top-k
# with $k = 1$ always draws the most likely token.

# %%
greedy_ids, greedy_loglik = results["greedy"]
beam1_ids, beam1_loglik = gpt.beam_search(sampler, prompt, GEN_CHARS, width=1)
top1_ids, _ = gpt.generate(sampler, prompt, GEN_CHARS, top_k=1, seed=7)
assert beam1_ids == greedy_ids and np.isclose(beam1_loglik, greedy_loglik), "beam width 1 should equal greedy"
assert top1_ids == greedy_ids, "top-k with k = 1 should equal greedy"
print("beam width 1 == greedy, top-k 1 == greedy: ✓")
beam_loglik = results[f"beam search, width {beam_width}"][1]
print(f"beam search (width {beam_width}): log-likelihood {beam_loglik:.1f} against greedy's {greedy_loglik:.1f}, "
      + ("at least as likely, as it usually is." if beam_loglik >= greedy_loglik - 1e-6 else
         "less likely this time: keeping only the best few prefixes can lose the one greedy search followed."))

# %% [markdown] slideshow={"slide_type": "slide"}
# ### Generating fast: the key/value cache
#
# Generating $N$ characters calls the model $N$ times. Done naively, each call runs the whole window of up to
# `CONTEXT` characters through every layer again, although, thanks to the causal mask, the keys and values of the
# earlier positions **never change**. So we keep them: each layer stores its $K$ and $V$ in a cache, and a new token
# only computes its own $q, k, v$ and attends to the cached keys. The work per token drops from about
# $T \cdot L\,d^2$ to $L\,d^2$ multiplications. When the cache is full (the model only knows `CONTEXT` positions),
# it is refilled from the last half of the window.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.CausalSelfAttention.step, gpt.GPT.decode_step, gpt.Decoder.advance)

# %% [markdown] slideshow={"slide_type": "subslide"}
# First, the cache must not change the result: the logits with and without it agree to rounding error.

# %%
no_cache = gpt.Decoder(model, use_cache=False, jit=JIT)
window = np.array(encode_chars(val_text[:CONTEXT]), dtype=np.int32)
cached_logits = [sampler.start(window[None, :5])]
plain_logits = [no_cache.start(window[None, :5])]
for token in window[5:]:
    cached_logits.append(sampler.advance([token]))
    plain_logits.append(no_cache.advance([token]))
gap = np.abs(np.array(cached_logits) - np.array(plain_logits)).max()
print(f"cache vs no cache, largest logit difference over {CONTEXT - 4} positions: {gap:.1e}")
assert gap < 1e-3

# %% [markdown] slideshow={"slide_type": "subslide"}
# Now the speed. With one call from Python per character, a small model on a CPU spends much of its time on the
# fixed cost of each call rather than on arithmetic, which can hide the saving, or more than all of it (the run
# below says which). `FastGenerator` runs the
# whole loop inside one compiled function (a `tf.while_loop`), with or without the cache; both write the same text.

# %% slideshow={"slide_type": "skip"}
show_code(gpt.FastGenerator._cached_chunk, gpt.FastGenerator._plain_chunk)

# %% slideshow={"slide_type": "skip"}
fast_plain = gpt.FastGenerator(model, use_cache=False, jit=JIT)
check_chars = 2 * CONTEXT + 3  # long enough to refill the cache twice
same = fast_sampler(prompt, check_chars) == fast_plain(prompt, check_chars) == gpt.generate(
    sampler, prompt, check_chars, greedy=True)[0]
print("greedy text identical with and without the cache, in both loops:", same)
assert same

speed = {
    ("Python loop", "without cache"): gpt.tokens_per_second(
        lambda n: gpt.generate(no_cache, prompt, n, greedy=True), SPEED_CHARS),
    ("Python loop", "with KV cache"): gpt.tokens_per_second(
        lambda n: gpt.generate(sampler, prompt, n, greedy=True), SPEED_CHARS),
    ("compiled loop", "without cache"): gpt.tokens_per_second(lambda n: fast_plain(prompt, n), SPEED_CHARS),
    ("compiled loop", "with KV cache"): gpt.tokens_per_second(lambda n: fast_sampler(prompt, n), SPEED_CHARS),
}
for (loop, cache), value in speed.items():
    print(f"{loop:>13}, {cache:>13}: {value:8,.0f} characters/s")
speedup = speed[("compiled loop", "with KV cache")] / speed[("compiled loop", "without cache")]
python_speedup = speed[("Python loop", "with KV cache")] / speed[("Python loop", "without cache")]
print(f"speed-up from the cache: {speedup:.1f}× (compiled loop), {python_speedup:.1f}× (Python loop)")
print("In the Python loop the cache " + (
    "made generation slower in this run: the arithmetic it saves weighed less than the per-call costs of a Python "
    "loop (the compiled loop measures the cache without them)." if python_speedup < 1 else
    "saved less than in the compiled loop: each call's fixed cost hides part of the saving."
    if python_speedup < speedup else "saved at least as much as in the compiled loop."))
ctx.log_metric("kv_cache_speedup", speedup, unit="×", target=3, baseline=1, key=True)
ctx.log_metric("kv_cache_speedup_python_loop", python_speedup, unit="×")
ctx.log_metric("generation_speed_cached", speed[("compiled loop", "with KV cache")], unit="chars/s")

# %% slideshow={"slide_type": "subslide"}
# extra code – the speeds as a bar chart
fig, ax = plt.subplots(figsize=(7, 3))
names = [f"{loop}\n{cache}" for loop, cache in speed]
bars = ax.barh(names, list(speed.values()), color=["tab:gray", "tab:green"] * 2)
ax.bar_label(bars, fmt="{:,.0f}", padding=3)
ax.set(xscale="log", title=f"Greedy generation of {SPEED_CHARS} characters: the KV cache is {speedup:.1f}× faster",
       xlabel="characters per second (log scale)")
ctx.savefig(fig, "kv_cache_speed")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9 · Fine-tuning: from Shakespeare to Nietzsche
#
# Pretraining teaches a model the general statistics of text (spelling, words, punctuation, rhythm); **fine-tuning**
# continues training the same weights on a smaller text of the kind we care about, usually with a smaller learning
# rate. The lecture does it with Hugging Face's `Seq2SeqTrainer` on a pretrained model; here we continue our
# Shakespeare model on Nietzsche's *Beyond Good and Evil* and compare with the same model trained from its random
# start for the same time. Both runs reuse the compiled train step: we only reset the weights and the optimizer.
#
# This run's figures are printed below the next cell. Full mode gives each run 1,000 steps; *for comparison only,
# figures from another machine, not from this run:* one full-mode run of `tools/gpt_recipe.py --finetune 1000` on
# an H100 GPU (Keras on its JAX backend) gave a Nietzsche validation loss of 2.00 for the Shakespeare model as it
# is, 1.41 from scratch and 1.34 fine-tuned; its fine-tuned curve was lowest after about 400 steps and then crept
# up, as half a megabyte of Nietzsche is soon learned by heart.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: fine-tuning is just more training of the same weights on new text, usually at a lower rate. We
# compare it with training from the random start for the same time, and check how much Shakespeare it forgets.
# Point at: where each validation curve starts and ends (the printed line gives this run's figures); the grey line
# is the Shakespeare model before any Nietzsche.
# Ask the room: what would you expect if we fine-tuned for an hour on this half megabyte?

# %% slideshow={"slide_type": "skip"}
nietzsche_ids = np.array(encode_chars(nietzsche), dtype=np.int32)
n_split = int(0.9 * len(nietzsche_ids))
n_train, n_val = nietzsche_ids[:n_split], nietzsche_ids[n_split:]
n_val_curve = eval_windows(n_val, count=EVAL_BATCH)  # for the curves
n_val_all = eval_windows(n_val, count=FT_VAL_WINDOWS)  # for the result


def reset_optimizer():
    for variable in model.optimizer.variables:  # step counter and Adam's moments back to zero
        variable.assign(ops.zeros(variable.shape, variable.dtype))


def train_on_nietzsche(start_weights, finetune):
    model.set_weights(start_weights)
    reset_optimizer()
    run = Progress(BATCH * CONTEXT, [])
    run.rows.append({"seconds": 0.0, "chars": 0, "loss": np.nan, "val_loss": evaluate(n_val_curve)})
    model.fit(gpt.random_windows(n_train, CONTEXT, BATCH, seed=1), epochs=(FT_STEPS or 10**6) // FT_STEPS_PER_EPOCH,
              steps_per_epoch=FT_STEPS_PER_EPOCH, validation_data=n_val_curve, validation_batch_size=EVAL_BATCH,
              verbose=0,
              callbacks=[TimeBudget(FT_SECONDS), run,
                         gpt.learning_rate_schedule(RECIPE, FT_SECONDS, FT_STEPS, finetune=finetune)])
    return run.rows, evaluate(n_val_all)


before = evaluate(n_val_all)
shakespeare_before = evaluate(val_windows)  # the fixed windows: one batch
scratch_rows, scratch_loss = train_on_nietzsche(initial_weights, finetune=False)
finetune_rows, finetune_loss = train_on_nietzsche(final_weights, finetune=True)  # half the peak rate
shakespeare_after = evaluate(val_windows)
print(f"Nietzsche validation loss: Shakespeare model as is {before:.3f} · from scratch {scratch_loss:.3f} · "
      f"fine-tuned {finetune_loss:.3f} nats/char ({FT_SECONDS:.0f} s each; {n_val_all[0].size:,} characters)")
print(f"Shakespeare validation loss (fixed windows) after fine-tuning: {shakespeare_after:.3f} (before: "
      f"{shakespeare_before:.3f}; "
      f"{'it forgot some Shakespeare' if shakespeare_after > shakespeare_before else 'no forgetting'})")
ctx.log_metric("nietzsche_val_loss_finetuned", finetune_loss, unit="nats/char", baseline=scratch_loss,
               higher_is_better=False)
ctx.log_metric("nietzsche_val_loss_scratch", scratch_loss, unit="nats/char", higher_is_better=False)
if not ctx.smoke:
    assert finetune_loss < scratch_loss, "starting from Shakespeare should beat starting from scratch"

# %% slideshow={"slide_type": "subslide"}
# extra code – the two runs side by side, and a sample from the fine-tuned model
fig, ax = plt.subplots()
for rows_, name in [(scratch_rows, "from scratch"), (finetune_rows, "fine-tuned from Shakespeare")]:
    ax.plot([r["seconds"] for r in rows_], [r["val_loss"] for r in rows_], marker=".", label=name)
ax.axhline(before, color="gray", ls=":", label="Shakespeare model, not fine-tuned")
ax.set(title="Nietzsche: fine-tuning vs training from scratch, same budget", xlabel="training time (s)",
       ylabel="validation cross-entropy (nats/char)")
ax.legend()
ctx.savefig(fig, "finetuning")
plt.show()
sample_ids = fast_sampler(encode_chars("The philosopher "), SAMPLE_CHARS, temperature=0.8, seed=0)
print("The philosopher " + decode_chars(sample_ids))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 10 · From a text generator to a chat model: where RLHF fits
#
# Our GPT continues text; it does not answer questions, follow instructions or refuse harm. Chat models get there in
# three stages after pretraining (InstructGPT, Ouyang et al., 2022):
#
# 1. **Supervised fine-tuning (SFT)**: fine-tune, exactly as in section 9, on conversations that people wrote as
#    examples of good answers.
# 2. **Reward model**: the SFT model writes several answers to a prompt, people rank them, and a copy of the model
#    with a scalar output $r_\phi(x, y)$ learns to agree with the rankings: for a preferred answer $y_w$ and a
#    rejected one $y_l$ it minimises $-\ln\sigma\big(r_\phi(x, y_w) - r_\phi(x, y_l)\big)$.
# 3. **Reinforcement learning** (PPO): the model $\pi_\theta$ generates, the reward model scores, and the weights
#    move to maximise
#    $$ \mathbb E_{y \sim \pi_\theta(\cdot \mid x)}\big[r_\phi(x, y)\big] - \beta\, \mathrm{KL}\big(\pi_\theta(\cdot \mid x)\,\|\,\pi_\text{SFT}(\cdot \mid x)\big), $$
#    the KL term keeping it close to fluent text instead of gaming the reward model.
#
# Direct Preference Optimization (Rafailov et al., 2023) reaches a similar result from the same rankings without
# a separate reward model or RL loop. This notebook did stage 0 (pretraining) and the idea of stage 1 (fine-tuning).

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: our GPT only continues text. Chat models add supervised fine-tuning on written dialogues, a reward
# model trained on people's rankings, and reinforcement learning against that reward with a KL leash.
# Point at: the four boxes; we did the first, and the idea of the second.
# Ask the room: why keep the KL term? What would the model do to a reward model without it?

# %% slideshow={"slide_type": "subslide"}
# extra code – the RLHF pipeline as a diagram
fig, ax = plt.subplots(figsize=(12, 3.2))
ax.set_axis_off()
stages = [("Pretraining\nnext-token prediction\non lots of text", "this notebook: §6"),
          ("Supervised fine-tuning\non example dialogues\nwritten by people", "like §9"),
          ("Reward model\nlearns people's rankings\nof sampled answers", "human feedback"),
          ("Reinforcement learning\n(PPO): maximise reward\n− β·KL to the SFT model", "→ chat model")]
for i, (body, note) in enumerate(stages):
    x = i * 3.1
    ax.add_patch(plt.Rectangle((x, 0), 2.5, 1.6, facecolor=f"C{i}", alpha=0.25, edgecolor=f"C{i}", lw=2))
    ax.text(x + 1.25, 0.8, body, ha="center", va="center", fontsize=10)
    ax.text(x + 1.25, -0.3, note, ha="center", va="center", fontsize=9, style="italic")
    if i < len(stages) - 1:
        ax.annotate("", xy=(x + 3.05, 0.8), xytext=(x + 2.55, 0.8), arrowprops=dict(arrowstyle="->", lw=2))
ax.annotate("", xy=(3 * 3.1 + 1.25, 1.65), xytext=(2 * 3.1 + 1.25, 1.65),
            arrowprops=dict(arrowstyle="->", lw=1.5, connectionstyle="arc3,rad=-0.3", color="C2"))
ax.text(2.5 * 3.1 + 1.25, 2.05, "reward r(x, y)", ha="center", fontsize=9, color="C2")
ax.set(xlim=(-0.2, 12.3), ylim=(-0.6, 2.3), title="From a pretrained GPT to a chat model (RLHF)")
ctx.savefig(fig, "rlhf_pipeline")
plt.show()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Tokenizers trade vocabulary size for sequence length; BPE, learned merge by merge, writes any text exactly.
# - Embeddings turn ids into vectors; trained to predict neighbours, they put related words close together.
# - Attention: $\mathrm{softmax}(QK^\top/\sqrt{d_k} + M)V$, with a causal mask for a model that writes left to
#   right, several heads, positions added to the embeddings, residual connections and LayerNorm around each part.
# - A small GPT trains on Shakespeare's characters for a fixed time; how far it gets depends on the machine, and
#   its validation loss in nats per character against the bigram model's (printed below) and its samples in
#   section 6 tell how far this run got. What its heads look at is measured, not guessed.
# - Decoding is a choice: greedy and beam search find likely but dull text, sampling with temperature, top-k or
#   top-p finds varied text; a key/value cache makes each new token cheap.
# - Fine-tuning reuses what pretraining learned; RLHF then shapes a model with human preferences.
#
# What this run measured:

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: walk the pipeline once more: text → tokens → vectors → attention blocks → logits → a decoding
# rule. Then read out the printed line of what this run measured: loss against the bigram, the heads, the cache.
# Ask the room: which single change would you try first to lower the validation loss, given twice the time?

# %%
target_note = (f"target ≤ {VAL_TARGET}: {'met' if val_loss <= VAL_TARGET else 'NOT met'}" if VAL_TARGET
               else "no target at this budget")
print(f"GPT: validation loss {val_loss:.3f} nats/char after {steps_done:,} steps in {train_seconds:.0f} s "
      f"({target_note}); bigram {bigram_loss:.3f}, uniform ln {V} = {np.log(V):.3f}: "
      + (f"{bigram_loss - val_loss:.2f} nats/char better than the bigram model." if val_loss < bigram_loss else
         f"not better than the bigram model ({val_loss - bigram_loss:.2f} nats/char worse)."))
print(f"Attention: the head most on the previous character gives it {shares[..., 1].max():.0%}, the head most on "
      f"the last space {shares[..., 2].max():.0%} (uniform: {uniform_share:.0%}).")
print(f"KV cache: {speedup:.1f}× faster generation in the compiled loop, {python_speedup:.1f}× in the Python loop.")
print(f"Nietzsche after {FT_SECONDS:.0f} s each: fine-tuned {finetune_loss:.3f} against {scratch_loss:.3f} from "
      f"scratch (Shakespeare model as it is: {before:.3f}).")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# The four exercises sit where their idea is explained, each with a check below it; nothing later in the notebook
# depends on your answers:
#
# 1. **One BPE merge** (section 1): `merge_pair`, the step BPE repeats to build its vocabulary.
# 2. **The causal mask** (section 3): `causal_mask_np`, what keeps a GPT from reading the character it predicts.
# 3. **Masked scaled dot-product attention** (section 3): `causal_attention_np`, the heart of the transformer, in
#    NumPy, checked against the course's own.
# 4. **Softmax with temperature** (section 8): `softmax_with_temperature_np`, stable for large logits.
#
# To go further, without a checker: train the GPT with `COURSE_GPT_SECONDS` set to half and to twice the budget
# and plot the validation loss against the budget; or give the model 2 heads instead of 4 (`gpt.RECIPE`) and see
# whether the attention shares of section 7 change.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: four exercises, each next to its idea; the checkers name the usual slips (for attention: the
# missing 1/√d_k, the mask after the softmax, the wrong softmax axis, a mask that lets the future in).
# Ask the room: which of these slips would still train a model that looks fine at first glance?

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Further
#
# - A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017 (arXiv:1706.03762): the transformer.
# - A. Radford et al., "Language Models are Unsupervised Multitask Learners", OpenAI 2019: GPT-2 (byte-level BPE,
#   pre-norm blocks, learned positions).
# - R. Sennrich, B. Haddow, A. Birch, "Neural Machine Translation of Rare Words with Subword Units", ACL 2016: BPE.
# - T. Mikolov et al., "Distributed Representations of Words and Phrases and their Compositionality", NeurIPS
#   2013: skip-gram with negative sampling.
# - R. Xiong et al., "On Layer Normalization in the Transformer Architecture", ICML 2020: pre- vs post-norm.
# - A. Holtzman et al., "The Curious Case of Neural Text Degeneration", ICLR 2020: top-p sampling.
# - C. Olsson et al., "In-context Learning and Induction Heads", Transformer Circuits Thread 2022: heads with
#   measured roles (previous-token and induction heads) in trained models.
# - L. Ouyang et al., "Training language models to follow instructions with human feedback", NeurIPS 2022
#   (InstructGPT, RLHF); R. Rafailov et al., "Direct Preference Optimization", NeurIPS 2023.
# - A. Karpathy, nanoGPT (github.com/karpathy/nanoGPT): the character-level Shakespeare recipes cited in section 6.

# %% [markdown] slideshow={"slide_type": "notes"}
# Say: Vaswani et al. for the architecture, GPT-2 for the decoder-only design we built, nanoGPT for
# recipes at larger scale, the induction-heads paper for what measured head roles look like in real models.

# %% slideshow={"slide_type": "skip"}
ctx.save_metrics()  # metrics.json, read by the course report
