"""ScreenReaderAid: hidden, offline, marks the status lines it was given, drawn as nothing."""

from __future__ import annotations

import re

import ipywidgets as widgets
import pytest

from tlwidgets.classroom.static_widgets import render_widget
from tlwidgets.widgets.figure_image import PlotImage
from tlwidgets.widgets.screen_reader import ANNOUNCE_CLASS, ScreenReaderAid, panel_box


def test_aid_takes_no_room_and_marks_the_lines_it_announces():
    status, other = widgets.HTML("Ready"), widgets.HTML("Runs")
    aid = ScreenReaderAid(announce=[status])
    assert aid.layout.display == "none"
    assert ANNOUNCE_CLASS in status._dom_classes
    assert ANNOUNCE_CLASS not in other._dom_classes


def test_aid_code_is_inline_and_loads_nothing():
    code = ScreenReaderAid._esm
    assert "export default" in code and "render(" in code
    assert f".{ANNOUNCE_CLASS}" in code, "the class placeholder was not filled in"
    assert not re.search(r"\bimport\b|https?://", code), "the aid must work offline"


def test_static_site_draws_the_aid_as_nothing():
    status = widgets.HTML("Ready")
    box = widgets.VBox([status, ScreenReaderAid(announce=[status])])
    page = render_widget(widgets.Widget.get_manager_state()["state"], box.model_id)
    assert "Ready" in page
    assert "works in the running notebook only" not in page


def test_panel_box_names_every_picture_inside_it_tabs_included():
    plot = PlotImage(alt="Loss per epoch")
    hidden_tab_plot = PlotImage(alt="Drawn symbols")
    status = widgets.HTML()
    box = panel_box([status, plot, widgets.Tab([widgets.VBox([hidden_tab_plot])])], [status])
    aid = box.children[-1]
    assert isinstance(aid, ScreenReaderAid) and aid.layout.display == "none"
    assert [alt for _, alt in aid.pictures] == ["Loss per epoch", "Drawn symbols"]
    for (css, _), picture in zip(aid.pictures, (plot, hidden_tab_plot), strict=True):
        assert css in picture._dom_classes  # how the aid finds the picture in the page


def test_a_picture_without_words_is_refused():
    with pytest.raises(ValueError, match="PlotImage with `alt`"):
        panel_box([widgets.Image()], announce=[])
