"""The widgets of a :class:`~tlwidgets.widgets.DomainShiftExplorer`, built and laid out.

The explorer wires them to what they do; this module only makes them (each with a
description, a tooltip and a ``tlw-shift-*`` CSS class a browser test can find) and keeps
the ones that would race with a run in one place.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from ..data.shift import Shift
from ..train.adaptation import AdaptConfig
from .figure_image import FigureImage
from .screen_reader import panel_box
from .shift_points import METHOD_LABELS, SHIFT_CONTROLS

__all__ = ["ShiftPanel"]

STYLE = {"description_width": "initial"}


class ShiftPanel:
    """Shift sliders, "Curve along", method, epochs, Adapt/Stop/Reset, status and plots.

    Parameters
    ----------
    methods
        The adaptation methods the Method dropdown offers.
    device
        Where training runs (shown as text).
    draw_samples, draw_curves
        ``draw(figure)`` of the shifted samples and of the accuracy/separability curves.
    """

    def __init__(
        self,
        methods: Sequence[str],
        device: torch.device,
        draw_samples: Callable[[Figure], None],
        draw_curves: Callable[[Figure], None],
    ):
        wide = widgets.Layout(width="320px")
        self.sliders = {c.name: c.slider(style=STYLE, layout=wide) for c in SHIFT_CONTROLS}
        self.sweep = widgets.Dropdown(
            options=[(control.description, control.name) for control in SHIFT_CONTROLS],
            description="Curve along",
            tooltip="The shift control the curves run along (the others stay where they are)",
            style=STYLE,
            layout=wide,
        )
        self.method = widgets.Dropdown(
            options=[(METHOD_LABELS[name], name) for name in methods],
            description="Method",
            tooltip="AdaBN: re-estimate BatchNorm on the target; Deep CORAL / MMD: align feature "
            "statistics; DANN: a domain discriminator behind gradient reversal; self-training: "
            "confident pseudo-labels; oracle: train on the target's labels (the upper bound)",
            style=STYLE,
            layout=wide,
        )
        self.epochs = widgets.IntSlider(
            min=1,
            max=50,
            description="Epochs",
            tooltip="Passes over the source while adapting (and training the source model)",
            style=STYLE,
            layout=wide,
        )
        self.adapt_button = widgets.Button(
            description="Adapt",
            icon="play",
            button_style="primary",
            tooltip="Train a model with the method on the source and the shifted target",
        )
        self.stop_button = widgets.Button(
            description="Stop",
            icon="stop",
            button_style="warning",
            tooltip="End the run after the current batch (what it reached is kept as 'stopped')",
        )
        self.reset_button = widgets.Button(
            description="Reset", icon="trash", tooltip="Clear every point; sliders back to no shift"
        )
        self.device_label = widgets.Label(f"Device: {device}", tooltip="Where training runs")
        self.progress = widgets.FloatProgress(
            min=0.0, max=1.0, description="Progress", tooltip="Steps done of the run", style=STYLE
        )
        self.status = widgets.HTML(tooltip="What the explorer is doing")
        self.metrics = widgets.HTML(tooltip="The numbers at the current shift")
        self.samples = FigureImage(
            draw_samples,
            alt="Target images under the shift the sliders set, each with its label (and the "
            "model's guess)",
            figsize=(5.6, 1.8),
        )
        self.curves = FigureImage(
            draw_curves,
            alt="Target accuracy and domain separability along the chosen shift, per method "
            "(the metrics above have the numbers at this shift)",
            figsize=(8.0, 3.0),
        )
        for widget, name in (
            (self.sweep, "sweep"),
            (self.progress, "progress"),
            (self.status, "status"),
            (self.metrics, "metrics"),
            (self.samples.widget, "samples"),
            (self.curves.widget, "curves"),
        ):
            widget.add_class(f"tlw-shift-{name}")
        # Everything but Stop and "Curve along" would race with a run (its shift, its
        # settings, the points), so it is disabled while one is active.
        self.race_controls = (
            *self.sliders.values(),
            self.method,
            self.epochs,
            self.adapt_button,
            self.reset_button,
        )
        self.set_running(False)
        buttons = [self.adapt_button, self.stop_button, self.reset_button, self.device_label]
        self.widget = panel_box(
            [
                widgets.HBox(
                    [widgets.VBox([*self.sliders.values(), self.sweep]), self.samples.widget]
                ),
                widgets.HBox([self.method, self.epochs]),
                widgets.HBox(buttons),
                self.progress,
                self.status,
                self.metrics,
                self.curves.widget,
            ],
            announce=[self.status],
        )
        self.widget.add_class("tlw-shift-explorer")

    @property
    def shift(self) -> Shift:
        """The shift the sliders describe now (float noise of the steps rounded away)."""
        values = {name: round(float(slider.value), 4) for name, slider in self.sliders.items()}
        return Shift(**{**values, "resolution": int(self.sliders["resolution"].value)})

    def show_config(self, config: AdaptConfig) -> None:
        """Set Method and Epochs to ``config`` (widening the epochs range if needed)."""
        self.method.value = config.method
        self.epochs.max = max(self.epochs.max, config.epochs)
        self.epochs.value = config.epochs

    def set_running(self, running: bool) -> None:
        """Disable what would race with a run (enable Stop), or the other way round."""
        for control in self.race_controls:
            control.disabled = running
        self.stop_button.disabled = not running

    def set_status(self, text: str) -> None:
        """Show ``text`` (plain text, escaped) in the status line."""
        self.status.value = html.escape(text, quote=False)
