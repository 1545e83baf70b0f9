"""The figure every ``tlwidgets.viz`` function returns: Agg-backed, and shown by notebooks.

Figures are made with matplotlib's object API, never ``pyplot`` (which is not safe in the
background threads widgets draw from). Without pyplot, IPython does not know how to show a
bare ``Figure``, so this subclass tells it: ``_repr_png_`` makes the figure appear when it
is the last value of a cell, with no ``%matplotlib`` magic; ``_repr_mimebundle_`` adds an
``alt`` text (:func:`alt_text`) to its metadata, which the static site (``make site``) uses.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["CourseFigure", "alt_text", "new_figure", "png_bytes"]


def png_bytes(figure: Figure, dpi: float = 100) -> bytes:
    """Render ``figure`` to PNG bytes (e.g. for an ``ipywidgets.Image``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def alt_text(figure: Figure, max_panels: int = 6) -> str:
    """A one-line description of ``figure`` for screen readers: its title and its panels'."""
    title = " ".join(figure._suptitle.get_text().split()) if figure._suptitle is not None else ""
    panels = [
        " ".join(" ".join(ax.get_title(loc) for loc in ("left", "center", "right")).split())
        for ax in figure.axes
    ]
    panels = [panel for panel in panels if panel]
    if not title and len(panels) == 1:
        return f"Figure: {panels[0].rstrip('.')}."
    words = [title.rstrip(".")] if title else []
    if len(panels) > max_panels:
        words.append(f"{len(panels)} panels: {'; '.join(panels[:3])}; ...")
    elif panels:
        words.append(f"panels: {'; '.join(panels)}")
    if not words:
        words.append(f"a figure with {len(figure.axes)} panel(s)")
    return "Figure: " + ", ".join(words) + "."


class CourseFigure(Figure):
    """A matplotlib ``Figure`` on an Agg canvas that displays itself in Jupyter."""

    def _repr_png_(self) -> bytes:
        return png_bytes(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        # What IPython displays: the PNG, with alt text in its metadata for the static site.
        return {"image/png": png_bytes(self)}, {"image/png": {"alt": alt_text(self)}}


def new_figure(**kwargs: Any) -> CourseFigure:
    """Create a :class:`CourseFigure` with its Agg canvas; ``kwargs`` go to ``Figure``."""
    figure = CourseFigure(**kwargs)
    FigureCanvasAgg(figure)
    return figure
