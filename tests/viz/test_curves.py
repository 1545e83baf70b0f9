"""Result plots: curves with error bars and labelled bars render to PNG."""

from __future__ import annotations

import pytest

from tlwidgets.viz import CourseFigure, Series, bar_chart, curve_plot, png_bytes


def test_curve_plot_draws_one_line_per_series_with_error_bars_and_references():
    figure = curve_plot(
        {
            "fine-tune": Series([1, 2, 5], [0.6, 0.8, 0.9], error=[0.05, 0.02, 0.01]),
            "live": Series([1, 2], [0.62, 0.79], style="x"),
        },
        xlabel="labels per class",
        ylabel="accuracy",
        log_x=True,
        xticks={1: "1", 2: "2", 5: "all"},
        reference={"scratch": 0.5},
    )

    axes = figure.axes[0]
    assert isinstance(figure, CourseFigure)
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["fine-tune", "live"]
    assert axes.get_xscale() == "log"
    assert [label.get_text() for label in axes.get_xticklabels()] == ["1", "2", "all"]
    assert png_bytes(figure).startswith(b"\x89PNG")


def test_a_series_with_band_shades_its_interval_instead_of_error_bars():
    figure = curve_plot(
        {
            "5-way": Series([1, 2, 5], [0.9, 0.95, 0.98], error=[0.02, 0.01, 0.005], band=True),
            "20-way": Series([1, 2, 5], [0.8, 0.9, 0.95], error=[0.02, 0.01, 0.01]),
        },
        xlabel="shots",
        ylabel="accuracy",
    )

    axes = figure.axes[0]
    (band,) = axes.collections[:1]  # fill_between's PolyCollection comes first
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx(0.88)
    assert vertices[:, 1].max() == pytest.approx(0.985)
    assert len(axes.containers) == 1  # only the 20-way series has error bars
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["5-way", "20-way"]


def test_bar_chart_writes_each_value_on_its_bar():
    figure = bar_chart(
        {"scratch": 0.7, "glyphs": 0.9},
        errors={"scratch": 0.02},
        ylabel="accuracy",
        reference={"scratch": 0.7},
    )

    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts[:2] == ["70.0%", "90.0%"]
    assert texts[2:] == ["scratch"]  # the reference is named on its line, not by colour
    assert png_bytes(figure).startswith(b"\x89PNG")


def test_reference_lines_differ_in_dash_pattern_and_are_named_on_the_lines():
    references = {"oracle": 0.95, "source-only": 0.5, "paper": 0.77}
    figure = bar_chart({"a": 0.6, "b": 0.8}, ylabel="accuracy", reference=references)

    axes = figure.axes[0]
    assert [text.get_text() for text in axes.texts][2:] == list(references)
    assert len({line.get_linestyle() for line in axes.get_lines()}) == 3


def test_a_log_axis_is_ticked_at_the_measured_positions_in_plain_numbers():
    figure = curve_plot(
        {"a": Series([4, 16, 64], [0.6, 0.7, 0.8]), "b": Series([8, 16], [0.5, 0.6])},
        xlabel="labels per class",
        ylabel="accuracy",
        log_x=True,
    )

    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["4", "8", "16", "64"]
