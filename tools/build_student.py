"""Build the student edition: a folder to publish as its own repository, holding no answers.

    python tools/build_student.py [--nb 01 04] [--out student]    # make student (light tools, no TensorFlow)
    python tools/build_student.py --record [nb02 ...]            # after changing a checker (full environment)

The edition (``student/``, git-ignored) holds ``notebooks/`` (each course notebook with its cells tagged
``solution`` removed and no outputs; Colab badges, navigation and the setup cell point at the edition's own
repository, ``student_repo_url`` in ``pyproject.toml``), ``utils/``, ``data/``, ``checkpoints/``,
``requirements.txt``, ``environment.yml`` and a README. A ``.git`` folder already in it is kept, so the folder
can be a clone of the student repository: build, commit, push.

No answers: a checker computes right answers only through functions marked ``@reference``
(``utils.exercises``). In the edition each such body is replaced by ``recorded(__file__, name, arguments)``, a
lookup into ``utils/checks/recorded/nbNN.json``: the results the reference gave on the checker's own inputs.
``--record`` writes those files by running the checker tests (``tests/test_checks_nbNN.py``: the solutions and
every slip they try) and the hostile suite (each notebook's solution and stub, generated bad answers) with a
recorder on; they are committed, so ``make student`` needs neither pytest nor Keras. A build whose recording
is older than a reference's source stops and says to record again.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from course import NAV, NOTEBOOKS, ROOT, config, notebook_names, select, title_of

CHECKS = ROOT / "utils" / "checks"
RECORDED = CHECKS / "recorded"
COPIED = ["data", "checkpoints", "requirements.txt", "environment.yml"]  # besides utils/ and the notebooks
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BANNER = (
    "> **Student version.** The solution cells are removed: fill in each cell marked *exercise*, "
    "then run the checker below it."
)
README = """\
# {title} · student edition

Jupyter notebooks that teach machine learning and neural networks, from a straight line fitted to a falling ball
up to Gaussian splatting. This is the **student edition**: every exercise is left for you to solve, and a
checker below each one answers your attempt with ✓, "not yet solved" or a hint.

## Start

- **Colab**: open a notebook with its badge below; its first code cell clones this repository and installs
  what Colab lacks. For a GPU: *Runtime → Change runtime type → GPU*.
- **Your computer** (Python 3.10–3.12): `python -m venv .venv && .venv/bin/pip install -r requirements.txt`,
  then `.venv/bin/jupyter lab` in this folder. The first code cell of each notebook checks your packages.

Each notebook runs top to bottom with the exercises unsolved. Set `COURSE_MODE=smoke` for a quick run,
`workshop` (the default) for a lecture's time, or `full` for the best results.

## Notebooks

{table}

## What is here

`notebooks/` the notebooks · `utils/` the helpers they import (`utils/checks/` the exercise checkers, which
compare your answers with results stored in `utils/checks/recorded/`) · `data/` the data sets (see
`data/README.md`) · `checkpoints/` a trained model that notebook 09 can start from.

This edition is built from the instructors' full course by `make student` and never edited by hand: the
solutions stay with the instructors, in the full repository, which is the key.
"""


# ------------------------------------------------------------------------------------------------ notebooks


def student_colab_url(name: str) -> str:
    cfg = config()
    repo = cfg["student_repo_url"].removeprefix("https://github.com/")
    branch = cfg.get("student_branch", "main")
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{name}.ipynb"


def student_nav(names: list[str], i: int, titles: dict) -> str:
    """The navigation block of a student notebook: its own Colab badge, previous / next (no slides: they are
    built from the full notebooks)."""
    parts = [f"[![Open In Colab]({BADGE})]({student_colab_url(names[i])})"]
    if i > 0:
        parts.append(f"← previous: [{titles[names[i - 1]]}]({names[i - 1]}.ipynb)")
    if i + 1 < len(names):
        parts.append(f"next: [{titles[names[i + 1]]}]({names[i + 1]}.ipynb) →")
    return "<!-- nav:start -->\n" + " · ".join(parts) + "\n<!-- nav:end -->"


def student_version(nb, name: str | None = None, nav: str | None = None):
    """A copy of ``nb`` without solution cells and outputs, with a banner after the title cell.

    With ``name``: the setup cell clones the student edition (``student_repo_url``), from nav.py's one template;
    with ``nav``: that navigation block replaces the title cell's.
    """
    nb = nbformat.from_dict(nb)
    cells = [c for c in nb.cells if "solution" not in c.metadata.get("tags", [])]
    for cell in cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if name and "setup" in cell.metadata.get("tags", []):
            from nav import SETUP_CELL

            url = config()["student_repo_url"]
            cell.source = SETUP_CELL.format(repo_url=url, repo_name=url.rstrip("/").split("/")[-1], name=name)
    if nav and cells:
        cells[0].source = NAV.sub(lambda _m: nav, cells[0].source)
    banner = nbformat.v4.new_markdown_cell(BANNER, id="student-banner")
    nb.cells = cells[:1] + [banner] + cells[1:]
    return nb


# ------------------------------------------------------------------------------------------------ checkers


def references_of(source: str) -> list:
    """The top-level functions of a checker module's source decorated with ``@reference``."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and any(
                getattr(d, "id", getattr(d, "attr", None)) == "reference" for d in node.decorator_list):
            found.append(node)
    return found


def _body(node):
    """The statements of a function without its docstring."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str) and len(body) > 1:
        body = body[1:]
    return body


def reference_bodies(source: str) -> dict:
    """``{name: body text}`` of every reference function (what the student edition must not hold)."""
    lines = source.splitlines(keepends=True)
    return {node.name: "".join(lines[_body(node)[0].lineno - 1:node.end_lineno]) for node in references_of(source)}


def source_digests(source: str) -> dict:
    """``{name: digest}`` of each reference's source: a recording is stale when one changed."""
    return {node.name: hashlib.sha256(ast.get_source_segment(source, node).encode()).hexdigest()[:16]
            for node in references_of(source)}


def strip_references(source: str) -> str:
    """The checker module with each reference's body replaced by a lookup of its recorded results."""
    lines = source.splitlines(keepends=True)
    nodes = references_of(source)
    decorated = [node for node in ast.walk(ast.parse(source)) if any(
        getattr(d, "id", getattr(d, "attr", None)) == "reference" for d in getattr(node, "decorator_list", []))]
    if len(decorated) != len(nodes):  # counted in the syntax tree: a docstring may name the decorator
        raise SystemExit("@reference is supported on top-level functions only")
    for node in sorted(nodes, key=lambda n: n.lineno, reverse=True):
        arguments = node.args
        if arguments.vararg or arguments.kwarg:
            raise SystemExit(f"reference {node.name}: *args / **kwargs cannot be recorded; name the parameters")
        names = [a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs]
        body = _body(node)
        indent = " " * body[0].col_offset
        lookup = f"{indent}return recorded(__file__, {node.name!r}, ({', '.join(names)}{',' if names else ''}))\n"
        lines[body[0].lineno - 1:node.end_lineno] = [lookup]
    text = "".join(lines)
    anchor = re.search(r"^from (utils\.|\.\.)exercises import ", text, flags=re.M)
    if not anchor:
        raise SystemExit("a checker module that marks references must import from utils.exercises")
    return (text[:anchor.start()] + f"from {anchor.group(1)}exercises import recorded  # results stored when this "
            "edition was built\n" + text[anchor.start():])


def converted_modules() -> dict:
    """``{"nb02": source}`` for every checker module that marks references."""
    return {path.stem: path.read_text() for path in sorted(CHECKS.glob("nb[0-9][0-9].py"))
            if references_of(path.read_text())}


def stale_recordings() -> list[str]:
    """What is wrong with the stored recordings (missing, or older than a reference's source)."""
    problems = []
    for module, source in converted_modules().items():
        path = RECORDED / f"{module}.json"
        if not path.exists():
            problems.append(f"{module}: no recording ({path.relative_to(ROOT)})")
            continue
        stored = json.loads(path.read_text())
        for name, digest in source_digests(source).items():
            if stored.get("sources", {}).get(name) != digest:
                problems.append(f"{module}.{name} changed since it was recorded")
            elif not stored["results"].get(name):
                problems.append(f"{module}.{name} has no recorded results (no check calls it?)")
    return problems


# ------------------------------------------------------------------------------------------------ recording
# `--record` runs pytest in a subprocess with this module as a plugin (-p build_student): the hooks below turn
# the recorder on for the whole session and write what the references returned to $COURSE_RECORD_TO.

_SESSION: dict = {}


def pytest_configure(config):  # noqa: ARG001 (pytest's hook signature)
    target = os.environ.get("COURSE_RECORD_TO")
    if not target:
        return
    from utils import exercises
    from utils.exercises import encode_result

    def record(function, key, result):
        module = function.__module__.rsplit(".", 1)[-1]
        _SESSION.setdefault(module, {}).setdefault(function.__name__, {})[key] = encode_result(result)

    exercises.RECORDER = record


def pytest_unconfigure(config):  # noqa: ARG001
    target = os.environ.get("COURSE_RECORD_TO")
    if target:
        Path(target).write_text(json.dumps(_SESSION))


def record(modules: list[str]) -> int:
    """Run the checker tests of ``modules`` with the recorder on; write ``utils/checks/recorded/nbNN.json``."""
    tests = [f"tests/test_checks_{m}.py" for m in modules if (ROOT / "tests" / f"test_checks_{m}.py").exists()]
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "recorded.json"
        env = dict(os.environ, COURSE_RECORD_TO=str(target), COURSE_MODE="smoke",
                   PYTHONPATH=os.pathsep.join([str(ROOT / "tools"), str(ROOT), os.environ.get("PYTHONPATH", "")]))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "build_student", "-p", "no:xdist", *tests,
                   "tests/test_checkers_hostile.py", "-k", " or ".join(modules)]
        print("recording:", " ".join(command[2:]))
        status = subprocess.run(command, cwd=ROOT, env=env).returncode
        if not target.exists():
            print("the test run wrote no recording")
            return 1
        results = json.loads(target.read_text())
    if status:
        print("warning: some checker tests failed (see above); the recording holds what the checks computed")
    RECORDED.mkdir(exist_ok=True)
    for module in modules:
        source = (CHECKS / f"{module}.py").read_text()
        stored = {"sources": source_digests(source),
                  "results": {name: dict(sorted(table.items()))
                              for name, table in sorted(results.get(module, {}).items())}}
        (RECORDED / f"{module}.json").write_text(json.dumps(stored, indent=0, sort_keys=True) + "\n")
        counts = {name: len(table) for name, table in stored["results"].items()}
        print(f"{module}: recorded {sum(counts.values())} results of {len(counts)} references {counts}")
    return 0


# ------------------------------------------------------------------------------------------------ building


def _ignore(directory, names):
    return [n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith(".pyc")]


def build(out: Path, prefixes=()) -> dict:
    """Write the edition into ``out`` (emptied first, a ``.git`` inside kept); return counts for the caller."""
    problems = stale_recordings()
    if problems:
        raise SystemExit("The recorded checker results are out of date: " + "; ".join(problems)
                         + ". Run `python tools/build_student.py --record` (full environment), then build again.")
    out.mkdir(parents=True, exist_ok=True)
    for item in out.iterdir():
        if item.name != ".git":
            shutil.rmtree(item) if item.is_dir() else item.unlink()
    shutil.copytree(ROOT / "utils", out / "utils", ignore=_ignore)
    converted = converted_modules()
    for module, source in converted.items():
        (out / "utils" / "checks" / f"{module}.py").write_text(strip_references(source))
    for path in (out / "utils" / "checks" / "recorded").glob("*.json"):
        if path.stem not in converted:
            path.unlink()  # a recording of a module that marks no references any more
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=_ignore)
        elif source.exists():
            shutil.copy2(source, out / name)
    (out / ".gitignore").write_text("artifacts/\n__pycache__/\n*.pyc\n.ipynb_checkpoints/\n.venv/\n")

    names = notebook_names()
    titles = {}
    books = {}
    for name in names:
        books[name] = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        titles[name] = title_of(books[name].cells[0].source)
    (out / "notebooks").mkdir()
    removed = {}
    for i, name in enumerate(names):
        if name not in select(names, list(prefixes)):
            continue
        student = student_version(books[name], name=name, nav=student_nav(names, i, titles))
        nbformat.write(student, out / "notebooks" / f"{name}.ipynb")
        removed[name] = len(books[name].cells) + 1 - len(student.cells)
    table = "\n".join(f"| [{titles[n]}](notebooks/{n}.ipynb) | [![Open In Colab]({BADGE})]({student_colab_url(n)}) |"
                      for n in names if n in removed)
    readme = README.format(title=title_of((ROOT / "README.md").read_text()) or "Machine learning course",
                           table="| notebook | open |\n|---|---|\n" + table)
    (out / "README.md").write_text(readme)
    unconverted = sorted(p.stem for p in CHECKS.glob("nb[0-9][0-9].py") if p.stem not in converted)
    return {"removed": removed, "converted": sorted(converted), "unconverted": unconverted}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nb", nargs="*", default=[], help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--out", default="student", help="the edition's folder (default: student/)")
    parser.add_argument("--record", nargs="*", metavar="nbNN",
                        help="record the references' results from the checker tests (needs pytest and Keras): "
                        "of the modules named, or of every module that marks references")
    args = parser.parse_args()
    if args.record is not None:
        return record(args.record or sorted(converted_modules()))
    out = Path(args.out) if os.path.isabs(args.out) else ROOT / args.out
    counts = build(out, args.nb)
    for name, removed in counts["removed"].items():
        print(f"{out.name}/notebooks/{name}.ipynb: {removed} solution cell(s) removed")
    print(f"checkers answered from recorded results: {', '.join(counts['converted'])}")
    if counts["unconverted"]:
        print(f"checkers still computing answers themselves (no @reference marks yet): "
              f"{', '.join(counts['unconverted'])}")
    print(f"student edition in {out} (publish as {config()['student_repo_url']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
