"""A confusion matrix as a heat map: what each true class is taken for."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.ticker import PercentFormatter

from .figure import CourseFigure, new_figure

__all__ = ["confusion_plot"]

CELL_INCHES = 0.42  # side of one cell for up to MAX_FULL_SIZE classes
MAX_FULL_SIZE = 16  # above this many classes the cells shrink to keep the figure ~7 inches
MAX_ANNOTATED = 25  # above this many classes the cells are too small to write in
MARGIN_INCHES = (1.6, 1.0)  # room for tick labels, axis labels and the colour bar (w, h)
TITLE_INCHES = 0.3


def confusion_plot(
    matrix: torch.Tensor | np.ndarray,
    classes: Sequence[str],
    *,
    title: str | None = None,
    normalise: bool = True,
) -> CourseFigure:
    """Draw a confusion matrix: rows = true class, columns = predicted, one cell per pair.

    Colours are row-normalised: a cell's shade is the fraction of its true class predicted
    as its column, so a rare class is as visible as a common one and a perfect classifier
    is a dark diagonal. Each cell also has its value written in it (up to 25 classes).

    Parameters
    ----------
    matrix
        Shape (K, K), non-negative counts, e.g. from
        :func:`tlwidgets.analysis.confusion_matrix`.
    classes
        K class names, in index order (the tick labels).
    title
        Axes title, or None.
    normalise
        Write row percentages in the cells (``True``) or the raw counts (``False``). A row
        with no example is left white, and its percentages are written as "–".

    Returns
    -------
    CourseFigure
        A matplotlib figure with the matrix axes and a colour bar.

    Raises
    ------
    ValueError
        If ``matrix`` is not square, has negative entries, or ``classes`` has a length
        other than K.
    """
    counts = matrix.detach().cpu().numpy() if torch.is_tensor(matrix) else np.asarray(matrix)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1] or counts.shape[0] == 0:
        raise ValueError(f"matrix must have shape (K, K) with K >= 1, got {counts.shape}")
    if (counts < 0).any():
        raise ValueError(f"matrix must hold counts >= 0, got a minimum of {counts.min()}")
    k = len(counts)
    if len(classes) != k:
        raise ValueError(f"got {len(classes)} class names for a {k} x {k} matrix")
    totals = counts.sum(axis=1, keepdims=True)  # (K, 1) examples per true class
    fractions = np.divide(
        counts, totals, out=np.zeros((k, k), dtype=np.float64), where=totals > 0
    )  # (K, K)

    cell = CELL_INCHES * min(1.0, MAX_FULL_SIZE / k)
    top = TITLE_INCHES if title else 0.0
    figure = new_figure(
        figsize=(k * cell + MARGIN_INCHES[0], k * cell + MARGIN_INCHES[1] + top),
        layout="constrained",
    )
    axes = figure.add_subplot()
    image = axes.imshow(fractions, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    colour_bar = figure.colorbar(image, ax=axes, fraction=0.05, pad=0.03)
    colour_bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    colour_bar.set_label("share of the true class", fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)

    if k <= MAX_ANNOTATED:
        fontsize = 7 * cell / CELL_INCHES
        for i in range(k):
            for j in range(k):
                if normalise:
                    text = f"{fractions[i, j]:.0%}" if totals[i, 0] > 0 else "–"
                else:
                    text = f"{counts[i, j]:g}"
                # readable on any shade; empty cells fade so the confusions stand out
                colour = "white" if fractions[i, j] > 0.5 else "black"
                colour = "0.6" if counts[i, j] == 0 else colour
                axes.text(j, i, text, ha="center", va="center", fontsize=fontsize, color=colour)

    names = [str(name) for name in classes]
    long_names = max(len(name) for name in names) > 3
    tick_size = 8 if k <= MAX_FULL_SIZE else 6
    axes.set_xticks(range(k), names, fontsize=tick_size, rotation=90 if long_names else 0)
    axes.set_yticks(range(k), names, fontsize=tick_size)
    axes.set_xlabel("predicted class", fontsize=9)
    axes.set_ylabel("true class", fontsize=9)
    axes.tick_params(length=0)
    if title:
        axes.set_title(title, fontsize=10)
    return figure
