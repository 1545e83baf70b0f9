import threading

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tlwidgets.data import LabelledImages
from tlwidgets.data.episodes import EpisodeSampler
from tlwidgets.models import Backbone
from tlwidgets.train import FitConfig, fit
from tlwidgets.train.fewshot.protonets import (
    EpisodeDataset,
    ProtoNet,
    PrototypicalObjective,
    compute_prototypes,
    squared_distances,
    train_protonet,
)


def mean_colour_backbone() -> Backbone:
    """Pooled features are the image's mean colour (3,)."""
    return Backbone([nn.Identity()], num_features=3, num_classes=0)


def linear_backbone(seed=0) -> Backbone:
    torch.manual_seed(seed)
    return Backbone([nn.Conv2d(3, 4, 1)], num_features=4, num_classes=0)


def constant_images(colours: torch.Tensor) -> torch.Tensor:
    """Images (N, 3, 4, 4) of one colour each, from colours (N, 3)."""
    return colours.view(-1, 3, 1, 1).expand(-1, 3, 4, 4).clone()


def colour_dataset(num_classes=6, per_class=6, seed=0) -> LabelledImages:
    """Classes differ by a weak colour cue hidden in noise: learnable by a 1x1 conv."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(num_classes).repeat_interleave(per_class)
    images = torch.rand(len(labels), 3, 8, 8, generator=generator)
    images[:, 0] += 0.3 * labels.view(-1, 1, 1).float()
    return LabelledImages(images, labels, [str(i) for i in range(num_classes)], "toy", "train")


def test_prototypes_are_class_means():
    embeddings = torch.tensor([[0.0, 0.0], [2.0, 2.0], [4.0, 0.0], [1.0, 1.0]])
    labels = torch.tensor([0, 0, 1, 0])
    prototypes = compute_prototypes(embeddings, labels)
    assert torch.allclose(prototypes, torch.tensor([[1.0, 1.0], [4.0, 0.0]]))
    with pytest.raises(ValueError, match="no support example"):
        compute_prototypes(embeddings, labels, n_way=3)


def test_objective_loss_matches_a_hand_computed_value():
    support = constant_images(torch.tensor([[0.0, 0, 0], [2.0, 0, 0]]))
    query = constant_images(torch.tensor([[1.0, 1, 0]]))
    batch = (support, torch.tensor([0, 1]), query, torch.tensor([0]))
    loss, metrics = PrototypicalObjective()(mean_colour_backbone(), batch)
    # distances^2 from (1, 1, 0) to prototypes (0, 0, 0) and (2, 0, 0): 2 and 2
    assert torch.isclose(loss, torch.log(torch.tensor(2.0)))
    query = constant_images(torch.tensor([[0.0, 1, 0]]))  # distances^2: 1 and 5
    loss, metrics = PrototypicalObjective()(mean_colour_backbone(), (*batch[:2], query, batch[3]))
    expected = F.cross_entropy(torch.tensor([[-1.0, -5.0]]), torch.tensor([0]))
    assert torch.isclose(loss, expected)
    assert metrics["acc"] == 1.0


def test_euclidean_objective_scores_distances_not_their_squares():
    support = constant_images(torch.tensor([[0.0, 0, 0], [2.0, 0, 0]]))
    query = constant_images(torch.tensor([[0.0, 1, 0]]))  # distances: 1 and sqrt(5)
    batch = (support, torch.tensor([0, 1]), query, torch.tensor([0]))
    loss, _ = PrototypicalObjective("euclidean")(mean_colour_backbone(), batch)
    expected = F.cross_entropy(torch.tensor([[-1.0, -(5.0**0.5)]]), torch.tensor([0]))
    assert torch.isclose(loss, expected)
    with pytest.raises(ValueError, match="unknown distance 'cosine'"):
        PrototypicalObjective("cosine")


def test_objective_accepts_a_collated_episode_and_sends_gradients_to_the_backbone():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=2, n_query=2)
    backbone = linear_backbone()
    batch = tuple(t.unsqueeze(0) for t in EpisodeDataset(sampler, 1)[0])  # as a DataLoader
    loss, metrics = PrototypicalObjective()(backbone, batch)
    loss.backward()
    assert backbone.stages[0].weight.grad is not None
    assert backbone.stages[0].weight.grad.abs().sum() > 0
    assert 0.0 <= float(metrics["acc"]) <= 1.0


def test_objective_refuses_more_than_one_episode_per_batch():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=1, n_query=1)
    data = EpisodeDataset(sampler, 2)
    batch = tuple(torch.stack(items) for items in zip(data[0], data[1], strict=True))
    with pytest.raises(ValueError, match="exactly one episode"):
        PrototypicalObjective()(linear_backbone(), batch)


def test_episode_dataset_items_are_the_sampler_episodes():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=2, n_query=1, seed=4)
    data = EpisodeDataset(sampler, 3, start=5)
    assert len(data) == 3
    episode = sampler.sample(6)
    support_images, _, query_images, query_labels = data[1]
    assert torch.equal(support_images, episode.support_images)
    assert torch.equal(query_labels, episode.query_labels)
    assert support_images.shape == (6, 3, 8, 8) and query_images.shape == (3, 3, 8, 8)
    with pytest.raises(IndexError):
        data[3]


def test_fit_trains_one_episode_per_step():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=1, n_query=2)
    config = FitConfig(epochs=1, batch_size=1, device="cpu")
    history = fit(linear_backbone(), EpisodeDataset(sampler, 4), PrototypicalObjective(), config)
    assert len(history.steps) == 4
    assert all("acc" in row for row in history.steps)


def test_a_few_episodes_lower_the_loss():
    data = colour_dataset()
    sampler = EpisodeSampler(data, n_way=3, k_shot=2, n_query=3)
    backbone = linear_backbone(seed=1)
    objective = PrototypicalObjective()

    def mean_loss() -> float:
        with torch.no_grad():
            losses = [
                objective(backbone, EpisodeDataset(sampler, 20, 1000)[i])[0] for i in range(20)
            ]
        return float(torch.stack(losses).mean())

    before = mean_loss()
    history = train_protonet(backbone, sampler, 40, lr=1e-2, device="cpu")
    assert history.status == "completed" and len(history.steps) == 40
    assert mean_loss() < before


def test_train_protonet_is_deterministic_for_a_seed():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=1, n_query=1)
    a, b = linear_backbone(), linear_backbone()
    train_protonet(a, sampler, 3, seed=2, device="cpu")
    train_protonet(b, sampler, 3, seed=2, device="cpu")
    assert torch.equal(a.stages[0].weight, b.stages[0].weight)


def test_train_protonet_honours_the_stop_event():
    sampler = EpisodeSampler(colour_dataset(), n_way=3, k_shot=1, n_query=1)
    stop = threading.Event()
    stop.set()
    history = train_protonet(linear_backbone(), sampler, 5, device="cpu", stop_event=stop)
    assert history.status == "stopped" and not history.steps


def test_protonet_predicts_the_nearest_prototype():
    support = constant_images(torch.tensor([[0.0, 0, 0], [0.0, 0, 0], [4.0, 0, 0], [0, 4.0, 0]]))
    labels = torch.tensor([0, 0, 1, 2])
    query = constant_images(torch.tensor([[1.0, 0, 0], [3.0, 0, 0], [0, 3.0, 0], [0, 1.0, 0]]))
    classifier = ProtoNet(mean_colour_backbone()).fit(support, labels)
    assert classifier.prototypes.shape == (3, 3)
    assert torch.equal(classifier.predict(query), torch.tensor([0, 1, 2, 0]))
    expected = squared_distances(query.mean(dim=(2, 3)), classifier.prototypes).argmin(dim=1)
    assert torch.equal(classifier.predict(query), expected)


def test_protonet_predict_before_fit_is_refused():
    with pytest.raises(RuntimeError, match="before predict"):
        ProtoNet(mean_colour_backbone()).predict(torch.zeros(1, 3, 4, 4))
