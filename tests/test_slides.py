"""Slides build offline and present: every deck, stepped through slide by slide in headless Chromium at 1280x720.

The bar (issue 14): 0 slides whose content is taller or wider than the slide, 0 code blocks cut at the right
edge, 0 JavaScript errors, MathJax typeset, a speaker note in every main (##) section. The counts of every deck
are printed (``pytest -s``) and each deck passes or fails on its own, so one deck's shortfall names that deck.
Decks are built as ``make slides`` builds them: from the latest executed copy of a notebook when there is one,
else from the notebook.
"""

import os

import nbformat
import pytest
from build_slides import REMOTE, SLIDES, audit, build, chromium, counts, latest_executed, problems
from course import NOTEBOOKS, notebook_names

needs_chromium = pytest.mark.skipif(chromium() is None,
                                    reason="headless Chromium is not installed (CI installs it from apt)")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    out = tmp_path_factory.mktemp("decks")
    return {name: build(name, out_dir=out) for name in notebook_names()}


@pytest.fixture(scope="module")
def audits(decks, tmp_path_factory):
    scratch = tmp_path_factory.mktemp("audit")
    results = {name: audit(deck, scratch / name) for name, (deck, _) in decks.items()}
    print("\nslides at 1280x720, per deck:")
    for name, result in results.items():
        print(f"  {name:<28} " + "  ".join(f"{k} {v}" for k, v in counts(result).items())
              + f"  (from {decks[name][1].relative_to(decks[name][1].parents[2])})")
    return results


def test_every_deck_is_built_offline(decks):
    for deck, _ in decks.values():
        html = deck.read_text()
        assert not REMOTE.search(html), deck.name
        assert 'src="vendor/require.js"' in html and "vendor/reveal.js/dist/reveal.css" in html
        assert html.count("<section") >= 3
        assert "MathJax.Hub" not in html, "a MathJax 2 call: the vendored MathJax is 3"
        assert "course-source" in html, "the title slide says where its figures come from"
    for asset in ["require.js", "jquery.min.js", "mathjax/tex-svg.js", "reveal.js/dist/reveal.js",
                  "reveal.js/dist/theme/white.css", "reveal.js/plugin/notes/notes.js", "audit.js"]:
        assert (SLIDES / "vendor" / asset).exists() or (SLIDES / asset).exists(), asset


def test_notes_cells_become_speaker_notes(decks):
    for name, (deck, _) in decks.items():
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)  # a deck takes its notes from the notebook
        notes = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "notes"]
        assert deck.read_text().count('<aside class="notes">') == len(notes), name


@needs_chromium
@pytest.mark.parametrize("name", notebook_names())
def test_every_slide_presents(name, audits, decks):
    result = audits[name]
    found = problems(result)
    assert not found, f"{name}: {len(found)} problems:\n" + "\n".join(found)
    with_math = "$" in "".join(c.source for c in nbformat.read(decks[name][1], as_version=4).cells
                               if c.cell_type == "markdown")
    assert result["math"]["formulas"] > 0 or not with_math, f"{name}: MathJax typeset no formula"
    assert result["math"]["loaded"], f"{name}: MathJax did not start"


@needs_chromium
def test_the_audit_fails_a_deck_that_does_not_present(tmp_path):
    """A deck made to break the bar once in every way: the audit must name each."""
    slide = {"slideshow": {"slide_type": "slide"}}
    cells = [nbformat.v4.new_markdown_cell("# A bad deck\n\nWith $x^2$.", metadata=slide),
             nbformat.v4.new_markdown_cell("## No note here", metadata={"slideshow": {"slide_type": "slide"}}),
             # tagged for the talk, so shown whole: 90 lines are taller than a slide even at the fit's floor
             nbformat.v4.new_code_cell("\n".join(f"x{i} = {i}" for i in range(90)), metadata={"tags": ["talk"]}),
             nbformat.v4.new_markdown_cell('## Cut and broken\n\n<pre style="white-space: pre; overflow: hidden">'
                                           + "y = 1 + " * 80 + '</pre>\n\n<img src="no-such-figure.png">',
                                           metadata={"slideshow": {"slide_type": "slide"}})]
    nb = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "99_bad.ipynb"
    nbformat.write(nb, path)
    import build_slides

    deck = tmp_path / "99_bad.slides.html"
    html, _ = build_slides.exporter().from_notebook_node(nb, resources={"metadata": {"name": "99_bad"}})
    deck.write_text(html)
    result = audit(deck, tmp_path / "audit")
    found = counts(result)
    print("\ndeliberately bad deck:", found)
    assert found["overflow"] >= 1 and found["cut"] >= 1 and found["js_errors"] >= 1
    assert found["sections_without_notes"] == 2 and found["formulas"] >= 1
    assert any("90" in line or "content" in line for line in problems(result))


def test_slides_use_the_latest_run_of_any_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))  # build_slides follows COURSE_ARTIFACTS too
    name = notebook_names()[0]
    assert latest_executed(name) is None
    unexecuted, _ = build(name, out_dir=tmp_path)
    assert "without outputs" in unexecuted.read_text(), "an unexecuted deck says so on its title slide"
    source = (NOTEBOOKS / f"{name}.ipynb").read_bytes()
    for age, mode in enumerate(["full", "workshop", "smoke"]):  # smoke ran last
        path = tmp_path / mode / "executed" / f"{name}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(source)
        os.utime(path, ns=(10**18 + age * 10**9,) * 2)
    newest = tmp_path / "smoke" / "executed" / f"{name}.ipynb"
    assert latest_executed(name) == newest
    os.utime(tmp_path / "workshop" / "executed" / f"{name}.ipynb", ns=(2 * 10**18,) * 2)  # then a workshop run
    assert latest_executed(name) == tmp_path / "workshop" / "executed" / f"{name}.ipynb"
    deck, used = build(name, out_dir=tmp_path)
    assert used == latest_executed(name)
    assert "workshop-mode run" in deck.read_text()
    assert build(name, source="notebooks", out_dir=tmp_path)[1] == NOTEBOOKS / f"{name}.ipynb"
