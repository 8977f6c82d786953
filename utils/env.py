"""``setup()``: the first call of every notebook, and the ``Context`` it returns.

Only the standard library is imported at module level: the package check must be able to run
(and say what to install) before numpy or TensorFlow are importable.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODES = ("smoke", "workshop", "full")
DEFAULT_MODE = "workshop"


def artifacts_dir(mode: str | None = None) -> Path:
    """Where notebooks and tools write their outputs: ``artifacts/`` (or ``$COURSE_ARTIFACTS`` if set);
    with a mode, that mode's own folder ``artifacts/<mode>/``, so a smoke run never overwrites a workshop run."""
    base = Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "artifacts"))
    return base / mode if mode else base


# import name -> (pip name, oldest version the course is tested against). The same floors as the first
# block of requirements.txt (tests/test_versions.py keeps them equal); `make test-compat` runs the notebooks
# at exactly these versions.
REQUIRED = {
    "tensorflow": ("tensorflow", "2.16"),
    "keras": ("keras", "3.5"),  # before 3.5 float()/int() of a Variable fail (01, 04); 3.0: model.output a list
    "numpy": ("numpy", "1.24.1"),  # 1.24.0: seaborn 0.13 excludes it
    "pandas": ("pandas", "2.0"),
    "scipy": ("scipy", "1.10"),
    "matplotlib": ("matplotlib", "3.7"),
    "seaborn": ("seaborn", "0.13"),
    "sklearn": ("scikit-learn", "1.3"),
    "skimage": ("scikit-image", "0.21"),
    "pywt": ("PyWavelets", "1.4"),
    "PIL": ("pillow", "9.0.1"),  # 9.0.0: scikit-image 0.21 needs 9.0.1
    "tqdm": ("tqdm", "4.63"),  # 4.60-4.62: tqdm.auto raises in a kernel without ipywidgets (10)
}


class SetupError(RuntimeError):
    """The environment cannot run the notebook; the message says how to fix it."""

    def _render_traceback_(self):  # IPython shows just the message, not a traceback
        return [f"SetupError: {self}"]


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _import_error(module: str) -> str | None:
    """Import ``module``; return None, or its error in one short line (an installed package can still fail
    to import: a missing dependency, a binary built for another numpy)."""
    try:
        if module == "tensorflow":
            _import_tensorflow()
        else:
            importlib.import_module(module)
    except Exception as error:  # any import failure is reported in the table, never raised here
        text = f"{type(error).__name__}: {error}".splitlines()[0]
        return text if len(text) <= 100 else text[:97] + "..."
    return None


def check_packages(required: dict | None = None) -> list[tuple[str, str, str, str]]:
    """Return one row per package: (pip name, wanted, found, status), status OK, missing, too old or
    ``broken: <error>`` (installed at a good version, but its import fails)."""
    rows = []
    for module, (pip_name, minimum) in (REQUIRED if required is None else required).items():
        try:
            found = metadata.version(pip_name)
        except metadata.PackageNotFoundError:
            rows.append((pip_name, f">={minimum}", "-", "missing"))
            continue
        if _version_tuple(found) < _version_tuple(minimum):
            status = "too old"
        else:
            error = _import_error(module)
            status = f"broken: {error}" if error else "OK"
        rows.append((pip_name, f">={minimum}", found, status))
    return rows


def format_table(rows) -> str:
    header = ("package", "wanted", "found", "status")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    return "\n".join(lines)


def pip_commands(rows) -> list[list[str]]:
    """The pip command lines (argument lists, no shell) that fix the rows not OK: missing and too-old
    packages are upgraded, broken ones reinstalled."""
    pip = [sys.executable, "-m", "pip", "install"]
    upgrade = [f"{name}{wanted}" for name, wanted, _found, status in rows if status in ("missing", "too old")]
    broken = [f"{name}{wanted}" for name, wanted, _found, status in rows if status.startswith("broken")]
    commands = [pip + ["--upgrade", *upgrade]] if upgrade else []
    return commands + ([pip + ["--force-reinstall", *broken]] if broken else [])


def fix_command(rows) -> str:
    """The same commands as a learner types them in a shell, one per line."""
    return "\n    ".join(shlex.join(command) for command in pip_commands(rows))


def in_colab() -> bool:
    return "google.colab" in sys.modules


def resolve_mode(mode: str | None = None) -> str:
    chosen = mode if mode is not None else (os.environ.get("COURSE_MODE") or DEFAULT_MODE)
    if isinstance(chosen, str) and chosen.strip().lower() in MODES:
        return chosen.strip().lower()
    raise SetupError(f"Unknown mode {chosen!r}: use one of {', '.join(map(repr, MODES))} "
                     "(setup(mode='smoke') or COURSE_MODE=smoke, ...).")


# Keras 3 backend -> the package it needs
KERAS_BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch", "numpy": "numpy", "openvino": "openvino"}


def check_keras_backend() -> str:
    """The Keras backend to use: ``$KERAS_BACKEND`` if set (and installed), else TensorFlow, the course's own."""
    backend = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    unset = ("the course needs only TensorFlow: remove the setting (`unset KERAS_BACKEND` in the shell, or "
             "`os.environ.pop('KERAS_BACKEND')` in the notebook) and restart the kernel")
    if backend not in KERAS_BACKENDS:
        raise SetupError(f"KERAS_BACKEND={backend!r} is not a Keras backend ({', '.join(KERAS_BACKENDS)}): {unset}.")
    if importlib.util.find_spec(KERAS_BACKENDS[backend]) is None:
        raise SetupError(f"KERAS_BACKEND={backend!r} asks Keras for {KERAS_BACKENDS[backend]}, which is not "
                         f"installed: {unset}.")
    return backend


@dataclass
class Context:
    """What a notebook needs to know about its run: mode, seed, device, where to write."""

    name: str
    mode: str = DEFAULT_MODE
    seed: int = 42
    device: str = "CPU"
    gpu: bool = False
    start: float = field(default_factory=time.time)
    metrics: dict = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return ROOT

    @property
    def out(self) -> Path:
        """``artifacts/<mode>/<notebook>/``: figures, metrics.json, samples and checkpoints of this notebook,
        each mode apart (a smoke test leaves the workshop run's results alone)."""
        path = artifacts_dir(self.mode) / self.name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def pick(self, *, smoke, workshop, full):
        """The value for the current mode: ``ctx.pick(smoke=1, workshop=20, full=100)``."""
        return {"smoke": smoke, "workshop": workshop, "full": full}[self.mode]

    @property
    def smoke(self) -> bool:
        return self.mode == "smoke"

    def elapsed(self) -> float:
        return time.time() - self.start

    def savefig(self, fig, name: str, **kwargs) -> Path:
        """Save a matplotlib figure as ``artifacts/<mode>/<notebook>/<name>.png``."""
        path = self.out / f"{name}.png"
        fig.savefig(path, dpi=kwargs.pop("dpi", 110), bbox_inches="tight", **kwargs)
        return path

    def log_metric(self, name, value, *, unit="", target=None, baseline=None, higher_is_better=True, key=False):
        """Record a result for metrics.json and the course report.

        ``target`` is the goal the notebook promises (checked in the report, not asserted in smoke mode);
        ``baseline`` is the value of the simple method it is compared with.
        """
        entry = {"value": float(value), "unit": unit, "higher_is_better": higher_is_better, "key": key}
        if target is not None:
            entry["target"] = float(target)
            entry["met"] = bool(value >= target if higher_is_better else value <= target)
        if baseline is not None:
            entry["baseline"] = float(baseline)
        self.metrics[name] = entry
        return value

    def save_metrics(self, **extra) -> Path:
        """Write ``artifacts/<mode>/<notebook>/metrics.json`` with every logged metric, mode, wall time and device."""
        record = {
            "notebook": self.name,
            "mode": self.mode,
            "seed": self.seed,
            "device": self.device,
            "wall_s": round(self.elapsed(), 2),
            "metrics": self.metrics,
            **extra,
        }
        path = self.out / "metrics.json"
        path.write_text(json.dumps(record, indent=2, default=float))
        return path


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    import keras

    keras.utils.set_random_seed(seed)


@contextlib.contextmanager
def _native_stderr_to(path: Path):
    """Send what C/C++ code writes to file descriptor 2 into ``path`` for a while (Python's own
    exceptions are unaffected). TensorFlow prints its start-up log there before any setting can mute it."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "w") as sink:
            os.dup2(sink.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _import_tensorflow():
    """``import tensorflow`` and look for GPUs without the start-up log lines (oneDNN, CUDA stubs) that
    would fill the first cell; the log is shown after all if the import fails."""
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        return tf, tf.config.list_physical_devices("GPU")
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "tensorflow_start.log"
        try:
            with _native_stderr_to(log):
                import tensorflow as tf

                gpus = tf.config.list_physical_devices("GPU")
        except BaseException:
            sys.stderr.write(log.read_text())
            raise
    return tf, gpus


def _describe_device() -> tuple[str, bool]:
    tf, gpus = _import_tensorflow()
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised by an earlier cell: harmless
            pass
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return f"GPU: {details.get('device_name', gpus[0].name)}", True
    return f"CPU: {os.cpu_count()} cores", False


def _plot_style() -> None:
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "figure.figsize": (7, 4.2),
            "figure.dpi": 90,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "image.cmap": "viridis",
        }
    )


def _install_in_colab(rows, verbose: bool):
    """Install what the rows lack with pip (argument lists, no shell quoting) and check again. A package
    that was already imported keeps its old version in memory: then stop and ask for a restart."""
    module_of = {pip_name: module for module, (pip_name, _minimum) in REQUIRED.items()}
    fixing = [name for name, _wanted, _found, status in rows if status != "OK"]
    loaded = [name for name in fixing if module_of.get(name, name) in sys.modules]
    for command in pip_commands(rows):
        if verbose:
            print("Installing: pip", shlex.join(command[3:]), flush=True)
        subprocess.run(command, check=False)
    importlib.invalidate_caches()
    rows = check_packages()
    if loaded and all(status == "OK" for *_, status in rows):
        if verbose:
            print(format_table(rows))
        raise SetupError(f"Installed {', '.join(loaded)}, which this session had already imported: restart the "
                         "runtime (Runtime > Restart session), then run the notebook again from the top.")
    return rows


def setup(name: str, mode: str | None = None, seed: int = 42, verbose: bool = True) -> Context:
    """Check packages, pick the mode, seed everything, find the device, set the plot style.

    Stops with a ``SetupError`` naming the command to run when a package is missing, too old or fails to
    import (in Colab they are installed automatically), or when ``mode`` or ``KERAS_BACKEND`` is unusable.
    """
    mode = resolve_mode(mode)
    check_keras_backend()  # before anything imports keras
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ log: errors only
    rows = check_packages()
    if in_colab() and any(status != "OK" for *_, status in rows):
        rows = _install_in_colab(rows, verbose)
    if verbose:
        print(format_table(rows))
    if any(status != "OK" for *_, status in rows):
        raise SetupError(
            "Some packages are missing, too old or broken (table above). Fix with:\n    "
            + fix_command(rows)
            + "\nthen restart the kernel (or run `make lab`, which installs requirements.txt into .venv)."
        )
    device, gpu = _describe_device()
    _seed_everything(seed)
    _plot_style()
    ctx = Context(name=name, mode=mode, seed=seed, device=device, gpu=gpu)
    if verbose:
        import keras
        import tensorflow as tf

        print(f"\nPython {platform.python_version()} · TensorFlow {tf.__version__} · Keras {keras.__version__}")
        print(f"Device: {device}")
        if not gpu:
            hint = " In Colab: Runtime > Change runtime type > GPU." if in_colab() else ""
            print(f"  No GPU found: fine for smoke and workshop modes; full mode will be slow.{hint}")
        print(f"Mode: {mode} (set COURSE_MODE={'|'.join(MODES)}) · seed {seed} · artifacts in {ctx.out}")
    return ctx
