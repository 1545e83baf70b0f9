"""Inside a network: first-layer filters as colour tiles and one image's activation maps per stage.

The raw numbers come from :mod:`tlwidgets.analysis.activations`; here they become pictures.
Tiles of a kind are packed into one mosaic image per panel, so a redraw stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import numpy as np
import torch
from matplotlib.figure import Figure

from .figure import CourseFigure, new_figure

__all__ = ["draw_filters_and_activations", "filter_tiles", "filters_and_activations", "mosaic"]

PANEL_INCHES = 1.25  # width of one panel
ROW_INCHES = 1.7  # height of one model's row
MAPS_CMAP = matplotlib.colormaps["viridis"].with_extremes(bad="white")  # NaN = gap between maps


def filter_tiles(filters: torch.Tensor | np.ndarray) -> np.ndarray:
    """Turn conv weights (C_out, C_in, k, k) into tiles (C_out, k, k, 3) in [0, 1].

    Each filter is scaled on its own so that 0 is mid-grey and its largest weight (in absolute
    value) reaches 0 or 1: a red tile is a filter that responds to red. With C_in other than
    3, the channels are averaged into a grey tile.
    """
    w = filters.detach().cpu().numpy() if torch.is_tensor(filters) else np.asarray(filters)
    if w.ndim != 4:
        raise ValueError(f"filters must have shape (C_out, C_in, k, k), got {w.shape}")
    if w.shape[1] != 3:
        w = np.repeat(w.mean(axis=1, keepdims=True), 3, axis=1)
    scale = np.abs(w).reshape(len(w), -1).max(axis=1).clip(min=1e-12)  # (C_out,)
    tiles = w / (2 * scale[:, None, None, None]) + 0.5
    return tiles.transpose(0, 2, 3, 1).astype(np.float32)


def mosaic(
    tiles: np.ndarray, ncols: int | None = None, gap: int = 1, fill: float = 1.0
) -> np.ndarray:
    """Pack tiles (M, h, w) or (M, h, w, 3) into one image, row by row, ``gap`` pixels apart.

    Parameters
    ----------
    tiles
        M equally sized tiles.
    ncols
        Tiles per row; default the smallest square that holds them all.
    gap
        Pixels between tiles.
    fill
        Value of the gaps and of unused cells.

    Returns
    -------
    numpy.ndarray
        Shape (rows * (h + gap) - gap, ncols * (w + gap) - gap[, 3]).
    """
    tiles = np.asarray(tiles, dtype=np.float32)
    m, h, w = tiles.shape[:3]
    ncols = ncols or math.ceil(math.sqrt(m))
    nrows = math.ceil(m / ncols)
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap, *tiles.shape[3:]), fill)
    for i in range(m):
        top, left = (i // ncols) * (h + gap), (i % ncols) * (w + gap)
        out[top : top + h, left : left + w] = tiles[i]
    return out.astype(np.float32)


def draw_filters_and_activations(
    figure: Figure,
    image: torch.Tensor | np.ndarray,
    names: Sequence[str],
    filters: Sequence[torch.Tensor | np.ndarray],
    activations: Sequence[Sequence[tuple[torch.Tensor, torch.Tensor]]],
    *,
    stage_names: Sequence[Sequence[str]] | None = None,
) -> None:
    """One row per model: the input image, its first-layer filters, then the maps per stage.

    Parameters
    ----------
    figure
        A cleared figure; resized here to fit the rows and columns.
    image
        The input image (3, H, W) in [0, 1].
    names
        One name per model (row).
    filters
        Per model, first-layer weights (C_out, C_in, k, k).
    activations
        Per model, per stage, ``(maps (c, h, w), channel indices (c,))`` as returned by
        :func:`tlwidgets.analysis.stage_activations`. The maps of a stage share one colour
        scale from 0 to their maximum (brighter = more active).
    stage_names
        Per model, the names of its stages; default "stage0", "stage1", ...
    """
    if not (len(names) == len(filters) == len(activations)):
        raise ValueError("names, filters and activations need one entry per model")
    picture = image.detach().cpu().numpy() if torch.is_tensor(image) else np.asarray(image)
    picture = np.clip(picture.transpose(1, 2, 0), 0, 1)  # (H, W, 3)
    ncols = 2 + max(len(stages) for stages in activations)
    nrows = len(names)
    figure.set_size_inches(ncols * PANEL_INCHES, nrows * ROW_INCHES + 0.1)
    figure.subplots_adjust(
        left=0.01,
        right=0.99,
        bottom=0.02,
        top=0.86 if nrows == 1 else 0.92,
        wspace=0.12,
        hspace=0.5,
    )
    axes = figure.subplots(nrows, ncols, squeeze=False)
    for row, name in enumerate(names):
        for ax in axes[row]:
            ax.set_axis_off()
        axes[row, 0].imshow(picture, interpolation="nearest")
        axes[row, 0].set_title(f"{name}\ninput", fontsize=8)
        weights = filters[row]
        axes[row, 1].imshow(mosaic(filter_tiles(weights)), interpolation="nearest")
        size = "×".join(str(s) for s in weights.shape[2:])
        axes[row, 1].set_title(f"{len(weights)} filters\n{size}, stage 0", fontsize=8)
        names_here = stage_names[row] if stage_names else None
        for index, (maps, channels) in enumerate(activations[row]):
            values = maps.detach().cpu().numpy() if torch.is_tensor(maps) else np.asarray(maps)
            top = float(values.max())
            tiles = values / top if top > 0 else values
            ax = axes[row, 2 + index]
            ax.imshow(
                mosaic(tiles, fill=np.nan), cmap=MAPS_CMAP, vmin=0, vmax=1, interpolation="nearest"
            )
            stage = names_here[index] if names_here else f"stage{index}"
            channel_list = ",".join(str(int(c)) for c in channels)
            ax.set_title(
                f"{stage} {values.shape[1]}×{values.shape[2]}\nch {channel_list}", fontsize=7
            )


def filters_and_activations(
    image: torch.Tensor | np.ndarray,
    filters: torch.Tensor | np.ndarray,
    activations: Sequence[tuple[torch.Tensor, torch.Tensor]],
    *,
    name: str = "model",
    stage_names: Sequence[str] | None = None,
) -> CourseFigure:
    """One model's first-layer filters and one image's activation maps, as a figure.

    Parameters
    ----------
    image
        The input image (3, H, W) in [0, 1].
    filters
        First-layer weights (C_out, C_in, k, k), e.g. from
        :func:`tlwidgets.analysis.first_layer_filters`.
    activations
        Per stage ``(maps (c, h, w), channel indices (c,))``, e.g. from
        :func:`tlwidgets.analysis.stage_activations`.
    name
        The model's name, shown over the input image.
    stage_names
        Names of the stages; default "stage0", "stage1", ...

    Returns
    -------
    CourseFigure
        One row of panels.
    """
    fig = new_figure()
    draw_filters_and_activations(
        fig,
        image,
        [name],
        [filters],
        [activations],
        stage_names=[stage_names] if stage_names else None,
    )
    return fig
