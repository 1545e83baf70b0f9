"""The course palette stays distinguishable for colour-blind readers, and figures use it.

Colour vision deficiency is simulated with the matrices of Machado, Oliveira & Fernandes
(2009, "A physiologically-based model for simulation of color vision deficiency") at
severity 1.0, applied to linear RGB; two colours are compared by their CIE76 distance
(Delta E: the Euclidean distance in CIELAB, D65 white).
"""

from __future__ import annotations

from itertools import combinations

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from tlwidgets.viz import (
    MARKERS,
    PALETTE,
    Series,
    class_colours,
    class_markers,
    curve_plot,
    projection_scatter,
)
from tlwidgets.viz.palette import MATCH, MISMATCH

MIN_DELTA_E = 15.0  # categorical colours must differ by at least this, for every vision

VISIONS = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ]
    ),
    "tritanopia": np.array(
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ]
    ),
}
SRGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def as_seen(colour: str, vision: str) -> np.ndarray:
    """The CIELAB coordinates (3,) of a matplotlib colour as seen with ``vision``."""
    srgb = np.array(to_rgb(colour))
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(VISIONS[vision] @ linear, 0.0, 1.0)
    xyz = SRGB_TO_XYZ @ linear / D65_WHITE
    delta = 6 / 29
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def closest_pair(colours: list[str], vision: str) -> tuple[float, str, str]:
    """The smallest Delta E between two of ``colours`` with ``vision``, and that pair."""
    seen = {colour: as_seen(colour, vision) for colour in colours}
    return min(
        (float(np.linalg.norm(seen[a] - seen[b])), a, b) for a, b in combinations(colours, 2)
    )


def test_the_simulation_reproduces_known_colour_blind_confusions():
    # red and green: far apart with normal vision, nearly one colour without green cones
    assert closest_pair(["#d62728", "#2ca02c"], "normal")[0] > 100
    assert closest_pair(["#d62728", "#2ca02c"], "deuteranopia")[0] < 10
    # white stays white: the matrices keep achromatic colours
    assert all(closest_pair(["white", "#fefefe"], v)[0] < 1 for v in VISIONS)


@pytest.mark.parametrize("vision", list(VISIONS))
def test_every_pair_of_palette_colours_is_distinct_for_every_vision(vision):
    distance, a, b = closest_pair(list(PALETTE), vision)
    assert distance >= MIN_DELTA_E, f"{a} and {b} differ by only {distance:.1f} ({vision})"
    assert closest_pair([MATCH, MISMATCH], vision)[0] >= 4 * MIN_DELTA_E  # right vs wrong


def test_every_palette_colour_stands_out_on_the_white_axes():
    def luminance(colour: str) -> float:  # WCAG relative luminance
        srgb = np.array(to_rgb(colour))
        linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
        return float(linear @ [0.2126, 0.7152, 0.0722])

    contrasts = {colour: 1.05 / (luminance(colour) + 0.05) for colour in PALETTE}
    assert min(contrasts.values()) >= 2.0, contrasts  # Okabe-Ito's yellow (1.3) would fail


def test_matplotlib_tab10_would_fail_the_same_check():
    tab10 = [matplotlib.colors.to_hex(c) for c in matplotlib.colormaps["tab10"].colors]
    assert min(closest_pair(tab10, vision)[0] for vision in VISIONS) < MIN_DELTA_E


def test_no_two_classes_differ_by_colour_alone():
    for count in (2, 10, 20, 70):
        pairs = list(zip(map(tuple, class_colours(count)), class_markers(count), strict=True))
        assert len(set(pairs)) == count  # (colour, shape) is unique per class
    assert len(set(class_markers(10))) == 10 == len(MARKERS)  # up to 10: a shape each
    palette = {to_rgb(colour) for colour in PALETTE}
    assert {tuple(rgba[:3]) for rgba in class_colours(20)} == palette


def test_figures_draw_with_the_palette_and_a_marker_per_category():
    rng = np.random.default_rng(0)
    figure = projection_scatter(rng.normal(size=(60, 2)), np.arange(60) % 3, ["a", "b", "c"])
    lines = figure.axes[0].get_lines()
    assert [line.get_marker() for line in lines] == ["o", "s", "^"]
    assert [to_rgb(line.get_color()) for line in lines] == [to_rgb(c) for c in PALETTE[:3]]

    curves = curve_plot(
        {"a": Series([1, 2], [0.5, 0.6]), "b": Series([1, 2], [0.4, 0.7])},
        xlabel="x",
        ylabel="y",
    )
    drawn = [container.lines[0] for container in curves.axes[0].containers]  # data lines
    assert [to_rgb(line.get_color()) for line in drawn] == [to_rgb(c) for c in PALETTE[:2]]
    assert [line.get_marker() for line in drawn] == ["o", "s"]
