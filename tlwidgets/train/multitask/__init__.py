"""Multitask learning: one objective for several tasks, and how to weight them.

Strategies (:data:`WEIGHTINGS`): equal and fixed weights, uncertainty weighting (Kendall et
al., 2018), dynamic weight average (Liu et al., 2019), GradNorm (Chen et al., 2018) and
PCGrad's gradient surgery (Yu et al., 2020).
"""

from .gradients import gradient_cosines, task_gradients
from .gradnorm import GradNorm
from .objective import WEIGHTINGS, MultiTaskObjective, make_weighting, task_losses
from .pcgrad import PCGrad, project_conflicting
from .runner import MODEL_KINDS, MultiTaskConfig, build_multitask_model, train_multitask
from .weighting import (
    DynamicWeightAverage,
    EqualWeights,
    FixedWeights,
    TaskWeighting,
    UncertaintyWeighting,
)

__all__ = [
    "MODEL_KINDS",
    "WEIGHTINGS",
    "DynamicWeightAverage",
    "EqualWeights",
    "FixedWeights",
    "GradNorm",
    "MultiTaskConfig",
    "MultiTaskObjective",
    "PCGrad",
    "TaskWeighting",
    "UncertaintyWeighting",
    "build_multitask_model",
    "gradient_cosines",
    "make_weighting",
    "project_conflicting",
    "task_gradients",
    "task_losses",
    "train_multitask",
]
