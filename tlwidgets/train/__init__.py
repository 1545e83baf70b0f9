"""Training: the one loop (:func:`fit`), its objectives and the fine-tuning helpers."""

from .callbacks import Callback, FitState
from .config import FitConfig
from .evaluate import evaluate
from .freeze import freeze_stages, frozen_depth, keep_frozen_batchnorm_in_eval, unfreeze_all
from .history import History
from .loop import TrainingError, fit
from .objectives import ClassificationObjective, Objective
from .param_groups import layerwise_param_groups
from .probe import LinearProbe, fit_linear_probe

__all__ = [
    "Callback",
    "ClassificationObjective",
    "FitConfig",
    "FitState",
    "History",
    "LinearProbe",
    "Objective",
    "TrainingError",
    "evaluate",
    "fit",
    "fit_linear_probe",
    "freeze_stages",
    "frozen_depth",
    "keep_frozen_batchnorm_in_eval",
    "layerwise_param_groups",
    "unfreeze_all",
]
