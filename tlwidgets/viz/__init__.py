"""Static matplotlib figures: pure functions that return a ``matplotlib.figure.Figure``.

Figures are built with the object API on an Agg canvas (never ``pyplot``), so they are
safe to draw from a background thread and to save or convert to PNG bytes.
"""

from .adaptation import alignment_picture
from .confusion import confusion_plot
from .curves import Series, bar_chart, curve_plot
from .figure import CourseFigure, new_figure, png_bytes
from .filters import draw_filters_and_activations, filter_tiles, filters_and_activations, mosaic
from .grids import image_grid
from .palette import MARKERS, PALETTE, use_palette
from .scatter import (
    add_projection_legend,
    class_colours,
    class_markers,
    draw_neighbours,
    draw_projection,
    neighbour_strip,
    projection_scatter,
)
from .similarity import similarity_matrix

__all__ = [
    "MARKERS",
    "PALETTE",
    "CourseFigure",
    "Series",
    "add_projection_legend",
    "alignment_picture",
    "bar_chart",
    "class_colours",
    "class_markers",
    "confusion_plot",
    "curve_plot",
    "draw_filters_and_activations",
    "draw_neighbours",
    "draw_projection",
    "filter_tiles",
    "filters_and_activations",
    "image_grid",
    "mosaic",
    "neighbour_strip",
    "new_figure",
    "png_bytes",
    "projection_scatter",
    "similarity_matrix",
    "use_palette",
]
