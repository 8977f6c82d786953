"""Write the student version of every notebook: solution cells removed, outputs stripped.

    python tools/build_student.py [--nb 01 04] [--out student]

Cells tagged ``solution`` are dropped; the ``exercise`` stubs stay, so each checker reports
"not yet solved" until the student fills them in. The student notebooks sit in ``student/``
(git-ignored: they are built, never edited by hand) and find the course's utils/ from there.
"""

from __future__ import annotations

import argparse
import sys

import nbformat
from course import NOTEBOOKS, ROOT, notebook_names, select

BANNER = (
    "> **Student version.** The solution cells are removed: fill in each cell marked *exercise*, "
    "then run the checker below it."
)


def student_version(nb):
    """A copy of ``nb`` without solution cells and outputs, with a banner after the title cell."""
    nb = nbformat.from_dict(nb)
    cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    banner = nbformat.v4.new_markdown_cell(BANNER, id="student-banner")
    nb.cells = cells[:1] + [banner] + cells[1:]
    return nb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nb", nargs="*", default=[], help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--out", default=str(ROOT / "student"))
    args = parser.parse_args()
    out = ROOT / args.out if not args.out.startswith("/") else __import__("pathlib").Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in select(notebook_names(), args.nb):
        nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        student = student_version(nb)
        nbformat.write(student, out / f"{name}.ipynb")
        removed = len(nb.cells) + 1 - len(student.cells)
        print(f"{out.name}/{name}.ipynb: {removed} solution cell(s) removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
