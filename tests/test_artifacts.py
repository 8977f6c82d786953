"""Each mode keeps its results apart: a smoke run (what `make test` does) after a workshop run
(`make run`) loses none of the workshop run's report, metrics, figures or executed notebooks."""

import json
import os
import subprocess
import sys

from course import ROOT, notebook_names

from utils import env


def test_modes_write_to_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    outs = {mode: env.Context("01_x", mode=mode).out for mode in env.MODES}
    assert outs == {mode: tmp_path / mode / "01_x" for mode in env.MODES}
    assert env.artifacts_dir() == tmp_path and env.artifacts_dir("full") == tmp_path / "full"


def _run(mode: str, name: str, artifacts) -> None:
    environment = {**os.environ, "COURSE_ARTIFACTS": str(artifacts)}
    command = [sys.executable, str(ROOT / "tools" / "run_course.py"), "--mode", mode, "--nb", name[:2]]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _workshop_results(folder, name: str) -> None:
    """What a workshop run leaves (``make run``; minutes of CPU, so written here as that run writes them)."""
    (folder / name).mkdir(parents=True)
    (folder / name / "metrics.json").write_text(json.dumps({"notebook": name, "mode": "workshop", "metrics": {}}))
    (folder / name / "figure.png").write_bytes(b"\x89PNG workshop figure")
    (folder / "executed").mkdir()
    (folder / "executed" / f"{name}.ipynb").write_text('{"cells": []}')
    (folder / "runs.json").write_text(json.dumps({name: {"mode": "workshop", "wall_s": 99.0, "error": None}}))
    (folder / "report.md").write_text("# Course report (workshop mode)\n")


def test_a_smoke_run_after_a_workshop_run_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    name = notebook_names()[0]
    smoke, workshop = env.artifacts_dir("smoke"), env.artifacts_dir("workshop")
    assert (smoke, workshop) == (tmp_path / "smoke", tmp_path / "workshop")
    _workshop_results(workshop, name)
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    _run("smoke", name, tmp_path)  # a real run, as make test does it
    lost = [str(path.relative_to(tmp_path)) for path, content in before.items()
            if not path.exists() or path.read_bytes() != content]
    assert not lost, f"the smoke run overwrote the workshop run's {lost}"
    assert json.loads((smoke / name / "metrics.json").read_text())["mode"] == "smoke"
    assert list((smoke / name).glob("*.png")) and (smoke / "executed" / f"{name}.ipynb").exists()
    assert "(smoke mode)" in (smoke / "report.md").read_text()
