"""Analysis: pure functions that look at features (no training, no plotting)."""

from .activations import first_layer_filters, nearest_neighbours, stage_activations
from .alignment import coral_align
from .confusion import confusion_matrix, per_class_accuracy, predict
from .domains import proxy_a_distance
from .features import extract_features
from .neighbours import knn_accuracy
from .projection import PROJECTIONS, project
from .separability import SEPARABILITY_METHODS, domain_separability
from .text import (
    cosine_neighbours,
    embed_descriptions,
    embed_texts,
    label_description_scores,
)

__all__ = [
    "PROJECTIONS",
    "SEPARABILITY_METHODS",
    "confusion_matrix",
    "coral_align",
    "cosine_neighbours",
    "domain_separability",
    "embed_descriptions",
    "embed_texts",
    "extract_features",
    "first_layer_filters",
    "knn_accuracy",
    "label_description_scores",
    "nearest_neighbours",
    "per_class_accuracy",
    "predict",
    "project",
    "proxy_a_distance",
    "stage_activations",
]
