"""Transfer strategies: start from a pretrained backbone, decide what to freeze, fine-tune.

The four strategies of lesson 01, as one config and one function::

    scratch        random weights, everything trains at ``lr``
    linear_probe   pretrained, every stage frozen: only the new head trains
    finetune_all   pretrained, every stage trains at ``lr * backbone_lr_ratio``
    finetune_top   pretrained, the first ``freeze_depth`` stages frozen, the rest fine-tuned

``transfer_depth`` keeps only the first stages of the pretrained backbone and starts the rest
from random weights, as in Yosinski et al.'s "AnB" networks (2014).

While the target task trains, the source task can be watched with the backbone's original
head (:class:`SourceTask`), which makes catastrophic forgetting visible.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..data import LabelledImages
from ..data.splits import sample_per_class
from ..models import Backbone, create_backbone, load_pretrained
from ..runtime import seed_everything
from .callbacks import Callback
from .config import FitConfig
from .evaluate import evaluate
from .freeze import freeze_stages
from .history import History
from .loop import fit
from .param_groups import layerwise_param_groups

__all__ = [
    "STRATEGIES",
    "SourceTask",
    "TransferConfig",
    "build_transfer_model",
    "load_source_task",
    "restart_stages_after",
    "select_labels",
    "transfer",
]

STRATEGIES = ("scratch", "linear_probe", "finetune_all", "finetune_top")


@dataclass
class TransferConfig:
    """One transfer run: the strategy, its learning rates and the target-data budget."""

    strategy: str = "finetune_all"  # "scratch", "linear_probe", "finetune_all", "finetune_top"
    freeze_depth: int = 0  # finetune_top only: leading stages kept frozen, 0..len(stages)
    lr: float = 1e-2  # learning rate of the new head (and of everything, from scratch)
    backbone_lr_ratio: float = 0.1  # backbone rate / head rate when fine-tuning
    epochs: int = 10  # passes over the selected target examples
    batch_size: int = 32  # examples per step
    labels_per_class: int | None = 10  # labelled target examples per class; None: all
    seed: int = 0  # which examples are selected, the head's init and the shuffling
    layer_decay: float = 1.0  # each stage trains this factor slower than the one above it
    transfer_depth: int | None = None  # pretrained stages kept; later ones start random
    freeze_batchnorm_stats: bool = True  # False: frozen BatchNorm layers keep updating (a trap)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {self.strategy!r}; choose one of {STRATEGIES}")
        if not 0 < self.layer_decay <= 1:
            raise ValueError(f"layer_decay must be in (0, 1], got {self.layer_decay}")
        if self.transfer_depth is not None and self.transfer_depth < 0:
            raise ValueError(
                f"transfer_depth must be >= 0 or None (all), got {self.transfer_depth}"
            )
        if (
            self.strategy == "finetune_top"
            and self.transfer_depth is not None
            and self.freeze_depth > self.transfer_depth
        ):
            raise ValueError(
                f"freeze_depth={self.freeze_depth} would freeze stages that start from random "
                f"weights (transfer_depth={self.transfer_depth}); freeze at most "
                f"{self.transfer_depth} stages"
            )
        if self.labels_per_class is not None and self.labels_per_class < 1:
            raise ValueError(
                f"labels_per_class must be >= 1 or None (all), got {self.labels_per_class}"
            )

    def freeze_depth_for(self, num_stages: int) -> int:
        """How many leading stages this strategy freezes on a backbone with ``num_stages``."""
        return {
            "scratch": 0,
            "finetune_all": 0,
            "linear_probe": num_stages,
            "finetune_top": self.freeze_depth,
        }[self.strategy]


def build_transfer_model(
    backbone: str, pretrained: str | None, num_classes: int, config: TransferConfig
) -> Backbone:
    """Create the model a strategy starts from, with the right stages frozen.

    Parameters
    ----------
    backbone
        A registered backbone name, e.g. "resnet".
    pretrained
        The zoo entry to start from (ignored by "scratch"); None behaves like "scratch".
    num_classes
        Outputs of the new head (10 for digits).
    config
        The strategy and its freeze depth.

    Raises
    ------
    ValueError
        If the freeze or transfer depth is impossible for this backbone.
    """
    seed_everything(config.seed)  # the new head's (and any re-started stage's) initial weights
    start_from = None if config.strategy == "scratch" else pretrained
    model = create_backbone(backbone, num_classes=num_classes, pretrained=start_from)
    if start_from is not None:
        model.reset_classifier(num_classes)  # a fresh head, even where the label spaces agree
        if config.transfer_depth is not None:
            restart_stages_after(model, config.transfer_depth, backbone)
    depth = config.freeze_depth_for(len(model.stages))
    if start_from is not None and config.transfer_depth is not None:
        if depth > config.transfer_depth:
            raise ValueError(
                f"{config.strategy} would freeze {depth} stages but only the first "
                f"{config.transfer_depth} are pretrained (transfer_depth); freeze at most "
                f"{config.transfer_depth}, or fine-tune the restarted stages"
            )
    return freeze_stages(model, depth)


def restart_stages_after(model: Backbone, depth: int, backbone: str) -> Backbone:
    """Give every stage after the first ``depth`` fresh random weights (Yosinski's "AnB").

    Raises
    ------
    ValueError
        If ``depth`` is more than the backbone's number of stages.
    """
    if not 0 <= depth <= len(model.stages):
        raise ValueError(
            f"transfer_depth={depth} is impossible for {backbone!r} with {len(model.stages)} "
            f"stages; keep 0 to {len(model.stages)} pretrained stages"
        )
    fresh = create_backbone(backbone, num_classes=1)  # random, seeded by the caller
    for index in range(depth, len(model.stages)):
        model.stages[index].load_state_dict(fresh.stages[index].state_dict())
    return model


def select_labels(data: LabelledImages, labels_per_class: int | None, seed: int) -> LabelledImages:
    """Keep ``labels_per_class`` examples of every class (all when None), drawn from ``seed``.

    Raises
    ------
    ValueError
        If the dataset is empty or a class has fewer examples than asked (the message gives
        the maximum).
    """
    if len(data) == 0:
        raise ValueError(f"the target dataset {data.name!r} is empty: there is nothing to train on")
    if labels_per_class is None:
        return data
    counts = torch.bincount(data.labels, minlength=len(data.classes))
    smallest = int(counts[counts > 0].min())
    if labels_per_class > smallest:
        raise ValueError(
            f"labels_per_class={labels_per_class} is more than {data.name!r} has: its smallest "
            f"class has {smallest} examples, so choose at most {smallest} (or all)"
        )
    return data.subset(sample_per_class(data.labels.numpy(), labels_per_class, seed))


class SourceView(nn.Module):
    """The (shared, still training) backbone read out by the source task's original head.

    images (N, 3, H, W) -> backbone features (N, D) -> source head -> logits (N, K_source)
    """

    def __init__(self, backbone: Backbone, head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x: Tensor) -> Tensor:
        """Source-task logits (N, K_source) for images (N, 3, H, W)."""
        features = self.backbone.forward_head(self.backbone.forward_features(x), pre_logits=True)
        return self.head(features)


@dataclass
class SourceTask:
    """The task a zoo backbone was pretrained on: its original head and held-out data."""

    name: str  # the zoo entry, e.g. "glyphs-resnet"
    head: nn.Module  # the pretrained classifier, (N, D) -> (N, K_source); never trained here
    data: LabelledImages  # source examples to measure accuracy on

    def accuracy(self, backbone: Backbone) -> float:
        """Source accuracy of ``backbone``'s current features through the original head."""
        return evaluate(SourceView(backbone, self.head), self.data)["acc"]


def load_source_task(pretrained: str, max_examples: int = 1000) -> SourceTask:
    """The source task of a zoo entry: its trained head and part of its held-out split.

    ``max_examples`` source images are taken evenly spaced over the split, so that watching
    the source task during fine-tuning costs a fraction of a second per epoch.
    """
    from ..models.zoo.build import RECIPES

    if pretrained not in RECIPES:
        raise ValueError(f"no source task is known for {pretrained!r}; choose from {list(RECIPES)}")
    head = copy.deepcopy(load_pretrained(pretrained).classifier).requires_grad_(False)
    data = RECIPES[pretrained].load_eval()
    step = max(1, len(data) // max_examples)
    return SourceTask(
        pretrained, head, data.subset(torch.arange(0, len(data), step)[:max_examples])
    )


def transfer(
    config: TransferConfig,
    *,
    backbone: str,
    pretrained: str | None,
    train_data: LabelledImages,
    val_data: LabelledImages,
    source: SourceTask | None = None,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
    device: str | None = None,
) -> tuple[Backbone, History]:
    """Run one transfer experiment: select labels, build the model, fine-tune with :func:`fit`.

    Parameters
    ----------
    config
        Strategy, learning rates, epochs, labels per class, seed.
    backbone, pretrained
        Architecture and zoo entry to start from.
    train_data, val_data
        The target task: training pool (``labels_per_class`` are drawn from it) and the
        split accuracy is reported on (logged as ``target_acc``).
    source
        If given, source accuracy is logged after every epoch as ``source_acc``.
    callbacks, stop_event
        Passed to :func:`fit` (live plots, Stop buttons).
    device
        Force a device; default the best available.

    Returns
    -------
    model, history
        The trained model (also when stopped) and what :func:`fit` recorded.
    """
    selected = select_labels(train_data, config.labels_per_class, config.seed)
    model = build_transfer_model(backbone, pretrained, len(train_data.classes), config)
    scratch = config.strategy == "scratch"  # one rate everywhere: nothing to protect
    groups = layerwise_param_groups(
        model,
        config.lr,
        backbone_lr_ratio=1.0 if scratch else config.backbone_lr_ratio,
        layer_decay=1.0 if scratch else config.layer_decay,
    )
    fit_config = FitConfig(
        epochs=config.epochs,
        batch_size=min(config.batch_size, len(selected)),
        lr=config.lr,
        seed=config.seed,
        device=device,
        freeze_batchnorm_stats=config.freeze_batchnorm_stats,
    )
    epoch_metrics = None
    if source is not None:
        epoch_metrics = {"source": lambda: {"acc": source.accuracy(model)}}
    history = fit(
        model,
        selected,
        config=fit_config,
        val_data={"target": val_data},
        callbacks=callbacks,
        stop_event=stop_event,
        param_groups=groups,
        epoch_metrics=epoch_metrics,
    )
    return model, history
