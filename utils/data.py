"""Loaders for the data sets shipped in ``data/``.

Every loader checks the file against ``data/SHA256SUMS`` first, so a missing or damaged file stops
with one sentence saying which file and how to restore it, not a traceback from inside pandas or numpy.
The hash is computed on every load (about 0.03 s for the largest file), never cached: a cache keyed on
size and modification time would miss a file edited in place with its time kept.
Nothing here writes into ``data/``.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

from .env import ROOT


class DataError(RuntimeError):
    """A shipped data file is missing or damaged; the message says how to restore it."""

    def _render_traceback_(self):  # IPython: show the sentence, not a traceback
        return [f"DataError: {self}"]


def data_dir() -> Path:
    return Path(os.environ.get("COURSE_DATA", ROOT / "data"))


def _restore(name: str) -> str:
    return f"restore it with `git checkout data/{name}` (or clone the course again)"


def _read_bytes(path: Path, name: str) -> bytes:
    """The file's bytes, or a DataError for each way a file can be there and still not be readable."""
    if not path.exists():
        raise DataError(f"data/{name} is missing: {_restore(name)}.")
    if not path.is_file():
        raise DataError(f"data/{name} is not a file (a folder or something else has its name): "
                        f"delete that and {_restore(name)}.")
    try:
        return path.read_bytes()
    except PermissionError:
        raise DataError(f"data/{name} cannot be read (permission denied): give yourself read access with "
                        f"`chmod u+r data/{name}`, or {_restore(name)}.") from None
    except OSError as error:
        raise DataError(f"data/{name} cannot be read ({error.strerror or error}): {_restore(name)}.") from None


SUMS_LINE = re.compile(r"([0-9a-f]{64}) [ *](\S.*)")  # `sha256sum` output: digest, two spaces (or " *"), name


def _expected_hashes(directory: Path) -> dict[str, str]:
    """File name -> SHA-256 from ``SHA256SUMS``; a missing, empty or malformed list is a DataError."""
    text = _read_bytes(directory / "SHA256SUMS", "SHA256SUMS").decode("utf-8", errors="replace")
    hashes = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = SUMS_LINE.fullmatch(line.strip())
        if match is None:
            raise DataError(f"data/SHA256SUMS line {number} is not '<sha256>  <file name>' ({line.strip()[:40]!r}), "
                            f"as a merge conflict or an edit would leave it: {_restore('SHA256SUMS')}.")
        hashes[match.group(2)] = match.group(1)
    if not hashes:
        raise DataError(f"data/SHA256SUMS lists no files (it is empty): {_restore('SHA256SUMS')}.")
    return hashes


def read_data(name: str) -> bytes:
    """The bytes of a verified data file (read once, hashed, handed to the loader), or a ``DataError`` that says
    what is wrong and how to fix it."""
    directory = data_dir()
    expected = _expected_hashes(directory).get(name)
    if expected is None:
        raise DataError(f"data/{name} is not one of the course's data files listed in data/SHA256SUMS.")
    path = directory / name
    content = _read_bytes(path, name)
    if hashlib.sha256(content).hexdigest() != expected:
        # git checkout leaves a file alone that git believes unchanged: delete it first
        fix = f"delete it, then {_restore(name)}"
        if hashlib.sha256(content.replace(b"\r\n", b"\n")).hexdigest() == expected:
            raise DataError(f"data/{name} has Windows line endings (git's core.autocrlf rewrote it): {fix}; "
                            "the course's .gitattributes then keeps it byte for byte.")
        raise DataError(f"data/{name} is damaged (its SHA-256 does not match data/SHA256SUMS): {fix}.")
    return content


def data_path(name: str) -> Path:
    """Path of a verified data file, or a ``DataError`` that says what is wrong and how to fix it."""
    read_data(name)
    return data_dir() / name


def load_housing():
    """California housing (1990 census) as a DataFrame: 20,640 rows, 10 columns."""
    import pandas as pd

    return pd.read_csv(io.BytesIO(read_data("housing.csv")))


IRIS_COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
IRIS_CLASSES = ["setosa", "versicolor", "virginica"]


def load_iris():
    """TensorFlow's iris split: (train, test) DataFrames of 120 and 30 rows, ``species`` coded 0/1/2."""
    import pandas as pd

    def read(name):
        return pd.read_csv(io.BytesIO(read_data(name)), header=0, names=IRIS_COLUMNS)

    return read("iris_training.csv"), read("iris_test.csv")


def load_mnist(fashion: bool = False):
    """MNIST (or Fashion-MNIST) as uint8 arrays: ``(x_train, y_train), (x_test, y_test)``."""
    import numpy as np

    with np.load(io.BytesIO(read_data("fashion_mnist.npz" if fashion else "mnist.npz"))) as arrays:
        return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def load_text(name: str = "tinyshakespeare") -> str:
    """A shipped text corpus (``tinyshakespeare`` or ``nietzsche``) as one string."""
    text = read_data(f"{name}.txt").decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n")  # the newlines Path.read_text would give
