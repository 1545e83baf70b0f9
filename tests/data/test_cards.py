"""Dataset cards and the image grids they show."""

import pytest
import torch
from matplotlib.figure import Figure

from tlwidgets.data import build_datasets
from tlwidgets.data.cards import END, START, _replace_block, cards_dir, digit_stats, glyph_stats
from tlwidgets.data.domains import DOMAINS
from tlwidgets.viz import image_grid


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(None)


def test_image_grid_draws_one_labelled_cell_per_image():
    fig = image_grid(torch.rand(13, 3, 32, 32), [str(i) for i in range(13)], ncols=5, title="t")
    assert isinstance(fig, Figure)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 13 and len(fig.axes) == 15
    assert [ax.get_title() for ax in drawn][:3] == ["0", "1", "2"]
    assert fig._suptitle.get_text() == "t"


def test_image_grid_accepts_grey_images_and_rejects_bad_input():
    fig = image_grid(torch.rand(4, 28, 28), ncols=10, scale=0.5)
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match="labels"):
        image_grid(torch.rand(4, 28, 28), ["a"])
    with pytest.raises(ValueError, match="shape"):
        image_grid(torch.rand(4, 2, 28, 28))


def test_image_grid_draws_on_an_agg_canvas_without_pyplot():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = image_grid(torch.rand(2, 3, 8, 8))
    assert isinstance(fig.canvas, FigureCanvasAgg)
    fig.canvas.draw()  # renders headless


def test_data_package_imports_no_matplotlib():
    import subprocess
    import sys

    code = (
        "import sys, tlwidgets.data; "
        "print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_every_card_exists_with_a_stats_block_and_small_grid():
    for name in [*DOMAINS, "glyphs"]:
        text = (cards_dir() / f"{name}.md").read_text(encoding="utf-8")
        assert START in text and END in text
        assert "icen" in text  # every card states a licence
        png = cards_dir() / f"{name}.png"
        assert png.is_file() and png.stat().st_size < 150_000


def test_stats_blocks_report_counts_per_split():
    block = digit_stats("uci")
    assert "| train |" in block and "| test |" in block and "1438" in block
    assert "Canadian Syllabics" in glyph_stats()


def test_replace_block_keeps_the_prose(tmp_path):
    card = tmp_path / "card.md"
    card.write_text(f"# title\n\nprose\n\n{START}\nold\n{END}\n\nmore prose\n")
    _replace_block(card, "new")
    assert card.read_text() == f"# title\n\nprose\n\n{START}\nnew\n{END}\n\nmore prose\n"
    card.write_text("no markers")
    with pytest.raises(ValueError, match="stats:start"):
        _replace_block(card, "new")
