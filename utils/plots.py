"""Display helpers shared by the notebooks: loss curves, image grids, heatmaps, and library source."""

from __future__ import annotations

import inspect

import matplotlib.pyplot as plt
import numpy as np


def show_code(*objects):
    """Show the source of course code (functions, classes, methods) in the notebook, syntax-highlighted.

    The one way a notebook shows library code: the learner reads what runs, not a copy of it.
    """
    text = "\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
    try:
        from IPython.display import Markdown, display

        display(Markdown(f"```python\n{text}\n```"))
    except ImportError:  # plain Python: print it
        print(text)


def plot_history(history, metrics=("loss",), title="Training curves", ylabel=None, logy=False, ax=None):
    """Train (solid) and validation (dashed) curves per epoch from a Keras ``History`` or its dict."""
    logs = getattr(history, "history", history)
    if ax is None:
        _, ax = plt.subplots()
    for metric in metrics:
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if key in logs:
                ax.plot(np.arange(1, len(logs[key]) + 1), logs[key], style, marker=".", label=key)
    ax.set(title=title, xlabel="epoch", ylabel=ylabel or ", ".join(metrics))
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return ax


def image_grid(images, labels=None, ncols=8, title=None, cmap="gray", size=1.3, vmin=None, vmax=None):
    """Show images (N, H, W) or (N, H, W, C) in a grid with optional per-image labels; returns the figure."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    n = len(images)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    row_height = size + (0.3 if labels is not None else 0)  # room for the labels above each row
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, row_height * nrows + (0.4 if title else 0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(images[i], cmap=cmap if images[i].ndim == 2 else None, vmin=vmin, vmax=vmax)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def heatmap(matrix, xlabels=None, ylabels=None, title=None, xlabel=None, ylabel=None, fmt="d", cmap="Blues", ax=None):
    """Annotated heatmap (confusion matrices, attention weights); returns the axes."""
    matrix = np.asarray(matrix)
    if ax is None:
        _, ax = plt.subplots(figsize=(1 + 0.6 * matrix.shape[1], 0.8 + 0.5 * matrix.shape[0]))
    image = ax.imshow(matrix, cmap=cmap)
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, fraction=0.046)
    if fmt:
        for (i, j), value in np.ndenumerate(matrix):
            red, green, blue, _ = image.cmap(image.norm(value))  # the cell's own colour, for any colormap
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # perceived brightness
            ax.text(j, i, format(value, fmt), ha="center", va="center",
                    color="white" if dark else "black", fontsize=9)
    if xlabels is not None:
        ax.set_xticks(range(len(xlabels)), xlabels, rotation=45, ha="right")
    if ylabels is not None:
        ax.set_yticks(range(len(ylabels)), ylabels)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax
