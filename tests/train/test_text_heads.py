"""Heads on frozen sentence embeddings, the TF-IDF baseline, and self-training on embeddings."""

import numpy as np
import pytest
from scipy.special import softmax

from tlwidgets.train.text import (
    TextHead,
    TfidfClassifier,
    fit_text_head,
    fit_tfidf,
    self_train_head,
)


def gaussian_classes(
    n: int, centres: np.ndarray, std: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) points around K centres (K, D), classes in turn, and their (N,) labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % len(centres)
    return centres[labels] + std * rng.standard_normal((n, centres.shape[1])), labels


def rotate(points: np.ndarray, degrees: float) -> np.ndarray:
    """2-d points (N, 2) rotated about the origin."""
    a = np.deg2rad(degrees)
    return points @ np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]).T


CENTRES_3 = np.array([[3.0, 0, 0, 0, 0], [0, 3.0, 0, 0, 0], [0, 0, 3.0, 0, 0]])
CENTRES_2 = np.array([[-2.0, 0.0], [2.0, 0.0]])


def test_a_head_separates_separable_classes():
    features, labels = gaussian_classes(300, CENTRES_3, std=0.5)
    test_features, test_labels = gaussian_classes(300, CENTRES_3, std=0.5, seed=1)
    head = fit_text_head(features, labels)
    assert isinstance(head, TextHead)
    assert head.accuracy(test_features, test_labels) >= 0.98
    probabilities = head.predict_proba(test_features)
    assert probabilities.shape == (300, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert head.predict(test_features).shape == (300,)


def test_balanced_weighting_finds_the_rare_class_and_balanced_accuracy_sees_it():
    rng = np.random.default_rng(0)
    # 190 of class 0 and 10 of class 1, overlapping: unweighted, class 1 is mostly missed
    features = np.concatenate([rng.normal(0.0, 1.0, (190, 2)), rng.normal(1.5, 1.0, (10, 2))])
    labels = np.array([0] * 190 + [1] * 10)
    test = np.concatenate([rng.normal(0.0, 1.0, (500, 2)), rng.normal(1.5, 1.0, (500, 2))])
    test_labels = np.array([0] * 500 + [1] * 500)
    plain = fit_text_head(features, labels)
    weighted = fit_text_head(features, labels, balanced=True)
    assert (
        weighted.balanced_accuracy(test, test_labels)
        > plain.balanced_accuracy(test, test_labels) + 0.1
    )
    # on a balanced test set the two accuracies agree
    assert plain.balanced_accuracy(test, test_labels) == pytest.approx(
        plain.accuracy(test, test_labels)
    )


def test_a_constant_guess_has_balanced_accuracy_one_half():
    features, labels = gaussian_classes(40, CENTRES_2)
    head = fit_text_head(features, labels)
    far_left = np.tile([[-50.0, 0.0]], (10, 1))  # predicted class 0 throughout
    imbalanced_labels = np.array([0] * 9 + [1])
    assert head.accuracy(far_left, imbalanced_labels) == pytest.approx(0.9)
    assert head.balanced_accuracy(far_left, imbalanced_labels) == pytest.approx(0.5)


def test_sample_weights_and_strength_change_the_fit():
    features, labels = gaussian_classes(60, CENTRES_2, std=2.0)
    base = fit_text_head(features, labels).model.coef_
    weak = fit_text_head(features, labels, strength=1e-3).model.coef_
    assert np.linalg.norm(weak) < np.linalg.norm(base)  # stronger regularisation: smaller
    weights = np.where(labels == 0, 5.0, 1.0)
    weighted = fit_text_head(features, labels, sample_weight=weights).model
    assert not np.allclose(weighted.coef_, base)


@pytest.mark.parametrize("centres", [CENTRES_2, CENTRES_3], ids=["binary", "three-way"])
def test_weights_work_as_a_linear_layer_with_the_same_predictions(centres):
    features, labels = gaussian_classes(150, centres, std=1.5)
    head = fit_text_head(features, labels)
    weight, bias = head.weights()
    k, d = centres.shape
    assert weight.shape == (k, d) and bias.shape == (k,)
    assert weight.dtype == bias.dtype == np.float32
    logits = features @ weight.T + bias  # (N, K)
    assert np.array_equal(logits.argmax(axis=1), head.predict(features))
    assert np.allclose(softmax(logits, axis=1), head.predict_proba(features), atol=1e-5)


@pytest.mark.parametrize("fit", [fit_text_head, fit_tfidf])
def test_one_class_or_mismatched_lengths_raise(fit):
    examples = np.zeros((4, 3)) if fit is fit_text_head else ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match=r"at least two classes; got only \[1\]"):
        fit(examples, np.ones(4, dtype=int))
    with pytest.raises(ValueError, match="4 examples but 3 labels"):
        fit(examples, np.array([0, 1, 0]))


TRAIN_TEXTS = [
    "good great fine",
    "great fine",
    "good fine",
    "good great",
    "bad awful poor",
    "awful poor",
    "bad poor",
    "bad awful",
]
TRAIN_LABELS = np.array([1, 1, 1, 1, 0, 0, 0, 0])


def test_tfidf_classifies_new_combinations_of_known_words():
    tfidf = fit_tfidf(TRAIN_TEXTS, TRAIN_LABELS)
    assert isinstance(tfidf, TfidfClassifier)
    unseen = ["fine", "Great!", "the food was good", "poor and awful", "BAD"]
    assert tfidf.predict(unseen).tolist() == [1, 1, 1, 0, 0]
    assert tfidf.accuracy(unseen, [1, 1, 1, 0, 0]) == 1.0
    assert tfidf.balanced_accuracy(unseen, [1, 1, 1, 0, 0]) == 1.0
    probabilities = tfidf.predict_proba(unseen)
    assert probabilities.shape == (5, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_tfidf_knows_only_its_training_words_and_word_pairs():
    tfidf = fit_tfidf(TRAIN_TEXTS, TRAIN_LABELS)
    # 6 words and 6 distinct adjacent pairs (good great, great fine, good fine, and the bad ones)
    vocabulary = set(tfidf.vectorizer.vocabulary_)
    assert {"good", "great", "fine", "bad", "awful", "poor"} <= vocabulary
    assert {"good great", "awful poor"} <= vocabulary
    assert tfidf.vocabulary_size() == len(vocabulary) == 6 + 6
    # a text of only unknown words has no features: its probabilities are the prior's
    unknown = tfidf.predict_proba(["superb terrific", "dreadful"])
    assert np.allclose(unknown[0], unknown[1])


def test_self_training_recovers_part_of_a_rotated_target():
    source, source_labels = gaussian_classes(200, CENTRES_2, seed=0)
    target, target_labels = gaussian_classes(400, CENTRES_2, seed=1)
    target = rotate(target, 60)
    source_only = fit_text_head(source, source_labels).accuracy(target, target_labels)
    head, counts = self_train_head(source, source_labels, target, rounds=5, confidence=0.9)
    assert source_only < 0.85  # the shift hurts
    assert head.accuracy(target, target_labels) >= source_only + 0.05
    assert len(counts) == 5
    assert all(isinstance(c, int) and 0 < c <= len(target) for c in counts)
    assert counts[-1] > counts[0]  # the head grows surer of the target as it adapts


def test_a_stricter_confidence_pseudo_labels_fewer_target_points():
    source, source_labels = gaussian_classes(200, CENTRES_2, seed=0)
    target = rotate(gaussian_classes(400, CENTRES_2, seed=1)[0], 60)
    _, loose = self_train_head(source, source_labels, target, rounds=1, confidence=0.6)
    _, strict = self_train_head(source, source_labels, target, rounds=1, confidence=0.95)
    assert strict[0] < loose[0]


def test_self_training_stops_early_when_no_target_point_is_sure():
    rng = np.random.default_rng(0)
    source, labels = rng.standard_normal((100, 4)), np.arange(100) % 2  # no signal
    target = rng.standard_normal((50, 4))
    head, counts = self_train_head(source, labels, target, rounds=5, confidence=0.95)
    assert counts == [0]
    assert np.allclose(head.model.coef_, fit_text_head(source, labels).model.coef_)


@pytest.mark.parametrize("confidence", [0.49, 1.0, 1.5, -0.1])
def test_confidence_outside_half_to_one_raises(confidence):
    features, labels = gaussian_classes(20, CENTRES_2)
    with pytest.raises(ValueError, match=rf"confidence must be in \[0.5, 1\), got {confidence}"):
        self_train_head(features, labels, features, confidence=confidence)
