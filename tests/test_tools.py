"""The course report and the student builder, on made-up inputs."""

import json

import nbformat
import run_course
from build_student import student_version


def test_report_lists_metrics_targets_and_failures(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    (tmp_path / "workshop" / "01_a").mkdir(parents=True)
    (tmp_path / "workshop" / "01_a" / "metrics.json").write_text(json.dumps({
        "mode": "workshop", "device": "CPU: 2 cores",
        "metrics": {"rmse": {"value": 51234.5, "unit": "$", "key": True, "target": 55000, "baseline": 68000,
                             "met": True, "higher_is_better": False},
                    "detail": {"value": 3.0, "key": False}}}))
    report = run_course.write_report({"01_a": (42.0, None), "02_b": (3.0, "ValueError: boom")}, "workshop")
    assert "| 01_a | workshop | CPU: 2 cores | 42.0 | rmse $ | 51,234 | 55,000 | 68,000 | ✓ |" in report
    assert "detail" not in report  # only key metrics and those with targets
    assert "| 02_b | workshop |  | 3.0 | **failed** | ValueError: boom |" in report


def test_student_version_drops_solutions_and_outputs():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 00 · t"),
        nbformat.v4.new_code_cell("x = None", metadata={"tags": ["exercise"]}),
        nbformat.v4.new_code_cell("x = 42", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("check(x)", outputs=[nbformat.v4.new_output("stream", text="hi")],
                                  execution_count=3),
    ])
    student = student_version(nb)
    assert [c.source for c in student.cells][2:] == ["x = None", "check(x)"]
    assert "Student version" in student.cells[1].source
    assert student.cells[-1].outputs == [] and student.cells[-1].execution_count is None
    assert len(nb.cells) == 4  # the original is untouched


def test_constants_are_defined_once():
    import build_slides
    import course
    import nav

    from utils import env

    assert build_slides.NAV is nav.NAV is course.NAV
    assert run_course.MODES is build_slides.MODES is env.MODES
    assert course.NAV.sub("", "a <!-- nav:start -->\n[badge]\n<!-- nav:end --> b") == "a  b"


def test_sync_leaves_a_twin_alone_when_its_py_changed_after_it_was_read():
    import nav

    nav.expected_notebooks()
    name = sorted(nav.SOURCES)[0]
    py = nav.NOTEBOOKS / f"{name}.py"
    assert not nav.changed_since_read(py) and not nav.changed_since_read(py.with_suffix(".ipynb"))
    nav.SOURCES[name] += "\n# an edit made while the sync ran\n"  # as if the file had changed after reading
    assert nav.changed_since_read(py) and nav.changed_since_read(py.with_suffix(".ipynb"))
    assert not nav.changed_since_read(nav.ROOT / "README.md")


def test_time_line_is_read_to_the_end_of_its_paragraph():
    from course import time_of

    head = "# 00 · t\n\n**Time:** smoke ≈ 1 s · workshop ≈ 2 s (measured\non a 2-core CPU) · GPU: not needed\n\nnext"
    assert time_of(head) == "smoke ≈ 1 s · workshop ≈ 2 s (measured on a 2-core CPU) · GPU: not needed"
    assert time_of("# 00 · t\n\nno time line") == "?"
