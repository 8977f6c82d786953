"""Exercise checkers, one module per notebook (``utils.checks.nb01`` and so on), loaded on first use."""

import importlib


def __getattr__(name):
    if name.startswith("nb"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'utils.checks' has no attribute {name!r}")
