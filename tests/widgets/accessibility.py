"""What every widget test checks for screen-reader and keyboard users: named controls.

ipywidgets' core controls are reachable with Tab in JupyterLab and operable with the keyboard;
what a panel must add is a name for each: a control's ``description`` is rendered as its
label (a button's is its text, so no button is icon-only), and its ``tooltip`` its title.
A slider's label is not tied to its handle in the browser, so every panel's box also holds a
:class:`~tlwidgets.widgets.screen_reader.ScreenReaderAid` (the browser tests check the names
that reach the accessibility tree: ``tests/browser/screen_reader.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as widgets

from tlwidgets.widgets.screen_reader import ScreenReaderAid

# Value widgets that only show something: they take no input, so they need no name.
DISPLAY_ONLY = (
    widgets.HTML,
    widgets.HTMLMath,
    widgets.Label,
    widgets.Image,
    widgets.FloatProgress,
    widgets.IntProgress,
)


def walk(root: widgets.Widget) -> Iterator[widgets.Widget]:
    """``root`` and every widget inside it, depth first (the children of boxes and tabs)."""
    yield root
    for child in getattr(root, "children", ()):
        yield from walk(child)


def is_control(widget: widgets.Widget) -> bool:
    """True for a widget a learner operates: a button, slider, dropdown, text box, ..."""
    return isinstance(widget, widgets.Button | widgets.ValueWidget) and not isinstance(
        widget, DISPLAY_ONLY
    )


def unnamed_controls(root: widgets.Widget) -> list[str]:
    """A line for each control under ``root`` without a name or tooltip; [] when all have.

    Also checked: every option of a ToggleButtons has a text and a tooltip, every tab of a
    Tab a title (they are what a screen reader reads for those buttons), and ``root`` holds a
    ScreenReaderAid among its children (it names the sliders in the browser).
    """
    problems = []
    if not any(isinstance(child, ScreenReaderAid) for child in getattr(root, "children", ())):
        problems.append(f"{type(root).__name__}: no ScreenReaderAid among its children")
    for widget in walk(root):
        kind = type(widget).__name__
        if isinstance(widget, widgets.Tab):
            titles = list(widget.titles) + [""] * (len(widget.children) - len(widget.titles))
            problems += [f"{kind}: tab {i} has no title" for i, t in enumerate(titles) if not t]
        if not is_control(widget):
            continue
        name = (widget.description or "").strip()
        if not name:
            problems.append(f"{kind} {widget.model_id}: no description (accessible name)")
        if not (widget.tooltip or "").strip():
            problems.append(f"{kind} {name or widget.model_id!r}: no tooltip")
        if isinstance(widget, widgets.ToggleButtons):
            labels = [str(label).strip() for label in widget._options_labels]
            tips = list(widget.tooltips)
            if not all(labels) or len(tips) != len(labels) or not all(tips):
                problems.append(f"{kind} {name!r}: an option without a text or tooltip")
    return problems


def controls(root: widgets.Widget) -> list[widgets.Widget]:
    """The controls under ``root``, in the order they appear in the panel."""
    return [widget for widget in walk(root) if is_control(widget)]
