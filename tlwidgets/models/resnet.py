"""A small ResNet for 32x32 images: a stem and four residual stages (He et al., 2016)."""

from __future__ import annotations

from torch import Tensor, nn

from .backbone import Backbone, conv_bn_relu

__all__ = ["BasicBlock", "ResNet"]


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a residual shortcut: (N, in, H, W) -> (N, out, H/s, W/s)."""

    def __init__(self, in_chans: int, out_chans: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_chans, out_chans, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_chans)
        self.conv2 = nn.Conv2d(out_chans, out_chans, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_chans)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_chans != out_chans:
            # A 1x1 projection so the shortcut matches the new shape.
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_chans, out_chans, 1, stride, bias=False), nn.BatchNorm2d(out_chans)
            )

    def forward(self, x: Tensor) -> Tensor:
        """Residual block output, (N, out, H/stride, W/stride)."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet(Backbone):
    """Stem (conv + maxpool) then one residual block per stage, each after the first halving H, W.

    With the default widths: (N, 3, 32, 32) -> stem (N, 16, 16, 16) -> (N, 16, 16, 16)
    -> (N, 32, 8, 8) -> (N, 64, 4, 4) -> (N, 128, 2, 2); about 0.31M parameters.

    Parameters
    ----------
    num_classes
        Classifier outputs (0 for a feature extractor).
    widths
        Channels of the four residual stages (the stem uses the first).
    """

    def __init__(
        self, num_classes: int = 10, widths: tuple[int, int, int, int] = (16, 32, 64, 128)
    ):
        stem = nn.Sequential(conv_bn_relu(3, widths[0]), nn.MaxPool2d(2))
        stages: list[nn.Module] = [stem]
        in_chans = widths[0]
        for index, width in enumerate(widths):
            stages.append(BasicBlock(in_chans, width, stride=1 if index == 0 else 2))
            in_chans = width
        super().__init__(stages, num_features=widths[-1], num_classes=num_classes)
