"""EpisodePlayground: play few-shot episodes one by one and feel one-shot learning first-hand.

Choose N (classes per episode), K (labelled examples per class) and a few-shot method, then
press New episode: the support set is shown one row per class, the method labels the query
images, each marked right (✓, framed blue) or wrong (✗, vermillion), and the running
accuracy over the episodes played so far is shown with its 95% confidence interval::

    glyphs = load_glyphs("evaluation", "all")       # characters the backbone never saw
    playground = EpisodePlayground(glyphs, load_pretrained("glyphs-resnet"))
    playground                                      # the panel
    playground.new_episode()                        # 0.96: this episode's query accuracy
    playground.run_episodes(20)
    playground.accuracy                             # EpisodeScore: mean ± ci95 over 21

The "Draw your own" tab lets the learner draw a few examples of new symbols with the mouse
and then a new drawing, which nearest centroid on the backbone's features recognises. It
needs the optional package ``ipycanvas``; without it the tab says how to install it, and
:meth:`EpisodePlayground.add_example` / :meth:`EpisodePlayground.recognise` still work.

The panel only samples episodes (:class:`~tlwidgets.data.EpisodeSampler`) and calls the
classifiers of :mod:`tlwidgets.train.fewshot`; fitting one episode takes well under a
second, so it runs in the kernel's own thread, with the controls disabled meanwhile.
"""

from __future__ import annotations

import html
import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from IPython.display import display
from torch import Tensor, nn

from ..data import Episode, EpisodeSampler, LabelledImages
from ..train.fewshot import (
    Baseline,
    BaselinePlusPlus,
    EpisodeScore,
    FewShotClassifier,
    NearestCentroid,
    NearestNeighbour,
    ProtoNet,
    confidence_interval,
)
from .episode_views import (
    SYMBOLS,
    as_glyph_image,
    draw_drawn_examples,
    draw_queries,
    draw_support,
    strokes_to_image,
)
from .figure_image import FigureImage
from .html_table import format_percent
from .screen_reader import panel_box

__all__ = ["EpisodePlayground", "Recognition", "default_methods", "recognise_drawing"]

MAX_WAY = 20  # the N-way slider's largest value (fewer if the data has fewer classes)
MAX_SHOT = 10  # the K-shot slider's largest value
RUN_MANY = 20  # episodes played by the "Run 20 episodes" button
CANVAS_PIXELS = 160  # side of the drawing canvas
CANVAS_STROKE = 10  # canvas pixels: the pen's width (only what is shown; see strokes_to_image)
STYLE = {"description_width": "initial"}
METHOD_TOOLTIPS = {
    "nearest centroid": "the class whose mean support feature is closest",
    "nearest neighbour": "the class of the single closest support image (1-NN)",
    "Baseline": "a linear head trained on the support features (Chen et al. 2019)",
    "Baseline++": "a cosine-similarity head trained on the support features (Chen et al.)",
    "ProtoNet": "the nearest class prototype (Snell et al. 2017); the same rule as nearest "
    "centroid, on a backbone trained with episodes if you give it one",
}


def default_methods(backbone: nn.Module) -> dict[str, Callable[[], FewShotClassifier]]:
    """The playground's methods: readable name -> a function making a fresh classifier."""
    return {
        "nearest centroid": lambda: NearestCentroid(backbone),
        "nearest neighbour": lambda: NearestNeighbour(backbone),
        "Baseline": lambda: Baseline(backbone),
        "Baseline++": lambda: BaselinePlusPlus(backbone),
        "ProtoNet": lambda: ProtoNet(backbone),
    }


@dataclass(frozen=True)
class Recognition:
    """What nearest centroid made of a drawing."""

    symbol: str  # the recognised symbol, e.g. "B"
    distances: dict[str, float]  # symbol -> Euclidean distance of the drawing's features to
    # the mean features of that symbol's examples (only symbols with examples)

    def __str__(self) -> str:
        near = ", ".join(f"{name} {d:.2f}" for name, d in sorted(self.distances.items()))
        return f"{self.symbol} (feature distances: {near})"


def recognise_drawing(
    backbone: nn.Module, examples: Tensor, labels: Tensor, image: Tensor
) -> Tensor:
    """Distances from a drawing to the centroid of each symbol's examples, in feature space.

    Parameters
    ----------
    backbone
        Frozen feature extractor, e.g. ``load_pretrained("glyphs-resnet")``.
    examples
        Shape (M, 3, 32, 32): the labelled drawings (the support set).
    labels
        Shape (M,) int64, symbols 0..S-1, each present.
    image
        Shape (3, 32, 32): the drawing to recognise.

    Returns
    -------
    Tensor
        Shape (S,) float32: the Euclidean distance to each symbol's centroid; the smallest
        is the recognised symbol.
    """
    classifier = NearestCentroid(backbone).fit(examples, labels)
    scores = classifier.scores(image[None])[0]  # (S,) minus squared distances
    return (-scores).clamp(min=0).sqrt()


def _load_canvas() -> ModuleType | None:
    """The optional ``ipycanvas`` module, or None when it is not installed."""
    try:
        return importlib.import_module("ipycanvas")
    except ImportError:
        return None


class EpisodePlayground:
    """A panel that plays N-way K-shot episodes with a few-shot method and keeps the score.

    Parameters
    ----------
    data
        Labelled images to draw episodes from, e.g. ``load_glyphs("evaluation", "all")``
        (characters the backbone never saw, 20 drawings each).
    backbone
        The frozen feature extractor the methods use, e.g. ``load_pretrained("glyphs-resnet")``.
    n_way
        The N-way slider's initial value (2 .. 20, and at most the data's classes).
    k_shot
        The K-shot slider's initial value (1 .. 10).
    n_query
        Query images per class Q in every episode.
    methods
        Readable name -> a function of no argument returning a fresh classifier with
        ``fit(support_images, support_labels)`` and ``predict(query_images)``; default
        :func:`default_methods` on ``backbone``.
    seed
        Seed of the episode stream: episode ``i`` of a setting is always the same, so two
        methods are compared on the same episodes.
    draw_symbols
        How many new symbols the "Draw your own" tab offers (2 .. 10).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel.
    last_episode : Episode or None
        The episode shown (None before the first, and after a setting changes).
    last_predictions : Tensor or None
        Shape (N*Q,) int64: the method's labels for ``last_episode``'s queries.
    last_error : str or None
        The message of the last error shown in the panel.

    Raises
    ------
    ValueError
        If a value above is out of range, or the data has too few classes with
        ``k_shot + n_query`` images for ``n_way`` (the message says what to lower).
    """

    def __init__(
        self,
        data: LabelledImages,
        backbone: nn.Module,
        *,
        n_way: int = 5,
        k_shot: int = 1,
        n_query: int = 5,
        methods: Mapping[str, Callable[[], FewShotClassifier]] | None = None,
        seed: int = 0,
        draw_symbols: int = 3,
    ):
        if not isinstance(data, LabelledImages) or len(data) == 0:
            raise ValueError(
                f"data must be non-empty LabelledImages (see load_glyphs), got {data!r}"
            )
        if not isinstance(backbone, nn.Module):
            raise ValueError(
                f"backbone must be a network (e.g. load_pretrained('glyphs-resnet')), got "
                f"{type(backbone).__name__}"
            )
        max_way = min(MAX_WAY, len(data.classes))
        for name, value, low, high in (
            ("n_way", n_way, 2, max_way),
            ("k_shot", k_shot, 1, MAX_SHOT),
            ("n_query", n_query, 1, None),
            ("seed", seed, 0, None),
            ("draw_symbols", draw_symbols, 2, 10),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < low
                or (high is not None and value > high)
            ):
                valid = f"{low} .. {high}" if high is not None else f">= {low}"
                raise ValueError(f"{name} must be a whole number in {valid}, got {value!r}")
        methods = default_methods(backbone) if methods is None else dict(methods)
        if not methods or not all(callable(make) for make in methods.values()):
            raise ValueError(
                "methods must map at least one name to a function returning a classifier, "
                f"got {methods!r}"
            )
        EpisodeSampler(data, n_way, k_shot, n_query, seed=seed)  # refuses too few classes

        self.data = data
        self.backbone = backbone
        self.n_query = n_query
        self.seed = seed
        self.methods = methods
        self.last_episode: Episode | None = None
        self.last_predictions: Tensor | None = None
        self.last_error: str | None = None
        self._accuracies: list[float] = []  # query accuracy of each episode since the reset
        self._seconds = 0.0  # fit + predict time of those episodes
        self._next_index = 0  # the sampler's index of the next episode
        self._samplers: dict[tuple[int, int], EpisodeSampler] = {}
        self._examples: list[list[Tensor]] = [[] for _ in range(draw_symbols)]
        self._strokes: list[list[tuple[float, float]]] = []  # the canvas drawing's strokes
        self._build_panel(n_way, k_shot, max_way)
        self.reset()

    # ------------------------------------------------------------------ public API

    @property
    def n_way(self) -> int:
        """Classes per episode N (the slider's value)."""
        return int(self.n_way_slider.value)

    @property
    def k_shot(self) -> int:
        """Support images per class K (the slider's value)."""
        return int(self.k_shot_slider.value)

    @property
    def method(self) -> str:
        """The name of the chosen few-shot method."""
        return str(self.method_dropdown.value)

    @property
    def episodes_played(self) -> int:
        """How many episodes the running accuracy covers."""
        return len(self._accuracies)

    @property
    def accuracy(self) -> EpisodeScore | None:
        """Query accuracy over the episodes played since the last reset, with its 95% CI.

        None before the first episode. ``mean`` and ``ci95`` are in [0, 1]; ``seconds`` is
        the time spent fitting and predicting.
        """
        if not self._accuracies:
            return None
        return EpisodeScore(
            accuracies=tuple(self._accuracies),
            mean=float(np.mean(self._accuracies)),
            ci95=confidence_interval(self._accuracies),
            seconds=self._seconds,
        )

    def new_episode(self) -> float | None:
        """Play the next episode with the controls' settings and show it; what New episode does.

        Returns its query accuracy in [0, 1]. A setting that cannot be sampled (e.g. more
        classes than the data has with K + Q images) never raises: the panel shows
        "Error: ..." and :attr:`last_error` holds the message; None is returned.
        """
        return self.run_episodes(1)

    def run_episodes(self, count: int = RUN_MANY) -> float | None:
        """Play ``count`` episodes, show the last one and return its query accuracy.

        Every episode joins the running accuracy. Errors are shown as by :meth:`new_episode`.

        Raises
        ------
        ValueError
            If ``count`` is not a whole number >= 1.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a whole number of episodes >= 1, got {count!r}")
        self._set_busy(True)
        try:
            first = self._next_index + 1
            for _ in range(count):
                accuracy = self._play()
        except Exception as error:  # shown in the panel: a notebook cell must not fail here
            self._show_error(error)
            return None
        finally:
            self._set_busy(False)
        self._show_episode()
        last = self._next_index
        played = f"Episode {last}" if count == 1 else f"Episodes {first}-{last}"
        episode = self.last_episode
        assert episode is not None and self.last_predictions is not None
        right = int((self.last_predictions == episode.query_labels).sum())
        self.last_error = None
        self._set_status(
            f"{played}: {self._setting()}. Last episode: {right} of "
            f"{len(episode.query_labels)} queries right ({format_percent(accuracy)})."
        )
        return accuracy

    def reset(self) -> None:
        """Forget the episodes played: the running accuracy starts again from episode 1.

        Changing N, K or the method does this too, so the tally is always of one setting,
        and every method meets the same episodes in the same order.
        """
        self._accuracies.clear()
        self._seconds = 0.0
        self._next_index = 0
        self.last_episode = None
        self.last_predictions = None
        self._show_episode()
        self._set_status(f"Ready: {self._setting()}. Press New episode.")

    def add_example(self, symbol: int, image: Tensor | np.ndarray) -> int:
        """Add a drawing as one more example of new symbol ``symbol`` (0 is A, 1 is B, ...).

        Parameters
        ----------
        symbol
            0 .. draw_symbols - 1.
        image
            Shape (3, 32, 32), (1, 32, 32) or (32, 32), light strokes on dark, floats in
            [0, 1] or uint8 (see :func:`~tlwidgets.widgets.episode_views.strokes_to_image`).

        Returns
        -------
        int
            How many examples the symbol has now.
        """
        if isinstance(symbol, bool) or not isinstance(symbol, int):
            raise ValueError(f"symbol must be a whole number, got {symbol!r}")
        if not 0 <= symbol < len(self._examples):
            raise ValueError(
                f"symbol must be 0 .. {len(self._examples) - 1} "
                f"({', '.join(SYMBOLS[: len(self._examples)])}), got {symbol}"
            )
        self._examples[symbol].append(as_glyph_image(image))
        self.examples_plot.refresh(force=True)
        self._show_examples_count()
        return len(self._examples[symbol])

    def recognise(self, image: Tensor | np.ndarray) -> Recognition:
        """Recognise a drawing among the symbols with examples, by nearest centroid.

        Parameters
        ----------
        image
            As for :meth:`add_example`.

        Raises
        ------
        ValueError
            If fewer than two symbols have an example, or the image's shape is wrong.
        """
        drawing = as_glyph_image(image)
        present = [s for s, images in enumerate(self._examples) if images]
        if len(present) < 2:
            raise ValueError(
                "add examples of at least two symbols first (with add_example or the "
                f"'Add as' buttons); symbols with examples: "
                f"{[SYMBOLS[s] for s in present] or 'none'}"
            )
        examples = torch.stack([image for s in present for image in self._examples[s]])
        labels = torch.tensor(
            [i for i, s in enumerate(present) for _ in self._examples[s]], dtype=torch.int64
        )
        distances = recognise_drawing(self.backbone, examples, labels, drawing).tolist()
        best = present[int(np.argmin(distances))]
        return Recognition(
            symbol=SYMBOLS[best],
            distances={SYMBOLS[s]: float(d) for s, d in zip(present, distances, strict=True)},
        )

    def clear_examples(self) -> None:
        """Forget every drawn example."""
        for images in self._examples:
            images.clear()
        self.examples_plot.refresh(force=True)
        self._show_examples_count()

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ------------------------------------------------------------------ the panel

    def _build_panel(self, n_way: int, k_shot: int, max_way: int) -> None:
        self.n_way_slider = widgets.IntSlider(
            value=n_way,
            min=2,
            max=max_way,
            description="N-way",
            tooltip="Classes per episode: the method tells N new classes apart",
            continuous_update=False,
            style=STYLE,
        )
        self.k_shot_slider = widgets.IntSlider(
            value=k_shot,
            min=1,
            max=MAX_SHOT,
            description="K-shot",
            tooltip="Labelled examples of each class the method sees (the support set)",
            continuous_update=False,
            style=STYLE,
        )
        self.method_dropdown = widgets.Dropdown(
            options=list(self.methods),
            description="Method",
            tooltip="How the queries are labelled from the support set: "
            + "; ".join(f"{name}: {METHOD_TOOLTIPS.get(name, name)}" for name in self.methods),
            style=STYLE,
            layout=widgets.Layout(width="280px"),
        )
        self.new_button = widgets.Button(
            description="New episode",
            icon="random",
            button_style="primary",
            tooltip="Draw the next episode, fit the method on its support set, label its queries",
        )
        self.run_button = widgets.Button(
            description=f"Run {RUN_MANY} episodes",
            icon="forward",
            tooltip=f"Play {RUN_MANY} more episodes at once (the last one is shown): the "
            "interval narrows",
        )
        self.reset_button = widgets.Button(
            description="Reset",
            icon="trash",
            tooltip="Forget the episodes played: the running accuracy starts again",
        )
        self.status = widgets.HTML(tooltip="What the playground did last")
        self.status.add_class("tlw-episode-status")
        self.accuracy_text = widgets.HTML(
            tooltip="Mean query accuracy over the episodes played, ± the half-width of its "
            "95% confidence interval (1.96 std / sqrt(episodes))"
        )
        self.accuracy_text.add_class("tlw-episode-accuracy")
        self.support_plot = FigureImage(
            self._draw_support,
            alt="The support set: the labelled images of the episode, a row per class (A, B, ...)",
            dpi=80,
        )
        self.support_plot.widget.add_class("tlw-episode-support")
        self.query_plot = FigureImage(
            self._draw_queries,
            alt="The query images, a row per true class, each under the class the method gave "
            "it, marked ✓ (right) or ✗ (wrong)",
            dpi=80,
        )
        self.query_plot.widget.add_class("tlw-episode-queries")
        self.support_title = widgets.HTML(tooltip="The labelled examples the method learns from")
        self.query_title = widgets.HTML(tooltip="The images the method labels")
        self.query_title.add_class("tlw-episode-query-title")
        self._settings = (self.n_way_slider, self.k_shot_slider, self.method_dropdown)
        self._actions = (self.new_button, self.run_button, self.reset_button)

        for control in self._settings:
            control.observe(lambda _: self.reset(), names="value")
        self.new_button.on_click(lambda _: self.new_episode())
        self.run_button.on_click(lambda _: self.run_episodes(RUN_MANY))
        self.reset_button.on_click(lambda _: self.reset())

        episodes = widgets.VBox(
            [
                widgets.HBox([self.n_way_slider, self.k_shot_slider, self.method_dropdown]),
                widgets.HBox(list(self._actions)),
                self.status,
                self.accuracy_text,
                widgets.HBox(
                    [
                        widgets.VBox(
                            [widgets.HTML("<b>Support set</b>"), self.support_plot.widget]
                        ),
                        widgets.VBox([self.query_title, self.query_plot.widget]),
                    ],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
                ),
            ]
        )
        self.tabs = widgets.Tab(
            children=[episodes, self._build_draw_panel()],
            titles=("Episodes", "Draw your own"),
        )
        announce = [self.status, self.accuracy_text, self.draw_status]
        self.widget = panel_box([self.tabs], announce=announce)
        self.widget.add_class("tlw-episode-playground")

    def _build_draw_panel(self) -> widgets.VBox:
        """The "Draw your own" tab: a canvas if ipycanvas is installed, else how to get one."""
        symbols = SYMBOLS[: len(self._examples)]
        self.examples_plot = FigureImage(
            lambda figure: draw_drawn_examples(figure, self._examples),
            alt="The symbols drawn so far, a row per symbol",
            dpi=80,
        )
        self.examples_plot.widget.add_class("tlw-draw-examples")
        # its natural size: a column box would stretch a small picture to the panel's width
        self.examples_plot.widget.layout.align_self = "flex-start"
        self.examples_plot.refresh(force=True)
        self.draw_status = widgets.HTML(tooltip="What the model made of your drawing")
        self.draw_status.add_class("tlw-draw-status")
        self._show_examples_count()
        about = (
            "<b>Draw your own symbols.</b> Draw a few examples of each of "
            f"{len(symbols)} new symbols ({', '.join(symbols)}), then a new drawing: nearest "
            "centroid on the pretrained features names the symbol it resembles most, from "
            "one or two examples each. That is one-shot learning, felt first-hand."
        )
        ipycanvas = _load_canvas()
        self.canvas: Any = None
        if ipycanvas is None:
            message = widgets.HTML(
                f"<p>{about}</p><p>This mode needs the optional package <code>ipycanvas</code>"
                ": run <code>pip install ipycanvas</code>, then restart the kernel. Without it "
                "the rest of the panel works, and in code <code>playground.add_example(0, "
                "image)</code> and <code>playground.recognise(image)</code> do the same "
                "with 32 x 32 images.</p>"
            )
            message.add_class("tlw-draw-unavailable")
            return widgets.VBox([message, self.examples_plot.widget, self.draw_status])

        canvas = ipycanvas.Canvas(width=CANVAS_PIXELS, height=CANVAS_PIXELS)
        canvas.layout.width = canvas.layout.height = f"{CANVAS_PIXELS}px"
        canvas.on_mouse_down(self._pen_down)
        canvas.on_mouse_move(self._pen_move)
        self.canvas = canvas
        self._pen = False
        canvas.on_mouse_up(self._pen_up)
        canvas.on_mouse_out(self._pen_up)
        self._clear_canvas()
        self.add_buttons = []
        for index, name in enumerate(symbols):
            button = widgets.Button(
                description=f"Add as {name}",
                tooltip=f"Keep the drawing as one more example of symbol {name}, and clear",
            )
            button.on_click(lambda _, index=index: self._add_drawing(index))
            self.add_buttons.append(button)
        self.clear_button = widgets.Button(
            description="Clear", icon="eraser", tooltip="Wipe the canvas"
        )
        self.clear_button.on_click(lambda _: self._clear_canvas())
        self.recognise_button = widgets.Button(
            description="Recognise",
            icon="search",
            button_style="primary",
            tooltip="Name the symbol the drawing resembles most (nearest centroid on features)",
        )
        self.recognise_button.on_click(lambda _: self._recognise_drawing())
        self.forget_button = widgets.Button(
            description="Forget examples", icon="trash", tooltip="Start again with no examples"
        )
        self.forget_button.on_click(lambda _: self.clear_examples())
        # ipycanvas takes the mouse (or a pen) only: say what the keyboard can use instead
        mouse_only = (
            "The canvas needs a mouse or a pen; without one, <code>playground.add_example("
            "0, image)</code> and <code>playground.recognise(image)</code> do the same in code."
        )
        return widgets.VBox(
            [
                widgets.HTML(f"<p>{about}</p><p>{mouse_only}</p>"),
                widgets.HBox(
                    [
                        canvas,
                        widgets.VBox(
                            [
                                widgets.HBox(self.add_buttons),
                                widgets.HBox(
                                    [self.recognise_button, self.clear_button, self.forget_button]
                                ),
                                self.draw_status,
                            ]
                        ),
                    ]
                ),
                self.examples_plot.widget,
            ]
        )

    # ------------------------------------------------------------------ drawing

    def _clear_canvas(self) -> None:
        self._strokes = []
        self.canvas.fill_style = "black"
        self.canvas.fill_rect(0, 0, CANVAS_PIXELS, CANVAS_PIXELS)
        self.canvas.stroke_style = "white"
        self.canvas.line_width = CANVAS_STROKE
        self.canvas.line_cap = "round"

    def _pen_down(self, x: float, y: float) -> None:
        self._pen = True
        self._strokes.append([(x, y)])
        self.canvas.fill_style = "white"
        self.canvas.fill_circle(x, y, CANVAS_STROKE / 2)

    def _pen_move(self, x: float, y: float) -> None:
        if not self._pen or not self._strokes:
            return
        x0, y0 = self._strokes[-1][-1]
        self._strokes[-1].append((x, y))
        self.canvas.stroke_line(x0, y0, x, y)

    def _pen_up(self, x: float, y: float) -> None:
        self._pen = False

    def _add_drawing(self, symbol: int) -> None:
        if not self._strokes:
            self._set_draw_status("Draw something first.")
            return
        self.add_example(symbol, strokes_to_image(self._strokes))
        self._clear_canvas()

    def _recognise_drawing(self) -> None:
        if not self._strokes:
            self._set_draw_status("Draw a symbol first, then press Recognise.")
            return
        try:
            result = self.recognise(strokes_to_image(self._strokes))
        except ValueError as error:
            self._set_draw_status(f"Error: {error}")
            return
        self._set_draw_status(f"That looks like {result}.")

    def _show_examples_count(self) -> None:
        counts = ", ".join(f"{SYMBOLS[s]}: {len(im)}" for s, im in enumerate(self._examples))
        self._set_draw_status(f"Examples so far: {counts}.")

    def _set_draw_status(self, text: str) -> None:
        self.draw_status.value = html.escape(text, quote=False)

    # ------------------------------------------------------------------ episodes

    def _setting(self) -> str:
        return (
            f"{self.n_way}-way {self.k_shot}-shot, {self.n_query} queries per class, {self.method}"
        )

    def _sampler(self) -> EpisodeSampler:
        key = (self.n_way, self.k_shot)
        if key not in self._samplers:
            self._samplers[key] = EpisodeSampler(
                self.data, self.n_way, self.k_shot, self.n_query, seed=self.seed
            )
        return self._samplers[key]

    def _play(self) -> float:
        """Sample the next episode, fit the method on its support set, label its queries."""
        episode = self._sampler().sample(self._next_index)
        began = time.perf_counter()
        classifier = self.methods[self.method]()
        classifier.fit(episode.support_images, episode.support_labels)
        predicted = classifier.predict(episode.query_images).cpu().long()
        seconds = time.perf_counter() - began
        if predicted.shape != episode.query_labels.shape:
            raise ValueError(
                f"{self.method}'s predict returned shape {tuple(predicted.shape)}; expected one "
                f"label per query image, {tuple(episode.query_labels.shape)}"
            )
        accuracy = float((predicted == episode.query_labels).float().mean())
        self._next_index += 1
        self._accuracies.append(accuracy)
        self._seconds += seconds
        self.last_episode, self.last_predictions = episode, predicted
        return accuracy

    def _show_episode(self) -> None:
        self.support_plot.refresh(force=True)
        self.query_plot.refresh(force=True)
        episode, predicted = self.last_episode, self.last_predictions
        if episode is None or predicted is None:
            self.support_title.value = "<b>Support set</b>"
            self.query_title.value = "<b>Queries</b>"
        else:
            right = int((predicted == episode.query_labels).sum())
            self.support_title.value = (
                f"<b>Support set</b> of episode {self._next_index}: {episode.k_shot} per class"
            )
            self.query_title.value = (
                f"<b>Queries</b>: {right} of {len(predicted)} right; rows are the true class, "
                "above each its prediction (✓ right, ✗ wrong)"
            )
        score = self.accuracy
        if score is None:
            self.accuracy_text.value = (
                f"Running accuracy: no episode yet (chance: {format_percent(1 / self.n_way)})."
            )
            return
        episodes = len(score.accuracies)
        self.accuracy_text.value = (
            f"<b>Running accuracy: {format_percent(score.mean)} ± {format_percent(score.ci95)}"
            f"</b> (95% interval) over {episodes} episode{'s' if episodes != 1 else ''}; "
            f"chance: {format_percent(1 / self.n_way)}."
        )

    def _draw_support(self, figure: Any) -> None:
        episode = self.last_episode
        if episode is None:
            draw_support(figure, None, self.n_way, self.k_shot)
            return
        draw_support(
            figure,
            episode.support_images,
            episode.n_way,
            episode.k_shot,
        )

    def _draw_queries(self, figure: Any) -> None:
        episode, predicted = self.last_episode, self.last_predictions
        if episode is None or predicted is None:
            draw_queries(figure, None, None, None, self.n_way)
            return
        draw_queries(
            figure,
            episode.query_images,
            episode.query_labels,
            predicted,
            episode.n_way,
        )

    def _set_busy(self, busy: bool) -> None:
        for control in (*self._settings, *self._actions):
            control.disabled = busy

    def _set_status(self, text: str) -> None:
        self.status.value = html.escape(text, quote=False)

    def _show_error(self, error: BaseException) -> None:
        self.last_error = str(error) or type(error).__name__
        self._set_status(f"Error: {self.last_error}")
