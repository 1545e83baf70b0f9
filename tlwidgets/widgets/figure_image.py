"""A matplotlib figure shown in an ``ipywidgets.Image``, redrawn at most a few times a second.

Drawing uses the object API on an Agg canvas (never pyplot), so it is safe from the
training thread; setting the Image's bytes from a thread updates the page live. Throttling
keeps plotting from slowing training down: at most ``max_fps`` redraws a second, and never
more than ``max_busy`` of the time (a 50 ms redraw then waits at least 1 s for the next).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import ipywidgets as widgets
import traitlets
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..viz.figure import new_figure, png_bytes

__all__ = ["FigureImage", "PlotImage", "draw_placeholder"]


class PlotImage(widgets.Image):
    """An ``ipywidgets.Image`` that knows, in words, what it shows: ``alt``.

    ipywidgets 8's Image has no alt text, and a ``tooltip`` breaks its view (the view reads
    the ``description`` an Image does not have), so
    :class:`~tlwidgets.widgets.screen_reader.ScreenReaderAid` puts ``alt`` on the page. It is
    synced (the Image view ignores it), so a saved widget state has it too: the static site's
    pictures of widgets take their alt text from it.
    """

    alt = traitlets.Unicode("").tag(sync=True)


class FigureImage:
    """Keeps one figure and its PNG in ``widget`` (an ``ipywidgets.Image``).

    Parameters
    ----------
    draw
        ``draw(figure)`` draws the current state onto a cleared figure.
    alt
        What the picture shows, in words, for screen readers (the ``<img>``'s alt text, and
        its tooltip): what is plotted; the numbers themselves are in the panel's text.
    figsize
        Inches (width, height).
    dpi
        Resolution of the PNG.
    max_fps
        At most this many redraws per second from :meth:`refresh` (``force`` ignores it).
    max_busy
        Largest fraction of wall-clock time :meth:`refresh` may spend drawing.
    """

    def __init__(
        self,
        draw: Callable[[Figure], None],
        *,
        alt: str,
        figsize: tuple[float, float] = (6.0, 3.0),
        dpi: float = 80,
        max_fps: float = 5.0,
        max_busy: float = 0.05,
    ):
        self.draw = draw
        self.dpi = dpi
        self.min_interval = 1.0 / max_fps
        self.max_busy = max_busy
        self.figure = new_figure(figsize=figsize)
        self.widget = PlotImage(format="png", alt=alt)
        self.redraws = 0  # how many times the picture was drawn (tests, benchmarks)
        self._next = float("-inf")  # perf_counter time before which refresh() skips
        self._lock = threading.Lock()

    def refresh(self, force: bool = False) -> bool:
        """Redraw now if the throttle allows it (always with ``force``); True if redrawn."""
        start = time.perf_counter()
        if not force and start < self._next:
            return False
        with self._lock:
            self.figure.clear()
            self.draw(self.figure)
            self.widget.value = png_bytes(self.figure, dpi=self.dpi)
            self.redraws += 1
            took = time.perf_counter() - start
            self._next = start + max(self.min_interval, took / self.max_busy)
        return True


def draw_placeholder(axes: Axes, text: str) -> None:
    """Write ``text`` in grey in the middle of ``axes``: what will appear in the empty plot."""
    axes.text(0.5, 0.5, text, ha="center", va="center", transform=axes.transAxes, color="grey")
