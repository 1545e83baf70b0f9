"""Headless tests of EpisodePlayground: play episodes, change settings, draw, assert on state."""

from __future__ import annotations

import math
import sys
import types

import ipywidgets
import numpy as np
import pytest
import torch

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import LabelledImages, load_glyphs
from tlwidgets.models import load_pretrained
from tlwidgets.train.fewshot import confidence_interval
from tlwidgets.viz import new_figure
from tlwidgets.widgets import EpisodePlayground
from tlwidgets.widgets.episode_views import (
    RIGHT,
    WRONG,
    as_glyph_image,
    draw_queries,
    strokes_to_image,
    tile_mosaic,
)


@pytest.fixture(scope="module")
def glyphs():
    return load_glyphs("evaluation", "all")


@pytest.fixture(scope="module")
def backbone():
    return load_pretrained("glyphs-resnet")


@pytest.fixture
def playground(glyphs, backbone, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipycanvas", None)  # as if not installed
    return EpisodePlayground(glyphs, backbone)


def marks(figure) -> list[str]:
    """The texts drawn above the queries, e.g. ["✓ A", "✗ C", ...]."""
    return [text.get_text() for text in figure.axes[0].texts]


def circle(radius: float = 10.0, centre=(20.0, 20.0)) -> list[list[tuple[float, float]]]:
    angles = np.linspace(0, 2 * math.pi, 40)
    return [[(centre[0] + radius * math.cos(a), centre[1] + radius * math.sin(a)) for a in angles]]


def cross(size: float = 10.0, centre=(20.0, 20.0)) -> list[list[tuple[float, float]]]:
    x, y = centre
    return [
        [(x - size, y - size), (x + size, y + size)],
        [(x - size, y + size), (x + size, y - size)],
    ]


# ---------------------------------------------------------------------- the pure parts


def test_strokes_are_centred_scaled_and_drawn_like_the_glyphs():
    image = strokes_to_image([[(100.0, 10.0), (100.0, 150.0)]])  # a vertical bar
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32
    assert torch.equal(image[0], image[1]) and 0 <= image.min() and image.max() == 1
    rows = torch.nonzero(image[0].amax(dim=1) > 0.5).flatten()
    cols = torch.nonzero(image[0].amax(dim=0) > 0.5).flatten()
    assert 20 <= rows.max() - rows.min() + 1 <= 26  # ~22 pixels tall, as the glyphs
    assert cols.max() - cols.min() + 1 <= 4  # a stroke ~3 pixels wide
    assert abs((rows.min() + rows.max()) / 2 - 15.5) <= 1  # centred
    assert abs((cols.min() + cols.max()) / 2 - 15.5) <= 1
    # size and place on the canvas do not matter, only the shape
    small = strokes_to_image(circle(radius=20, centre=(40, 40)))
    large = strokes_to_image(circle(radius=70, centre=(90, 80)))
    assert torch.allclose(small, large, atol=1e-5)
    assert strokes_to_image([]).sum() == 0
    assert strokes_to_image([[(5.0, 5.0)]]).sum() > 0  # a dot


def test_as_glyph_image_accepts_grey_colour_and_uint8_and_refuses_other_shapes():
    grey = torch.rand(32, 32)
    assert torch.equal(as_glyph_image(grey), grey.expand(3, -1, -1))
    assert as_glyph_image(np.full((1, 32, 32), 255, dtype=np.uint8)).max() == 1.0
    assert as_glyph_image(torch.full((3, 32, 32), 2.0)).max() == 1.0  # clipped
    with pytest.raises(ValueError, match=r"\(3, 32, 32\).*got \(3, 28, 28\)"):
        as_glyph_image(torch.zeros(3, 28, 28))


def test_query_mosaic_frames_and_marks_say_right_or_wrong():
    images = torch.zeros(4, 3, 32, 32)
    labels = torch.tensor([0, 0, 1, 1])
    predicted = torch.tensor([0, 1, 1, 1])
    frames = [RIGHT, WRONG, RIGHT, RIGHT]
    mosaic = tile_mosaic(images, 2, 2, frames=frames)
    assert mosaic.shape == (2 * (36 + 4), 2 * (36 + 4), 3)
    assert tuple(mosaic[4, 2]) == RIGHT and tuple(mosaic[4, 2 + 40]) == WRONG
    figure = new_figure()
    draw_queries(figure, images, labels, predicted, 2)
    assert marks(figure) == ["✓ A", "✗ B", "✓ B", "✓ B"]
    with pytest.raises(ValueError, match="do not fit"):
        tile_mosaic(images, 1, 2)


# ---------------------------------------------------------------------- the panel


def test_every_control_has_a_description_and_tooltip(playground):
    controls = [
        playground.n_way_slider,
        playground.k_shot_slider,
        playground.method_dropdown,
        playground.new_button,
        playground.run_button,
        playground.reset_button,
    ]
    assert [c.description for c in controls] == [
        "N-way",
        "K-shot",
        "Method",
        "New episode",
        "Run 20 episodes",
        "Reset",
    ]
    assert all(c.tooltip for c in controls)
    assert (playground.n_way_slider.min, playground.n_way_slider.max) == (2, 20)
    assert (playground.k_shot_slider.min, playground.k_shot_slider.max) == (1, 10)
    assert list(playground.method_dropdown.options) == [
        "nearest centroid",
        "nearest neighbour",
        "Baseline",
        "Baseline++",
        "ProtoNet",
    ]
    assert "tlw-episode-playground" in playground.widget._dom_classes
    assert playground.tabs.titles == ("Episodes", "Draw your own")
    assert playground.accuracy is None and playground.last_episode is None
    assert "Press New episode" in playground.status.value


def test_every_control_in_both_tabs_is_named_for_screen_readers(glyphs, backbone, monkeypatch):
    fake = types.ModuleType("ipycanvas")
    fake.Canvas = FakeCanvas
    monkeypatch.setitem(sys.modules, "ipycanvas", fake)
    playground = EpisodePlayground(glyphs, backbone)  # the draw tab with its buttons
    assert unnamed_controls(playground.widget) == []
    found = controls(playground.widget)
    buttons = [playground.new_button, playground.recognise_button, *playground.add_buttons]
    assert all(button in found for button in buttons)
    assert "playground.recognise(image)" in playground.tabs.children[1].children[0].value


def test_new_episode_shows_the_support_set_and_marked_queries(playground):
    placeholder = playground.query_plot.widget.value
    accuracy = playground.new_episode()
    episode, predicted = playground.last_episode, playground.last_predictions
    assert (episode.n_way, episode.k_shot, episode.n_query) == (5, 1, 5)
    assert episode.support_images.shape == (5, 3, 32, 32)
    assert predicted.shape == (25,)
    right = predicted == episode.query_labels
    assert accuracy == pytest.approx(float(right.float().mean()))
    assert accuracy > 0.5  # 5-way 1-shot glyphs with pretrained features: far above chance
    shown = marks(playground.query_plot.figure)
    assert len(shown) == 25
    assert [m.startswith("✓") for m in shown] == right.tolist()
    assert [m[-1] for m in shown] == ["ABCDE"[p] for p in predicted.tolist()]
    assert playground.query_plot.widget.value != placeholder
    support_rows = playground.support_plot.figure.axes[0].get_yticklabels()
    assert [t.get_text() for t in support_rows] == list("ABCDE")
    assert playground.status.value.startswith("Episode 1: 5-way 1-shot")
    assert f"{int(right.sum())} of 25 right" in playground.query_title.value
    assert playground.accuracy.mean == accuracy and playground.accuracy.ci95 == 0
    assert not playground.new_button.disabled


def test_running_accuracy_and_its_interval_follow_the_episodes(playground):
    first = playground.new_episode()
    playground.run_episodes(4)
    score = playground.accuracy
    assert len(score.accuracies) == 5 and score.accuracies[0] == first
    assert score.mean == pytest.approx(np.mean(score.accuracies))
    assert score.ci95 == pytest.approx(confidence_interval(score.accuracies))
    assert f"{100 * score.mean:.1f}% ± {100 * score.ci95:.1f}%" in playground.accuracy_text.value
    assert "over 5 episodes" in playground.accuracy_text.value
    assert playground.status.value.startswith("Episodes 2-5:")
    with pytest.raises(ValueError, match="count must be a whole number"):
        playground.run_episodes(0)


def test_changing_n_k_or_the_method_resets_the_tally_and_replays_the_same_episodes(playground):
    playground.new_episode()
    first_classes = playground.last_episode.classes
    playground.run_episodes(2)
    playground.n_way_slider.value = 3
    assert playground.accuracy is None and playground.last_episode is None
    assert "no episode yet" in playground.accuracy_text.value
    playground.k_shot_slider.value = 2
    playground.new_episode()
    episode = playground.last_episode
    assert (episode.n_way, episode.k_shot) == (3, 2)
    assert len(marks(playground.query_plot.figure)) == 3 * 5
    assert episode.support_images.shape == (6, 3, 32, 32)

    playground.n_way_slider.value, playground.k_shot_slider.value = 5, 1
    playground.method_dropdown.value = "Baseline++"
    assert playground.accuracy is None
    playground.new_episode()
    assert playground.last_episode.classes == first_classes  # episode 1 again
    assert "Baseline++" in playground.status.value
    assert len(playground.accuracy.accuracies) == 1
    playground.reset()
    assert playground.accuracy is None


def test_every_default_method_labels_an_episode(playground):
    for name in playground.method_dropdown.options:
        playground.method_dropdown.value = name
        accuracy = playground.new_episode()
        assert accuracy is not None and accuracy > 0.5, (name, playground.last_error)


def test_custom_methods_are_offered_by_name(glyphs, backbone):
    class AlwaysA:
        def fit(self, images, labels):
            return self

        def predict(self, images):
            return torch.zeros(len(images), dtype=torch.int64)

    playground = EpisodePlayground(glyphs, backbone, n_way=4, methods={"always A": AlwaysA})
    assert list(playground.method_dropdown.options) == ["always A"]
    assert playground.new_episode() == pytest.approx(0.25)
    assert marks(playground.query_plot.figure).count("✓ A") == 5


def test_bad_settings_are_refused_or_shown(glyphs, backbone, playground):
    with pytest.raises(ValueError, match=r"n_way must be a whole number in 2 \.\. 20, got 21"):
        EpisodePlayground(glyphs, backbone, n_way=21)
    with pytest.raises(ValueError, match="k_shot"):
        EpisodePlayground(glyphs, backbone, k_shot=0)
    with pytest.raises(ValueError, match="lower n_way, k_shot or n_query"):
        EpisodePlayground(glyphs, backbone, k_shot=10, n_query=15)  # 25 > 20 drawings
    three = LabelledImages(
        glyphs.images[:60], glyphs.labels[:60] % 3, ["x", "y", "z"], "tiny", "all"
    )
    with pytest.raises(ValueError, match=r"n_way must be a whole number in 2 \.\. 3, got 5"):
        EpisodePlayground(three, backbone)  # N > the data's classes
    assert EpisodePlayground(three, backbone, n_way=3).n_way_slider.max == 3
    with pytest.raises(ValueError, match="backbone must be a network"):
        EpisodePlayground(glyphs, "glyphs-resnet")
    with pytest.raises(ValueError, match="methods must map"):
        EpisodePlayground(glyphs, backbone, methods={})

    # a setting the sliders allow but the data cannot sample: shown, not raised
    wide = EpisodePlayground(glyphs, backbone, n_query=12)
    wide.k_shot_slider.value = 10  # 10 + 12 > 20 drawings per character
    assert wide.new_episode() is None
    assert "lower n_way, k_shot or n_query" in wide.last_error
    assert wide.status.value.startswith("Error: ")
    assert not wide.new_button.disabled and wide.accuracy is None


# ---------------------------------------------------------------------- draw your own


def test_without_ipycanvas_the_draw_tab_explains_and_the_panel_still_works(playground):
    draw_tab = playground.tabs.children[1]
    message = draw_tab.children[0]
    assert "tlw-draw-unavailable" in message._dom_classes
    assert "pip install ipycanvas" in message.value
    assert playground.canvas is None
    assert playground.new_episode() is not None


def test_one_shot_recognition_of_hand_made_shapes(playground):
    with pytest.raises(ValueError, match="at least two symbols"):
        playground.recognise(strokes_to_image(circle()))
    assert playground.add_example(0, strokes_to_image(circle())) == 1
    assert playground.add_example(1, strokes_to_image(cross())) == 1
    assert "A: 1, B: 1, C: 0" in playground.draw_status.value
    # new drawings: other sizes and places, slightly different shapes
    wobbly_circle = [[(x + 3 * math.sin(y), y) for x, y in circle(30, (80, 70))[0]]]
    result = playground.recognise(strokes_to_image(wobbly_circle))
    assert result.symbol == "A" and set(result.distances) == {"A", "B"}
    assert result.distances["A"] < result.distances["B"]
    tilted_cross = [[(0, 5), (50, 40)], [(0, 45), (45, 0)]]
    assert playground.recognise(strokes_to_image(tilted_cross)).symbol == "B"
    with pytest.raises(ValueError, match=r"symbol must be 0 \.\. 2"):
        playground.add_example(3, strokes_to_image(cross()))
    playground.clear_examples()
    assert "A: 0, B: 0, C: 0" in playground.draw_status.value


class FakeCanvas(ipywidgets.DOMWidget):
    """Just enough of ``ipycanvas.Canvas`` to wire the draw tab: it records the handlers."""

    def __init__(self, width: int, height: int):
        super().__init__()
        self.handlers = {}
        self.lines = []

    def on_mouse_down(self, handler):
        self.handlers["down"] = handler

    def on_mouse_move(self, handler):
        self.handlers["move"] = handler

    def on_mouse_up(self, handler):
        self.handlers["up"] = handler

    def on_mouse_out(self, handler):
        self.handlers["out"] = handler

    def fill_rect(self, *args):
        self.lines.clear()

    def fill_circle(self, *args):
        pass

    def stroke_line(self, *args):
        self.lines.append(args)


def test_the_canvas_turns_mouse_strokes_into_examples_and_recognises_them(
    glyphs, backbone, monkeypatch
):
    fake = types.ModuleType("ipycanvas")
    fake.Canvas = FakeCanvas
    monkeypatch.setitem(sys.modules, "ipycanvas", fake)
    playground = EpisodePlayground(glyphs, backbone)
    canvas = playground.canvas
    assert isinstance(canvas, FakeCanvas)
    assert [b.description for b in playground.add_buttons] == ["Add as A", "Add as B", "Add as C"]

    def draw(strokes):
        for stroke in strokes:
            canvas.handlers["down"](*stroke[0])
            for point in stroke[1:]:
                canvas.handlers["move"](*point)
            canvas.handlers["up"](*stroke[-1])
        canvas.handlers["move"](0.0, 0.0)  # pen up: not drawn

    draw(circle(50, (80, 80)))
    assert len(canvas.lines) == 39
    playground.add_buttons[0].click()
    assert playground._strokes == [] and canvas.lines == []  # cleared after adding
    draw(cross(50, (80, 80)))
    playground.add_buttons[1].click()
    draw(circle(30, (60, 90)))
    playground.recognise_button.click()
    assert playground.draw_status.value.startswith("That looks like A")
    playground.clear_button.click()
    playground.recognise_button.click()
    assert "Draw a symbol first" in playground.draw_status.value
