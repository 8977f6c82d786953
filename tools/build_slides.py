"""Build reveal.js slides for the notebooks into ``slides/NN_topic.slides.html``.

    python tools/build_slides.py [--nb 01 04] [--source auto|executed|notebooks]

Slides are made from the latest executed copy of each notebook, ``artifacts/<mode>/executed/`` of
whichever mode ran it last (so they show the figures of the latest run; run ``make run`` first), else
from ``notebooks/`` (markdown and code only). ``COURSE_ARTIFACTS`` moves ``artifacts/``, as everywhere. reveal.js,
require.js, jQuery and MathJax are loaded from ``slides/vendor/`` (a local copy), never from the
network, so the slides work offline. The navigation block of the title cell is left out.
"""

from __future__ import annotations

import argparse
import html as htmllib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from course import NAV, NOTEBOOKS, ROOT, notebook_names, select
from nbconvert import SlidesExporter
from traitlets.config import Config

from utils.env import MODES, artifacts_dir

SLIDES = ROOT / "slides"
WIDTH, HEIGHT = 1280, 720  # the slide size the decks are laid out for and audited at
# anything the page would load from another machine: a src attribute, a stylesheet <link>, a CSS url(...);
# plain <a href> links to papers stay allowed (they load nothing)
REMOTE = re.compile(r"""(?:\bsrc\s*=\s*["']|<link\b[^>]*\bhref\s*=\s*["']|url\(\s*["']?)(?:https?:)?//""", flags=re.I)


def exporter() -> SlidesExporter:
    config = Config()
    config.SlidesExporter.extra_template_basedirs = [str(SLIDES / "template")]
    config.SlidesExporter.template_name = "course_reveal"
    config.SlidesExporter.reveal_url_prefix = "vendor/reveal.js"
    config.SlidesExporter.reveal_theme = "white"
    config.SlidesExporter.reveal_scroll = True
    config.SlidesExporter.require_js_url = "vendor/require.js"
    config.SlidesExporter.jquery_url = "vendor/jquery.min.js"
    config.SlidesExporter.mathjax_url = "vendor/mathjax/tex-svg.js"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config)


def latest_executed(name: str):
    """The executed copy of ``name`` from the latest run of any mode, or None."""
    copies = [artifacts_dir(mode) / "executed" / f"{name}.ipynb" for mode in MODES]
    copies = [path for path in copies if path.is_file()]
    return max(copies, key=lambda path: path.stat().st_mtime_ns) if copies else None


def build(name: str, source: str = "auto") -> tuple:
    executed = latest_executed(name)
    if source == "executed" and executed is None:
        raise SystemExit(f"{name}: no executed copy under {artifacts_dir()}/<mode>/executed/: run `make run` first")
    path = executed if source != "notebooks" and executed is not None else NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source = NAV.sub("", nb.cells[0].source)
    html, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    remote = sorted(set(m.group(0) for m in REMOTE.finditer(html)))
    if remote:
        raise SystemExit(f"{name}: the slides would load from the network ({remote}); serve it from slides/vendor/")
    out = SLIDES / f"{name}.slides.html"
    out.write_text(html, encoding="utf-8")
    return out, path




# ------------------------------------------------------------------------------------------------ audit
# Opened in headless Chromium at the slide size, a copy of a deck with slides/audit.js steps through every
# slide and writes what it measured into <pre id="slide-audit">; errors are caught from the first script on.
CATCH_ERRORS = """<script>window.__slideErrors = [];
window.addEventListener("error", function (e) { var t = e.target;
  window.__slideErrors.push(t && t !== window && (t.src || t.href) ? "failed to load " + (t.src || t.href)
    : String(e.message) + " (" + String(e.filename || "").split("/").pop() + ":" + e.lineno + ")"); }, true);
window.addEventListener("unhandledrejection", function (e) {
  window.__slideErrors.push("unhandled rejection: " + e.reason); });
(function () { var error = console.error; console.error = function () {
  window.__slideErrors.push("console.error: " + Array.prototype.join.call(arguments, " "));
  error.apply(console, arguments); }; })();
</script>"""
AUDIT_RESULT = re.compile(r'<pre id="slide-audit">(.*?)</pre>', flags=re.S)


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def audit(deck: Path, workdir: Path, timeout: float = 180) -> dict:
    """Open ``deck`` in headless Chromium at 1280x720, step through every slide, return what slides/audit.js measured.

    Keys: ``slides`` (per slide: ``height``, ``width``, ``overflow``, ``cut`` code blocks, ``notes``, ``title``),
    ``sections`` (each ``##`` heading with its number of notes), ``errors`` (JavaScript errors), ``math``.
    """
    browser = chromium()
    if browser is None:
        raise SystemExit("headless Chromium is not installed (apt-get install chromium)")
    workdir.mkdir(parents=True, exist_ok=True)
    html = deck.read_text(encoding="utf-8")
    html = html.replace("<head>", f'<head>\n<base href="{deck.parent.as_uri()}/">\n{CATCH_ERRORS}', 1)
    html = html.replace("</body>", f'<script src="{(SLIDES / "audit.js").as_uri()}"></script>\n</body>', 1)
    copy = workdir / deck.name
    copy.write_text(html, encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}", f"--user-data-dir={workdir / 'profile'}",
               "--virtual-time-budget=120000", "--allow-file-access-from-files", "--dump-dom", copy.as_uri()]
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    found = AUDIT_RESULT.search(run.stdout)
    if not found:
        raise RuntimeError(f"{deck.name}: the audit wrote no result (Chromium said: {run.stderr[-800:]})")
    result = json.loads(htmllib.unescape(found.group(1)))
    if "fatal" in result:
        raise RuntimeError(f"{deck.name}: {result['fatal']}; errors: {result.get('errors')}")
    return result


def counts(result: dict) -> dict:
    """The bar's numbers for one audited deck."""
    sections = result["sections"]
    return {"slides": len(result["slides"]),
            "overflow": sum(s["overflow"] for s in result["slides"]),
            "cut": sum(len(s["cut"]) for s in result["slides"]),
            "js_errors": len(result["errors"]),
            "formulas": result["math"]["formulas"], "untypeset": result["math"]["errors"] + result["math"]["raw"],
            "sections": len(sections), "sections_without_notes": sum(not s["notes"] for s in sections),
            "notes": sum(s["notes"] for s in result["slides"])}


def problems(result: dict) -> list[str]:
    """One line per slide or section that misses the bar (empty when the deck passes)."""
    lines = []
    for s in result["slides"]:
        where = f"#/{s['h']}" + (f"/{s['v']}" if s["v"] else "") + f" {s['title']!r}"
        if s["overflow"]:
            size = f"{s['width']}x{s['height']} px on a {result['width']}x{result['height']} slide"
            lines.append(f"{where}: content {size}" + (f" (wide: {', '.join(s['wide'])})" if s["wide"] else ""))
        for block in s["cut"]:
            lines.append(f"{where}: code cut at the right edge: {block!r}")
    lines += [f"JavaScript error: {e}" for e in result["errors"]]
    lines += [f"section {s['title']!r} (slide {s['slide']}) has no speaker note"
              for s in result["sections"] if not s["notes"]]
    if result["math"]["errors"] or result["math"]["raw"]:
        lines.append(f"MathJax: {result['math']['errors']} TeX errors, {result['math']['raw']} formulas left as text")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nb", nargs="*", default=[], help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--source", choices=["auto", "executed", "notebooks"], default="auto")
    parser.add_argument("--audit", action="store_true",
                        help="open each deck in headless Chromium at 1280x720 and list what misses the bar")
    args = parser.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        for name in select(notebook_names(), args.nb):
            out, path = build(name, args.source)
            print(f"{out.relative_to(ROOT)}  (from {path})")
            if args.audit:
                result = audit(out, Path(scratch) / name)
                print("   ", "  ".join(f"{k} {v}" for k, v in counts(result).items()))
                for line in problems(result):
                    print("    -", line)
                failed += bool(problems(result))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
