"""A matrix of pairwise similarities between a few labelled items, each cell numbered."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .figure import CourseFigure, new_figure

__all__ = ["similarity_matrix"]

LABEL_CHARS = 40  # a longer label is cut with "..."


def similarity_matrix(
    similarity: np.ndarray,
    labels: Sequence[str],
    *,
    title: str | None = None,
    colorbar: str = "cosine similarity",
    size: tuple[float, float] = (7.0, 4.8),
) -> CourseFigure:
    """Draw an (N, N) similarity matrix as a heat map with its value in every cell.

    Parameters
    ----------
    similarity
        Shape (N, N), e.g. ``embeddings @ embeddings.T`` for unit-length embeddings.
    labels
        N names for the rows and columns (sentences are cut at 40 characters).
    title, colorbar, size
        Figure title, colour bar label and size in inches.
    """
    similarity = np.asarray(similarity, dtype=float)
    if similarity.ndim != 2 or similarity.shape[0] != similarity.shape[1]:
        raise ValueError(f"similarity must be square (N, N), got shape {similarity.shape}")
    if len(labels) != len(similarity):
        raise ValueError(f"{len(labels)} labels for a {len(similarity)} x {len(similarity)} matrix")
    names = [
        text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 3] + "..." for text in labels
    ]
    figure = new_figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    low = min(0.0, float(similarity.min()))
    image = axes.imshow(similarity, cmap="viridis", vmin=low, vmax=1.0)
    axes.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=8)
    axes.set_yticks(range(len(names)), names, fontsize=8)
    middle = (low + 1.0) / 2
    for (row, col), value in np.ndenumerate(similarity):
        colour = "black" if value > middle else "white"  # readable on light and dark cells
        axes.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color=colour)
    figure.colorbar(image, ax=axes, label=colorbar)
    if title:
        axes.set_title(title, fontsize=10)
    return figure
