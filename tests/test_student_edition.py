"""The student edition (``make student``) holds no answers, and its checkers judge as the full course's do.

Built once into a scratch folder: no solution cell's distinctive line and no reference function's body
anywhere in it; badges and setup cells point at the student repository; its checkers, which look answers up
in the recorded results, give the same verdict and message as the full checkers on each notebook's solution
and stub and on every slip that ``tests/test_checks_nbNN.py`` tries; a lookup that finds nothing is a hint,
never a crash. The verdicts are computed in two fresh interpreters, one importing the course's ``utils``, the
other the edition's (this file run as a script: ``python tests/test_student_edition.py --verdicts ROOT nb02``).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
MIN_LINE = 16  # characters: shorter lines (`return x`, `z = x @ W + b`) are not distinctive enough to count
MISS = "no stored result"  # what NoRecord says
TEXT = {".py", ".ipynb", ".md", ".txt", ".json", ".toml", ".yml", ".yaml", ".csv", ".cfg", ".ini", ""}


# ------------------------------------------------------------------------------------------------ as a script


def _verdicts(root: Path, modules: list[str]) -> list:
    """``[module, label, status, message]`` for the solution, the stub and every parametrized slip of each module."""
    sys.path[:0] = [str(root), str(TESTS)]
    import utils.exercises  # first, so that course.py (which puts the course's root on the path) cannot shadow it

    sys.path.append(str(ROOT / "tools"))
    import importlib

    import jupytext
    from course import exercises_of

    utils.exercises.TIME_LIMIT = 3.0  # a hanging slip costs 3 s on each side, not 10
    rows = []
    for module in modules:
        checks = importlib.import_module(f"utils.checks.{module}")
        references = [name for name, obj in vars(checks).items() if getattr(obj, "is_reference", False)]
        using = {name for name, obj in vars(checks).items() if hasattr(obj, "verdict") and re.search(
            rf"\b({'|'.join(references)})\(", _source(getattr(obj, "__wrapped__", obj)))}  # the others are alike
        notebook = next((ROOT / "notebooks").glob(f"{module[2:]}_*.py"))
        cells = jupytext.read(notebook).cells
        for entry in exercises_of(notebook.stem, cells):
            if entry["checker"] not in using or entry["solution"] is None:
                continue
            checker = getattr(checks, entry["checker"])
            for kind, index in (("solution", entry["solution"]), ("stub", entry["cell"])):
                answer = _define(cells[index].source, entry["argument"], f"{module}_{kind}")
                rows.append([module, f"{entry['checker']} {kind}", *checker.verdict(answer)])
        tests = importlib.import_module(f"test_checks_{module}")
        for test_name, test in sorted(vars(tests).items()):
            called = set(re.findall(rf"\b{module}\.(check_\w+)\b", _source(test))) if test_name.startswith(
                "test_") else set()
            if len(called) != 1 or not called <= using:
                continue
            checker = getattr(checks, called.pop())
            for mark in getattr(test, "pytestmark", []):
                names = [n.strip() for n in mark.args[0].split(",")] if mark.name == "parametrize" else []
                if "answer" not in names:
                    continue
                for i, values in enumerate(mark.args[1]):
                    answer = values[names.index("answer")] if len(names) > 1 else values
                    if re.search(r"\b(keras|tf)\.", _source(answer)):
                        continue  # the first Keras import takes seconds: timing, not the checker, would decide
                    rows.append([module, f"{test_name}[{i}]", *checker.verdict(answer)])
    return rows


def _define(source: str, function: str, cell: str):
    """Run a notebook cell's source as Jupyter would (a file name like ipykernel's, its lines in linecache)."""
    import linecache
    import math

    import numpy as np

    filename = f"/tmp/ipykernel_student/{cell}.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    names = {"np": np, "math": math}
    exec(compile(source, filename, "exec"), names)  # noqa: S102 (the course's own notebook cells)
    return names[function]


def _source(thing) -> str:
    try:
        return inspect.getsource(thing)
    except (TypeError, OSError):
        return ""


# ------------------------------------------------------------------------------------------------ the tests


def _edition(tmp_path_factory):
    from build_student import build

    out = tmp_path_factory.mktemp("edition") / "student"
    return out, build(out)


_BUILT: dict = {}


def edition(tmp_path_factory):
    if "out" not in _BUILT:
        _BUILT["out"], _BUILT["counts"] = _edition(tmp_path_factory)
    return _BUILT["out"], _BUILT["counts"]


def _corpus(out: Path) -> dict:
    """Every text in the edition, by path: the notebooks' cell sources, every other file that is text."""
    import nbformat

    texts = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or ".git" in path.parts:
            continue
        name = str(path.relative_to(out))
        if path.suffix == ".ipynb":
            texts[name] = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        elif path.suffix in TEXT:
            texts[name] = path.read_text(errors="ignore")
    return texts


def _lines(text: str) -> set:
    return {line.strip() for line in text.splitlines()}


def _distinctive(text: str, elsewhere: str) -> set:
    """Lines of ``text`` long enough to mean something that ``elsewhere`` does not hold."""
    return {line for line in _lines(text)
            if len(line) >= MIN_LINE and not line.startswith("#") and line not in elsewhere}


def _shared() -> str:
    """What the course shows anyway: every notebook cell but the solutions (hints included), and the library code
    of ``utils`` outside the checkers (a later section builds on it)."""
    import jupytext
    from build_student import converted_modules, reference_bodies

    parts = [c.source for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
             for c in jupytext.read(path).cells if "solution" not in c.metadata.get("tags", [])]
    parts += [path.read_text() for path in sorted((ROOT / "utils").rglob("*.py")) if "checks" not in path.parts]
    for source in converted_modules().values():  # a converted checker's own logic (its hints) ships as it is
        for body in reference_bodies(source).values():
            source = source.replace(body, "")
        parts.append(source)
    return "\n".join(parts)


def _search(out: Path, unconverted) -> dict:
    """Search the edition in ``out`` for distinctive solution lines and reference-body lines."""
    import jupytext
    from build_student import converted_modules, reference_bodies

    files = _corpus(out)
    shared = _shared()
    result = {"solution_lines": 0, "leaked": [], "pending": [], "bodies": 0, "body_lines": 0, "found": []}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        cells = jupytext.read(path).cells
        solutions = [c.source for c in cells if "solution" in c.metadata.get("tags", [])]
        for line in _distinctive("\n".join(solutions), shared):
            result["solution_lines"] += 1
            where = [name for name, text in files.items() if line in text]
            pending = [w for w in where if Path(w).parent.name == "checks" and Path(w).stem in unconverted]
            if where:  # a checker not yet converted still holds its reference: known, listed, not failed
                result["pending" if where == pending else "leaked"].append(f"{path.stem}: {line} ({', '.join(where)})")
    corpus = "\n".join(files.values())
    for module, source in converted_modules().items():
        for name, body in reference_bodies(source).items():
            lines = _distinctive(body, source.replace(body, "") + shared)
            result["bodies"] += 1
            result["body_lines"] += len(lines)
            result["found"] += [f"{module}.{name}: {line}" for line in lines if line in corpus]
    return result


def test_no_solution_line_and_no_reference_body_in_the_edition(tmp_path_factory):
    import nbformat

    out, counts = edition(tmp_path_factory)
    found = _search(out, counts["unconverted"])
    print(f"\nstudent edition: {found['solution_lines']} distinctive solution lines searched, {len(found['leaked'])} "
          f"leaked, {len(found['pending'])} more in checkers not yet converted; {found['bodies']} reference bodies "
          f"({found['body_lines']} lines) searched, {len({f.split(':')[0] for f in found['found']})} found "
          f"({len(found['found'])} lines); checkers converted: {', '.join(counts['converted'])}; "
          f"not yet: {', '.join(counts['unconverted'])}")
    for line in found["pending"]:
        print("  not yet converted:", line)
    assert found["solution_lines"] > 20 and found["bodies"] > 10, "the search found too little to search for"
    assert not found["leaked"], "solution lines in the student edition:\n" + "\n".join(found["leaked"])
    assert not found["found"], "reference bodies in the student edition:\n" + "\n".join(found["found"])
    tags = [c.metadata.get("tags", []) for p in (out / "notebooks").glob("*.ipynb")
            for c in nbformat.read(p, as_version=4).cells]
    assert not any("solution" in t for t in tags)


def test_the_search_finds_a_planted_answer(tmp_path):
    """The search can fail: a full checker module and a solution cell put into an edition are found."""
    import jupytext
    import nbformat
    from build_student import converted_modules

    module, source = next(iter(converted_modules().items()))
    (tmp_path / "utils" / "checks").mkdir(parents=True)
    (tmp_path / "utils" / "checks" / f"{module}.py").write_text(source)  # not stripped
    notebook = next((ROOT / "notebooks").glob(f"{module[2:]}_*.py"))
    solution = next(c.source for c in jupytext.read(notebook).cells if "solution" in c.metadata.get("tags", []))
    (tmp_path / "notebooks").mkdir()
    planted = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(solution)])
    nbformat.write(planted, tmp_path / "notebooks" / "x.ipynb")
    found = _search(tmp_path, [])
    assert found["leaked"] and found["found"], found


def test_edition_points_at_the_student_repository(tmp_path_factory):
    import nbformat
    from course import config

    out, _ = edition(tmp_path_factory)
    cfg = config()
    full, student = cfg["repo_url"], cfg["student_repo_url"]
    assert full != student
    for path in sorted((out / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        setup = [c.source for c in cells if "setup" in c.metadata.get("tags", [])]
        assert len(setup) == 1 and f'REPO_URL = "{student}"' in setup[0], path.name
        badge = student.removeprefix("https://github.com/") + f"/blob/{cfg.get('student_branch', 'main')}/notebooks/"
        assert badge + path.name in cells[0].source, f"{path.name}: its badge should open the student edition"
        assert full + '"' not in "".join(c.source for c in cells), f"{path.name} still names the full repository"
    for needed in ("utils/__init__.py", "data/SHA256SUMS", "requirements.txt", "README.md"):
        assert (out / needed).exists(), needed
    readme = (out / "README.md").read_text()
    assert "key" in readme and "instructors" in readme
    dead = []  # relative links must work inside the edition alone (no slides, no CONTRIBUTING there)
    for path in [out / "README.md", *sorted((out / "notebooks").glob("*.ipynb"))]:
        text = readme if path.suffix == ".md" else "\n".join(
            c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
        for link in re.findall(r"\]\(([^)\s]+)\)", text):
            if not re.match(r"[a-z]+:|#", link) and not (path.parent / link.split("#")[0]).exists():
                dead.append(f"{path.name}: {link}")
    assert not dead, dead


def test_student_checkers_judge_as_the_full_ones(tmp_path_factory):
    out, counts = edition(tmp_path_factory)
    modules = counts["converted"]
    runs = {side: subprocess.Popen([sys.executable, __file__, "--verdicts", str(root), *modules], text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=TESTS,
                                   env=dict(os.environ, COURSE_MODE="smoke"))
            for side, root in (("full", ROOT), ("student", out))}  # side by side: two fresh interpreters
    sides = {}
    for side, run in runs.items():
        stdout, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr[-3000:]
        sides[side] = {(m, label): (status, message)
                       for m, label, status, message in json.loads(stdout.strip().splitlines()[-1])}
    full, student = sides["full"], sides["student"]
    assert full.keys() == student.keys()
    status_differ = [k for k in full if full[k][0] != student[k][0]]
    message_differ = [k for k in full if full[k][1] != student[k][1]]
    misses = [k for k in student if MISS in student[k][1]]
    statuses = {s: sum(v[0] == s for v in full.values()) for s in ("passed", "not solved", "wrong")}
    print(f"\nverdicts compared: {len(full)} ({statuses}) in {', '.join(modules)}; status differs: "
          f"{len(status_differ)}, message differs: {len(message_differ)}; lookup misses: {len(misses)}")
    assert len(full) > 50 and statuses["passed"] >= len(modules) and statuses["not solved"] >= len(modules)
    again = "; after changing a checker or its tests, run `python tools/build_student.py --record " + " ".join(
        sorted({k[0] for k in status_differ + misses + message_differ})) + "` and commit utils/checks/recorded/"
    assert not status_differ, f"{[(k, full[k], student[k]) for k in status_differ[:5]]}{again}"
    assert not misses, f"{[(k, student[k]) for k in misses[:5]]}{again}"
    assert not message_differ, f"{[(k, full[k], student[k]) for k in message_differ[:5]]}{again}"


def test_a_lookup_miss_is_a_hint_not_a_crash(tmp_path_factory):
    import numpy as np

    from utils.exercises import WRONG, NoRecord, exercise, recorded

    out, counts = edition(tmp_path_factory)
    checker_file = str(out / "utils" / "checks" / f"{counts['converted'][0]}.py")
    try:
        recorded(checker_file, "no_such_reference", (np.arange(3.0),))
    except NoRecord as miss:
        assert MISS in str(miss)
    else:
        raise AssertionError("a lookup that finds nothing should raise NoRecord")

    @exercise("Exercise 9 · a check whose recording lacks a case")
    def check_missing(answer):
        recorded(checker_file, "no_such_reference", (answer,))

    status, message = check_missing.verdict(1.5)
    assert status == WRONG and MISS in message and "Traceback" not in message, message


if __name__ == "__main__" and sys.argv[1:2] == ["--verdicts"]:
    print(json.dumps(_verdicts(Path(sys.argv[2]), sys.argv[3:])))


def test_references_are_counted_in_the_syntax_tree_not_the_text():
    sys.path.insert(0, str(ROOT / "tools"))
    import pytest
    from build_student import strip_references

    source = ('"""Answers come from functions marked ``@reference``."""\n'
              "from utils.exercises import reference\n\n\n"
              "@reference\ndef _answer(x):\n    return 2 * x\n")
    stripped = strip_references(source)
    assert "2 * x" not in stripped and "recorded(__file__, '_answer', (x,))" in stripped
    nested = source + "\n\ndef outer():\n    @reference\n    def inner(y):\n        return y\n    return inner\n"
    with pytest.raises(SystemExit, match="top-level"):
        strip_references(nested)
