"""Training: the one loop (:func:`fit`), its objectives and the fine-tuning helpers."""

from .adaptation import (
    METHODS,
    AdaptationObjective,
    AdaptConfig,
    CoralObjective,
    DANNObjective,
    DomainAdversarialNetwork,
    DomainDiscriminator,
    GradientReversal,
    GradientReversalFunction,
    MMDObjective,
    SelfTrainingObjective,
    adapt,
    adapt_batchnorm,
    coral_loss,
    dann_lambda,
    mmd_loss,
    pair_domains,
    pseudo_label,
    reverse_validation,
)
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
    "METHODS",
    "STRATEGIES",
    "AdaptConfig",
    "AdaptationObjective",
    "Callback",
    "ClassificationObjective",
    "CoralObjective",
    "DANNObjective",
    "DomainAdversarialNetwork",
    "DomainDiscriminator",
    "FitConfig",
    "FitState",
    "GradientReversal",
    "GradientReversalFunction",
    "History",
    "LinearProbe",
    "MMDObjective",
    "Objective",
    "SelfTrainingObjective",
    "SourceTask",
    "TrainingError",
    "TransferConfig",
    "adapt",
    "adapt_batchnorm",
    "build_transfer_model",
    "coral_loss",
    "dann_lambda",
    "evaluate",
    "fit",
    "fit_linear_probe",
    "freeze_stages",
    "frozen_depth",
    "keep_frozen_batchnorm_in_eval",
    "layerwise_param_groups",
    "load_source_task",
    "mmd_loss",
    "pair_domains",
    "pseudo_label",
    "restart_stages_after",
    "reverse_validation",
    "select_labels",
    "transfer",
    "unfreeze_all",
]
