import importlib.util
import json
import os
import sys

import pytest

import utils
from utils import env


def test_pick_follows_the_mode():
    for mode, expected in [("smoke", 1), ("workshop", 2), ("full", 3)]:
        assert env.Context("x", mode=mode).pick(smoke=1, workshop=2, full=3) == expected


def test_pick_needs_every_mode():
    with pytest.raises(TypeError):
        env.Context("x").pick(smoke=1, workshop=2)


def test_mode_from_environment_and_bad_mode(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    assert env.resolve_mode() == "full"
    assert env.resolve_mode("Smoke") == "smoke"
    with pytest.raises(env.SetupError, match="Unknown mode 'fast'"):
        env.resolve_mode("fast")


def test_package_table_flags_missing_and_too_old():
    rows = env.check_packages({"pytest": ("pytest", "999.0"), "nope": ("no-such-package-xyz", "1.0"),
                               "numpy": ("numpy", "1.0")})
    status = {name: row_status for name, _w, _f, row_status in rows}
    assert status == {"pytest": "too old", "no-such-package-xyz": "missing", "numpy": "OK"}
    command = env.fix_command(rows)
    assert "pip install --upgrade" in command and "'pytest>=999.0'" in command and "no-such-package-xyz" in command
    assert "numpy" not in command
    assert "status" in env.format_table(rows)


def test_setup_stops_with_the_fix_command(monkeypatch):
    monkeypatch.setattr(env, "REQUIRED", {"nope": ("no-such-package-xyz", "1.0")})
    with pytest.raises(env.SetupError, match="pip install --upgrade 'no-such-package-xyz>=1.0'"):
        utils.setup("00_test", mode="smoke", verbose=False)


def test_version_comparison():
    assert env._version_tuple("2.16.0rc1") >= env._version_tuple("2.16")
    assert env._version_tuple("1.26.4") < env._version_tuple("2.0")


def test_setup_returns_a_seeded_context(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    import numpy as np

    ctx = utils.setup("00_test", mode="smoke", seed=7)
    first = np.random.rand()
    utils.setup("00_test", mode="smoke", seed=7, verbose=False)
    assert np.random.rand() == first
    shown = capsys.readouterr().out
    assert "TensorFlow" in shown and "Mode: smoke" in shown and "Device:" in shown
    assert ctx.mode == "smoke" and ctx.smoke and ctx.out == tmp_path / "smoke" / "00_test" and ctx.out.is_dir()


def test_metrics_json(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS", str(tmp_path))
    ctx = env.Context("01_x", mode="workshop")
    ctx.log_metric("rmse", 50_000, unit="$", target=55_000, baseline=70_000, higher_is_better=False, key=True)
    ctx.log_metric("acc", 0.9, target=0.96)
    record = json.loads(ctx.save_metrics(note="hi").read_text())
    assert record["notebook"] == "01_x" and record["mode"] == "workshop" and record["note"] == "hi"
    assert record["metrics"]["rmse"] == {"value": 50000.0, "unit": "$", "higher_is_better": False, "key": True,
                                         "target": 55000.0, "met": True, "baseline": 70000.0}
    assert record["metrics"]["acc"]["met"] is False
    assert record["wall_s"] >= 0 and record["device"]


def test_native_stderr_is_captured_and_restored(tmp_path, capfd):
    log = tmp_path / "native.log"
    with env._native_stderr_to(log):
        os.write(2, b"I0000 start-up chatter\n")
    os.write(2, b"after\n")
    assert log.read_text() == "I0000 start-up chatter\n"
    assert capfd.readouterr().err == "after\n"


@pytest.mark.parametrize("mode", [1, 0, True, ["smoke"], "fast", "", " "])
def test_unusable_mode_lists_the_modes(mode, monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    with pytest.raises(env.SetupError) as info:
        utils.setup("00_test", mode=mode, verbose=False)
    message = str(info.value)
    assert f"Unknown mode {mode!r}" in message and all(repr(m) in message for m in env.MODES), message


def test_bad_course_mode_variable(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "turbo")
    with pytest.raises(env.SetupError, match="Unknown mode 'turbo': use one of 'smoke', 'workshop', 'full'"):
        utils.setup("00_test", verbose=False)


@pytest.mark.parametrize("backend", [b for b in ("jax", "torch", "openvino") if importlib.util.find_spec(b) is None])
def test_keras_backend_whose_package_is_missing(backend, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", backend)
    with pytest.raises(env.SetupError) as info:
        utils.setup("00_test", mode="smoke", verbose=False)
    message = str(info.value)
    assert f"KERAS_BACKEND='{backend}'" in message and "not installed" in message
    assert "needs only TensorFlow" in message and "unset KERAS_BACKEND" in message


def test_keras_backend_that_does_not_exist(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "pytorch")
    with pytest.raises(env.SetupError, match="KERAS_BACKEND='pytorch' is not a Keras backend .*unset KERAS_BACKEND"):
        utils.setup("00_test", mode="smoke", verbose=False)


def test_keras_backend_defaults_to_tensorflow(monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert env.check_keras_backend() == "tensorflow" and os.environ["KERAS_BACKEND"] == "tensorflow"


def test_installed_package_that_fails_to_import_is_broken(tmp_path, monkeypatch):
    # a real installed distribution (metadata at a good version) whose import raises
    (tmp_path / "course_broken_pkg").mkdir()
    (tmp_path / "course_broken_pkg" / "__init__.py").write_text("raise ImportError('needs libcourse.so.1')\n")
    info = tmp_path / "course_broken_pkg-1.5.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: course-broken-pkg\nVersion: 1.5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    required = {"course_broken_pkg": ("course-broken-pkg", "1.0"), "numpy": ("numpy", "1.0")}
    rows = env.check_packages(required)
    assert rows[0][:3] == ("course-broken-pkg", ">=1.0", "1.5")
    assert rows[0][3] == "broken: ImportError: needs libcourse.so.1" and rows[1][3] == "OK"
    assert "broken: ImportError: needs libcourse.so.1" in env.format_table(rows)
    assert env.pip_commands(rows) == [[sys.executable, "-m", "pip", "install", "--force-reinstall",
                                       "course-broken-pkg>=1.0"]]
    monkeypatch.setattr(env, "REQUIRED", required)
    broken = r"(?s)missing, too old or broken .*--force-reinstall 'course-broken-pkg>=1.0'"
    with pytest.raises(env.SetupError, match=broken):
        utils.setup("00_test", mode="smoke", verbose=False)


def test_pip_commands_are_argument_lists_without_quotes():
    rows = [("seaborn", ">=0.13", "-", "missing"), ("numpy", ">=1.24", "1.20", "too old"),
            ("pandas", ">=2.0", "2.2", "OK")]
    assert env.pip_commands(rows) == [[sys.executable, "-m", "pip", "install", "--upgrade",
                                       "seaborn>=0.13", "numpy>=1.24"]]
    assert env.fix_command(rows).endswith("install --upgrade 'seaborn>=0.13' 'numpy>=1.24'")
    assert env.pip_commands([rows[2]]) == [] and env.fix_command([rows[2]]) == ""
