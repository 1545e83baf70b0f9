"""One recipe for every multitask run, so the notebook, the bench and the widget agree.

    model, history = train_multitask(MultiTaskConfig(weighting="uncertainty"), train, test)
    history.last("test_digit_acc")

A single-task baseline is the same recipe with one task: ``MultiTaskConfig(tasks=("left",))``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from torch import nn

from ...data.multitask import MultiTaskImages
from ...models import MultiHeadModel, SoftSharingModel, create_backbone
from ...runtime import seed_everything
from ..callbacks import Callback
from ..config import FitConfig
from ..history import History
from ..loop import fit
from .objective import WEIGHTINGS, MultiTaskObjective

__all__ = ["MODEL_KINDS", "MultiTaskConfig", "build_multitask_model", "train_multitask"]

MODEL_KINDS = ("shared", "soft")


@dataclass
class MultiTaskConfig:
    """What one multitask run trains, and how."""

    tasks: tuple[str, ...] | None = None  # tasks to learn; None: every task of the data
    model: str = "shared"  # "shared" (one backbone, a head per task) or "soft" (tied backbones)
    weighting: str = "equal"  # one of WEIGHTINGS
    weights: dict[str, float] | None = None  # task -> weight, for weighting="fixed"
    tie: float = 1e-2  # soft sharing: strength of the L2 tie between the backbones
    backbone: str = "resnet"  # registry name (see tlwidgets.models.list_backbones())
    epochs: int = 10
    lr: float = 1e-3
    schedule: str = "cosine"  # the rate decays to 0 over the run, so the last epoch is not a
    # noisy snapshot of a still-jumping model ("constant" keeps it; see FitConfig)
    batch_size: int = 128
    seed: int = 0  # initial weights and batch order
    cosine_every: int = 10  # log the tasks' gradient cosine every this many steps
    weights_lr: float | None = None  # learning rate of learnable task weights (None: lr)

    def __post_init__(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ValueError(f"unknown model {self.model!r}; choose from {MODEL_KINDS}")
        if self.weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {self.weighting!r}; choose from {WEIGHTINGS}")
        if self.tasks is not None and not self.tasks:
            raise ValueError("tasks must name at least one task (or be None for all)")
        if self.model == "soft" and self.weighting in ("gradnorm", "pcgrad"):
            raise ValueError(
                f"{self.weighting} works on the gradients of shared parameters, and a soft-sharing "
                'model shares none; use model="shared" or another weighting'
            )


def build_multitask_model(config: MultiTaskConfig, data: MultiTaskImages) -> nn.Module:
    """A fresh model for ``config.tasks`` of ``data``, initialised from ``config.seed``."""
    tasks = [data.task(name) for name in (config.tasks or [t.name for t in data.tasks])]
    seed_everything(config.seed)
    if config.model == "soft":
        return SoftSharingModel(
            lambda: create_backbone(config.backbone, num_classes=0), tasks, tie=config.tie
        )
    return MultiHeadModel(create_backbone(config.backbone, num_classes=0), tasks)


def train_multitask(
    config: MultiTaskConfig,
    train: MultiTaskImages,
    test: MultiTaskImages | None = None,
    *,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
    device: str | None = None,
) -> tuple[nn.Module, History]:
    """Train a multitask model as ``config`` says; evaluate on ``test`` after every epoch.

    Returns
    -------
    model, history
        The trained model and its :class:`History`; with ``test`` given, the epochs record
        ``test_<task>_acc`` (or ``_mae``) for every task learned.
    """
    model = build_multitask_model(config, train)
    objective = MultiTaskObjective(
        train.tasks,
        config.weighting,
        weights=config.weights,
        cosine_every=config.cosine_every,
        seed=config.seed,
        weights_lr=config.weights_lr,
    )
    fit_config = FitConfig(
        epochs=config.epochs,
        lr=config.lr,
        schedule=config.schedule,
        batch_size=config.batch_size,
        seed=config.seed,
        device=device,
    )
    history = fit(
        model,
        train,
        objective,
        fit_config,
        val_data={"test": test} if test is not None else None,
        callbacks=callbacks,
        stop_event=stop_event,
    )
    return model, history
