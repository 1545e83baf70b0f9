"""The controls of a panel that trains in the background: Start, Stop, Reset, progress, status.

:class:`RunControls` builds them (each with a tooltip; the progress bar and the status line
with a CSS class a browser test can find), disables the settings that would race with a run
while one is active, and shows how the run goes. The panel that owns them wires the buttons
to what they do and lays them out.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets
import torch

__all__ = ["RunControls"]

STYLE = {"description_width": "initial"}


class RunControls:
    """Start/Stop/Reset buttons, a device label, a progress bar and a status line.

    Parameters
    ----------
    start
        The Start button's text, e.g. "Train" or "Run".
    device
        Where training runs (shown as text).
    settings
        The panel's settings (sliders, dropdowns, ...): they would race with a run, so they
        are disabled while one is active, as are Start and Reset.
    stop_tooltip
        What Stop does to a run, e.g. "End the run after the current batch".
    status_tooltip
        What the status line reports, e.g. "What the lab is doing".
    css_prefix
        The progress bar gets the CSS class ``css_prefix + "progress"``, the status line
        ``css_prefix + "status"``.

    Attributes
    ----------
    start_button, stop_button, reset_button : ipywidgets.Button
        The buttons; the panel handles their clicks.
    device_label : ipywidgets.Label
        "Device: cpu" (or cuda, mps).
    buttons : ipywidgets.HBox
        The three buttons and the device label in a row, for the panel's layout.
    progress : ipywidgets.FloatProgress
        The share of the run's steps done, in [0, 1]; its colour says how the run went.
    status : ipywidgets.HTML
        One line of text: what the panel is doing, or the last error.
    locked : bool
        True while a run is active (the settings are disabled).
    """

    def __init__(
        self,
        start: str,
        device: torch.device,
        settings: Sequence[widgets.DOMWidget],
        *,
        stop_tooltip: str,
        status_tooltip: str,
        css_prefix: str,
    ):
        self.start_button = widgets.Button(
            description=start, icon="play", button_style="primary", tooltip="Start a run"
        )
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", button_style="warning", tooltip=stop_tooltip
        )
        self.reset_button = widgets.Button(
            description="Reset", icon="trash", tooltip="Clear the runs table and the plots"
        )
        self.device_label = widgets.Label(
            f"Device: {device}", tooltip="Where training runs (autocast on CUDA)"
        )
        self.progress = widgets.FloatProgress(
            min=0.0,
            max=1.0,
            description="Progress",
            tooltip="Steps done of the run",
            style=STYLE,
            layout=widgets.Layout(width="500px"),
        )
        self.progress.add_class(f"{css_prefix}progress")
        self.status = widgets.HTML(description="", tooltip=status_tooltip)
        self.status.add_class(f"{css_prefix}status")
        self.buttons = widgets.HBox(
            [self.start_button, self.stop_button, self.reset_button, self.device_label]
        )
        self._race_controls = (*settings, self.start_button, self.reset_button)
        self.locked = False
        self.set_running(False)

    def set_running(self, running: bool) -> None:
        """Disable what would race with a run (enable Stop), or the other way round."""
        self.locked = running
        for control in self._race_controls:
            control.disabled = running
        self.stop_button.disabled = not running

    def set_status(self, text: str) -> None:
        """Show ``text`` (plain text, escaped) in the status line."""
        self.status.value = html.escape(text, quote=False)

    def show_error(self, message: str) -> None:
        """Show "Error: ``message``" and colour the progress bar red."""
        self.set_status(f"Error: {message}")
        self.progress.bar_style = "danger"

    def show_started(self, text: str) -> None:
        """A run starts: an empty blue progress bar, and ``text`` in the status line."""
        self.progress.value = 0.0
        self.progress.bar_style = "info"
        self.set_status(text)

    def show_finished(self, status: str) -> None:
        """A run ended with ``status``: a full green bar if "completed", else orange as it is."""
        if status == "completed":
            self.progress.value = 1.0
        self.progress.bar_style = "success" if status == "completed" else "warning"

    def clear_progress(self) -> None:
        """An empty, uncoloured progress bar (no run yet)."""
        self.progress.value = 0.0
        self.progress.bar_style = ""
