"""What the course tools share: the repository root, its URL, and the list of notebooks."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))
# the navigation block of a title cell (badge, slides, previous / next): written by nav.py, dropped from slides
NAV = re.compile(r"<!-- nav:start -->.*?<!-- nav:end -->", flags=re.S)
# an exercise's heading, "### Exercise 2 · PSNR", with the points nav.py wrote last time (group 1: without them)
EXERCISE_HEADING = re.compile(r"^(#{1,6}[ \t]+Exercise\b.*?)(?:[ \t]+\(\d+ points?\))?[ \t]*$", flags=re.M)
# the **Time:** line of a title cell: compute time per mode (README map, instructor guide)
TIME = re.compile(r"^\*\*Time:\*\*\s*(.+(?:\n.+)*)", flags=re.M)  # the whole paragraph, to a blank line


def time_of(title_source: str) -> str:
    """The **Time:** paragraph of a notebook's title cell on one line (README map, instructor guide); "?" if none."""
    found = TIME.search(title_source)
    return " ".join(found.group(1).split()) if found else "?"


def config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["course"]


def notebook_names() -> list[str]:
    """Stems of the course notebooks in order: ``00_foundations``, ``01_housing_regression``, ..."""
    return sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def select(names: list[str], prefixes) -> list[str]:
    """The notebooks whose name starts with one of ``prefixes`` (e.g. ``["01", "04"]``); all if none."""
    if not prefixes:
        return names
    chosen = [n for n in names if any(n.startswith(p) for p in prefixes)]
    if not chosen:
        raise SystemExit(f"No notebook matches {prefixes}; the notebooks are: {', '.join(names)}")
    return chosen


def title_of(source: str) -> str:
    match = re.search(r"^#\s+(.+)$", source, flags=re.M)
    return match.group(1).strip() if match else ""


# ------------------------------------------------------------------------------------------------ exercises
# A checker call such as `utils.checks.nb02.check_softmax(softmax)` (or `checks.check_psnr(psnr)`)
CHECK_CALL = re.compile(r"\b(check_\w+)\(\s*(\w+)\s*\)")


def tags(cell) -> list:
    return cell.metadata.get("tags", [])


def checkers_of(module: str) -> dict:
    """``{"check_softmax": {"id", "points", "title"}}`` for the ``@exercise`` checkers of ``utils/checks/<module>.py``.

    Read from the source (not imported), so that nav.py and the student build need no Keras; the id and the
    default points come from ``utils.exercises``, the one place that defines them.
    """
    import ast

    from utils.exercises import DEFAULT_POINTS, exercise_id

    path = ROOT / "utils" / "checks" / f"{module}.py"
    found = {}
    if not path.exists():
        return found
    for node in ast.parse(path.read_text()).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            if isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", "")) == "exercise":
                title = ast.literal_eval(deco.args[0]) if deco.args else node.name
                points = DEFAULT_POINTS
                for keyword in deco.keywords:
                    if keyword.arg == "points":
                        try:
                            points = ast.literal_eval(keyword.value)
                        except ValueError:
                            raise SystemExit(f"{path.name}: {node.name}: points= must be a plain number") from None
                found[node.name] = {"id": exercise_id(module, node.name), "points": points, "title": title}
    return found


def defined_names(source: str) -> set:
    """Names a cell defines at top level (functions, classes, assignments); empty if it does not parse."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def exercises_of(name: str, cells) -> list[dict]:
    """The exercises of notebook ``name`` (e.g. ``02_iris_classification``) in order, one dict each.

    An exercise is a code cell tagged ``exercise`` (the stub); its solution is the next cell tagged
    ``solution``; its checker call is the first later untagged code cell calling ``check_x(f)`` with an ``f``
    the stub defines. Keys: ``cell``, ``solution``, ``check_cell`` (indices), ``checker``, ``argument``,
    ``module`` (``nb02``), ``id``, ``points``, ``title`` (``None`` where no checker call was found).
    """
    module = f"nb{name[:2]}"
    known = checkers_of(module)
    found = []
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or "exercise" not in tags(cell):
            continue
        stub_names = defined_names(cell.source)
        entry = {"cell": i, "solution": None, "check_cell": None, "checker": None, "argument": None,
                 "module": module, "id": None, "points": None, "title": None}
        for j in range(i + 1, len(cells)):
            other = cells[j]
            if other.cell_type != "code":
                continue
            if "exercise" in tags(other):
                break
            if "solution" in tags(other) and entry["solution"] is None:
                entry["solution"] = j
            elif not tags(other):
                call = next((m for m in CHECK_CALL.finditer(other.source) if m.group(2) in stub_names), None)
                if call:
                    entry.update(check_cell=j, checker=call.group(1), argument=call.group(2))
                    entry.update(known.get(call.group(1), {}))
                    break
        found.append(entry)
    return found
