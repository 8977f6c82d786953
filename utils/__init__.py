"""Small helpers shared by the course notebooks.

Importing ``utils`` needs only the standard library, so that ``utils.setup()`` can check the
packages before anything heavy is imported. The submodules (``data``, ``plots``, ``training``,
``exercises``) are loaded on first use: ``utils.data.load_housing()`` works without an extra import.
"""

import importlib

from .env import Context, SetupError, setup

__all__ = ["Context", "SetupError", "setup", "data", "plots", "training", "exercises"]

_LAZY = {"data", "plots", "training", "exercises", "checks"}


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'utils' has no attribute {name!r}")
