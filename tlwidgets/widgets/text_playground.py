"""TextPlayground: type a sentence, see its nearest neighbours, a classifier's verdict, zero-shot.

Lesson 05's hands-on panel. A sentence is embedded by the frozen encoder; the panel then
shows the ``k`` most similar sentences of a labelled bank (cosine similarity), the class
probabilities of the chosen classifier, and the zero-shot probabilities against one
description per class, which the learner can rewrite to see the scores move::

    encoder = load_text_encoder("minilm")
    reviews = load_sentiment("movies", "train").balanced(50)
    features = embed_texts(encoder, reviews.texts)
    playground = TextPlayground(
        encoder,
        reviews,
        bank_embeddings=features,
        classifiers={"head on MiniLM": fit_text_head(features, reviews.labels),
                     "TF-IDF": fit_tfidf(reviews.texts, reviews.labels)},
        descriptions={"negative": "a negative review", "positive": "a positive review"},
        examples=["a wonderful, moving film", "dull and far too long"],
    )
    playground                                       # the panel
    playground.analyse("a wonderful, moving film")   # TextAnalysis: neighbours, prediction...

The panel trains nothing: it takes fitted classifiers and calls
:mod:`tlwidgets.analysis.text` only. Embedding one sentence takes milliseconds, so the
analysis runs in the kernel's own thread, in the button's callback.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np
from IPython.display import display

from ..analysis import cosine_neighbours, embed_texts, label_description_scores
from ..data import LabelledTexts
from ..models.text_encoder import SentenceEncoder
from ..train import TextHead, TfidfClassifier
from .html_table import TD, TD_LEFT, TH, format_percent
from .screen_reader import panel_box

__all__ = ["Neighbour", "TextAnalysis", "TextPlayground"]

# What a classifier may be: a head on the encoder's embeddings, the TF-IDF baseline, or any
# function of a list of N texts returning class probabilities of shape (N, K).
TextClassifierLike = TextHead | TfidfClassifier | Callable[[list[str]], np.ndarray]

TEXT_CHARS = 240  # a neighbour sentence is cut to this many characters in the table
SENTENCE_PIXELS = 600  # the sentence column's width; longer sentences wrap
BAR_PIXELS = 160  # width of a full (100%) probability bar
BAR_COLOUR, TOP_COLOUR = "#9ab6d3", "#2a6db0"  # other classes / the most probable class
STYLE = {"description_width": "initial"}
START = "Type a sentence and press Analyse, or choose an example."
NO_TEXT = "Type a sentence first, then press Analyse."


@dataclass(frozen=True)
class Neighbour:
    """One sentence of the bank close to the analysed one."""

    index: int  # its row in the bank
    text: str
    label: str  # its class name, e.g. "positive"
    similarity: float  # cosine similarity to the analysed sentence, in [-1, 1]


@dataclass(frozen=True)
class TextAnalysis:
    """What the playground made of one sentence."""

    text: str
    neighbours: tuple[Neighbour, ...]  # the k most similar bank sentences, most similar first
    classifier: str | None  # the name of the classifier used (None: none given)
    prediction: dict[str, float] | None  # class name -> its probability; sums to 1
    zero_shot: dict[str, float] | None  # class name -> zero-shot probability (None: no
    # descriptions given)
    seconds: float  # time taken by the analysis

    @property
    def predicted_class(self) -> str | None:
        """The classifier's most probable class, or None without a classifier."""
        return None if self.prediction is None else _top(self.prediction)

    @property
    def zero_shot_class(self) -> str | None:
        """The class whose description the sentence is closest to, or None without any."""
        return None if self.zero_shot is None else _top(self.zero_shot)


def _top(probabilities: Mapping[str, float]) -> str:
    return max(probabilities, key=lambda name: probabilities[name])


def _bars_html(probabilities: Mapping[str, float], css_class: str) -> str:
    """A table of one row per class: its name, a bar as long as its probability, the number."""
    top = _top(probabilities)
    rows = []
    for name, probability in probabilities.items():
        colour = TOP_COLOUR if name == top else BAR_COLOUR
        weight = "bold" if name == top else "normal"
        bar = (
            f'<div style="width: {BAR_PIXELS}px; background: #eee"><div style="width: '
            f'{100 * probability:.1f}%; height: 12px; background: {colour}"></div></div>'
        )
        rows.append(
            f'<tr>{TD_LEFT}<span style="font-weight: {weight}">{html.escape(name)}</span></td>'
            f"{TD}{bar}</td>{TD}{format_percent(probability)}</td></tr>"
        )
    head = f"{TH}class</th>{TH}</th>{TH}probability</th>"
    return (
        f'<table class="{css_class}" style="border-collapse: collapse"><thead><tr>{head}'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _neighbours_html(neighbours: Sequence[Neighbour]) -> str:
    """A table of the neighbours: rank, sentence (wrapped, cut), its label and cosine."""
    sentence = (
        '<td style="padding: 2px 6px; text-align: left; white-space: normal; '
        f'line-height: 1.3; min-width: 240px; max-width: {SENTENCE_PIXELS}px">'
    )
    rows = [
        f"<tr>{TD}{rank}</td>{sentence}{html.escape(_cut(n.text))}</td>"
        f"{TD_LEFT}{html.escape(n.label)}</td>{TD}{n.similarity:.3f}</td></tr>"
        for rank, n in enumerate(neighbours, start=1)
    ] or ['<tr><td colspan="4">No sentence analysed yet.</td></tr>']
    head = "".join(f"{TH}{name}</th>" for name in ("#", "sentence", "label", "cosine"))
    return (
        f'<table class="tlw-neighbours-table" style="border-collapse: collapse"><thead><tr>'
        f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cut(text: str, chars: int = TEXT_CHARS) -> str:
    text = " ".join(text.split())  # one line: e-mails have line breaks
    return text if len(text) <= chars else text[: chars - 1] + "\N{HORIZONTAL ELLIPSIS}"


class TextPlayground:
    """A panel that analyses a typed sentence: neighbours, a classifier's and zero-shot scores.

    Parameters
    ----------
    encoder
        The frozen sentence encoder, e.g. ``load_text_encoder("minilm")``: ``name``, ``dim``
        and ``encode(texts) -> (N, dim)`` unit rows.
    bank
        Labelled sentences to find neighbours in, e.g.
        ``load_sentiment("movies", "train").balanced(50)``; its classes are the classes of
        every classifier and description.
    bank_embeddings
        Shape (N, dim): the bank's embeddings by ``encoder``; default computed here with
        :func:`~tlwidgets.analysis.embed_texts` (cached on disk).
    classifiers
        Readable name -> a fitted classifier: a :class:`~tlwidgets.train.TextHead` (fed the
        sentence's embedding), a :class:`~tlwidgets.train.TfidfClassifier` (fed the text), or a
        function of a list of N texts returning probabilities of shape (N, K) over the bank's
        K classes. The first is chosen at the start; default none.
    descriptions
        Class name -> its label description for zero-shot scoring (e.g. "positive":
        "a positive review"), one for every class of the bank; default no zero-shot.
    examples
        Sentences offered in the Example dropdown.
    k
        How many neighbours are listed (at most the bank's size).
    temperature
        Of the zero-shot softmax (see :func:`~tlwidgets.analysis.label_description_scores`).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel (CSS class ``tlw-text-playground``).
    last_result : TextAnalysis or None
        The analysis shown (None before the first).
    last_error : str or None
        The message of the last error or hint shown in the status line.

    Raises
    ------
    ValueError
        If an argument does not fit the others (the message says which and what fits).
    """

    def __init__(
        self,
        encoder: SentenceEncoder,
        bank: LabelledTexts,
        *,
        bank_embeddings: np.ndarray | None = None,
        classifiers: Mapping[str, TextClassifierLike] | None = None,
        descriptions: Mapping[str, str] | None = None,
        examples: Sequence[str] = (),
        k: int = 5,
        temperature: float = 0.05,
    ):
        if not all(hasattr(encoder, attribute) for attribute in ("name", "dim", "encode")):
            raise ValueError(
                "encoder must be a sentence encoder with name, dim and encode(texts) (e.g. "
                f"load_text_encoder('minilm')), got {type(encoder).__name__}"
            )
        if not isinstance(bank, LabelledTexts) or len(bank) == 0:
            got = "empty LabelledTexts" if bank is not None else "None"
            if bank is not None and not isinstance(bank, LabelledTexts):
                got = f"a {type(bank).__name__}"
            raise ValueError(
                f"bank must be non-empty LabelledTexts (see load_sentiment), got {got}"
            )
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a whole number of neighbours >= 1, got {k!r}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        if isinstance(examples, str) or not all(isinstance(e, str) and e.strip() for e in examples):
            raise ValueError(f"examples must be a list of non-empty sentences, got {examples!r}")
        self.encoder = encoder
        self.bank = bank
        self.classifiers = {
            name: self._checked_classifier(name, c) for name, c in (classifiers or {}).items()
        }
        label_descriptions = self._checked_descriptions(descriptions)
        if bank_embeddings is None:  # after the checks: embedding a large bank takes a while
            bank_embeddings = embed_texts(encoder, bank.texts)
        bank_embeddings = np.asarray(bank_embeddings, dtype=np.float32)
        if bank_embeddings.shape != (len(bank), encoder.dim):
            raise ValueError(
                f"bank_embeddings has shape {bank_embeddings.shape}; expected one row of "
                f"{encoder.dim} ({encoder.name}'s width) per bank text: "
                f"{(len(bank), encoder.dim)}"
            )
        self.bank_embeddings = bank_embeddings  # (N, dim)
        self.k = min(k, len(bank))
        self.temperature = float(temperature)
        self.last_result: TextAnalysis | None = None
        self.last_error: str | None = None
        self._last_embedding: np.ndarray | None = None  # (1, dim) of last_result's text
        self._described: dict[tuple[str, ...], np.ndarray] = {}  # the descriptions last
        # embedded -> their embeddings (K, dim)
        self._build_panel(label_descriptions, list(examples))
        self._show()
        self._set_status(START)

    # ------------------------------------------------------------------ public API

    @property
    def classes(self) -> tuple[str, ...]:
        """The bank's class names: the columns of every prediction."""
        return self.bank.classes

    @property
    def classifier(self) -> str | None:
        """The name of the chosen classifier (None when none was given)."""
        return self.classifier_dropdown.value if self.classifiers else None

    @property
    def descriptions(self) -> dict[str, str] | None:
        """Class name -> its label description as now typed (None: no zero-shot)."""
        if not self.description_boxes:
            return None
        return {name: box.value for name, box in self.description_boxes.items()}

    def analyse(self, text: str) -> TextAnalysis | None:
        """Analyse ``text`` and show the result; what the Analyse button does.

        Puts ``text`` in the text box, finds its ``k`` nearest bank sentences, and scores
        it with the chosen classifier and against the label descriptions.

        Returns
        -------
        TextAnalysis or None
            The numbers shown. An empty text, or an error (e.g. a classifier that returns the
            wrong shape), never raises: the status line says what went wrong,
            :attr:`last_error` holds it, and None is returned.
        """
        self.text_box.value = text
        if not text.strip():
            self._set_status(NO_TEXT)
            self.last_error = NO_TEXT
            return None
        began = time.perf_counter()
        try:
            embedding = embed_texts(self.encoder, [text], cache=False)  # (1, dim)
            indices, similarities = cosine_neighbours(embedding, self.bank_embeddings, self.k)
            neighbours = tuple(
                Neighbour(
                    index=int(i),
                    text=self.bank.texts[i],
                    label=self.classes[int(self.bank.labels[i])],
                    similarity=float(s),
                )
                for i, s in zip(indices[0], similarities[0], strict=True)
            )
            result = TextAnalysis(
                text=text,
                neighbours=neighbours,
                classifier=self.classifier,
                prediction=self._predict(text, embedding),
                zero_shot=self._zero_shot(embedding),
                seconds=time.perf_counter() - began,
            )
        except Exception as error:  # shown in the panel: a notebook cell must not fail here
            self._show_error(error)
            return None
        self.last_result, self._last_embedding = result, embedding
        self.last_error = None
        self._show()
        self._set_status(f"Analysed in {1000 * result.seconds:.0f} ms: {_cut(text, 60)!r}")
        return result

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ------------------------------------------------------------------ checks

    def _checked_classifier(self, name: str, classifier: object) -> TextClassifierLike:
        """``classifier`` if it can score this bank's classes, else a ValueError."""
        if isinstance(classifier, (TextHead, TfidfClassifier)):
            known = [int(c) for c in classifier.model.classes_]
            if any(c not in range(len(self.bank.classes)) for c in known):
                raise ValueError(
                    f"classifier {name!r} was fitted on classes {known}; the bank has "
                    f"{len(self.bank.classes)} ({', '.join(self.bank.classes)}), numbered 0 .. "
                    f"{len(self.bank.classes) - 1}"
                )
        if isinstance(classifier, TextHead):
            width = classifier.model.n_features_in_
            if width != self.encoder.dim:
                raise ValueError(
                    f"classifier {name!r} is a head on {width}-d features; {self.encoder.name} "
                    f"gives {self.encoder.dim}-d embeddings (fit it on embed_texts(encoder, ...))"
                )
        elif not isinstance(classifier, TfidfClassifier) and not callable(classifier):
            raise ValueError(
                f"classifier {name!r} is a {type(classifier).__name__}; give a TextHead "
                "(fit_text_head), a TfidfClassifier (fit_tfidf) or a function of a list of "
                "texts returning class probabilities of shape (N, K)"
            )
        return classifier  # type: ignore[return-value]

    def _checked_descriptions(self, descriptions: Mapping[str, str] | None) -> dict[str, str]:
        """The descriptions in the bank's class order; a ValueError if they do not fit it."""
        if descriptions is None:
            return {}
        missing = [c for c in self.bank.classes if c not in descriptions]
        unknown = [c for c in descriptions if c not in self.bank.classes]
        if missing or unknown:
            raise ValueError(
                "descriptions must describe exactly the bank's classes "
                f"({', '.join(self.bank.classes)}); missing: {missing or 'none'}, unknown: "
                f"{unknown or 'none'}"
            )
        empty = [c for c, d in descriptions.items() if not isinstance(d, str) or not d.strip()]
        if empty:
            raise ValueError(f"the description of {empty} must be a non-empty sentence")
        return {c: descriptions[c] for c in self.bank.classes}

    # ------------------------------------------------------------------ scoring

    def _predict(self, text: str, embedding: np.ndarray) -> dict[str, float] | None:
        """The chosen classifier's probability for every class of the bank."""
        name = self.classifier
        if name is None:
            return None
        classifier = self.classifiers[name]
        n_classes = len(self.classes)
        if isinstance(classifier, (TextHead, TfidfClassifier)):
            columns = classifier.predict_proba(
                embedding if isinstance(classifier, TextHead) else [text]
            )  # (1, classes it was fitted on)
            probabilities = np.zeros(n_classes)
            probabilities[[int(c) for c in classifier.model.classes_]] = columns[0]
        else:
            scores = np.asarray(classifier([text]), dtype=np.float64)
            if scores.shape != (1, n_classes):
                raise ValueError(
                    f"classifier {name!r} returned shape {scores.shape}; expected (1, {n_classes})"
                    f": one probability per class ({', '.join(self.classes)}) for one text"
                )
            probabilities = scores[0]
        return {c: float(p) for c, p in zip(self.classes, probabilities, strict=True)}

    def _zero_shot(self, embedding: np.ndarray) -> dict[str, float] | None:
        """Zero-shot probabilities of the sentence against the typed label descriptions."""
        descriptions = self.descriptions
        if descriptions is None:
            return None
        empty = [c for c, d in descriptions.items() if not d.strip()]
        if empty:
            raise ValueError(f"describe every class: the description of {empty} is empty")
        texts = tuple(descriptions.values())
        described = self._described.get(texts)  # (K, dim)
        if described is None:  # first use, or a description was rewritten
            described = embed_texts(self.encoder, texts, cache=False)
            self._described = {texts: described}
        scores = label_description_scores(embedding, described, self.temperature)[0]  # (K,)
        return {c: float(p) for c, p in zip(descriptions, scores, strict=True)}

    def _rescore(self, part: str) -> None:
        """Recompute the prediction or the zero-shot scores of the last sentence."""
        result, embedding = self.last_result, self._last_embedding
        if result is None or embedding is None:
            return
        try:
            if part == "prediction":
                changed = {
                    "classifier": self.classifier,
                    "prediction": self._predict(result.text, embedding),
                }
            else:
                changed = {"zero_shot": self._zero_shot(embedding)}
        except Exception as error:
            self._show_error(error)
            return
        self.last_result = replace(result, **changed)
        self.last_error = None
        self._show()
        what = f"classifier {self.classifier}" if part == "prediction" else "label descriptions"
        self._set_status(f"Rescored with the {what}.")

    # ------------------------------------------------------------------ the panel

    def _build_panel(self, descriptions: dict[str, str], examples: list[str]) -> None:
        self.text_box = widgets.Textarea(
            description="Sentence",
            placeholder="Type a sentence, e.g. a short review, then press Analyse",
            tooltip="The sentence to analyse: any text in the bank's language",
            rows=2,
            style=STYLE,
            layout=widgets.Layout(width="640px"),
        )
        self.analyse_button = widgets.Button(
            description="Analyse",
            icon="search",
            button_style="primary",
            tooltip="Embed the sentence; list its nearest neighbours; score it with the "
            "classifier and against the label descriptions",
        )
        self.analyse_button.on_click(lambda _: self.analyse(self.text_box.value))
        self.example_dropdown = widgets.Dropdown(
            options=[("(choose one)", ""), *((_cut(e, 60), e) for e in examples)],
            value="",
            description="Example",
            tooltip="Put an example sentence in the box and analyse it",
            disabled=not examples,
            style=STYLE,
            layout=widgets.Layout(width="400px"),
        )
        self.example_dropdown.observe(self._on_example, names="value")
        self.classifier_dropdown = widgets.Dropdown(
            options=list(self.classifiers) or ["(none given)"],
            description="Classifier",
            tooltip="Which trained classifier scores the sentence (trained on labelled "
            "examples; the panel only applies it)",
            disabled=not self.classifiers,
            style=STYLE,
            layout=widgets.Layout(width="300px"),
        )
        self.classifier_dropdown.observe(lambda _: self._rescore("prediction"), names="value")
        self.description_boxes: dict[str, widgets.Text] = {}
        for name, description in descriptions.items():
            box = widgets.Text(
                value=description,
                description=name,
                tooltip=f"The label description of class {name!r}: rewrite it and press Enter "
                "to see the zero-shot scores change",
                placeholder=f"describe {name}",
                continuous_update=False,  # rescore on Enter or leaving the box, not per key
                style=STYLE,
                layout=widgets.Layout(width="360px"),
            )
            box.observe(lambda _: self._rescore("zero_shot"), names="value")
            self.description_boxes[name] = box

        self.status = widgets.HTML(tooltip="What the playground did last")
        self.status.add_class("tlw-text-status")
        self.summary = widgets.HTML(tooltip="The key numbers of the last analysis")
        self.summary.add_class("tlw-text-summary")
        self.neighbours_html = widgets.HTML(
            tooltip=f"The {self.k} sentences of the bank whose embeddings point most nearly "
            "the same way (cosine similarity, 1 = same direction)"
        )
        self.neighbours_html.add_class("tlw-text-neighbours")
        self.prediction_html = widgets.HTML(tooltip="The classifier's class probabilities")
        self.prediction_html.add_class("tlw-text-prediction")
        self.zero_shot_html = widgets.HTML(
            tooltip="Softmax over the cosine similarity to each label description: no "
            f"labelled example used (temperature {self.temperature:g})"
        )
        self.zero_shot_html.add_class("tlw-text-zero-shot")

        bank = html.escape(f"{self.bank.name}, {len(self.bank)} sentences")
        zero_shot_about = (
            "<b>Zero-shot</b>: the class whose description the sentence is closest to"
            if descriptions
            else "<b>Zero-shot</b>"
        )
        column = widgets.Layout(margin="0 24px 0 0")
        self.widget = panel_box(
            [
                widgets.HBox([self.text_box, self.analyse_button]),
                self.example_dropdown,
                self.status,
                self.summary,
                widgets.HTML(f"<b>Nearest neighbours</b> in {bank}"),
                self.neighbours_html,
                widgets.HBox(
                    [
                        widgets.VBox(
                            [
                                widgets.HTML("<b>Classifier</b>: trained on labelled examples"),
                                self.classifier_dropdown,
                                self.prediction_html,
                            ],
                            layout=column,
                        ),
                        widgets.VBox(
                            [
                                widgets.HTML(zero_shot_about),
                                *self.description_boxes.values(),
                                self.zero_shot_html,
                            ]
                        ),
                    ],
                    layout=widgets.Layout(
                        flex_flow="row wrap", align_items="flex-start", margin="8px 0 0 0"
                    ),
                ),
            ],
            announce=[self.status, self.summary],
        )
        self.widget.add_class("tlw-text-playground")

    def _on_example(self, change: dict) -> None:
        if not change["new"]:
            return
        self.analyse(change["new"])
        self.example_dropdown.value = ""  # so the same example can be chosen again

    def _show(self) -> None:
        """Fill the neighbours table, the bars and the summary from :attr:`last_result`."""
        result = self.last_result
        self.neighbours_html.value = _neighbours_html(() if result is None else result.neighbours)
        if not self.classifiers:
            self.prediction_html.value = "<i>No classifier given (classifiers={...}).</i>"
        elif result is None or result.prediction is None:
            self.prediction_html.value = "<i>Analyse a sentence to see its scores.</i>"
        else:
            self.prediction_html.value = _bars_html(result.prediction, "tlw-bars-table")
        if not self.description_boxes:
            self.zero_shot_html.value = "<i>No label descriptions given (descriptions={...}).</i>"
        elif result is None or result.zero_shot is None:
            self.zero_shot_html.value = "<i>Analyse a sentence to see its scores.</i>"
        else:
            self.zero_shot_html.value = _bars_html(result.zero_shot, "tlw-bars-table")
        self.summary.value = "" if result is None else html.escape(self._summary(result))

    def _summary(self, result: TextAnalysis) -> str:
        parts = []
        if result.prediction is not None:
            top = result.predicted_class
            assert top is not None
            parts.append(f"{result.classifier}: {top} ({format_percent(result.prediction[top])})")
        if result.zero_shot is not None:
            top = result.zero_shot_class
            assert top is not None
            parts.append(f"zero-shot: {top} ({format_percent(result.zero_shot[top])})")
        nearest = result.neighbours[0]
        parts.append(f"nearest neighbour: {nearest.label} (cosine {nearest.similarity:.2f})")
        return "; ".join(parts)

    def _set_status(self, text: str) -> None:
        self.status.value = html.escape(text, quote=False)

    def _show_error(self, error: BaseException) -> None:
        self.last_error = str(error) or type(error).__name__
        self._set_status(f"Error: {self.last_error}")
