import pytest
import torch
from torch import nn

from tlwidgets.models import Backbone
from tlwidgets.train.fewshot.linear_heads import (
    Baseline,
    BaselinePlusPlus,
    CosineHead,
    LinearHead,
)


def identity_backbone() -> Backbone:
    """Pooled features are the image's mean colour (3,)."""
    return Backbone([nn.Identity()], num_features=3, num_classes=0)


def colour_episode(n_way=3, per_class=4, seed=0):
    """Images whose class is a distinct colour plus a little noise: separable means."""
    generator = torch.Generator().manual_seed(seed)
    colours = torch.eye(3)[:n_way] * 2.0  # (N, 3)
    labels = torch.arange(n_way).repeat_interleave(per_class)  # (N*K,)
    images = colours[labels].view(-1, 3, 1, 1).expand(-1, 3, 8, 8).clone()
    images += 0.1 * torch.randn(images.shape, generator=generator)
    return images, labels


def test_heads_map_features_to_one_score_per_class():
    features = torch.randn(7, 16)
    assert LinearHead(16, 5)(features).shape == (7, 5)
    assert CosineHead(16, 5)(features).shape == (7, 5)


def test_cosine_head_is_scaled_cosine_of_normalised_vectors():
    head = CosineHead(4, 2, scale=3.0)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[2.0, 0, 0, 0], [0, 5.0, 0, 0]]))
    features = torch.tensor([[10.0, 0, 0, 0], [1.0, 1.0, 0, 0]])
    expected = 3.0 * torch.tensor([[1.0, 0.0], [2**-0.5, 2**-0.5]])
    assert torch.allclose(head(features), expected, atol=1e-6)
    # the scale of the features does not matter, only their direction
    assert torch.allclose(head(features * 7), head(features), atol=1e-6)


def test_cosine_head_default_scale_follows_the_paper():
    assert CosineHead(8, 5).scale == 2.0
    assert CosineHead(8, 300).scale == 10.0
    with pytest.raises(ValueError, match="scale must be > 0"):
        CosineHead(8, 5, scale=0.0)


@pytest.mark.parametrize("method", [Baseline, BaselinePlusPlus])
def test_fitted_head_classifies_separable_queries(method):
    support_images, support_labels = colour_episode(seed=0)
    query_images, query_labels = colour_episode(per_class=5, seed=1)
    classifier = method(identity_backbone(), steps=100).fit(support_images, support_labels)
    predictions = classifier.predict(query_images)
    assert predictions.shape == query_labels.shape
    assert predictions.dtype == torch.int64
    assert torch.equal(predictions, query_labels)


@pytest.mark.parametrize("method", [Baseline, BaselinePlusPlus])
def test_head_is_deterministic_for_a_seed(method):
    images, labels = colour_episode()
    a = method(identity_backbone(), steps=5, batch_size=4, seed=3).fit(images, labels)
    b = method(identity_backbone(), steps=5, batch_size=4, seed=3).fit(images, labels)
    c = method(identity_backbone(), steps=5, batch_size=4, seed=4).fit(images, labels)
    weights = [next(x.head.parameters()) for x in (a, b, c)]
    assert torch.equal(weights[0], weights[1])
    assert not torch.equal(weights[0], weights[2])


def test_backbone_is_left_unchanged():
    backbone = Backbone([nn.Conv2d(3, 4, 3)], num_features=4, num_classes=0)
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    Baseline(backbone, steps=3).fit(*colour_episode())
    assert all(torch.equal(before[k], v) for k, v in backbone.state_dict().items())


def test_predict_before_fit_is_refused():
    with pytest.raises(RuntimeError, match="before predict"):
        Baseline(identity_backbone()).predict(torch.zeros(1, 3, 8, 8))
