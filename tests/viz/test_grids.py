import pytest
import torch
from IPython.core.formatters import PNGFormatter

from tlwidgets.viz import CourseFigure, image_grid, png_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_image_grid_lays_out_rows_and_labels():
    figure = image_grid(torch.rand(12, 3, 32, 32), [str(i) for i in range(12)], ncols=5)
    assert isinstance(figure, CourseFigure)
    visible = [ax for ax in figure.axes if ax.images]
    assert len(figure.axes) == 15 and len(visible) == 12
    assert visible[3].get_title() == "3"


def test_grey_and_uint8_images_are_accepted():
    assert png_bytes(image_grid(torch.randint(0, 255, (4, 8, 8), dtype=torch.uint8))).startswith(
        PNG_SIGNATURE
    )


def test_a_notebook_shows_the_figure_without_pyplot():
    png = PNGFormatter()(image_grid(torch.rand(2, 3, 32, 32)))
    assert png is not None and png.startswith(PNG_SIGNATURE)


def test_bad_inputs_are_explained():
    with pytest.raises(ValueError, match="at least one image"):
        image_grid(torch.zeros(0, 3, 8, 8))
    with pytest.raises(ValueError, match="got 1 labels for 2 images"):
        image_grid(torch.rand(2, 3, 8, 8), ["a"])
    with pytest.raises(ValueError, match=r"images must have shape"):
        image_grid(torch.rand(2, 5, 8, 8))
