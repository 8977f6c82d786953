"""Shared pieces of the checker tests: a stub, an answer that crashes, and a run that captures the verdict."""


def _stub(*args, **kwargs):
    raise NotImplementedError("fill me in")


def _crash(*args, **kwargs):
    return 1 / 0


def _run(checker, answer, capsys):
    """Call a checker; its printed verdict must never be a traceback."""
    result = checker(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out
