"""Write what every notebook shares, from one place, and pair each ``.py`` with its ``.ipynb``.

The ``.py`` (jupytext py:percent) twin is the source. For each notebook this script rewrites
  * the navigation block of the title cell (Colab badge, slides link, previous / next),
  * the setup cell (the cell tagged ``setup``), with the repository URL from ``pyproject.toml``,
  * the notebook map in ``README.md``,
  * each exercise's id and points (from its checker's ``@exercise(title, points=N)`` in ``utils/checks``):
    into the metadata of its ``exercise`` and ``solution`` cells (``{"exercise": {"id": ..., "points": ...}}``)
    and into its heading ("### Exercise 1 · softmax (2 points)"),
then writes the ``.ipynb`` twin with no outputs. ``--check`` changes nothing and exits 1 if any file
is out of date (the test suite runs it).

    python tools/nav.py           # rewrite
    python tools/nav.py --check   # verify
"""

from __future__ import annotations

import argparse
import re
import sys

import jupytext
import nbformat
from course import EXERCISE_HEADING, NAV, NOTEBOOKS, ROOT, config, exercises_of, notebook_names, time_of, title_of

MAP = re.compile(r"<!-- map:start -->.*?<!-- map:end -->", flags=re.S)
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
# an exercise's heading, "**Exercise 2 · PSNR.**" (the "### Exercise …" form is course.EXERCISE_HEADING)
EXERCISE_BOLD = re.compile(r"(\*\*Exercise\b[^*\n]*\*\*)(?:[ \t]+\(\d+ points?\))?")
PROBLEMS: list = []  # exercises nav.py could not number (no checker call, no heading): reported, fail --check

SETUP_CELL = '''\
# Setup: the same cell in every notebook (written by tools/nav.py). It finds the course folder
# (in Colab it clones the course first), then checks packages, seeds, and picks the device and mode.
import os
import subprocess
import sys
from pathlib import Path

REPO_URL = "{repo_url}"
if "google.colab" in sys.modules:
    ROOT = Path(os.environ.get("COURSE_ROOT", "/content/{repo_name}"))
    if not (ROOT / "utils").exists():
        url = os.environ.get("COURSE_REPO_URL", REPO_URL)
        subprocess.run(["git", "clone", "--depth", "1", url, str(ROOT)], check=True)
else:
    ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "utils" / "__init__.py").exists()), None)
    assert ROOT, "Start Jupyter inside the course folder (the one holding utils/), e.g. with `make lab`."
sys.path.insert(0, str(ROOT))
import utils

ctx = utils.setup("{name}")'''


def colab_url(name: str) -> str:
    cfg = config()
    repo = cfg["repo_url"].removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/{cfg['branch']}/notebooks/{name}.ipynb"


def nav_block(names: list[str], i: int, titles: dict) -> str:
    name = names[i]
    parts = [f"[![Open In Colab]({BADGE})]({colab_url(name)})", "[Slides](../slides/README.md)"]
    if i > 0:
        parts.append(f"← previous: [{titles[names[i - 1]]}]({names[i - 1]}.ipynb)")
    if i + 1 < len(names):
        parts.append(f"next: [{titles[names[i + 1]]}]({names[i + 1]}.ipynb) →")
    return "<!-- nav:start -->\n" + " · ".join(parts) + "\n<!-- nav:end -->"


def readme_map(names: list[str], titles: dict, times: dict) -> str:
    rows = ["| notebook | time per mode | open |", "|---|---|---|"]
    for name in names:
        rows.append(
            f"| [{titles[name]}](notebooks/{name}.ipynb) | {times[name]} "
            f"| [![Open In Colab]({BADGE})]({colab_url(name)}) · [slides](slides/README.md) |"
        )
    return "<!-- map:start -->\n" + "\n".join(rows) + "\n<!-- map:end -->"


def write_exercises(name: str, cells) -> None:
    """Each exercise's id and points into its cells' metadata and its heading (problems go to PROBLEMS)."""
    for entry in exercises_of(name, cells):
        stub = cells[entry["cell"]]
        if entry["id"] is None:
            what = (f"calls {entry['checker']}, which utils/checks/{entry['module']}.py has no @exercise for"
                    if entry["checker"] else "has no checker call `check_x(f)` after it (before the next exercise)")
            PROBLEMS.append(f"{name}: the exercise cell defining {', '.join(sorted(defined_of(stub))) or '?'} {what}")
            continue
        meta = {"id": entry["id"], "points": entry["points"]}
        for index in (entry["cell"], entry["solution"]):
            if index is not None:
                cells[index].metadata["exercise"] = dict(meta)
        label = f"({entry['points']} point{'' if entry['points'] == 1 else 's'})"
        task = next((cells[j] for j in range(entry["cell"] - 1, -1, -1) if cells[j].cell_type == "markdown"
                     and cells[j].metadata.get("slideshow", {}).get("slide_type") != "notes"), None)  # not notes
        for pattern, replacement in ((EXERCISE_HEADING, rf"\1 {label}"), (EXERCISE_BOLD, rf"\1 {label}")):
            matches = list(pattern.finditer(task.source)) if task is not None else []
            if matches:
                last = matches[-1]
                task.source = task.source[:last.start()] + last.expand(replacement) + task.source[last.end():]
                break
        else:
            PROBLEMS.append(f"{name}: exercise {entry['id']} has no heading to show its points in the markdown cell "
                            "before it ('### Exercise N · title' or '**Exercise N · title.**')")


def defined_of(cell) -> set:
    from course import defined_names

    return defined_names(cell.source)


# the text of each .py twin as this run read it: a twin edited meanwhile (by a person, or a second sync)
# is not overwritten with what was computed from the older text
SOURCES: dict[str, str] = {}


def changed_since_read(path) -> bool:
    name = path.stem
    return path.parent == NOTEBOOKS and name in SOURCES and (NOTEBOOKS / f"{name}.py").read_text() != SOURCES[name]


def expected_notebooks() -> dict:
    """Path -> expected text of every generated file (the .py twins, the .ipynb twins, README.md)."""
    cfg = config()
    names = notebook_names()
    SOURCES.clear()
    SOURCES.update({name: (NOTEBOOKS / f"{name}.py").read_text() for name in names})
    books = {name: jupytext.reads(SOURCES[name], fmt="py:percent") for name in names}
    titles = {name: title_of(nb.cells[0].source) for name, nb in books.items()}
    times = {}
    for name, nb in books.items():
        head = nb.cells[0]
        if head.cell_type != "markdown" or not NAV.search(head.source) or not titles[name]:
            sys.exit(f"{name}.py: the first cell must be markdown with a '# title' and a nav block")
        times[name] = time_of(head.source)
    out = {}
    for i, name in enumerate(names):
        nb = books[name]
        nb.cells[0].source = NAV.sub(lambda _m, i=i: nav_block(names, i, titles), nb.cells[0].source)
        setup_cells = [c for c in nb.cells if "setup" in c.metadata.get("tags", [])]
        if len(setup_cells) != 1:
            sys.exit(f"{name}.py: exactly one cell must carry the tag 'setup' (found {len(setup_cells)})")
        setup_cells[0].metadata["slideshow"] = {"slide_type": "skip"}  # plumbing, not a slide
        setup_cells[0].source = SETUP_CELL.format(
            repo_url=cfg["repo_url"], repo_name=cfg["repo_url"].rstrip("/").split("/")[-1], name=name
        )
        write_exercises(name, nb.cells)
        out[NOTEBOOKS / f"{name}.py"] = jupytext.writes(nb, fmt="py:percent")
        for number, cell in enumerate(nb.cells):  # stable ids keep the .ipynb diffs small
            cell.id = f"cell-{number:03d}"
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        out[NOTEBOOKS / f"{name}.ipynb"] = jupytext.writes(nb, fmt="ipynb")
    readme = ROOT / "README.md"
    out[readme] = MAP.sub(lambda _m: readme_map(names, titles, times), readme.read_text())
    return out


def stale_files() -> dict:
    """Path -> expected text of every generated file whose current content differs (ipynb compared as JSON)."""
    stale = {}
    for path, text in expected_notebooks().items():
        current = path.read_text() if path.exists() else None
        if path.suffix == ".ipynb" and current is not None:
            same = nbformat.reads(current, as_version=4) == nbformat.reads(text, as_version=4)
        else:
            same = current == text
        if not same:
            stale[path] = text
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 if anything is out of date")
    args = parser.parse_args()
    stale = []
    PROBLEMS.clear()
    for path, text in stale_files().items():
        stale.append(path.relative_to(ROOT))
        if not args.check:
            if changed_since_read(path):
                print(f"{path.relative_to(ROOT)}: its .py changed while syncing; left alone (run again)")
                continue
            path.write_text(text)
    for problem in PROBLEMS:
        print(f"exercise problem: {problem}")
    if args.check and stale:
        print("Out of date (run `make sync`): " + ", ".join(map(str, stale)))
        return 1
    if args.check and PROBLEMS:
        return 1
    print(("rewrote: " + ", ".join(map(str, stale))) if stale else "all notebooks in sync")
    return 0


if __name__ == "__main__":
    sys.exit(main())
