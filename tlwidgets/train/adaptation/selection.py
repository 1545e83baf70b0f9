"""Choosing an adaptation's hyper-parameters without target labels: reverse validation.

The target has no labels, so the usual recipe (keep the setting with the best validation
accuracy) cannot be followed on the domain that matters. Reverse validation (Zhong, E. et
al. (2010), "Cross Validation Framework to Choose amongst Models and Datasets for Transfer
Learning", ECML PKDD; used by Ganin et al. (2016) to tune DANN) scores an adapted model by
going back the other way:

    1. label the unlabelled target with the adapted model (pseudo-labels);
    2. train a fresh model on the pseudo-labelled target only;
    3. measure that reverse model on *labelled source* validation data.

If the adapted model labelled the target well, the reverse model learned the task and
does well on the source; if alignment scrambled the classes, it cannot.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.data import TensorDataset

from ...data import LabelledImages
from ...models import predict
from ..evaluate import evaluate
from .runner import AdaptConfig, adapt

__all__ = ["pseudo_label", "reverse_validation"]


def pseudo_label(model: nn.Module, images: Tensor, batch_size: int = 512) -> Tensor:
    """The class ``model`` predicts for every image (eval mode, no gradient).

    Parameters
    ----------
    model
        A classifier returning logits (B, K) for images (B, 3, H, W).
    images
        Shape (M, 3, H, W); moved batch by batch to the model's device.

    Returns
    -------
    Tensor
        Shape (M,), int64 on the CPU.
    """
    if len(images) == 0:  # predict's batching refuses an empty dataset
        return torch.zeros(0, dtype=torch.long)
    return predict(model, TensorDataset(images), batch_size)


def reverse_validation(
    model: nn.Module,
    target_images: Tensor,
    source_val: LabelledImages,
    *,
    backbone: str = "resnet",
    epochs: int = 5,
    lr: float = 2e-3,
    batch_size: int = 64,
    seed: int = 0,
    device: str | None = None,
) -> float:
    """Score an adapted model without target labels (higher is better).

    Parameters
    ----------
    model
        The adapted classifier (logits (B, K) for images (B, 3, H, W)).
    target_images
        The unlabelled target train images (M, 3, H, W) it was adapted to.
    source_val
        Labelled source images the adapted model was NOT trained on (its test split).
    backbone, epochs, lr, batch_size, seed, device
        The reverse model: a fresh, randomly initialised ``backbone`` trained for
        ``epochs`` with Adam on the pseudo-labelled target.

    Returns
    -------
    float
        The reverse model's accuracy on ``source_val``, in [0, 1].
    """
    pseudo = LabelledImages(
        images=target_images,
        labels=pseudo_label(model, target_images),
        classes=source_val.classes,
        name="pseudo-labelled target",
        split="train",
    )
    # The reverse model is the "oracle" of the pseudo-labelled target: trained on its labels.
    config = AdaptConfig(
        "oracle", epochs=epochs, lr=lr, batch_size=batch_size, backbone=backbone, seed=seed
    )
    reverse, _ = adapt(config, source=source_val, target=pseudo, device=device)
    return evaluate(reverse, source_val)["acc"]
