"""Slides build offline (no remote scripts or styles) and render in headless Chromium."""

import os
import re
import shutil
import subprocess

import pytest
from build_slides import REMOTE, SLIDES, build, latest_executed
from course import NOTEBOOKS, notebook_names

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def decks():
    return [build(name, source="notebooks")[0] for name in notebook_names()]


def test_every_deck_is_built_offline(decks):
    for deck in decks:
        html = deck.read_text()
        assert not REMOTE.search(html), deck.name
        assert 'src="vendor/require.js"' in html and "vendor/reveal.js/dist/reveal.css" in html
        assert html.count('<section') >= 3
    for asset in ["require.js", "jquery.min.js", "mathjax/tex-svg.js", "reveal.js/dist/reveal.js",
                  "reveal.js/dist/theme/white.css", "reveal.js/plugin/notes/notes.js"]:
        assert (SLIDES / "vendor" / asset).exists(), asset


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (CI installs it from apt)")
def test_a_deck_renders_in_headless_chromium(decks, tmp_path):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=15000",
               "--allow-file-access-from-files", "--dump-dom", decks[0].as_uri()]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120).stdout
    assert re.search(r'class="reveal [^"]*\bready\b', dom), "reveal.js did not initialise"
    assert "mjx-container" in dom, "MathJax did not typeset the formulas"


def test_slides_use_the_latest_run_of_any_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))  # build_slides follows COURSE_ARTIFACTS too
    name = notebook_names()[0]
    assert latest_executed(name) is None
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
    assert build(name)[1] == latest_executed(name)
    assert build(name, source="notebooks")[1] == NOTEBOOKS / f"{name}.ipynb"
