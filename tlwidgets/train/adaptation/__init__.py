"""Unsupervised domain adaptation: labelled source, unlabelled target, one loop.

Every method is an objective plugged into :func:`tlwidgets.train.fit` (AdaBN is a step
after it); :func:`adapt` runs any of them from a config::

    model, history = adapt(AdaptConfig(method="dann"), source=load_domain("mnist"),
                           target=load_domain("mnistm"),
                           target_test=load_domain("mnistm", "test"))
"""

from .adabn import adapt_batchnorm
from .base import AdaptationObjective
from .coral import CoralObjective, coral_loss
from .dann import (
    DANNObjective,
    DomainAdversarialNetwork,
    DomainDiscriminator,
    GradientReversal,
    GradientReversalFunction,
    dann_lambda,
)
from .mmd import MMDObjective, mmd_loss
from .pairs import pair_domains
from .runner import METHODS, AdaptConfig, adapt
from .selection import pseudo_label, reverse_validation
from .self_training import SelfTrainingObjective

__all__ = [
    "METHODS",
    "AdaptConfig",
    "AdaptationObjective",
    "CoralObjective",
    "DANNObjective",
    "DomainAdversarialNetwork",
    "DomainDiscriminator",
    "GradientReversal",
    "GradientReversalFunction",
    "MMDObjective",
    "SelfTrainingObjective",
    "adapt",
    "adapt_batchnorm",
    "coral_loss",
    "dann_lambda",
    "mmd_loss",
    "pair_domains",
    "pseudo_label",
    "reverse_validation",
]
