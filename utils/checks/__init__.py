"""Exercise checkers, one module per notebook (``utils.checks.nb01`` and so on)."""
