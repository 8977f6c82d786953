"""Structure of every notebook: pairing, stripped outputs, navigation, setup cell, exercises, slides."""

import nav
import nbformat
import pytest
from course import NOTEBOOKS, notebook_names

NAMES = notebook_names()


def test_there_are_notebooks():
    assert NAMES, "no notebooks found in notebooks/"


def test_pairs_navigation_and_readme_are_in_sync():
    stale = [path.name for path in nav.stale_files()]
    assert not stale, f"out of date, run `make sync`: {stale}"


def test_no_stray_notebooks():
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(NAMES), "every .ipynb needs its .py twin"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_structure(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    title = nb.cells[0].source
    assert title.startswith(f"# {name[:2]} ·") and "**Time:**" in title
    assert nav.colab_url(name) in title and "../slides/README.md" in title
    setup = [c for c in code if "setup" in c.metadata.get("tags", [])]
    assert len(setup) == 1 and f'utils.setup("{name}")' in setup[0].source
    assert "ctx.save_metrics()" in code[-1].source, "the last code cell writes metrics.json"
    slides = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    assert len(slides) >= 3, "mark topic starts as slides"
    exercises = [i for i, c in enumerate(nb.cells) if "exercise" in c.metadata.get("tags", [])]
    assert 1 <= len(exercises) <= 6, "every notebook has exercises (01 has one, a budgeted experiment)"
    for i in exercises:
        assert "solution" in nb.cells[i + 1].metadata.get("tags", []), f"cell {i + 1} should be the solution"
    assert "ctx.pick(" in "".join(c.source for c in code), "sizes come from ctx.pick"
