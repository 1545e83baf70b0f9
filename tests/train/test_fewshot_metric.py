"""Few-shot scoring and the training-free metric classifiers (nearest centroid / neighbour)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from tlwidgets.data import EpisodeSampler, LabelledImages, build_datasets, load_glyphs
from tlwidgets.models import Backbone, load_pretrained
from tlwidgets.train.fewshot import (
    EpisodeScore,
    NearestCentroid,
    NearestNeighbour,
    confidence_interval,
    embed_images,
    evaluate_episodes,
)

GLYPH_5WAY_1SHOT_FLOOR = 0.85  # measured: 98.7% mean over 100 episodes, 96%+ over 20


def identity_backbone() -> Backbone:
    """Features are the mean colour of the image: (M, 3)."""
    return Backbone([nn.Identity()], num_features=3, num_classes=0)


def coloured(colours: list[list[float]], noise: float = 0.02, seed: int = 0) -> torch.Tensor:
    """One flat image (3, 32, 32) per colour, plus a little noise: shape (M, 3, 32, 32)."""
    generator = torch.Generator().manual_seed(seed)
    base = torch.tensor(colours).view(-1, 3, 1, 1).expand(-1, 3, 32, 32)
    return base + noise * torch.randn(base.shape, generator=generator)


def toy_sampler(n_classes: int = 6, per_class: int = 8) -> EpisodeSampler:
    labels = torch.arange(n_classes).repeat_interleave(per_class)
    images = torch.rand(len(labels), 3, 32, 32)
    data = LabelledImages(images, labels, [str(c) for c in range(n_classes)], "toy", "train")
    return EpisodeSampler(data, n_way=4, k_shot=2, n_query=3)


class Perfect:
    """Answers the true query labels of episodes 0..9, in order, without looking."""

    def __init__(self, sampler: EpisodeSampler):
        self.labels = iter([e.query_labels for e in sampler.episodes(10)])

    def fit(self, support_images, support_labels):
        return self

    def predict(self, query_images):
        return next(self.labels)


class AlwaysZero:
    def fit(self, support_images, support_labels):
        return self

    def predict(self, query_images):
        return torch.zeros(len(query_images), dtype=torch.long)


@pytest.fixture(scope="module")
def glyph_evaluation() -> LabelledImages:
    build_datasets(["glyphs"])
    return load_glyphs("evaluation", "all")


@pytest.fixture(scope="module")
def glyph_backbone() -> Backbone:
    return load_pretrained("glyphs-resnet")


def test_perfect_classifier_scores_one_with_no_interval():
    sampler = toy_sampler()
    score = evaluate_episodes(Perfect(sampler), sampler, episodes=10)
    assert isinstance(score, EpisodeScore)
    assert score.accuracies == (1.0,) * 10
    assert score.mean == 1.0 and score.ci95 == 0.0 and score.seconds >= 0
    assert str(score) == "100.0% ± 0.0% (10 episodes)"


def test_constant_classifier_scores_chance():
    score = evaluate_episodes(AlwaysZero(), toy_sampler(), episodes=5, start=7)
    assert score.mean == pytest.approx(1 / 4)
    assert len(score.accuracies) == 5


def test_confidence_interval_is_196_std_over_sqrt_n():
    accuracies = [0.5, 0.75, 1.0, 0.25]
    expected = 1.96 * np.std(accuracies) / math.sqrt(4)
    assert confidence_interval(accuracies) == pytest.approx(expected)
    assert confidence_interval([0.3]) == 0.0


def test_wrongly_shaped_predictions_and_zero_episodes_are_refused():
    class Short(AlwaysZero):
        def predict(self, query_images):
            return torch.zeros(1, dtype=torch.long)

    with pytest.raises(ValueError, match="one label per query image"):
        evaluate_episodes(Short(), toy_sampler(), episodes=1)
    with pytest.raises(ValueError, match="episodes must be at least 1"):
        evaluate_episodes(AlwaysZero(), toy_sampler(), episodes=0)


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("make", [NearestCentroid, NearestNeighbour])
def test_metric_classifiers_separate_coloured_images(make, metric):
    support = coloured([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1], [0.1, 0, 1]])
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    query = coloured([[0, 0.2, 1], [0.95, 0, 0.05], [0.1, 0.8, 0]], seed=1)
    classifier = make(identity_backbone(), metric=metric)
    predicted = classifier.fit(support, labels).predict(query)
    assert predicted.dtype == torch.int64
    assert predicted.tolist() == [2, 0, 1]


def test_nearest_centroid_uses_class_means_where_nearest_neighbour_does_not():
    # Class 0 has an outlier support image close to the query; its mean is far away.
    support = coloured([[1, 0, 0], [0, 0.55, 0], [0, 1, 0], [0, 1, 0]], noise=0)
    labels = torch.tensor([0, 0, 1, 1])
    query = coloured([[0, 0.5, 0]], noise=0)
    backbone = identity_backbone()
    assert NearestNeighbour(backbone).fit(support, labels).predict(query).tolist() == [0]
    assert NearestCentroid(backbone).fit(support, labels).predict(query).tolist() == [1]


def test_k_nearest_neighbours_vote_and_break_ties_by_distance():
    support = coloured([[0, 0.5, 0], [0, 0.4, 0], [0, 0.3, 0], [1, 0, 0]], noise=0)
    labels = torch.tensor([0, 1, 1, 0])
    query = coloured([[0, 0.52, 0]], noise=0)
    backbone = identity_backbone()
    assert NearestNeighbour(backbone, k=1).fit(support, labels).predict(query).tolist() == [0]
    assert NearestNeighbour(backbone, k=3).fit(support, labels).predict(query).tolist() == [1]
    # k=2: one vote each; the nearest neighbour's class wins the tie.
    assert NearestNeighbour(backbone, k=2).fit(support, labels).predict(query).tolist() == [0]


def test_embedding_freezes_the_backbone_and_restores_its_mode():
    stage = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    backbone = Backbone([stage], num_features=4, num_classes=2).train()
    running_mean = stage[1].running_mean.clone()
    features = embed_images(backbone, torch.rand(5, 3, 32, 32), batch_size=2)
    assert features.shape == (5, 4) and not features.requires_grad
    assert torch.equal(stage[1].running_mean, running_mean)  # eval mode: BN stats untouched
    assert backbone.training and stage[1].training


def test_bad_arguments_are_refused_with_the_valid_choices():
    backbone = identity_backbone()
    with pytest.raises(ValueError, match="euclidean, cosine"):
        NearestCentroid(backbone, metric="manhattan")
    with pytest.raises(ValueError, match="k must be at least 1"):
        NearestNeighbour(backbone, k=0)
    with pytest.raises(ValueError, match="use k <= 2"):
        NearestNeighbour(backbone, k=3).fit(coloured([[1, 0, 0], [0, 1, 0]]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"episode labels 0\.\.N-1"):
        NearestCentroid(backbone).fit(coloured([[1, 0, 0], [0, 1, 0]]), torch.tensor([0, 2]))
    with pytest.raises(RuntimeError, match="call fit"):
        NearestCentroid(backbone).predict(coloured([[1, 0, 0]]))


def test_nearest_centroid_on_held_out_glyphs_is_far_above_chance(glyph_evaluation, glyph_backbone):
    sampler = EpisodeSampler(glyph_evaluation, n_way=5, k_shot=1, n_query=15)
    score = evaluate_episodes(NearestCentroid(glyph_backbone), sampler, episodes=20)
    assert score.mean > GLYPH_5WAY_1SHOT_FLOOR, str(score)
    assert 0 < score.ci95 < 0.1
