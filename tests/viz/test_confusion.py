import numpy as np
import pytest
import torch

from tlwidgets.viz import CourseFigure, confusion_plot, png_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIGITS = [str(d) for d in range(10)]


def digit_confusions():
    generator = torch.Generator().manual_seed(0)
    matrix = torch.randint(0, 5, (10, 10), generator=generator)
    return matrix + torch.diag(torch.full((10,), 40))


def cell_texts(figure):
    return [text.get_text() for text in figure.axes[0].texts]


def test_ten_classes_render_with_every_cell_and_class_labelled():
    figure = confusion_plot(digit_confusions(), DIGITS, title="MNIST -> MNIST-M")
    assert isinstance(figure, CourseFigure)
    assert png_bytes(figure).startswith(PNG_SIGNATURE)
    axes = figure.axes[0]
    assert len(cell_texts(figure)) == 100
    assert [label.get_text() for label in axes.get_xticklabels()] == DIGITS
    assert [label.get_text() for label in axes.get_yticklabels()] == DIGITS
    assert axes.get_title() == "MNIST -> MNIST-M"


def test_colours_are_row_shares_and_cells_show_percentages_or_counts():
    matrix = np.array([[3, 1, 0], [0, 0, 0], [0, 5, 5]])
    figure = confusion_plot(matrix, ["a", "b", "c"])
    shares = figure.axes[0].images[0].get_array()
    np.testing.assert_allclose(shares, [[0.75, 0.25, 0], [0, 0, 0], [0, 0.5, 0.5]])
    assert cell_texts(figure) == ["75%", "25%", "0%", "–", "–", "–", "0%", "50%", "50%"]
    counts = confusion_plot(matrix, ["a", "b", "c"], normalise=False)
    assert cell_texts(counts) == ["3", "1", "0", "0", "0", "0", "0", "5", "5"]


def test_bad_matrices_are_explained():
    with pytest.raises(ValueError, match=r"shape \(K, K\)"):
        confusion_plot(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="counts >= 0"):
        confusion_plot(-np.eye(2), ["a", "b"])
    with pytest.raises(ValueError, match="got 1 class names for a 2 x 2 matrix"):
        confusion_plot(np.eye(2), ["a"])
