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
import re
import sys

import nbformat
from course import NAV, NOTEBOOKS, ROOT, notebook_names, select
from nbconvert import SlidesExporter
from traitlets.config import Config

from utils.env import MODES, artifacts_dir

SLIDES = ROOT / "slides"
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nb", nargs="*", default=[], help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--source", choices=["auto", "executed", "notebooks"], default="auto")
    args = parser.parse_args()
    for name in select(notebook_names(), args.nb):
        out, path = build(name, args.source)
        print(f"{out.relative_to(ROOT)}  (from {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
