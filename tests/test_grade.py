"""``make grade`` on a synthetic class (issue 14, section 3): every kind of submission gets exactly its score.

The class is built from notebook 02's own exercise, solution and checker cells (pure NumPy checkers), as the
student edition would be handed in: solution cells removed, exercise cells filled in (or not). Each broken
submission must cost only what it breaks, never the batch.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grade  # noqa: E402
import nav  # noqa: E402
from course import exercises_of  # noqa: E402

NAME = "02_iris_classification"


def course_notebook():
    nb = jupytext.read(ROOT / "notebooks" / f"{NAME}.py")
    nav.write_exercises(NAME, nb.cells)  # the id/points metadata nav.py writes into the .ipynb
    return nb


def student(filled=(), edit=None):
    """The student edition of 02 with the exercises in ``filled`` answered by the course's solution."""
    nb = course_notebook()
    found = exercises_of(NAME, nb.cells)
    solutions = {e["id"]: nb.cells[e["solution"]].source for e in found}
    for e in found:
        if e["id"] in filled:
            nb.cells[e["cell"]].source = solutions[e["id"]]
    nb.cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    if edit:
        edit(nb)
    return nb


def exercise_cell(nb, suffix):
    return next(c for c in nb.cells if c.metadata.get("exercise", {}).get("id", "").endswith(suffix)
                and "exercise" in c.metadata.get("tags", []))


def replace(suffix, source):
    def edit(nb):
        exercise_cell(nb, suffix).source = source
    return edit


HANG = ("def softmax(z):\n    while True:\n        try:\n            pass\n"
        "        except BaseException:\n            pass\n")  # swallows the first alarms; a repeated one stops it
HUGE = ("import numpy as np\n\ndef cross_entropy(logits, labels):\n"
        "    return np.ones(3 * 2**27).sum()  # 3 GiB: over the 2 GiB limit\n")


VANDAL = ("import shutil\ntry:\n    open({decoy!r} + '/x', 'w')\nexcept PermissionError:\n    pass\n"
          "shutil.rmtree({decoy!r})\n")


def reorder(nb):  # exercise 3's cell moved to the top, exercise 1's to the end, tags and metadata kept
    cells = [exercise_cell(nb, "precision_and_recall"), exercise_cell(nb, "softmax")]
    rest = [c for c in nb.cells if c not in cells]
    nb.cells = rest[:2] + cells[:1] + rest[2:] + cells[1:]


def lost_metadata(nb):  # the answer pasted into a new, untagged cell; the stub left as it was
    cell = exercise_cell(nb, "cross_entropy")
    solved = student(filled=IDS)
    new = nbformat.v4.new_code_cell(exercise_cell(solved, "cross_entropy").source)
    nb.cells.insert(nb.cells.index(cell) + 1, new)


# every exercise of 02, those written after this test included; the three the broken answers aim at
MAX = {e["id"]: e["points"] for e in exercises_of(NAME, course_notebook().cells)}
IDS = list(MAX)
SOFTMAX, CROSS_ENTROPY, RECALL = "nb02.softmax", "nb02.cross_entropy", "nb02.precision_and_recall"

# student -> (how the submission is made, the exercises expected to score 0 although filled in)
CLASS = {
    "all_solved": (dict(filled=IDS), []),
    "none_solved": (dict(filled=[]), IDS),
    "half_solved": (dict(filled=IDS[::2]), IDS[1::2]),
    "hanging": (dict(filled=IDS, edit=replace("softmax", HANG)), [SOFTMAX]),
    "top_level_loop": (dict(filled=IDS, edit=replace("softmax", "while True:\n    pass\n")), [SOFTMAX]),
    "crashing": (dict(filled=IDS, edit=replace("cross_entropy", "import ctypes\nctypes.string_at(0)\n")),
                 [CROSS_ENTROPY]),
    "os_exit": (dict(filled=IDS, edit=replace("softmax", "import os\nos._exit(3)\n")), [SOFTMAX]),
    "sys_exit": (dict(filled=IDS, edit=replace("precision_and_recall", "import sys\nsys.exit('bye')\n")), [RECALL]),
    "huge_allocation": (dict(filled=IDS, edit=replace("cross_entropy", HUGE)), [CROSS_ENTROPY]),
    "renamed": (dict(filled=IDS, edit=replace("softmax", "def soft_max(z):\n    return z\n")), [SOFTMAX]),
    "deleted": (dict(filled=IDS, edit=lambda nb: nb.cells.remove(exercise_cell(nb, "softmax"))), [SOFTMAX]),
    "reordered": (dict(filled=IDS, edit=reorder), []),
    "answer_in_new_cell": (dict(filled=[i for i in IDS if i != CROSS_ENTROPY], edit=lost_metadata), []),
    # deletes a folder outside its scratch folder (a decoy made by the test, never the repository) and writes there
    "vandal": (dict(filled=IDS, edit=replace("softmax", VANDAL)), [SOFTMAX]),
}


ANSWERED_IN_A_NEW_CELL = {"answer_in_new_cell": [CROSS_ENTROPY]}


def expected(name):
    how, zero = CLASS[name]
    answered = [*how["filled"], *ANSWERED_IN_A_NEW_CELL.get(name, [])]
    return [MAX[i] if i in answered and i not in zero else 0 for i in IDS]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    decoy = tmp_path_factory.mktemp("decoy")
    (decoy / "keep.txt").write_text("a file no submission may delete")
    for name, (how, _) in CLASS.items():
        nb = student(**how)
        for cell in nb.cells:
            cell.source = cell.source.replace("{decoy!r}", repr(str(decoy)))
        (folder / name).mkdir()
        nbformat.write(nb, folder / name / "my homework.ipynb")  # any name: the content says which notebook
    (folder / "invalid.ipynb").write_text(nbformat.writes(student(filled=IDS))[:3000])  # cut short
    (folder / "two_files").mkdir()
    nbformat.write(student(filled=IDS[:1]), folder / "two_files" / "first try.ipynb")
    nbformat.write(student(filled=IDS), folder / "two_files" / "final.ipynb")
    out = tmp_path_factory.mktemp("grades")
    start = time.perf_counter()
    rc = grade.main([str(folder), "--out", str(out), "--timeout", "10", "--startup", "30", "--memory", "2",
                     "--jobs", "2"])
    seconds = time.perf_counter() - start
    assert rc == 0
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    print(f"graded {len(CLASS) + 2} submissions in {seconds:.1f} s")
    return rows, out, decoy


def test_every_submission_gets_exactly_its_score(graded):
    rows, *_ = graded
    got = {(r["student"], r["exercise"]): int(r["points"]) for r in rows}
    for name in CLASS:
        assert [got.get((name, i)) for i in IDS] == expected(name), (
            name, [(r["exercise"], r["verdict"], r["message"]) for r in rows if r["student"] == name])
    assert [got.get(("two_files", i)) for i in IDS] == expected("all_solved")  # the better of two files counts
    invalid = [r for r in rows if r["student"] == "invalid"]
    assert [r["exercise"] for r in invalid] == IDS and all(r["points"] == "0" for r in invalid)
    assert all("not a notebook" in r["message"] for r in invalid)
    assert all(int(r["max_points"]) == MAX[r["exercise"]] and r["notebook"] == NAME for r in rows)
    assert sum(expected("all_solved")) == sum(MAX.values()) > 0 and sum(expected("half_solved")) > 0


def test_verdicts_say_what_went_wrong(graded):
    rows, *_ = graded
    said = {(r["student"], r["exercise"]): (r["verdict"], r["message"]) for r in rows}
    assert said["none_solved", "nb02.softmax"][0] == "not solved"
    assert said["hanging", "nb02.softmax"][0] == "wrong" and "took longer" in said["hanging", "nb02.softmax"][1]
    assert said["top_level_loop", "nb02.softmax"][0] == "timeout"
    crash = said["crashing", "nb02.cross_entropy"]
    assert crash[0] == "crashed" and "SIGSEGV" in crash[1]
    assert said["os_exit", "nb02.softmax"][0] == "crashed" and "exit code 3" in said["os_exit", "nb02.softmax"][1]
    assert "sys.exit" in said["sys_exit", "nb02.precision_and_recall"][1]
    assert "MemoryError" in said["huge_allocation", "nb02.cross_entropy"][1]
    assert said["renamed", "nb02.softmax"][0] == "missing" and "renamed" in said["renamed", "nb02.softmax"][1]
    assert said["deleted", "nb02.softmax"][0] == "missing"
    assert "does not let a submission change" in said["vandal", "nb02.softmax"][1]
    assert (graded[2] / "keep.txt").exists() and not (graded[2] / "x").exists()


def test_feedback_file_per_student(graded):
    rows, out, _ = graded
    students = {r["student"] for r in rows}
    assert {p.stem for p in (out / "feedback").glob("*.md")} == students
    text = (out / "feedback" / "half_solved.md").read_text()
    assert f"{sum(expected('half_solved'))} / {sum(MAX.values())} points" in text and "not yet solved" in text


def test_program_takes_only_the_setup_the_cell_needs():
    course = grade.Course()
    ex = next(e for e in course.exercises[NAME] if e["id"] == "nb02.softmax")
    program = grade.program_for(course, {**ex, "notebook": NAME}, "def softmax(z):\n    return np.exp(z)\n", [])
    setup = "".join(source for label, source in program if label == "course")
    assert "import numpy as np" in setup and "keras" not in setup


def test_nbgrader_export_carries_every_exercise_with_its_id_and_points(tmp_path):
    grade.export_nbgrader(tmp_path)
    course = grade.Course()
    for name in course.names:
        nb = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
        meta = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
        solutions = {m["grade_id"] for m in meta if m["solution"]}
        tests = {m["grade_id"]: m["points"] for m in meta if m["grade"]}
        want = {e["id"]: e["points"] for e in course.exercises[name] if e["solution"] is not None}
        assert solutions == set(want) and tests == {f"{i}_test": p for i, p in want.items()}, name
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("solution"):
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
                compile(cell.source, name, "exec")
            if cell.metadata.get("nbgrader", {}).get("grade"):
                assert re.search(r"^assert .*check_\w+\(\w+\)", cell.source, flags=re.M)


def test_points_read_by_nav_are_the_checkers_own():
    """nav.py reads id and points from the checkers' source; they must be what the imported checker carries."""
    import importlib

    from course import checkers_of

    compared = 0
    for path in sorted((ROOT / "utils" / "checks").glob("nb[0-9][0-9].py")):
        if {"keras", "tensorflow"} & grade._imports(path, set()):
            continue  # the same code path; not worth importing TensorFlow for
        module = importlib.import_module(f"utils.checks.{path.stem}")
        for name, info in checkers_of(path.stem).items():
            checker = getattr(module, name)
            assert (checker.id, checker.points, checker.title) == (info["id"], info["points"], info["title"])
            compared += 1
    assert compared >= 10
