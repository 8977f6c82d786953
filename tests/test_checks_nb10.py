"""The exercise checkers of notebook 10: right answers pass, wrong ones get a specific message, nothing raises."""

import numpy as np
import pytest
from checking import _crash, _stub

from utils.checks import nb10

# ---------------------------------------------------------------- Exercise 1: alpha compositing


def composite(colours, alphas, background):
    rgb, T = np.zeros(3), 1.0
    for colour, alpha in zip(colours, alphas):
        rgb += T * alpha * colour
        T *= 1 - alpha
    return rgb + T * np.asarray(background)


def composite_vectorised(colours, alphas, background):
    T = np.cumprod(np.concatenate([[1.0], 1 - alphas]))
    return (colours * (alphas * T[:-1])[:, None]).sum(0) + T[-1] * background


def test_composite_correct(capsys):
    assert nb10.check_composite(composite) is True
    assert nb10.check_composite(composite_vectorised) is True
    assert "correct" in capsys.readouterr().out


def test_composite_reference_matches_the_renderer_loop():
    # one pixel, splats centred on it: the course's reference loop blends the same way (no cap or stop hit here)
    from utils import splatting as sp

    colours, alphas, background = nb10._COMPOSITE_CASES[0][:3]
    n = len(alphas)
    image = sp.render_reference(np.full((n, 2), 0.5), np.zeros((n, 3)), colours, alphas, np.arange(n), [True] * n,
                                1, 1, background)
    assert np.allclose(image[0, 0], nb10.composite_reference(colours, alphas, background))


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (lambda *a: None, "returned None: did you forget `return`?"),
        ("rgb", "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda *a: "red", "should be a number"),
        (lambda c, a, bg: np.full(3, np.nan), "NaN"),
        (lambda c, a, bg: np.zeros(4), "shape (3,)"),
        (lambda c, a, bg: composite(c[::-1], a[::-1], bg), "back to front"),
        (lambda c, a, bg: composite(c, a, np.zeros(3)), "background is missing"),
        (lambda c, a, bg: (c * (a * np.cumprod(1 - a))[:, None]).sum(0) + np.prod(1 - a) * bg, "in front of"),
        (lambda c, a, bg: (c * a[:, None]).sum(0), "transmittance"),
        (lambda c, a, bg: (c * a[:, None]).sum(0) / a.sum(), "average"),
        (lambda c, a, bg: composite(c, a, bg) + 0.05, "is off"),
    ],
)
def test_composite_wrong_answers(answer, message, capsys):
    assert nb10.check_composite(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 2: covariance


def rotation(q):
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def covariance(scales, q):
    M = rotation(q) @ np.diag(scales)
    return M @ M.T


def test_covariance_correct(capsys):
    assert nb10.check_covariance(covariance) is True
    assert "correct" in capsys.readouterr().out


def test_covariance_reference_matches_course_code():
    import tensorflow as tf

    from utils import splatting as sp

    rng = np.random.default_rng(0)
    scales, quats = rng.uniform(0.1, 1, (5, 3)), rng.normal(size=(5, 4))
    course = sp.covariance_3d(tf.constant(scales), tf.constant(quats)).numpy()
    assert np.allclose(course, [nb10.covariance_reference(s, q) for s, q in zip(scales, quats)])


def _unnormalised(scales, q):
    w, x, y, z = q
    R = np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])
    return R @ np.diag(scales**2) @ R.T


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        (3.0, "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda s, q: [["a"] * 3] * 3, "should be a number"),
        (lambda s, q: np.full((3, 3), np.nan), "NaN"),
        (lambda s, q: np.diag(s**2)[:2], "shape (3, 3)"),
        (lambda s, q: rotation(q) @ np.diag(s**2), "not symmetric"),
        (_unnormalised, "length first"),
        (lambda s, q: rotation(q) @ np.diag(s) @ rotation(q).T, "square them"),
        (lambda s, q: rotation(q).T @ np.diag(s**2) @ rotation(q), "not Rᵀ S² R"),
        (lambda s, q: covariance(s, np.roll(q, 1)), "(w, x, y, z)"),
        (lambda s, q: covariance(s, q) * 1.1, "is off"),
    ],
)
def test_covariance_wrong_answers(answer, message, capsys):
    assert nb10.check_covariance(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out


# ---------------------------------------------------------------- Exercise 3: Jacobian


def jacobian(p, f):
    x, y, z = p
    return np.array([[f / z, 0, -f * x / z**2], [0, f / z, -f * y / z**2]])


def test_jacobian_correct(capsys):
    assert nb10.check_jacobian(jacobian) is True
    assert "correct" in capsys.readouterr().out


def test_jacobian_reference_matches_course_projection():
    # the course's projected covariance uses the same J: J W Σ Wᵀ Jᵀ + blur for W = identity
    import tensorflow as tf

    from utils import splatting as sp

    p, f = np.array([0.3, -0.2, 2.0]), 50.0
    cov = np.diag([0.01, 0.02, 0.03])
    _, cov2d, _, _ = sp.project_gaussians(tf.constant(p[None]), tf.constant(cov[None]), np.eye(3), np.zeros(3), f,
                                          100, 100)
    J = nb10.jacobian_reference(p, f)
    assert np.allclose(cov2d.numpy()[0], J @ cov @ J.T + sp.BLUR * np.eye(2))


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "not yet solved"),
        (_stub, "not yet solved"),
        ("J", "should be a function"),
        (_crash, "raised ZeroDivisionError"),
        (lambda p, f: "J", "should be a number"),
        (lambda p, f: np.full((2, 3), np.nan), "NaN"),
        (lambda p, f: jacobian(p, f).T, "shape (3, 2)"),
        (lambda p, f: jacobian(p, f)[:, :2], "shape (2, 3)"),
        (lambda p, f: jacobian(p, f) * np.array([1, 1, -1]), "wrong sign"),
        (lambda p, f: np.array([[f / p[2], 0, -f * p[0] / p[2]], [0, f / p[2], -f * p[1] / p[2]]]), "squared"),
        (lambda p, f: jacobian(p, f) / f, "focal length"),
        (lambda p, f: jacobian(p, f) + 0.01, "is off"),
    ],
)
def test_jacobian_wrong_answers(answer, message, capsys):
    assert nb10.check_jacobian(answer) is False
    out = capsys.readouterr().out
    assert message in out, out
    assert "Traceback" not in out
