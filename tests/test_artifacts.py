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


def test_a_smoke_run_after_a_workshop_run_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    name = notebook_names()[0]  # 00: seconds in workshop mode
    _run("workshop", name, tmp_path)
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert any(path.suffix == ".png" for path in before) and any(path.name == "report.md" for path in before)
    _run("smoke", name, tmp_path)
    lost = [str(path.relative_to(tmp_path)) for path, content in before.items()
            if not path.exists() or path.read_bytes() != content]
    assert not lost, f"the smoke run overwrote the workshop run's {lost}"
    smoke, workshop = env.artifacts_dir("smoke"), env.artifacts_dir("workshop")
    assert (smoke, workshop) == (tmp_path / "smoke", tmp_path / "workshop")
    for mode, folder in [("smoke", smoke), ("workshop", workshop)]:
        assert json.loads((folder / name / "metrics.json").read_text())["mode"] == mode
        assert list((folder / name).glob("*.png")) and (folder / "executed" / f"{name}.ipynb").exists()
        assert f"({mode} mode)" in (folder / "report.md").read_text()
