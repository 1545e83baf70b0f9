"""The controls of a :class:`~tlwidgets.widgets.DomainShiftExplorer` and what it measured.

Every measurement is a *point*: one model (the source-only model, or one adapted with a
method) scored on the target at one shift. A curve runs along one shift control: it joins
the points whose shift differs from the current one only in that control, so moving another
slider starts a fresh curve while the old points are kept.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure
from torch import Tensor

from ..data.shift import Shift
from ..viz.filters import mosaic
from ..viz.palette import MARKERS, MATCH_MARK, MISMATCH_MARK, PALETTE
from .figure_image import draw_placeholder
from .html_table import format_percent, table_html

__all__ = [
    "METHOD_LABELS",
    "SHIFT_CONTROLS",
    "ShiftControl",
    "curve_points",
    "draw_curves",
    "draw_samples",
    "points_table_html",
    "record_point",
]


@dataclass(frozen=True)
class ShiftControl:
    """One slider of the shift generator: a field of :class:`~tlwidgets.data.shift.Shift`."""

    name: str  # the Shift field, e.g. "rotation"
    description: str  # the slider's label
    axis: str  # the curve's x-axis label
    minimum: float
    maximum: float
    step: float
    readout: str  # how the slider shows its value, e.g. ".2f"
    tooltip: str

    @property
    def none(self) -> float:
        """The value that means "no shift" (full resolution, zero for the others)."""
        return self.maximum if self.name == "resolution" else 0.0

    def check(self, value: Any) -> None:
        """Raise ValueError, naming the range, unless ``value`` is a number the slider offers."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.name} must be a number, got {value!r}")
        if not self.minimum <= value <= self.maximum:
            raise ValueError(
                f"{self.name} must be in {self.minimum:g}..{self.maximum:g}, got {value}"
            )

    def slider(self, **layout: Any) -> widgets.FloatSlider | widgets.IntSlider:
        """A slider for this control, at "no shift", sending its value once it is let go."""
        whole = self.name == "resolution"  # Shift wants whole pixels
        slider = (widgets.IntSlider if whole else widgets.FloatSlider)(
            value=self.none,
            min=self.minimum,
            max=self.maximum,
            step=self.step,
            description=self.description,
            tooltip=self.tooltip,
            continuous_update=False,  # measured once, when the slider is let go
            readout_format=self.readout,
            **layout,
        )
        slider.add_class(f"tlw-shift-{self.name}")
        return slider


SHIFT_CONTROLS = (
    ShiftControl(
        "rotation",
        "Rotation (°)",
        "rotation (degrees)",
        0,
        90,
        5,
        ".0f",
        "Rotate every target image by this many degrees",
    ),
    ShiftControl(
        "blur",
        "Blur σ (px)",
        "blur sigma (pixels)",
        0.0,
        3.0,
        0.25,
        ".2f",
        "Gaussian blur of the target images; sigma in pixels (0: sharp)",
    ),
    ShiftControl(
        "noise",
        "Noise (std)",
        "noise std",
        0.0,
        0.5,
        0.05,
        ".2f",
        "Gaussian pixel noise added to the target images (standard deviation, pixels in 0..1)",
    ),
    ShiftControl(
        "colour",
        "Colour blend",
        "colour / background blend",
        0.0,
        1.0,
        0.1,
        ".1f",
        "How strongly the target images are blended with colour and background "
        "(0: unchanged, 1: fully)",
    ),
    ShiftControl(
        "resolution",
        "Resolution (px)",
        "resolution (pixels, lower = more shift)",
        8,
        32,
        4,
        "d",
        "Downsample the target images to this many pixels a side, then back up to 32",
    ),
)

# What the learner reads for each of tlwidgets.train.METHODS.
METHOD_LABELS = {
    "source_only": "source only",
    "adabn": "AdaBN",
    "coral": "Deep CORAL",
    "mmd": "MMD",
    "dann": "DANN",
    "self_training": "self-training",
    "oracle": "oracle (target labels)",
}


def _other_fields(shift: Shift, control: str) -> dict[str, float]:
    """Every field of ``shift`` but ``control``: equal for two points on one curve."""
    return {name: value for name, value in vars(shift).items() if name != control}


def record_point(points: list[dict[str, Any]], point: dict[str, Any]) -> None:
    """Add ``point`` to ``points``, replacing the one with the same shift and method."""
    for index, old in enumerate(points):
        if old["shift"] == point["shift"] and old["method"] == point["method"]:
            points[index] = point
            return
    points.append(point)


def curve_points(
    points: Sequence[dict[str, Any]], shift: Shift, control: str
) -> dict[str, list[dict[str, Any]]]:
    """The points on the curve through ``shift`` along ``control``, per method, sorted by x."""
    here = _other_fields(shift, control)
    curves: dict[str, list[dict[str, Any]]] = {}
    for point in points:
        if _other_fields(point["shift"], control) == here:
            curves.setdefault(point["method"], []).append(point)
    for line in curves.values():
        line.sort(key=lambda point: getattr(point["shift"], control))
    return curves


def _method_order(method: str) -> int:
    return list(METHOD_LABELS).index(method) if method in METHOD_LABELS else len(METHOD_LABELS)


def draw_curves(
    figure: Figure,
    points: Sequence[dict[str, Any]],
    shift: Shift,
    control: ShiftControl,
    live: tuple[str, float] | None = None,
) -> None:
    """Target accuracy (left) and domain separability (right) along ``control``, per method.

    Parameters
    ----------
    figure
        A cleared figure to draw on.
    points
        Every point measured (see :class:`~tlwidgets.widgets.DomainShiftExplorer`).
    shift
        The current shift: the curves run through it; a dotted line marks its value.
    control
        The control the x axis runs along.
    live
        ``(method, accuracy)`` of a run in progress at the current value (a hollow marker).
    """
    acc_axes, sep_axes = figure.subplots(1, 2)
    current = getattr(shift, control.name)
    curves = curve_points(points, shift, control.name)
    for method in sorted(curves, key=_method_order):
        line = curves[method]
        x = [getattr(point["shift"], control.name) for point in line]
        label = METHOD_LABELS.get(method, method)
        order = _method_order(method)  # each method its own colour and marker, in both plots
        style = {"marker": MARKERS[order % len(MARKERS)], "ms": 5}
        colour = PALETTE[order % len(PALETTE)]
        acc_axes.plot(x, [100 * p["acc"] for p in line], color=colour, label=label, **style)
        sep_axes.plot(x, [p["separability"] for p in line], color=colour, **style)
        stopped = [p for p in line if p["status"] == "stopped"]
        if stopped:  # a stopped run's point: hollow, so it is not read as a finished one
            acc_axes.plot(
                [getattr(p["shift"], control.name) for p in stopped],
                [100 * p["acc"] for p in stopped],
                "o",
                ms=9,
                mfc="none",
                color="grey",
            )
    if live is not None:
        method, accuracy = live
        acc_axes.plot(
            [current], [100 * accuracy], "D", ms=8, mfc="none", color="black", label="adapting ..."
        )
    for axes in (acc_axes, sep_axes):
        axes.axvline(current, linestyle=":", color="grey", linewidth=1)
        margin = 0.04 * (control.maximum - control.minimum)  # end points stay whole
        axes.set_xlim(control.minimum - margin, control.maximum + margin)
        if control.name == "resolution":
            axes.invert_xaxis()  # the shift grows to the right on every curve
        axes.set_xlabel(control.axis)
        axes.grid(alpha=0.3)
    acc_axes.set_ylim(0, 100)
    acc_axes.set_ylabel("%")
    acc_axes.set_title("target accuracy", fontsize="medium")
    sep_axes.set_ylim(-0.02, 1.02)
    sep_axes.set_title("domain separability (0: alike, 1: apart)", fontsize="medium")
    if curves or live is not None:
        acc_axes.legend(fontsize="x-small", loc="lower left")
    else:
        draw_placeholder(acc_axes, "points appear as you move the sliders")
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.9, wspace=0.22)


def draw_samples(
    figure: Figure,
    images: Tensor,
    labels: Sequence[str],
    predicted: Sequence[str] | None,
    title: str,
    ncols: int = 8,
) -> None:
    """Shifted target images in one mosaic, each with its label (and the model's guess).

    Parameters
    ----------
    images
        Shape (M, 3, H, W), floats in [0, 1].
    labels
        M class names.
    predicted
        M class names the source-only model predicts (marked ✓ in sky blue when right, ✗ in
        orange when wrong), or None before that model exists.
    """
    tiles = images.detach().cpu().clamp(0, 1).permute(0, 2, 3, 1).numpy()  # (M, H, W, 3)
    side = tiles.shape[1]
    gap = max(1, side // 8)
    axes = figure.add_axes((0.0, 0.0, 1.0, 0.88))
    axes.imshow(mosaic(tiles, ncols=ncols, gap=gap), interpolation="nearest")
    axes.set_axis_off()
    for index, label in enumerate(labels):
        row, column = divmod(index, ncols)
        x, y = column * (side + gap) + 1, row * (side + gap) + 1
        text, colour = f"{label}", "white"
        if predicted is not None:
            guess = predicted[index]
            right = guess == label  # light palette colours: the label sits on a black box
            mark, colour = (MATCH_MARK, PALETTE[4]) if right else (MISMATCH_MARK, PALETTE[1])
            text = f"{mark} {label}→{guess}"
        box = {"facecolor": "black", "alpha": 0.7, "pad": 0.6, "linewidth": 0}  # any background
        axes.text(
            x, y, text, color=colour, fontsize=7, va="top", ha="left", weight="bold", bbox=box
        )
    figure.suptitle(title, fontsize="small", y=0.99)


def points_table_html(points: Sequence[dict[str, Any]], shift: Shift) -> str:
    """An HTML table of the models measured at ``shift``: accuracy, separability, status."""
    here = [point for point in points if point["shift"] == shift]
    here.sort(key=lambda point: _method_order(point["method"]))
    rows = [
        (
            METHOD_LABELS.get(point["method"], point["method"]),
            format_percent(point["acc"]),
            f"{point['separability']:.2f}",
            point["status"],
        )
        for point in here
    ]
    table = table_html(
        ("model", "target accuracy", "separability", "status"),
        rows,
        empty="Nothing measured at this shift yet.",
        css_class="tlw-shift-points",
        left_columns=1,
    )
    return f"<b>At this shift</b> ({html.escape(shift.describe())}){table}"
