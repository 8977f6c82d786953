"""Slides build offline (no remote scripts or styles) and render in headless Chromium."""

import re
import shutil
import subprocess

import pytest
from build_slides import REMOTE, SLIDES, build
from course import notebook_names

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
