"""AdaBN: re-estimate BatchNorm statistics on the target domain, nothing else.

Li, Y., Wang, N., Shi, J., Hou, X. and Liu, J. (2018). "Adaptive Batch Normalization for
practical domain adaptation." Pattern Recognition 80 (first as arXiv:1603.04779, 2016).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["adapt_batchnorm"]


@torch.no_grad()
def adapt_batchnorm(model: nn.Module, target_images: Tensor, batch_size: int = 256) -> nn.Module:
    """Replace every BatchNorm layer's running statistics by the target domain's.

    Only the running means and variances change: no weight, bias or BatchNorm scale/shift
    is trained, and no label is used. Each BatchNorm's statistics are reset and re-estimated
    by cumulative averaging (``momentum=None``) over forward passes of the target images,
    with BatchNorm layers in train mode and everything else (e.g. dropout) in eval mode.
    Afterwards each layer's momentum is restored and the model is left in eval mode, ready
    to predict on the target.

    Parameters
    ----------
    model
        Any module with BatchNorm layers (a model without them is returned unchanged).
    target_images
        Unlabelled target images (M, 3, H, W), moved batch by batch to the model's device.
    batch_size
        At most this many images per forward pass. The images are split into batches of
        near-equal size (cumulative averaging weighs each batch equally), so with
        M <= batch_size the statistics are exactly those of the whole target set.

    Returns
    -------
    nn.Module
        The same model, in eval mode.
    """
    if len(target_images) == 0:
        raise ValueError("target_images is empty: AdaBN needs target images to estimate from")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [norm.momentum for norm in norms]
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    model.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average over the batches
        norm.train()
    try:
        if norms:
            chunks = -(-len(target_images) // batch_size)
            for images in torch.tensor_split(target_images, chunks):  # near-equal sizes
                model(images.to(device))
    finally:
        for norm, momentum in zip(norms, momenta, strict=True):
            norm.momentum = momentum
        model.eval()
    return model
