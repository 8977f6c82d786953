"""A simulated Colab start: a fake google.colab module and a local clone URL drive the setup cell."""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from course import NOTEBOOKS, ROOT, notebook_names


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a clone")
def test_setup_cell_clones_the_course_in_colab(tmp_path):
    name = notebook_names()[0]
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    setup = next(c.source for c in nb.cells if "setup" in c.metadata.get("tags", []))
    workdir = tmp_path / "content"
    workdir.mkdir()
    clone = workdir / "course"
    fake_colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
    script = fake_colab + setup + "\nprint('UTILS_FROM', utils.__file__)\n"
    env = {**os.environ, "COURSE_ROOT": str(clone),
           "COURSE_REPO_URL": ROOT.as_uri(), "COURSE_MODE": "smoke", "COURSE_ARTIFACTS": str(tmp_path / "art")}
    result = subprocess.run([sys.executable, "-c", script], cwd=workdir, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (clone / "utils" / "__init__.py").exists() and (clone / "data" / "SHA256SUMS").exists()
    assert f"UTILS_FROM {clone / 'utils' / '__init__.py'}" in result.stdout
    assert "Mode: smoke" in result.stdout
