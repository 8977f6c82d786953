import json
import os

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
    assert ctx.mode == "smoke" and ctx.smoke and ctx.out == tmp_path / "00_test" and ctx.out.is_dir()


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
