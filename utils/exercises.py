"""The exercise-checker framework.

A notebook's exercise cell (tag ``exercise``) holds a stub; the solution cell after it (tag
``solution``) is removed in the student version. A checker, written with ``@exercise``, then answers
the attempt with a pass, "not yet solved", or a specific hint. Whatever the student wrote (``None``,
the wrong type or shape, NaN, complex numbers, code that raises or never ends), the checker prints a
message and returns ``False``; it never stops the notebook with a traceback.

What every checker gets from here, so that no checker can get it wrong on its own:

- ``call`` runs the student's function on *copies* of the inputs (an answer that changes its inputs
  cannot change the checker's reference), under a time limit (``TIME_LIMIT`` seconds per call), and
  turns what goes wrong into a hint that names the student's own line.
- ``as_array`` / ``as_ints`` turn an answer into numbers (lists, NumPy scalars and TensorFlow or Keras
  tensors are fine) and refuse what is not an answer: complex numbers, text, ragged lists, numbers too
  large for a float, NaN or infinity, whole numbers that are not whole.
- ``short`` prints a number or an array briefly (1e+300, not 300 digits; long arrays summarised).

How the time limit works: on the main thread of Linux, macOS or Colab (where Jupyter runs a cell) a
``SIGALRM`` timer interrupts the student's Python code, ``time.sleep`` included. Elsewhere (Windows, or a
checker called from another thread) a trace function looks at the clock on every line of the student's
Python code instead: slower, and it cannot stop a ``time.sleep``. Neither can stop one long operation
inside C code (a huge NumPy or TensorFlow call): the check ends when that operation returns. Nor can
anything stop a loop that catches every exception (``except BaseException: pass``) and goes round again.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
import numbers
import os
import reprlib
import signal
import sys
import sysconfig
import threading
import time
import traceback

import numpy as np

NOT_SOLVED = "not yet solved"
TIME_LIMIT = 10.0  # seconds one call of the student's code may take (the tests shorten it)
MESSAGE_LIMIT = 700  # characters of one verdict line; longer ones are cut
DEFAULT_POINTS = 2  # an exercise's points unless its checker says otherwise: @exercise(title, points=N)
PASSED, NOT_SOLVED_STATUS, WRONG = "passed", "not solved", "wrong"  # the statuses of ``verdict``


class Hint(Exception):
    """The attempt is wrong; the message tells the student what to look at."""


class NotSolved(Exception):
    """The stub is still a stub (``None``, ``...`` or ``NotImplementedError``)."""


class ReturnedNone(Hint):
    """The student's function ran but returned ``None``: usually a forgotten ``return``."""


class TimeLimit(BaseException):
    """Raised inside the student's code when its time is up.

    A ``BaseException``, like ``KeyboardInterrupt``, so that an ``except Exception`` in the student's code
    does not swallow it.
    """


# ------------------------------------------------------------------------------------------------ verdicts


def exercise(title: str, points: int = DEFAULT_POINTS):
    """Decorator: turn ``checker(*answers)`` (raising ``Hint``/``NotSolved``) into a safe check.

    The wrapped checker prints one verdict line and returns ``True`` only when the answer is correct.
    It also carries what grading needs, from this one place: ``title``, ``points`` and ``id``
    (``exercise_id``: ``check_softmax`` in ``utils/checks/nb02.py`` is ``nb02.softmax``), and
    ``verdict(*answers)``, which returns ``(status, message)`` without printing; status is one of
    ``PASSED``, ``NOT_SOLVED_STATUS``, ``WRONG``. ``tools/nav.py`` writes id and points into the notebooks.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValueError(f"points must be a whole number >= 0, got {points!r}")

    def wrap(checker):
        def verdict(*answers, **kwargs):
            with np.errstate(all="ignore"), np.printoptions(precision=4, threshold=12, edgeitems=3, linewidth=100):
                status, message = _verdict(checker, title, answers, kwargs)
            if len(message) > MESSAGE_LIMIT:
                message = message[: MESSAGE_LIMIT - 12].rstrip() + " … (cut)"
            return status, message

        @functools.wraps(checker)
        def run(*answers, **kwargs):
            status, message = verdict(*answers, **kwargs)
            print(message)
            return status == PASSED

        run.title, run.points, run.verdict = title, points, verdict
        run.id = exercise_id(checker.__module__, checker.__name__)
        return run

    return wrap


def exercise_id(module: str, checker_name: str) -> str:
    """The exercise's id from its checker: ``("utils.checks.nb02", "check_softmax")`` -> ``"nb02.softmax"``."""
    return f"{module.rsplit('.', 1)[-1]}.{checker_name.removeprefix('check_')}"


def _verdict(checker, title, answers, kwargs):
    try:
        checker(*answers, **kwargs)
    except NotSolved as reason:
        return NOT_SOLVED_STATUS, f"○ {title}: {NOT_SOLVED}. {reason}".rstrip(". ") + "."
    except Hint as hint:
        return WRONG, f"✗ {title}: {hint}"
    except OverflowError as error:
        return WRONG, (f"✗ {title}: a number in your answer is too large to compute with ({_text(error)}): "
                       "look for a value that grows without bound, such as a power or exp() of a large number")
    except Exception as error:  # noqa: BLE001 (a bug in the answer that the checker did not foresee)
        line = _student_line(error.__traceback__, checker)
        if line:  # the student's code ran inside the check (e.g. an object of theirs) and raised
            return WRONG, f"✗ {title}: your code raised {type(error).__name__}: {_text(error)} ({line})"
        return WRONG, f"✗ {title}: checking your answer failed with {type(error).__name__}: {_text(error)}"
    return PASSED, f"✓ {title}: correct!"


def given(answer, what="your answer"):
    """Return the answer, or raise ``NotSolved`` when it is still the stub's ``None`` or ``...``."""
    if answer is None or answer is Ellipsis:
        raise NotSolved(f"{what} is still {answer!r}: fill in the exercise cell above")
    return answer


# ------------------------------------------------------------------------------------------------ calling


def call(function, *args, what=None, copy=True, **kwargs):
    """Call the student's function on copies of the inputs, under ``TIME_LIMIT``; return what it returned.

    ``NotImplementedError`` raised by the student's own code means the stub is untouched (``NotSolved``);
    any other exception, a time-out, or ``None`` returned becomes a ``Hint`` (``ReturnedNone`` for ``None``)
    naming the student's line. ``copy=False`` passes the checker's own objects, for a checker that wants to
    see whether the student changed them.
    """
    name = what or getattr(function, "__name__", "your function")
    if not callable(given(function, name)):
        raise Hint(f"{name} should be a function, got {type(function).__name__}")
    if copy:
        args, kwargs = student_copy(args), student_copy(kwargs)
    try:
        result = _run_limited(function, args, kwargs, TIME_LIMIT)
    except TimeLimit:
        raise Hint(f"{name} took longer than {TIME_LIMIT:g} s and was stopped: look for a loop that never ends "
                   "(a `while` whose condition never changes, e.g. a counter that is never increased)") from None
    except NotImplementedError as stub:
        frames = traceback.extract_tb(stub.__traceback__)
        if frames and _is_student_file(frames[-1].filename):  # the stub's own `raise NotImplementedError`
            raise NotSolved(_text(stub) or f"{name} still raises NotImplementedError") from None
        raise Hint(f"{name} raised NotImplementedError: {_text(stub)} ({_student_line(stub.__traceback__)})") from None
    except (Exception, SystemExit) as error:
        raise Hint(f"{name} raised {type(error).__name__}: {_text(error)} ({_student_line(error.__traceback__)})"
                   ) from None
    if result is None:
        raise ReturnedNone(f"{name} returned None: did you forget `return`? (printing a value does not return it)")
    if result is Ellipsis:
        raise Hint(f"{name} returned `...`: return the answer itself")
    return result


def student_copy(value):
    """A copy of the checker's inputs for the student (arrays, lists, dicts, tuples, pandas objects)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [student_copy(v) for v in value]
    if type(value) is tuple:
        return tuple(student_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: student_copy(v) for k, v in value.items()}
    if type(value).__module__.startswith("pandas") and hasattr(value, "copy"):
        return value.copy(deep=True)
    return value


def _run_limited(function, args, kwargs, seconds):
    """``function(*args, **kwargs)``, interrupted by ``TimeLimit`` after ``seconds`` of wall time."""
    if not seconds or not math.isfinite(seconds) or seconds <= 0:
        return function(*args, **kwargs)
    if _alarm_usable():
        return _run_with_alarm(function, args, kwargs, seconds)
    return _run_with_trace(function, args, kwargs, seconds)


def _alarm_usable():
    return (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))  # no one else's timer is running


def _run_with_alarm(function, args, kwargs, seconds):
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise TimeLimit

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:
        # repeat every 0.2 s, so that code which catches the first interruption is stopped by the next
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.2)
        try:
            return function(*args, **kwargs)
        finally:
            _disarm(armed)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _disarm(armed):
    for _ in range(100):  # an alarm that lands while disarming raises once more: the result is kept
        try:
            armed[0] = False
            return
        except TimeLimit:
            continue


def _run_with_trace(function, args, kwargs, seconds):
    deadline = time.monotonic() + seconds

    def on_line(frame, event, arg):
        if time.monotonic() > deadline:
            raise TimeLimit
        return on_line

    def on_call(frame, event, arg):
        if time.monotonic() > deadline:
            raise TimeLimit
        return on_line if _is_student_file(frame.f_code.co_filename) else None  # library code: calls only

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        return function(*args, **kwargs)
    finally:
        sys.settrace(previous)


# ------------------------------------------------------------------------------------------------ whose line


_UTILS = os.path.dirname(os.path.abspath(__file__)) + os.sep
_LIBRARIES = tuple(sorted({os.path.abspath(sysconfig.get_paths()[key]) + os.sep
                           for key in ("stdlib", "platstdlib", "purelib", "platlib")}))


@functools.lru_cache(maxsize=4096)
def _is_student_file(filename: str) -> bool:
    """True for the student's code: a notebook cell or a file of theirs, not a library, not ``utils``."""
    if filename.startswith("<"):
        return filename.startswith("<ipython-input")  # older IPython names cells so; "<frozen ...>" is Python's
    path = os.path.abspath(filename)
    if path.startswith(_UTILS) or path.startswith(_LIBRARIES):
        return False
    return not any(part in path for part in (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}"))


def _student_line(tb, checker=None) -> str:
    """``line N of your code: `text` `` for the deepest frame of the traceback that is the student's.

    With ``checker``: "" unless such a frame is there (the checker's own file does not count).
    """
    frames = traceback.extract_tb(tb)
    own = getattr(getattr(checker, "__code__", None), "co_filename", None)
    mine = [frame for frame in frames if _is_student_file(frame.filename) and frame.filename != own]
    if not mine:
        if not frames or checker is not None:
            return ""
        frame = frames[-1]
        if frame.filename == __file__:  # it failed as it was called: the parameters do not fit
            return "as it was called: check its parameters against the exercise"
        return f"in {os.path.basename(frame.filename)}, line {frame.lineno}"
    frame = mine[-1]
    code = (frame.line or "").strip()
    where = f"line {frame.lineno} of your code"
    if frame.name not in ("<module>", "<lambda>"):
        where += f", in {frame.name}"
    return f"{where}: `{_cut(code, 120)}`" if code else where


def _text(error) -> str:
    return _cut(str(error), 200)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------------------------ numbers


_SHORT = reprlib.Repr()
_SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist, _SHORT.maxtuple, _SHORT.maxlong = 60, 60, 8, 8, 24


def short(value) -> str:
    """A number, array or anything else, printed briefly: ``1e+300``, ``[0.1 0.2 ... 0.9]``, ``'abc…'``."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
        if len(text) <= 16:
            return text
        try:
            return f"{float(value):.4g}"
        except OverflowError:
            return f"an integer of {len(text.lstrip('-'))} digits"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, (complex, np.complexfloating)):
        return f"{complex(value):.4g}"
    if isinstance(value, (list, tuple)) and all(isinstance(v, numbers.Number) for v in value):
        items = [short(v) for v in value[:8]] + (["…"] if len(value) > 8 else [])
        return f"[{', '.join(items)}]"
    try:
        array = _tensor_to_numpy(value)
        if isinstance(array, (list, tuple, np.ndarray)):
            array = np.asarray(array)
            if array.dtype.kind in "biuf":
                if array.ndim == 0:
                    return short(array.item())
                return np.array2string(array, precision=4, threshold=12, edgeitems=3, max_line_width=100)
    except Exception:  # noqa: BLE001 (ragged or odd objects: fall back to a short repr)
        pass
    return _SHORT.repr(value)


def _tensor_to_numpy(value):
    """NumPy values of a TensorFlow/Keras/JAX tensor; other values unchanged."""
    if isinstance(value, (np.ndarray, list, tuple, numbers.Number)):
        return value
    if type(value).__name__ == "KerasTensor":
        raise Hint("got a symbolic Keras tensor, which has no values: call the layers on NumPy arrays or "
                   "tensors, not on keras.Input")
    if hasattr(value, "numpy") and callable(value.numpy):
        try:
            return value.numpy()
        except Exception:  # noqa: BLE001 (not a tensor after all)
            return value
    if hasattr(value, "__array__") and not type(value).__module__.startswith(("numpy", "pandas")):
        try:
            return np.asarray(value)
        except Exception:  # noqa: BLE001
            return value
    return value


def _raw_array(value, what, huge_ok=False):
    """``np.asarray(value)`` with a ``Hint`` for what cannot be an array of numbers (dtype unchanged).

    ``huge_ok``: Python integers too large for a float pass (they stay exact in an object array).
    """
    try:
        value = _tensor_to_numpy(value)
    except Hint as hint:
        raise Hint(f"{what}: {hint}") from None
    if isinstance(value, (str, bytes, dict, set, frozenset)) or callable(value):
        raise Hint(f"{what} should be a number or an array of numbers, got {type(value).__name__} {short(value)}")
    try:
        array = np.asarray(value)
    except ValueError:
        raise Hint(_ragged_message(value, what)) from None
    except (TypeError, OverflowError):
        raise Hint(f"{what} should be a number or an array of numbers, got {type(value).__name__}") from None
    if array.dtype.kind == "c":
        raise Hint(f"{what} holds complex numbers (e.g. {short(array.flat[0]) if array.size else '?'}); the "
                   "answer is real: look for a square root or a log of a negative number, or a stray `j`")
    if array.dtype.kind == "O":
        for item in array.flat:
            if isinstance(item, (complex, np.complexfloating)):
                raise Hint(f"{what} holds complex numbers (e.g. {short(item)}); the answer is real")
            if isinstance(item, (list, tuple, np.ndarray)):
                raise Hint(_ragged_message(value, what))
            if (isinstance(item, numbers.Integral) and not isinstance(item, bool) and abs(int(item)) > 2**1023
                    and not huge_ok):
                raise Hint(f"{what} holds a number too large to compute with ({short(item)}): look for a value "
                           "that grows without bound, such as a power or a factorial")
            if item is None or not isinstance(item, numbers.Real):
                raise Hint(f"{what} should hold numbers only, but holds {type(item).__name__} {short(item)}")
    elif array.dtype.kind == "V":  # bfloat16 and other extension floats (ml_dtypes) cast to float; records don't
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            raise Hint(f"{what} should be a number or an array of numbers, got {array.dtype}") from None
    elif array.dtype.kind not in "biuf":
        example = short(array.flat[0]) if array.size else ""
        raise Hint(f"{what} should be a number or an array of numbers, got {type(value).__name__} {example}".strip())
    return array


def _ragged_message(value, what):
    lengths = []
    if isinstance(value, (list, tuple)):
        lengths = [len(item) if hasattr(item, "__len__") else "a single number" for item in value[:6]]
    more = ", …" if len(lengths) < len(value) else ""
    rows = f" (its rows have lengths {', '.join(map(str, lengths))}{more})" if lengths else ""
    return (f"{what} is a ragged list{rows}: every row must have the same length to make an array; "
            "check that each row is built the same way")


def as_array(value, what="your answer", shape=None, nan_hint="look for a division by zero or a log of 0"):
    """A float NumPy array from the answer (lists and tensors accepted); ``Hint`` on anything else.

    Refused with a message: ``None``, text, complex numbers, ragged lists, numbers too large for a float,
    the wrong shape (when ``shape`` is given), and NaN or infinity (``nan_hint`` names the likely cause).
    """
    if value is None or value is Ellipsis:
        raise Hint(f"{what} is {value!r}, not a number: check what your code returns there")
    array = _raw_array(value, what)
    try:
        array = array.astype(float)
    except (TypeError, ValueError, OverflowError):
        raise Hint(f"{what} holds a number too large to compute with: look for a value that grows without bound"
                   ) from None
    if shape is not None and array.shape != tuple(shape):
        raise Hint(f"{what} should have shape {tuple(shape)}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise Hint(f"{what} contains NaN or infinity: {nan_hint}")
    return array


def as_ints(value, what="your answer"):
    """A list of Python ints from a list, tuple, array or tensor of whole numbers; ``Hint`` on anything else.

    Exact: 256.0 is 256, but 256.7 is refused (never truncated); very large integers stay exact.
    """
    if value is None or value is Ellipsis:
        raise Hint(f"{what} is {value!r}, not a list of whole numbers")
    if not isinstance(value, (list, tuple, np.ndarray)):
        converted = _tensor_to_numpy(value)
        if converted is value or np.ndim(converted) != 1:
            raise Hint(f"{what} should be a list of whole numbers, got {type(value).__name__} {short(value)}")
        value = converted
    array = _raw_array(value, what, huge_ok=True)
    if array.ndim != 1:
        raise Hint(f"{what} should be a flat list of whole numbers, got shape {array.shape}")
    if array.dtype.kind == "b" or any(isinstance(item, (bool, np.bool_)) for item in array.flat):
        raise Hint(f"{what} should hold whole numbers, not True/False")
    result = []
    for item in array.tolist():
        if not isinstance(item, numbers.Integral):  # a float (or fraction) counts only when it is whole
            if not math.isfinite(float(item)):
                raise Hint(f"{what} contains NaN or infinity")
            if item != math.floor(item):
                raise Hint(f"{what} should hold whole numbers, got {short(item)}")
            item = math.floor(item)
        result.append(int(item))
    return result


def expect_close(value, expected, what="your answer", rtol=1e-4, atol=1e-6, hint=""):
    """``Hint`` unless the answer equals ``expected`` (same shape) within tolerance."""
    expected = np.asarray(expected, dtype=float)
    array = as_array(value, what, shape=expected.shape)
    if not np.allclose(array, expected, rtol=rtol, atol=atol):
        worst = np.max(np.abs(array - expected))
        raise Hint(f"{what} is off (largest difference {short(worst)}). {hint}".strip())
    return array


# ------------------------------------------------------------------------------------------------ reference answers
# A checker computes the right answer only through functions marked ``@reference``. The student edition
# (``tools/build_student.py``) replaces each such body by ``recorded(...)``: the result stored for the same
# inputs when the edition was built (``utils/checks/recorded/nbNN.json``), so its checkers hold no answers.


class NoRecord(Hint):
    """The student edition has no stored result of a reference function for these inputs."""


RECORDER = None  # while tools/build_student.py --record runs: called as RECORDER(reference, key, result)
_RECORDS: dict = {}  # path of a recorded/nbNN.json -> its contents, loaded on first use


def reference(function):
    """Decorator: mark a function of a checker module that computes a right answer (see the note above)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        if RECORDER is not None:
            bound = inspect.signature(function).bind(*args, **kwargs)
            bound.apply_defaults()
            RECORDER(wrapper, argument_key(tuple(bound.arguments.values())), result)
        return result

    wrapper.is_reference = True
    return wrapper


def argument_key(arguments) -> str:
    """A stable key of a reference's arguments (numbers, arrays, tuples, lists, dicts, text, None).

    Floats are compared in float32, so a last-bit difference of a machine's exp() or log() in the checker's
    own inputs still finds the result stored on another machine.
    """
    digest = hashlib.sha256()
    _feed(digest, arguments)
    return digest.hexdigest()[:32]


def _feed(digest, value):
    if isinstance(value, (list, tuple)):
        digest.update(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            _feed(digest, item)
        digest.update(b")")
    elif isinstance(value, dict):
        digest.update(b"{")
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
        digest.update(b"}")
    elif value is None or isinstance(value, (str, bytes)):
        digest.update(repr(value).encode() + b";")
    else:
        array = np.asarray(value)
        if array.dtype.kind == "O" and isinstance(value, numbers.Integral):  # an int too large for int64
            digest.update(f"I{value};".encode())
            return
        digest.update(f"{array.dtype.kind if array.dtype.kind in 'bf' else 'i'}{array.shape};".encode())
        if array.dtype.kind == "f":
            with np.errstate(over="ignore"):
                digest.update((array.astype("<f4") + np.float32(0)).tobytes())  # + 0 turns -0.0 into 0.0
        elif array.dtype.kind in "biu":
            digest.update(array.astype("<i8").tobytes())
        else:
            raise TypeError(f"a reference's argument of type {type(value).__name__} cannot be recorded")


def encode_result(value):
    """A reference's result as JSON-ready data (``decode_result`` turns it back)."""
    if isinstance(value, (tuple, list)):
        return {type(value).__name__: [encode_result(v) for v in value]}
    if isinstance(value, (np.ndarray, np.generic)):
        return {"array": np.asarray(value).tolist(), "dtype": value.dtype.str, "shape": list(np.shape(value)),
                "scalar": isinstance(value, np.generic)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a reference's result of type {type(value).__name__} cannot be recorded")


def decode_result(value):
    if isinstance(value, dict):
        if "tuple" in value or "list" in value:
            items = [decode_result(v) for v in value.get("tuple", value.get("list"))]
            return tuple(items) if "tuple" in value else items
        array = np.array(value["array"], dtype=value["dtype"]).reshape(value["shape"])
        return array[()] if value["scalar"] else array
    return value


def recorded(checker_file: str, name: str, arguments: tuple):
    """The result stored for reference ``name`` of the checker module at ``checker_file`` on ``arguments``.

    In the student edition this is the body of every reference function. ``NoRecord`` (a hint) when the
    edition holds no result for these inputs: the checks only ever call a reference on inputs of their own,
    so that happens only on a path the build did not try, after the answer already differs from the right one.
    """
    path = os.path.join(os.path.dirname(os.path.abspath(checker_file)), "recorded",
                        os.path.basename(checker_file).removesuffix(".py") + ".json")
    if path not in _RECORDS:
        try:
            with open(path, encoding="utf-8") as file:
                _RECORDS[path] = json.load(file)
        except (OSError, ValueError):
            _RECORDS[path] = {"results": {}}
    stored = _RECORDS[path]["results"].get(name, {}).get(argument_key(tuple(arguments)))
    if stored is None:
        raise NoRecord(f"your answer differs from the expected one, and this student edition has no stored result "
                       f"to say more ({name} was not recorded for this case): recheck your code against the "
                       "exercise's formula; your instructor's full course can name the slip")
    return decode_result(stored)
