"""The instructor guide is written from the notebooks and tools/course_plan.toml, and kept up to date."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import instructors  # noqa: E402


def test_guide_is_up_to_date():
    result = subprocess.run([sys.executable, "tools/instructors.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_notebook_is_planned_and_every_exercise_has_points():
    text = instructors.render()
    for name in instructors.notebook_names():
        assert f"### {name[:2]} · " in text, f"{name} has no section in the guide"
    import nbformat
    for name in instructors.notebook_names():
        nb = nbformat.read(instructors.NOTEBOOKS / f"{name}.ipynb", as_version=4)
        for exercise in instructors.exercises(nb, name):
            assert exercise["points"], f"{name}: {exercise['heading']} has no points in its cell metadata"
            assert exercise["checker"], f"{name}: {exercise['heading']} is followed by no checker call"


def test_agenda_naming_a_missing_notebook_is_refused(tmp_path, monkeypatch):
    plan = instructors.plan()
    plan["agendas"]["half_day"]["items"].append("99")
    monkeypatch.setattr(instructors, "plan", lambda: plan)
    with pytest.raises(SystemExit, match="names notebook 99"):
        instructors.render()


def test_hints_are_read_from_the_checkers():
    hints = instructors.hint_messages("nb02")
    assert any("axis" in message for message in hints["check_softmax"])
