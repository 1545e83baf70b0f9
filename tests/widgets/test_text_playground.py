"""Headless tests of TextPlayground: type a sentence, click, switch, rewrite; assert on state."""

from __future__ import annotations

import re
import zlib

import numpy as np
import pytest

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.analysis import cosine_neighbours, embed_texts, label_description_scores
from tlwidgets.data import LabelledTexts
from tlwidgets.train import fit_text_head, fit_tfidf
from tlwidgets.widgets import TextPlayground
from tlwidgets.widgets.text_playground import TextAnalysis

DIM = 64


class HashingEncoder:
    """A tiny stand-in for MiniLM: bag of words hashed into DIM dimensions, unit rows."""

    name = "hashing-test"
    dim = DIM

    def __init__(self) -> None:
        self.calls: list[list[str]] = []  # the texts of every encode call

    def encode(self, texts, batch_size: int = 64) -> np.ndarray:
        self.calls.append(list(texts))
        rows = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            for word in re.findall(r"[a-z]+", text.lower()):
                row[zlib.crc32(word.encode()) % DIM] += 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True).clip(1e-12)


BANK = LabelledTexts(
    texts=(
        "a wonderful film",
        "a wonderful moving story",
        "great acting and a great story",
        "a dull film",
        "dull and far too long",
        "boring acting, a boring story",
    ),
    labels=np.array([1, 1, 1, 0, 0, 0]),
    classes=("negative", "positive"),
    name="tiny reviews",
)
DESCRIPTIONS = {"negative": "dull boring", "positive": "wonderful great"}


def always(probabilities):
    """A classifier (a function of texts) that gives every text ``probabilities``."""
    return lambda texts: np.tile(np.asarray(probabilities, dtype=float), (len(texts), 1))


@pytest.fixture
def encoder():
    return HashingEncoder()


@pytest.fixture
def features(encoder):
    return encoder.encode(list(BANK.texts))


@pytest.fixture
def playground(encoder, features):
    return TextPlayground(
        encoder,
        BANK,
        bank_embeddings=features,
        classifiers={
            "head": fit_text_head(features, BANK.labels),
            "always positive": always([0.2, 0.8]),
            "always negative": always([0.7, 0.3]),
        },
        descriptions=DESCRIPTIONS,
        examples=["dull and boring", "a great story"],
        k=3,
    )


def type_and_click(playground: TextPlayground, text: str) -> None:
    playground.text_box.value = text
    playground.analyse_button.click()


def bar_rows(table_html: str) -> dict[str, str]:
    """Class name -> its shown percentage, from a bars table."""
    return dict(re.findall(r"<span[^>]*>([^<]+)</span>.*?([\d.]+%)</td></tr>", table_html))


# ---------------------------------------------------------------------- the panel


def test_every_control_has_a_description_and_tooltip(playground):
    controls = [
        playground.text_box,
        playground.analyse_button,
        playground.example_dropdown,
        playground.classifier_dropdown,
        *playground.description_boxes.values(),
    ]
    assert [c.description for c in controls] == [
        "Sentence",
        "Analyse",
        "Example",
        "Classifier",
        "negative",
        "positive",
    ]
    assert all(c.tooltip for c in controls)
    assert playground.text_box.placeholder
    assert "tlw-text-playground" in playground.widget._dom_classes
    assert list(playground.classifier_dropdown.options) == [
        "head",
        "always positive",
        "always negative",
    ]
    assert playground.classifier == "head"
    assert playground.descriptions == DESCRIPTIONS
    assert playground.last_result is None
    assert "Type a sentence" in playground.status.value
    assert "No sentence analysed yet" in playground.neighbours_html.value


def test_every_control_in_the_panel_is_named_for_screen_readers(playground):
    assert unnamed_controls(playground.widget) == []
    found = controls(playground.widget)
    expected = [
        playground.text_box,
        playground.analyse_button,
        playground.example_dropdown,
        playground.classifier_dropdown,
        *playground.description_boxes.values(),
    ]
    assert all(control in found for control in expected)


def test_analyse_button_lists_neighbours_prediction_and_zero_shot(playground, encoder, features):
    type_and_click(playground, "a wonderful film")
    result = playground.last_result
    assert isinstance(result, TextAnalysis) and result.text == "a wonderful film"

    # the neighbours: the sentence itself first, then as cosine_neighbours ranks them
    query = encoder.encode(["a wonderful film"])
    indices, sims = cosine_neighbours(query, features, 3)
    assert [n.index for n in result.neighbours] == indices[0].tolist()
    assert [n.similarity for n in result.neighbours] == pytest.approx(sims[0].tolist())
    first = result.neighbours[0]
    assert (first.text, first.label) == ("a wonderful film", "positive")
    assert first.similarity == pytest.approx(1.0)
    table = playground.neighbours_html.value
    assert table.count("<tr>") == 1 + 3  # the header and k rows
    assert all(n.text in table and f"{n.similarity:.3f}" in table for n in result.neighbours)

    # the head's probabilities, per class, shown as bars with their percentages
    head = playground.classifiers["head"]
    expected = head.predict_proba(query)[0]
    assert result.classifier == "head"
    assert list(result.prediction) == ["negative", "positive"]
    assert list(result.prediction.values()) == pytest.approx(expected.tolist())
    assert result.predicted_class == "positive"
    assert bar_rows(playground.prediction_html.value) == {
        name: f"{100 * p:.1f}%" for name, p in result.prediction.items()
    }

    # zero-shot: a softmax over the similarity to the two descriptions
    described = encoder.encode(list(DESCRIPTIONS.values()))
    zero = label_description_scores(query, described)[0]
    assert list(result.zero_shot.values()) == pytest.approx(zero.tolist())
    assert result.zero_shot_class == "positive"
    assert sum(result.zero_shot.values()) == pytest.approx(1.0)
    shown = bar_rows(playground.zero_shot_html.value)["positive"]
    assert shown == f"{100 * result.zero_shot['positive']:.1f}%"

    summary = playground.summary.value
    assert "head: positive" in summary and "zero-shot: positive" in summary
    assert "nearest neighbour: positive (cosine 1.00)" in summary
    assert playground.status.value.startswith("Analysed in")
    assert playground.last_error is None


def test_analyse_returns_the_result_and_fills_the_text_box(playground):
    result = playground.analyse("dull and far too long")
    assert result is playground.last_result
    assert playground.text_box.value == "dull and far too long"
    assert result.neighbours[0].label == "negative"
    assert result.zero_shot_class == "negative"


def test_empty_input_says_type_a_sentence_first(playground):
    type_and_click(playground, "   ")
    assert playground.last_result is None
    assert playground.status.value == "Type a sentence first, then press Analyse."
    assert playground.last_error == "Type a sentence first, then press Analyse."
    assert playground.analyse("") is None


def test_editing_a_description_changes_the_zero_shot_scores(playground, encoder):
    result = playground.analyse("a great story")
    before = result.zero_shot
    assert result.zero_shot_class == "positive"

    playground.description_boxes["positive"].value = "far too long"
    after = playground.last_result.zero_shot
    assert after["positive"] < before["positive"]
    query = encoder.encode(["a great story"])
    described = encoder.encode(["dull boring", "far too long"])
    expected = label_description_scores(query, described)[0]
    assert list(after.values()) == pytest.approx(expected.tolist())
    assert playground.last_result.prediction == result.prediction  # only zero-shot changed
    assert playground.last_result.neighbours == result.neighbours
    assert playground.descriptions["positive"] == "far too long"
    assert bar_rows(playground.zero_shot_html.value)["positive"] == (
        f"{100 * after['positive']:.1f}%"
    )
    assert "label descriptions" in playground.status.value


def test_descriptions_are_embedded_again_only_when_rewritten(playground, encoder):
    playground.analyse("a great story")
    playground.analyse("a dull film")
    playground.description_boxes["positive"].value = "fun"
    playground.analyse("a wonderful film")
    described = [texts for texts in encoder.calls if texts[0] == "dull boring"]
    assert described == [["dull boring", "wonderful great"], ["dull boring", "fun"]]


def test_an_emptied_description_is_reported_not_scored(playground):
    playground.analyse("a great story")
    shown = playground.zero_shot_html.value
    playground.description_boxes["negative"].value = " "
    assert playground.status.value.startswith("Error: describe every class")
    assert "negative" in playground.last_error
    assert playground.zero_shot_html.value == shown  # the last good scores stay


def test_switching_classifier_changes_the_prediction(playground):
    playground.analyse("a dull film")
    playground.classifier_dropdown.value = "always positive"
    result = playground.last_result
    assert result.classifier == "always positive"
    assert result.prediction == pytest.approx({"negative": 0.2, "positive": 0.8})
    assert result.predicted_class == "positive"
    assert "always positive: positive (80.0%)" in playground.summary.value

    playground.classifier_dropdown.value = "always negative"
    assert playground.last_result.predicted_class == "negative"
    assert bar_rows(playground.prediction_html.value) == {"negative": "70.0%", "positive": "30.0%"}
    assert playground.last_result.text == "a dull film"  # the same sentence, rescored


def test_choosing_an_example_analyses_it(playground):
    playground.example_dropdown.value = "dull and boring"
    assert playground.last_result.text == "dull and boring"
    assert playground.text_box.value == "dull and boring"
    assert playground.example_dropdown.value == ""  # ready to choose the same one again


def test_tfidf_and_a_head_on_some_classes_fill_every_class(encoder):
    bank = LabelledTexts(
        (*BANK.texts, "a film about a train", "a story set in a city"),
        np.array([2, 2, 2, 0, 0, 0, 1, 1]),
        ("negative", "neutral", "positive"),
        "three classes",
    )
    features = encoder.encode(list(bank.texts))
    no_neutral = bank.labels != 1
    playground = TextPlayground(
        encoder,
        bank,
        bank_embeddings=features,
        classifiers={
            "tf-idf": fit_tfidf(bank.texts, bank.labels),
            "head without neutral": fit_text_head(features[no_neutral], bank.labels[no_neutral]),
        },
    )
    result = playground.analyse("a wonderful story")
    assert list(result.prediction) == ["negative", "neutral", "positive"]
    assert sum(result.prediction.values()) == pytest.approx(1.0)
    assert result.predicted_class == "positive"
    assert result.zero_shot is None and "No label descriptions" in playground.zero_shot_html.value

    playground.classifier_dropdown.value = "head without neutral"
    prediction = playground.last_result.prediction
    assert prediction["neutral"] == 0.0 and sum(prediction.values()) == pytest.approx(1.0)


def test_without_classifiers_only_neighbours_and_zero_shot_are_shown(encoder, features):
    playground = TextPlayground(
        encoder, BANK, bank_embeddings=features, descriptions=DESCRIPTIONS, k=10
    )
    assert playground.classifier is None and playground.classifier_dropdown.disabled
    assert playground.example_dropdown.disabled  # no examples given
    result = playground.analyse("a wonderful film")
    assert result.prediction is None and result.predicted_class is None
    assert len(result.neighbours) == len(BANK)  # k is capped at the bank's size
    assert "No classifier given" in playground.prediction_html.value
    assert result.zero_shot_class == "positive"


def test_bank_texts_are_html_escaped(encoder):
    bank = LabelledTexts(
        ("<b>great</b> & fun", "dull <script>x</script>"), np.array([1, 0]), BANK.classes, "html"
    )
    playground = TextPlayground(encoder, bank, bank_embeddings=encoder.encode(list(bank.texts)))
    playground.analyse("great fun <i>")
    table = playground.neighbours_html.value
    assert "&lt;b&gt;great&lt;/b&gt; &amp; fun" in table and "<script>" not in table
    assert "&lt;i&gt;" in playground.status.value


def test_a_classifier_of_the_wrong_shape_shows_an_error(encoder, features):
    playground = TextPlayground(
        encoder, BANK, bank_embeddings=features, classifiers={"three": always([0.2, 0.3, 0.5])}
    )
    assert playground.analyse("a wonderful film") is None
    assert playground.status.value.startswith("Error: classifier 'three' returned shape (1, 3)")
    assert "expected (1, 2)" in playground.last_error


def test_bank_embeddings_are_computed_and_cached_when_not_given(
    encoder, features, monkeypatch, tmp_path
):
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    playground = TextPlayground(encoder, BANK)
    assert np.allclose(playground.bank_embeddings, features)
    again = HashingEncoder()
    assert np.array_equal(embed_texts(again, BANK.texts), playground.bank_embeddings)
    assert again.calls == []  # read back from the cache


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bank_embeddings": np.zeros((6, 8))}, r"shape \(6, 8\); expected .* \(6, 64\)"),
        ({"bank_embeddings": np.zeros((5, DIM))}, r"shape \(5, 64\); expected .* \(6, 64\)"),
        ({"classifiers": {"svm": object()}}, r"'svm' is a object; give a TextHead"),
        ({"classifiers": {"probs": np.ones((1, 2))}}, r"'probs' is a ndarray"),
        (
            {"descriptions": {"negative": "bad", "good": "good"}},
            r"exactly the bank's classes \(negative, positive\); missing: \['positive'\], "
            r"unknown: \['good'\]",
        ),
        ({"descriptions": {"negative": "bad"}}, r"missing: \['positive'\], unknown: none"),
        ({"descriptions": {"negative": "", "positive": "good"}}, r"\['negative'\] must be"),
        ({"k": 0}, r"k must be a whole number of neighbours >= 1, got 0"),
        ({"examples": "one sentence"}, r"examples must be a list of non-empty sentences"),
        ({"examples": ["fine", ""]}, r"examples must be a list"),
        ({"temperature": 0.0}, r"temperature must be > 0"),
    ],
)
def test_bad_constructor_input_raises_a_helpful_error(encoder, features, change, message):
    arguments = {"bank_embeddings": features, **change}
    with pytest.raises(ValueError, match=message):
        TextPlayground(encoder, BANK, **arguments)


def test_classifiers_that_do_not_fit_the_bank_or_encoder_are_refused(encoder, features):
    wide_head = fit_text_head(np.random.default_rng(0).normal(size=(6, 10)), BANK.labels)
    with pytest.raises(ValueError, match=r"'wide' is a head on 10-d features; .* 64-d"):
        TextPlayground(encoder, BANK, bank_embeddings=features, classifiers={"wide": wide_head})
    three = fit_tfidf(BANK.texts, np.array([0, 1, 2, 0, 1, 2]))
    with pytest.raises(ValueError, match=r"fitted on classes \[0, 1, 2\]; the bank has 2"):
        TextPlayground(encoder, BANK, bank_embeddings=features, classifiers={"three": three})
    with pytest.raises(ValueError, match="bank must be non-empty LabelledTexts"):
        TextPlayground(encoder, BANK.subset([]))
    with pytest.raises(ValueError, match="encoder must be a sentence encoder"):
        TextPlayground("minilm", BANK)


# ---------------------------------------------------------------------- the real encoder


@pytest.mark.slow
def test_minilm_playground_calls_a_wonderful_film_positive():
    from tlwidgets.data import load_sentiment
    from tlwidgets.models import load_text_encoder

    encoder = load_text_encoder("minilm")
    reviews = load_sentiment("movies", "train").balanced(20)
    features = embed_texts(encoder, reviews.texts)
    playground = TextPlayground(
        encoder,
        reviews,
        bank_embeddings=features,
        classifiers={"head on MiniLM": fit_text_head(features, reviews.labels)},
        descriptions={"negative": "a negative review", "positive": "a positive review"},
    )
    result = playground.analyse("a wonderful, moving film")
    assert result.predicted_class == "positive"
    assert result.zero_shot_class == "positive"
    assert result.neighbours[0].label == "positive"
    similarities = [n.similarity for n in result.neighbours]
    assert 0.0 < similarities[-1] and similarities == sorted(similarities, reverse=True)
    assert similarities[0] < 0.99  # the sentence is not in the bank
