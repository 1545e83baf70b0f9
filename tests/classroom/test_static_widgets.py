"""Widgets drawn from their saved state: final values shown, controls disabled, no JS."""

from __future__ import annotations

import ipywidgets as widgets

from tlwidgets.classroom.static_widgets import render_widget
from tlwidgets.widgets.figure_image import PlotImage


def _saved_models() -> dict:
    """The models of every live widget, saved as nbclient saves them (buffers base64)."""
    return widgets.Widget.get_manager_state()["state"]


def test_a_widget_tree_is_drawn_in_its_last_state() -> None:
    image = widgets.Image(value=b"\x89PNG-last-frame", format="png")
    slider = widgets.IntSlider(value=3, max=5, description="Depth")
    dropdown = widgets.Dropdown(options=["scratch", "fine-tune"], description="Strategy")
    dropdown.value = "fine-tune"
    status = widgets.HTML(description="Status")
    lab = widgets.VBox([status, slider, dropdown, image, widgets.Button(description="Train")])
    status.value = "<b>done: 91%</b>"  # set after creation, as a training thread would

    page = render_widget(_saved_models(), lab.model_id, image_alt="The learning curve.")

    assert "<b>done: 91%</b>" in page
    assert 'value="3"' in page and "<output" in page
    assert "<option selected>fine-tune</option>" in page
    assert 'src="data:image/png;base64,iVBORy1sYXN0LWZyYW1l"' in page  # the bytes, base64
    assert 'alt="The learning curve."' in page
    assert "<button" in page and " disabled" in page
    assert "<script" not in page


def test_every_tab_is_shown_under_its_title() -> None:
    tabs = widgets.Tab([widgets.Label("first page"), widgets.Label("second page")])
    tabs.titles = ("Compare", "Draw")

    page = render_widget(_saved_models(), tabs.model_id)

    assert "Compare (selected)" in page and "Draw" in page
    assert "first page" in page and "second page" in page


def test_a_hidden_widget_is_left_out() -> None:
    box = widgets.HBox([widgets.Label("secret", layout=widgets.Layout(display="none"))])

    assert "secret" not in render_widget(_saved_models(), box.model_id)


def test_an_unknown_widget_or_a_missing_state_becomes_a_note() -> None:
    models = {"abc": {"model_name": "CanvasModel", "state": {}}}

    assert "Canvas widget: it works in the running notebook only" in render_widget(models, "abc")
    assert "state was not saved" in render_widget(models, "missing")


def test_a_plot_image_keeps_its_words_as_alt_text() -> None:
    plot = PlotImage(value=b"\x89PNG-curve", format="png", alt="Loss per epoch")

    page = render_widget(_saved_models(), plot.model_id, image_alt="A plot in “Results”.")

    assert 'alt="Loss per epoch"' in page
