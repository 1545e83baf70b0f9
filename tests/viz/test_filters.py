import numpy as np
import pytest
import torch

from tlwidgets.viz import filter_tiles, filters_and_activations, mosaic, png_bytes


def test_filter_tiles_centre_zero_at_grey_and_stay_in_range():
    weights = torch.zeros(2, 3, 3, 3)
    weights[1, 0] = 2.0  # a pure "red" filter
    tiles = filter_tiles(weights)
    assert tiles.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(tiles[0], 0.5)
    np.testing.assert_allclose(tiles[1][..., 0], 1.0)
    np.testing.assert_allclose(tiles[1][..., 1:], 0.5)
    assert filter_tiles(torch.randn(4, 1, 5, 5)).shape == (4, 5, 5, 3)  # grey input: grey tiles


def test_mosaic_packs_tiles_with_gaps():
    tiles = np.arange(5 * 2 * 2, dtype=np.float32).reshape(5, 2, 2)
    packed = mosaic(tiles, gap=1, fill=-1)
    assert packed.shape == (2 * 3 - 1, 3 * 3 - 1)  # 5 tiles: 3 columns, 2 rows
    np.testing.assert_array_equal(packed[:2, 3:5], tiles[1])
    assert packed[2, 0] == -1 and packed[-1, -1] == -1


def test_filters_and_activations_figure_has_one_panel_per_stage():
    activations = [(torch.rand(4, s, s), torch.arange(4)) for s in (16, 8, 4)]
    fig = filters_and_activations(
        torch.rand(3, 32, 32), torch.randn(16, 3, 3, 3), activations, name="pretrained"
    )
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 5 and titles[0] == "pretrained\ninput"
    assert titles[2].startswith("stage0 16×16") and titles[4].startswith("stage2 4×4")
    assert png_bytes(fig).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="one entry per model"):
        from tlwidgets.viz import draw_filters_and_activations

        draw_filters_and_activations(fig, torch.rand(3, 8, 8), ["a", "b"], [], [])
