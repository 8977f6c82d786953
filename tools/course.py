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
