"""A fast small CNN: three conv-BN-ReLU-maxpool stages (about 95k parameters)."""

from __future__ import annotations

from torch import nn

from .backbone import Backbone, conv_bn_relu

__all__ = ["SmallCNN"]


class SmallCNN(Backbone):
    """Three stages that each double the channels and halve the resolution.

    (N, 3, 32, 32) -> stage0 (N, 32, 16, 16) -> stage1 (N, 64, 8, 8) -> stage2 (N, 128, 4, 4)

    Parameters
    ----------
    num_classes
        Classifier outputs (0 for a feature extractor).
    widths
        Output channels of each stage.
    """

    def __init__(self, num_classes: int = 10, widths: tuple[int, ...] = (32, 64, 128)):
        stages: list[nn.Module] = []
        in_chans = 3
        for width in widths:
            stages.append(nn.Sequential(conv_bn_relu(in_chans, width), nn.MaxPool2d(2)))
            in_chans = width
        super().__init__(stages, num_features=widths[-1], num_classes=num_classes)
