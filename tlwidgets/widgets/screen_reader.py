"""What ipywidgets 8 leaves out for screen readers: slider and picture names, spoken status.

ipywidgets draws a slider as a ``role="slider"`` handle (noUiSlider) beside a ``<label>`` that
is not tied to it, and a contenteditable readout with no name: a screen reader says "slider,
0.5" and not what it sets. An ``Image`` has no ``alt`` (and a tooltip breaks its view), and a
status line is a plain ``<div>`` whose new text nobody hears.

:class:`ScreenReaderAid` mends all three from inside a panel: it is an invisible child of the
panel's box (an anywidget, so it works in JupyterLab, Notebook and Voila, offline: its code
is the string below) that names every slider handle and readout after the slider's
``description`` (or its tooltip), gives each picture it was told about its ``alt`` text, and
makes each widget it was told to ``announce`` (a status line) a polite live region
(``role="status"``), so "Run 2 completed" is read aloud. It watches the panel, so what is
drawn later (a tab opened, a new plot) is mended too. :func:`panel_box` builds a panel's box
with its aid, finding the pictures itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["ANNOUNCE_CLASS", "ScreenReaderAid", "panel_box"]

ANNOUNCE_CLASS = "tlw-announce"  # the widgets whose new text a screen reader reads aloud
PICTURE_CLASS = "tlw-picture-{number}"  # the aid's handle on the panel's picture ``number``

# Runs in the browser. `el` is this widget's own (hidden) element; its parent is the panel's
# box. ipywidgets draws children asynchronously, so a MutationObserver mends what appears.
_ESM = """
function setAttribute(element, name, value) {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function nameSliders(panel) {
  for (const slider of panel.querySelectorAll(".widget-slider")) {
    const label = slider.querySelector(".widget-label");
    const name = (label && label.textContent.trim()) || slider.title.trim();
    if (!name) continue;
    for (const handle of slider.querySelectorAll("[role=slider]")) {
      setAttribute(handle, "aria-label", name);
    }
    const readout = slider.querySelector(".widget-readout");
    if (readout) {
      setAttribute(readout, "role", "textbox");
      setAttribute(readout, "aria-label", `${name}, value`);
    }
  }
}

function namePictures(panel, pictures) {
  for (const [css, alt] of pictures) {
    for (const picture of panel.querySelectorAll(`img.${CSS.escape(css)}`)) {
      setAttribute(picture, "alt", alt);
      setAttribute(picture, "title", alt);
    }
  }
}

function announceStatus(panel) {
  for (const line of panel.querySelectorAll(".ANNOUNCE_CLASS")) {
    setAttribute(line, "role", "status");
  }
}

export default {
  render({ model, el }) {
    el.hidden = true;
    let observer = null;
    let frame = 0;
    const attach = () => {
      const panel = el.parentElement && el.parentElement.closest(".widget-box");
      if (!panel) {
        frame = requestAnimationFrame(attach);  // not in the page yet
        return;
      }
      const mend = () => {
        nameSliders(panel);
        namePictures(panel, model.get("pictures"));
        announceStatus(panel);
      };
      mend();
      observer = new MutationObserver(mend);
      observer.observe(panel, { childList: true, subtree: true, characterData: true });
    };
    attach();
    return () => {
      cancelAnimationFrame(frame);
      if (observer) observer.disconnect();
    };
  },
};
""".replace("ANNOUNCE_CLASS", ANNOUNCE_CLASS)


class ScreenReaderAid(anywidget.AnyWidget):
    """An invisible child of a panel's box that names its sliders and pictures, voices status.

    Parameters
    ----------
    announce
        The panel's status widgets (``ipywidgets.HTML``): each gets the CSS class
        :data:`ANNOUNCE_CLASS` and becomes a polite live region, read aloud when it changes.
    pictures
        The panel's plots, each a :class:`~tlwidgets.widgets.figure_image.PlotImage` whose
        ``alt`` says what it shows: that text becomes the picture's alt (and title) on the page.

    Put it last in the panel's box, or let :func:`panel_box` do it.
    """

    _esm = _ESM
    pictures = traitlets.List(traitlets.Tuple(traitlets.Unicode(), traitlets.Unicode())).tag(
        sync=True
    )

    def __init__(
        self, announce: Iterable[widgets.DOMWidget] = (), pictures: Iterable[widgets.Image] = ()
    ) -> None:
        named = []
        for number, picture in enumerate(pictures):
            alt = getattr(picture, "alt", "")
            if not alt:
                raise ValueError(
                    "each picture needs words for what it shows: use a PlotImage with `alt` "
                    "(FigureImage(draw, alt=...) makes one)"
                )
            css = PICTURE_CLASS.format(number=number)
            picture.add_class(css)
            named.append((css, alt))
        super().__init__(pictures=named)
        self.layout.display = "none"  # takes no room; its code still runs
        for widget in announce:
            widget.add_class(ANNOUNCE_CLASS)


def _walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """``widget`` and everything inside it (the children of boxes and tabs), depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def panel_box(
    children: Sequence[widgets.Widget], announce: Iterable[widgets.DOMWidget]
) -> widgets.VBox:
    """``widgets.VBox(children)`` with a :class:`ScreenReaderAid` last, for every picture in it.

    ``announce`` are the status lines to read aloud; the pictures are the ``Image`` widgets
    found inside ``children`` (tabs included), each a ``PlotImage`` named after its ``alt``.
    """
    pictures = [
        widget for child in children for widget in _walk(child) if isinstance(widget, widgets.Image)
    ]
    return widgets.VBox([*children, ScreenReaderAid(announce=announce, pictures=pictures)])
