"""Every relative link in the course's pages and notebooks points at a file or folder of the checkout.

Checked: README.md, CONTRIBUTING.md, data/README.md, slides/README.md and the markdown cells of every notebook
(markdown links, images, and href/src attributes). Web links (http, https, mailto) and anchors within a page
are left alone; a link's own #anchor or ?query is ignored, and the path must be part of the checkout: a file
git tracks or would track, not one it ignores (a built deck under slides/ exists only where someone built it).
"""

import re
import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "CONTRIBUTING.md", "data/README.md", "slides/README.md"]
# [text](target) or ![alt](target "title"); <a href="..."> and <img src="...">
MARKDOWN_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""", flags=re.I)
CODE = re.compile(r"```.*?```|`[^`\n]*`", flags=re.S)  # code spans and blocks hold no links


def links(text: str) -> list[str]:
    text = CODE.sub("", text)
    return [m.group(1) for pattern in (MARKDOWN_LINK, HTML_LINK) for m in pattern.finditer(text)]


def is_relative(target: str) -> bool:
    return not re.match(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", target, flags=re.I)


@cache
def checkout() -> frozenset | None:
    """Files and folders of the checkout (tracked, or new and not ignored), relative to ROOT; None without git."""
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return None
    found = set()
    for name in listed:
        parts = Path(name).parts
        found.update(Path(*parts[:i]).as_posix() for i in range(1, len(parts) + 1))
    return frozenset(found)


def resolves(path: Path, root: Path = ROOT) -> bool:
    path = Path(*[p for p in path.parts if p != "."])
    if not path.exists():
        return False
    files = checkout() if root == ROOT else None
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return True  # outside the repository (tests' scratch folders): existing is enough
    return files is None or relative in ("", ".") or relative in files


def dead_links(text: str, base: Path) -> list[str]:
    dead = []
    for target in links(text):
        if not is_relative(target):
            continue
        path = unquote(re.split(r"[#?]", target, maxsplit=1)[0])
        if path and not resolves(base / path):
            dead.append(target)
    return dead


def sources():
    for page in PAGES:
        if (ROOT / page).exists():
            yield page, (ROOT / page).read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        yield (f"notebooks/{path.name}",
               "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown"))


@pytest.mark.parametrize("page", [name for name, _ in sources()])
def test_every_relative_link_resolves(page):
    text = dict(sources())[page]
    dead = dead_links(text, (ROOT / page).parent)
    assert not dead, f"{page}: dead relative links (no such file in the checkout): {dead}"


def test_the_link_check_finds_a_dead_link(tmp_path):
    (tmp_path / "there.md").write_text("x")
    text = ("[ok](there.md#part) [web](https://example.org/x.html) [anchor](#top) `[code](nowhere.md)` "
            '[dead](slides/05_vae.slides.html) ![figure](missing.png "title") <img src="gone.svg">')
    assert dead_links(text, tmp_path) == ["slides/05_vae.slides.html", "missing.png", "gone.svg"]


def test_a_git_ignored_file_is_not_in_the_checkout():
    assert resolves(ROOT / "slides" / "README.md") and resolves(ROOT / "notebooks")
    ignored = next((ROOT / "slides").glob("*.slides.html"), None)  # a deck someone built here, if any
    if checkout() is not None and ignored is not None:
        assert not resolves(ignored), f"{ignored.name} is git-ignored, so a link to it is dead in the repository"
