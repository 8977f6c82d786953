"""Write ``INSTRUCTORS.md``, the instructor guide, from the notebooks and ``tools/course_plan.toml``.

What the notebooks say is read from them, so the guide cannot drift: the title, the learning goals
(**You will learn**), the compute time per mode (**Time:**, from the last bench), the sections, the exercises
with their points (cell metadata written by ``tools/nav.py``) and the slips their checkers recognise (the
``Hint`` messages in ``utils/checks/nbNN.py``). What only a teacher can say (minutes, prerequisites, what to
present, agendas) lives in ``tools/course_plan.toml``.

    python tools/instructors.py           # rewrite INSTRUCTORS.md
    python tools/instructors.py --check   # exit 1 if it is out of date (the tests run this)
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from datetime import datetime, timedelta

import nbformat
import tomllib
from course import EXERCISE_HEADING, NOTEBOOKS, ROOT, exercises_of, notebook_names, time_of, title_of

GUIDE = ROOT / "INSTRUCTORS.md"
PLAN = ROOT / "tools" / "course_plan.toml"
SECTION = re.compile(r"^##\s+(\d+)\s*·\s*(.+)$", flags=re.M)


def plan() -> dict:
    return tomllib.loads(PLAN.read_text())


def goals(source: str) -> list[str]:
    """The bullets under **You will learn:** in a title cell, each on one line."""
    block = source.split("**You will learn:**", 1)[-1].split("**Time:**", 1)[0]
    return [" ".join(item.split()) for item in re.split(r"^\s*-\s+", block, flags=re.M)[1:]]


def hint_messages(module: str) -> dict[str, list[str]]:
    """For each checker function in ``utils/checks/<module>.py``: the text of every ``Hint`` it raises."""
    path = ROOT / "utils" / "checks" / f"{module}.py"
    tree = ast.parse(path.read_text()) if path.exists() else ast.Module(body=[], type_ignores=[])
    found = {}
    for fn in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        texts = []
        for node in ast.walk(fn):
            if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                    and getattr(node.exc.func, "id", "") == "Hint" and node.exc.args):
                texts.append(_text(node.exc.args[0]))
        found[fn.name] = [t for t in dict.fromkeys(_slip(t) for t in texts) if t]
    return found


def _slip(message: str) -> str:
    """A hint without its leading placeholder (``…: ``); empty if it names no slip (only "expected …, got …")."""
    message = re.sub(r"^[…\s]*(is off|is wrong)?[:;,]?\s*", "", " ".join(message.split()))
    words = re.sub(r"\b(expected|got|is off|the|a|for|this|input)\b|…|[^A-Za-z ]", " ", message)
    return message if len(words.split()) >= 4 else ""


def _text(node) -> str:
    """A string literal, an f-string (values shown as …) or a concatenation of them, as plain text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left) + _text(node.right)
    return ""


def exercises(nb, name: str) -> list[dict]:
    """Each exercise (as ``course.exercises_of`` finds it) with its heading, in notebook order."""
    found = []
    for entry in exercises_of(name, nb.cells):
        heading = ""
        for cell in nb.cells[: entry["cell"]]:
            match = cell.cell_type == "markdown" and EXERCISE_HEADING.search(cell.source)
            heading = match.group(1).lstrip("#").strip() if match else heading  # the points, written apart
        found.append({**entry, "heading": heading})
    return found


def clock(start: str, minutes: int) -> str:
    return (datetime.strptime(start, "%H:%M") + timedelta(minutes=minutes)).strftime("%H:%M")


def agenda(spec: dict, per_notebook: dict, titles: dict) -> list[str]:
    lines = [f"### {spec['title']}", "", "| time | what | mode | minutes |", "|---|---|---|---:|"]
    elapsed, day = 0, 1
    for item in spec["items"]:
        word, *rest = item.split()
        if word == "day":
            day, elapsed = int(rest[0]), 0
            lines.append(f"| **day {day}** | | | |")
            continue
        if word in ("break", "lunch"):
            minutes, what, mode = int(rest[0]), word, ""
        else:
            if word not in titles:
                raise SystemExit(f"agenda {spec['title']!r} names notebook {word}, which does not exist")
            entry = per_notebook[word]
            lecture_only = rest == ["lecture"]
            minutes = entry["lecture_minutes"] + (0 if lecture_only else entry["exercise_minutes"])
            what = f"{titles[word]}" + (" — lecture and demo; exercises as homework" if lecture_only else
                                        " — lecture, demo and exercises")
            mode = spec["mode"]
        lines.append(f"| {clock(spec['start'], elapsed)}–{clock(spec['start'], elapsed + minutes)} | {what} | {mode} "
                     f"| {minutes} |")
        elapsed += minutes
    if spec.get("note"):
        lines += ["", spec["note"]]
    return lines + [""]


def render() -> str:
    course = plan()
    per_notebook = course["notebooks"]
    names = notebook_names()
    notebooks = {name[:2]: nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4) for name in names}
    full_names = {name[:2]: name for name in names}
    missing = sorted(set(notebooks) - set(per_notebook))
    if missing:
        raise SystemExit(f"tools/course_plan.toml has no entry for notebook(s) {', '.join(missing)}: add one")
    titles = {number: title_of(nb.cells[0].source) for number, nb in notebooks.items()}
    out = [
        "# Instructor guide",
        "",
        "<!-- Written by tools/instructors.py from the notebooks and tools/course_plan.toml; edit those, then run",
        "     `python tools/instructors.py`. The tests fail when this file is out of date. -->",
        "",
        "**The key** is this repository: every exercise's solution is the cell tagged `solution` right after its",
        "stub in `notebooks/NN_*.ipynb`, and its checker is in `utils/checks/nbNN.py`. Hand out the student",
        "edition (`make student`), present from the decks (`make slides` after `make run`, so they show your",
        "run's figures), and grade submissions with `make grade` (README, \"Grading\").",
        "",
        "Lecture and exercise minutes are planning estimates; compute times are each notebook's measured",
        "**Time:** line (the last `make bench`, on a 2-core CPU unless it says otherwise).",
        "",
        "## At a glance",
        "",
        "| notebook | lecture min | exercise min | exercises | points | compute time |",
        "|---|---:|---:|---:|---:|---|",
    ]
    details = []
    for number, nb in notebooks.items():
        entry, title = per_notebook[number], titles[number]
        source = nb.cells[0].source
        found = exercises(nb, full_names[number])
        points = sum(e["points"] or 0 for e in found)
        out.append(f"| {title} | {entry['lecture_minutes']} | {entry['exercise_minutes']} | {len(found)} | "
                   f"{points} | {time_of(source)} |")
        sections = {int(n): t.strip() for n, t in SECTION.findall("\n".join(c.source for c in nb.cells
                                                                          if c.cell_type == "markdown"))}
        details += [f"### {title}", "", f"**Prerequisites:** {entry['prerequisites']}", "",
                    "**Learning goals:**", "", *[f"- {g}" for g in goals(source)], ""]
        shown = [f"§{n} {sections[n]}" for n in entry["present"] if n in sections]
        details += [f"**Present from the slides** (short session): {'; '.join(shown) or 'all sections'}", ""]
        if found:
            hints = hint_messages(f"nb{number}")
            details += ["**Exercises** (key: the `solution` cell after each stub):", ""]
            for e in found:
                pts = f" — {e['points']} points" if e["points"] else ""
                details.append(f"- {e['heading'] or 'Exercise'}{pts}" + (f" (`{e['id']}`)" if e["id"] else ""))
                for message in hints.get(e["checker"], []) if e["checker"] else []:
                    details.append(f"  - catches: {_short(message)}")
            details.append("")
    out += ["", "## Agendas", ""]
    for spec in course["agendas"].values():
        out += agenda(spec, per_notebook, titles)
    return "\n".join(out + ["## Per notebook", ""] + details).rstrip() + "\n"


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1].rstrip() + "…"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if INSTRUCTORS.md is out of date")
    args = parser.parse_args()
    text = render()
    if args.check:
        if not GUIDE.exists() or GUIDE.read_text() != text:
            print("INSTRUCTORS.md is out of date: run `python tools/instructors.py`")
            return 1
        return 0
    GUIDE.write_text(text)
    print(f"wrote {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
