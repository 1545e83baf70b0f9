"""Headless tests of FeatureExplorer.from_embeddings on small synthetic sentence embeddings."""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np
import pytest

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import LabelledTexts
from tlwidgets.viz.palette import MATCH_MARK
from tlwidgets.widgets import FeatureExplorer
from tlwidgets.widgets import feature_explorer as module

CLASSES = ("negative", "positive")
POINTS = 60  # per domain
DIM = 16
LONG = "a very long review that goes on and on " * 10  # cut in the neighbour list
ODD = "<b>not bold</b> & 'quoted' - a sentence that must stay text"


def corpus(name: str, n: int = POINTS, *, shift: float = 0.0, seed: int = 0):
    """Sentences of two classes, embedded (n, DIM) along two axes; ``shift`` moves the domain."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) % 2
    texts = [f"{name} sentence {i}: {CLASSES[label]}" for i, label in enumerate(labels)]
    texts[2], texts[4] = LONG, ODD  # both negative
    embeddings = 4.0 * np.eye(DIM)[labels] + rng.normal(size=(n, DIM))
    embeddings[:, 2] += shift
    return LabelledTexts(tuple(texts), labels, CLASSES, name), embeddings.astype(np.float32)


@pytest.fixture(scope="module")
def movies():
    return corpus("movies", seed=0)


@pytest.fixture(scope="module")
def tweets():
    return corpus("tweets", shift=6.0, seed=1)  # a domain far from the movie reviews


@pytest.fixture(scope="module")
def tweets_alike():
    return corpus("tweets", shift=0.0, seed=1)  # same distribution as the movie reviews


@pytest.fixture
def explorer(movies, tweets, tweets_alike):
    (texts, movie_emb), (tweet_texts, tweet_emb) = movies, tweets
    aligned = tweets_alike[1]  # what an alignment would make of the tweets
    return FeatureExplorer.from_embeddings(
        {"MiniLM (frozen)": (movie_emb, tweet_emb), "MiniLM + CORAL": (movie_emb, aligned)},
        texts,
        other=tweet_texts,
    )


def neighbour_list(ex: FeatureExplorer) -> str:
    (found,) = [
        child
        for box in ex.widget.children
        for child in [box, *getattr(box, "children", ())]
        if "tlw-explorer-neighbours" in child._dom_classes
    ]
    assert isinstance(found, widgets.HTML)
    return found.value


def test_one_stage_no_filters_view_and_the_usual_numbers(explorer):
    ex = explorer
    assert ex.stage.options == (("sentence embedding", 0),) and ex.stage.label == (
        "sentence embedding"
    )
    assert ex.view.options == (("feature map", "map"),) and ex.view.disabled
    assert "no filters or activation maps" in ex.view.tooltip
    assert ex.image.disabled and ex.image not in ex.widget.children[2].children
    assert ex.compare.options == ("none", "MiniLM (frozen)", "MiniLM + CORAL")
    assert ex.point.max == 2 * POINTS - 1
    assert ex.models == {} and ex.domain_names == ["movies", "tweets"]
    assert set(ex.metrics) == {"knn_acc", "probe_acc", "domain_separability"}
    assert ex.metrics["knn_acc"] > 0.9 and ex.metrics["probe_acc"] > 0.9
    assert ex.last_error is None and ex.status.value.startswith("Ready")
    assert "sentence embedding" in ex.status.value
    assert "sentence embedding features" in ex.metrics_html.value
    assert bytes(ex._plot.widget.value).startswith(b"\x89PNG")


def test_every_control_in_the_panel_is_named_for_screen_readers(explorer):
    assert unnamed_controls(explorer.widget) == []
    assert explorer.model in controls(explorer.widget)


def test_domain_separability_is_high_for_shifted_domains_and_low_for_alike(explorer):
    ex = explorer
    shifted = ex.metrics["domain_separability"]
    ex.show(model="MiniLM + CORAL")
    alike = ex.metrics["domain_separability"]
    assert shifted > 0.9 and alike < 0.3, (shifted, alike)
    ex.show(colour="domain")
    assert ex.last_error is None


def test_compare_shows_both_embedding_sets_side_by_side(explorer):
    ex = explorer
    single = ex._plot.figure.get_size_inches()[0]
    ex.show(compare="MiniLM + CORAL")
    assert ex._plot.figure.get_size_inches()[0] > 1.5 * single
    assert ex.metrics["compare_domain_separability"] < ex.metrics["domain_separability"]
    assert "MiniLM (frozen) vs MiniLM + CORAL" in ex.status.value
    assert "MiniLM + CORAL" in ex.metrics_html.value


def test_tsne_runs_in_the_background_and_show_waits_for_it(explorer):
    ex = explorer
    pca = bytes(ex._plot.widget.value)
    ex.show(method="tsne")
    assert ex.wait(60)
    assert bytes(ex._plot.widget.value) != pca
    assert ex.last_error is None, ex.last_error
    assert ex.status.value.startswith("Ready") and "t-SNE" in ex.status.value


def test_neighbour_list_shows_the_picked_sentence_first_as_escaped_text(explorer, movies):
    ex = explorer
    ex.show(point=4)  # ODD: markup in it must show as text
    listed = neighbour_list(ex)
    assert listed.index(html.escape(ODD)) < listed.index("<li", listed.index("<li") + 1)
    assert "<b>not bold</b>" not in listed
    assert listed.count("<li") == 1 + module.NEIGHBOURS
    assert "point 4 and its 8 nearest neighbours in MiniLM (frozen)" in listed
    assert "[negative · movies]" in listed
    # Classes are far apart, so the neighbours are mostly of the same class: marked ✓.
    assert listed.count(MATCH_MARK) >= 1 + module.NEIGHBOURS // 2
    ex.show(point=2)
    listed = neighbour_list(ex)
    shown = html.escape(" ".join(LONG.split())[: module.TEXT_CHARS - 1].rstrip()) + "…"
    assert shown in listed  # cut in the list, whole on hover
    assert f"title='{html.escape(' '.join(LONG.split()))}'" in listed
    ex.show(point=POINTS + 1)  # a tweet
    assert "tweets sentence 1: positive" in neighbour_list(ex)


def test_subsampled_points_keep_their_own_embeddings(movies, tweets):
    (texts, movie_emb), (tweet_texts, tweet_emb) = movies, tweets
    ex = FeatureExplorer.from_embeddings(
        (movie_emb, tweet_emb), texts, other=tweet_texts, max_points=20, seed=3
    )
    assert list(ex.model.options) == ["embedding"] and len(ex._points) == 40
    row_of = {}  # (domain, text) -> its embedding; a few texts occur in both domains
    for domain, (part, rows) in enumerate([(texts, movie_emb), (tweet_texts, tweet_emb)]):
        row_of |= {(domain, text): row for text, row in zip(part.texts, rows, strict=True)}
    shown = zip(ex._domains, ex._points.texts, strict=True)
    expected = np.stack([row_of[(int(domain), text)] for domain, text in shown])
    np.testing.assert_array_equal(ex._features[("embedding", 0)].numpy(), expected)
    assert ex._points.class_counts() == {"negative": 20, "positive": 20}


def test_one_domain_has_no_separability(movies):
    texts, embeddings = movies
    ex = FeatureExplorer.from_embeddings({"MiniLM": embeddings}, texts)
    assert set(ex.metrics) == {"knn_acc", "probe_acc"} and ex.last_error is None
    assert "[negative]" in neighbour_list(ex)  # no domain in the tags


def test_filters_view_and_image_are_refused_with_the_reason(explorer):
    with pytest.raises(ValueError, match="no filters or activation maps"):
        explorer.show(view="filters")
    with pytest.raises(ValueError, match="no filters or activation maps"):
        explorer.show(image=3)
    with pytest.raises(ValueError, match="unknown stage 'stage4'; choose from sentence embedding"):
        explorer.show(stage="stage4")


def bad_inputs(movies, tweets):
    (texts, emb), (other, other_emb) = movies, tweets
    renamed = LabelledTexts(other.texts, other.labels, ("bad", "good"), "tweets")
    return [
        (({"m": emb[:-1]}, texts), {}, r"shape \(59, 16\) but data \(movies\) has 60 texts"),
        (({"m": emb[:, 0]}, texts), {}, r"shape \(60,\) but data"),
        (({"m": (emb, other_emb[:5])}, texts), {"other": other}, r"other embeddings have shape"),
        (({"m": emb}, texts), {"other": other}, r"has no embeddings for other \(tweets\)"),
        (({"m": (emb, other_emb)}, texts), {}, r"other= is not given"),
        (({"m": (emb, other_emb[:, :8])}, texts), {"other": other}, r"same width, got 16 and 8"),
        (({"m": (emb, other_emb)}, texts), {"other": renamed}, r"must share their classes"),
        (({}, texts), {}, r"non-empty dict .* got dict with no entries"),
        (({"m": emb}, texts.subset([])), {}, r"data \(movies\) has no texts"),
        (({"m": emb}, list(texts.texts)), {}, r"data must be LabelledTexts .* got list"),
        (({"m": np.full_like(emb, np.nan)}, texts), {}, r"NaN or inf"),
        (({"m": emb}, texts), {"max_points": 0}, r"max_points must be at least 1"),
    ]


def test_bad_input_raises_a_helpful_value_error(movies, tweets):
    for args, kwargs, message in bad_inputs(movies, tweets):
        with pytest.raises(ValueError, match=message):
            FeatureExplorer.from_embeddings(*args, **kwargs)
