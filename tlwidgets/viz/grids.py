"""Grids of small images, optionally labelled: the first look at any dataset."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .figure import CourseFigure, new_figure

__all__ = ["image_grid"]

CELL_INCHES = 0.6  # side of one image cell at scale 1
LABEL_INCHES = 0.18  # extra height per row for a label
TITLE_INCHES = 0.35  # extra height for the title


def _as_hwc(images: torch.Tensor | np.ndarray) -> np.ndarray:
    """Return (N, H, W) grey or (N, H, W, 3) colour floats in [0, 1]."""
    x = images.detach().cpu() if torch.is_tensor(images) else torch.as_tensor(np.asarray(images))
    if x.dtype == torch.uint8:
        x = x.float() / 255
    x = x.float().clamp(0, 1)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 4 and x.shape[1] == 3:
        x = x.permute(0, 2, 3, 1)
    elif x.ndim != 3:
        raise ValueError(
            f"images must have shape (N, 3, H, W), (N, 1, H, W) or (N, H, W); got {tuple(x.shape)}"
        )
    return x.numpy()


def image_grid(
    images: torch.Tensor | np.ndarray,
    labels: Sequence[str] | None = None,
    *,
    ncols: int = 10,
    title: str | None = None,
    scale: float = 1.0,
) -> CourseFigure:
    """Draw images in a grid, row by row, with an optional label above each one.

    Parameters
    ----------
    images
        Shape (N, 3, H, W) colour or (N, H, W) / (N, 1, H, W) grey; floats in [0, 1]
        (values outside are clipped) or uint8.
    labels
        N short strings shown above the images (e.g. class names), or None.
    ncols
        Images per row; the number of rows follows from N.
    title
        Figure title, or None.
    scale
        Multiplies the size of every cell (1.0: 0.6 inch per image).

    Returns
    -------
    CourseFigure
        A matplotlib figure on an Agg canvas; it shows itself as the last value of a
        notebook cell, and ``fig.savefig(...)`` saves it.

    Raises
    ------
    ValueError
        If there are no images, the shape is not one of the above, ``ncols`` < 1, or the
        number of labels differs from the number of images.
    """
    pixels = _as_hwc(images)
    n = len(pixels)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} images")
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    row_inches = (CELL_INCHES + (LABEL_INCHES if labels is not None else 0.05)) * scale
    top = TITLE_INCHES * scale if title else 0.05
    fig = new_figure(figsize=(ncols * CELL_INCHES * scale + 0.1, nrows * row_inches + top))
    height = fig.get_figheight()
    fig.subplots_adjust(
        left=0.05 / fig.get_figwidth(),
        right=1 - 0.05 / fig.get_figwidth(),
        bottom=0.02 / height,
        top=1 - top / height,
        wspace=0.06,
        hspace=(LABEL_INCHES / CELL_INCHES if labels is not None else 0.06),
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    grey = pixels.ndim == 3
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        ax.imshow(pixels[i], cmap="gray" if grey else None, vmin=0, vmax=1, interpolation="nearest")
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=8 * scale, pad=2)
    if title:
        fig.suptitle(title, fontsize=10 * scale, y=1 - 0.04 / height, va="top")
    return fig
