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
from .transfer import (
    STRATEGIES,
    SourceTask,
    TransferConfig,
    build_transfer_model,
    load_source_task,
    restart_stages_after,
    select_labels,
    transfer,
)

__all__ = [
    "STRATEGIES",
    "Callback",
    "ClassificationObjective",
    "FitConfig",
    "FitState",
    "History",
    "LinearProbe",
    "Objective",
    "SourceTask",
    "TrainingError",
    "TransferConfig",
    "build_transfer_model",
    "evaluate",
    "fit",
    "fit_linear_probe",
    "freeze_stages",
    "frozen_depth",
    "keep_frozen_batchnorm_in_eval",
    "layerwise_param_groups",
    "load_source_task",
    "restart_stages_after",
    "select_labels",
    "transfer",
    "unfreeze_all",
]
