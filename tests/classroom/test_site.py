"""The static site: executed lessons, widgets in their final state, alt texts, navigation.

A tiny two-notebook course checks the whole path quickly (execute, draw widgets, export,
link check); the slow test builds the real lessons in smoke mode and checks every page:
links resolve inside the site, nothing is loaded from the network, every image has alt
text, the index lists every lesson, previous/next links follow the lesson order, and the
widgets' saved state is embedded and drawn.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.formatters import DisplayFormatter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tlwidgets.classroom.site import SiteError, build_site, lesson_title, prepare_lesson
from tlwidgets.classroom.site_links import find_site_problems, read_page_links
from tlwidgets.viz import new_figure

REPO = Path(__file__).resolve().parents[2]
# The start page and two lessons with widgets (FineTuneLab, FeatureExplorer; TextPlayground).
SITE_LESSONS = ["00_start_here.ipynb", "01_inductive_transfer.ipynb", "05_text_transfer.ipynb"]
NAV_LINK = re.compile(r'<a href="([^"]+)" rel="(prev|next|index)"')
WIDGET_STATE = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-state\+json">\s*(.*?)\s*</script>', re.S
)
WIDGET_VIEW = re.compile(
    r'<script type="application/vnd\.jupyter\.widget-view\+json">\s*(.*?)\s*</script>', re.S
)

WIDGET_CELL = """\
import ipywidgets as widgets
from tlwidgets.viz import new_figure, png_bytes
figure = new_figure(figsize=(2, 2))
figure.add_subplot().set_title("loss")
status = widgets.HTML("starting")
box = widgets.VBox([status, widgets.IntSlider(2, description="Depth"), widgets.Image()])
box"""
UPDATE_CELL = """\
status.value = "finished: 93%"
box.children[2].value = png_bytes(figure)
figure.suptitle("Training curve")
figure"""


def _tiny_course(folder: Path) -> Path:
    folder.mkdir()
    first = new_notebook(
        cells=[
            new_markdown_cell("# 00 · First *steps*\n\nWhere $P_S(X) \\neq P_T(X)$."),
            new_markdown_cell("## A widget\n\nOn to [the next lesson](01_next.ipynb)."),
            new_code_cell(WIDGET_CELL),
            new_code_cell(UPDATE_CELL),
        ]
    )
    second = new_notebook(cells=[new_markdown_cell("# 01 · Next"), new_code_cell("1 + 1")])
    nbformat.write(first, folder / "00_first.ipynb")
    nbformat.write(second, folder / "01_next.ipynb")
    return folder


def test_course_figures_carry_alt_text_in_their_display_data() -> None:
    figure = new_figure()
    figure.suptitle("Accuracy against labels")
    figure.add_subplot().set_title("MNIST")

    data, metadata = DisplayFormatter().format(figure)

    assert "image/png" in data
    assert metadata["image/png"]["alt"] == "Figure: Accuracy against labels, panels: MNIST."


def test_lesson_title_is_the_first_heading_as_plain_text() -> None:
    notebook = new_notebook(cells=[new_markdown_cell("Intro.\n\n# 02 · Domain *adaptation*")])

    assert lesson_title(notebook, "fallback") == "02 · Domain adaptation"
    assert lesson_title(new_notebook(), "fallback") == "fallback"


def test_markdown_formulas_and_lesson_links_are_made_for_the_site() -> None:
    notebook = new_notebook(
        cells=[new_markdown_cell(r"$\mathcal{X}_S \neq \mathcal{X}_T$, $x^2$, [next](01_b.ipynb)")]
    )

    source = prepare_lesson(notebook, {"01_b.html"}).cells[0].source

    assert "𝒳<sub>S</sub> ≠ 𝒳<sub>T</sub>" in source
    assert "$x^2$" in source  # a formula it cannot write in HTML stays as TeX
    assert "](01_b.html)" in source


def test_a_folder_that_is_not_a_site_is_never_replaced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")

    with pytest.raises(SiteError, match="not a site built by tlwidgets"):
        build_site(_tiny_course(tmp_path / "course"), tmp_path, smoke=True)
    assert (tmp_path / "notes.txt").exists()


@pytest.mark.slow
def test_a_tiny_course_builds_into_a_sound_site(tmp_path: Path) -> None:
    site = tmp_path / "site"

    lessons = build_site(_tiny_course(tmp_path / "course"), site, smoke=True)

    assert [lesson.title for lesson in lessons] == ["00 · First steps", "01 · Next"]
    assert find_site_problems(site) == []
    page = (site / "00_first.html").read_text()
    assert "<title>00 · First steps</title>" in page
    assert "finished: 93%" in page  # the widget's last state, not its first
    assert 'alt="Figure: Training curve, panels: loss."' in page
    assert 'alt="A plot of the widget in the section “A widget”."' in page
    assert "P<sub>S</sub>(X) ≠ P<sub>T</sub>(X)" in page
    assert 'href="01_next.html"' in page
    assert "smoke mode" in page


@pytest.fixture(scope="module")
def smoke_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real lessons of SITE_LESSONS built in smoke mode (a minute or two)."""
    site = tmp_path_factory.mktemp("site") / "site"
    build_site(REPO / "notebooks", site, names=SITE_LESSONS, smoke=True)
    return site


def _pages(site: Path) -> list[Path]:
    return [site / f"{Path(name).stem}.html" for name in SITE_LESSONS]


@pytest.mark.slow
def test_every_link_of_the_lesson_site_resolves_and_nothing_is_loaded_online(
    smoke_site: Path,
) -> None:
    assert find_site_problems(smoke_site) == []
    for page in [*_pages(smoke_site), smoke_site / "index.html"]:
        text = page.read_text()
        assert not re.search(r"<script[^>]+src=", text), f"{page.name} loads a script"
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text


@pytest.mark.slow
def test_the_index_lists_every_lesson_by_its_title(smoke_site: Path) -> None:
    index = read_page_links((smoke_site / "index.html").read_text())
    pages = [page.name for page in _pages(smoke_site)]

    assert [link for link in index.links if link in pages] == pages
    index_html = (smoke_site / "index.html").read_text()
    for name in SITE_LESSONS:
        title = lesson_title(nbformat.read(REPO / "notebooks" / name, 4), name)
        assert html.escape(title) in index_html


@pytest.mark.slow
def test_previous_and_next_links_follow_the_lesson_order(smoke_site: Path) -> None:
    pages = [page.name for page in _pages(smoke_site)]
    for position, name in enumerate(pages):
        links = NAV_LINK.findall((smoke_site / name).read_text())
        expected = {("index.html", "index")}
        if position > 0:
            expected.add((pages[position - 1], "prev"))
        if position + 1 < len(pages):
            expected.add((pages[position + 1], "next"))
        assert set(links) == expected, name
        assert len(links) == 2 * len(expected)  # the bar is at the top and at the bottom


@pytest.mark.slow
@pytest.mark.parametrize("name", SITE_LESSONS[1:])
def test_widget_lessons_embed_their_state_and_show_each_widget(smoke_site: Path, name: str) -> None:
    text = (smoke_site / f"{Path(name).stem}.html").read_text()

    state = json.loads(WIDGET_STATE.search(text).group(1))
    views = [json.loads(view)["model_id"] for view in WIDGET_VIEW.findall(text)]
    assert views, "no widget output on the page"
    assert all(model_id in state["state"] for model_id in views)
    assert text.count('<div class="tlw-widget">') == len(views)
    assert "state was not saved" not in text
    assert re.search(r'<img[^>]+class="tlw-w-image"', text)  # a plot drawn from its last frame
