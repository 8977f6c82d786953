"""The exercise-checker framework.

A notebook's exercise cell (tag ``exercise``) holds a stub; the solution cell after it (tag
``solution``) is removed in the student version. A checker, written with ``@exercise``, then answers
the attempt with a pass, "not yet solved", or a specific hint. Whatever the student wrote (``None``,
the wrong type or shape, NaN, code that raises), the checker prints a message and returns ``False``;
it never stops the notebook with a traceback.
"""

from __future__ import annotations

import functools
import traceback

import numpy as np

NOT_SOLVED = "not yet solved"


class Hint(Exception):
    """The attempt is wrong; the message tells the student what to look at."""


class NotSolved(Exception):
    """The stub is still a stub (``None``, ``...`` or ``NotImplementedError``)."""


def exercise(title: str):
    """Decorator: turn ``checker(*answers)`` (raising ``Hint``/``NotSolved``) into a safe check.

    The wrapped checker prints one verdict line and returns ``True`` only when the answer is correct.
    """

    def wrap(checker):
        @functools.wraps(checker)
        def run(*answers, **kwargs):
            try:
                checker(*answers, **kwargs)
            except NotSolved as reason:
                print(f"○ {title}: {NOT_SOLVED}. {reason}".rstrip(". ") + ".")
                return False
            except Hint as hint:
                print(f"✗ {title}: {hint}")
                return False
            except Exception as error:  # a bug in the answer that the checker did not foresee
                print(f"✗ {title}: checking your answer failed with {type(error).__name__}: {error}")
                return False
            print(f"✓ {title}: correct!")
            return True

        run.title = title
        return run

    return wrap


def given(answer, what="your answer"):
    """Return the answer, or raise ``NotSolved`` when it is still the stub's ``None`` or ``...``."""
    if answer is None or answer is Ellipsis:
        raise NotSolved(f"{what} is still {answer!r}: fill in the exercise cell above")
    return answer


def call(function, *args, what=None, **kwargs):
    """Call the student's function; its exceptions become a ``Hint`` naming the error and line."""
    name = what or getattr(function, "__name__", "your function")
    if not callable(given(function, name)):
        raise Hint(f"{name} should be a function, got {type(function).__name__}")
    try:
        result = function(*args, **kwargs)
    except NotImplementedError as stub:
        raise NotSolved(str(stub) or f"{name} still raises NotImplementedError") from None
    except Exception as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"line {frame.lineno}: `{(frame.line or '').strip()}`"
        raise Hint(f"{name} raised {type(error).__name__}: {error} ({where})") from None
    return given(result, f"the value {name} returned")


def as_array(value, what="your answer", shape=None, nan_hint="look for a division by zero or a log of 0"):
    """A float NumPy array from the answer (tensors accepted); ``Hint`` on wrong type, shape or NaN.

    ``nan_hint`` names the likely cause of a NaN or infinity in this exercise.
    """
    value = given(value, what)
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Hint(f"{what} should be a number or an array of numbers, got {type(value).__name__}") from None
    if shape is not None and array.shape != tuple(shape):
        raise Hint(f"{what} should have shape {tuple(shape)}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise Hint(f"{what} contains NaN or infinity: {nan_hint}")
    return array


def expect_close(value, expected, what="your answer", rtol=1e-4, atol=1e-6, hint=""):
    """``Hint`` unless the answer equals ``expected`` (same shape) within tolerance."""
    expected = np.asarray(expected, dtype=float)
    array = as_array(value, what, shape=expected.shape)
    if not np.allclose(array, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(array - expected))
        raise Hint(f"{what} is off (largest difference {worst:.4g}). {hint}".strip())
    return array
