"""Analysis: pure functions that look at features (no training, no plotting)."""

from .features import extract_features
from .neighbours import knn_accuracy
from .projection import PROJECTIONS, project

__all__ = ["PROJECTIONS", "extract_features", "knn_accuracy", "project"]
