"""Loaders for the data sets shipped in ``data/``.

Every loader checks the file against ``data/SHA256SUMS`` first, so a missing or damaged file stops
with one sentence saying which file and how to restore it, not a traceback from inside pandas or numpy.
Nothing here writes into ``data/``.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

from .env import ROOT


class DataError(RuntimeError):
    """A shipped data file is missing or damaged; the message says how to restore it."""

    def _render_traceback_(self):  # IPython: show the sentence, not a traceback
        return [f"DataError: {self}"]


def data_dir() -> Path:
    return Path(os.environ.get("COURSE_DATA", ROOT / "data"))


@cache
def _expected_hashes(directory: Path) -> dict[str, str]:
    sums = directory / "SHA256SUMS"
    if not sums.exists():
        raise DataError(f"{sums} is missing: restore it with `git checkout data/SHA256SUMS`.")
    pairs = (line.split() for line in sums.read_text().splitlines() if line.strip())
    return {name.lstrip("*"): digest for digest, name in pairs}


@cache
def _sha256(path: Path, size: int, mtime: float) -> str:  # size/mtime make the cache notice a changed file
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_path(name: str) -> Path:
    """Path of a verified data file, or a ``DataError`` that says what is wrong and how to fix it."""
    directory = data_dir()
    path = directory / name
    restore = f"restore it with `git checkout data/{name}` (or clone the course again)"
    expected = _expected_hashes(directory).get(name)
    if expected is None:
        raise DataError(f"data/{name} is not one of the course's data files listed in data/SHA256SUMS.")
    if not path.exists():
        raise DataError(f"data/{name} is missing: {restore}.")
    stat = path.stat()
    if _sha256(path, stat.st_size, stat.st_mtime) != expected:
        raise DataError(f"data/{name} is damaged (its SHA-256 does not match data/SHA256SUMS): {restore}.")
    return path


def load_housing():
    """California housing (1990 census) as a DataFrame: 20,640 rows, 10 columns."""
    import pandas as pd

    return pd.read_csv(data_path("housing.csv"))


IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]


def load_iris():
    """TensorFlow's iris split: (train, test) DataFrames of 120 and 30 rows, ``species`` coded 0/1/2."""
    import pandas as pd

    def read(name):
        return pd.read_csv(data_path(name), header=0, names=IRIS_COLUMNS)

    return read("iris_training.csv"), read("iris_test.csv")


def load_mnist(fashion: bool = False):
    """MNIST (or Fashion-MNIST) as uint8 arrays: ``(x_train, y_train), (x_test, y_test)``."""
    import numpy as np

    with np.load(data_path("fashion_mnist.npz" if fashion else "mnist.npz")) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_text(name: str = "tinyshakespeare") -> str:
    """A shipped text corpus (``tinyshakespeare`` or ``nietzsche``) as one string."""
    return data_path(f"{name}.txt").read_text(encoding="utf-8")
