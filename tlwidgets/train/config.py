"""The settings of one training run, as a dataclass a learner can read."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FitConfig"]

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine")


@dataclass
class FitConfig:
    """How :func:`tlwidgets.train.fit` trains. Every field has a default that works."""

    epochs: int = 5  # passes over the training data
    batch_size: int = 128  # examples per optimisation step
    lr: float = 1e-3  # learning rate (when no param_groups are given to fit)
    optimizer: str = "adam"  # "adam", "adamw" or "sgd"
    weight_decay: float = 0.0  # L2 penalty (decoupled from the gradient for "adamw")
    momentum: float = 0.9  # only used by "sgd"
    schedule: str = "constant"  # "constant", or "cosine": decay every rate to 0 over the run
    seed: int = 0  # seeds the shuffling order (and everything else via seed_everything)
    device: str | None = None  # "cpu", "cuda", "mps"; None picks the best available
    amp: bool = True  # mixed precision (autocast) on CUDA; ignored on other devices
    channels_last: bool = True  # faster convolutions for image batches (N, C, H, W)
    freeze_batchnorm_stats: bool = True  # frozen BatchNorm layers stay in eval mode (the trap)
    restore_best: str | None = None  # e.g. "val_acc": end with the weights of its best epoch
    max_steps: int | None = None  # stop after this many steps; None runs every epoch
    drop_last: bool = False  # drop the last incomplete batch of each epoch

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {OPTIMIZERS}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {SCHEDULES}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got {self.epochs} and {self.batch_size}"
            )
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1 or None, got {self.max_steps}")
