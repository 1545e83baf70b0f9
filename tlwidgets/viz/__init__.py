"""Static matplotlib figures: pure functions that return a ``matplotlib.figure.Figure``.

Figures are built with the object API on an Agg canvas (never ``pyplot``), so they are
safe to draw from a background thread and to save or convert to PNG bytes.
"""

from .grids import image_grid

__all__ = ["image_grid"]
