"""utils.gpt: attention from scratch, the mini-GPT, and generation (notebook 08)."""

import keras
import numpy as np
import pytest

from utils import data, gpt

VOCAB, CONTEXT = 11, 16


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    m = gpt.GPT(VOCAB, CONTEXT, d_model=16, heads=2, layers=2)
    m(np.zeros((1, CONTEXT), dtype=np.int32))
    for w in m.weights:  # larger random weights than the initialiser's, so the logits are far from uniform
        w.assign(np.random.default_rng(len(w.path)).normal(0, 0.5, w.shape).astype("float32"))
    return m


@pytest.fixture(scope="module")
def decoders(model):
    return gpt.Decoder(model, use_cache=True, jit=False), gpt.Decoder(model, use_cache=False, jit=False)


# ---------------------------------------------------------------------------------------- tokens
def _merge_by_the_definition(ids, pair, new_id):
    """Left to right with an index: the plain loop a learner writes, to compare the course's one-pass merge with."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def test_merge_pair_examples():
    assert gpt.merge_pair([5, 5, 5], (5, 5), 7) == [7, 5]
    assert gpt.merge_pair([5, 5, 5, 5], (5, 5), 7) == [7, 7]
    assert gpt.merge_pair([1, 2, 3, 1, 2], (1, 2), 9) == [9, 3, 9]
    assert gpt.merge_pair([], (1, 2), 9) == [] and gpt.merge_pair([4], (4, 4), 8) == [4]


def test_merge_pair_agrees_with_the_definition_on_random_sequences():
    rng = np.random.default_rng(0)
    for _ in range(300):
        ids = rng.integers(0, 3, rng.integers(0, 12)).tolist()
        pair = tuple(int(x) for x in rng.integers(0, 3, 2))
        assert gpt.merge_pair(ids, pair, 9) == _merge_by_the_definition(ids, pair, 9), (ids, pair)


# ------------------------------------------------------------------------------------- attention
def test_causal_mask():
    mask = keras.ops.convert_to_numpy(gpt.causal_mask(5))
    assert mask.dtype == bool and np.array_equal(mask, np.tril(np.ones((5, 5), dtype=bool)))


def test_masked_softmax():
    zeros = keras.ops.convert_to_numpy(gpt.masked_softmax(np.zeros((4, 4), "float32"), gpt.causal_mask(4)))
    running_average = np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None]  # row i: 1/i on keys 1 … i
    np.testing.assert_allclose(zeros, running_average, rtol=1e-6)
    scores = np.array([[1000.0, 0.0], [3.0, 1.0]], "float32")  # large scores must not overflow
    plain = keras.ops.convert_to_numpy(gpt.masked_softmax(scores))
    np.testing.assert_allclose(plain, [[1, 0], [1 / (1 + np.exp(-2)), 1 / (1 + np.exp(2))]], rtol=1e-5)


def test_attention_weights_are_causal_and_sum_to_one():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(2, 3, 6, 4)).astype("float32") for _ in range(3))
    out, weights = gpt.scaled_dot_product_attention(q, k, v, gpt.causal_mask(6))
    weights = keras.ops.convert_to_numpy(weights)
    assert out.shape == (2, 3, 6, 4)
    assert np.allclose(weights.sum(-1), 1, atol=1e-6)
    above = np.triu_indices(6, 1)
    assert np.all(weights[..., above[0], above[1]] == 0)  # no query looks at a later key
    assert np.allclose(weights[..., 0, 0], 1.0)  # the first query can only look at itself
    scores = q[1, 2] @ k[1, 2].T / np.sqrt(4)  # a row by hand: softmax over the keys j <= i
    row = np.exp(scores[3, :4] - scores[3, :4].max())
    np.testing.assert_allclose(weights[1, 2, 3, :4], row / row.sum(), rtol=1e-5)


@pytest.mark.parametrize("causal", [True, False])
def test_multi_head_attention_matches_keras(causal):
    d, heads = 24, 3
    mha = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads)
    x = np.random.default_rng(1).normal(size=(2, 7, d)).astype("float32")
    expected = mha(x, x, use_causal_mask=causal)
    for w in mha.weights:  # non-zero biases, so that they are tested too
        w.assign(np.random.default_rng(len(w.path)).normal(0, 0.3, w.shape).astype("float32"))
    expected = keras.ops.convert_to_numpy(mha(x, x, use_causal_mask=causal))
    w = {v.path.split("/")[-2] + "/" + v.name: keras.ops.convert_to_numpy(v) for v in mha.weights}
    ours, weights = gpt.multi_head_attention(
        x, w["query/kernel"].reshape(d, d), w["key/kernel"].reshape(d, d), w["value/kernel"].reshape(d, d),
        w["attention_output/kernel"].reshape(d, d), heads, b_q=w["query/bias"].reshape(d),
        b_k=w["key/bias"].reshape(d), b_v=w["value/bias"].reshape(d), b_o=w["attention_output/bias"], causal=causal)
    assert weights.shape == (2, heads, 7, 7)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ours), expected, atol=1e-5)


def test_split_and_merge_heads_are_inverse():
    x = np.arange(2 * 5 * 12, dtype="float32").reshape(2, 5, 12)
    heads = gpt.split_heads(x, 3)
    assert heads.shape == (2, 3, 5, 4)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(gpt.merge_heads(heads)), x)


# ----------------------------------------------------------------------------------------- model
def test_model_is_causal(model):
    tokens = np.random.default_rng(2).integers(0, VOCAB, (1, CONTEXT)).astype(np.int32)
    changed = tokens.copy()
    changed[0, 10:] = (changed[0, 10:] + 1) % VOCAB  # change the future
    a, b = (keras.ops.convert_to_numpy(model(t)) for t in (tokens, changed))
    assert a.shape == (1, CONTEXT, VOCAB)
    np.testing.assert_allclose(a[:, :10], b[:, :10], atol=1e-5)  # the past does not see it
    assert not np.allclose(a[:, 10:], b[:, 10:])


def test_attention_maps(model):
    maps = model.attention_maps(np.zeros((1, 9), dtype=np.int32))
    assert len(maps) == 2 and maps[0].shape == (1, 2, 9, 9)
    assert np.allclose(maps[1].sum(-1), 1, atol=1e-5)


def test_attention_shares_find_each_heads_target():
    tokens = np.array([[5, 0, 5, 5, 5, 5, 0, 5, 5, 0, 0, 5], [5, 5, 5, 0, 5, 5, 5, 5, 5, 5, 5, 5]])  # 0: a space
    batch, length = tokens.shape
    maps = np.zeros((batch, 4, length, length))
    for b in range(batch):
        last = -1
        for i in range(length):
            last = i if tokens[b, i] == 0 else last
            maps[b, 0, i, i] = 1  # head 1: itself
            maps[b, 1, i, max(i - 1, 0)] = 1  # head 2: the previous token
            maps[b, 2, i, max(last, 0)] = 1  # head 3: the last space at or before i
            maps[b, 3, i, : i + 1] = 1 / (i + 1)  # head 4: uniform
    shares, uniform = gpt.attention_shares([maps, maps[:, ::-1]], tokens, space_id=0)
    assert shares.shape == (2, 4, 3)
    np.testing.assert_allclose(shares[0, :3], np.eye(3), atol=1e-12)  # a query whose space is at i or i - 1 is left out
    np.testing.assert_allclose(shares[1], shares[0, ::-1])
    # the queries counted (last space two or more back): row 0 at i = 3, 4, 5, 8; row 1 at i = 5 ... 11
    counted = np.array([3, 4, 5, 8, *range(5, 12)])
    assert np.isclose(uniform, np.mean(1 / (counted + 1)))
    np.testing.assert_allclose(shares[0, 3], uniform)
    with pytest.raises(ValueError, match="space"):
        gpt.attention_shares([maps[:, :, :3, :3]], tokens[:, :3], space_id=0)


# ------------------------------------------------------------------------------------ generation
def test_cache_gives_the_same_logits(model, decoders):
    cached, plain = decoders
    tokens = np.random.default_rng(3).integers(0, VOCAB, CONTEXT + 6).astype(np.int32)
    a, b = cached.start(tokens[None, :3]), plain.start(tokens[None, :3])
    np.testing.assert_allclose(a, b, atol=1e-4)
    for i, token in enumerate(tokens[3:CONTEXT]):
        a, b = cached.advance([token]), plain.advance([token])
        np.testing.assert_allclose(a, b, atol=1e-4, err_msg=f"position {i + 3}")
    for token in tokens[CONTEXT:]:  # past the context the cache is refilled: finite logits, right shape
        a = cached.advance([token])
        assert a.shape == (1, VOCAB) and np.all(np.isfinite(a))


def test_beam_width_one_is_greedy(decoders):
    cached, _ = decoders
    prompt = [1, 2, 3]
    greedy, greedy_loglik = gpt.generate(cached, prompt, 2 * CONTEXT, greedy=True)
    beam, beam_loglik = gpt.beam_search(cached, prompt, 2 * CONTEXT, width=1)
    assert beam == greedy and np.isclose(beam_loglik, greedy_loglik)


def test_top_k_one_is_greedy(decoders):
    cached, _ = decoders
    greedy, _ = gpt.generate(cached, [4, 5], 2 * CONTEXT, greedy=True)
    for seed in range(3):
        assert gpt.generate(cached, [4, 5], 2 * CONTEXT, top_k=1, seed=seed)[0] == greedy


def test_beam_search_is_at_least_as_likely_as_greedy(decoders):
    cached, _ = decoders
    _, greedy_loglik = gpt.generate(cached, [1], 12, greedy=True)
    _, beam_loglik = gpt.beam_search(cached, [1], 12, width=4)
    assert beam_loglik >= greedy_loglik - 1e-9


def test_log_likelihood_is_the_sum_of_log_probabilities(decoders):
    cached, plain = decoders
    ids, loglik = gpt.generate(cached, [3], 5, temperature=1.3, seed=0)
    logits = plain.start(np.array([[3]]))
    total = 0.0
    for token in ids:
        total += gpt.log_softmax(logits)[0, token]
        logits = plain.advance([token])
    assert np.isclose(loglik, total, atol=1e-4)


def test_fast_generator_matches_decoder(model, decoders):
    cached, _ = decoders
    prompt = [7, 1, 2]
    steps = 2 * CONTEXT + 5  # two refills of the cache
    expected, _ = gpt.generate(cached, prompt, steps, greedy=True)
    assert gpt.FastGenerator(model, use_cache=True, jit=True)(prompt, steps) == expected
    assert gpt.FastGenerator(model, use_cache=False, jit=False)(prompt, steps) == expected
    sampled = gpt.FastGenerator(model, use_cache=True, jit=False)(prompt, steps, temperature=1.0, seed=3)
    assert len(sampled) == steps and all(0 <= t < VOCAB for t in sampled)


def test_sampling_filters():
    probs = np.array([0.05, 0.5, 0.3, 0.15])
    np.testing.assert_allclose(gpt.top_k_filter(probs, 2), [0, 0.625, 0.375, 0])
    np.testing.assert_allclose(gpt.top_p_filter(probs, 0.75), [0, 0.625, 0.375, 0])  # 0.5 + 0.3 >= 0.75
    np.testing.assert_allclose(gpt.top_p_filter(probs, 0.1), [0, 1, 0, 0])  # the top token always stays
    np.testing.assert_allclose(gpt.top_p_filter(probs, 1.0), probs)
    hot = gpt.softmax_with_temperature(np.array([1000.0, 1001.0]), 1.0)
    np.testing.assert_allclose(hot, [1 / (1 + np.e), np.e / (1 + np.e)])
    cold = gpt.softmax_with_temperature(np.array([1.0, 2.0]), 0.01)
    assert cold[1] > 0.999


# -------------------------------------------------------------------------------------- training
def test_windows():
    ids = np.arange(100, dtype=np.int32)
    x, y = gpt.fixed_windows(ids, 8)
    assert x.shape == y.shape == (12, 8)
    np.testing.assert_array_equal(y, x + 1)
    x, y = gpt.fixed_windows(ids, 8, count=4)
    assert x.shape == (4, 8) and x[0, 0] == 0
    xb, yb = next(iter(gpt.random_windows(ids, 8, 5, seed=0)))
    assert xb.shape == (5, 8)
    np.testing.assert_array_equal(yb.numpy(), xb.numpy() + 1)


# --------------------------------------------------------------------------------------- the recipe
@pytest.mark.parametrize("mode", sorted(gpt.RECIPE))
def test_recipe_builds_and_its_schedule_ends_with_the_budget(mode):
    recipe = gpt.RECIPE[mode]
    assert recipe["d_model"] % recipe["heads"] == 0, "each head gets an equal slice of the features"
    assert recipe["warmup_steps"] < recipe["steps"] and recipe["steps_per_epoch"] <= recipe["steps"]
    model = gpt.GPT(VOCAB, recipe["context"], recipe["d_model"], recipe["heads"], recipe["layers"], recipe["dropout"])
    gpt.compile_gpt(model, recipe, jit_compile=False)
    model(np.zeros((1, recipe["context"]), dtype=np.int32))  # builds the weights (a forward pass, no training)
    model.optimizer.build(model.trainable_variables)
    kernel = model.blocks[0].mlp_in.kernel
    assert model.optimizer._use_weight_decay(kernel) and not model.optimizer._use_weight_decay(model.norm.gamma)
    peak, floor = recipe["peak_lr"], recipe["lr_floor"]
    long = gpt.learning_rate_schedule(recipe, seconds=None, steps=10**9)
    assert np.isclose(long.rate(recipe["warmup_steps"] - 1, 0.0), peak)  # the warm-up reaches the peak
    schedule = gpt.learning_rate_schedule(recipe, seconds=recipe["seconds"], steps=recipe["steps"])
    assert np.isclose(schedule.rate(recipe["steps"], 0.0), floor * peak)  # the decay ends at the step limit
    assert np.isclose(schedule.rate(recipe["warmup_steps"], recipe["seconds"]), floor * peak)  # ... or with the time
    fine = gpt.learning_rate_schedule(recipe, seconds=None, steps=10**9, finetune=True)
    assert np.isclose(fine.rate(recipe["finetune_warmup_steps"] - 1, 0.0), recipe["finetune_lr_scale"] * peak)


def test_workshop_recipe_leaves_the_rest_of_the_notebook_time():
    """The workshop notebook must fit 5 minutes on a 2-core CPU; the GPT's budget is most of it, not all."""
    assert gpt.RECIPE["workshop"]["seconds"] <= 200 and gpt.RECIPE["workshop"]["target"] == 1.62


def test_gpt_recipe_tool_trains_the_shared_recipe(tmp_path):
    import json

    import gpt_recipe

    x, y = next(gpt_recipe.random_batches(np.arange(100, dtype=np.int32), 8, 4, seed=0))
    assert x.shape == y.shape == (4, 8) and np.array_equal(x[:, 1:], y[:, :-1])

    out = tmp_path / "result.json"
    gpt_recipe.main(["--mode", "smoke", "--steps", "2", "--sample", "3", "--finetune", "20", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["recipe"] == gpt.RECIPE["smoke"], "the tool must train the recipe the notebook reads"
    text = data.load_text("tinyshakespeare")
    val_length = len(text) - int(0.9 * len(text))
    assert result["steps"] == 2 and 0.99 * val_length < result["val_characters"] <= val_length  # the whole text
    assert result["sample"].startswith("ROMEO:\n") and len(result["sample"]) == 10
    assert abs(result["val_loss"] - np.log(result["vocabulary"])) < 0.5  # after 2 steps: about a uniform guess
    assert result["nietzsche_finetuned"] < result["nietzsche_before"]


def test_gpt_recipe_tool_compares_a_variant(tmp_path):
    import json

    import gpt_recipe

    out = tmp_path / "variant.json"
    gpt_recipe.main(["--mode", "smoke", "--steps", "1", "--sample", "0", "--set", "d_model=16", "--set",
                     "peak_lr=1e-3", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["recipe"]["d_model"] == 16 and result["recipe"]["peak_lr"] == 1e-3
    assert gpt.RECIPE["smoke"]["d_model"] == 32, "a variant must not change the shared recipe"
    assert result["cpu_ms_per_step"] > 0
    with pytest.raises(SystemExit):
        gpt_recipe.main(["--mode", "smoke", "--set", "width=16"])
