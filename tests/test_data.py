import os
import shutil
import subprocess

import pytest

from utils import data


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the small data files, so damaging them harms nothing."""
    for name in ["SHA256SUMS", "iris_training.csv", "iris_test.csv", "housing.csv"]:
        shutil.copy(data.ROOT / "data" / name, tmp_path / name)
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    return tmp_path


def test_loaders_return_ready_objects():
    housing = data.load_housing()
    assert housing.shape == (20640, 10) and housing["total_bedrooms"].isna().sum() == 207
    train, test = data.load_iris()
    assert train.shape == (120, 5) and test.shape == (30, 5)
    assert list(train.columns) == data.IRIS_COLUMNS and set(train.species) == {0, 1, 2}
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28) and x_train.dtype.name == "uint8"
    assert y_test[:3].tolist() == [7, 2, 1]
    (fx, _), _ = data.load_mnist(fashion=True)
    assert fx.shape == (60000, 28, 28)
    text = data.load_text("tinyshakespeare")
    assert len(text) == 1_115_394 and text.startswith("First Citizen")
    assert data.load_text("nietzsche").startswith("PREFACE")


def test_missing_file_says_how_to_restore(data_copy):
    (data_copy / "iris_test.csv").unlink()
    expected = r"data/iris_test.csv is missing: restore it with `git checkout data/iris_test.csv`"
    with pytest.raises(data.DataError, match=expected):
        data.load_iris()


def test_damaged_file_is_caught_before_pandas(data_copy):
    path = data_copy / "housing.csv"
    path.write_bytes(path.read_bytes()[:1000])  # truncated, as a broken download would be
    with pytest.raises(data.DataError, match=r"data/housing.csv is damaged .*git checkout data/housing.csv"):
        data.load_housing()


def test_unknown_and_missing_checksum_file(data_copy):
    with pytest.raises(data.DataError, match="not one of the course's data files"):
        data.data_path("secret.csv")
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(data.DataError, match="SHA256SUMS is missing"):
        data.data_path("housing.csv")


def test_error_shows_one_line_in_jupyter(data_copy):
    (data_copy / "iris_test.csv").unlink()
    with pytest.raises(data.DataError) as info:
        data.load_iris()
    assert info.value._render_traceback_() == [f"DataError: {info.value}"]


# --- every kind of damage gets one sentence naming the file and the fix ---------------------------------

def _one_sentence(error: data.DataError, name: str, fix: str) -> None:
    message = str(error)
    assert f"data/{name}" in message and fix in message, message
    assert "\n" not in message and message.endswith(".") and message.count(". ") == 0, message


def test_directory_in_place_of_a_file(data_copy):
    (data_copy / "iris_test.csv").unlink()
    (data_copy / "iris_test.csv").mkdir()
    with pytest.raises(data.DataError) as info:
        data.load_iris()
    assert "is not a file" in str(info.value)
    _one_sentence(info.value, "iris_test.csv", "git checkout data/iris_test.csv")


def test_unreadable_file(data_copy, monkeypatch):
    # chmod 000 does not stop root (CI runs as root), so the refusal is simulated where it happens
    real_read_bytes = data.Path.read_bytes

    def refuse(path):
        if path.name == "housing.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(data.Path, "read_bytes", refuse)
    with pytest.raises(data.DataError) as info:
        data.load_housing()
    assert "permission denied" in str(info.value)
    _one_sentence(info.value, "housing.csv", "chmod u+r data/housing.csv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_unreadable_file_for_real(data_copy):
    (data_copy / "housing.csv").chmod(0)
    try:
        with pytest.raises(data.DataError, match="cannot be read"):
            data.load_housing()
    finally:
        (data_copy / "housing.csv").chmod(0o644)


@pytest.mark.parametrize("sums", [
    "",  # emptied
    "\n\n",
    "<<<<<<< HEAD\n" + "0" * 64 + "  housing.csv\n=======\n" + "1" * 64 + "  housing.csv\n>>>>>>> theirs\n",
    "not a checksum line\n",
    "2364609dc48bec7d  housing.csv\n",  # digest cut short
])
def test_malformed_or_empty_checksum_list(data_copy, sums):
    (data_copy / "SHA256SUMS").write_text(sums)
    with pytest.raises(data.DataError) as info:
        data.load_housing()
    _one_sentence(info.value, "SHA256SUMS", "git checkout data/SHA256SUMS")


def test_checksum_list_that_is_a_directory(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    (data_copy / "SHA256SUMS").mkdir()
    with pytest.raises(data.DataError) as info:
        data.load_housing()
    _one_sentence(info.value, "SHA256SUMS", "git checkout data/SHA256SUMS")


def test_checksum_list_with_crlf_and_star_names_still_works(data_copy):
    lines = (data_copy / "SHA256SUMS").read_text().splitlines()
    starred = [line.replace("  ", " *", 1) for line in lines]
    (data_copy / "SHA256SUMS").write_bytes(("\r\n".join(starred) + "\r\n").encode())
    assert data.load_iris()[0].shape == (120, 5)


def test_file_edited_in_place_with_its_time_kept(data_copy):
    path = data_copy / "iris_training.csv"
    assert data.load_iris()[0].shape == (120, 5)  # verified once: a cache would now remember it as good
    before = path.stat()
    content = bytearray(path.read_bytes())
    content[-2:-1] = b"9" if content[-2:-1] != b"9" else b"8"  # one label changed, same size
    path.write_bytes(bytes(content))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with pytest.raises(data.DataError) as info:
        data.load_iris()
    assert "is damaged" in str(info.value)
    _one_sentence(info.value, "iris_training.csv", "git checkout data/iris_training.csv")


def test_crlf_file_gets_its_own_sentence(data_copy):
    path = data_copy / "iris_test.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(data.DataError) as info:
        data.load_iris()
    assert "Windows line endings" in str(info.value)
    _one_sentence(info.value, "iris_test.csv", "delete it, then restore it with `git checkout data/iris_test.csv`")


# --- a clone with core.autocrlf=true (Git for Windows' default) still loads every data set ---------------

def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.mark.skipif(shutil.which("git") is None or not (data.ROOT / ".git").exists(), reason="needs git and a clone")
def test_clone_with_autocrlf_loads_every_data_set(tmp_path, monkeypatch):
    clone = tmp_path / "clone"
    _git("-c", "core.autocrlf=true", "clone", "--quiet", "--no-checkout", str(data.ROOT), str(clone), cwd=tmp_path)
    _git("config", "core.autocrlf", "true", cwd=clone)
    # the working tree's .gitattributes, so the test checks it even before it is committed
    shutil.copy(data.ROOT / ".gitattributes", clone / ".gitattributes")
    _git("checkout", "--quiet", "HEAD", "--", "data", cwd=clone)
    monkeypatch.setenv("COURSE_DATA", str(clone / "data"))
    assert data.load_housing().shape == (20640, 10)
    assert [part.shape for part in data.load_iris()] == [(120, 5), (30, 5)]
    assert data.load_mnist()[0][0].shape == (60000, 28, 28)
    assert data.load_mnist(fashion=True)[0][0].shape == (60000, 28, 28)
    assert len(data.load_text("tinyshakespeare")) == 1_115_394 and data.load_text("nietzsche")
    # control: without the attribute the same checkout converts the file, and the loader says so
    (clone / ".git" / "info").mkdir(exist_ok=True)
    (clone / ".git" / "info" / "attributes").write_text("data/iris_test.csv text\n")
    (clone / "data" / "iris_test.csv").unlink()
    _git("checkout", "--quiet", "HEAD", "--", "data/iris_test.csv", cwd=clone)
    assert b"\r\n" in (clone / "data" / "iris_test.csv").read_bytes()
    with pytest.raises(data.DataError, match="Windows line endings"):
        data.load_iris()
