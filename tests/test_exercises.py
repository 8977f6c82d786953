"""The checker framework: verdicts, messages, copies of inputs, the time limit, the student's own line."""

import math
import threading
import time

import numpy as np
import pandas as pd
import pytest
from checking import _merge_forgetting_the_increment

from utils import exercises
from utils.exercises import Hint, as_array, as_ints, call, exercise, expect_close, given, short


@exercise("Square")
def check_square(square):
    for x in [0.0, 1.5, -2.0]:
        expect_close(call(square, np.array([x])), [x * x], what=f"square([{x}])", hint="multiply x by itself")


def _verdict(checker, answer, capsys):
    result = checker(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\n") >= 1
    return result, out


def test_correct_answer_passes(capsys):
    assert check_square(lambda x: x * x) is True
    assert "✓ Square: correct" in capsys.readouterr().out


def test_right_answers_in_other_types_pass(capsys):
    import tensorflow as tf

    for answer in (lambda x: (x * x).tolist(), lambda x: np.float32(x[0] * x[0]) * np.ones(1, np.float32),
                   lambda x: tf.constant(x * x), lambda x: [tf.constant(x[0] * x[0])]):
        result, out = _verdict(check_square, answer, capsys)
        assert result is True, out


def test_stub_is_not_yet_solved(capsys):
    def stub(x):
        raise NotImplementedError

    assert check_square(None) is False
    assert check_square(...) is False
    assert check_square(stub) is False
    out = capsys.readouterr().out
    assert out.count("not yet solved") == 3 and "Traceback" not in out


@pytest.mark.parametrize("name, answer, message", [
    ("wrong type", lambda x: "nine", "should be a number"),
    ("a number as text", lambda x: "2.25", "should be a number"),
    ("not callable", 42, "should be a function"),
    ("shape", lambda x: np.array([x[0] ** 2, 0.0]), "shape (1,)"),
    ("nan", lambda x: x / 0.0 * 0.0, "NaN"),
    ("complex", lambda x: x * x + 1e-9j, "complex"),
    ("complex with no imaginary part", lambda x: (x * x).astype(complex), "complex"),
    ("ragged", lambda x: [[1.0, 2.0], [3.0]], "ragged list (its rows have lengths 2, 1)"),
    ("huge integer", lambda x: 10**400, "too large"),
    ("huge integers in a list", lambda x: [10**400], "too large"),
    ("None inside", lambda x: [None], "holds NoneType"),
    ("raises", lambda x: 1 / 0 + x, "raised ZeroDivisionError"),
    ("returns None", lambda x: None, "returned None: did you forget `return`?"),
    ("wrong value", lambda x: 2 * x, "is off"),
])
def test_wrong_answers_get_a_specific_message(name, answer, message, capsys):
    result, out = _verdict(check_square, answer, capsys)
    assert result is False, name
    assert message in out, (name, out)
    assert "not yet solved" not in out and "checking your answer failed" not in out


def test_huge_numbers_print_short(capsys):
    result, out = _verdict(check_square, lambda x: x * 0 + 1e300, capsys)
    assert result is False and "1e+300" in out and "0000000000" not in out
    assert short(10**400) == "an integer of 401 digits" and short(1e300) == "1e+300"
    assert short(np.arange(1000.0)).count(" ") < 30 and "..." in short(np.arange(1000.0))
    assert len(short("x" * 1000)) < 80


def test_messages_are_cut_to_a_readable_length(capsys):
    @exercise("Long")
    def check(answer):
        raise Hint("word " * 1000)

    result, out = _verdict(check, 1, capsys)
    assert len(out) <= exercises.MESSAGE_LIMIT + 1 and out.rstrip().endswith("(cut)")


def test_checker_bug_is_reported_not_raised(capsys):
    @exercise("Buggy")
    def check(value):
        raise KeyError("oops")

    assert check(1) is False
    assert "failed with KeyError" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ the student's line


def _typo_in_pandas(frame):
    return frame["total_room"] / frame["population"]  # the typo a learner makes


def _bad_argument_to_utils(ids, pair, new_id):
    from utils.gpt import merge_pair

    return merge_pair(len(ids), pair, new_id)  # an int where a list belongs: raises inside utils


def test_an_error_deep_in_pandas_names_the_students_line():
    with pytest.raises(Hint) as hint:
        call(_typo_in_pandas, pd.DataFrame({"total_rooms": [1.0], "population": [2.0]}), what="add_rooms")
    text = str(hint.value)
    assert "raised KeyError" in text and "frame[\"total_room\"]" in text and "in _typo_in_pandas" in text
    assert f"line {_typo_in_pandas.__code__.co_firstlineno + 1} of your code" in text and "site-packages" not in text


def test_an_error_inside_utils_names_the_students_line():
    with pytest.raises(Hint) as hint:
        call(_bad_argument_to_utils, [1, 2], (1, 2), 9, what="merge_pair")
    assert "return merge_pair(len(ids), pair, new_id)" in str(hint.value)
    assert "exercises.py" not in str(hint.value) and "nb08.py" not in str(hint.value)


def test_not_implemented_from_a_library_is_not_a_stub():
    def answer(x):
        return pd.Series([1.0]).rolling(2).apply(lambda w: 0, engine="no such engine")

    with pytest.raises(Hint):
        call(answer, 1.0)

    def stub(x):
        raise NotImplementedError("fill me in")

    with pytest.raises(exercises.NotSolved):
        call(stub, 1.0)


# ------------------------------------------------------------------------------------------------ inputs are copies


def test_answers_that_change_their_inputs_cannot_change_the_reference(capsys):
    @exercise("Scale")
    def check(scale):
        x = np.array([1.0, 2.0])
        expect_close(call(scale, x), 2 * x, "scale(x)")

    def cheat(x):
        x[...] = 0  # the reference would be 0 too, were it computed from this array
        return 2 * x

    result, out = _verdict(check, cheat, capsys)
    assert result is False and "is off" in out


def test_call_copies_arrays_lists_dicts_and_frames_but_not_when_asked():
    frame = pd.DataFrame({"a": [1.0]})
    inputs = (np.zeros(2), [1, [2]], {"k": np.ones(1)}, frame)

    def spoil(a, b, c, d):
        a[0], b[1][0], c["k"][0] = 9, 9, 9
        d["a"] = 9.0
        return 0

    call(spoil, *inputs)
    assert inputs[0][0] == 0 and inputs[1][1][0] == 2 and inputs[2]["k"][0] == 1 and frame["a"][0] == 1.0
    call(spoil, *inputs, copy=False)
    assert frame["a"][0] == 9.0


# ------------------------------------------------------------------------------------------------ time limit


def _catches_the_first_interruption(ids, pair, new_id):
    try:
        while True:
            pass
    except BaseException:  # noqa: BLE001, S110 (a learner's catch-all)
        pass
    while True:  # stopped by the timer's next tick
        pass


@pytest.mark.parametrize("answer", [_merge_forgetting_the_increment, _catches_the_first_interruption,
                                    lambda *a: time.sleep(60)])
def test_a_loop_that_never_ends_is_stopped(answer, monkeypatch):
    monkeypatch.setattr(exercises, "TIME_LIMIT", 0.3)
    start = time.perf_counter()
    with pytest.raises(Hint) as hint:
        call(answer, [1, 3, 4], (1, 2), 9, what="merge_pair")
    assert time.perf_counter() - start < 0.3 + 5  # loose for a busy CI machine; the answer would run 60 s or for ever
    assert "merge_pair took longer than 0.3 s" in str(hint.value) and "loop that never ends" in str(hint.value)
    assert exercises._alarm_usable()  # the timer was put back


def test_the_time_limit_works_outside_the_main_thread(monkeypatch):
    """Off the main thread (and on Windows) a trace function stops the student's Python code."""
    monkeypatch.setattr(exercises, "TIME_LIMIT", 0.3)
    outcome = {}

    def run():
        start = time.perf_counter()
        try:
            call(_merge_forgetting_the_increment, [1, 3], (1, 2), 9, what="merge_pair")
        except Hint as hint:
            outcome["message"] = str(hint)
        outcome["seconds"] = time.perf_counter() - start

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert "took longer than 0.3 s" in outcome["message"] and outcome["seconds"] < 6  # loose: a busy machine


def test_parameters_that_do_not_fit_are_named():
    with pytest.raises(Hint, match="as it was called: check its parameters"):
        call(lambda x: x, 1, 2, what="merge_pair")


def test_a_slow_but_finite_answer_is_not_stopped(monkeypatch):
    monkeypatch.setattr(exercises, "TIME_LIMIT", 2.0)
    assert call(lambda: time.sleep(0.05) or 7) == 7


# ------------------------------------------------------------------------------------------------ helpers


def test_helpers():
    assert given(3) == 3
    assert as_array(2.5).shape == ()
    assert as_array(np.float32(2.5)) == 2.5 and as_array(True) == 1.0
    with pytest.raises(Hint, match="NaN or infinity"):
        as_array([1.0, math.inf])
    with pytest.raises(Hint, match="is None"):
        as_array(None, "new_theta")


def test_as_ints_is_exact():
    import tensorflow as tf

    assert as_ints([1, 2.0, np.int64(3)]) == [1, 2, 3]
    assert as_ints(tf.constant([256, 5])) == [256, 5] and as_ints(np.array([], dtype=float)) == []
    assert as_ints([10**400]) == [10**400]
    for bad, message in [([256.7], "whole numbers"), ([1 + 0.7], "whole numbers"), ([True], "True/False"),
                         ("abc", "list of whole numbers"), ([[1], [2, 3]], "ragged"), ([1j], "complex"),
                         ([math.nan], "NaN"), ([[1, 2]], "flat list")]:
        with pytest.raises(Hint, match=message):
            as_ints(bad)
