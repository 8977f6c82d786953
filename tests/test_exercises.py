import math

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, given


@exercise("Square")
def check_square(square):
    for x in [0.0, 1.5, -2.0]:
        expect_close(call(square, np.array([x])), [x * x], what=f"square([{x}])", hint="multiply x by itself")


def test_correct_answer_passes(capsys):
    assert check_square(lambda x: x * x) is True
    assert "✓ Square: correct" in capsys.readouterr().out


def test_stub_is_not_yet_solved(capsys):
    def stub(x):
        raise NotImplementedError

    assert check_square(None) is False
    assert check_square(...) is False
    assert check_square(stub) is False
    out = capsys.readouterr().out
    assert out.count("not yet solved") == 3 and "Traceback" not in out


def test_wrong_answers_get_a_specific_message(capsys):
    cases = {
        "wrong type": (lambda x: "nine", "should be a number"),
        "not callable": (42, "should be a function"),
        "shape": (lambda x: np.array([x[0] ** 2, 0.0]), "shape (1,)"),
        "nan": (lambda x: x / 0.0 * 0.0, "NaN"),
        "raises": (lambda x: 1 / 0 + x, "raised ZeroDivisionError"),
        "returns None": (lambda x: None, "not yet solved"),
        "wrong value": (lambda x: 2 * x, "is off"),
    }
    for name, (answer, message) in cases.items():
        assert check_square(answer) is False, name
        out = capsys.readouterr().out
        assert message in out, (name, out)


def test_checker_bug_is_reported_not_raised(capsys):
    @exercise("Buggy")
    def check(value):
        raise KeyError("oops")

    assert check(1) is False
    assert "failed with KeyError" in capsys.readouterr().out


def test_helpers():
    assert given(3) == 3
    assert as_array(2.5).shape == ()
    try:
        as_array([1.0, math.inf])
    except Hint as hint:
        assert "NaN or infinity" in str(hint)
    else:
        raise AssertionError("infinity not caught")
