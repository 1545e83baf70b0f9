"""Zero-shot learning by attributes: recognise classes never seen, from their description.

:mod:`.dap` holds Direct Attribute Prediction (Lampert et al. 2009); :mod:`.runner` the one
recipe that lesson 04 and its benchmark run on the creatures.
"""

from .dap import DAPClassifier, fit_attribute_predictors
from .runner import (
    CANDIDATES,
    ZeroShotConfig,
    ZeroShotRun,
    seen_without,
    train_zero_shot,
    zero_shot_cases,
)

__all__ = [
    "CANDIDATES",
    "DAPClassifier",
    "ZeroShotConfig",
    "ZeroShotRun",
    "fit_attribute_predictors",
    "seen_without",
    "train_zero_shot",
    "zero_shot_cases",
]
