"""Headless tests of FeatureExplorer: change controls through ``.value``, assert on state."""

from __future__ import annotations

import io
import threading
import time

import ipywidgets as widgets
import pytest
import torch
from PIL import Image
from torch import nn

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import load_domain
from tlwidgets.models import create_backbone, load_pretrained
from tlwidgets.widgets import FeatureExplorer
from tlwidgets.widgets import feature_explorer as module

POINTS = 100  # per domain: small enough for a quick t-SNE, large enough for stable numbers


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {
        "random init": create_backbone("resnet", num_classes=0),
        "pretrained": load_pretrained("glyphs-resnet"),
    }


@pytest.fixture(scope="module")
def mnist():
    return load_domain("mnist", "train")  # smoke mode: 30 per class


@pytest.fixture(scope="module")
def mnistm():
    return load_domain("mnistm", "train")


@pytest.fixture(scope="module")
def shared(models, mnist, mnistm):
    return FeatureExplorer(models, mnist, other=mnistm, max_points=POINTS)


@pytest.fixture
def explorer(shared):
    """The two-domain explorer, back in its initial view (its caches make tests quicker)."""
    shared.show(
        model="random init",
        compare="none",
        stage=4,
        method="pca",
        colour="class",
        view="map",
        point=0,
        image=0,
    )
    return shared


@pytest.fixture
def fresh(models, mnist, mnistm):
    """A two-domain explorer with nothing computed beyond its first view."""
    return FeatureExplorer(models, mnist, other=mnistm, max_points=POINTS)


def find(root: widgets.Widget, css_class: str) -> widgets.Widget:
    """The one widget under ``root`` carrying ``css_class``."""
    found = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if css_class in getattr(widget, "_dom_classes", ()):
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    assert len(found) == 1, f"{len(found)} widgets with class {css_class}"
    return found[0]


def picture(ex: FeatureExplorer) -> bytes:
    return bytes(find(ex.widget, "tlw-explorer-plot").value)


def thumbnails(ex: FeatureExplorer) -> bytes:
    return bytes(find(ex.widget, "tlw-explorer-neighbours").value)


def status(ex: FeatureExplorer) -> str:
    return find(ex.widget, "tlw-explorer-status").value


def png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_controls_have_accessible_names_tooltips_and_css_classes(explorer):
    ex = explorer
    assert "tlw-feature-explorer" in ex.widget._dom_classes
    for css in ("tlw-explorer-plot", "tlw-explorer-metrics", "tlw-explorer-status"):
        find(ex.widget, css)
    assert picture(ex).startswith(b"\x89PNG") and thumbnails(ex).startswith(b"\x89PNG")
    controls = {
        "Model": (ex.model, widgets.Dropdown),
        "Compare with": (ex.compare, widgets.Dropdown),
        "Stage": (ex.stage, widgets.Dropdown),
        "Projection": (ex.method, widgets.ToggleButtons),
        "Colour by": (ex.colour, widgets.Dropdown),
        "View": (ex.view, widgets.Dropdown),
        "Point": (ex.point, widgets.IntSlider),
        "Image": (ex.image, widgets.IntSlider),
    }
    for description, (control, kind) in controls.items():
        assert isinstance(control, kind) and control.description == description
        assert control.tooltip, f"{description} has no tooltip"
    assert ex.compare.options == ("none", "random init", "pretrained")
    assert [label for label, _ in ex.stage.options] == [f"stage{i}" for i in range(5)]
    assert ex.stage.value == 4 and ex.stage.label == "stage4"
    assert ex.method.options == (("PCA", "pca"), ("t-SNE", "tsne"))
    assert ex.colour.options == ("class", "domain")
    assert [label for label, _ in ex.view.options] == ["feature map", "filters & activations"]
    assert ex.point.max == ex.image.max == 2 * POINTS - 1
    assert status(ex).startswith("Ready") and ex.last_error is None
    assert set(ex.metrics) == {"knn_acc", "probe_acc", "domain_separability"}


def test_every_control_in_the_panel_is_named_for_screen_readers(explorer):
    assert unnamed_controls(explorer.widget) == []
    found = controls(explorer.widget)
    assert all(getattr(explorer, key) in found for key in module.CONTROLS)


def test_every_control_redraws_and_numbers_follow_model_and_stage(explorer):
    ex = explorer
    before, numbers = picture(ex), dict(ex.metrics)
    for control, value in [
        (ex.colour, "domain"),
        (ex.stage, 2),
        (ex.model, "pretrained"),
        (ex.compare, "random init"),
        (ex.point, 17),
    ]:
        control.value = value
        assert picture(ex) != before, f"{control.description}={value!r} did not redraw"
        before = picture(ex)
        if control in (ex.stage, ex.model):
            assert ex.metrics != numbers, f"{control.description} did not update the numbers"
            numbers = dict(ex.metrics)
        assert ex.last_error is None, ex.last_error
    ex.view.value = "filters"
    assert picture(ex) != before
    before = picture(ex)
    ex.image.value = 42
    assert picture(ex) != before
    assert "image 42" in status(ex)
    metrics_html = find(ex.widget, "tlw-explorer-metrics").value
    assert "k-NN accuracy" in metrics_html and "domain separability" in metrics_html


def test_pretrained_features_beat_random_init_on_mnist(models, mnist):
    ex = FeatureExplorer(models, mnist)  # one domain: no separability, colour-by-domain explained
    random_init = dict(ex.metrics)
    ex.show(model="pretrained")
    pretrained = dict(ex.metrics)
    assert set(pretrained) == {"knn_acc", "probe_acc"}
    # Measured in smoke mode (300 MNIST images, stage4): 0.93 vs 0.55 k-NN, 0.92 vs 0.67 probe.
    assert pretrained["knn_acc"] > random_init["knn_acc"] + 0.15
    assert pretrained["probe_acc"] > random_init["probe_acc"]
    assert "only one domain" in ex.colour.tooltip
    ex.colour.value = "domain"  # still draws (one colour) rather than failing
    assert ex.last_error is None


def test_tsne_computes_once_in_the_background_then_is_cached(fresh, monkeypatch):
    ex = fresh
    calls = []
    release = threading.Event()
    project = module.project

    def counting_project(features, method="pca", **kwargs):
        if method == "tsne":
            calls.append(features.shape)
            assert release.wait(30), "the test never released the t-SNE"
        return project(features, method, **kwargs)

    monkeypatch.setattr(module, "project", counting_project)
    pca = picture(ex)
    ex.method.value = "tsne"  # returns at once; the t-SNE waits for `release` in its thread
    assert status(ex).startswith("computing t-SNE ...")
    assert picture(ex) == pca
    ex.colour.value = "domain"  # the panel stays usable meanwhile
    assert status(ex).startswith("computing t-SNE ...")
    release.set()
    assert ex.wait(60)
    assert status(ex).startswith("Ready") and "t-SNE" in status(ex)
    tsne = picture(ex)
    assert tsne != pca and len(calls) == 1
    ex.method.value = "pca"
    start = time.perf_counter()
    ex.method.value = "tsne"  # cached: no new computation, drawn synchronously
    assert time.perf_counter() - start < 1.0
    assert status(ex).startswith("Ready") and picture(ex) == tsne and len(calls) == 1
    ex.show(stage="stage3", method="tsne")  # a new view: show() waits for its t-SNE
    assert len(calls) == 2 and ex.stage.value == 3 and status(ex).startswith("Ready")


def test_compare_draws_two_panels_with_both_sets_of_numbers(explorer):
    ex = explorer
    single = picture(ex)
    ex.show(model="pretrained", compare="random init")
    both = picture(ex)
    assert png_size(both)[0] > 1.5 * png_size(single)[0]
    assert {"compare_knn_acc", "compare_probe_acc", "compare_domain_separability"} <= set(
        ex.metrics
    )
    assert ex.metrics["knn_acc"] > ex.metrics["compare_knn_acc"]
    assert "pretrained vs random init" in status(ex)
    ex.compare.value = "none"
    assert png_size(picture(ex)) == png_size(single)
    assert not any(key.startswith("compare_") for key in ex.metrics)


def test_filters_and_activations_view_follows_the_image_slider(explorer):
    ex = explorer
    ex.show(view="filters", image=3)
    first = picture(ex)
    assert png_size(first)[0] > png_size(first)[1]
    ex.image.value = 150  # a mnistm image
    assert picture(ex) != first
    ex.compare.value = "pretrained"  # a second row of filters and maps
    assert png_size(picture(ex))[1] > png_size(first)[1]
    ex.show(view="map")
    assert status(ex).startswith("Ready")


def test_point_is_highlighted_with_its_neighbour_thumbnails(explorer):
    ex = explorer
    ex.show(model="pretrained")
    plot, thumbs = picture(ex), thumbnails(ex)
    ex.point.value = 5
    assert picture(ex) != plot and thumbnails(ex) != thumbs
    images, texts, matches, title = ex._thumbs_scene
    assert len(images) == len(texts) == len(matches) == 1 + module.NEIGHBOURS
    assert "point 5" in title and texts[0].startswith("point ")
    # Pretrained features put a digit's neighbours mostly in its own class.
    assert sum(matches[1:]) >= module.NEIGHBOURS // 2
    thumbs = thumbnails(ex)
    ex.colour.value = "domain"  # neither the point nor its neighbours change
    assert thumbnails(ex) == thumbs


def test_domain_separability_near_zero_within_a_domain_high_across(models, mnist, explorer):
    ex = explorer
    ex.show(model="pretrained")
    assert ex.metrics["domain_separability"] > 0.8  # measured 0.99 (smoke, stage4)
    halves = FeatureExplorer(
        {"pretrained": models["pretrained"]},
        mnist.subset(range(0, 300, 2)),
        other=mnist.subset(range(1, 300, 2)),
    )
    assert halves.metrics["domain_separability"] < 0.25
    assert halves.domain_names == ["mnist (source)", "mnist (target)"]


def test_errors_are_shown_in_the_status_not_raised(models, mnist, monkeypatch):
    ex = FeatureExplorer({**models, "broken": nn.Linear(4, 2)}, mnist, max_points=POINTS)
    ex.model.value = "broken"
    assert status(ex).startswith("<span") and "Error: model &#x27;broken&#x27;" in status(ex)
    assert "not a tlwidgets backbone" in ex.last_error
    ex.model.value = "pretrained"  # the panel is still usable
    assert ex.last_error is None and status(ex).startswith("Ready")

    def failing_project(features, method="pca", **kwargs):
        raise RuntimeError("t-SNE exploded")

    monkeypatch.setattr(module, "project", failing_project)
    ex.show(method="tsne")
    assert "t-SNE exploded" in ex.last_error and "Error" in status(ex)

    empty = FeatureExplorer(models, mnist.subset([]))
    assert "empty" in empty.last_error and "Error" in status(empty)

    with pytest.raises(ValueError, match="models must be"):
        FeatureExplorer({}, mnist)
    with pytest.raises(ValueError, match="max_points"):
        FeatureExplorer(models, mnist, max_points=0)
    with pytest.raises(ValueError, match="data must be LabelledImages"):
        FeatureExplorer(models, "mnist")
    with pytest.raises(ValueError, match="unknown control"):
        ex.show(zoom=2)
    with pytest.raises(ValueError, match="unknown model"):
        ex.show(model="imagenet")


def test_displays_its_widget(explorer, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    explorer._ipython_display_()
    assert shown == [explorer.widget]
