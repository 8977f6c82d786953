"""Figures of notebook 10: splats drawn as ellipses, and frames saved as a looping GIF."""

from __future__ import annotations

import numpy as np


def save_gif(frames, path, fps=12, scale=3):
    """Save ``(N, H, W, 3)`` frames in [0, 1] as a looping GIF, enlarged ``scale`` times (nearest pixel)."""
    from PIL import Image

    pictures = [Image.fromarray((np.clip(f, 0, 1) * 255).astype(np.uint8)).resize(
        (f.shape[1] * scale, f.shape[0] * scale), Image.NEAREST) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=int(1000 / fps), loop=0)
    return path


def plot_ellipses(ax, means, cov, colours, opacities=None, sigmas=2.0, max_count=None, **kwargs):
    """Draw 2-D Gaussians as ellipses at ``sigmas`` standard deviations, filled with their colour."""
    from matplotlib.patches import Ellipse

    means, cov, colours = (np.asarray(v) for v in (means, cov, colours))
    alphas = np.ones(len(means)) if opacities is None else np.asarray(opacities)
    order = np.arange(len(means)) if max_count is None else np.argsort(-alphas)[:max_count]
    for i in order:
        values, vectors = np.linalg.eigh(cov[i])
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))
        width, height = 2 * sigmas * np.sqrt(np.maximum(values[::-1], 0))
        ax.add_patch(Ellipse(means[i], width, height, angle=angle, facecolor=colours[i],
                             alpha=float(np.clip(alphas[i], 0.05, 1)) * 0.8, edgecolor="none", **kwargs))
    return ax
