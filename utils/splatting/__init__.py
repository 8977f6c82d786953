"""Gaussian splatting on a CPU: a differentiable tile renderer in TensorFlow, a ray-cast test scene, training.

Notebook 10 explains every piece (the math comes first there); the code lives here so that the tests in
``tests/test_splatting.py`` can import it. One module per job:

* ``covariance`` – Σ from scales and a rotation (3-D: quaternion, 2-D: angle), valid whatever the parameters;
* ``cameras`` – pinhole cameras (OpenCV axes) and the EWA projection of 3-D Gaussians to the screen;
* ``raster`` – 2-D splats (``Footprints``) blended front to back: the reference loop, ``TileLists``, ``rasterize``;
* ``model`` – the 3-D Gaussians (``Gaussians3D``, ``Splats``) and ``render_gaussians``, the whole renderer;
* ``scene`` – the ground truth: a small ray caster and the point cloud Structure-from-Motion would give;
* ``metrics`` – PSNR and SSIM;
* ``train`` – Adam with densification (clone, split) and pruning; the timing of one step;
* ``figures`` – ellipses and the orbit GIF.

Every name the notebook uses is importable from the package itself (``import utils.splatting as sp``).
"""

from .cameras import (
    BLUR,
    Camera,
    Cameras,
    cameras_on_sphere,
    fibonacci_directions,
    look_at,
    orbit_cameras,
    project_gaussians,
)
from .covariance import covariance_2d, covariance_3d, quaternion_to_rotation
from .figures import plot_ellipses, save_gif
from .metrics import psnr, ssim, ssim_matmul
from .model import PARAMETERS, Gaussians3D, Splats, inverse_sigmoid, nearest_neighbour_distance, render_gaussians
from .raster import (
    ALPHA_MAX,
    ALPHA_MIN,
    CUTOFF,
    T_MIN,
    Footprints,
    TileLists,
    conic_and_extent,
    rasterize,
    render_reference,
    tile_lists,
)
from .scene import Box, Scene, Sphere, demo_scene
from .train import LEARNING_RATES, SPLIT_FACTOR, TrainConfig, Trainer, random_gaussians, time_training_step

__all__ = [
    "ALPHA_MAX", "ALPHA_MIN", "BLUR", "CUTOFF", "LEARNING_RATES", "PARAMETERS", "SPLIT_FACTOR", "T_MIN", "Box",
    "Camera", "Cameras", "Footprints", "Gaussians3D", "Scene", "Sphere", "Splats", "TileLists", "TrainConfig",
    "Trainer", "cameras_on_sphere", "conic_and_extent", "covariance_2d", "covariance_3d", "demo_scene",
    "fibonacci_directions", "inverse_sigmoid", "look_at", "nearest_neighbour_distance", "orbit_cameras",
    "plot_ellipses", "project_gaussians", "psnr", "quaternion_to_rotation", "random_gaussians", "rasterize",
    "render_gaussians", "render_reference", "save_gif", "ssim", "ssim_matmul", "tile_lists", "time_training_step",
]
