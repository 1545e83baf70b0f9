"""Prototypical Networks (Snell et al., NeurIPS 2017): classify by the nearest class mean.

Each class of an episode is summarised by a *prototype*, the mean embedding of its support
images; a query gets the class whose prototype is nearest in squared Euclidean distance.
Training is episodic: every optimisation step is one episode, and the loss is the
cross-entropy of the negative distances, which pulls queries towards their own prototype.
It runs through the one loop, :func:`tlwidgets.train.fit`, with
:class:`PrototypicalObjective` and an :class:`EpisodeDataset` (one episode per item)::

    sampler = EpisodeSampler(load_glyphs("background", "train"), n_way=20, k_shot=1)
    history = train_protonet(backbone, sampler, episodes=300)
    ProtoNet(backbone).fit(support_images, support_labels).predict(query_images)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.data import Dataset

from ...data.episodes import EpisodeSampler
from ..callbacks import Callback
from ..config import FitConfig
from ..history import History
from ..loop import fit
from ..objectives import Batch, Objective
from .metric_classifiers import NearestCentroid, compute_prototypes

__all__ = [
    "EpisodeDataset",
    "ProtoNet",
    "PrototypicalObjective",
    "compute_prototypes",
    "embed",
    "squared_distances",
    "train_protonet",
]


def embed(model: nn.Module, images: Tensor) -> Tensor:
    """Embeddings (N, D) of images (N, 3, H, W).

    A tlwidgets backbone gives its pooled features (its classifier, if any, is skipped);
    any other module is called as it is.
    """
    if hasattr(model, "forward_features") and hasattr(model, "forward_head"):
        return model.forward_head(model.forward_features(images), pre_logits=True)
    return model(images)


def squared_distances(queries: Tensor, prototypes: Tensor) -> Tensor:
    """Squared Euclidean distances (M, N) from queries (M, D) to prototypes (N, D)."""
    return (queries.unsqueeze(1) - prototypes.unsqueeze(0)).pow(2).sum(dim=2)


def _unbatch(batch: Batch) -> Batch:
    """Drop the leading dimension of 1 that a DataLoader with batch_size=1 adds to episodes."""
    if batch[0].ndim == 5:  # (1, N*K, 3, H, W): one collated episode
        if batch[0].shape[0] != 1:
            raise ValueError(
                f"a batch must hold exactly one episode (FitConfig(batch_size=1)), "
                f"got {batch[0].shape[0]}"
            )
        return tuple(t.squeeze(0) for t in batch)
    return batch


DISTANCES = ("squared", "euclidean")


class PrototypicalObjective(Objective):
    """Episodic loss of Prototypical Networks, with query accuracy as the metric ``acc``.

    A batch is ONE episode: ``(support_images (N*K, 3, H, W), support_labels (N*K,),
    query_images (N*Q, 3, H, W), query_labels (N*Q,))``, with labels 0..N-1; a leading
    dimension of 1 (from a ``DataLoader`` with ``batch_size=1``) is dropped. The model maps
    images to embeddings (see :func:`embed`); support and query go through it together, so
    BatchNorm sees the whole episode. The loss is the cross-entropy of the negative squared
    distances from each query embedding to the prototypes (Snell et al.), or of the negative
    distances themselves with ``distance="euclidean"`` (as easyfsl does). Both rank the
    prototypes alike, so prediction does not change; training does (see bench/).

    Parameters
    ----------
    distance
        ``"squared"`` (the paper's) or ``"euclidean"``.
    """

    def __init__(self, distance: str = "squared"):
        if distance not in DISTANCES:
            raise ValueError(f"unknown distance {distance!r}; choose from {DISTANCES}")
        self.distance = distance

    def __call__(self, model: nn.Module, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        """Return the episode's mean query cross-entropy and ``{"acc": fraction correct}``."""
        support_images, support_labels, query_images, query_labels = _unbatch(batch)
        n_support = len(support_images)
        embeddings = embed(model, torch.cat([support_images, query_images])).float()  # (S+M, D)
        prototypes = compute_prototypes(embeddings[:n_support], support_labels)  # (N, D)
        distances = squared_distances(embeddings[n_support:], prototypes)  # (M, N)
        if self.distance == "euclidean":
            distances = distances.clamp_min(1e-12).sqrt()
        logits = -distances
        loss = F.cross_entropy(logits, query_labels)
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == query_labels).float().mean()
        return loss, {"acc": acc}


class EpisodeDataset(Dataset):
    """Episodes as a map-style dataset: item ``i`` is episode ``start + i`` of the sampler.

    Each item is ``(support_images, support_labels, query_images, query_labels)``, so
    ``fit(model, EpisodeDataset(sampler, 300), PrototypicalObjective(),
    FitConfig(batch_size=1))`` takes one optimisation step per episode. ``fit`` batches it
    with a ``DataLoader``, which adds a leading dimension of 1 that the objective drops.

    Parameters
    ----------
    sampler
        Draws the episodes; its ``n_way``, ``k_shot`` and ``n_query`` shape them.
    count
        Number of episodes.
    start
        Index of the first episode (use disjoint ranges for training and validation).
    """

    def __init__(self, sampler: EpisodeSampler, count: int, start: int = 0):
        if count < 1 or start < 0:
            raise ValueError(f"count must be >= 1 and start >= 0, got {count} and {start}")
        self.sampler = sampler
        self.count = count
        self.start = start

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        if not 0 <= index < self.count:
            raise IndexError(f"episode {index} out of range 0..{self.count - 1}")
        episode = self.sampler.sample(self.start + index)
        return (
            episode.support_images,
            episode.support_labels,
            episode.query_images,
            episode.query_labels,
        )


def train_protonet(
    backbone: nn.Module,
    sampler: EpisodeSampler,
    episodes: int,
    *,
    lr: float = 1e-3,
    seed: int = 0,
    distance: str = "squared",
    device: str | None = None,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
) -> History:
    """Train ``backbone`` as a Prototypical Network, one episode per step, with :func:`fit`.

    Parameters
    ----------
    backbone
        The embedding network (a tlwidgets backbone, e.g. ``create_backbone("resnet",
        num_classes=0)`` or ``load_pretrained("glyphs-resnet")``); trained in place.
    sampler
        Draws the training episodes, e.g. 20-way 1-shot from ``load_glyphs("background",
        "train")``. Snell et al. train with more ways than they test.
    episodes
        Number of training episodes (= optimisation steps).
    lr
        Adam's learning rate.
    seed
        Seeds the order of the episodes and everything else through ``seed_everything``.
    distance
        ``"squared"`` (Snell et al.) or ``"euclidean"``; see :class:`PrototypicalObjective`.
    device
        None picks the best available (cuda > mps > cpu).
    callbacks, stop_event
        As for :func:`fit`.

    Returns
    -------
    History
        One step row per episode with ``loss`` and ``acc`` (query accuracy).
    """
    config = FitConfig(epochs=1, batch_size=1, lr=lr, seed=seed, device=device)
    return fit(
        backbone,
        EpisodeDataset(sampler, episodes),
        PrototypicalObjective(distance),
        config,
        callbacks=callbacks,
        stop_event=stop_event,
    )


class ProtoNet(NearestCentroid):
    """Few-shot classifier: the nearest prototype in a (trained) embedding space.

    At test time a Prototypical Network is nearest-centroid classification with the squared
    Euclidean distance (Snell et al. 2017): ``fit(support_images, support_labels)`` stores the
    class prototypes (the mean embedding of each class's support images), ``predict`` labels
    each query by the nearest one. Nothing is trained here; train the backbone first with
    :func:`train_protonet`.

    Parameters
    ----------
    backbone
        The embedding network; used in eval mode on its own device, never changed.
    """

    def __init__(self, backbone: nn.Module):
        super().__init__(backbone, metric="euclidean")

    @property
    def prototypes(self) -> Tensor | None:
        """The class prototypes (N, D) on the CPU after :meth:`fit`; None before."""
        return self.centroids
