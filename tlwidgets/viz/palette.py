"""The course's colours and marker shapes, safe for colour-blind readers.

Every figure that tells categories apart (classes, domains, series, right vs wrong) takes its
colours from :data:`PALETTE`: the Okabe-Ito colours (Okabe & Ito 2002, "Color universal
design"), which stay distinct under protanopia, deuteranopia and tritanopia
(``tests/viz/test_palette.py`` checks it). Black is left out, as it draws highlights, lines
and text, and so is Okabe-Ito's yellow, which vanishes on white: Paul Tol's wine takes its
place. Colour is never the only cue: classes also get a marker shape (:data:`MARKERS`),
right and wrong a mark (:data:`MATCH_MARK`, :data:`MISMATCH_MARK`).
"""

from __future__ import annotations

from collections.abc import Iterable

from matplotlib.axes import Axes

__all__ = [
    "MARKERS",
    "MATCH",
    "MATCH_MARK",
    "MISMATCH",
    "MISMATCH_MARK",
    "PALETTE",
    "use_palette",
]

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#882255",  # wine (Paul Tol's; Okabe-Ito's yellow is too faint on white)
)
# Ten shapes, one per class up to ten classes; with 7 colours, every (colour, shape) pair is
# different up to 70 classes. No star: it marks the picked point.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "p", "h", "<")
MATCH, MISMATCH = PALETTE[0], PALETTE[3]  # same class / another class: blue / vermillion
MATCH_MARK, MISMATCH_MARK = "\N{CHECK MARK}", "\N{BALLOT X}"  # the same, without colour


def use_palette(axes: Axes | Iterable[Axes]) -> None:
    """Make lines drawn without a colour on ``axes`` take the :data:`PALETTE` in turn."""
    for ax in [axes] if isinstance(axes, Axes) else axes:
        ax.set_prop_cycle(color=list(PALETTE))
