"""Export embedding vectors for the TensorBoard embedding projector.

One folder holds everything the projector needs:

* ``vectors.tsv``: one row per point, the vector's components separated by tabs (no header);
* ``metadata.tsv``: a header row with the column names, then one row per point (e.g. its label);
* ``sprite.png``: the points' thumbnails tiled row by row in a square of ``ceil(sqrt(n))`` tiles a side;
* ``projector_config.pbtxt``: the text-format config that ties the three together.

Open it with ``tensorboard --logdir <folder>`` (Projector tab), or load ``vectors.tsv`` and
``metadata.tsv`` at https://projector.tensorflow.org ("Load"). ``check_export`` reads a folder back
and says what is inconsistent; the course's tests and notebook 05 use it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

VECTORS, METADATA, SPRITE, CONFIG = "vectors.tsv", "metadata.tsv", "sprite.png", "projector_config.pbtxt"
MAX_SPRITE_SIDE = 8192  # pixels: the projector refuses larger sprite images


def sprite_image(images) -> np.ndarray:
    """Tile ``n`` images (N, H, W) or (N, H, W, C) into one square image of ``ceil(sqrt(n))`` tiles a side.

    Tiles go left to right, top to bottom, in the order of the points; unused tiles stay 0 (black).
    Floats are taken as intensities in [0, 1] and converted to uint8.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"images should have shape (N, H, W) or (N, H, W, C) with N > 0, got {images.shape}")
    if images.dtype != np.uint8:
        images = np.round(np.clip(images, 0.0, 1.0) * 255).astype(np.uint8)
    n, h, w = images.shape[:3]
    side = math.ceil(math.sqrt(n))
    canvas = np.zeros((side * h, side * w, *images.shape[3:]), dtype=np.uint8)
    for i, image in enumerate(images):
        row, col = divmod(i, side)
        canvas[row * h : (row + 1) * h, col * w : (col + 1) * w] = image
    return canvas


def config_text(tensor_name: str, image_size: tuple[int, int] | None) -> str:
    """The ``projector_config.pbtxt`` text for one embedding stored as TSV files in the same folder."""
    lines = [
        "embeddings {",
        f'  tensor_name: "{tensor_name}"',
        f'  tensor_path: "{VECTORS}"',
        f'  metadata_path: "{METADATA}"',
    ]
    if image_size is not None:
        lines += [
            "  sprite {",
            f'    image_path: "{SPRITE}"',
            f"    single_image_dim: {image_size[1]}",  # width first, then height, as the projector expects
            f"    single_image_dim: {image_size[0]}",
            "  }",
        ]
    return "\n".join([*lines, "}", ""])


def export_projector(folder, vectors, metadata: dict, images=None, tensor_name: str = "embedding") -> Path:
    """Write vectors, metadata, an optional sprite and the config into ``folder``; return the folder.

    ``vectors``: (N, D) floats. ``metadata``: column name -> N values (labels, indices, …), written with a
    header row. ``images``: N thumbnails (N, H, W) or (N, H, W, C) for the sprite, or ``None`` for none.
    """
    vectors = np.asarray(vectors, dtype=float)
    if vectors.ndim != 2 or len(vectors) == 0:
        raise ValueError(f"vectors should have shape (N, D) with N > 0, got {vectors.shape}")
    if not np.all(np.isfinite(vectors)):
        raise ValueError("vectors contain NaN or infinity")
    n = len(vectors)
    if not metadata:
        raise ValueError("metadata needs at least one column, e.g. {'label': labels}")
    columns = {str(name): [str(v) for v in values] for name, values in metadata.items()}
    for name, values in columns.items():
        if len(values) != n:
            raise ValueError(f"metadata column {name!r} has {len(values)} rows, vectors have {n}")
        if any("\t" in v or "\n" in v for v in [name, *values]):
            raise ValueError(f"metadata column {name!r} contains a tab or newline")
    image_size = None
    if images is not None:
        if len(images) != n:
            raise ValueError(f"{len(images)} images for {n} vectors: the sprite needs one image per point")
        sprite = sprite_image(images)
        if max(sprite.shape[:2]) > MAX_SPRITE_SIDE:
            raise ValueError(f"the sprite would be {sprite.shape[1]}×{sprite.shape[0]} px, over the projector's "
                             f"{MAX_SPRITE_SIDE} px: use fewer or smaller images")
        image_size = tuple(np.asarray(images).shape[1:3])

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.savetxt(folder / VECTORS, vectors, delimiter="\t", fmt="%.6g")
    rows = ["\t".join(columns)] + ["\t".join(row) for row in zip(*columns.values())]
    (folder / METADATA).write_text("\n".join(rows) + "\n")
    if images is not None:
        from PIL import Image

        Image.fromarray(sprite).save(folder / SPRITE)
    elif (folder / SPRITE).exists():  # a sprite from an earlier export would no longer match
        (folder / SPRITE).unlink()
    (folder / CONFIG).write_text(config_text(tensor_name, image_size))
    return folder


def read_config(folder) -> dict:
    """The fields of a ``projector_config.pbtxt`` written by :func:`export_projector` (one embedding)."""
    text = (Path(folder) / CONFIG).read_text()

    def field(name):
        found = re.search(rf'\b{name}:\s*"([^"]*)"', text)
        return found.group(1) if found else None

    return {
        "tensor_name": field("tensor_name"),
        "tensor_path": field("tensor_path"),
        "metadata_path": field("metadata_path"),
        "sprite_path": field("image_path"),
        "single_image_dim": [int(v) for v in re.findall(r"single_image_dim:\s*(\d+)", text)],
    }


def check_export(folder) -> dict:
    """Read an export back and check that its files agree; return a summary or raise ``ValueError``.

    Checks: the config names files that exist in the folder; every vector row has the same number of
    columns; metadata has a header plus one row per vector; the sprite is ``ceil(sqrt(n))`` tiles a side
    of the image size given in the config.
    """
    folder = Path(folder)
    if not (folder / CONFIG).exists():
        raise ValueError(f"{folder / CONFIG} is missing")
    config = read_config(folder)
    for key in ("tensor_path", "metadata_path", "sprite_path"):
        name = config[key]
        if key != "sprite_path" and not name:
            raise ValueError(f"the config has no {key}")
        if name and not (folder / name).exists():
            raise ValueError(f"the config's {key} points at {name}, which is not in {folder}")

    rows = (folder / config["tensor_path"]).read_text().splitlines()
    widths = {len(row.split("\t")) for row in rows}
    if not rows or len(widths) != 1:
        raise ValueError(f"{config['tensor_path']}: rows should all have the same number of columns, got {widths}")
    vectors = np.array([[float(v) for v in row.split("\t")] for row in rows])
    n, dim = vectors.shape

    meta = (folder / config["metadata_path"]).read_text().splitlines()
    header = meta[0].split("\t") if meta else []
    if len(meta) != n + 1:
        raise ValueError(f"{config['metadata_path']} has {len(meta)} lines; expected a header and {n} rows")
    if any(len(line.split("\t")) != len(header) for line in meta):
        raise ValueError(f"{config['metadata_path']}: every row should have {len(header)} columns like its header")

    summary = {"n": n, "dim": dim, "columns": header, "sprite": None}
    if config["sprite_path"]:
        from PIL import Image

        if len(config["single_image_dim"]) != 2:
            raise ValueError("the config's sprite needs two single_image_dim values (width, height)")
        width, height = config["single_image_dim"]
        side = math.ceil(math.sqrt(n))
        with Image.open(folder / config["sprite_path"]) as sprite:
            size = sprite.size  # (width, height)
        if size != (side * width, side * height):
            raise ValueError(f"the sprite is {size[0]}×{size[1]} px; {n} points need {side}×{side} tiles of "
                             f"{width}×{height} px = {side * width}×{side * height} px")
        summary["sprite"] = {"size": size, "tiles_per_side": side, "tile": (width, height)}
    return summary
