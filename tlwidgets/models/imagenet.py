"""torchvision ImageNet weights, used only where they are already on disk: never downloaded.

A learner who once ran torchvision online has its weights in torch hub's cache
(``<torch.hub.get_dir()>/checkpoints``). This module finds and loads them there, checks them
the way torchvision does, and otherwise says how to fetch them on a machine with internet.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
import torch.nn.functional as F
import torchvision
from torch import Tensor

from .zoo import PretrainedWeightsError, sha256_of

__all__ = [
    "IMAGENET_ARCHS",
    "find_imagenet_weights",
    "imagenet_preprocess",
    "imagenet_weights_file",
    "load_imagenet_model",
]

IMAGENET_ARCHS: tuple[str, ...] = ("resnet18", "resnet50", "mobilenet_v3_small", "efficientnet_b0")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_HASH = re.compile(r"-([a-f0-9]{8,})\.[^-]*$")  # torchvision's "<name>-<sha256 prefix>.pth"


def imagenet_weights_file(arch: str) -> str:
    """Return the file name torchvision stores ``arch``'s IMAGENET1K_V1 weights under.

    Raises
    ------
    ValueError
        If ``arch`` is not one of ``IMAGENET_ARCHS``.
    """
    if arch not in IMAGENET_ARCHS:
        raise ValueError(f"unknown arch {arch!r}; choose one of {', '.join(IMAGENET_ARCHS)}")
    url = torchvision.models.get_model_weights(arch)["IMAGENET1K_V1"].url
    return url.rsplit("/", 1)[-1]


def _checkpoints(hub_dir: str | Path | None) -> Path:
    return Path(torch.hub.get_dir() if hub_dir is None else hub_dir) / "checkpoints"


def find_imagenet_weights(arch: str = "resnet18", hub_dir: str | Path | None = None) -> Path | None:
    """Return ``<hub_dir>/checkpoints/<weights file>`` if it exists, else None.

    ``hub_dir`` defaults to ``torch.hub.get_dir()``. Nothing is downloaded.
    """
    path = _checkpoints(hub_dir) / imagenet_weights_file(arch)
    return path if path.is_file() else None


def load_imagenet_model(
    arch: str = "resnet18", hub_dir: str | Path | None = None
) -> torch.nn.Module:
    """Build ``arch`` with its ImageNet weights from torch hub's cache, in eval mode.

    The model maps (N, 3, H, W) ImageNet-normalised images (see ``imagenet_preprocess``) to
    (N, 1000) logits.

    Raises
    ------
    FileNotFoundError
        If the weights are not on disk; the message gives the command that fetches them.
    PretrainedWeightsError
        If the file's sha256 does not start with the hash in its name, or ``torch.load``
        with ``weights_only=True`` refuses it: nothing is loaded.
    """
    path = find_imagenet_weights(arch, hub_dir)
    if path is None:
        where = _checkpoints(hub_dir)
        fetch = (
            'python -c "import torchvision; '
            f"torchvision.models.get_model('{arch}', weights='IMAGENET1K_V1')\""
        )
        raise FileNotFoundError(
            f"no ImageNet weights for {arch}: looked for {where / imagenet_weights_file(arch)}. "
            "The course never downloads anything. On a machine with internet, fetch them "
            f"once with\n    {fetch}\nthe file then lives in {where} (copy it there here)."
        )
    match = _HASH.search(path.name)
    if match and not sha256_of(path).startswith(match.group(1)):
        raise PretrainedWeightsError(
            f"{path} is corrupted or modified (its sha256 does not start with "
            f"{match.group(1)}) and was not loaded; delete it and fetch it again."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise PretrainedWeightsError(
            f"{path} is not a plain weights checkpoint (torch.load with weights_only=True "
            "refused it) and was not loaded; delete it and fetch it again."
        ) from error
    model = torchvision.models.get_model(arch, weights=None)
    model.load_state_dict(state)
    return model.eval()


def imagenet_preprocess(images: Tensor, size: int = 64) -> Tensor:
    """Resize course images and normalise them with ImageNet's mean and std.

    Parameters
    ----------
    images : Tensor
        (N, 3, H, W) float in [0, 1], as ``LabelledImages.images`` (N, 3, 32, 32) are; they
        carry no normalisation of their own.
    size : int
        Output side; bilinear resize with antialiasing.

    Returns
    -------
    Tensor
        (N, 3, size, size) float, ``(x - mean) / std`` per channel with ImageNet's
        mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
    """
    x = F.interpolate(images.float(), size=(size, size), mode="bilinear", antialias=True)
    mean = x.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = x.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std
