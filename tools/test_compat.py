"""``make test-compat``: run every notebook in smoke mode under the versions the course promises.

Two extra virtual environments, each with its own interpreter, are built beside ``.venv``:

- ``.venv-oldest``: every package in requirements.txt at its floor (the lowest release at or above the
  ``>=`` bound, pinned with ``==`` in a constraints file generated from requirements.txt, so it cannot drift);
  packages the course does not list are left to pip. Python is the oldest ``requires-python`` allows.
- ``.venv-colab``: the versions Google Colab's current image publishes (``requirements-colab.txt``).

In each, every notebook runs under nbval in smoke mode, one at a time. The script prints what was installed
and a pass/fail line per notebook, and exits non-zero if any notebook fails. Only the standard library is
used here, so any Python 3.10+ can run it. An environment is rebuilt when its constraints change.

    python tools/test_compat.py [--env oldest|colab] [--nb 04] [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements.txt"
# Printed for every environment: the libraries a version difference is most likely to break.
KEY_PACKAGES = ("tensorflow", "keras", "numpy", "pandas", "scipy", "matplotlib", "seaborn", "scikit-learn",
                "scikit-image", "PyWavelets", "pillow", "tqdm", "ml-dtypes", "h5py", "ipykernel", "nbval", "pytest")


@dataclass(frozen=True)
class Environment:
    name: str
    python: str  # interpreter that creates the venv
    constraints: Path | None  # None: generated from the floors in requirements.txt

    @property
    def venv(self) -> Path:
        return ROOT / f".venv-{self.name}"


ENVIRONMENTS = {
    # Python 3.10: the oldest pyproject.toml's requires-python allows.
    "oldest": Environment("oldest", os.environ.get("PYTHON_OLDEST", "python3.10"), None),
    # Colab's runtime is Python 3.12.
    "colab": Environment("colab", os.environ.get("PYTHON_COLAB", "python3.12"), ROOT / "requirements-colab.txt"),
}


def requirement_floors(text: str | None = None) -> dict[str, str]:
    """``{"tensorflow": "2.16", ...}``: every ``name>=version`` line of requirements.txt (or ``text``), in order.

    A line with any other form (no bound, ``==``, ``<``, markers) is an error: every dependency must have
    one plain floor, so that setup() and this script can check it."""
    floors = {}
    for number, raw in enumerate((REQUIREMENTS.read_text() if text is None else text).splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*>=\s*([0-9][0-9.]*)", line)
        if not match:
            raise ValueError(f"requirements line {number}: {line!r} is not of the form name>=version.")
        floors[match[1]] = match[2]
    return floors


def release(version: str) -> tuple[int, ...] | None:
    """``"2.16.1"`` -> ``(2, 16, 1)``; None for anything but a final release (rc, dev, local builds)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)*)(?:\.post\d+)?", version)
    return tuple(int(p) for p in match[1].split(".")) if match else None


def _padded(parts: tuple[int, ...], length: int = 4) -> tuple[int, ...]:
    return parts + (0,) * (length - len(parts))


def lowest_release(python: Path, package: str, floor: str) -> str:
    """The lowest final release of ``package`` at or above ``floor`` that pip offers for ``python``."""
    out = subprocess.run([str(python), "-m", "pip", "index", "versions", package],
                         capture_output=True, text=True, check=False).stdout
    listed = re.search(r"Available versions:\s*(.*)", out)
    if not listed:
        raise SystemExit(f"pip found no releases of {package} for {python}: is PyPI reachable?")
    bound = _padded(release(floor))
    candidates = [v.strip() for v in listed[1].split(",") if release(v.strip())]
    allowed = [v for v in candidates if _padded(release(v)) >= bound]
    if not allowed:
        raise SystemExit(f"No release of {package} satisfies >={floor}.")
    return min(allowed, key=lambda v: _padded(release(v)))


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    print("$", " ".join(str(c) for c in command), flush=True)
    return subprocess.run([str(c) for c in command], check=False, **kwargs)


def _interpreter(command: str) -> str | None:
    """``command`` if it runs, else the same version installed by pyenv (whose shims refuse versions that are
    not selected), else None."""
    candidates = [command, *sorted(Path.home().glob(f".pyenv/versions/*/bin/{Path(command).name}"), reverse=True)]
    for candidate in candidates:
        if shutil.which(str(candidate)) and not subprocess.run([str(candidate), "-c", ""],
                                                                capture_output=True).returncode:
            return str(candidate)
    return None


def build(env: Environment, rebuild: bool) -> float:
    """Create ``env.venv`` and install requirements.txt under its constraints; return the seconds it took
    (0 when an up-to-date environment was reused)."""
    python = env.venv / "bin" / "python"
    stamp = env.venv / ".installed"
    interpreter = _interpreter(env.python)
    if interpreter is None:
        raise SystemExit(f"{env.python} does not run: install it, or set PYTHON_{env.name.upper()} to an interpreter.")
    # The oldest environment's pins follow from requirements.txt alone (new releases never sort below a floor).
    key = hashlib.sha256((REQUIREMENTS.read_text() + (env.constraints.read_text() if env.constraints else ""))
                         .encode()).hexdigest()
    if not rebuild and stamp.exists() and stamp.read_text() == key:
        print(f"{env.venv.name}: up to date, reused.")
        return 0.0
    if python.exists():  # requirements or constraints changed: start clean, so nothing stale is left
        print(f"{env.venv.name}: requirements or constraints changed, rebuilding.")
    start = time.time()
    shutil.rmtree(env.venv, ignore_errors=True)
    if _run([interpreter, "-m", "venv", env.venv]).returncode:
        raise SystemExit(f"Could not create {env.venv.name}.")
    _run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    if env.constraints is None:
        floors = requirement_floors()
        text = "".join(f"{name}=={lowest_release(python, name, floor)}\n" for name, floor in floors.items())
    else:
        text = env.constraints.read_text()
    constraints = env.venv / "constraints.txt"
    constraints.write_text(text)
    print(f"{env.venv.name} constraints:\n" + "".join(f"  {line}\n" for line in text.splitlines()
                                                     if line and not line.startswith("#")), end="")
    log = env.venv / "pip-install.log"
    with log.open("w") as sink:
        result = _run([python, "-m", "pip", "install", "-r", REQUIREMENTS, "-c", constraints],
                      stdout=sink, stderr=subprocess.STDOUT)
    if result.returncode:
        lines = log.read_text().splitlines()
        cause = next((i for i, line in enumerate(lines) if "conflict is caused by" in line), len(lines) - 15)
        print("\n".join(lines[max(cause, 0):cause + 15]))
        raise SystemExit(f"{env.venv.name}: pip could not install requirements.txt under {constraints} "
                         f"(whole log: {log}).")
    stamp.write_text(key)
    return time.time() - start


def installed_versions(env: Environment) -> dict[str, str]:
    out = subprocess.run([str(env.venv / "bin" / "python"), "-m", "pip", "list", "--format=json"],
                         capture_output=True, text=True, check=True).stdout
    found = {row["name"].lower().replace("_", "-"): row["version"] for row in json.loads(out)}
    return {name: found.get(name.lower(), "-") for name in KEY_PACKAGES}


def run_notebooks(env: Environment, notebooks: list[Path]) -> tuple[dict[str, tuple[bool, float]], float]:
    """Every notebook under nbval in smoke mode; ``{name: (passed, seconds)}`` and the wall time."""
    report = env.venv / "junit.xml"
    report.unlink(missing_ok=True)
    environ = {**os.environ, "COURSE_MODE": "smoke", "COURSE_ARTIFACTS": str(env.venv / "artifacts"),
               "PYTHONNOUSERSITE": "1"}
    environ.pop("KERAS_BACKEND", None)
    start = time.time()
    _run([env.venv / "bin" / "python", "-m", "pytest", "-q", "-n", "1", "--nbval-lax", "--nbval-current-env",
          "-p", "no:cacheprovider", f"--junitxml={report}", *[p.relative_to(ROOT) for p in notebooks]],
         cwd=ROOT, env=environ)
    wall = time.time() - start
    results = {p.stem: (False, 0.0) for p in notebooks}  # a notebook that left no record failed
    if report.exists():
        seen: dict[str, list] = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            stem = Path(case.get("file") or case.get("classname", "").replace(".", "/")).stem
            name = next((n for n in results if n in (stem, *case.get("classname", "").split("."))), None)
            if name is None:
                continue
            failed = any(child.tag in ("failure", "error") for child in case)
            ok, seconds = seen.get(name, (True, 0.0))
            seen[name] = (ok and not failed, seconds + float(case.get("time", 0)))
        results.update(seen)
    return results, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", choices=sorted(ENVIRONMENTS), action="append",
                        help="only this environment (repeatable; default: all)")
    parser.add_argument("--nb", action="append", help="only notebooks whose name starts with this (repeatable)")
    parser.add_argument("--rebuild", action="store_true", help="delete and recreate the environments")
    args = parser.parse_args(argv)
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.nb:
        notebooks = [p for p in notebooks if any(p.name.startswith(prefix) for prefix in args.nb)]
    if not notebooks:
        raise SystemExit(f"No notebook in notebooks/ starts with {args.nb}.")
    summary = []
    for name in args.env or list(ENVIRONMENTS):
        env = ENVIRONMENTS[name]
        print(f"\n=== {env.venv.name} ({env.python}) ===", flush=True)
        install_s = build(env, args.rebuild)
        python_version = subprocess.run([str(env.venv / "bin" / "python"), "--version"], capture_output=True,
                                        text=True, check=True).stdout.split()[-1]
        versions = installed_versions(env)
        results, run_s = run_notebooks(env, notebooks)
        summary.append((env, python_version, versions, install_s, results, run_s))
    failures = 0
    for env, python_version, versions, install_s, results, run_s in summary:
        print(f"\n{env.venv.name}: Python {python_version} · install {install_s:.0f} s · notebooks {run_s:.0f} s")
        print("  " + " · ".join(f"{package} {version}" for package, version in versions.items()))
        for notebook, (ok, seconds) in results.items():
            print(f"  {'pass' if ok else 'FAIL'}  {notebook}  ({seconds:.0f} s)")
            failures += not ok
    print(f"\n{failures} notebook run(s) failed." if failures else "\nEvery notebook passed in every environment.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
