"""Exercise checkers for notebook 10 (Gaussian splatting): alpha compositing of a few samples, a 3-D
covariance from scale and rotation, and the EWA Jacobian of the perspective projection.

Each checker calls the student's function on small fixed inputs, compares with the formula and, when it is
wrong, recognises the usual slips (back-to-front order, a forgotten background, a transmittance that includes
the sample itself, scales not squared, a quaternion not normalised or read in the wrong order, a missing minus
sign or square in the Jacobian).
"""

from __future__ import annotations

import numpy as np

from utils.exercises import Hint, as_array, call, exercise, expect_close, reference


def _close(a, b):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------------------------------------------
@reference
def transmittance_reference(alphas):
    """T_1 … T_(n+1): the light left in front of each sample, and after the last one."""
    return np.concatenate([[1.0], np.cumprod(1 - np.asarray(alphas, dtype=float))])


@reference
def composite_reference(colours, alphas, background):
    colours, alphas = np.asarray(colours, dtype=float), np.asarray(alphas, dtype=float)
    T = transmittance_reference(alphas)
    return (colours * (alphas * T[:-1])[:, None]).sum(axis=0) + T[-1] * np.asarray(background, dtype=float)


_COMPOSITE_CASES = [
    (np.array([[0.9, 0.1, 0.1], [0.1, 0.8, 0.2], [0.2, 0.3, 0.9]]), np.array([0.5, 0.3, 0.8]),
     np.array([1.0, 1.0, 1.0]), "three samples on a white background"),
    (np.array([[0.2, 0.4, 0.6], [1.0, 0.5, 0.0], [0.3, 0.3, 0.3], [0.0, 1.0, 1.0]]), np.array([0.2, 0.6, 0.1, 0.9]),
     np.array([0.1, 0.2, 0.3]), "four samples on a dark blue background"),
    (np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]]), np.array([1.0, 0.9]), np.array([0.0, 1.0, 0.0]),
     "an opaque sample in front"),
]


@exercise("Exercise 1 · alpha compositing of a few samples")
def check_composite(composite):
    """``composite(colours (n, 3), alphas (n,), background (3,))`` → RGB, front to back."""
    for colours, alphas, background, what in _COMPOSITE_CASES:
        label = f"composite for {what}"
        got = as_array(call(composite, colours.copy(), alphas.copy(), background.copy(), what="composite"), label,
                       shape=(3,))
        want = composite_reference(colours, alphas, background)
        if _close(got, want):
            continue
        T = transmittance_reference(alphas)
        if _close(got, composite_reference(colours[::-1], alphas[::-1], background)):
            raise Hint(f"{label}: you blended back to front; the first sample is the nearest, so it is dimmed by "
                       "nothing and dims all the others")
        if _close(got, want - T[-1] * background):
            raise Hint(f"{label}: the background is missing; the light left after the last sample, T_(n+1), "
                       "shows the background colour")
        if _close(got, (colours * (alphas * T[1:])[:, None]).sum(0) + T[-1] * background):
            raise Hint(f"{label}: T_i is the product of (1 − α_j) over the samples *in front of* i only; update T "
                       "after adding the sample, not before")
        if _close(got, (colours * alphas[:, None]).sum(0)) or _close(got, (colours * alphas[:, None]).sum(0)
                                                                      + T[-1] * background):
            raise Hint(f"{label}: each sample must be dimmed by the transmittance T_i of the samples in front of it "
                       "(C = Σ c_i α_i T_i + T_(n+1) c_bg)")
        if alphas.sum() > 0 and _close(got, (colours * alphas[:, None]).sum(0) / alphas.sum()):
            raise Hint(f"{label}: that is an alpha-weighted average; compositing weights sample i by α_i T_i "
                       "and adds the background")
        expect_close(got, want, label, hint="C = Σ_i c_i α_i T_i + T_(n+1) · background, T_i = Π_(j<i) (1 − α_j)")


# ---------------------------------------------------------------------------------------------------
@reference
def rotation_from_quaternion(q):
    w, x, y, z = np.asarray(q, dtype=float)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


@reference
def covariance_reference(scales, quaternion):
    R = rotation_from_quaternion(np.asarray(quaternion, dtype=float) / np.linalg.norm(quaternion))
    return R @ np.diag(np.asarray(scales, dtype=float) ** 2) @ R.T


_COVARIANCE_CASES = [
    (np.array([0.5, 0.2, 0.1]), np.array([1.0, 0.0, 0.0, 0.0]), "no rotation"),
    (np.array([0.3, 0.1, 0.05]), np.array([0.9, 0.1, -0.3, 0.2]) / np.linalg.norm([0.9, 0.1, -0.3, 0.2]),
     "a unit quaternion"),
    (np.array([1.5, 0.4, 0.7]), np.array([2.0, -1.0, 0.5, 1.5]), "a quaternion of length 2.7"),
]


@exercise("Exercise 2 · covariance from scale and rotation")
def check_covariance(covariance_from_scale_rotation):
    """``covariance_from_scale_rotation(scales (3,), quaternion (w, x, y, z))`` → Σ = R S Sᵀ Rᵀ, (3, 3)."""
    for scales, q, what in _COVARIANCE_CASES:
        label = f"covariance for {what}"
        got = as_array(call(covariance_from_scale_rotation, scales.copy(), q.copy(),
                            what="covariance_from_scale_rotation"), label, shape=(3, 3))
        want = covariance_reference(scales, q)
        if _close(got, want):
            continue
        R = rotation_from_quaternion(q / np.linalg.norm(q))
        if not np.allclose(got, got.T, atol=1e-8):
            raise Hint(f"{label}: Σ is not symmetric; R S Sᵀ Rᵀ always is (check the transposes)")
        if _close(got, rotation_from_quaternion(q) @ np.diag(scales**2) @ rotation_from_quaternion(q).T):
            raise Hint(f"{label}: divide the quaternion by its length first, otherwise R is not a rotation")
        if _close(got, R @ np.diag(scales) @ R.T):
            raise Hint(f"{label}: the scales are standard deviations; S Sᵀ = diag(s²), so square them")
        if _close(got, R.T @ np.diag(scales**2) @ R):
            raise Hint(f"{label}: Σ = R S² Rᵀ, not Rᵀ S² R: the columns of R are the axes of the ellipsoid")
        if _close(got, covariance_reference(scales, np.roll(q, 1))):  # q read as (x, y, z, w)
            raise Hint(f"{label}: the quaternion is ordered (w, x, y, z): w, the real part, comes first")
        expect_close(got, want, label, hint="Σ = R diag(s²) Rᵀ with R from the normalised quaternion")


# ---------------------------------------------------------------------------------------------------
@reference
def jacobian_reference(p, focal):
    x, y, z = np.asarray(p, dtype=float)
    return np.array([[focal / z, 0.0, -focal * x / z**2], [0.0, focal / z, -focal * y / z**2]])


def _project(p, focal):
    return focal * np.asarray(p[:2]) / p[2]


_JACOBIAN_CASES = [(np.array([0.3, -0.2, 2.0]), 50.0), (np.array([-1.0, 0.5, 4.0]), 100.0)]


@exercise("Exercise 3 · the EWA Jacobian")
def check_jacobian(projection_jacobian):
    """``projection_jacobian(p, focal)`` → the (2, 3) matrix ∂(u, v)/∂(px, py, pz)."""
    for p, focal in _JACOBIAN_CASES:
        label = f"projection_jacobian({p.tolist()}, {focal:g})"
        got = as_array(call(projection_jacobian, p, focal, what="projection_jacobian"), label)
        if got.shape == (3, 2):
            raise Hint(f"{label} has shape (3, 2): one row per pixel coordinate (u, v), one column per px, py, pz")
        got = as_array(got, label, shape=(2, 3))
        want = jacobian_reference(p, focal)
        if _close(got, want):
            continue
        x, y, z = p
        if _close(got, want * np.array([1, 1, -1])):
            raise Hint(f"{label}: the last column has the wrong sign; ∂(f·px/pz)/∂pz = −f·px/pz² (a point moving "
                       "away drifts towards the image centre)")
        if _close(got, np.array([[focal / z, 0, -focal * x / z], [0, focal / z, -focal * y / z]])):
            raise Hint(f"{label}: the derivative of 1/pz is −1/pz²; the last column needs pz squared")
        if _close(got, want / focal):
            raise Hint(f"{label}: multiply by the focal length f (u = f·px/pz + cx)")
        numeric = np.stack([(_project(p + h, focal) - _project(p - h, focal)) / 2e-6 for h in np.eye(3) * 1e-6], 1)
        expect_close(got, numeric, label, rtol=1e-4, atol=1e-6,
                     hint="compare each entry with a finite difference of u = f·px/pz, v = f·py/pz")
