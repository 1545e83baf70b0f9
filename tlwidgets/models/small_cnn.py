"""A fast small CNN: four conv-BN-ReLU-maxpool stages (about 0.1M parameters)."""

from __future__ import annotations

from torch import nn

from .backbone import Backbone, conv_bn_relu

__all__ = ["SmallCNN"]


class SmallCNN(Backbone):
    """Four stages that each double the channels and halve the resolution.

    (N, 3, 32, 32) -> stage0 (N, 16, 16, 16) -> stage1 (N, 32, 8, 8) -> stage2 (N, 64, 4, 4)
    -> stage3 (N, 128, 2, 2). Few channels at full resolution keep it fast on a CPU.

    Parameters
    ----------
    num_classes
        Classifier outputs (0 for a feature extractor).
    widths
        Output channels of each stage.
    """

    def __init__(self, num_classes: int = 10, widths: tuple[int, ...] = (16, 32, 64, 128)):
        stages: list[nn.Module] = []
        in_chans = 3
        for width in widths:
            stages.append(nn.Sequential(conv_bn_relu(in_chans, width), nn.MaxPool2d(2)))
            in_chans = width
        super().__init__(stages, num_features=widths[-1], num_classes=num_classes)
