"""Build the course as a static HTML site that learners can read offline (``make site``).

Each lesson in ``notebooks/`` is executed top to bottom with nbclient (full mode, unless
``smoke=True``), with ``store_widget_state=True`` so every widget's last state is saved in
the notebook. It is then exported with nbconvert's ``lab`` HTML template, changed so that a
page loads nothing from the network:

- no RequireJS, no MathJax, no Mermaid, no widget manager from a CDN. Widgets are drawn by
  :mod:`tlwidgets.classroom.static_widgets` from their saved state, as they were when the
  notebook finished (last plot frame, status texts, control values), controls disabled.
  The saved state itself stays embedded in the page (``application/vnd.jupyter.widget-state+json``
  and one ``widget-view+json`` script per widget), as in any nbconvert export;
- the few TeX formulas of the markdown cells become Unicode and HTML (``$P_S(X)$`` reads
  "P<sub>S</sub>(X)"); a formula with a command not in :data:`TEX_SYMBOLS` stays as TeX;
- images are inline ``data:`` URLs; each gets an ``alt``: a course figure's own
  (``tlwidgets.viz.alt_text``: its title and panel titles), a widget plot's own
  (``PlotImage.alt``), else one naming the section.

Every page gets a navigation bar (all lessons, previous, next) at its top and bottom, and
``index.html`` lists the lessons by the titles of their first headings. The built site is
checked with :func:`tlwidgets.classroom.site_links.find_site_problems` before it is
declared done::

    python -m tlwidgets.classroom.site                    # notebooks/ -> site/, full mode
    python -m tlwidgets.classroom.site --smoke --out /tmp/site 00_start_here.ipynb
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jinja2 import DictLoader
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from nbformat import NotebookNode

from .site_links import find_site_problems
from .static_widgets import WIDGET_STATE_MIME, WIDGET_VIEW_MIME, render_widget

__all__ = [
    "TEX_SYMBOLS",
    "Lesson",
    "SiteError",
    "build_site",
    "execute_lesson",
    "lesson_title",
    "prepare_lesson",
]

REPO = Path(__file__).resolve().parents[2]
MARKER = ".tlwidgets-site"  # marks a folder as a built site, which a rebuild may replace
CELL_TIMEOUT_S = 900

# The TeX the lessons' markdown uses, and what it reads as in HTML.
TEX_SYMBOLS = {
    r"\mathcal{X}": "𝒳",
    r"\mathcal{Y}": "𝒴",
    r"\mid": "∣",
    r"\neq": "≠",
    r"\to": "→",
    r"\times": "×",
    r"\approx": "≈",
    r"\le": "≤",
    r"\ge": "≥",
    r"\cdot": "·",
}
_INLINE_MATH = re.compile(r"(?<![\\$])\$([^$\n]+)\$")
_SUBSCRIPT = re.compile(r"_(\{([^}]*)\}|\w)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_NOTEBOOK_LINK = re.compile(r"\]\(([\w.-]+)\.ipynb(#[^)\s]*)?\)")

_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}<style type="text/css">{{ resources.tlw_css }}</style>{%- endblock -%}
{%- block body_header -%}{{ super() }}{{ resources.tlw_nav }}{{ resources.tlw_banner }}
{%- endblock body_header -%}
{%- block body_footer -%}{{ resources.tlw_nav }}{{ super() }}{%- endblock body_footer -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}"
 alt="{{ output.metadata.get('tlw_alt', '') | escape_html }}">
</div>
{% endblock data_png %}
{% block data_jpg scoped %}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/jpeg;base64,{{ output.data['image/jpeg'] | escape_html }}"
 alt="{{ output.metadata.get('tlw_alt', '') | escape_html }}">
</div>
{% endblock data_jpg %}
{% block data_widget_view scoped %}
<div class="jupyter-widgets jp-OutputArea-output {{ extra_class }}">
{{ output.metadata.get('tlw_widget_html', '') }}
<script type="application/vnd.jupyter.widget-view+json">
{{ output.data['application/vnd.jupyter.widget-view+json'] | json_dumps | escape_html_script }}
</script>
</div>
{% endblock data_widget_view %}
"""

_CSS = """
.tlw-site-nav { display: flex; gap: 1.5em; flex-wrap: wrap; padding: 0.6em 1em;
  margin: 0 0 1em; background: #f0f3f7; border-bottom: 1px solid #c8d0da; font-size: 14px; }
.tlw-site-nav a { color: #0b4f9c; }
.tlw-site-banner { margin: 0 1em 1em; padding: 0.5em 1em; background: #fff6d6;
  border: 1px solid #e0c060; }
.tlw-widget { border-left: 3px solid #c8d0da; padding: 0.3em 0.6em; margin: 0.3em 0;
  font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-ui-font-size1, 13px); }
.tlw-w-box { display: flex; flex-wrap: wrap; gap: 0.4em; align-items: flex-start; }
.tlw-w-vbox { flex-direction: column; }
.tlw-w-tabs > .tlw-w-tab { margin: 0.4em 0; }
.tlw-w-tab-title { font-weight: bold; border-bottom: 1px solid #c8d0da; margin-bottom: 0.3em; }
.tlw-w-control { display: inline-flex; align-items: center; gap: 0.4em; margin-right: 0.8em; }
.tlw-w-description { font-weight: 600; }
.tlw-w-button[aria-pressed="true"] { font-weight: bold; background: #d5e3f5; }
.tlw-w-image { max-width: 100%; height: auto; }
.tlw-w-missing { font-style: italic; color: #555; }
.tlw-math { font-family: serif; font-style: italic; white-space: nowrap; }
"""


class SiteError(RuntimeError):
    """The site cannot be built where asked, or the built site has broken links."""


@dataclass
class Lesson:
    """One page of the site: its notebook, the page's file name and its title."""

    notebook: Path
    page: str  # e.g. "01_inductive_transfer.html"
    title: str  # the text of the notebook's first heading


def lesson_title(notebook: NotebookNode, fallback: str) -> str:
    """The plain text of the first markdown heading of ``notebook``, else ``fallback``."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = _HEADING.search(cell.source)
            if match:
                return re.sub(r"[*_`]", "", match.group(2)).strip()
    return fallback


@contextmanager
def _smoke_environment(smoke: bool) -> Iterator[None]:
    """Set ``TLW_SMOKE`` for the kernel (it inherits this process's environment), then restore."""
    saved = os.environ.pop("TLW_SMOKE", None)
    if smoke:
        os.environ["TLW_SMOKE"] = "1"
    try:
        yield
    finally:
        os.environ.pop("TLW_SMOKE", None)
        if saved is not None:
            os.environ["TLW_SMOKE"] = saved


def execute_lesson(path: Path, smoke: bool = False, timeout: int = CELL_TIMEOUT_S) -> NotebookNode:
    """Run the notebook at ``path`` top to bottom in a fresh kernel, widget state saved.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell fails (the message names it): a site is never built from a broken lesson.
    """
    notebook = nbformat.read(path, as_version=4)
    with _smoke_environment(smoke):
        NotebookClient(
            notebook,
            kernel_name="python3",
            timeout=timeout,
            store_widget_state=True,
            resources={"metadata": {"path": str(path.parent)}},
        ).execute()
    return notebook


def _tex_to_html(tex: str) -> str | None:
    """``tex`` (one inline formula) as HTML, or None if it uses a command not in TEX_SYMBOLS."""
    text = tex
    for command in sorted(TEX_SYMBOLS, key=len, reverse=True):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", TEX_SYMBOLS[command], text)
    if "\\" in text or "^" in text:
        return None
    text = html.escape(text, quote=False)
    text = _SUBSCRIPT.sub(lambda m: f"<sub>{m.group(2) or m.group(1)}</sub>", text)
    return f'<span class="tlw-math">{text}</span>'


def _markdown_for_site(source: str, pages: set[str]) -> str:
    """A markdown cell's source with its formulas in HTML and links to lessons made pages."""
    source = _INLINE_MATH.sub(lambda m: _tex_to_html(m.group(1)) or m.group(0), source)

    def relink(match: re.Match[str]) -> str:
        page = f"{match.group(1)}.html"
        return f"]({page}{match.group(2) or ''})" if page in pages else match.group(0)

    return _NOTEBOOK_LINK.sub(relink, source)


def prepare_lesson(notebook: NotebookNode, pages: set[str]) -> NotebookNode:
    """Ready an executed ``notebook`` for export (in place): alt texts, widgets, math, links.

    Parameters
    ----------
    notebook
        An executed notebook, its widget state saved in its metadata.
    pages
        The file names of the site's pages, so links to other lessons can point at them.

    Returns
    -------
    NotebookNode
        ``notebook``, whose image outputs carry ``metadata["tlw_alt"]`` and whose widget
        outputs carry ``metadata["tlw_widget_html"]`` (the widget drawn from its state).
    """
    models = notebook.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    section = "the lesson's introduction"
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = _markdown_for_site(cell.source, pages)
            headings = _HEADING.findall(cell.source)
            if headings:
                section = re.sub(r"[*_`]", "", headings[-1][1]).strip()
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            fallback = f"A figure from the section “{section}”."
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    own = (output.get("metadata", {}).get(mime) or {}).get("alt")
                    output.setdefault("metadata", {})["tlw_alt"] = own or fallback
            if WIDGET_VIEW_MIME in data:
                model_id = data[WIDGET_VIEW_MIME].get("model_id", "")
                image_alt = f"A plot of the widget in the section “{section}”."
                output.setdefault("metadata", {})["tlw_widget_html"] = render_widget(
                    models, model_id, image_alt
                )
    return notebook


def _nav(lessons: Sequence[Lesson], index: int | None) -> str:
    """The navigation bar of page ``index`` (None: the index page)."""
    links = ['<a href="index.html" rel="index">All lessons</a>']
    if index is not None:
        if index > 0:
            before = lessons[index - 1]
            links.append(
                f'<a href="{before.page}" rel="prev">← Previous: {html.escape(before.title)}</a>'
            )
        if index + 1 < len(lessons):
            after = lessons[index + 1]
            links.append(
                f'<a href="{after.page}" rel="next">Next: {html.escape(after.title)} →</a>'
            )
    return f'<nav class="tlw-site-nav" aria-label="Lessons">{"".join(links)}</nav>'


def _banner(smoke: bool) -> str:
    if not smoke:
        return ""
    return (
        '<p class="tlw-site-banner" role="note">Built in smoke mode (tiny data, few epochs) to '
        "test the site: the numbers and plots are not the lesson's.</p>"
    )


def _index_page(lessons: Sequence[Lesson], smoke: bool, built: str) -> str:
    items = "".join(
        f'<li><a href="{lesson.page}">{html.escape(lesson.title)}</a> '
        f"<small>({html.escape(lesson.notebook.name)})</small></li>"
        for lesson in lessons
    )
    mode = "smoke mode (a test build)" if smoke else "full mode, as a learner runs them"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>tlwidgets: transfer learning, hands on</title>
<style type="text/css">
body {{ font-family: sans-serif; max-width: 50em; margin: 0 auto; padding: 0 1em;
  line-height: 1.5; }}
{_CSS}
</style>
</head>
<body>
{_nav(lessons, None)}
{_banner(smoke)}
<main>
<h1 id="lessons">tlwidgets: transfer learning, hands on</h1>
<p>The course's lessons, executed top to bottom in {mode} on {html.escape(built)}. Every
output is as the notebook left it; the widgets are shown in their final state, with their
controls disabled. To change a setting and run it again, open the notebook in JupyterLab
(<code>make lab</code>).</p>
<ol>{items}</ol>
</main>
</body>
</html>
"""


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"tlw_site.html.j2": _TEMPLATE})],
        template_file="tlw_site.html.j2",
    )
    return exporter


def _prepare_folder(out: Path) -> None:
    """Empty ``out`` for a new build, refusing a folder that holds something else."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise SiteError(
            f"{out} exists and is not a site built by tlwidgets (no {MARKER} in it); "
            "choose an empty or new folder with --out"
        )
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / MARKER).write_text("written by python -m tlwidgets.classroom.site\n")


def find_lessons(source: Path, names: Sequence[str] = ()) -> list[Path]:
    """The notebooks of ``source`` in order, or only those named (with or without .ipynb).

    Raises
    ------
    SiteError
        If a name matches no notebook (the message lists them).
    """
    notebooks = {path.stem: path for path in sorted(Path(source).glob("*.ipynb"))}
    unknown = [name for name in names if Path(name).stem not in notebooks]
    if unknown or not notebooks:
        raise SiteError(
            f"unknown notebook(s) {unknown} in {source}; choose from {sorted(notebooks)}"
        )
    return [notebooks[Path(name).stem] for name in names] if names else list(notebooks.values())


def build_site(
    source: Path = REPO / "notebooks",
    out: Path = REPO / "site",
    names: Sequence[str] = (),
    smoke: bool = False,
    timeout: int = CELL_TIMEOUT_S,
    log: bool = False,
) -> list[Lesson]:
    """Execute the lessons and write the static site to ``out``; check its links.

    Parameters
    ----------
    source
        The folder of the lesson notebooks.
    out
        The site's folder: created, or replaced if it holds an earlier build.
    names
        Build only these notebooks (file names or stems); all of ``source`` when empty.
    smoke
        Execute with ``TLW_SMOKE=1`` (tiny budgets, for tests); pages then say so.
    timeout
        Seconds one cell may run.
    log
        Print one line per lesson built, with its time.

    Returns
    -------
    list[Lesson]
        The lessons, in the order of the site's navigation.

    Raises
    ------
    SiteError
        If ``out`` holds something other than a site, or the built site has broken links,
        online resources or images without alt text (one line each).
    """
    notebooks = find_lessons(source, names)
    out = Path(out)
    _prepare_folder(out)
    lessons = [
        Lesson(path, f"{path.stem}.html", lesson_title(nbformat.read(path, 4), path.stem))
        for path in notebooks
    ]
    pages = {lesson.page for lesson in lessons}
    exporter = _exporter()
    for index, lesson in enumerate(lessons):
        start = time.perf_counter()
        notebook = execute_lesson(lesson.notebook, smoke=smoke, timeout=timeout)
        notebook.metadata["title"] = lesson.title
        prepare_lesson(notebook, pages)
        resources = {
            "metadata": {"name": lesson.title},
            "tlw_css": _CSS,
            "tlw_nav": _nav(lessons, index),
            "tlw_banner": _banner(smoke),
        }
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
        (out / lesson.page).write_text(body, encoding="utf-8")
        if log:
            seconds = time.perf_counter() - start
            print(f"{lesson.page:32} {seconds:6.1f} s", flush=True)
    built = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    (out / "index.html").write_text(_index_page(lessons, smoke, built), encoding="utf-8")
    problems = find_site_problems(out)
    if problems:
        raise SiteError(
            f"the site in {out} has {len(problems)} problem(s):\n" + "\n".join(problems)
        )
    return lessons


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tlwidgets.classroom.site",
        description="Execute the lessons and write them as a static HTML site, readable offline.",
    )
    parser.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    parser.add_argument("--source", type=Path, default=REPO / "notebooks", help="lesson folder")
    parser.add_argument("--out", type=Path, default=REPO / "site", help="site folder (replaced)")
    parser.add_argument("--smoke", action="store_true", help="run with TLW_SMOKE=1 (tests)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        lessons = build_site(args.source, args.out, args.notebooks, args.smoke, args.timeout, True)
    except SiteError as error:
        print(error, file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in args.out.rglob("*") if path.is_file())
    print(
        f"{args.out / 'index.html'}: {len(lessons)} lessons, {size / 1e6:.1f} MB, "
        f"built in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
