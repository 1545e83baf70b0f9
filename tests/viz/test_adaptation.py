"""Domain adaptation pictures: every method draws two computed panels that tell its story."""

from __future__ import annotations

import numpy as np
import pytest

from tlwidgets.viz import CourseFigure, alignment_picture, png_bytes
from tlwidgets.viz.adaptation import (
    METHODS,
    _align,
    _coral_transform,
    _domain_classifier,
    _mmd,
    _panels,
    _toy_domains,
)


def titles(figure):
    return [ax.get_title() for ax in figure.axes] + [figure.get_suptitle()]


@pytest.mark.parametrize("method", METHODS)
def test_every_method_draws_two_titled_panels_with_a_legend(method):
    figure = alignment_picture(method)
    assert isinstance(figure, CourseFigure)
    assert len(figure.axes) == 2
    assert all(titles(figure))
    assert figure.axes[0].get_xlim() == pytest.approx(figure.axes[1].get_xlim())
    assert "target" in [text.get_text() for text in figure.legends[0].get_texts()][3]
    assert png_bytes(figure, dpi=40).startswith(b"\x89PNG")


def test_the_same_seed_draws_the_same_picture_and_another_seed_another():
    assert titles(alignment_picture("self_training", seed=3)) == titles(
        alignment_picture("self_training", seed=3)
    )
    assert titles(alignment_picture("self_training", seed=0)) != titles(
        alignment_picture("self_training", seed=1)
    )


def test_an_unknown_method_is_refused_with_the_valid_names():
    with pytest.raises(
        ValueError, match=r"'dan'.*source_only, adabn, coral, mmd, dann, self_training"
    ):
        alignment_picture("dan")


def test_the_toy_target_is_a_moved_copy_of_the_source():
    toy = _toy_domains(0)
    assert toy.source.shape == toy.target.shape == (300, 2)
    assert np.linalg.norm(toy.target.mean(axis=0) - toy.source.mean(axis=0)) > 2


@pytest.mark.parametrize("seed", [0, 1])
def test_the_source_classifier_loses_accuracy_on_the_target(seed):
    scores = _panels("source_only", seed)[1].scores
    assert scores["source"] > 0.95
    assert scores["target"] < scores["source"] - 0.1


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("method", ["adabn", "coral", "mmd", "dann"])
def test_adapting_raises_the_target_accuracy(method, seed):
    source_only = _panels("source_only", seed)[1].scores["target"]
    assert _panels(method, seed)[1].scores["target"] > source_only + 0.05


def test_coral_gives_the_source_the_target_covariance():
    toy = _toy_domains(0)
    moved = _coral_transform(toy.source, toy.target)
    np.testing.assert_allclose(
        np.cov(moved, rowvar=False), np.cov(toy.target, rowvar=False), atol=0.01
    )


def test_alignment_makes_the_domains_indistinguishable():
    toy = _toy_domains(0)
    aligned = _align(toy.source, toy.target)
    np.testing.assert_allclose(aligned.mean(axis=0), toy.target.mean(axis=0), atol=1e-9)
    assert _domain_classifier(toy.source, toy.target)[1] > 0.85
    assert _domain_classifier(aligned, toy.target)[1] == pytest.approx(0.5, abs=0.05)
    assert _mmd(aligned, toy.target, 3.0) < 0.1 * _mmd(toy.source, toy.target, 3.0)


def test_dann_panels_show_the_domain_classifier_dropping_to_chance():
    before, after = _panels("dann", 0)
    assert before.scores["domain"] > 0.85
    assert after.scores["domain"] == pytest.approx(0.5, abs=0.05)
    assert "94%" in before.title and "50%" in after.title


def test_mmd_panels_show_the_discrepancy_shrinking():
    before, after = _panels("mmd", 0)
    assert after.scores["mmd"] < 0.1 * before.scores["mmd"]
    assert f"{before.scores['mmd']:.3f}" in before.title


def test_confident_pseudo_labels_are_more_accurate_than_all_of_them():
    before, _ = _panels("self_training", 0)
    assert before.scores["confident"] > before.scores["pseudo"] + 0.05
    grey = before.target_colours < 0
    assert 0 < grey.sum() < len(grey)
