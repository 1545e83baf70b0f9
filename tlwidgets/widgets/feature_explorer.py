"""FeatureExplorer: see what a network has learned, as maps of its features and as its filters.

::

    explorer = FeatureExplorer(
        {"random init": create_backbone("resnet", num_classes=0),
         "pretrained": load_pretrained("glyphs-resnet")},
        load_domain("mnist", "test"), other=load_domain("mnistm", "test"))
    explorer  # the last value of a cell shows the panel

The feature map view projects the features of every shown image at one stage to 2-D (PCA,
or t-SNE computed in the background), colours them by class or domain, and shows the
numbers that tell the same story: k-NN and linear-probe accuracy, and how separable the
two domains are. The filters view shows the first-layer filters and one image's activation
maps through the stages. Everything computed is cached, so revisiting a view is instant.

Sentences work the same way from their precomputed embeddings (one stage, "sentence
embedding"; a picked sentence's neighbours are listed as text, and there is no filters
view)::

    encoder = load_text_encoder("minilm")
    movies, tweets = load_sentiment("movies", "test"), load_sentiment("tweets", "test")
    frozen = (embed_texts(encoder, movies.texts), embed_texts(encoder, tweets.texts))
    explorer = FeatureExplorer.from_embeddings({"MiniLM (frozen)": frozen}, movies, other=tweets)
"""

from __future__ import annotations

import html
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from ..analysis import (
    domain_separability,
    extract_features,
    first_layer_filters,
    knn_accuracy,
    nearest_neighbours,
    project,
    stage_activations,
)
from ..data import LabelledImages, LabelledTexts
from ..train import fit_linear_probe
from ..viz import add_projection_legend, draw_filters_and_activations, draw_neighbours
from ..viz import draw_projection as draw_projection_panel
from ..viz.palette import MATCH, MATCH_MARK, MISMATCH, MISMATCH_MARK
from .background import BackgroundRun
from .figure_image import FigureImage
from .screen_reader import panel_box

__all__ = ["FeatureExplorer"]

VIEWS = (("feature map", "map"), ("filters & activations", "filters"))
METHODS = (("PCA", "pca"), ("t-SNE", "tsne"))
COLOURS = ("class", "domain")
NEIGHBOURS = 8  # thumbnails shown next to a picked point
KNN_K = 5  # neighbours that vote in the k-NN accuracy
PROBE_EPOCHS = 100  # linear probe training on the fit half; ~0.3 s for 2,000 points
ACTIVATION_CHANNELS = 4  # most active channels shown per stage
DPI = 80
MAP_HEIGHT = 4.3  # inches
PANEL_WIDTH = 4.6  # inches per projection panel
LEGEND_WIDTH = 1.0  # inches at the right for the legend
CONTROLS = ("model", "compare", "stage", "method", "colour", "view", "point", "image")
TEXT_STAGE = "sentence embedding"  # the one stage of precomputed embeddings
TEXT_CHARS = 160  # a listed neighbour sentence is cut to this many characters
NO_FILTERS = (
    "only the feature map: precomputed sentence embeddings have no filters or activation maps "
    "(the filters & activations view needs a backbone)"
)


@dataclass
class _MapScene:
    """What the feature map draws: one panel per model, plus the picked point."""

    panels: list[tuple[str, np.ndarray]]  # (title, coords (N, 2))
    colour: str
    point: int
    neighbours: np.ndarray  # (k,) indices of the point's nearest neighbours


@dataclass
class _FiltersScene:
    """What the filters view draws: per model, its first-layer filters and the image's maps."""

    image: Tensor  # (3, H, W)
    names: list[str]
    filters: list[Tensor] = field(default_factory=list)
    activations: list[list[tuple[Tensor, Tensor]]] = field(default_factory=list)
    stage_names: list[list[str]] = field(default_factory=list)


def _stratified_subsample(labels: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """Indices (sorted) of at most ``cap`` points, each class keeping its share; reproducible."""
    if len(labels) <= cap:
        return np.arange(len(labels))
    order = np.random.default_rng(seed).permutation(len(labels))
    # Rank of each point within its class (in shuffled order) as a fraction of the class size:
    # taking the smallest fractions first takes the same share of every class.
    share = np.empty(len(labels))
    for label in np.unique(labels):
        members = order[labels[order] == label]
        share[members] = np.arange(len(members)) / len(members)
    return np.sort(np.argsort(share, kind="stable")[:cap])


def _is_backbone(model: Any) -> bool:
    return (
        isinstance(model, nn.Module)
        and hasattr(model, "stages")
        and hasattr(model, "forward_stages")
    )


def _checked_embeddings(
    embeddings: Any, data: LabelledTexts, other: LabelledTexts | None
) -> dict[str, list[np.ndarray]]:
    """Per name, one float32 array (n, D) per domain (data, then other), checked against the texts.

    Raises
    ------
    ValueError
        Naming the bad value: texts that are not LabelledTexts, no data, no or too many
        embeddings for other, or arrays whose rows do not match the texts.
    """
    for which, texts in (("data", data), ("other", other)):
        if not (texts is None and which == "other") and not isinstance(texts, LabelledTexts):
            raise ValueError(
                f"{which} must be LabelledTexts (e.g. load_sentiment('movies', 'test')), "
                f"got {type(texts).__name__}"
            )
        if texts is not None and len(texts) == 0:
            raise ValueError(f"{which} ({texts.name}) has no texts to explore")
    if isinstance(embeddings, (np.ndarray, Tensor, tuple)):
        embeddings = {"embedding": embeddings}
    if not isinstance(embeddings, Mapping) or not embeddings:
        raise ValueError(
            "embeddings must be a non-empty dict of names to (data_embeddings, other_embeddings)"
            " arrays, e.g. {'MiniLM (frozen)': (embed_texts(encoder, data.texts), None)}; got "
            f"{type(embeddings).__name__}"
            + (" with no entries" if isinstance(embeddings, Mapping) else "")
        )
    domains = [("data", data)] + ([("other", other)] if other is not None else [])
    checked = {}
    for name, value in embeddings.items():
        pair = value if isinstance(value, tuple) else (value, None)
        if len(pair) != 2:
            raise ValueError(
                f"embeddings[{name!r}] must be (data_embeddings, other_embeddings or None), "
                f"got a tuple of {len(pair)}"
            )
        if other is not None and pair[1] is None:
            raise ValueError(
                f"embeddings[{name!r}] has no embeddings for other ({other.name}); pass "
                "(data_embeddings, other_embeddings) for every name, or leave other= out"
            )
        if other is None and pair[1] is not None:
            raise ValueError(
                f"embeddings[{name!r}] has other embeddings but other= is not given; pass the "
                "texts they embed as other=LabelledTexts, or give (data_embeddings, None)"
            )
        arrays = []
        for (which, texts), array in zip(domains, pair, strict=False):  # no other: pair[1] is None
            array = np.asarray(array, dtype=np.float32)
            if array.ndim != 2 or len(array) != len(texts):
                raise ValueError(
                    f"embeddings[{name!r}]: the {which} embeddings have shape {array.shape} but "
                    f"{which} ({texts.name}) has {len(texts)} texts; pass shape ({len(texts)}, D),"
                    f" one row per text of {which}.texts, in order"
                )
            if not np.isfinite(array).all():
                raise ValueError(f"embeddings[{name!r}]: the {which} embeddings hold NaN or inf")
            arrays.append(array)
        if len({array.shape[1] for array in arrays}) > 1:
            raise ValueError(
                f"embeddings[{name!r}]: data and other embeddings must have the same width, got "
                f"{arrays[0].shape[1]} and {arrays[1].shape[1]} (the same encoder embeds both)"
            )
        checked[str(name)] = arrays
    return checked


def _sentence_list_html(
    sentences: list[str], tags: list[str], matches: list[bool], title: str
) -> str:
    """HTML (escaped) listing a picked sentence, then its neighbours, each tagged ✓ or ✗.

    Parameters
    ----------
    sentences
        The picked sentence first, then its neighbours; each is cut to ``TEXT_CHARS``
        characters (the whole sentence shows on hover).
    tags
        One "class · domain" text per sentence.
    matches
        One flag per sentence: True tags get a ✓ in blue (same class as the picked one),
        False a ✗ in vermillion.
    title
        The line above the list.
    """
    rows = []
    for rank, (sentence, tag, match) in enumerate(zip(sentences, tags, matches, strict=True)):
        flat = " ".join(sentence.split())
        short = flat if len(flat) <= TEXT_CHARS else flat[: TEXT_CHARS - 1].rstrip() + "…"
        colour, mark = (MATCH, MATCH_MARK) if match else (MISMATCH, MISMATCH_MARK)
        background = "background:#fff6d5;" if rank == 0 else ""  # the starred point
        rows.append(
            f"<li style='{background}padding:1px 4px' title='{html.escape(flat)}'>"
            f"<b>{'point' if rank == 0 else f'{rank}.'}</b> "
            f"<span style='color:{colour};font-weight:bold'>{mark} [{html.escape(tag)}]</span> "
            f"{html.escape(short)}</li>"
        )
    return (
        f"<div><b>{html.escape(title)}</b>"
        f"<ul style='list-style:none;padding-left:0;margin:2px 0'>{''.join(rows)}</ul></div>"
    )


class FeatureExplorer:
    """What a network has learned: 2-D feature maps, the numbers behind them, and its filters.

    Parameters
    ----------
    models
        Backbones by name, e.g. ``{"random init": ..., "pretrained": ..., "fine-tuned": ...}``,
        or one backbone (named "model"). A value that is not a backbone is reported in the
        status line when chosen, not raised.
    data
        The images to look at (the source domain), e.g. ``load_domain("mnist", "test")``.
    other
        A second domain (the target) shown together with ``data``; it must use the same
        classes. Enables colouring by domain and the domain-separability score.
    max_points
        At most this many images per domain (a stratified, seeded subsample).
    seed
        Seeds the subsample, the fit/score split, the probe and the projections.

    Attributes
    ----------
    widget
        The panel (an ``ipywidgets.VBox``); a notebook shows it when the explorer is the
        last value of a cell.
    metrics
        The numbers shown for the current model and stage: ``knn_acc`` (k-NN accuracy, k=5,
        cosine), ``probe_acc`` (linear-probe accuracy) and, with two domains,
        ``domain_separability`` (see :func:`tlwidgets.analysis.domain_separability`). When
        a model is compared, its numbers follow with a ``compare_`` prefix. Both accuracies
        fit on one half of the shown points (a seeded split, both domains mixed) and score
        on the other half; they depend on model and stage only.
    last_error
        The message of the last error shown in the status line, or None.

    Notes
    -----
    Features are cached per (model, stage), projections per (model, stage, method) and
    numbers per (model, stage), so a view seen once redraws in well under 150 ms. t-SNE runs
    in a background thread; the status reads "computing t-SNE ..." meanwhile, the controls
    stay usable (views queued while it runs are computed in turn), and the map appears when
    it is ready. :meth:`wait` blocks until then.

    Sentences are explored from embeddings computed beforehand, with
    :meth:`from_embeddings`; each name in the Model menu is then one set of embeddings::

        explorer = FeatureExplorer.from_embeddings(
            {"MiniLM (frozen)": (movie_embeddings, tweet_embeddings),    # (N, 384), (M, 384)
             "MiniLM + CORAL": (coral_align(movie_embeddings, tweet_embeddings), tweet_embeddings)},
            movies, other=tweets)
        explorer.show(colour="domain")
        explorer.show(model="MiniLM + CORAL")  # domain_separability drops as domains overlap
    """

    def __init__(
        self,
        models: Mapping[str, nn.Module] | nn.Module,
        data: LabelledImages,
        *,
        other: LabelledImages | None = None,
        max_points: int = 2000,
        seed: int = 0,
    ):
        if isinstance(models, nn.Module):
            models = {"model": models}
        if not isinstance(models, Mapping) or not models:
            raise ValueError(
                "models must be a backbone or a non-empty dict of names to backbones, e.g. "
                f"{{'pretrained': load_pretrained('glyphs-resnet')}}; got {type(models).__name__}"
            )
        for which, images in (("data", data), ("other", other)):
            if images is None and which == "other":
                continue
            if not (
                isinstance(getattr(images, "images", None), Tensor)
                and isinstance(getattr(images, "labels", None), Tensor)
                and getattr(images, "classes", None) is not None
            ):
                raise ValueError(
                    f"{which} must be LabelledImages (e.g. load_domain('mnist', 'test')), "
                    f"got {type(images).__name__}"
                )
        self.models = {str(name): model for name, model in models.items()}
        self._start(list(self.models), data, other, max_points=max_points, seed=seed)

    @classmethod
    def from_embeddings(
        cls,
        embeddings: Mapping[str, tuple[np.ndarray, np.ndarray | None] | np.ndarray]
        | tuple[np.ndarray, np.ndarray | None]
        | np.ndarray,
        data: LabelledTexts,
        *,
        other: LabelledTexts | None = None,
        max_points: int = 2000,
        seed: int = 0,
    ) -> FeatureExplorer:
        """An explorer of precomputed sentence embeddings: the same map, numbers and controls.

        There is one stage ("sentence embedding") and no filters view; a picked sentence's
        nearest neighbours are listed as text, tagged with class and domain.

        Parameters
        ----------
        embeddings
            Per name (e.g. "MiniLM (frozen)", "MiniLM + CORAL", "fine-tuned"), a pair
            ``(data_embeddings, other_embeddings)`` of shapes (N, D) and (M, D), rows in the
            order of ``data.texts`` and ``other.texts``; ``other_embeddings`` is None when
            ``other`` is. One pair, or one (N, D) array, is named "embedding".
        data
            The sentences to look at (the source domain), e.g. ``load_sentiment("movies",
            "test")``.
        other
            A second domain with the same classes, e.g. ``load_sentiment("tweets", "test")``.
        max_points, seed
            As for the constructor: at most this many sentences per domain, seeded.

        Returns
        -------
        FeatureExplorer
            Its ``models`` is empty; the features are the given embeddings.

        Raises
        ------
        ValueError
            When the texts are not LabelledTexts or are empty, the classes differ, or an
            array does not have one row per text (the message names the entry and shapes).
        """
        checked = _checked_embeddings(embeddings, data, other)
        explorer = cls.__new__(cls)
        explorer.models = {}
        explorer._start(
            list(checked), data, other, max_points=max_points, seed=seed, embeddings=checked
        )
        return explorer

    def _start(
        self,
        names: list[str],
        data: LabelledImages | LabelledTexts,
        other: LabelledImages | LabelledTexts | None,
        *,
        max_points: int,
        seed: int,
        embeddings: dict[str, list[np.ndarray]] | None = None,
    ) -> None:
        """Sample the shown points and build the panel (what both constructors share)."""
        if other is not None and list(other.classes) != list(data.classes):
            raise ValueError(
                f"data and other must share their classes; got {len(data.classes)} classes "
                f"({data.name}: {', '.join(map(str, data.classes[:5]))}) and "
                f"{len(other.classes)} ({other.name}: {', '.join(map(str, other.classes[:5]))})"
            )
        if int(max_points) < 1:
            raise ValueError(f"max_points must be at least 1, got {max_points}")
        self._names = names
        self.max_points = int(max_points)
        self.seed = seed
        self.metrics: dict[str, float] = {}
        self.last_error: str | None = None
        self.classes = [str(name) for name in data.classes]
        self._points, self._domains, self.domain_names, chosen = self._sample(data, other)
        self._labels = torch.as_tensor(np.asarray(self._points.labels), dtype=torch.long)  # (N,)
        order = np.random.default_rng(seed).permutation(len(self._points))
        self._fit_half, self._score_half = np.sort(order[0::2]), np.sort(order[1::2])

        self._features: dict[tuple[str, int], Tensor] = {}  # (model, stage) -> (N, C)
        for name, arrays in (embeddings or {}).items():  # given, not computed: cache them all
            rows = [array[index] for array, index in zip(arrays, chosen, strict=True)]
            self._features[(name, 0)] = torch.from_numpy(np.concatenate(rows))
        self._projections: dict[tuple[str, int, str], np.ndarray] = {}  # -> (N, 2)
        self._numbers: dict[tuple[str, int], dict[str, float]] = {}  # (model, stage) -> metrics
        self._tsne_errors: dict[tuple[str, int, str], str] = {}
        self._tsne_queue: list[tuple[str, int, str]] = []
        self._tsne_active = False  # a worker owns the queue; guarded by _lock
        self._lock = threading.Lock()  # guards the t-SNE queue and the projection cache
        self._render_lock = threading.RLock()  # one redraw at a time (UI or worker thread)
        self._run = BackgroundRun()
        self._quiet = 0  # >0 while several controls are set at once (show())
        self._scene: _MapScene | _FiltersScene | None = None
        self._thumbs_scene: tuple[Tensor, list[str], list[bool], str] | None = None
        self._thumbs_key: tuple[str, int, int] | None = None  # (model, stage, point) drawn
        self._nearest: dict[tuple[str, int, int], np.ndarray] = {}  # -> (k,) neighbours

        self._build_controls()
        self._plot = FigureImage(
            self._draw_main,
            alt="The features of the chosen stage projected to 2-D, a point per input, coloured "
            "and shaped by class or domain (or, in the filters view, the filters and the "
            "activation maps of the chosen image)",
            figsize=(PANEL_WIDTH + LEGEND_WIDTH, MAP_HEIGHT),
            dpi=DPI,
        )
        self._plot.widget.add_class("tlw-explorer-plot")
        if self._embedded:  # neighbours as a list of sentences
            self._sentences = widgets.HTML(value="")
            neighbours: widgets.Widget = self._sentences
        else:
            self._thumbs = FigureImage(
                self._draw_thumbs,
                alt="The chosen point's image, then its nearest neighbours in feature space",
                figsize=(0.75 * (NEIGHBOURS + 1) + 0.2, 1.3),
                dpi=DPI,
            )
            neighbours = self._thumbs.widget
        neighbours.add_class("tlw-explorer-neighbours")
        self.widget = panel_box(
            [
                widgets.HBox([self.model, self.compare, self.view]),
                widgets.HBox([self.stage, self.method, self.colour]),
                widgets.HBox([self.point] if self._embedded else [self.point, self.image]),
                self.status,
                widgets.HBox([self._plot.widget, self.metrics_html]),
                neighbours,
            ],
            announce=[self.status],
        )
        self.widget.add_class("tlw-feature-explorer")
        self._update()

    # ----------------------------------------------------------------------------- set-up

    @property
    def _embedded(self) -> bool:
        """True when the features are given sentence embeddings, not computed by backbones."""
        return isinstance(self._points, LabelledTexts)

    def _sample(
        self,
        data: LabelledImages | LabelledTexts,
        other: LabelledImages | LabelledTexts | None,
    ) -> tuple[LabelledImages | LabelledTexts, np.ndarray, list[str], list[np.ndarray]]:
        """The shown points: a stratified subsample of each domain, source first.

        Returns the points, their domains (N,), the domain names and, per domain, the
        indices (n,) it contributes, in the order they appear among the points.
        """
        parts = [data] if other is None else [data, other]
        names = [str(getattr(part, "name", f"domain {i}")) for i, part in enumerate(parts)]
        if len(names) == 2 and names[0] == names[1]:
            names = [f"{names[0]} (source)", f"{names[1]} (target)"]
        chosen = [
            _stratified_subsample(np.asarray(part.labels), self.max_points, self.seed)
            for part in parts
        ]
        picked = [part.subset(index) for part, index in zip(parts, chosen, strict=True)]
        domains = np.concatenate([np.full(len(index), i) for i, index in enumerate(chosen)])
        if isinstance(data, LabelledTexts):
            points: LabelledImages | LabelledTexts = LabelledTexts(
                texts=tuple(text for part in picked for text in part.texts),
                labels=np.concatenate([part.labels for part in picked]).astype(np.int64),
                classes=tuple(self.classes),
                name="+".join(names),
            )
            return points, domains, names, chosen
        images = [part.images.float() for part in picked]
        points = LabelledImages(
            images=torch.cat(images) if sum(map(len, images)) else torch.zeros(0, 3, 32, 32),
            labels=torch.cat([part.labels.long() for part in picked]),
            classes=self.classes,
            name="+".join(names),
            split=str(getattr(data, "split", "")),
        )
        return points, domains, names, chosen

    def _build_controls(self) -> None:
        style = {"description_width": "initial"}
        names = self._names
        two = len(self.domain_names) == 2
        embedded = self._embedded
        self.model = widgets.Dropdown(
            options=names,
            value=names[0],
            description="Model",
            style=style,
            tooltip="The sentence embeddings shown (e.g. frozen encoder, after CORAL, fine-tuned)"
            if embedded
            else "The network whose features are shown (e.g. random init, pretrained, fine-tuned)",
        )
        self.compare = widgets.Dropdown(
            options=["none", *names],
            value="none",
            description="Compare with",
            style=style,
            tooltip="A second network (or set of embeddings) shown side by side with the "
            "first, or none",
        )
        self.view = widgets.Dropdown(
            options=list(VIEWS[:1] if embedded else VIEWS),
            value="map",
            description="View",
            style=style,
            disabled=embedded,
            tooltip=NO_FILTERS
            if embedded
            else "feature map: the 2-D projection of the features; filters & activations: "
            "first-layer filters and one image's activation maps per stage",
        )
        stages = next(
            (found for found in map(self._stage_options, names) if found), [("stage0", 0)]
        )
        self.stage = widgets.Dropdown(
            options=stages,
            value=len(stages) - 1,
            description="Stage",
            style=style,
            tooltip="Precomputed embeddings have one stage: the encoder's sentence embedding"
            if embedded
            else "Which stage's output features to look at (stage0 is nearest the pixels)",
        )
        self.method = widgets.ToggleButtons(
            options=list(METHODS),
            value="pca",
            description="Projection",
            style=style,
            tooltip="How features are projected to 2-D: PCA is instant, t-SNE keeps "
            "neighbourhoods and is computed once in the background",
            tooltips=["PCA: linear, instant", "t-SNE: local structure, a few seconds, cached"],
        )
        self.colour = widgets.Dropdown(
            options=list(COLOURS),
            value="class",
            description="Colour by",
            style=style,
            tooltip="class: one colour and marker shape per class (source filled, target "
            "hollow); domain: source (circles) vs target (triangles)"
            + (
                ""
                if two
                else " (only one domain is shown, so every point gets the same "
                "colour; pass other= to compare two domains)"
            ),
        )
        last = max(len(self._points) - 1, 0)
        self.point = widgets.IntSlider(
            value=0,
            min=0,
            max=last,
            description="Point",
            style=style,
            continuous_update=False,
            disabled=not len(self._points),
            tooltip="Pick a point: it is starred in the map and its 8 nearest neighbours in "
            "feature space are shown below",
        )
        self.image = widgets.IntSlider(
            value=0,
            min=0,
            max=last,
            description="Image",
            style=style,
            continuous_update=False,
            disabled=embedded or not len(self._points),
            tooltip=NO_FILTERS
            if embedded
            else "The image whose activation maps are shown in the filters & activations view",
        )
        self.status = widgets.HTML(value="")
        self.status.add_class("tlw-explorer-status")
        self.metrics_html = widgets.HTML(value="")
        self.metrics_html.add_class("tlw-explorer-metrics")
        for control in (
            self.compare,
            self.view,
            self.stage,
            self.method,
            self.colour,
            self.point,
            self.image,
        ):
            control.observe(self._on_change, names="value")
        self.model.observe(self._on_model, names="value")

    def _stage_options(self, name: str) -> list[tuple[str, int]] | None:
        """(name, index) of every stage of model ``name``; None if it is not a backbone."""
        if self._embedded:
            return [(TEXT_STAGE, 0)]
        model = self.models.get(name)
        if not _is_backbone(model):
            return None
        count = len(model.stages)
        names = getattr(model, "stage_names", None) or [f"stage{i}" for i in range(count)]
        return [(str(stage), index) for index, stage in enumerate(names)]

    def _set_stage_options(self, name: str) -> None:
        """Offer the stages of model ``name``, keeping the chosen stage if it has it."""
        options = self._stage_options(name)
        if options is None or options == list(self.stage.options):
            return  # not a backbone: keep the options; the status will say what is wrong
        current = self.stage.value
        with self._quietly():
            self.stage.options = options
            self.stage.value = current if current < len(options) else len(options) - 1

    # --------------------------------------------------------------------------- public

    def show(self, **controls: Any) -> None:
        """Set controls from code and redraw now, waiting for a t-SNE if one is needed.

        Parameters
        ----------
        **controls
            Any of ``model``, ``compare`` (a model name or "none"), ``stage`` (index or
            "stageN"; "sentence embedding" for embeddings), ``method`` ("pca"/"tsne"),
            ``colour`` ("class"/"domain"), ``view`` ("map"/"filters"), ``point`` and
            ``image`` (indices of shown points). Embeddings offer no filters view and no
            ``image``.

        Raises
        ------
        ValueError
            For an unknown control or a value it does not offer (the message lists them).
        """
        unknown = sorted(set(controls) - set(CONTROLS))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; choose from {', '.join(CONTROLS)}")
        with self._quietly():
            for key in CONTROLS:  # model first: it decides which stages exist
                if key in controls:
                    self._set_control(key, controls[key])
        self._update()
        self.wait()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background t-SNE (and the redraw after it) is done; True if it is."""
        self._run.wait(timeout)
        with self._lock:
            return not self._tsne_active

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # ------------------------------------------------------------------------- controls

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change several controls without a redraw per change."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _set_control(self, key: str, value: Any) -> None:
        control = getattr(self, key)
        if self._embedded and (
            key == "image" or (key == "view" and dict(VIEWS).get(value, value) == "filters")
        ):
            raise ValueError(f"cannot set {key}={value!r} for sentence embeddings: {NO_FILTERS}")
        if key == "stage" and isinstance(value, str):
            labels = {label: index for label, index in self.stage.options}
            if value not in labels:
                raise ValueError(f"unknown stage {value!r}; choose from {', '.join(labels)}")
            value = labels[value]
        if key in ("method", "view") and isinstance(value, str):
            value = dict(METHODS if key == "method" else VIEWS).get(value, value)
        if isinstance(control, widgets.IntSlider):
            if not control.min <= int(value) <= control.max:
                raise ValueError(f"{key} must be in {control.min}..{control.max}, got {value}")
            control.value = int(value)
            return
        choices = [option[1] if isinstance(option, tuple) else option for option in control.options]
        if value not in choices:
            raise ValueError(f"unknown {key} {value!r}; choose from {choices}")
        control.value = value
        if key == "model":
            self._set_stage_options(value)

    def _on_model(self, change: dict[str, Any]) -> None:
        self._set_stage_options(change["new"])
        self._update()

    def _on_change(self, change: dict[str, Any]) -> None:
        self._update()

    # ---------------------------------------------------------------------- computation

    def _backbone(self, name: str) -> nn.Module:
        model = self.models[name]
        if not _is_backbone(model):
            raise ValueError(
                f"model {name!r} is not a tlwidgets backbone (a {type(model).__name__} has no "
                "stages); use create_backbone(...) or load_pretrained(...)"
            )
        return model

    def _stage_features(self, name: str, stage: int) -> Tensor:
        """Pooled features (N, C) of every shown point at ``stage``, cached."""
        key = (name, stage)
        if key not in self._features:
            model = self._backbone(name)
            if stage >= len(model.stages):
                raise ValueError(
                    f"model {name!r} has stages 0..{len(model.stages) - 1}; it has no "
                    f"stage{stage} to compare"
                )
            if len(self._points) == 0:
                raise ValueError("no images to explore: the data is empty")
            self._features[key] = extract_features(model, self._points, stage=stage)
        return self._features[key]

    def _numbers_for(self, name: str, stage: int) -> dict[str, float]:
        """k-NN and probe accuracy (fit half / score half), domain separability; cached."""
        key = (name, stage)
        if key not in self._numbers:
            features = self._stage_features(name, stage)
            if len(self._score_half) == 0:
                raise ValueError(f"need at least 2 points to score features, got {len(features)}")
            labels = self._labels
            fit_x, fit_y = features[self._fit_half], labels[self._fit_half]
            score_x, score_y = features[self._score_half], labels[self._score_half]
            probe = fit_linear_probe(
                fit_x, fit_y, num_classes=len(self.classes), epochs=PROBE_EPOCHS, seed=self.seed
            )
            numbers = {
                "knn_acc": knn_accuracy(fit_x, fit_y, score_x, score_y, k=KNN_K),
                "probe_acc": probe.accuracy(score_x, score_y),
            }
            if len(self.domain_names) == 2:
                numbers["domain_separability"] = domain_separability(
                    features[self._domains == 0], features[self._domains == 1], seed=self.seed
                )
            self._numbers[key] = numbers
        return self._numbers[key]

    def _neighbours(self, name: str, stage: int, point: int) -> np.ndarray:
        """Indices (k,) of the ``point``'s nearest neighbours in the model's features, cached."""
        key = (name, stage, point)
        if key not in self._nearest:
            features = self._stage_features(name, stage)
            self._nearest[key] = nearest_neighbours(features, point, k=NEIGHBOURS).numpy()
        return self._nearest[key]

    def _projection(self, name: str, stage: int, method: str) -> np.ndarray | None:
        """Coordinates (N, 2), or None while a t-SNE for them is computing."""
        key = (name, stage, method)
        features = self._stage_features(name, stage)
        with self._lock:
            if key in self._projections:
                return self._projections[key]
            if key in self._tsne_errors:
                raise RuntimeError(
                    f"t-SNE of {name} at stage{stage} failed: {self._tsne_errors[key]}"
                )
        if method == "pca":
            coords = project(features, "pca", seed=self.seed)
            with self._lock:
                self._projections[key] = coords
            return coords
        self._request_tsne(key)
        return None

    def _request_tsne(self, key: tuple[str, int, str]) -> None:
        """Queue a t-SNE; start the worker unless one is running (it takes the queue in turn)."""
        with self._lock:
            if key not in self._tsne_queue:
                self._tsne_queue.append(key)
            if self._tsne_active:
                return
            self._tsne_active = True
        self._run.wait()  # a worker that just emptied the queue is returning; nothing to wait on
        self._run.start(self._tsne_worker, name="tlwidgets-tsne")

    def _tsne_worker(self, stop: threading.Event) -> None:
        """Compute queued t-SNE projections one by one, redrawing after each."""
        try:
            while True:
                with self._lock:
                    if stop.is_set() or not self._tsne_queue:
                        self._tsne_queue.clear()
                        self._tsne_active = False
                        return
                    key = self._tsne_queue[0]
                name, stage, _ = key
                try:
                    coords = project(self._features[(name, stage)], "tsne", seed=self.seed)
                except Exception as error:  # shown by the next redraw, for this view only
                    with self._lock:
                        self._tsne_errors[key] = str(error)
                else:
                    with self._lock:
                        self._projections[key] = coords
                with self._lock:
                    self._tsne_queue.remove(key)
                self._update()  # may queue more work for this loop
        finally:
            with self._lock:
                self._tsne_active = False

    # ------------------------------------------------------------------------ rendering

    def _update(self) -> None:
        """Redraw the current view; any error goes to the status line."""
        if self._quiet:
            return
        with self._render_lock:
            try:
                self._render()
            except Exception as error:  # the panel stays usable; the message says what failed
                self.last_error = str(error) or type(error).__name__
                self.status.value = (
                    f'<span style="color:#b00020">Error: {html.escape(self.last_error)}</span>'
                )

    def _render(self) -> None:
        if len(self._points) == 0:
            raise ValueError("no images to explore: the data is empty (pass a non-empty data=)")
        names = [self.model.value] + ([self.compare.value] if self.compare.value != "none" else [])
        stage = self.stage.value
        metrics: dict[str, float] = {}
        for index, name in enumerate(names):
            prefix = "compare_" if index else ""
            metrics.update({prefix + k: v for k, v in self._numbers_for(name, stage).items()})
        self.metrics = metrics
        self.metrics_html.value = self._metrics_table(names, stage)
        stage_name = self.stage.label
        points = f"{len(self._points)} points ({self._domain_counts()})"
        if self.view.value == "filters":
            self._scene = self._filters_scene(names)
            self._plot.refresh(force=True)
            self.status.value = html.escape(
                f"Ready: {' vs '.join(names)}: filters and the maps of image {self.image.value}"
            )
            self.last_error = None
            return
        method = self.method.value
        coords = {name: self._projection(name, stage, method) for name in names}
        waiting = [name for name, xy in coords.items() if xy is None]
        if waiting:
            self.status.value = html.escape(
                f"computing t-SNE ... ({', '.join(waiting)} at {stage_name}, {points}); the "
                "panel stays usable and the map appears when it is ready"
            )
            self.last_error = None
            return
        point = self.point.value
        neighbours = self._neighbours(names[0], stage, point)
        method_label = {value: text for text, value in METHODS}[method]
        self._scene = _MapScene(
            panels=[(f"{name} · {stage_name} · {method_label}", coords[name]) for name in names],
            colour=self.colour.value,
            point=point,
            neighbours=neighbours,
        )
        self._plot.refresh(force=True)
        thumbs_key = (names[0], stage, point)
        if self._thumbs_key != thumbs_key:  # redrawn only when the point or its neighbours change
            self._show_neighbours(names[0], stage_name, point, neighbours)
            self._thumbs_key = thumbs_key
        self.status.value = html.escape(
            f"Ready: {' vs '.join(names)} · {stage_name} · {method_label} · {points}"
        )
        self.last_error = None

    def _domain_counts(self) -> str:
        counts = np.bincount(self._domains, minlength=len(self.domain_names))
        return ", ".join(f"{name} {n}" for name, n in zip(self.domain_names, counts, strict=True))

    def _filters_scene(self, names: list[str]) -> _FiltersScene:
        scene = _FiltersScene(image=self._points.images[self.image.value], names=names)
        for name in names:
            model = self._backbone(name)
            scene.filters.append(first_layer_filters(model))
            scene.activations.append(
                stage_activations(model, scene.image, channels=ACTIVATION_CHANNELS)
            )
            scene.stage_names.append(list(model.stage_names))
        return scene

    def _show_neighbours(
        self, name: str, stage_name: str, point: int, neighbours: np.ndarray
    ) -> None:
        """Show the point and its neighbours: thumbnails of images, or a list of sentences."""
        shown = np.concatenate([[point], neighbours])
        labels = self._labels[torch.as_tensor(shown)].tolist()
        matches = [label == labels[0] for label in labels]
        title = (
            f"point {point} and its {len(neighbours)} nearest neighbours in {name}'s "
            f"{stage_name} features ({MATCH_MARK} same class, {MISMATCH_MARK} another)"
        )
        two = len(self.domain_names) == 2
        if self._embedded:
            tags = [
                self.classes[label]
                + (f" · {self.domain_names[self._domains[index]]}" if two else "")
                for index, label in zip(shown, labels, strict=True)
            ]
            sentences = [self._points.texts[index] for index in shown]
            self._sentences.value = _sentence_list_html(sentences, tags, matches, title)
            return
        texts = []
        for rank, (index, label) in enumerate(zip(shown, labels, strict=True)):
            text = self.classes[label][:10]
            if two:
                text += f" · {self.domain_names[self._domains[index]][:8]}"
            texts.append(("point " if rank == 0 else "") + text)
        self._thumbs_scene = (self._points.images[torch.as_tensor(shown)], texts, matches, title)
        self._thumbs.refresh(force=True)

    def _metrics_table(self, names: list[str], stage: int) -> str:
        rows = [
            (
                "knn_acc",
                f"k-NN accuracy (k={KNN_K})",
                "cosine k-NN vote, fitted on one half of the shown points, scored on the other",
            ),
            (
                "probe_acc",
                "linear-probe accuracy",
                "a linear classifier trained on the fit half's features, scored on the other half",
            ),
        ]
        if len(self.domain_names) == 2:
            rows.append(
                (
                    "domain_separability",
                    "domain separability",
                    "how well k-NN tells source from target: 0 = indistinguishable, 1 = perfectly "
                    "separable (lesson 02: proxy A-distance)",
                )
            )
        header = "".join(f"<th>{html.escape(name)}</th>" for name in names)
        body = []
        for key, text, tip in rows:
            cells = "".join(
                f"<td style='text-align:right'>{self._numbers_for(name, stage)[key]:.3f}</td>"
                for name in names
            )
            body.append(f"<tr><td title='{html.escape(tip)}'>{text}</td>{cells}</tr>")
        return (
            f"<b>{html.escape(self.stage.label)} features</b>"
            f"<table><tr><th></th>{header}</tr>{''.join(body)}</table>"
            f"<small>{len(self._fit_half)} points fit, {len(self._score_half)} scored</small>"
        )

    def _draw_main(self, figure: Figure) -> None:
        scene = self._scene
        if isinstance(scene, _FiltersScene):
            draw_filters_and_activations(
                figure,
                scene.image,
                scene.names,
                scene.filters,
                scene.activations,
                stage_names=scene.stage_names,
            )
            return
        if scene is None:
            return
        width = PANEL_WIDTH * len(scene.panels) + LEGEND_WIDTH
        figure.set_size_inches(width, MAP_HEIGHT)
        figure.subplots_adjust(
            left=0.01, right=1 - LEGEND_WIDTH / width, bottom=0.01, top=0.93, wspace=0.04
        )
        two = len(self.domain_names) == 2
        labels = self._labels.numpy()
        for index, (title, coords) in enumerate(scene.panels):
            ax = figure.add_subplot(1, len(scene.panels), index + 1)
            draw_projection_panel(
                ax,
                coords,
                labels,
                num_classes=len(self.classes),
                domains=self._domains if two else None,
                colour=scene.colour,
                point=scene.point,
                neighbours=scene.neighbours if index == 0 else None,
                title=title,
            )
        add_projection_legend(
            figure, self.classes, domain_names=self.domain_names, colour=scene.colour
        )

    def _draw_thumbs(self, figure: Figure) -> None:
        if self._thumbs_scene is None:
            return
        images, texts, matches, title = self._thumbs_scene
        draw_neighbours(figure, images, texts, matches=matches, title=title)
