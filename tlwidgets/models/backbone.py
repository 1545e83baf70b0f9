"""The one interface every backbone shares, so freezing, probing and layer-wise rates work on all.

A backbone is an ordered list of ``stages`` (stage 0 sees the image, the last one gives the
final feature maps) followed by a head (global average pool, then a linear ``classifier``)::

    images (N, 3, 32, 32) -> stages[0] -> ... -> stages[-1] -> maps (N, C, h, w)
                          -> pool -> (N, C) -> classifier -> logits (N, num_classes)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["Backbone"]


class Backbone(nn.Module):
    """Base class: ``stages`` + a pooled linear head.

    Parameters
    ----------
    stages
        The feature extractor, in the order the image flows through it.
    num_features
        Channels of the last stage's output (the size of the pooled feature vector).
    num_classes
        Outputs of the classifier; 0 makes :meth:`forward` return the pooled features.
    in_chans
        Channels the first stage expects (3 for every course dataset).
    """

    def __init__(
        self, stages: list[nn.Module], num_features: int, num_classes: int, in_chans: int = 3
    ):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.num_features = num_features
        self.in_chans = in_chans
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier: nn.Module = nn.Identity()
        self.num_classes = 0
        self.reset_classifier(num_classes)

    def reset_classifier(self, num_classes: int) -> None:
        """Replace the classifier by a freshly initialised one with ``num_classes`` outputs.

        ``num_classes=0`` removes it: the model then returns pooled features of shape
        (N, num_features).
        """
        if num_classes < 0:
            raise ValueError(f"num_classes must be >= 0, got {num_classes}")
        self.num_classes = num_classes
        self.classifier = (
            nn.Linear(self.num_features, num_classes) if num_classes else nn.Identity()
        )

    def _check_input(self, x: Tensor) -> None:
        if x.ndim != 4 or x.shape[1] != self.in_chans:
            raise ValueError(
                f"{type(self).__name__} expects images of shape (N, {self.in_chans}, H, W), "
                f"got {tuple(x.shape)}; add a batch dimension with x.unsqueeze(0) for one image"
            )

    def forward_stages(self, x: Tensor, depth: int | None = None) -> Tensor:
        """Run the first ``depth`` stages (all when None) and return their output maps.

        Parameters
        ----------
        x
            Images of shape (N, in_chans, H, W).
        depth
            How many stages to run, 1..len(stages).

        Returns
        -------
        Tensor
            Feature maps of shape (N, C_depth, h, w).
        """
        self._check_input(x)
        depth = len(self.stages) if depth is None else depth
        if not 1 <= depth <= len(self.stages):
            raise ValueError(
                f"depth must be in 1..{len(self.stages)} for this backbone, got {depth}"
            )
        for stage in self.stages[:depth]:
            x = stage(x)
        return x

    def forward_features(self, x: Tensor) -> Tensor:
        """Final feature maps, shape (N, num_features, h, w), for images (N, in_chans, H, W)."""
        return self.forward_stages(x)

    def forward_head(self, features: Tensor, pre_logits: bool = False) -> Tensor:
        """Pool the maps (N, C, h, w) and classify: logits (N, num_classes).

        With ``pre_logits=True`` return the pooled features (N, num_features) instead.
        """
        pooled = torch.flatten(self.pool(features), 1)
        return pooled if pre_logits else self.classifier(pooled)

    def forward(self, x: Tensor) -> Tensor:
        """Logits (N, num_classes) for images (N, in_chans, H, W)."""
        return self.forward_head(self.forward_features(x))

    @property
    def stage_names(self) -> list[str]:
        """Readable names of the stages, e.g. ``["stage0", "stage1", ...]``."""
        return [f"stage{i}" for i in range(len(self.stages))]


def conv_bn_relu(in_chans: int, out_chans: int, stride: int = 1) -> nn.Sequential:
    """A 3x3 convolution, BatchNorm and ReLU: (N, in, H, W) -> (N, out, H/stride, W/stride)."""
    return nn.Sequential(
        nn.Conv2d(in_chans, out_chans, 3, stride, 1, bias=False),
        nn.BatchNorm2d(out_chans),
        nn.ReLU(inplace=True),
    )
