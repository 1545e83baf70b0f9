"""The figure every ``tlwidgets.viz`` function returns: Agg-backed, and shown by notebooks.

Figures are made with matplotlib's object API, never ``pyplot`` (which is not safe in the
background threads widgets draw from). Without pyplot, IPython does not know how to show a
bare ``Figure``, so this subclass tells it: ``_repr_png_`` makes the figure appear when it
is the last value of a cell, with no ``%matplotlib`` magic.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["CourseFigure", "new_figure", "png_bytes"]


def png_bytes(figure: Figure, dpi: float = 100) -> bytes:
    """Render ``figure`` to PNG bytes (e.g. for an ``ipywidgets.Image``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class CourseFigure(Figure):
    """A matplotlib ``Figure`` on an Agg canvas that displays itself in Jupyter."""

    def _repr_png_(self) -> bytes:
        return png_bytes(self)


def new_figure(**kwargs: Any) -> CourseFigure:
    """Create a :class:`CourseFigure` with its Agg canvas; ``kwargs`` go to ``Figure``."""
    figure = CourseFigure(**kwargs)
    FigureCanvasAgg(figure)
    return figure
