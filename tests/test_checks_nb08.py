"""The exercise checkers of notebook 08: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _merge_forgetting_the_increment, _run, _stub

from utils import gpt
from utils.checks import nb08

# ---------------------------------------------------------------- Exercise 1: one BPE merge


merge_pair = gpt.merge_pair  # the course's own merge: a correct answer


def _merge_from_right(ids, pair, new_id):
    return merge_pair(ids[::-1], pair[::-1], new_id)[::-1]


def _merge_first_only(ids, pair, new_id):
    for i in range(len(ids) - 1):
        if (ids[i], ids[i + 1]) == tuple(pair):
            return ids[:i] + [new_id] + ids[i + 2 :]
    return ids


def test_merge_correct(capsys):
    result, out = _run(nb08.check_merge_pair, merge_pair, capsys)
    assert result is True and "correct" in out


def test_merge_accepts_arrays_and_tuples(capsys):
    assert nb08.check_merge_pair(lambda *a: tuple(merge_pair(*a))) is True
    assert nb08.check_merge_pair(lambda *a: np.array(merge_pair(*a), dtype=int)) is True


def test_merge_does_not_care_if_the_input_is_changed_in_place(capsys):
    def in_place(ids, pair, new_id):
        ids[:] = merge_pair(ids, pair, new_id)
        return ids

    assert nb08.check_merge_pair(in_place) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "ZeroDivisionError"),
        (42, "should be a function"),
        (lambda ids, pair, new_id: "abc", "list of token ids"),
        (lambda ids, pair, new_id: ids, "expected"),
        (_merge_from_right, "merge from the left"),
        (_merge_first_only, "expected [9, 3, 9]"),
        (lambda ids, pair, new_id: None, "returned None: did you forget `return`?"),
    ],
)
def test_merge_wrong(answer, message, capsys):
    result, out = _run(nb08.check_merge_pair, answer, capsys)
    assert result is False
    assert message in out


# ---------------------------------------------------------------- Exercise 2: causal mask


def test_mask_correct(capsys):
    result, out = _run(nb08.check_causal_mask, lambda T: np.tril(np.ones((T, T), dtype=bool)), capsys)
    assert result is True and "correct" in out


def test_mask_accepts_ints_and_tensors(capsys):
    import keras

    assert nb08.check_causal_mask(lambda T: np.tril(np.ones((T, T), dtype=int))) is True
    assert nb08.check_causal_mask(lambda T: keras.ops.tril(keras.ops.ones((T, T)))) is True


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "ZeroDivisionError"),
        (lambda T: "mask", "number or an array"),
        (lambda T: np.ones(T), "shape"),
        (lambda T: np.full((T, T), np.nan), "NaN"),
        (lambda T: np.triu(np.ones((T, T))), "look into the future"),
        (lambda T: np.tril(np.ones((T, T)), -1), "diagonal is masked"),
        (lambda T: 1 - np.tril(np.ones((T, T))), "inverted"),
        (lambda T: np.eye(T), "on and below the diagonal"),
    ],
)
def test_mask_wrong(answer, message, capsys):
    result, out = _run(nb08.check_causal_mask, answer, capsys)
    assert result is False
    assert message in out


# ---------------------------------------------------------------- Exercise 3: softmax with temperature


def softmax_t(logits, T):
    z = np.asarray(logits, dtype=float) / T
    e = np.exp(z - z.max())
    return e / e.sum()


def test_softmax_correct(capsys):
    result, out = _run(nb08.check_softmax_temperature, softmax_t, capsys)
    assert result is True and "correct" in out


def test_softmax_accepts_lists_and_tensors(capsys):
    import keras

    assert nb08.check_softmax_temperature(lambda z, T: softmax_t(z, T).tolist()) is True
    assert nb08.check_softmax_temperature(
        lambda z, T: keras.ops.softmax(np.asarray(z, dtype="float32") / T, axis=-1)) is True


def _naive(logits, T):
    with np.errstate(over="ignore", invalid="ignore"):  # a student's overflow: inf / inf = NaN
        e = np.exp(np.asarray(logits, dtype=float) / T)
        return e / e.sum()


def _no_temperature(logits, T):
    return softmax_t(logits, 1.0)


def _times_temperature(logits, T):
    return softmax_t(np.asarray(logits) * T, 1.0)


def _unnormalised(logits, T):
    z = np.asarray(logits, dtype=float) / T
    return np.exp(z - z.max())


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "ZeroDivisionError"),
        (lambda z, T: "probabilities", "number or an array"),
        (lambda z, T: softmax_t(z, T)[:2], "shape"),
        (_naive, "subtract the largest logit"),
        (_no_temperature, "temperature has no effect"),
        (_times_temperature, "is off"),
        (_unnormalised, "divide by the sum"),
    ],
)
def test_softmax_wrong(answer, message, capsys):
    result, out = _run(nb08.check_softmax_temperature, answer, capsys)
    assert result is False
    assert message in out


@pytest.mark.parametrize("offset", [0.7, 0.01, -0.3])
def test_merge_ids_must_be_whole_numbers(offset, capsys):
    result, out = _run(nb08.check_merge_pair, lambda *a: [x + offset for x in merge_pair(*a)], capsys)
    assert result is False and "whole numbers" in out, out


def test_merge_accepts_tensorflow_tensors(capsys):
    import tensorflow as tf

    assert nb08.check_merge_pair(lambda *a: tf.constant(merge_pair(*a), dtype=tf.int32)) is True
    assert nb08.check_merge_pair(lambda *a: [tf.constant(t) for t in merge_pair(*a)]) is True


def test_merge_that_forgets_to_advance_is_stopped(capsys, monkeypatch):
    from utils import exercises

    monkeypatch.setattr(exercises, "TIME_LIMIT", 0.5)
    result, out = _run(nb08.check_merge_pair, _merge_forgetting_the_increment, capsys)
    assert result is False and "took longer than 0.5 s" in out and "loop that never ends" in out, out


def test_merge_huge_ids_print_short(capsys):
    result, out = _run(nb08.check_merge_pair, lambda *a: [10**400 for _ in merge_pair(*a)], capsys)
    assert result is False and "401 digits" in out and "0000000000" not in out, out


# ---------------------------------------------------------------- Exercise 3: masked attention


def attention_np(q, k, v):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    scores = np.where(np.tril(np.ones(scores.shape, dtype=bool)), scores, -np.inf)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True) @ v


def _attention_with(scale=None, axis=-1, allow=lambda n: np.tril(np.ones((n, n), bool)), after=False, fill=-np.inf,
                    stable=True):
    def answer(q, k, v):
        n = len(q)
        scores = q @ k.T / (np.sqrt(q.shape[-1]) if scale is None else scale(q, v))
        if not after:
            scores = np.where(allow(n), scores, fill)
        with np.errstate(all="ignore"):
            w = np.exp(scores - scores.max(axis=axis, keepdims=True)) if stable else np.exp(scores)
            w = w / w.sum(axis=axis, keepdims=True)
        if after:
            w = w * allow(n)
        return w @ v
    return answer


def test_attention_correct(capsys):
    result, out = _run(nb08.check_causal_attention, attention_np, capsys)
    assert result is True and "correct" in out


def test_attention_accepts_keras_tensors_and_a_large_negative_mask(capsys):
    import keras

    assert nb08.check_causal_attention(_attention_with(fill=-1e9)) is True
    assert nb08.check_causal_attention(lambda q, k, v: keras.ops.convert_to_tensor(attention_np(q, k, v))) is True


def _nan_mask(q, k, v):
    n = len(q)
    with np.errstate(all="ignore"):
        scores = q @ k.T / np.sqrt(q.shape[-1]) + (1 - np.tril(np.ones((n, n)))) * -np.inf  # 0 × −∞ = NaN
        w = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return w / w.sum(axis=-1, keepdims=True) @ v


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (_crash, "ZeroDivisionError"),
        (lambda q, k, v: "attention", "number or an array"),
        (lambda q, k, v: attention_np(q, k, v).T, "shape"),
        (_attention_with(scale=lambda q, v: 1.0), "not scaled"),
        (_attention_with(scale=lambda q, v: q.shape[-1]), "square root"),
        (_attention_with(scale=lambda q, v: np.sqrt(v.shape[-1])), "√d_v"),
        (_attention_with(after=True), "after the softmax"),
        (_attention_with(axis=0), "wrong axis"),
        (_attention_with(allow=lambda n: np.triu(np.ones((n, n), bool))), "see the future"),
        (_attention_with(allow=lambda n: np.tril(np.ones((n, n), bool), 1)), "off by one"),
        (_attention_with(allow=lambda n: np.tril(np.ones((n, n), bool), -1), fill=-1e9), "diagonal is masked"),
        (_attention_with(allow=lambda n: np.tril(np.ones((n, n), bool), -1)), "NaN"),
        (_attention_with(allow=lambda n: np.ones((n, n), bool)), "nothing is masked"),
        (_attention_with(fill=0.0), "exp(0) = 1"),
        (_nan_mask, "0 × (−∞) is NaN"),
        (_attention_with(stable=False), "overflows"),
        (lambda q, k, v: attention_np(k, q, v), "transposed"),
        (lambda q, k, v: attention_np(q, k, v) + 0.01, "is off"),
    ],
)
def test_attention_wrong(answer, message, capsys):
    result, out = _run(nb08.check_causal_attention, answer, capsys)
    assert result is False
    assert message in out, out


def test_attention_answer_that_changes_its_inputs_is_judged_on_the_checker_s_own(capsys):
    def zeroes_q(q, k, v):
        out = attention_np(q, k, v)
        q[...] = 0
        return out

    assert nb08.check_causal_attention(zeroes_q) is True
