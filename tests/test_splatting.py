"""The splatting renderer of notebook 10: correctness on tiny inputs (eager TensorFlow, float64 where exactness
matters), the ray-cast scene, densification and a few training steps."""

import numpy as np
import pytest
import tensorflow as tf

from utils import splatting as sp


def random_gaussians(n, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {
        "means": rng.uniform(-0.7, 0.7, (n, 3)).astype(dtype),
        "scales": np.exp(rng.uniform(-3.0, -1.5, (n, 3))).astype(dtype),
        "quats": rng.normal(size=(n, 4)).astype(dtype),
        "colours": rng.uniform(0, 1, (n, 3)).astype(dtype),
        "opacities": rng.uniform(0.2, 0.95, n).astype(dtype),
    }


def project(g, eye=(0.0, -3.0, 1.0), focal=20.0, width=24, height=16):
    """The splats ``g`` on the screen of a camera at ``eye``: ``Footprints``."""
    R, t = sp.look_at(eye)
    cov = sp.covariance_3d(tf.constant(g["scales"]), tf.constant(g["quats"]))
    means2d, cov2d, depths, visible = sp.project_gaussians(tf.constant(g["means"]), cov, R, t, focal, width, height)
    conics, extents = sp.conic_and_extent(cov2d, tf.constant(g["opacities"]))
    return sp.Footprints(means2d, conics, extents, tf.constant(g["colours"]), tf.constant(g["opacities"]), depths,
                         visible)


def splats(g):
    return sp.Splats(*(tf.constant(g[key]) for key in ("means", "scales", "quats", "colours", "opacities")),
                     active=tf.ones(len(g["means"]), bool))


def render(g, eye, size=32, focal=40.0, background=(0.0, 0.0, 0.0), k=64):
    R, t = sp.look_at(eye)
    image, _, info = sp.render_gaussians(splats(g), sp.Camera(tf.constant(R), tf.constant(t), focal, size, size),
                                         tf.constant(background, tf.float64), tile=4, k=k, coarse=None)
    return image.numpy()


# ---------------------------------------------------------------------------------------------- geometry
def test_rotation_is_orthonormal_and_covariance_psd():
    rng = np.random.default_rng(0)
    quats = tf.constant(rng.normal(size=(200, 4)))
    R = sp.quaternion_to_rotation(quats).numpy()
    assert np.allclose(R @ R.transpose(0, 2, 1), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(R), 1.0)
    scales = np.exp(rng.normal(scale=2.0, size=(200, 3)))
    cov = sp.covariance_3d(tf.constant(scales), quats).numpy()
    assert np.allclose(cov, cov.transpose(0, 2, 1))
    eig = np.linalg.eigvalsh(cov)
    assert np.all(eig >= -1e-9 * eig[:, -1:])
    assert np.allclose(np.sort(eig, axis=1), np.sort(scales**2, axis=1), rtol=1e-6)  # eigenvalues are s²


def test_covariance_2d_and_conic():
    cov = sp.covariance_2d(tf.constant([[2.0, 0.5], [1.0, 1.0]], tf.float64), tf.constant([0.3, 1.2], tf.float64))
    cov = cov.numpy()
    assert np.allclose(np.sort(np.linalg.eigvalsh(cov), axis=1), [[0.25, 4.0], [1.0, 1.0]])
    conic, extent = sp.conic_and_extent(tf.constant(cov), tf.constant([0.9, 0.001], tf.float64))
    a, b, c = conic.numpy()[0]
    assert np.allclose(np.array([[a, b], [b, c]]) @ cov[0], np.eye(2))
    assert np.allclose(extent.numpy()[0], 3 * np.sqrt(np.diag(cov[0])))  # opaque: 3σ
    assert np.allclose(extent.numpy()[1], 0.0)  # fainter than 1/255 everywhere: no box at all


def test_look_at_and_projection_of_the_target():
    eye = np.array([2.0, -3.0, 1.5])
    R, t = sp.look_at(eye)
    assert np.allclose(R @ R.T, np.eye(3)) and np.allclose(-R.T @ t, eye)
    cameras = sp.cameras_on_sphere([eye / np.linalg.norm(eye)], np.linalg.norm(eye), 30.0, 20, 10)
    assert np.allclose(cameras.centres[0], eye)
    cov = tf.constant(np.eye(3)[None] * 0.01)
    means2d, cov2d, depth, visible = sp.project_gaussians(tf.zeros((1, 3), tf.float64), cov, R, t, 30.0, 20, 10)
    assert np.allclose(means2d.numpy(), [[10.0, 5.0]]) and np.isclose(depth.numpy()[0], np.linalg.norm(eye))
    assert visible.numpy()[0] and np.allclose(cov2d.numpy()[0], (30.0 * 0.1 / np.linalg.norm(eye)) ** 2 * np.eye(2)
                                              + sp.BLUR * np.eye(2))


def test_projected_covariances_stay_positive_definite():
    g = random_gaussians(300, 1)
    R, t = sp.look_at((3.0, 1.0, 2.0))
    cov = sp.covariance_3d(tf.constant(g["scales"]), tf.constant(g["quats"]))
    _, cov2d, _, _ = sp.project_gaussians(tf.constant(g["means"]), cov, R, t, 50.0, 64, 64)
    assert np.all(np.linalg.eigvalsh(cov2d.numpy()) >= sp.BLUR - 1e-9)


# ---------------------------------------------------------------------------------------------- renderer
@pytest.mark.parametrize("tile, k, coarse, width",
                         [(4, 64, None, 24), (8, 64, None, 24), (4, 64, (8, 64), 24), (4, 48, (16, 64), 32)])
def test_tiled_renderer_equals_reference_loop(tile, k, coarse, width):
    g = random_gaussians(60, 2)
    footprints = project(g, width=width)
    image, info = sp.rasterize(footprints, width, 16, (1.0, 1.0, 1.0), tile=tile, k=k, coarse=coarse)
    f = footprints
    slow = sp.render_reference(f.means2d.numpy(), f.conics.numpy(), f.colours.numpy(), f.opacities.numpy(),
                               f.depths.numpy(), f.visible.numpy(), width, 16, (1.0, 1.0, 1.0))
    assert not info["overflow"].numpy().any()
    assert np.abs(image.numpy() - slow).max() < 1e-10


def test_overflow_is_reported():
    g = random_gaussians(60, 2)
    image, info = sp.rasterize(project(g), 24, 16, (1.0, 1.0, 1.0), tile=4, k=4, coarse=(8, 8))
    assert info["overflow"].numpy().any() and info["leaky"].numpy().any()
    assert info["counts"].numpy().max() > 4


def test_tile_lists_hold_the_overlapping_splats_nearest_first():
    footprints = project(random_gaussians(60, 2))
    lists = sp.tile_lists(footprints, 24, 16, tile=4, k=64, coarse=(8, 64))
    assert isinstance(lists, sp.TileLists) and lists.layout == (2, 3, 2, 2)  # 2 × 3 tiles of 8², each 2 × 2 of 4²
    assert lists.idx.shape == (24, 60) and not lists.overflow.numpy().any()  # k = 64 > 60 splats: all fit
    depths, boxes = footprints.depths.numpy(), (footprints.means2d - footprints.extents).numpy()
    ends = (footprints.means2d + footprints.extents).numpy()
    for (x0, y0), idx, hit in zip(lists.corners.numpy(), lists.idx.numpy(), lists.hit.numpy()):
        chosen = idx[hit]
        expected = np.flatnonzero(footprints.visible.numpy() & (ends[:, 0] > x0) & (boxes[:, 0] < x0 + 4)
                                  & (ends[:, 1] > y0) & (boxes[:, 1] < y0 + 4))
        assert sorted(chosen) == sorted(expected)  # every overlapping splat, nothing else
        assert np.all(np.diff(depths[chosen]) >= 0)  # nearest first


def test_bad_tile_sizes_are_refused():
    with pytest.raises(ValueError, match="must divide"):
        sp.tile_lists(project(random_gaussians(5, 2)), 24, 16, tile=5)


def test_early_termination_matches_the_reference():
    # four stacked opaque splats: after the second one less than 1e-4 of the light is left, so the rest is skipped
    means2d = tf.constant([[8.0, 8.0]] * 4, tf.float64)
    conics = tf.constant([[0.01, 0.0, 0.01]] * 4, tf.float64)
    colours = tf.constant([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 1.0, 1.0]], tf.float64)
    opacities = tf.constant([1.0] * 4, tf.float64)
    depths = tf.constant([1.0, 2.0, 3.0, 4.0], tf.float64)
    extents = tf.constant([[30.0, 30.0]] * 4, tf.float64)
    image, _ = sp.rasterize(sp.Footprints(means2d, conics, extents, colours, opacities, depths, tf.ones(4, bool)),
                            16, 16, (0.0, 0.0, 0.0), tile=8, k=4)
    slow = sp.render_reference(means2d.numpy(), conics.numpy(), colours.numpy(), opacities.numpy(), depths.numpy(),
                               [True] * 4, 16, 16, (0.0, 0.0, 0.0))
    assert np.allclose(image.numpy(), slow, atol=1e-12)
    centre = image.numpy()[8, 8]
    assert centre[2] == 0.0  # the third splat never shows at the centre
    assert np.isclose(centre[0], sp.ALPHA_MAX)  # the first: its alpha capped at 0.99


def test_one_gaussian_footprint_matches_its_formula():
    s, z, f, size, o = np.array([0.30, 0.1, 0.15]), 4.0, 40.0, 32, 0.8
    g = {"means": np.zeros((1, 3)), "scales": s[None], "quats": np.array([[1.0, 0, 0, 0]]),
         "colours": np.ones((1, 3)), "opacities": np.array([o])}
    image = render(g, (0, -z, 0), size=size, focal=f)[..., 0]
    d = np.arange(size) + 0.5 - size / 2
    q = d[None, :] ** 2 / ((f * s[0] / z) ** 2 + sp.BLUR) + d[:, None] ** 2 / ((f * s[2] / z) ** 2 + sp.BLUR)
    formula = np.where(q <= 9, o * np.exp(-0.5 * q), 0.0)
    formula = np.where(formula >= sp.ALPHA_MIN, formula, 0.0)
    assert np.allclose(image, formula, atol=1e-12)


@pytest.mark.parametrize("order", [[0, 1], [1, 0]])
def test_near_gaussian_occludes_far_one(order):
    g = {"means": np.array([[0.0, -0.8, 0.0], [0.0, 0.8, 0.0]]), "scales": np.array([[0.35] * 3, [0.5] * 3]),
         "quats": np.array([[1.0, 0, 0, 0]] * 2), "colours": np.array([[1.0, 0, 0], [0, 0, 1.0]]),
         "opacities": np.array([0.99, 0.99])}
    g = {key: value[order] for key, value in g.items()}  # the storage order must not matter
    front = render(g, (0, -4, 0), background=(1.0, 1.0, 1.0))[16, 16]
    back = render(g, (0, 4, 0), background=(1.0, 1.0, 1.0))[16, 16]
    assert front[0] > 0.95 and front[2] < 0.05
    assert back[2] > 0.95 and back[0] < 0.05


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    n = 5
    params = {"means": rng.normal(scale=0.4, size=(n, 3)), "log_scales": np.log(rng.uniform(0.15, 0.35, (n, 3))),
              "quaternions": rng.normal(size=(n, 4)), "colour_logits": rng.normal(size=(n, 3)),
              "opacity_logits": rng.normal(size=n)}
    weights = tf.constant(rng.normal(size=(16, 16, 3)))
    R, t = sp.look_at((2.5, -3.0, 1.0))

    def loss(p):
        g = sp.Splats(p["means"], tf.exp(p["log_scales"]), p["quaternions"], tf.sigmoid(p["colour_logits"]),
                      tf.sigmoid(p["opacity_logits"]), tf.ones(n, bool))
        image, _, _ = sp.render_gaussians(g, sp.Camera(tf.constant(R), tf.constant(t), 20.0, 16, 16),
                                          tf.constant([1.0, 1.0, 1.0], tf.float64), tile=4, k=16, coarse=(8, 16))
        return tf.reduce_sum(weights * image)

    variables = {name: tf.Variable(value) for name, value in params.items()}
    with tf.GradientTape() as tape:
        value = loss(variables)
    grads = tape.gradient(value, variables)
    for name, value in params.items():
        assert grads[name] is not None, name
        for index in [tuple(rng.integers(0, s) for s in value.shape) for _ in range(3)]:
            fd = []
            for sign in (1, -1):
                changed = {key: tf.constant(v) for key, v in params.items()}
                bumped = value.copy()
                bumped[index] += sign * 1e-6
                changed[name] = tf.constant(bumped)
                fd.append(float(loss(changed)))
            numeric = (fd[0] - fd[1]) / 2e-6
            assert np.isclose(grads[name].numpy()[index], numeric, rtol=1e-4, atol=1e-6), (name, index)


def test_ssim_matmul_equals_tf_image_ssim():
    rng = np.random.default_rng(4)
    a = rng.uniform(size=(32, 24, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(scale=0.1, size=a.shape), 0, 1).astype(np.float32)
    assert np.isclose(float(sp.ssim_matmul(tf.constant(a), tf.constant(b))), float(tf.image.ssim(a, b, 1.0)),
                      atol=1e-5)
    assert np.isclose(sp.ssim(a[None], a[None]), 1.0) and sp.psnr(a, a) > 100


# ---------------------------------------------------------------------------------------------- scene
def test_ray_caster_scene_and_point_cloud():
    scene = sp.demo_scene()
    cams = sp.cameras_on_sphere(sp.fibonacci_directions(2), 4.0, 32.0, 20, 20)
    images = scene.render(cams, supersample=1)
    assert images.shape == (2, 20, 20, 3) and images.min() >= 0 and images.max() <= 1
    assert np.allclose(images[:, 0, 0], scene.background)  # corners see the background
    assert not np.allclose(images[:, 10, 10], scene.background)  # the centre sees an object
    # a ray straight at the first sphere's centre hits it at distance |eye - centre| - radius
    sphere = scene.objects[0]
    eye = np.array([[0.0, -5.0, 0.0]])
    direction = (np.asarray(sphere.centre) - eye) / np.linalg.norm(np.asarray(sphere.centre) - eye)
    assert np.isclose(sphere.hit(eye, direction)[0], np.linalg.norm(sphere.centre - eye) - sphere.radius)
    box = scene.objects[3]
    assert np.isinf(box.hit(np.array([[0.0, 0.0, 5.0]]), np.array([[0.0, 0.0, 1.0]]))[0])  # pointing away
    points, colours = scene.point_cloud(400, np.random.default_rng(0), position_noise=0.0)
    assert points.shape == (400, 3) and colours.shape == (400, 3)
    on_spheres = [np.abs(np.linalg.norm(points - np.asarray(s.centre), axis=1) - s.radius) for s in scene.objects[:3]]
    local = np.abs((points - np.asarray(box.centre)) @ box.rotation) / np.asarray(box.half)
    on_box = np.abs(local.max(axis=1) - 1) * min(box.half)
    assert np.all(np.min(np.stack(on_spheres + [on_box]), axis=0) < 1e-5)  # every point on some surface


# ---------------------------------------------------------------------------------------------- training
def small_problem(capacity=200, jit=False):
    scene = sp.demo_scene()
    cams = sp.cameras_on_sphere(sp.fibonacci_directions(4), 4.0, 25.6, 16, 16)
    images = scene.render(cams, supersample=1)
    rng = np.random.default_rng(0)
    points, colours = scene.point_cloud(100, rng)
    gaussians = sp.Gaussians3D(points, colours, capacity)
    config = sp.TrainConfig(jit=jit, tile=4, k=64, coarse=(8, 128))
    return sp.Trainer(gaussians, cams, images, scene.background, 1.3, config), rng


def test_densify_clones_splits_and_prunes():
    trainer, rng = small_problem()
    g = trainer.g
    assert g.count == 100
    # pretend that the loss pulled hard on Gaussians 0–9; 0–4 are large (split), 5–9 small (clone)
    scales = g.log_scales.numpy()
    scales[:100] = np.log(0.03)
    scales[:5] = np.log(0.2)
    scales[5:10] = np.log(0.01)
    g.log_scales.assign(scales)
    opacity = g.opacity_logits.numpy()
    opacity[10:13] = sp.inverse_sigmoid(0.001)  # nearly transparent: pruned
    g.opacity_logits.assign(opacity)
    grads = np.zeros(g.capacity, np.float32)
    grads[:10] = 1.0
    trainer.grad_sum.assign(grads)
    trainer.grad_count.assign(np.ones(g.capacity, np.float32))
    means_before = g.means.numpy()[:5].copy()
    cloned, split, pruned = trainer.densify_and_prune(rng)
    assert (cloned, split, pruned) == (5, 5, 3)
    assert g.count == 100 + 10 - 3
    active = g.active.numpy()
    assert not active[10:13].any() and active[100:110].all()
    children = np.r_[0:5, 100:105]  # each split parent's slot and its new slot: every child 1.6× smaller ...
    assert np.allclose(np.exp(g.log_scales.numpy()[children]), 0.2 / 1.6)
    assert not np.allclose(g.means.numpy()[:5], means_before)  # ... and moved to samples of the old Gaussian
    assert np.allclose(g.means.numpy()[105:110], g.means.numpy()[5:10])  # clones: exact copies
    assert np.allclose(np.exp(g.log_scales.numpy()[105:110]), 0.01)
    assert float(trainer.grad_sum.numpy().sum()) == 0.0  # statistics start again


def test_split_draws_both_children_from_the_parent():
    # 100 rotated, stretched parents, all split: each child must be a sample of its parent's Gaussian (offset
    # ~ N(0, I) in the parent's own axes, in units of its scales), independent of its sibling, 1.6× smaller
    trainer, rng = small_problem()
    g = trainer.g
    parent_scales = np.array([0.2, 0.1, 0.15])  # above the split size (0.065), below the prune size (0.325)
    g.log_scales.assign(np.where(np.arange(g.capacity)[:, None] < 100, np.log(parent_scales), -10.0).astype(np.float32))
    g.quaternions.assign(rng.normal(size=(g.capacity, 4)).astype(np.float32))
    grads = np.zeros(g.capacity, np.float32)
    grads[:100] = 1.0
    trainer.grad_sum.assign(grads)
    trainer.grad_count.assign(np.ones(g.capacity, np.float32))
    before = g.numpy()
    assert trainer.densify_and_prune(rng) == (0, 100, 0)
    after = g.numpy()
    rotations = sp.quaternion_to_rotation(tf.constant(before["quaternions"][:100])).numpy()
    standardised = []
    for slots in (np.arange(100), np.arange(100, 200)):  # the first children (parents' slots), then the second
        assert np.allclose(np.exp(after["log_scales"][slots]), parent_scales / sp.SPLIT_FACTOR, rtol=1e-5)
        assert np.allclose(after["quaternions"][slots], before["quaternions"][:100])  # the parent's orientation
        offset = np.einsum("nji,nj->ni", rotations, after["means"][slots] - before["means"][:100]) / parent_scales
        assert abs(offset.mean()) < 0.2 and abs(offset.std() - 1) < 0.2, (offset.mean(), offset.std())
        assert np.abs(offset).max() < 5  # every child near its parent
        standardised.append(offset.ravel())
    assert abs(np.corrcoef(*standardised)[0, 1]) < 0.2  # two independent samples, not one drawn around the other


def test_a_few_training_steps_reduce_the_loss():
    trainer, rng = small_problem()
    losses = [float(trainer.step(tf.constant(i % 4), tf.constant(0.0))["loss"]) for i in range(24)]
    assert np.isfinite(losses).all()
    assert np.mean(losses[-4:]) < np.mean(losses[:4])
    trainer.reset_opacity()
    assert np.all(tf.sigmoid(trainer.g.opacity_logits).numpy()[trainer.g.active.numpy()] <= 0.0101)
    assert trainer.render(trainer.cameras.subset([0])).shape == (1, 16, 16, 3)


def test_gif_and_timing_helpers(tmp_path):
    frames = np.random.default_rng(0).uniform(size=(3, 8, 8, 3))
    path = sp.save_gif(frames, tmp_path / "orbit.gif", scale=2)
    assert path.exists() and path.stat().st_size > 0
    assert sp.time_training_step(50, 16, np.random.default_rng(0), tile=4, k=16, coarse=None, graph=False,
                                 repeats=1) > 0
    assert len(sp.orbit_cameras(5, 4.0, 20.0, 30.0, 16, 16)) == 5


def test_compiled_step_traces_once_and_refuses_other_dtypes():
    # the training loop must reuse one XLA compile: an int64 view would otherwise retrace and compile again
    trainer, rng = small_problem(jit=True)
    for view in (0, 2, 3):
        trainer.step(tf.constant(view, tf.int32), tf.constant(0.1 * view, tf.float32))
    assert trainer.step.experimental_get_tracing_count() == 1
    with pytest.raises((TypeError, ValueError)):
        trainer.step(tf.constant(1, tf.int64), tf.constant(0.5, tf.float32))
    assert trainer.step.experimental_get_tracing_count() == 1
