"""Few-shot learning: episodes in, query accuracy out.

Methods fit on an episode's small labelled support set and label its queries; they all
follow :class:`FewShotClassifier`, so :func:`evaluate_episodes` scores any of them on the
same episodes of an :class:`~tlwidgets.data.EpisodeSampler`.
"""

from .evaluation import EpisodeScore, FewShotClassifier, confidence_interval, evaluate_episodes
from .linear_heads import Baseline, BaselinePlusPlus, CosineHead, LinearHead
from .metric_classifiers import METRICS, NearestCentroid, NearestNeighbour, embed_images
from .protonets import (
    EpisodeDataset,
    ProtoNet,
    PrototypicalObjective,
    compute_prototypes,
    squared_distances,
    train_protonet,
)

__all__ = [
    "METRICS",
    "Baseline",
    "BaselinePlusPlus",
    "CosineHead",
    "EpisodeDataset",
    "EpisodeScore",
    "FewShotClassifier",
    "LinearHead",
    "NearestCentroid",
    "NearestNeighbour",
    "ProtoNet",
    "PrototypicalObjective",
    "compute_prototypes",
    "confidence_interval",
    "embed_images",
    "evaluate_episodes",
    "squared_distances",
    "train_protonet",
]
