"""Dataset cards and the image grids they show."""

import re

import pytest
import torch
from matplotlib.figure import Figure

from tlwidgets.data import MULTITASK_SETS, build_datasets
from tlwidgets.data.build import load_arrays
from tlwidgets.data.cards import (
    END,
    START,
    _multitask_figure,
    _replace_block,
    cards_dir,
    digit_stats,
    glyph_stats,
    multitask_labels,
    multitask_stats,
)
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
    for name in [*DOMAINS, "glyphs", *MULTITASK_SETS]:
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


@pytest.mark.parametrize("name", MULTITASK_SETS)
def test_multitask_cards_show_the_loader_their_tasks_and_a_filled_block(name):
    text = (cards_dir() / f"{name}.md").read_text(encoding="utf-8")
    assert f'load_multitask("{name}"' in text
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert "Task `" in block and "| train |" in block and "| test |" in block
    assert "Pixel statistics" in block
    assert f"]({name}.png)" in text  # the card shows its grid
    assert "Sabour" in text or "Kendall" in text  # the recipe's or the weighting's source


def test_multitask_stats_count_every_task_per_split():
    block = multitask_stats("multimnist")
    assert "Task `left`" in block and "Task `right`" in block
    assert "| train | 800 | 800 |" in block  # each MNIST image is left in two pairs
    assert "Images: 8000 train, 1000 test." in block
    block = multitask_stats("synth_attributes")
    for task in ("digit", "font", "background", "rotation"):
        assert f"Task `{task}`" in block
    assert "| split | serif | sans | mono | total |" in block
    assert "| split | red | green | blue | grey | total |" in block
    assert re.search(r"\| train \| -4[45]\.\d° \(-0\.78\d\) \| 4[45]\.\d°", block)
    assert "| `cmtt10.ttf` | mono |" in block
    with pytest.raises(ValueError, match="unknown multitask dataset"):
        multitask_stats("mnist")


def test_multimnist_card_block_is_up_to_date():
    """MultiMNIST is built from MNIST alone (no font rendering), so its block is exact."""
    text = (cards_dir() / "multimnist.md").read_text(encoding="utf-8")
    assert f"{START}\n{multitask_stats('multimnist')}\n{END}" in text


def test_multitask_grid_labels_every_image_with_all_its_tasks():
    labels = multitask_labels("synth_attributes", load_arrays("synth_attributes"))
    assert len(labels) == 6000
    assert all(
        re.fullmatch(r"\d (serif|sans|mono) -?\d{1,2}° (red|green|blue|grey)", s) for s in labels
    )
    arrays = load_arrays("multimnist")
    left, right = arrays["y_test"][0]
    assert multitask_labels("multimnist", arrays, "test")[0] == f"{left} | {right}"
    fig = _multitask_figure("multimnist")
    titles = [ax.get_title() for ax in fig.axes if ax.images]
    assert len(titles) == 60 and all(re.fullmatch(r"\d \| \d", t) for t in titles)


def test_creatures_card_shows_its_grid_licence_and_attribute_table():
    from tlwidgets.data.cards import creature_stats

    text = (cards_dir() / "creatures.md").read_text(encoding="utf-8")
    assert "](creatures.png)" in text and "icen" in text and "Lampert" in text
    assert (cards_dir() / "creatures.png").stat().st_size < 150_000
    block = creature_stats()
    assert f"{START}\n{block}\n{END}" in text  # procedural and numpy-only, so exact
    assert "| `giraffe` | tall | yellow | spots | unseen | 300 | 100 |" in block
