import io

import numpy as np
import pytest
import torch
from PIL import Image

from tlwidgets.viz import class_colours, neighbour_strip, png_bytes, projection_scatter


def points(n=300):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 2)).astype(np.float32), rng.integers(0, 10, n), np.arange(n) % 2


@pytest.mark.parametrize("colour", ["class", "domain"])
def test_projection_scatter_draws_both_colourings_with_a_legend(colour):
    coords, labels, domains = points()
    fig = projection_scatter(
        coords,
        labels,
        [str(i) for i in range(10)],
        domains=domains,
        domain_names=["mnist", "mnistm"],
        colour=colour,
        point=3,
        neighbours=[4, 5],
        title="pretrained · stage4 · PCA",
    )
    legend = fig.legends[0]
    names = [text.get_text() for text in legend.get_texts()]
    assert names == (
        [*map(str, range(10)), "mnist", "mnistm"] if colour == "class" else ["mnist", "mnistm"]
    )
    assert png_bytes(fig).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="colour must be"):
        projection_scatter(coords, labels, ["a"], colour="shape")


def test_many_classes_are_drawn_as_one_collection_without_a_class_legend():
    coords = np.random.default_rng(1).normal(size=(500, 2))
    labels = np.arange(500) % 100
    fig = projection_scatter(coords, labels, [f"c{i}" for i in range(100)])
    assert len(fig.axes[0].collections) == 1 and not fig.legends
    assert class_colours(100).shape == (100, 4)


def test_neighbour_strip_labels_each_thumbnail_and_marks_same_class_without_colour():
    images = torch.rand(9, 3, 32, 32)
    labels = ["point 3", *"38333333"]
    matches = [label[-1] == "3" for label in labels]
    fig = neighbour_strip(images, labels, matches=matches, title="neighbours")
    texts = [text.get_text() for text in fig.axes[0].texts]
    marks = ["✓" if same else "✗" for same in matches]
    assert texts == [f"{mark} {label}" for mark, label in zip(marks, labels, strict=True)]
    width, height = Image.open(io.BytesIO(png_bytes(fig, dpi=80))).size
    assert width > 4 * height
    with pytest.raises(ValueError, match="2 labels for 9 images"):
        neighbour_strip(images, ["a", "b"])
