"""Shared pieces of the checker tests: a stub, an answer that crashes, one that never ends, and a run that captures
the verdict."""


def _stub(*args, **kwargs):
    raise NotImplementedError("fill me in")


def _crash(*args, **kwargs):
    return 1 / 0


def _merge_forgetting_the_increment(ids, pair, new_id):
    """Notebook 08's merge with the classic slip: ``i += 1`` forgotten, so the loop never ends."""
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])  # i += 1 forgotten
    return out


def _run(checker, answer, capsys):
    """Call a checker; its printed verdict must never be a traceback."""
    result = checker(answer)
    out = capsys.readouterr().out
    assert "Traceback" not in out
    return result, out
