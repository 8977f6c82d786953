"""The ground truth of notebook 10: a small ray caster (three textured spheres and a checkered box, one distant
light) that shares no code with the splatting renderer, and the sparse noisy point cloud Structure-from-Motion
would give."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _pattern(kind, u, v, colours, freq):
    """Albedo from surface coordinates ``u, v`` in [0, 1): stripes, a checkerboard, or a smooth blend."""
    c0, c1 = (np.asarray(c, dtype=np.float64) for c in colours)
    if kind == "stripes":
        mix = np.floor(v * freq[1]) % 2
    elif kind == "checker":
        mix = (np.floor(u * freq[0]) + np.floor(v * freq[1])) % 2
    else:  # "blend": a smooth colour gradient from pole to pole
        mix = v
    return (1 - mix[..., None]) * c0 + mix[..., None] * c1


@dataclass
class Sphere:
    centre: tuple
    radius: float
    colours: tuple
    pattern: str = "blend"
    freq: tuple = (8, 6)

    def hit(self, o, d):
        """Distance along unit rays ``o + s d`` to the first intersection (``inf`` when missed)."""
        oc = o - np.asarray(self.centre)
        b = np.einsum("ij,ij->i", oc, d)
        disc = b * b - (np.einsum("ij,ij->i", oc, oc) - self.radius**2)
        s = -b - np.sqrt(np.maximum(disc, 0.0))
        return np.where((disc > 0) & (s > 1e-6), s, np.inf)

    def surface(self, p):
        """Normals and albedo at surface points ``p``."""
        n = (p - np.asarray(self.centre)) / self.radius
        u = (np.arctan2(n[:, 1], n[:, 0]) / (2 * np.pi)) % 1.0
        v = np.arccos(np.clip(n[:, 2], -1, 1)) / np.pi
        return n, _pattern(self.pattern, u, v, self.colours, self.freq)

    def area(self):
        return 4 * np.pi * self.radius**2

    def sample(self, n, rng):
        """``n`` points spread uniformly over the surface."""
        d = rng.normal(size=(n, 3))
        return np.asarray(self.centre) + self.radius * d / np.linalg.norm(d, axis=1, keepdims=True)


@dataclass
class Box:
    centre: tuple
    half: tuple
    angle: float  # rotation about the vertical (z) axis, degrees
    colours: tuple
    pattern: str = "checker"
    freq: tuple = (3, 3)

    @property
    def rotation(self):  # box-to-world
        a = np.radians(self.angle)
        return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])

    def hit(self, o, d):
        """Slab test in box coordinates: the ray is inside all three slabs between ``t_near`` and ``t_far``."""
        lo, ld = (o - np.asarray(self.centre)) @ self.rotation, d @ self.rotation
        half = np.asarray(self.half)
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (-half - lo) / ld, (half - lo) / ld
        t_near = np.max(np.minimum(t1, t2), axis=1)
        t_far = np.min(np.maximum(t1, t2), axis=1)
        return np.where((t_near <= t_far) & (t_near > 1e-6), t_near, np.inf)

    def surface(self, p):
        local = (p - np.asarray(self.centre)) @ self.rotation / np.asarray(self.half)  # in [-1, 1]³
        rows = np.arange(len(p))
        axis = np.argmax(np.abs(local), axis=1)  # the face is where one coordinate is ±1
        n_local = np.zeros_like(local)
        n_local[rows, axis] = np.sign(local[rows, axis])
        u = (np.clip(local[rows, (axis + 1) % 3], -1, 0.9999) + 1) / 2
        v = (np.clip(local[rows, (axis + 2) % 3], -1, 0.9999) + 1) / 2
        return n_local @ self.rotation.T, _pattern(self.pattern, u, v, self.colours, self.freq)

    def area(self):
        hx, hy, hz = self.half
        return 8 * (hx * hy + hy * hz + hx * hz)

    def sample(self, n, rng):
        half = np.asarray(self.half)
        face_areas = np.array([half[1] * half[2], half[0] * half[2], half[0] * half[1]] * 2)
        face = rng.choice(6, size=n, p=face_areas / face_areas.sum())
        local = rng.uniform(-1, 1, size=(n, 3))
        local[np.arange(n), face % 3] = np.where(face < 3, 1.0, -1.0)
        return np.asarray(self.centre) + (local * half) @ self.rotation.T


@dataclass
class Scene:
    """Objects lit by one distant light (diffuse shading, so colours do not depend on the viewpoint)."""

    objects: list
    background: tuple = (1.0, 1.0, 1.0)
    light: tuple = (0.4, -0.5, 0.75)
    ambient: float = 0.35

    def radiance(self, points, index):
        """Colour of surface points of object ``index`` (the same from every direction)."""
        normals, albedo = self.objects[index].surface(points)
        light = np.asarray(self.light) / np.linalg.norm(self.light)
        shade = self.ambient + (1 - self.ambient) * np.clip(normals @ light, 0, 1)
        return np.clip(albedo * shade[:, None], 0, 1)

    def render(self, cameras, supersample=3):
        """Ray-cast every view, ``supersample²`` rays per pixel averaged (anti-aliased edges): ``(V, H, W, 3)``."""
        W, H, s = cameras.width, cameras.height, supersample
        offs = (np.arange(s) + 0.5) / s
        cols = (np.arange(W)[:, None] + offs[None, :]).reshape(-1)  # sub-pixel centres
        rows = (np.arange(H)[:, None] + offs[None, :]).reshape(-1)
        u, v = np.meshgrid(cols, rows)
        dirs_cam = np.stack([(u - W / 2) / cameras.focal, (v - H / 2) / cameras.focal, np.ones_like(u)], -1)
        images = []
        for R, t in zip(cameras.R, cameras.t):
            d = dirs_cam.reshape(-1, 3) @ R  # camera to world: Rᵀ d
            d /= np.linalg.norm(d, axis=1, keepdims=True)
            o = np.broadcast_to(-R.T @ t, d.shape)
            dist = np.stack([obj.hit(o, d) for obj in self.objects])  # (objects, rays)
            first = np.argmin(dist, axis=0)
            nearest = dist[first, np.arange(len(first))]
            rgb = np.tile(np.asarray(self.background, dtype=np.float64), (len(first), 1))
            for i in range(len(self.objects)):
                sel = (first == i) & np.isfinite(nearest)
                rgb[sel] = self.radiance(o[sel] + nearest[sel, None] * d[sel], i)
            img = rgb.reshape(H, s, W, s, 3).mean(axis=(1, 3))  # rows were laid out as (H, s), cols as (W, s)
            images.append(img)
        return np.stack(images).astype(np.float32)

    def point_cloud(self, n, rng, position_noise=0.02, colour_noise=0.05):
        """A sparse, noisy coloured point cloud on the surfaces, like the one Structure-from-Motion gives."""
        areas = np.array([obj.area() for obj in self.objects])
        counts = rng.multinomial(n, areas / areas.sum())
        points, colours = [], []
        for i, (obj, m) in enumerate(zip(self.objects, counts)):
            p = obj.sample(m, rng)
            colours.append(self.radiance(p, i))
            points.append(p)
        points, colours = np.concatenate(points), np.concatenate(colours)
        points = points + rng.normal(scale=position_noise, size=points.shape)
        colours = np.clip(colours + rng.normal(scale=colour_noise, size=colours.shape), 0, 1)
        return points.astype(np.float32), colours.astype(np.float32)


def demo_scene():
    """Three textured spheres and a checkered box on a white background, about 2.6 units across."""
    return Scene(
        [
            Sphere((-0.55, -0.45, 0.0), 0.5, ((0.9, 0.35, 0.1), (0.95, 0.85, 0.2)), "stripes", (8, 6)),
            Sphere((0.6, -0.4, 0.05), 0.45, ((0.15, 0.3, 0.85), (0.85, 0.9, 0.95)), "checker", (8, 4)),
            Sphere((0.05, 0.25, 0.75), 0.32, ((0.2, 0.75, 0.3), (0.1, 0.35, 0.6)), "blend"),
            Box((0.1, 0.55, -0.3), (0.38, 0.38, 0.38), 30.0, ((0.75, 0.15, 0.45), (0.95, 0.75, 0.8)), "checker"),
        ]
    )
