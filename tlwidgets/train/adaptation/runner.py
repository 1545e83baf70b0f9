"""One domain-adaptation run: a method, a labelled source and an unlabelled target.

Every method is :func:`tlwidgets.train.fit` with a different objective and data::

    source_only    train on the source only (the lower bound)
    adabn          source_only, then re-estimate BatchNorm statistics on the target (AdaBN)
    coral          source + Deep CORAL on the pooled features
    mmd            source + multi-kernel MMD on the pooled features (DAN)
    dann           source + a domain discriminator behind gradient reversal (DANN)
    self_training  source + confident pseudo-labels on the target
    oracle         train on the LABELLED target (the upper bound no real task has)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ...data import LabelledImages
from ...models import create_backbone, list_backbones
from ...runtime import seed_everything
from ..callbacks import Callback
from ..config import FitConfig
from ..evaluate import evaluate
from ..history import History
from ..loop import fit
from ..objectives import ClassificationObjective, Objective
from .adabn import adapt_batchnorm
from .coral import CoralObjective
from .dann import DANNObjective, DomainAdversarialNetwork
from .mmd import MMDObjective
from .pairs import pair_domains
from .self_training import SelfTrainingObjective

__all__ = ["METHODS", "AdaptConfig", "adapt"]

METHODS = ("source_only", "adabn", "coral", "mmd", "dann", "self_training", "oracle")
# method -> its objective, built from the run's config
ALIGNING: dict[str, Callable[[AdaptConfig], Objective]] = {
    "coral": lambda config: CoralObjective(weight=config.weight),
    "mmd": lambda config: MMDObjective(weight=config.weight),
    "dann": lambda config: DANNObjective(weight=config.weight),
    "self_training": lambda config: SelfTrainingObjective(
        weight=config.weight, threshold=config.threshold
    ),
}


@dataclass
class AdaptConfig:
    """One adaptation run: the method, its alignment weight and the training budget."""

    method: str = "dann"  # one of METHODS
    weight: float = 1.0  # weight of the alignment loss (ignored by source_only/adabn/oracle)
    epochs: int = 10  # passes over the source (over the labelled target for "oracle")
    lr: float = 1e-3  # Adam's learning rate
    batch_size: int = 64  # source (and target) examples per step
    backbone: str = "resnet"  # a registered backbone, see tlwidgets.models.list_backbones()
    pretrained: str | None = None  # zoo entry to start from, None = random init
    seed: int = 0  # the model's initial weights, the shuffling and the source/target pairing
    threshold: float = 0.9  # self_training only: softmax confidence a pseudo-label needs

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {METHODS}")
        if self.backbone not in list_backbones():
            raise ValueError(
                f"unknown backbone {self.backbone!r}; choose one of {list_backbones()}"
            )
        if self.weight < 0:
            raise ValueError(f"weight must be >= 0, got {self.weight}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got {self.epochs} and {self.batch_size}"
            )
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")


def _check_label_space(data: LabelledImages, classes: list[str], role: str) -> None:
    if data.classes != classes:
        raise ValueError(
            f"{role} {data.name!r} has classes {data.classes}, the source has {classes}; "
            "domain adaptation here needs the same label space in both domains"
        )


def adapt(
    config: AdaptConfig,
    *,
    source: LabelledImages,
    target: LabelledImages,
    target_test: LabelledImages | None = None,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
    device: str | None = None,
    source_test: LabelledImages | None = None,
) -> tuple[nn.Module, History]:
    """Train a classifier on the source and adapt it to the target with ``config.method``.

    TARGET LABELS: ``target`` is the target's TRAIN split, and its labels are read ONLY by
    the "oracle" method, which trains on them to show the best a labelled target could
    give. Every other method sees nothing of it but ``target.images``: that is what makes
    it *unsupervised* domain adaptation. Target labels otherwise serve only to measure, in
    ``target_test``.

    Parameters
    ----------
    config
        Method, alignment weight, epochs, learning rate, batch size, backbone, seed.
    source
        Labelled source images (N, 3, H, W) and labels (N,).
    target
        Target train split; only its images (M, 3, H, W) are used, except by "oracle".
    target_test, source_test
        If given, evaluated after every epoch and logged as ``target_acc``/``target_loss``
        and ``source_acc``/``source_loss``.
    callbacks, stop_event
        Passed to :func:`~tlwidgets.train.fit` (live plots, Stop buttons).
    device
        Force a device; default the best available.

    Returns
    -------
    model, history
        The trained model - a :class:`DomainAdversarialNetwork` for "dann" (calling it
        gives class logits), the backbone otherwise - and what ``fit`` recorded. For
        "adabn", ``history.epochs`` holds the source-only training curve plus one last row
        measured after AdaBN, with the same ``epoch`` and ``step`` as the row before it
        (no training happened) and ``"adabn": 1.0``; so ``history.last("target_acc")`` is
        the adapted accuracy for every method. A run stopped early skips AdaBN.

    Raises
    ------
    ValueError
        If the domains' label spaces or image shapes differ, or (oracle only) the target
        labels are not class indices of the source.
    """
    classes = source.classes
    for data, role in ((target_test, "target_test"), (source_test, "source_test")):
        if data is not None:
            _check_label_space(data, classes, role)

    seed_everything(config.seed)  # the initial weights of the model (and discriminator)
    model: nn.Module = create_backbone(
        config.backbone, num_classes=len(classes), pretrained=config.pretrained
    )
    if config.pretrained is not None:
        model.reset_classifier(len(classes))  # a fresh head, even where the label spaces agree

    objective: Objective
    if config.method == "oracle":
        _check_label_space(target, classes, "target")
        if len(target) and not 0 <= int(target.labels.min()) <= int(target.labels.max()) < len(
            classes
        ):
            raise ValueError(
                f"the oracle trains on target labels, but {target.name!r} has labels outside "
                f"0..{len(classes) - 1}; give the target's real labels"
            )
        train_data, objective = target, ClassificationObjective()
    elif config.method in ("source_only", "adabn"):
        pair_domains(source, target.images)  # the same shape and emptiness checks
        train_data, objective = source, ClassificationObjective()
    else:
        train_data = pair_domains(source, target.images, seed=config.seed)
        objective = ALIGNING[config.method](config)
        if config.method == "dann":
            model = DomainAdversarialNetwork(model)

    val_data = {}
    if target_test is not None:
        val_data["target"] = target_test
    if source_test is not None:
        val_data["source"] = source_test
    fit_config = FitConfig(
        epochs=config.epochs,
        batch_size=min(config.batch_size, len(train_data)),
        lr=config.lr,
        seed=config.seed,
        device=device,
        optimizer="adam",
    )
    history = fit(
        model,
        train_data,
        objective,
        fit_config,
        val_data=val_data,
        callbacks=callbacks,
        stop_event=stop_event,
    )
    if config.method == "adabn" and history.status == "completed" and history.epochs:
        _adapt_and_record(model, target.images, val_data, history)
    return model, history


def _adapt_and_record(
    model: nn.Module,
    target_images: torch.Tensor,
    val_data: dict[str, LabelledImages],
    history: History,
) -> None:
    """Apply AdaBN and append a row measured after it to ``history.epochs``."""
    adapt_batchnorm(model, target_images)
    last = history.epochs[-1]
    row: dict[str, float] = {"epoch": last["epoch"], "step": last["step"], "adabn": 1.0}
    for name, data in val_data.items():
        for key, value in evaluate(model, data).items():
            row[f"{name}_{key}"] = value
    row["time"] = last.get("time", 0.0)
    history.epochs.append(row)
