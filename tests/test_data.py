import shutil

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
    data._expected_hashes.cache_clear()
    with pytest.raises(data.DataError, match="SHA256SUMS is missing"):
        data.data_path("housing.csv")
    data._expected_hashes.cache_clear()


def test_error_shows_one_line_in_jupyter(data_copy):
    (data_copy / "iris_test.csv").unlink()
    with pytest.raises(data.DataError) as info:
        data.load_iris()
    assert info.value._render_traceback_() == [f"DataError: {info.value}"]
