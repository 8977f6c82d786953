"""``setup()``: the first call of every notebook, and the ``Context`` it returns.

Only the standard library is imported at module level: the package check must be able to run
(and say what to install) before numpy or TensorFlow are importable.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import platform
import random
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


def artifacts_dir() -> Path:
    """Where notebooks and tools write their outputs: ``artifacts/``, or ``$COURSE_ARTIFACTS`` if set."""
    return Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "artifacts"))

# import name -> (pip name, oldest version the course is tested against)
REQUIRED = {
    "numpy": ("numpy", "1.24"),
    "pandas": ("pandas", "2.0"),
    "scipy": ("scipy", "1.10"),
    "matplotlib": ("matplotlib", "3.7"),
    "seaborn": ("seaborn", "0.13"),
    "sklearn": ("scikit-learn", "1.3"),
    "skimage": ("scikit-image", "0.21"),
    "tensorflow": ("tensorflow", "2.16"),
    "keras": ("keras", "3.0"),
    "tqdm": ("tqdm", "4.60"),
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


def check_packages(required: dict | None = None) -> list[tuple[str, str, str, str]]:
    """Return one row per package: (pip name, wanted, found, status) with status OK/missing/too old."""
    rows = []
    for _module, (pip_name, minimum) in (REQUIRED if required is None else required).items():
        try:
            found = metadata.version(pip_name)
        except metadata.PackageNotFoundError:
            rows.append((pip_name, f">={minimum}", "-", "missing"))
            continue
        status = "OK" if _version_tuple(found) >= _version_tuple(minimum) else "too old"
        rows.append((pip_name, f">={minimum}", found, status))
    return rows


def format_table(rows) -> str:
    header = ("package", "wanted", "found", "status")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in [header, *rows]]
    return "\n".join(lines)


def fix_command(rows) -> str:
    bad = [f"'{name}{wanted}'" for name, wanted, _found, status in rows if status != "OK"]
    return f"{sys.executable} -m pip install --upgrade " + " ".join(bad) if bad else ""


def in_colab() -> bool:
    return "google.colab" in sys.modules


def resolve_mode(mode: str | None = None) -> str:
    mode = (mode or os.environ.get("COURSE_MODE") or DEFAULT_MODE).strip().lower()
    if mode not in MODES:
        raise SetupError(f"Unknown mode {mode!r}: use one of {', '.join(MODES)} (COURSE_MODE or setup(mode=...)).")
    return mode


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
        """``artifacts/<notebook>/``: figures, metrics.json, samples and checkpoints of this notebook."""
        path = artifacts_dir() / self.name
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
        """Save a matplotlib figure as ``artifacts/<notebook>/<name>.png``."""
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
        """Write ``artifacts/<notebook>/metrics.json`` with every logged metric, mode, wall time and device."""
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


def setup(name: str, mode: str | None = None, seed: int = 42, verbose: bool = True) -> Context:
    """Check packages, pick the mode, seed everything, find the device, set the plot style.

    Stops with a ``SetupError`` naming the one command to run when a package is missing or too old
    (in Colab the missing ones are installed automatically).
    """
    mode = resolve_mode(mode)
    rows = check_packages()
    if in_colab() and any(status != "OK" for *_, status in rows):
        subprocess.run(fix_command(rows).split(), check=False)
        importlib.invalidate_caches()
        rows = check_packages()
    if verbose:
        print(format_table(rows))
    if any(status != "OK" for *_, status in rows):
        raise SetupError(
            "Some packages are missing or too old (table above). Fix with:\n    "
            + fix_command(rows)
            + "\nthen restart the kernel (or run `make lab`, which installs requirements.txt into .venv)."
        )
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ log: errors only
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
        print(f"Mode: {mode} (set COURSE_MODE=smoke|workshop|full) · seed {seed} · artifacts in {ctx.out}")
    return ctx
