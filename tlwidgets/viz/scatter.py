"""Maps of features: 2-D projections coloured by class or domain, and a point's neighbours.

The ``draw_*`` functions draw onto an axes or figure that the caller owns (a widget redraws
the same figure many times a second, so these stay cheap: one marker line per colour, no
layout passes); :func:`projection_scatter` and :func:`neighbour_strip` wrap them into a
ready :class:`~tlwidgets.viz.figure.CourseFigure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .figure import CourseFigure, new_figure
from .filters import mosaic
from .palette import MARKERS, MATCH, MATCH_MARK, MISMATCH, MISMATCH_MARK, PALETTE

__all__ = [
    "DOMAIN_COLOURS",
    "DOMAIN_MARKERS",
    "add_projection_legend",
    "class_colours",
    "class_markers",
    "draw_neighbours",
    "draw_projection",
    "neighbour_strip",
    "projection_scatter",
]

DOMAIN_COLOURS = PALETTE[:2]  # source, target (colour by domain: blue, orange)
DOMAIN_MARKERS = ("o", "^")  # source, target (colour by domain; by class they differ in fill)
MAX_LINES = 40  # above this many (class, domain) groups, draw one scatter instead of lines
MAX_LEGEND_CLASSES = 20


def class_colours(num_classes: int) -> np.ndarray:
    """RGBA colours (num_classes, 4): the colour-blind-safe :data:`PALETTE`, repeated."""
    return to_rgba_array([PALETTE[i % len(PALETTE)] for i in range(num_classes)])


def class_markers(num_classes: int) -> list[str]:
    """A marker shape per class, so that no two classes differ by colour alone (up to 10)."""
    return [MARKERS[i % len(MARKERS)] for i in range(num_classes)]


def draw_projection(
    ax: Axes,
    coords: np.ndarray,
    labels: np.ndarray,
    *,
    num_classes: int,
    domains: np.ndarray | None = None,
    colour: str = "class",
    point: int | None = None,
    neighbours: Sequence[int] | np.ndarray | None = None,
    title: str | None = None,
    marker_size: float = 2.5,
) -> None:
    """Scatter projected points on ``ax``: colour by class (marker by domain) or by domain.

    Parameters
    ----------
    ax
        The axes to draw on (the caller clears and lays out the figure).
    coords
        Shape (N, 2), e.g. from :func:`tlwidgets.analysis.project`.
    labels
        Shape (N,), integer classes 0..num_classes-1.
    num_classes
        How many classes the colours cover.
    domains
        Shape (N,), 0 for source and 1 for target points, or None for one domain.
    colour
        "class" (one colour and marker shape per class; source filled, target hollow) or
        "domain" (blue source circles, orange target triangles).
    point
        Index of a point to highlight with a star, or None.
    neighbours
        Indices of points to ring (the highlighted point's nearest neighbours), or None.
    title
        Axes title, or None.
    marker_size
        Marker size in points.
    """
    if colour not in ("class", "domain"):
        raise ValueError(f"colour must be 'class' or 'domain', got {colour!r}")
    coords = np.asarray(coords)
    labels = np.asarray(labels)
    domains = np.zeros(len(labels), dtype=np.int64) if domains is None else np.asarray(domains)
    if colour == "domain":
        for domain in np.unique(domains):
            mask = domains == domain
            ax.plot(
                *coords[mask].T,
                DOMAIN_MARKERS[int(domain) % 2],
                ms=marker_size,
                mew=0,
                alpha=0.6,
                color=DOMAIN_COLOURS[int(domain) % 2],
            )
    else:
        colours, markers = class_colours(num_classes), class_markers(num_classes)
        groups = [(c, d) for d in np.unique(domains) for c in np.unique(labels)]
        if len(groups) > MAX_LINES:  # many classes: one collection beats hundreds of lines
            ax.scatter(*coords.T, s=marker_size**2, c=colours[labels], linewidths=0)
            groups = []
        for label, domain in groups:  # Line2D markers are Agg's fastest way to draw points
            mask = (labels == label) & (domains == domain)
            fill = {"mfc": "none", "mew": 0.6} if domain else {"mew": 0}  # target: hollow
            ax.plot(*coords[mask].T, markers[label], ms=marker_size, color=colours[label], **fill)
    if neighbours is not None and len(neighbours):
        ring = coords[np.asarray(neighbours)]
        ax.plot(*ring.T, "o", ms=8, mfc="none", mec="black", mew=1.0)
    if point is not None:
        ax.plot(*coords[point], "*", ms=15, mfc="gold", mec="black", mew=1.0)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def add_projection_legend(
    figure: Figure,
    classes: Sequence[str],
    *,
    domain_names: Sequence[str] | None = None,
    colour: str = "class",
    anchor: tuple[float, float] = (0.995, 0.5),
) -> None:
    """Put one legend for every panel at the right edge of ``figure``.

    Parameters
    ----------
    figure
        The figure whose panels were drawn by :func:`draw_projection`.
    classes
        Class names; listed (by colour and marker) only when there are at most 20 of them.
    domain_names
        Names of the source and target domain, or None for one domain.
    colour
        What the colours mean: "class" or "domain".
    anchor
        Figure coordinates of the legend's right-centre point.
    """
    handles: list[Line2D] = []
    if colour == "domain":
        for index, name in enumerate(domain_names or ["data"]):
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker=DOMAIN_MARKERS[index % 2],
                    ms=5,
                    color=DOMAIN_COLOURS[index % 2],
                    label=name,
                )
            )
    else:
        if len(classes) <= MAX_LEGEND_CLASSES:
            colours, markers = class_colours(len(classes)), class_markers(len(classes))
            for name, rgba, marker in zip(classes, colours, markers, strict=True):
                handles.append(
                    Line2D([], [], ls="none", marker=marker, ms=5, color=rgba, label=str(name))
                )
        for index, name in enumerate(
            domain_names if domain_names and len(domain_names) > 1 else []
        ):
            fill = "grey" if index == 0 else "none"  # source filled, target hollow
            handles.append(
                Line2D([], [], ls="none", marker="o", ms=5, color="grey", mfc=fill, label=name)
            )
    if handles:
        figure.legend(
            handles=handles,
            loc="center right",
            bbox_to_anchor=anchor,
            fontsize=7,
            frameon=False,
            handletextpad=0.2,
            borderaxespad=0.2,
        )


def projection_scatter(
    coords: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    *,
    domains: np.ndarray | None = None,
    domain_names: Sequence[str] | None = None,
    colour: str = "class",
    point: int | None = None,
    neighbours: Sequence[int] | np.ndarray | None = None,
    title: str | None = None,
) -> CourseFigure:
    """A projection scatter plot with its legend, as a figure.

    Parameters
    ----------
    coords, labels, domains, colour, point, neighbours, title
        As for :func:`draw_projection`: coords (N, 2), labels (N,), domains (N,) or None.
    classes
        Class names (their number sets the colours).
    domain_names
        Names of domain 0 and 1, for the legend.

    Returns
    -------
    CourseFigure
        One panel with the legend on the right.
    """
    fig = new_figure(figsize=(5.6, 4.2))
    fig.subplots_adjust(left=0.02, right=0.82, bottom=0.02, top=0.92)
    ax = fig.add_subplot()
    draw_projection(
        ax,
        coords,
        labels,
        num_classes=len(classes),
        domains=domains,
        colour=colour,
        point=point,
        neighbours=neighbours,
        title=title,
    )
    add_projection_legend(fig, classes, domain_names=domain_names, colour=colour)
    return fig


def draw_neighbours(
    figure: Figure,
    images: torch.Tensor | np.ndarray,
    labels: Sequence[str],
    *,
    matches: Sequence[bool] | None = None,
    title: str | None = None,
) -> None:
    """Draw a row of thumbnails (a query, then its neighbours) with a label under each.

    One image axes holds the whole row, which is much faster to redraw than one axes each.

    Parameters
    ----------
    figure
        A cleared figure to draw on; about 0.75 inch per image wide and 1.2 inches high.
    images
        Shape (M, 3, H, W), floats in [0, 1]; the first is the query.
    labels
        M short texts shown under the images.
    matches
        M flags: True labels get a ✓ and are drawn blue (same class as the query), False a ✗
        and vermillion.
    title
        Text above the row, or None.
    """
    if len(labels) != len(images):
        raise ValueError(f"got {len(labels)} labels for {len(images)} images")
    if len(images) == 0:
        raise ValueError("draw_neighbours needs at least one image")
    gap = 4
    pixels = images.detach().cpu().numpy() if torch.is_tensor(images) else np.asarray(images)
    tiles = np.clip(pixels.astype(np.float32), 0, 1).transpose(0, 2, 3, 1)  # (M, H, W, 3)
    strip = mosaic(tiles, ncols=len(tiles), gap=gap)  # one row, white gaps
    ax = figure.add_axes((0.005, 0.2, 0.99, 0.62 if title else 0.78))
    ax.imshow(strip, interpolation="nearest", aspect="equal")
    ax.set_axis_off()
    width = images.shape[-1]
    for i, text in enumerate(labels):
        colour = "black"
        if matches is not None:
            colour = MATCH if matches[i] else MISMATCH
            text = f"{MATCH_MARK if matches[i] else MISMATCH_MARK} {text}"
        ax.text(
            i * (width + gap) + width / 2,
            images.shape[-2] + 2,
            text,
            ha="center",
            va="top",
            fontsize=7,
            color=colour,
            clip_on=False,
        )
    if title:
        figure.text(0.5, 0.97, title, ha="center", va="top", fontsize=8)


def neighbour_strip(
    images: torch.Tensor | np.ndarray,
    labels: Sequence[str],
    *,
    matches: Sequence[bool] | None = None,
    title: str | None = None,
) -> CourseFigure:
    """Thumbnails of a query and its neighbours, labelled, as a figure.

    Parameters
    ----------
    images, labels, matches, title
        As for :func:`draw_neighbours`: images (M, 3, H, W), M labels.

    Returns
    -------
    CourseFigure
        One row of M thumbnails.
    """
    fig = new_figure(figsize=(0.75 * len(images) + 0.2, 1.3))
    draw_neighbours(fig, images, labels, matches=matches, title=title)
    return fig
