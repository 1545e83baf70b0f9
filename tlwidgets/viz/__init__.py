"""Static matplotlib figures: pure functions that return a ``matplotlib.figure.Figure``.

Figures are built with the object API on an Agg canvas (never ``pyplot``), so they are
safe to draw from a background thread and to save or convert to PNG bytes.
"""

from .figure import CourseFigure, new_figure, png_bytes
from .grids import image_grid

__all__ = ["CourseFigure", "image_grid", "new_figure", "png_bytes"]
