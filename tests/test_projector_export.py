"""The TensorBoard projector export (utils.projector): files written, and mutually consistent."""

import math

import numpy as np
import pytest
from PIL import Image

from utils import projector


def export(tmp_path, n=10, dim=3, image_shape=(28, 28), **kwargs):
    rng = np.random.default_rng(0)
    images = None if image_shape is None else rng.uniform(size=(n, *image_shape))
    folder = projector.export_projector(
        tmp_path / "proj", rng.normal(size=(n, dim)), {"label": np.arange(n) % 10, "index": np.arange(n)},
        images=images, tensor_name="latent", **kwargs)
    return folder


@pytest.mark.parametrize("n", [1, 9, 10, 100])
def test_files_are_consistent(tmp_path, n):
    folder = export(tmp_path, n=n)
    assert {p.name for p in folder.iterdir()} == {"vectors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt"}
    summary = projector.check_export(folder)
    assert summary["n"] == n and summary["dim"] == 3 and summary["columns"] == ["label", "index"]
    vectors = (folder / "vectors.tsv").read_text().splitlines()
    metadata = (folder / "metadata.tsv").read_text().splitlines()
    assert len(vectors) == n and len(metadata) == n + 1  # metadata: header + one row per vector
    side = math.ceil(math.sqrt(n))
    assert Image.open(folder / "sprite.png").size == (side * 28, side * 28)


def test_config_points_at_the_files(tmp_path):
    config = projector.read_config(export(tmp_path, image_shape=(20, 12)))
    assert config == {"tensor_name": "latent", "tensor_path": "vectors.tsv", "metadata_path": "metadata.tsv",
                      "sprite_path": "sprite.png", "single_image_dim": [12, 20]}  # width, height


def test_vectors_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(7, 16))
    folder = projector.export_projector(tmp_path, vectors, {"label": list("abcdefg")})
    np.testing.assert_allclose(np.loadtxt(folder / "vectors.tsv", delimiter="\t"), vectors, rtol=1e-5)
    assert (folder / "metadata.tsv").read_text().splitlines()[1:] == list("abcdefg")


def test_sprite_tiles_in_order():
    images = np.stack([np.full((2, 3), i, dtype=np.uint8) for i in range(5)])
    sprite = projector.sprite_image(images)  # 5 images -> 3×3 tiles of 2×3 px
    assert sprite.shape == (6, 9)
    assert sprite[0, 0] == 0 and sprite[0, 3] == 1 and sprite[0, 6] == 2 and sprite[2, 0] == 3 and sprite[2, 3] == 4
    assert sprite[4:, :].max() == 0  # unused tiles stay black


def test_colour_and_float_images():
    rgb = projector.sprite_image(np.ones((3, 4, 4, 3)))
    assert rgb.shape == (8, 8, 3) and rgb.dtype == np.uint8 and rgb[0, 0, 0] == 255


def test_without_sprite(tmp_path):
    folder = export(tmp_path, image_shape=None)
    assert not (folder / "sprite.png").exists()
    assert projector.read_config(folder)["sprite_path"] is None
    assert projector.check_export(folder)["sprite"] is None


@pytest.mark.parametrize(
    "spoil, message",
    [
        (lambda f: (f / "metadata.tsv").write_text("label\n1\n2\n"), "expected a header and 10 rows"),
        (lambda f: (f / "sprite.png").unlink(), "not in"),
        (lambda f: Image.new("L", (28, 28)).save(f / "sprite.png"), "4×4 tiles"),
        (lambda f: (f / "vectors.tsv").write_text("1\t2\n3\n"), "same number of columns"),
        (lambda f: (f / "projector_config.pbtxt").write_text('embeddings {\n  tensor_path: "other.tsv"\n}\n'),
         "other.tsv"),
    ],
)
def test_check_export_finds_inconsistencies(tmp_path, spoil, message):
    folder = export(tmp_path)
    spoil(folder)
    with pytest.raises(ValueError, match=message):
        projector.check_export(folder)


def test_bad_inputs_are_refused(tmp_path):
    vectors = np.zeros((4, 2))
    with pytest.raises(ValueError, match="3 rows"):
        projector.export_projector(tmp_path, vectors, {"label": [1, 2, 3]})
    with pytest.raises(ValueError, match="one image per point"):
        projector.export_projector(tmp_path, vectors, {"label": range(4)}, images=np.zeros((3, 28, 28)))
    with pytest.raises(ValueError, match="NaN"):
        projector.export_projector(tmp_path, np.full((4, 2), np.nan), {"label": range(4)})
    with pytest.raises(ValueError, match="shape"):
        projector.export_projector(tmp_path, np.zeros(4), {"label": range(4)})
    with pytest.raises(ValueError, match="8192"):
        projector.export_projector(tmp_path, np.zeros((2, 2)), {"label": range(2)}, images=np.zeros((2, 9000, 10)))


def test_reexport_without_images_removes_stale_sprite(tmp_path):
    folder = export(tmp_path)
    projector.export_projector(folder, np.zeros((3, 2)), {"label": range(3)})
    assert not (folder / "sprite.png").exists()
    assert projector.check_export(folder)["n"] == 3
