"""The student version runs top to bottom in smoke mode with every exercise unsolved."""

import nbformat
import pytest
from build_student import student_version
from course import NOTEBOOKS, notebook_names
from nbclient import NotebookClient

from utils.env import artifacts_dir


@pytest.mark.parametrize("name", notebook_names())
def test_student_version_runs_unsolved(name, monkeypatch):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    student = student_version(nb)
    assert not any("solution" in c.metadata.get("tags", []) for c in student.cells)
    exercises = sum("exercise" in c.metadata.get("tags", []) for c in student.cells)
    monkeypatch.setenv("COURSE_MODE", "smoke")
    metrics = artifacts_dir("smoke") / name / "metrics.json"  # the real artifacts/: caches such as the classifier
    metrics.unlink(missing_ok=True)
    NotebookClient(student, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    text = "".join(o.get("text", "") for c in student.cells if c.cell_type == "code" for o in c.outputs)
    assert text.count("not yet solved") >= exercises, "each exercise's checker should report 'not yet solved'"
    assert "correct!" not in text, "an exercise passed without its solution"
    assert metrics.exists(), "the student version should still write its metrics"
