"""A simulated Colab start: a fake google.colab module and a local clone URL drive the setup cell."""

import os
import shutil
import subprocess
import sys
import types

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


def _write_wheel(folder, name: str, version: str, body: str):
    """A minimal pure-Python wheel of package ``name`` (no build tools, no network)."""
    import base64
    import hashlib
    import zipfile

    dist = f"{name}-{version}"
    files = {
        f"{name}/__init__.py": body,
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record + [f"{dist}.dist-info/RECORD,,"]) + "\n"
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def colab_with_local_index(tmp_path, monkeypatch):
    """A simulated Colab whose pip installs from a local wheel into a private folder on sys.path, and a
    record of every command setup() hands to subprocess.run (which still runs it for real)."""
    from utils import env

    wheels, target = tmp_path / "wheels", tmp_path / "site"
    wheels.mkdir()
    target.mkdir()
    _write_wheel(wheels, "course_dummy", "1.2", "ANSWER = 42\n")
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    for key, value in {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels), "PIP_TARGET": str(target),
                       "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1",
                       "COURSE_ARTIFACTS": str(tmp_path / "art")}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.syspath_prepend(str(target))
    monkeypatch.setattr(env, "REQUIRED", {"course_dummy": ("course-dummy", "1.0")})
    calls = []
    real_run = subprocess.run

    def spy(command, *args, **kwargs):
        if "pip" in str(command):  # other callers (platform.uname) pass by too
            calls.append(command)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(env.subprocess, "run", spy)
    yield env, calls, target
    sys.modules.pop("course_dummy", None)


def test_colab_installs_what_is_missing_with_pip(colab_with_local_index, capsys):
    env, calls, target = colab_with_local_index
    ctx = env.setup("00_test", mode="smoke")
    # pip got a list: the requirement as one clean argument, no shell quotes around it
    assert calls == [[sys.executable, "-m", "pip", "install", "--upgrade", "course-dummy>=1.0"]]
    assert (target / "course_dummy" / "__init__.py").exists()
    import course_dummy

    assert course_dummy.ANSWER == 42 and ctx.mode == "smoke"
    shown = capsys.readouterr().out
    assert "Installing: pip install --upgrade 'course-dummy>=1.0'" in shown
    assert "course-dummy  >=1.0   1.2    OK" in shown


def test_colab_asks_for_a_restart_when_an_installed_package_was_imported(colab_with_local_index, monkeypatch):
    env, calls, _target = colab_with_local_index
    monkeypatch.setitem(sys.modules, "course_dummy", types.ModuleType("course_dummy"))  # an old copy in memory
    with pytest.raises(env.SetupError, match=r"Installed course-dummy, .*already imported: restart the runtime"):
        env.setup("00_test", mode="smoke", verbose=False)
    assert len(calls) == 1  # it did install; only the restart is left to the learner


def test_colab_install_that_fails_ends_with_the_command(colab_with_local_index):
    env, calls, _target = colab_with_local_index
    env.REQUIRED["course_dummy"] = ("course-dummy", "9.0")  # no such version in the local index
    with pytest.raises(env.SetupError, match=r"(?s)missing, too old or broken.*install --upgrade 'course-dummy>=9.0'"):
        env.setup("00_test", mode="smoke", verbose=False)
    assert calls == [[sys.executable, "-m", "pip", "install", "--upgrade", "course-dummy>=9.0"]]
