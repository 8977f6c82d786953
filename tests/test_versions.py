"""The version floors are written twice, in requirements.txt (what pip installs) and in utils.env.REQUIRED
(what setup() checks); `make test-compat` installs exactly those floors. These tests keep the copies equal."""

import importlib.util
from importlib import metadata

import pytest
import test_compat

from utils import env

TOOLING_MARK = "# notebook tooling"  # requirements.txt: the course's libraries above this line, tools below


def course_floors() -> dict:
    """The ``name>=version`` lines of requirements.txt above the tooling block: what the notebooks import."""
    text = test_compat.REQUIREMENTS.read_text()
    assert TOOLING_MARK in text, f"requirements.txt lost its {TOOLING_MARK!r} line (course libraries above it)"
    return test_compat.requirement_floors(text.split(TOOLING_MARK, 1)[0])


def test_every_requirement_has_one_plain_floor():
    floors = test_compat.requirement_floors()
    assert {"tensorflow", "keras", "numpy", "pandas", "pytest", "nbval"} <= set(floors)
    assert all(test_compat.release(version) for version in floors.values())


def test_setup_checks_the_floors_requirements_promise():
    checked = {pip_name: minimum for pip_name, minimum in env.REQUIRED.values()}
    promised = course_floors()
    assert checked == promised, (
        "utils/env.py REQUIRED and requirements.txt disagree: "
        f"only in env.py {sorted(checked.items() - promised.items())}, "
        f"only in requirements.txt {sorted(promised.items() - checked.items())}")


def test_each_checked_package_is_found_under_both_its_names():
    """REQUIRED maps an import name to a pip name (sklearn -> scikit-learn): both must name the same package."""
    for module, (pip_name, _minimum) in env.REQUIRED.items():
        assert importlib.util.find_spec(module) is not None, f"nothing to import as {module!r}"
        assert metadata.version(pip_name), f"no installed distribution called {pip_name!r}"


def test_floor_parser_rejects_what_it_cannot_check():
    text = "# comment\nnumpy>=1.24.1  # why\n\nscipy >= 1.10\n"
    assert test_compat.requirement_floors(text) == {"numpy": "1.24.1", "scipy": "1.10"}
    for line in ("pandas", "pandas==2.2", "pandas>=2.0,<3", "pandas>=2.0; python_version<'3.12'"):
        with pytest.raises(ValueError, match="line 1"):
            test_compat.requirement_floors(line)


def test_lowest_release_ordering():
    assert test_compat.release("2.16.1") == (2, 16, 1) and test_compat.release("2.15.0.post1") == (2, 15, 0)
    assert test_compat.release("2.17.0rc1") is None
