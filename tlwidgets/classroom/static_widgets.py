"""Draw a widget's saved state as plain HTML: how the static site shows widgets, with no JS.

A notebook executed with ``store_widget_state=True`` (nbclient) keeps every widget's last
state in its metadata, under ``application/vnd.jupyter.widget-state+json``: a mapping from
model id to ``{"model_name", "model_module", "state", "buffers"}``, where binary traits (an
``Image``'s PNG bytes) sit base64-encoded in ``buffers``. :func:`render_widget` turns one
model of that state, and its children, into HTML that shows the widget as it was when the
notebook finished: the last frame of a plot, the last status text, each slider's value,
the selected option. Controls come out disabled, since nothing runs behind a static page.

The core ipywidgets the course uses are drawn (boxes, tabs, HTML, labels, images, buttons,
sliders, dropdowns, toggle buttons, text fields, progress bars, the Output widget's
outputs); any other model (``ipycanvas``'s canvas, say) becomes a short note that it works
in the running notebook only.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["WIDGET_STATE_MIME", "WIDGET_VIEW_MIME", "render_widget"]

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
_REFERENCE = "IPY_MODEL_"  # how a widget's trait points at another model

Models = Mapping[str, Mapping[str, Any]]


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _model(models: Models, reference: Any) -> Mapping[str, Any] | None:
    """The saved model that ``reference`` (``"IPY_MODEL_<id>"`` or a bare id) names."""
    if not isinstance(reference, str):
        return None
    return models.get(reference.removeprefix(_REFERENCE))


def _buffer(model: Mapping[str, Any], trait: str) -> bytes | None:
    """The bytes of a binary ``trait``, which nbclient stores base64-encoded in ``buffers``."""
    for buffer in model.get("buffers", []):
        if list(buffer.get("path", [])) == [trait]:
            return base64.b64decode(buffer["data"])
    return None


def _is_hidden(models: Models, state: Mapping[str, Any]) -> bool:
    layout = _model(models, state.get("layout"))
    layout_state = layout.get("state", {}) if layout else {}
    return layout_state.get("display") == "none" or layout_state.get("visibility") == "hidden"


def _title(state: Mapping[str, Any]) -> str:
    tooltip = state.get("tooltip") or state.get("description_tooltip")
    return f' title="{_esc(tooltip)}"' if tooltip else ""


def _label(state: Mapping[str, Any]) -> str:
    description = state.get("description")
    return f'<span class="tlw-w-description">{_esc(description)}</span>' if description else ""


def _format(value: Any, spec: str | None) -> str:
    """``value`` with the widget's readout format (d3 formats are mostly Python's)."""
    try:
        return format(value, spec) if spec else str(value)
    except (TypeError, ValueError):
        return str(value)


class _Renderer:
    """Walks one saved widget tree; ``image_alt`` is used for images without a tooltip."""

    def __init__(self, models: Models, image_alt: str) -> None:
        self.models = models
        self.image_alt = image_alt
        self.drawers: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], str]] = {
            "BoxModel": self.box,
            "HBoxModel": self.box,
            "VBoxModel": self.box,
            "GridBoxModel": self.box,
            "TabModel": self.tabs,
            "AccordionModel": self.tabs,
            "StackModel": self.stack,
            "HTMLModel": self.html,
            "HTMLMathModel": self.html,
            "LabelModel": self.label,
            "ImageModel": self.image,
            "ButtonModel": self.button,
            "ToggleButtonModel": self.button,
            "CheckboxModel": self.checkbox,
            "IntSliderModel": self.slider,
            "FloatSliderModel": self.slider,
            "FloatLogSliderModel": self.slider,
            "IntRangeSliderModel": self.range_slider,
            "FloatRangeSliderModel": self.range_slider,
            "DropdownModel": self.dropdown,
            "SelectModel": self.dropdown,
            "RadioButtonsModel": self.toggle_buttons,
            "ToggleButtonsModel": self.toggle_buttons,
            "TextModel": self.text,
            "IntTextModel": self.text,
            "FloatTextModel": self.text,
            "BoundedIntTextModel": self.text,
            "BoundedFloatTextModel": self.text,
            "TextareaModel": self.textarea,
            "IntProgressModel": self.progress,
            "FloatProgressModel": self.progress,
            "OutputModel": self.output,
        }

    def render(self, reference: Any) -> str:
        model = _model(self.models, reference)
        if model is None:
            return '<div class="tlw-w-missing">(This widget\'s state was not saved.)</div>'
        state = model.get("state", {})
        if _is_hidden(self.models, state):
            return ""
        name = model.get("model_name") or state.get("_model_name", "")
        drawer = self.drawers.get(name)
        if drawer is None:
            kind = str(name).removesuffix("Model") or "interactive"
            return (
                f'<div class="tlw-w-missing">(A {_esc(kind)} widget: it works in the running '
                "notebook only.)</div>"
            )
        return drawer(model, state)

    def children(self, state: Mapping[str, Any]) -> list[str]:
        return [self.render(child) for child in state.get("children", [])]

    def box(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        kind = {"HBoxModel": "hbox", "VBoxModel": "vbox"}.get(model.get("model_name"), "box")
        inner = "".join(self.children(state))
        return f'<div class="tlw-w-box tlw-w-{kind}">{inner}</div>'

    def tabs(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        # A static page cannot switch tabs, so every tab is shown under its title.
        titles = list(state.get("titles") or [])
        selected = state.get("selected_index")
        sections = []
        for index, child in enumerate(self.children(state)):
            title = titles[index] if index < len(titles) and titles[index] else f"Tab {index + 1}"
            mark = " (selected)" if index == selected else ""
            sections.append(
                f'<section class="tlw-w-tab"><div class="tlw-w-tab-title">{_esc(title)}{mark}'
                f"</div>{child}</section>"
            )
        return f'<div class="tlw-w-tabs">{"".join(sections)}</div>'

    def stack(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        children = self.children(state)
        selected = state.get("selected_index")
        return children[selected] if isinstance(selected, int) and selected < len(children) else ""

    def html(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        # The value is HTML the course's own widgets wrote: shown as is.
        return (
            f'<div class="tlw-w-html"{_title(state)}>{_label(state)}{state.get("value", "")}</div>'
        )

    def label(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        return f'<span class="tlw-w-label"{_title(state)}>{_esc(state.get("value", ""))}</span>'

    def image(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        data = _buffer(model, "value")
        if not data:
            return ""
        image_format = state.get("format") or "png"
        mime = "image/svg+xml" if image_format == "svg+xml" else f"image/{image_format}"
        # a PlotImage's alt (tlwidgets.widgets.figure_image) says what the plot shows
        alt = state.get("alt") or state.get("tooltip") or state.get("description") or self.image_alt
        size = "".join(
            f' {key}="{_esc(state[key])}"' for key in ("width", "height") if state.get(key)
        )
        source = base64.b64encode(data).decode("ascii")
        return (
            f'<img class="tlw-w-image" src="data:{mime};base64,{source}" alt="{_esc(alt)}"{size}>'
        )

    def button(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        pressed = ""
        if model.get("model_name") == "ToggleButtonModel":
            pressed = f' aria-pressed="{"true" if state.get("value") else "false"}"'
        text = _esc(state.get("description") or state.get("tooltip") or "button")
        attributes = f"{pressed}{_title(state)}"
        return f'<button type="button" class="tlw-w-button" disabled{attributes}>{text}</button>'

    def checkbox(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        checked = " checked" if state.get("value") else ""
        return (
            f'<label class="tlw-w-control"{_title(state)}><input type="checkbox" disabled'
            f"{checked}> {_esc(state.get('description', ''))}</label>"
        )

    def slider(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        value = state.get("value", 0)
        low, high, step = state.get("min", 0), state.get("max", 100), state.get("step", 1)
        position = value
        if model.get("model_name") == "FloatLogSliderModel":
            # min, max and step are exponents of ``base``; value is the number itself.
            base = state.get("base", 10)
            position = math.log(value, base) if value and value > 0 else low
        readout = _format(value, state.get("readout_format"))
        return (
            f'<label class="tlw-w-control"{_title(state)}>{_label(state)}'
            f'<input type="range" disabled min="{_esc(low)}" max="{_esc(high)}" '
            f'step="{_esc(step)}" value="{_esc(position)}">'
            f'<output class="tlw-w-readout">{_esc(readout)}</output></label>'
        )

    def range_slider(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        value = state.get("value") or [None, None]
        spec = state.get("readout_format")
        readout = f"{_format(value[0], spec)} – {_format(value[1], spec)}"
        return (
            f'<span class="tlw-w-control"{_title(state)}>{_label(state)}'
            f'<output class="tlw-w-readout">{_esc(readout)}</output></span>'
        )

    def _options(self, state: Mapping[str, Any]) -> tuple[list[str], Any]:
        return list(state.get("_options_labels") or []), state.get("index")

    def dropdown(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        labels, index = self._options(state)
        options = "".join(
            f"<option{' selected' if i == index else ''}>{_esc(text)}</option>"
            for i, text in enumerate(labels)
        )
        return (
            f'<label class="tlw-w-control"{_title(state)}>{_label(state)}'
            f"<select disabled>{options}</select></label>"
        )

    def toggle_buttons(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        labels, index = self._options(state)
        buttons = "".join(
            f'<button type="button" class="tlw-w-button" disabled '
            f'aria-pressed="{"true" if i == index else "false"}">{_esc(text)}</button>'
            for i, text in enumerate(labels)
        )
        return (
            f'<span class="tlw-w-control" role="group"{_title(state)}>{_label(state)}'
            f"{buttons}</span>"
        )

    def text(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        return (
            f'<label class="tlw-w-control"{_title(state)}>{_label(state)}'
            f'<input type="text" disabled value="{_esc(state.get("value", ""))}"></label>'
        )

    def textarea(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        return (
            f'<label class="tlw-w-control"{_title(state)}>{_label(state)}'
            f"<textarea disabled>{_esc(state.get('value', ''))}</textarea></label>"
        )

    def progress(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        low, high, value = state.get("min", 0), state.get("max", 100), state.get("value", 0)
        return (
            f'<label class="tlw-w-control"{_title(state)}>{_label(state)}'
            f'<progress max="{_esc(high - low)}" value="{_esc(value - low)}"></progress></label>'
        )

    def output(self, model: Mapping[str, Any], state: Mapping[str, Any]) -> str:
        parts = []
        for output in state.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(f"<pre>{_esc(output.get('text', ''))}</pre>")
                continue
            data = output.get("data", {})
            if WIDGET_VIEW_MIME in data:
                parts.append(self.render(data[WIDGET_VIEW_MIME].get("model_id")))
            elif "text/html" in data:
                parts.append(_joined(data["text/html"]))
            elif "image/png" in data:
                alt = (output.get("metadata", {}).get("image/png") or {}).get("alt")
                parts.append(
                    f'<img src="data:image/png;base64,{_joined(data["image/png"]).strip()}" '
                    f'alt="{_esc(alt or self.image_alt)}">'
                )
            elif "text/plain" in data:
                parts.append(f"<pre>{_esc(_joined(data['text/plain']))}</pre>")
        return f'<div class="tlw-w-output">{"".join(parts)}</div>'


def _joined(value: str | list[str]) -> str:
    return "".join(value) if isinstance(value, list) else value


def render_widget(models: Models, model_id: str, image_alt: str = "A plot") -> str:
    """HTML showing the saved widget ``model_id`` (and its children) in its last state.

    Parameters
    ----------
    models
        The ``"state"`` mapping of a notebook's saved widget state: model id to
        ``{"model_name", "model_module", "state", "buffers"}``.
    model_id
        The widget to draw (the ``model_id`` of a widget-view output).
    image_alt
        Alternative text for the widget's images that carry no tooltip of their own.

    Returns
    -------
    str
        A ``<div class="tlw-widget">`` holding the widget as static HTML.
    """
    inner = _Renderer(models, image_alt).render(model_id)
    return f'<div class="tlw-widget">{inner}</div>'
