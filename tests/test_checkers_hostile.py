"""Every exercise checker, attacked the way a hostile tester would (issue 12, section 1).

The checkers are found in ``utils/checks/nb*.py`` (any function made with ``@exercise``), and each one's
solution and stub are read from the notebooks' ``.py`` twins (the cells tagged ``solution`` and
``exercise``), so a new checker or a changed solution is covered without touching this file. Hypothesis
then builds bad answers of every kind from the solution (wrong type, complex, NaN/inf, empty, huge,
ragged, wrong shape, inputs changed in place, raising, never ending, returning None, off by a little) and
right answers in other clothes (lists, NumPy scalars, TensorFlow tensors). The properties:

- no exception escapes a checker, and no message is a "checking failed" (a checker bug);
- no bad answer passes, every solution passes, every stub says "not yet solved";
- when the student's code raised, the message names the student's own line;
- a function that never ends is stopped within the time limit, with a message that says so;
- a function that returns None is told it returned None, not that the exercise is unsolved;
- messages are short: no number printed with dozens of digits.

As a script it prints the counts without stopping at the first wrong verdict, also for another copy of
``utils`` (e.g. the checkers of an older commit), where a hanging answer is stopped by a watchdog:

    .venv/bin/python tests/test_checkers_hostile.py [--utils DIR]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import importlib
import io
import itertools  # noqa: F401 (used by the generated answers)
import linecache
import math
import numbers
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
if __name__ == "__main__":  # as a script: the utils to attack come first on the path
    _OTHER = sys.argv[sys.argv.index("--utils") + 1] if "--utils" in sys.argv else None
    sys.path[:0] = [str(Path(_OTHER).resolve())] if _OTHER else []
    sys.path.insert(1 if _OTHER else 0, str(ROOT))
EXAMPLES = 30  # bad answers of each kind per checker (the bar)
HANG_LIMIT = 0.005  # seconds: the time limit while a never-ending answer is tried
SLACK = 3.0  # seconds a check may take beyond its time limit (setting up Keras inputs, a loaded machine)
KINDS = ["wrong_type", "complex", "nan_inf", "empty", "huge", "ragged", "wrong_shape", "mutating", "raising",
         "hanging", "returns_none", "off_by_small"]
RECORD_ONLY = False  # the script sets it: count wrong verdicts instead of failing at the first
WATCHDOG = 0.0  # the script sets it for old checkers that have no time limit of their own
TALLY = collections.Counter()  # (kind, outcome) -> count
PROBLEMS: list[str] = []


# ------------------------------------------------------------------------------------------------ discovery


def checkers():
    """``{"nb04.check_psnr": checker}`` for every ``@exercise`` function of ``utils/checks/nb*.py``."""
    found = {}
    for path in sorted((ROOT / "utils" / "checks").glob("nb[0-9][0-9].py")):
        module = importlib.import_module(f"utils.checks.{path.stem}")
        for name, obj in vars(module).items():
            if callable(obj) and hasattr(obj, "title") and getattr(obj, "__module__", "") == module.__name__:
                found[f"{path.stem}.{name}"] = obj
    return found


class Exercise:
    """One checker with the notebook's solution and stub for it."""

    def __init__(self, key, notebook, function, solution_source, stub_source):
        self.key, self.notebook, self.function = key, notebook, function
        self.solution_source, self.stub_source = solution_source, stub_source

    def __repr__(self):
        return self.key


def exercises():
    """Pair each checker call in a notebook with the stub and solution cells that define its argument."""
    import jupytext

    found = {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        cells = jupytext.read(path).cells
        for i, cell in enumerate(cells):
            if cell.cell_type != "code" or cell.metadata.get("tags"):
                continue
            for match in re.finditer(r"\b(check_\w+)\(\s*(\w+)\s*\)", cell.source):
                checker, function = match.groups()
                defines = re.compile(rf"^def {function}\(", re.M)
                before = [c for c in cells[:i] if defines.search(c.source)]
                solution = [c.source for c in before if "solution" in c.metadata.get("tags", [])]
                stub = [c.source for c in before if "exercise" in c.metadata.get("tags", [])]
                key = f"nb{path.name[:2]}.{checker}"
                if solution and stub:
                    found[key] = Exercise(key, path.name, function, solution[-1], stub[-1])
    return found


def namespace(source=""):
    """The names a notebook's exercise cells use (NumPy always; Keras, TensorFlow, pandas when named)."""
    import pandas as pd

    from utils.gpt import merge_pair as course_merge

    names = {"np": np, "math": math, "pd": pd, "time": time, "itertools": itertools, "sys": sys,
             "course_merge": course_merge}
    if re.search(r"\b(keras|layers|tf)\b", source):
        import keras
        import tensorflow as tf

        names.update(keras=keras, layers=keras.layers, tf=tf)
    return names


CELLS = "/tmp/ipykernel_hostile/"  # where the generated cells "live", as ipykernel's cells live in /tmp


def define(source, function, extra=None, cell="cell"):
    """Run ``source`` as a notebook cell would (a file name like ipykernel's, its lines in linecache)."""
    names = namespace(source) | (extra or {})
    exec(_compiled(source, cell), names)  # noqa: S102 (the course's own notebook cells)
    return names[function]


@functools.cache
def _compiled(source, cell):
    filename = f"{CELLS}{cell}_{abs(hash(source))}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return compile(source, filename, "exec")


# ------------------------------------------------------------------------------------------------ running


def verdict(checker, answer, limit=None):
    """``(passed, message, seconds, escaped)`` of one check, with the time limit set to ``limit``."""
    from utils import exercises as framework

    old_limit = getattr(framework, "TIME_LIMIT", None)
    if limit is not None:
        framework.TIME_LIMIT = limit
    out, escaped, passed = io.StringIO(), None, None
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), _watchdog():
            passed = checker(answer)
    except _Hung:
        escaped = "hung (stopped by the watchdog)"
    except BaseException as error:  # noqa: BLE001 (whatever escapes is the finding)
        escaped = f"{type(error).__name__}: {error}"
    finally:
        framework.TIME_LIMIT = old_limit
    return passed, out.getvalue(), time.perf_counter() - start, escaped


class _Hung(BaseException):
    pass


@contextlib.contextmanager
def _watchdog():
    """For checkers without a time limit of their own: stop the generated answers' Python lines after WATCHDOG s."""
    if not WATCHDOG:
        yield
        return
    deadline = time.monotonic() + WATCHDOG

    def on_line(frame, event, arg):
        if time.monotonic() > deadline:
            raise _Hung
        return on_line

    def on_call(frame, event, arg):
        return on_line if frame.f_code.co_filename.startswith(CELLS) else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


def judge(kind, key, passed, message, seconds, escaped, expect=None, limit=10.0):
    """Record the outcome of one bad answer; return the list of what went wrong."""
    problems = []  # (cause, detail)
    if escaped:
        problems.append(("an exception escaped", escaped))
    elif passed is not False:
        problems.append(("a bad answer passed", "") if passed else ("the checker returned", repr(passed)))
    if "checking your answer failed" in message:
        problems.append(("the checker itself failed", ""))
    if seconds > limit + SLACK:
        problems.append(("over the time limit", f"{seconds:.1f} s against {limit:g} s"))
    if re.search(r"\d{25,}", message):
        problems.append(("a number printed with 25+ digits", ""))
    if "inhomogeneous" in message:
        problems.append(("NumPy's own error instead of a hint", ""))
    if "not yet solved" in message:
        problems.append(("an attempt called 'not yet solved'", ""))
    missing = [needle for needle in expect or [] if needle not in message]
    if missing:
        problems.append(("the message misses what it must say", repr(missing)))
    TALLY[(kind, "inputs")] += 1
    TALLY[(key, kind)] += 1
    for cause, _ in problems:
        TALLY[(kind, cause)] += 1
    if problems:
        TALLY[(kind, "wrong verdicts")] += 1
        TALLY[(key, kind, "wrong")] += 1
        PROBLEMS.append(f"{key} [{kind}]: {'; '.join(f'{c} {d}'.strip() for c, d in problems)} — "
                        f"{message.strip()[:300]!r}")
    return problems


def report(problems, key, kind, answer_source=""):
    if problems and not RECORD_ONLY:
        raise AssertionError(f"{key} [{kind}]: {problems}\n{PROBLEMS[-1]}\n{answer_source}")


# ------------------------------------------------------------------------------------------------ bad outputs

HUGE_INT = 10**400


def _numeric(value):
    return isinstance(value, (numbers.Number, np.ndarray, np.generic)) or (
        isinstance(value, list) and all(isinstance(v, numbers.Number) for v in value))


def _keras_kind(value):
    name = type(value).__name__
    if name == "KerasTensor":
        return "symbolic"
    if hasattr(value, "layers") and hasattr(value, "compile"):
        return "compiled" if getattr(value, "optimizer", None) is not None else "model"
    return None


def spoil(output, kind, p):
    """The solution's ``output`` made wrong in the way ``kind`` says, steered by the drawn parameters ``p``."""
    if isinstance(output, tuple) and output and not _numeric(output):
        index = p["leaf"] % len(output)
        return tuple(spoil(v, kind, p) if i == index else v for i, v in enumerate(output))
    if type(output).__name__ == "DataFrame":
        return _spoil_frame(output, kind, p)
    if _keras_kind(output):
        return _spoil_keras(output, kind, p)
    return _spoil_numbers(output, kind, p)


def _spoil_numbers(output, kind, p):
    integers = isinstance(output, list) or (isinstance(output, (int, np.integer)) and not isinstance(output, bool))
    a = np.asarray(output)
    if kind == "wrong_type":
        return p["junk"]
    if kind == "complex":
        spoilt = a.astype(complex) + 1j * p["imag"]
        return spoilt.tolist() if isinstance(output, list) else spoilt
    if kind == "nan_inf":
        b = a.astype(float).copy()
        if b.size == 0:
            return p["bad_float"]
        b.flat[p["leaf"] % b.size] = p["bad_float"]
        return b.tolist() if isinstance(output, list) else b
    if kind == "empty":
        return [[], (), np.zeros(0), np.zeros((0, 3)), {}][p["leaf"] % 5]
    if kind == "huge":
        variants = [HUGE_INT * p["sign"], [HUGE_INT] * max(a.size, 1), np.full(max(a.size, 1), HUGE_INT, dtype=object),
                    a.astype(float) * 1e300 + 1e300, 10 ** (309 + p["extra"])]
        return variants[p["leaf"] % len(variants)]
    if kind == "ragged":
        base = a.ravel().tolist() or [1.0]
        return [base, base + base[:1] * (1 + p["extra"])]
    if kind == "wrong_shape":
        if a.ndim == 0:
            return np.full(2 + p["extra"], a.item())
        variants = [np.concatenate([a.ravel(), a.ravel()[:1].repeat(1 + p["extra"])]) if a.size else np.ones(2),
                    np.stack([a, a]), a[:-1] if len(a) > 1 else np.concatenate([a, a])]
        spoilt = variants[p["leaf"] % 3]
        return spoilt.tolist() if isinstance(output, list) else spoilt
    if kind == "off_by_small":
        if a.size == 0:  # nothing to be off by here; the calls with something to return are spoilt
            return output
        if integers and p["leaf"] % 3 == 1:  # a whole number off by one somewhere
            b = a.astype(object).copy()
            b.flat[p["leaf"] % b.size] += 1
            return b.tolist()
        if integers and p["leaf"] % 3 == 2:  # whole numbers plus a fraction (int() would hide it)
            return (a + p["delta"] * 3.5).tolist()
        b = a.astype(float) * (1 + p["sign"] * p["delta"]) + p["sign"] * p["delta"]
        return b.tolist() if isinstance(output, list) else (float(b) if b.ndim == 0 else b)
    raise ValueError(kind)


def _spoil_frame(frame, kind, p):
    frame = frame.copy()
    column = frame.columns[-1]
    if kind == "empty":
        return frame.iloc[:0]
    if kind == "wrong_shape":
        return frame.iloc[:-1] if p["leaf"] % 2 else frame.iloc[[0, *range(len(frame))]]
    if kind == "ragged":
        frame[column] = [[1.0] * (i + 1) for i in range(len(frame))]
        return frame
    if kind == "wrong_type":
        frame[column] = [str(p["junk"])[:5]] * len(frame)
        return frame
    if kind == "huge":
        frame[column] = [HUGE_INT] * len(frame)
        return frame
    values = np.asarray(_spoil_numbers(frame[column].to_numpy(), kind, p))
    frame[column] = values if values.shape == (len(frame),) else np.resize(values, len(frame))
    return frame


def _spoil_keras(output, kind, p):
    import keras

    what = _keras_kind(output) if output is not None else None
    if what == "symbolic":
        if kind == "wrong_shape":
            return keras.layers.Concatenate()([output, output])
        if kind == "off_by_small":
            return output * (1 + p["sign"] * p["delta"]) + p["sign"] * max(p["delta"], 0.05)
        if kind == "nan_inf":
            return output * float("nan")
        if kind == "huge":
            return output * 1e300
    elif what == "compiled" and kind in ("off_by_small", "wrong_shape"):
        if kind == "wrong_shape":
            return [output, output]
        rate = float(keras.ops.convert_to_numpy(output.optimizer.learning_rate)) * (1 + p["sign"] * p["delta"])
        output.compile(optimizer=keras.optimizers.Adam(learning_rate=rate), loss=output.loss, metrics=["mse"])
        return output
    elif what == "model" and kind in ("off_by_small", "wrong_shape", "empty"):
        dense = [layer for layer in output.layers if isinstance(layer, keras.layers.Dense)]
        units = [layer.units for layer in dense]
        if kind == "empty":
            return keras.Sequential([])
        if kind == "wrong_shape":
            units[-1] += 1 + p["extra"] % 3
        else:
            units[p["leaf"] % max(len(units) - 1, 1)] += p["sign"] * (1 + p["extra"] % 8)
        activations = tuple(getattr(d.activation, "__name__", "linear") for d in dense)
        return _dense_model(tuple(units), activations, output.inputs[0].shape[-1])
    return _spoil_numbers(1.0, kind, p) if kind != "wrong_type" else p["junk"]


@functools.cache
def _dense_model(units, activations, width):
    """A Sequential of Dense layers (built once for each set of sizes: building is the slow part)."""
    import keras

    layers = [keras.layers.Dense(u, activation=a) for u, a in zip(units, activations)]
    return keras.Sequential([keras.Input(shape=(width,)), *layers])


def _same(a, b):
    """Whether two outputs of the solution are the same answer (to decide if a mutation changed anything)."""
    try:
        if isinstance(a, tuple) and isinstance(b, tuple):
            return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
        if type(a).__name__ == "DataFrame":
            return a.equals(b)
        if _keras_kind(a) or _keras_kind(b):
            return True  # cannot tell: count it as unchanged, so the answer is spoilt another way
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return x.shape == y.shape and np.allclose(x, y, rtol=1e-3, atol=1e-6, equal_nan=True)
    except Exception:  # noqa: BLE001
        return False


def _mutate(value, p):
    """Change one input in place; return whether anything could be changed."""
    if isinstance(value, np.ndarray) and value.size and value.flags.writeable:
        if value.dtype.kind == "f":
            if p["leaf"] % 2:
                value[...] = 0.0  # the issue's `eps[...] = 0`
            else:
                value *= 1.5 + p["delta"]
                value += p["delta"]
        elif value.dtype.kind in "iu":
            value += 1
        else:
            return False
        return True
    if isinstance(value, list):
        value.append(value[-1] if value else 1)
        return True
    if type(value).__name__ == "DataFrame":
        numeric = value.select_dtypes("number").columns
        for column in numeric:
            value[column] = value[column] * 2 + 1
        return len(numeric) > 0
    return False


# ------------------------------------------------------------------------------------------------ answers

def _junk(i):
    """The i-th answer of the wrong type: text, bytes, containers, objects, functions, a list of text."""
    return [str(i), f"{i / 7:.3g}", str(i).encode(), {str(i): i}, {i, i + 1}, object(), print, [str(i)] * (1 + i % 3),
            [Ellipsis], "nan", "[1, 2]", set(), {}][i % 13]


PARAMS = st.fixed_dictionaries({
    "leaf": st.integers(0, 1000), "extra": st.integers(0, 6), "sign": st.sampled_from([-1, 1]),
    "delta": st.floats(0.01, 0.2), "imag": st.floats(1e-6, 1e3).map(lambda x: x * (-1) ** int(x * 1e6)),
    "bad_float": st.sampled_from([math.nan, math.inf, -math.inf]), "junk": st.integers(0, 10**6).map(_junk),
})

RAISING = [  # a line that raises, as a student might write it: in Python, deep in NumPy or pandas, in utils
    "value = 1 / 0",
    "value = {'rooms': 1}['room']",
    "value = [1, 2, 3][7]",
    "value = np.reshape(np.arange(6), (4, 4))",
    "value = pd.DataFrame({'total_rooms': [1.0]})['total_room']",
    "value = np.linalg.inv(np.zeros((2, 2)))",
    "value = undefined_name + 1",
    "value = 'rooms' + 1",
    "value = int('seven')",
    "value = math.sqrt(-1.0)",
    "value = course_merge(5, (1, 2), 9)",
    "value = np.zeros(3) + np.zeros(4)",
    "value = np.concatenate([np.zeros((2, 2)), np.zeros((3, 3))])",
    "assert False, 'my own check'",
    "raise ValueError('my own message')",
    "raise SystemExit(1)",
]
HANGING = [  # a loop that never ends, as a student might write it
    ["while True:", "    pass"],
    ["i = 0", "while i < 10:", "    value = i  # forgot i += 1"],
    ["out, i = [], 0", "while i < 3:", "    out.append(i)"],
    ["for _ in itertools.count():", "    pass"],
    ["x = 1.0", "while x > 0:", "    x = x * 0.5 + 1e-300"],
    ["time.sleep(3600)"],
]


def _source(body, p, helper):
    """An answer's cell: a few lines of the student's own, then ``body``, then the solution's result."""
    pad = [f"step_{k} = {k}" for k in range(p["extra"] * 2)]
    if helper:
        lines = ["def helper(args):", *("    " + line for line in pad + body), "    return args", "",
                 "def answer(*args, **kwargs):", "    helper(args)", "    return solution(*args, **kwargs)"]
    else:
        lines = ["def answer(*args, **kwargs):", *("    " + line for line in pad + body),
                 "    return solution(*args, **kwargs)"]
    return "\n".join(lines) + "\n"


_REBUILT = ("off_by_small", "wrong_shape", "mutating", "empty")  # kinds whose spoilt Keras output needs the real one


def make_answer(kind, solution, p, helper=False, choice=0, output_kind=None):
    """A bad answer of the given kind built on the solution; returns ``(answer, source, expected words)``."""
    if kind == "raising":
        snippet = RAISING[choice % len(RAISING)]
        source = _source([snippet], p, helper)
        lineno = source.splitlines().index(" " * 4 + snippet) + 1
        return define(source, "answer", {"solution": solution}), source, [f"line {lineno}", snippet]
    if kind == "hanging":
        source = _source(HANGING[choice % len(HANGING)], p, helper)
        return define(source, "answer", {"solution": solution}), source, ["took longer than"]
    if kind == "returns_none":
        def answer(*args, **kwargs):
            result = solution(*args, **kwargs)
            if p["leaf"] % 2:
                print("my answer:", type(result).__name__)  # printed, not returned
        return answer, "", ["returned None"]
    if kind == "mutating":
        def answer(*args, **kwargs):
            pristine = solution(*copy_args(args), **kwargs)
            changed = [_mutate(a, p) for a in args]
            result = solution(*args, **kwargs)
            if not any(changed) or _same(result, pristine):  # the change made no difference: spoil the result
                result = spoil(result, "off_by_small", p)
            return result
        return answer, "", []

    if output_kind and kind not in _REBUILT:  # a Keras model or tensor replaced whole: no need to build it first
        def answer(*args, **kwargs):
            return _spoil_keras(None, kind, p)
        return answer, "", []

    def answer(*args, **kwargs):
        return spoil(solution(*args, **kwargs), kind, p)
    return answer, "", []


def copy_args(args):
    import copy

    return [a.copy() if hasattr(a, "copy") and not _keras_kind(a) else copy.copy(a) if isinstance(a, list) else a
            for a in args]


# ------------------------------------------------------------------------------------------------ the tests

_CHECKERS = checkers()
_EXERCISES = exercises()


@pytest.fixture(scope="module", autouse=True)
def _warm_keras():
    """Import Keras once, outside the timed checks."""
    import keras  # noqa: F401


@functools.cache
def _solution(key):
    exercise = _EXERCISES[key]
    solution = define(exercise.solution_source, exercise.function, cell=f"solution_{key}")
    if key in _MODEL_BUILDERS:  # a function of whole numbers that builds a Keras model: build each model once
        return functools.cache(solution)
    return solution


def test_every_checker_has_a_solution_and_a_stub_in_its_notebook():
    missing = sorted(set(_CHECKERS) - set(_EXERCISES))
    assert not missing, f"checkers that no notebook calls with a solution and a stub cell: {missing}"
    assert len(_CHECKERS) >= 28


@pytest.mark.parametrize("key", sorted(_CHECKERS))
def test_solution_passes_and_stub_is_not_yet_solved(key):
    checker, exercise = _CHECKERS[key], _EXERCISES[key]
    for _ in range(3):  # some solutions draw random numbers
        passed, message, _, escaped = verdict(checker, _solution(key))
        assert passed is True and not escaped, f"{key}: the notebook's solution fails: {message}{escaped or ''}"
    stub = define(exercise.stub_source, exercise.function, cell=f"stub_{key}")
    for answer in (stub, None, ...):
        passed, message, _, escaped = verdict(checker, answer)
        assert passed is False and "not yet solved" in message and not escaped, f"{key}: {answer!r}: {message}"


def _as_other_type(output, style):
    """The same right answer as a list, a NumPy scalar, or a TensorFlow tensor."""
    import tensorflow as tf

    if isinstance(output, tuple) and not _numeric(output):
        return [_as_other_type(v, style) for v in output]
    if not _numeric(output):
        return output
    a = np.asarray(output)
    if style == "list":
        return a.tolist()
    if style == "numpy":
        return a[()] if a.ndim == 0 else a
    dtype = tf.bool if a.dtype.kind == "b" else tf.int64 if a.dtype.kind in "iu" else tf.float64
    if a.size == 0 and isinstance(output, list):
        dtype = tf.int64
    return tf.constant(a, dtype=dtype)


@pytest.mark.parametrize("key", sorted(_CHECKERS))
def test_right_answers_in_other_types_pass(key):
    checker, solution = _CHECKERS[key], _solution(key)
    for style in ("list", "numpy", "tensor"):
        def answer(*args, _style=style, **kwargs):
            return _as_other_type(solution(*args, **kwargs), _style)
        passed, message, _, escaped = verdict(checker, answer)
        assert passed is True and not escaped, f"{key}: the solution as a {style} fails: {message}{escaped or ''}"


_OUTPUT_KINDS: dict[str, str | None] = {}
_MODEL_BUILDERS: set[str] = set()


def _output_kind(key):
    """Whether the solution returns a Keras model or symbolic tensor (found once, by running the check)."""
    if key not in _OUTPUT_KINDS:
        solution, seen = _solution(key), []

        def probe(*args, **kwargs):
            result = solution(*args, **kwargs)
            seen.append(_keras_kind(result))
            return result

        verdict(_CHECKERS[key], probe)
        _OUTPUT_KINDS[key] = seen[0] if seen else None
        if _OUTPUT_KINDS[key] == "model":
            _MODEL_BUILDERS.add(key)
            _solution.cache_clear()
    return _OUTPUT_KINDS[key]


def _attack(key, kind, p, helper, choice):
    checker, solution = _CHECKERS[key], _solution(key)
    answer, source, expect = make_answer(kind, solution, p, helper, choice, _output_kind(key))
    limit = HANG_LIMIT if kind == "hanging" else 10.0
    passed, message, seconds, escaped = verdict(checker, answer, limit=limit)
    problems = judge(kind, key, passed, message, seconds, escaped, expect, limit)
    report(problems, key, kind, source)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", sorted(_CHECKERS))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(p=PARAMS, helper=st.booleans(), choice=st.integers(0, 1000))
def test_bad_answers_never_pass(key, kind, p, helper, choice):
    if kind == "hanging" and HANGING[choice % len(HANGING)][0].startswith("time.sleep"):
        from utils import exercises as framework

        if WATCHDOG or not framework._alarm_usable():
            choice = 0  # without SIGALRM nothing stops a sleep: try a loop instead
    _attack(key, kind, p, helper, choice)


def test_counts(capsys):
    """Print how many inputs each kind got and how many wrong verdicts (0 is the bar)."""
    if not TALLY:
        pytest.skip("no attack ran in this process")
    with capsys.disabled():
        print("\n" + summary())
    few = {f"{key} [{kind}]": TALLY[(key, kind)] for key in _CHECKERS for kind in KINDS
           if 0 < TALLY[(key, kind)] < EXAMPLES}
    assert not few, f"fewer than {EXAMPLES} bad answers: {few}"
    assert sum(TALLY[(kind, "wrong verdicts")] for kind in KINDS) == 0, PROBLEMS[:5]


COLUMNS = {  # the causes judge() records, grouped as the report shows them
    "passed": ["a bad answer passed", "the checker returned"],
    "crashed": ["an exception escaped", "the checker itself failed"],
    "unhelpful": ["the message misses what it must say", "an attempt called 'not yet solved'",
                  "a number printed with 25+ digits", "NumPy's own error instead of a hint"],
    "too slow": ["over the time limit"],
}


def summary():
    """A table: per kind of bad answer, how many were tried and how many got each kind of wrong verdict."""
    lines = [f"{'kind':>13} {'inputs':>7} {'wrong':>6} " + " ".join(f"{c:>9}" for c in COLUMNS)]
    for kind in [*KINDS, "total"]:
        kinds = KINDS if kind == "total" else [kind]

        def count(cause, kinds=kinds):
            return sum(TALLY[(k, cause)] for k in kinds)

        columns = " ".join(f"{sum(count(c) for c in causes):9d}" for causes in COLUMNS.values())
        lines.append(f"{kind:>13} {count('inputs'):7d} {count('wrong verdicts'):6d} {columns}")
    lines.append(f"({len(_CHECKERS)} checkers; 'wrong': inputs with any wrong verdict, which may have several)")
    return "\n".join(lines)


def main():
    global RECORD_ONLY, WATCHDOG
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--utils", help="the directory that holds another copy of utils/ to attack")
    parser.add_argument("--watchdog", type=float, default=5.0, help="seconds before a hanging check is stopped")
    parser.add_argument("--show", type=int, default=15, help="how many wrong verdicts to print")
    args = parser.parse_args()
    import utils

    print(f"attacking the checkers of {Path(utils.__file__).parent}")
    WATCHDOG = args.watchdog if args.utils else 0.0
    RECORD_ONLY = True
    import keras  # noqa: F401

    start = time.perf_counter()
    for key in sorted(_CHECKERS):
        exercise = _EXERCISES[key]
        for answer_kind, answer in (("solution", _solution(key)),
                                    ("stub", define(exercise.stub_source, exercise.function))):
            passed, message, _, escaped = verdict(_CHECKERS[key], answer)
            TALLY[(answer_kind, "inputs")] += 1
            right = passed is True if answer_kind == "solution" else "not yet solved" in message
            if not right or escaped:
                TALLY[(answer_kind, "wrong verdicts")] += 1
                PROBLEMS.append(f"{key} [{answer_kind}]: {message.strip()[:200]!r} {escaped or ''}")
        try:
            test_right_answers_in_other_types_pass(key)
            TALLY[("other types", "inputs")] += 3
        except AssertionError as error:
            TALLY[("other types", "inputs")] += 3
            TALLY[("other types", "wrong verdicts")] += 1
            PROBLEMS.append(f"{key} [right answer as list/NumPy/tensor]: {str(error)[:250]}")
        for kind in KINDS:
            test_bad_answers_never_pass(key=key, kind=kind)
    print(summary())
    for answer_kind in ("solution", "stub", "other types"):
        print(f"{answer_kind:>13} {TALLY[(answer_kind, 'inputs')]:7d} {TALLY[(answer_kind, 'wrong verdicts')]:6d}")
    print(f"{time.perf_counter() - start:.0f} s\nwrong verdicts per checker:")
    for key in sorted(_CHECKERS):
        wrong = {kind: TALLY[(key, kind, "wrong")] for kind in KINDS if TALLY[(key, kind, "wrong")]}
        print(f"  {key}: {', '.join(f'{k} {n}' for k, n in wrong.items()) or '0'}")
    for problem in PROBLEMS[: args.show]:
        print(" -", problem)


if __name__ == "__main__":
    main()
