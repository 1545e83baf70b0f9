"""Analysis: pure functions that look at features (no training, no plotting)."""

from .activations import first_layer_filters, nearest_neighbours, stage_activations
from .features import extract_features
from .neighbours import knn_accuracy
from .projection import PROJECTIONS, project
from .separability import SEPARABILITY_METHODS, domain_separability

__all__ = [
    "PROJECTIONS",
    "SEPARABILITY_METHODS",
    "domain_separability",
    "extract_features",
    "first_layer_filters",
    "knn_accuracy",
    "nearest_neighbours",
    "project",
    "stage_activations",
]
