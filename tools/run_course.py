"""Execute course notebooks in one mode and write the report.

    python tools/run_course.py --mode workshop            # every notebook
    python tools/run_course.py --mode smoke --nb 01 04    # some of them

Each mode keeps its results apart, in ``artifacts/<mode>/``: executed copies in ``executed/``, each
notebook's own ``<name>/metrics.json`` and figures, and this script's ``runs.json`` (the wall time it
measured) and ``report.md`` (per notebook: wall time, key metrics, their targets and baselines). So a
smoke run (``make test``) never overwrites a workshop run. ``COURSE_ARTIFACTS=/some/dir`` moves
``artifacts/``. A notebook that fails is reported with its error and the others still run; the exit code
is 1 then.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

import nbformat
from course import NOTEBOOKS, notebook_names, select
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from utils.env import MODES, artifacts_dir


def execute(name: str, mode: str, timeout: int, out_dir) -> tuple[float, str | None]:
    """Run one notebook top to bottom; return (wall seconds, error or None)."""
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    os.environ["COURSE_MODE"] = mode
    resources = {"metadata": {"path": str(NOTEBOOKS)}}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources)
    start = time.time()
    error = None
    try:
        client.execute()
    except CellExecutionError as failure:
        error = re.sub(r"\x1b\[[0-9;]*m", "", str(failure)).strip().splitlines()[-1][:300]  # no colour codes
    except TimeoutError:
        error = f"a cell ran longer than {timeout} s"
    wall = time.time() - start
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out_dir / f"{name}.ipynb")
    return wall, error


def fmt(value) -> str:
    if value is None:
        return ""
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"


def write_report(runs: dict, mode: str) -> str:
    """The report of ``mode`` from each notebook's ``artifacts/<mode>/<name>/metrics.json``."""
    folder = artifacts_dir(mode)
    lines = [
        f"# Course report ({mode} mode)",
        "",
        "Wall time is measured by the runner around the whole notebook (kernel start included).",
        "",
        "| notebook | mode | device | wall s | metric | value | target | baseline | met |",
        "|---|---|---|---:|---|---:|---:|---:|---|",
    ]
    for name, (wall, error) in runs.items():
        path = folder / name / "metrics.json"
        record = json.loads(path.read_text()) if path.exists() else {}
        if error or record.get("mode") != mode:
            why = error or (f"metrics.json is from a {record['mode']} run" if record else "no metrics.json")
            lines.append(f"| {name} | {mode} |  | {wall:.1f} | **failed** | {why} | | | ✗ |")
            continue
        shown = {k: m for k, m in record["metrics"].items() if m.get("key") or "target" in m} or record["metrics"]
        for metric, m in shown.items():
            met = {True: "✓", False: "✗"}.get(m.get("met"), "")
            unit = f" {m['unit']}" if m.get("unit") else ""
            lines.append(
                f"| {name} | {record['mode']} | {record['device']} | {wall:.1f} | {metric}{unit} | {fmt(m['value'])} "
                f"| {fmt(m.get('target'))} | {fmt(m.get('baseline'))} | {met} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", default=os.environ.get("COURSE_MODE", "workshop"), choices=MODES)
    parser.add_argument("--nb", nargs="*", default=[], help="notebook number prefixes, e.g. 01 04")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args()
    folder = artifacts_dir(args.mode)
    runs = {}
    for name in select(notebook_names(), args.nb):
        print(f"▶ {name} ({args.mode})", flush=True)
        runs[name] = execute(name, args.mode, args.timeout, folder / "executed")
        wall, error = runs[name]
        print(f"  {'FAILED: ' + error if error else 'ok'} in {wall:.1f} s", flush=True)
    old = folder / "runs.json"
    all_runs = json.loads(old.read_text()) if old.exists() else {}
    all_runs.update({name: {"mode": args.mode, "wall_s": w, "error": e} for name, (w, e) in runs.items()})
    old.write_text(json.dumps(all_runs, indent=2))
    current = set(notebook_names())  # a notebook renamed or removed since its run drops out of the report
    every = {name: (r["wall_s"], r["error"]) for name, r in sorted(all_runs.items())
             if r["mode"] == args.mode and name in current}
    report = write_report(every, args.mode)
    (folder / "report.md").write_text(report)
    print(report)
    print(f"Report, metrics and figures of this {args.mode} run: {folder}")
    return 1 if any(e for _, e in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
