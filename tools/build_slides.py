"""Build reveal.js slides for the notebooks into ``slides/NN_topic.slides.html``.

    python tools/build_slides.py [--nb 01 04] [--source auto|executed|notebooks]

Slides show the notebook's current text, slide metadata and speaker notes with the outputs of its latest run,
``artifacts/<mode>/executed/`` of whichever mode ran it last (run ``make run`` first), when that run executed
the same code; else the notebook without outputs, and the title slide says so. ``COURSE_ARTIFACTS`` moves
``artifacts/``, as everywhere. reveal.js,
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
    config.SlidesExporter.reveal_scroll = False  # slides fit (see for_the_talk and the audit), never scroll
    config.SlidesExporter.require_js_url = "vendor/require.js"
    config.SlidesExporter.jquery_url = "vendor/jquery.min.js"
    config.SlidesExporter.mathjax_url = "vendor/mathjax/tex-svg.js"
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=config)


# ------------------------------------------------------------------------------------------------ for the talk
# Build-time choices that make a notebook's cells fit 1280x720 slides, for every deck alike. The cells' own
# metadata (slide, subslide, fragment, skip, notes) is followed; on top of it:
#  * a code cell longer than CODE_LINES shows its first CODE_KEEP lines and says how many more the notebook
#    has, unless it is tagged "talk" (shown whole);
#  * text output shows its last OUTPUT_LINES lines (stderr, warnings and progress bars are left out); HTML
#    tables their first TABLE_ROWS rows; library source (show_code) its first SOURCE_LINES lines;
#  * a markdown cell taller than a slide is split at paragraphs into continuation slides, and a cell that
#    would run past the bottom of a slide starts a new (vertical) slide. Heights are estimated from the
#    text; the deck's fit step (index.html.j2) shrinks what the estimate missed, and the audit checks it.
TALK_TAG = "talk"
CODE_LINES, CODE_KEEP = 12, 8
OUTPUT_LINES, TABLE_ROWS, SOURCE_LINES = 8, 10, 16  # SOURCE_LINES: of library code shown by show_code
BUDGET = 640  # px of the 720 a slide's content may take by the estimate (margins, rounding)
LINE_MD, CHARS_MD = 31, 100  # markdown: px per line, characters per line
LINE_CODE, CHARS_CODE = 20, 130  # code and text output
IMAGE_MAX = 400  # course.css: max-height of a figure
TABLE_ROW = re.compile(r"<tr\b.*?</tr>\s*", flags=re.S)


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-") or "-"


def set_slide_type(cell, kind: str) -> None:
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind


def trim_code(cell) -> None:
    lines = cell.source.rstrip().splitlines()
    if TALK_TAG in cell.metadata.get("tags", []) or len(lines) <= CODE_LINES:
        return
    cell.source = "\n".join(lines[:CODE_KEEP] + [f"# … {len(lines) - CODE_KEEP} more lines in the notebook"])


def trim_outputs(cell) -> None:
    outputs = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            if output.name != "stdout":
                continue
            if outputs and outputs[-1].output_type == "stream":  # one block for consecutive prints
                outputs[-1].text += output.text
                continue
            output = nbformat.from_dict(dict(output))
        elif output.output_type == "error":
            pass
        else:
            data = output.get("data", {})
            if not any(key.startswith(("image/", "text/")) for key in data):
                continue  # widgets (progress bars) and other things a slide cannot show
            output = nbformat.from_dict(dict(output, data=dict(data)))
            markdown = output.data.get("text/markdown")
            if isinstance(markdown, str) and markdown.startswith("```"):  # utils.plots.show_code
                lines = markdown.rstrip().splitlines()
                if len(lines) > SOURCE_LINES + 2:
                    more = len(lines) - 2 - SOURCE_LINES
                    output.data["text/markdown"] = "\n".join(
                        lines[:SOURCE_LINES + 1] + [f"# … {more} more lines in the notebook", lines[-1]])
            html = output.data.get("text/html")
            if isinstance(html, str):
                rows = TABLE_ROW.findall(html)
                if len(rows) > TABLE_ROWS + 1:  # the header row and TABLE_ROWS rows
                    for row in rows[TABLE_ROWS + 1:]:
                        html = html.replace(row, "", 1)
                    output.data["text/html"] = html + f"<p>… {len(rows) - TABLE_ROWS - 1} more rows in the notebook</p>"
        outputs.append(output)
    for output in outputs:
        text = output.get("text") if output.output_type == "stream" else output.get("data", {}).get("text/plain")
        if isinstance(text, str):
            lines = text.rstrip("\n").splitlines()
            if len(lines) > OUTPUT_LINES:
                shown = [f"… {len(lines) - OUTPUT_LINES} lines above in the notebook"] + lines[-OUTPUT_LINES:]
                if output.output_type == "stream":
                    output.text = "\n".join(shown) + "\n"
                elif not any(k.startswith("image/") or k == "text/html" for k in output.data):
                    output.data["text/plain"] = "\n".join(shown)
    cell.outputs = outputs


def text_lines(text: str, chars: int) -> int:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text only
    return sum(max(1, -(-len(line) // chars)) for line in text.splitlines() or [""])


def block_height(block: str) -> float:
    """Estimated height in px of one markdown block (paragraph, list, heading, display formula, table)."""
    stripped = block.strip()
    if not stripped:
        return 0
    if stripped.startswith("$$") or stripped.startswith("\\["):
        return 24 + 46 * (stripped.count("\\\\") + 1)
    heading = re.match(r"(#+)\s", stripped)
    if heading and "\n" not in stripped:
        return {1: 62, 2: 50, 3: 42}.get(len(heading.group(1)), 36)
    if stripped.startswith("|"):
        return 34 * stripped.count("\n") + 40
    if stripped.startswith("```"):
        return LINE_CODE * stripped.count("\n") + 16
    return LINE_MD * text_lines(stripped, CHARS_MD) + 12 + 10 * stripped.count("$$")


def markdown_blocks(source: str) -> list[str]:
    """Paragraph-level blocks of markdown, keeping $$ formulas and ``` fences whole."""
    blocks, current, fence = [], [], None
    for line in source.splitlines():
        token = line.strip()
        if token.startswith("```"):
            fence = None if fence == "```" else (fence or "```")
        elif token.startswith("$$") and (token == "$$" or not token.endswith("$$") or len(token) == 2):
            fence = None if fence == "$$" else (fence or "$$")
        if not token and fence is None:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def output_height(output) -> float:
    if output.output_type == "stream":
        return LINE_CODE * text_lines(output.text.rstrip("\n"), CHARS_CODE) + 14
    data = output.get("data", {})
    image = next((data[k] for k in data if k in ("image/png", "image/jpeg")), None)
    if image is not None:
        size = image_size(image, output.get("metadata", {}))
        if size:
            width, height = size
            return min(IMAGE_MAX, height * min(1.0, (WIDTH - 24) / width)) + 8
        return IMAGE_MAX
    if isinstance(data.get("text/markdown"), str):
        return sum(block_height(b) for b in markdown_blocks(data["text/markdown"]))
    if "text/html" in data:
        html = data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"])
        return 26 * len(TABLE_ROW.findall(html)) + 40 if "<table" in html else 60
    if "text/latex" in data:
        return 60
    text = data.get("text/plain", "")
    return LINE_CODE * text_lines(text if isinstance(text, str) else "".join(text), CHARS_CODE) + 14


def image_size(encoded: str, metadata: dict) -> tuple | None:
    import base64
    import struct

    for meta in metadata.values():
        if isinstance(meta, dict) and "width" in meta and "height" in meta:
            return float(meta["width"]), float(meta["height"])
    head = base64.b64decode(encoded[:48] if isinstance(encoded, str) else "")
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        width, height = struct.unpack(">II", head[16:24])
        return width, height
    return None


def cell_height(cell) -> float:
    if cell.cell_type == "markdown":
        return sum(block_height(b) for b in markdown_blocks(cell.source))
    if cell.cell_type == "code":
        code = LINE_CODE * text_lines(cell.source, CHARS_CODE) + 16 if cell.source.strip() else 0
        return code + sum(output_height(o) for o in cell.get("outputs", []))
    return 0


def split_markdown(cell) -> list:
    """A markdown cell taller than a slide as cells of at most one slide each, continuations as subslides."""
    if cell.cell_type != "markdown" or cell_height(cell) <= BUDGET:
        return [cell]
    parts, current, height = [], [], 0.0
    for block in markdown_blocks(cell.source):
        h = block_height(block)
        if current and height + h > BUDGET:
            parts.append(current)
            current, height = [], 0.0
        current.append(block)
        height += h
    parts.append(current)
    cells = []
    for i, blocks in enumerate(parts):
        part = nbformat.from_dict(dict(cell, source="\n\n".join(blocks), metadata=dict(cell.metadata)))
        part.metadata = nbformat.from_dict(dict(cell.metadata))
        part.metadata["slideshow"] = dict(cell.metadata.get("slideshow", {}))
        if i:
            set_slide_type(part, "subslide")
            if "id" in cell:
                part["id"] = f"{cell['id']}-{i}"
        cells.append(part)
    return cells


def for_the_talk(nb) -> None:
    """Apply the build-time choices above to ``nb`` in place (see the comment at TALK_TAG)."""
    cells = []
    for cell in nb.cells:
        if slide_type(cell) in ("skip", "notes"):
            cells.append(cell)
            continue
        if cell.cell_type == "code":
            trim_code(cell)
            trim_outputs(cell)
        cells.extend(split_markdown(cell))
    height = 0.0
    for cell in cells:
        kind = slide_type(cell)
        if kind in ("skip", "notes"):
            continue
        h = cell_height(cell)
        if kind in ("slide", "subslide"):
            height = h
        elif height and height + h > BUDGET:
            set_slide_type(cell, "subslide")  # would run past the bottom: a new vertical slide
            height = h
        else:
            height += h
    nb.cells = cells


def source_note(path: Path | None, stale: Path | None = None) -> str:
    """The line the title slide carries about where the slides' figures come from (``path``: the executed copy)."""
    from datetime import datetime, timezone

    def when(p: Path) -> str:
        return datetime.fromtimestamp(p.stat().st_mtime, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    if path is None:
        why = (f"the latest run ({stale.parent.parent.name} mode, {when(stale)}) ran older code than this notebook's"
               if stale else "no run of it was found")
        return ('\n\n<p class="course-source">Built from the notebook without outputs, no figures or results: '
                f"{why}. Run <code>make run NB={path_name(stale)}</code>, then <code>make slides</code>.</p>\n")
    return (f'\n\n<p class="course-source">Figures and results from the {path.parent.parent.name}-mode run of '
            f"{when(path)}.</p>\n")


def path_name(path: Path | None) -> str:
    return path.stem[:2] if path else "NN"


def code_cells(nb) -> list:
    """The code cells that a run executes as written (the setup cell is rewritten by nav.py: left out)."""
    return [c for c in nb.cells if c.cell_type == "code" and "setup" not in c.metadata.get("tags", [])]


def with_outputs(notebook, executed):
    """``notebook`` (its current markdown, notes and slide metadata) with the outputs of ``executed``, or None
    when the two differ in code: then the run's figures may not be what this code draws."""
    mine, run = code_cells(notebook), code_cells(executed)
    if [c.source for c in mine] != [c.source for c in run]:
        return None
    for cell, done in zip(mine, run):
        cell.outputs, cell.execution_count = done.outputs, done.execution_count
    return notebook


def latest_executed(name: str):
    """The executed copy of ``name`` from the latest run of any mode, or None."""
    copies = [artifacts_dir(mode) / "executed" / f"{name}.ipynb" for mode in MODES]
    copies = [path for path in copies if path.is_file()]
    return max(copies, key=lambda path: path.stat().st_mtime_ns) if copies else None


def build(name: str, source: str = "auto", out_dir: Path = SLIDES) -> tuple:
    """Write the deck of notebook ``name``; return (deck, the notebook it was built from).

    ``out_dir`` other than ``slides/`` (tests) gets the deck only: open it from there with ``audit``, which
    resolves ``vendor/`` against ``slides/``.
    """
    executed = latest_executed(name)
    if source == "executed" and executed is None:
        raise SystemExit(f"{name}: no executed copy under {artifacts_dir()}/<mode>/executed/: run `make run` first")
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    used = None
    if source != "notebooks" and executed is not None:
        run = nbformat.read(executed, as_version=4)
        merged = with_outputs(nb, run)
        if merged is not None:
            nb, used = merged, executed
        elif source == "executed":  # asked for the run as it is
            nb, used = run, executed
    title = NAV.sub("", nb.cells[0].source).rstrip()
    nb.cells[0].source = title + source_note(used, stale=executed if used is None and source != "notebooks" else None)
    for_the_talk(nb)
    html, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": name}})
    remote = sorted(set(m.group(0) for m in REMOTE.finditer(html)))
    if remote:
        raise SystemExit(f"{name}: the slides would load from the network ({remote}); serve it from slides/vendor/")
    out = Path(out_dir) / f"{name}.slides.html"
    out.write_text(html, encoding="utf-8")
    return out, used or path




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
    html = html.replace("<head>", f'<head>\n<base href="{SLIDES.as_uri()}/">\n{CATCH_ERRORS}', 1)
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
            "notes": sum(s["notes"] for s in result["slides"]),
            "shrunk": sum(s["scale"] < 1 for s in result["slides"]),
            "min_scale": round(min([s["scale"] for s in result["slides"]] or [1]), 2)}


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
