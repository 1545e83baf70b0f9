"""Result plots of a lesson: accuracy curves with error bars, and labelled bars.

A *series* is what one setting measured at several x values, with an optional spread::

    {"fine-tune all": Series(x=[1, 2, 5], y=[0.66, 0.79, 0.92], error=[0.02, 0.01, 0.01])}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .figure import CourseFigure, new_figure
from .palette import MARKERS, PALETTE, use_palette

__all__ = ["Series", "bar_chart", "curve_plot"]


@dataclass(frozen=True)
class Series:
    """One line: y measured at x, with an optional +/- error (e.g. the std over seeds)."""

    x: Sequence[float]  # (M,) positions, e.g. labels per class
    y: Sequence[float]  # (M,) values, e.g. mean test accuracy
    error: Sequence[float] | None = None  # (M,) half-heights of the error bars, or None
    style: str | None = None  # a matplotlib format string ("-o" line with dots, "o" dots
    # only); None: a line with the series' own marker shape (circle, square, triangle, ...)
    color: str | None = None  # a matplotlib colour; None takes the next one of the palette
    band: bool = False  # True: draw `error` as a shaded band around the line (e.g. a 95%
    # confidence interval), not as error bars


MAX_PLAIN_TICKS = 12  # a log axis with at most this many measured positions is ticked at them


def curve_plot(
    series: Mapping[str, Series],
    *,
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    log_x: bool = False,
    xticks: Mapping[float, str] | None = None,
    reference: Mapping[str, float] | None = None,
    size: tuple[float, float] = (6.4, 3.8),
) -> CourseFigure:
    """Draw one line (with error bars where given) per series on a shared axes.

    Series without a colour take the colour-blind-safe palette in turn, and series without
    a style their own marker shape, so that no two lines differ by colour alone.

    Parameters
    ----------
    series
        Legend label -> :class:`Series`.
    xlabel, ylabel, title
        Axis labels and an optional title.
    log_x
        A logarithmic x axis (for labels per class: 1, 2, 5, ... 400), ticked at the measured
        positions (when there are at most 12 of them and ``xticks`` is not given).
    xticks
        Tick positions and their labels, e.g. ``{400: "all"}`` merged over the defaults.
    reference
        Horizontal dashed lines, label -> y (e.g. the accuracy before training).
    size
        Figure size in inches.
    """
    figure = new_figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    use_palette(axes)
    for index, (label, line) in enumerate(series.items()):
        style = line.style or "-" + MARKERS[index % len(MARKERS)]
        if line.band and line.error is not None:
            (drawn,) = axes.plot(line.x, line.y, style, color=line.color, label=label, ms=5)
            low = [y - e for y, e in zip(line.y, line.error, strict=True)]
            high = [y + e for y, e in zip(line.y, line.error, strict=True)]
            axes.fill_between(line.x, low, high, color=drawn.get_color(), alpha=0.2, lw=0)
        else:
            axes.errorbar(
                line.x,
                line.y,
                yerr=line.error,
                fmt=style,
                color=line.color,
                capsize=3,
                label=label,
                ms=5,
            )
    _draw_references(axes, reference or {}, at=0.01)
    if log_x:
        axes.set_xscale("log")
        measured = sorted({float(x) for line in series.values() for x in line.x})
        if not xticks and len(measured) <= MAX_PLAIN_TICKS:  # 8, 32, 128, not 10^1, 10^2
            xticks = {x: f"{x:g}" for x in measured}
    if xticks:
        axes.set_xticks(list(xticks), [str(text) for text in xticks.values()])
        axes.minorticks_off()
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="best")
    return figure


def bar_chart(
    values: Mapping[str, float],
    *,
    ylabel: str,
    errors: Mapping[str, float] | None = None,
    title: str | None = None,
    reference: Mapping[str, float] | None = None,
    fmt: str = "{:.1%}",
    size: tuple[float, float] = (6.4, 3.2),
) -> CourseFigure:
    """Draw one labelled bar per entry, its value written on top (``fmt``).

    ``errors`` (label -> half-height) adds error bars, e.g. the std over seeds.
    """
    figure = new_figure(figsize=size, layout="constrained")
    axes = figure.add_subplot()
    yerr = None if errors is None else [errors.get(label, 0.0) for label in values]
    bars = axes.bar(
        range(len(values)), list(values.values()), yerr=yerr, capsize=3, color=PALETTE[0], alpha=0.8
    )
    axes.bar_label(bars, [fmt.format(value) for value in values.values()], fontsize=8)
    axes.set_xticks(range(len(values)), list(values), rotation=15, ha="right", fontsize=8)
    _draw_references(axes, reference or {}, at=0.99)
    axes.set(ylabel=ylabel, title=title)
    axes.grid(alpha=0.3, axis="y")
    return figure


REFERENCE_STYLES = ("--", ":", "-.")  # one dash pattern per reference line, so none is by colour


def _draw_references(axes: Any, reference: Mapping[str, float], at: float) -> None:
    """Draw a horizontal line per reference value, labelled on the line at ``at`` (axes x)."""
    for index, (label, value) in enumerate(reference.items()):
        style = REFERENCE_STYLES[index % len(REFERENCE_STYLES)]
        axes.axhline(value, linestyle=style, color="0.3", linewidth=1)
        axes.annotate(
            label,
            (at, value),
            xycoords=("axes fraction", "data"),
            ha="left" if at < 0.5 else "right",
            va="bottom",
            fontsize=8,
            bbox={
                "boxstyle": "square,pad=0.1",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )
