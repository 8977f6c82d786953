"""The student edition runs top to bottom in smoke mode with every exercise unsolved, from its own folder.

The edition is built once (``tools/build_student.py``, as ``make student`` does) into a scratch folder, and
each of its notebooks runs there: its setup cell finds the edition's own ``utils`` (whose checkers look
answers up in recorded results) and data, never the full course's.
"""

import nbformat
import pytest
from build_student import build
from course import notebook_names
from nbclient import NotebookClient

from utils.env import artifacts_dir


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("edition") / "student"
    build(out)
    return out


@pytest.mark.parametrize("name", notebook_names())
def test_student_version_runs_unsolved(name, edition, monkeypatch):
    student = nbformat.read(edition / "notebooks" / f"{name}.ipynb", as_version=4)
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    exercises = sum("exercise" in c.metadata.get("tags", []) for c in student.cells)
    monkeypatch.setenv("COURSE_MODE", "smoke")
    # the real artifacts/ (caches such as the evaluation classifier), not the edition's own
    monkeypatch.setenv("COURSE_ARTIFACTS", str(artifacts_dir()))
    metrics = artifacts_dir("smoke") / name / "metrics.json"
    metrics.unlink(missing_ok=True)
    student.cells.append(nbformat.v4.new_code_cell("print('utils from', utils.__file__)"))
    NotebookClient(student, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(edition / "notebooks")}}).execute()
    text = "".join(o.get("text", "") for c in student.cells if c.cell_type == "code" for o in c.outputs)
    assert f"utils from {edition / 'utils'}" in text, "the notebook should run on the edition's own utils"
    assert text.count("not yet solved") >= exercises, "each exercise's checker should report 'not yet solved'"
    assert "correct!" not in text, "an exercise passed without its solution"
    assert metrics.exists(), "the student version should still write its metrics"
