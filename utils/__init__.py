"""Small helpers shared by the course notebooks.

Importing ``utils`` needs only the standard library, so that ``utils.setup()`` can check the
packages before anything heavy is imported. Every submodule (``data``, ``plots``, ``training``,
``exercises``, ``checks``, ``models``, …) is loaded on first use: ``utils.data.load_housing()`` works
without an extra import.
"""

import importlib
from pathlib import Path

from .env import Context, SetupError, setup

__all__ = ["Context", "SetupError", "setup"]

_HERE = Path(__file__).parent


def __getattr__(name):
    if (_HERE / f"{name}.py").exists() or (_HERE / name / "__init__.py").exists():
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
