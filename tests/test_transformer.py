"""utils.gpt: attention from scratch, the mini-GPT, and generation (notebook 06)."""

import keras
import numpy as np
import pytest

from utils import gpt

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


# ------------------------------------------------------------------------------------- attention
def test_causal_mask():
    mask = keras.ops.convert_to_numpy(gpt.causal_mask(5))
    assert mask.dtype == bool and np.array_equal(mask, np.tril(np.ones((5, 5), dtype=bool)))


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


def _notebook_picks():
    """{name: {mode: value}} of every ``NAME = ctx.pick(...)`` line in notebook 06 with literal values."""
    import ast
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "notebooks" / "06_transformer.py").read_text()
    picks = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Assign):
            continue
        for call in ast.walk(node.value):
            if isinstance(call, ast.Call) and ast.unparse(call.func) == "ctx.pick":
                values = {k.arg: k.value.body if isinstance(k.value, ast.IfExp) else k.value for k in call.keywords}
                try:
                    picks[ast.unparse(node.targets[0])] = {mode: ast.literal_eval(v) for mode, v in values.items()}
                except ValueError:  # not a literal, e.g. len(train_text)
                    pass
    return picks


def test_gpt_recipe_tool_keeps_in_step_with_the_notebook_and_runs(tmp_path):
    import json

    import gpt_recipe

    x, y = next(gpt_recipe.random_batches(np.arange(100, dtype=np.int32), 8, 4, seed=0))
    assert x.shape == y.shape == (4, 8) and np.array_equal(x[:, 1:], y[:, :-1])

    picks = _notebook_picks()
    for mode, (context, batch, shape, dropout, peak, seconds, steps, target) in gpt_recipe.RECIPES.items():
        assert picks["CONTEXT"][mode] == context and picks["BATCH"][mode] == batch, mode
        assert picks["(D_MODEL, HEADS, LAYERS)"][mode] == shape and picks["DROPOUT"][mode] == dropout, mode
        assert picks["PEAK_LR"][mode] == peak and picks["MAX_STEPS"][mode] == steps, mode
        assert picks["TRAIN_SECONDS"][mode] == seconds, mode
        assert picks["VAL_TARGET"][mode] == target and picks["STEPS_PER_EPOCH"][mode] == gpt_recipe.STEPS_PER_EPOCH
        assert picks["EVAL_BATCH"][mode] == gpt_recipe.EVAL_BATCH

    out = tmp_path / "result.json"
    gpt_recipe.main(["--mode", "workshop", "--steps", "2", "--sample", "3", "--finetune", "20", "--out", str(out)])
    result = json.loads(out.read_text())
    assert result["steps"] == 2 and result["val_characters"] == 832 * 128  # the notebook's whole-validation windows
    assert result["sample"].startswith("ROMEO:\n") and len(result["sample"]) == 10
    assert abs(result["val_loss"] - np.log(result["vocabulary"])) < 0.5  # after 2 steps: about a uniform guess
    assert result["nietzsche_finetuned"] < result["nietzsche_before"]
