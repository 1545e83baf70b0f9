"""Few-shot classifiers with no training: compare frozen features to the support set.

Both embed images with a frozen pretrained backbone (pooled features, eval mode, no
gradients), then label each query by distance: :class:`NearestCentroid` to the mean feature
of each class (a prototypical network's rule with a pretrained embedding; Snell et al.,
2017), :class:`NearestNeighbour` to its closest support images.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ...models.backbone import Backbone
from ...models.modes import eval_mode

__all__ = ["METRICS", "NearestCentroid", "NearestNeighbour", "compute_prototypes", "embed_images"]

METRICS = ("euclidean", "cosine")


def embed_images(backbone: Backbone, images: Tensor, *, batch_size: int = 512) -> Tensor:
    """Pooled features of ``images`` from a frozen backbone, in eval mode without gradients.

    Parameters
    ----------
    backbone
        Any :class:`~tlwidgets.models.Backbone`; its own train/eval modes are restored after.
    images
        Shape (M, 3, 32, 32); moved to the backbone's device batch by batch.
    batch_size
        Images per forward pass.

    Returns
    -------
    Tensor
        Shape (M, num_features) float32, on the CPU.
    """
    first = next(backbone.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    chunks = []
    with eval_mode(backbone), torch.no_grad():
        for batch in images.split(batch_size):
            maps = backbone.forward_features(batch.to(device))  # (B, C, h, w)
            pooled = backbone.forward_head(maps, pre_logits=True)  # (B, C)
            chunks.append(pooled.float().cpu())
    if not chunks:
        return torch.empty(0, backbone.num_features)
    return torch.cat(chunks)


def compute_prototypes(embeddings: Tensor, labels: Tensor, n_way: int | None = None) -> Tensor:
    """Mean embedding of each class: prototypes (N, D) from embeddings (S, D), labels (S,)."""
    n_way = n_way or int(labels.max()) + 1
    one_hot = F.one_hot(labels, n_way).to(embeddings.dtype)  # (S, N)
    counts = one_hot.sum(dim=0)  # (N,)
    if (counts == 0).any():
        missing = torch.nonzero(counts == 0).flatten().tolist()
        raise ValueError(f"classes {missing} have no support example; every class needs one")
    return (one_hot.T @ embeddings) / counts.unsqueeze(1)  # (N, D)


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    return metric


def _similarity(queries: Tensor, references: Tensor, metric: str) -> Tensor:
    """Higher is closer: (M, R) for features (M, D) and (R, D)."""
    if metric == "cosine":
        return F.normalize(queries, dim=1) @ F.normalize(references, dim=1).T
    return -torch.cdist(queries, references).square()


def _check_support(images: Tensor, labels: Tensor) -> int:
    """Validate a support set and return its number of classes N."""
    if images.ndim != 4 or len(images) != len(labels) or len(labels) == 0:
        raise ValueError(
            f"support must be images (N*K, 3, H, W) with one label each; got images "
            f"{tuple(images.shape)} and labels {tuple(labels.shape)}"
        )
    n_way = int(labels.max()) + 1
    if int(labels.min()) < 0 or len(torch.unique(labels)) != n_way:
        raise ValueError(
            f"support labels must be episode labels 0..N-1, each present; got "
            f"{sorted(torch.unique(labels).tolist())}"
        )
    return n_way


class NearestCentroid:
    """Label each query by the class whose mean support feature (centroid) is closest.

    Parameters
    ----------
    backbone
        Frozen feature extractor, e.g. ``load_pretrained("glyphs-resnet")``; never updated.
    metric
        ``"euclidean"`` (squared distance to the centroid) or ``"cosine"`` (features
        L2-normalised before averaging, then cosine similarity to the centroid).
    """

    def __init__(self, backbone: Backbone, metric: str = "euclidean"):
        self.backbone = backbone
        self.metric = _check_metric(metric)
        self.centroids: Tensor | None = None  # (N, D) after fit

    def __repr__(self) -> str:
        return f"NearestCentroid(metric={self.metric!r})"

    def fit(self, support_images: Tensor, support_labels: Tensor) -> NearestCentroid:
        """Store one centroid per class from support images (N*K, 3, 32, 32), labels (N*K,)."""
        n_way = _check_support(support_images, support_labels)
        features = embed_images(self.backbone, support_images)  # (N*K, D)
        if self.metric == "cosine":
            features = F.normalize(features, dim=1)
        self.centroids = compute_prototypes(features, support_labels.cpu().long(), n_way)
        return self

    def scores(self, query_images: Tensor) -> Tensor:
        """Closeness of each query (M, 3, 32, 32) to each centroid: (M, N), higher is closer."""
        if self.centroids is None:
            raise RuntimeError("call fit(support_images, support_labels) before predicting")
        queries = embed_images(self.backbone, query_images)  # (M, D)
        return _similarity(queries, self.centroids, self.metric)

    def predict(self, query_images: Tensor) -> Tensor:
        """Episode labels (M,) int64 for query images (M, 3, 32, 32)."""
        return self.scores(query_images).argmax(dim=1)


class NearestNeighbour:
    """Label each query by a vote of its ``k`` closest support images.

    Each of the ``k`` neighbours gives one vote to its class; a tie goes to the tied class
    with the closer neighbours. With ``k=1`` (the default) it is the classic 1-NN rule.

    Parameters
    ----------
    backbone
        Frozen feature extractor; never updated.
    k
        Neighbours that vote (at least 1, at most the support set's size).
    metric
        ``"euclidean"`` or ``"cosine"``.
    """

    def __init__(self, backbone: Backbone, k: int = 1, metric: str = "euclidean"):
        if k < 1:
            raise ValueError(f"k must be at least 1 neighbour, got {k}")
        self.backbone = backbone
        self.k = k
        self.metric = _check_metric(metric)
        self.support_features: Tensor | None = None  # (N*K, D) after fit
        self.support_labels: Tensor | None = None  # (N*K,) after fit

    def __repr__(self) -> str:
        return f"NearestNeighbour(k={self.k}, metric={self.metric!r})"

    def fit(self, support_images: Tensor, support_labels: Tensor) -> NearestNeighbour:
        """Store the support features (N*K, D) and labels (N*K,)."""
        _check_support(support_images, support_labels)
        if self.k > len(support_labels):
            raise ValueError(
                f"k={self.k} neighbours but the support set has only {len(support_labels)} "
                f"images; use k <= {len(support_labels)}"
            )
        self.support_features = embed_images(self.backbone, support_images)
        self.support_labels = support_labels.cpu().long()
        return self

    def predict(self, query_images: Tensor) -> Tensor:
        """Episode labels (M,) int64 for query images (M, 3, 32, 32)."""
        if self.support_features is None or self.support_labels is None:
            raise RuntimeError("call fit(support_images, support_labels) before predicting")
        queries = embed_images(self.backbone, query_images)  # (M, D)
        similarity = _similarity(queries, self.support_features, self.metric)  # (M, N*K)
        nearest = similarity.topk(self.k, dim=1).indices  # (M, k), closest first
        n_way = int(self.support_labels.max()) + 1
        votes = F.one_hot(self.support_labels[nearest], n_way).float()  # (M, k, N)
        # Rank weights 1 + (k - r) / (k (k + 1)) add up to less than one extra vote, so they
        # only break ties, in favour of the class with the closer neighbours.
        rank = torch.arange(self.k, dtype=torch.float32)
        weights = 1 + (self.k - rank) / (self.k * (self.k + 1))  # (k,)
        return (votes * weights[None, :, None]).sum(dim=1).argmax(dim=1)
