"""Looking inside a backbone one input at a time: first-layer filters, activation maps, neighbours.

These are the raw numbers behind the feature explorer's close-ups; ``tlwidgets.viz.filters``
turns them into pictures.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..models.modes import eval_mode
from .features import backbone_stages

__all__ = ["first_layer_filters", "nearest_neighbours", "stage_activations"]


def first_layer_filters(model: nn.Module) -> Tensor:
    """Weights of the first convolution of stage 0, the filters that look at the pixels.

    Parameters
    ----------
    model
        A tlwidgets backbone.

    Returns
    -------
    Tensor
        A CPU copy of shape (C_out, C_in, kh, kw); C_in is 3 for colour images, so each
        filter can be shown as a small RGB tile.

    Raises
    ------
    TypeError
        If ``model`` is not a backbone.
    ValueError
        If stage 0 has no ``nn.Conv2d``.
    """
    stages = backbone_stages(model)
    for module in stages[0].modules():
        if isinstance(module, nn.Conv2d):
            return module.weight.detach().float().cpu().clone()
    raise ValueError(f"stage 0 of {type(model).__name__} has no Conv2d to show filters of")


def stage_activations(
    model: nn.Module, image: Tensor, *, channels: int = 4
) -> list[tuple[Tensor, Tensor]]:
    """The maps of one image after every stage, keeping the most active channels of each.

    Parameters
    ----------
    model
        A tlwidgets backbone (run in eval mode; its training mode is restored).
    image
        One image of shape (3, H, W).
    channels
        Channels kept per stage: the ones with the largest mean activation for this image.

    Returns
    -------
    list of (maps, indices)
        One pair per stage, in order: ``maps`` of shape (c, h, w) (CPU float) and the
        channel ``indices`` (c,) they came from, strongest first; c = min(channels, C).
    """
    stages = backbone_stages(model)
    if image.ndim != 3:
        raise ValueError(f"image must have shape (3, H, W), got {tuple(image.shape)}")
    device = next(model.parameters()).device
    x = image.unsqueeze(0).to(device)  # (1, 3, H, W)
    found = []
    with eval_mode(model), torch.no_grad():
        for stage in stages:
            x = stage(x)  # (1, C, h, w)
            maps = x[0].float().cpu()
            strongest = maps.mean(dim=(1, 2)).argsort(descending=True)[:channels]  # (c,)
            found.append((maps[strongest], strongest))
    return found


def nearest_neighbours(features: Tensor, index: int, k: int = 8) -> Tensor:
    """The ``k`` points closest to point ``index`` by cosine similarity (itself excluded).

    Parameters
    ----------
    features
        Shape (N, D), one row per point.
    index
        The query point, 0..N-1.
    k
        How many neighbours; capped at N - 1.

    Returns
    -------
    Tensor
        int64 indices of shape (min(k, N - 1),), nearest first.
    """
    n = len(features)
    if not 0 <= index < n:
        raise ValueError(f"index must be in 0..{n - 1}, got {index}")
    unit = F.normalize(features.float(), dim=1)
    similarity = unit @ unit[index]  # (N,)
    similarity[index] = float("-inf")
    return similarity.topk(min(k, n - 1)).indices
