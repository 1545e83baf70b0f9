"""A domain shift you can dial: rotate, blur, add noise, colour the background, lower resolution.

The digit domains differ in many ways at once. A :class:`Shift` changes images one
controlled way at a time, so a widget can grow each kind of shift with a slider and show
how a model's accuracy falls with it::

    shifted = apply_shift(mnist.images, Shift(rotation=30, blur=1.0))

The operations run in a fixed order: rotation, colour, blur, resolution, noise. The
background texture and the noise are drawn once per ``seed`` and only scaled by the
parameters, so moving one slider never redraws what another controls.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.v2.functional as TF
from torch import Tensor
from torchvision.transforms import InterpolationMode

__all__ = ["Shift", "apply_shift"]

TEXTURE_GRIDS = ((4, 0.7), (8, 0.3))  # (cells per side, weight) of the random colour patches


@dataclass(frozen=True)
class Shift:
    """How far to move images away from their domain; ``Shift()`` changes nothing.

    ``colour`` blends each image with ``abs(texture - image)``, the MNIST-M recipe of
    Ganin et al. (2016) with a synthetic texture: smooth random colour patches (random
    RGB colours on a coarse 4 x 4 grid plus a fainter 8 x 8 one, interpolated bilinearly),
    drawn per image from the seed. At ``colour=1`` light strokes on black become dark
    strokes cut out of a colourful background.
    """

    rotation: float = 0.0  # degrees, counter-clockwise about the centre; corners fill black
    blur: float = 0.0  # sigma of a Gaussian blur, in pixels (0 = none)
    noise: float = 0.0  # std of Gaussian noise added to every pixel and channel, on [0, 1]
    colour: float = 0.0  # 0..1 blend towards an MNIST-M-like coloured background
    resolution: int = 32  # pixels: shorter side resized down to this and back (none if >= H)

    def __post_init__(self) -> None:
        for name in ("rotation", "blur", "noise", "colour"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value}")
        if self.blur < 0:
            raise ValueError(
                f"blur is a Gaussian sigma in pixels and must be >= 0, got {self.blur}"
            )
        if self.noise < 0:
            raise ValueError(f"noise is a standard deviation and must be >= 0, got {self.noise}")
        if not 0 <= self.colour <= 1:
            raise ValueError(f"colour is a blend weight and must be in [0, 1], got {self.colour}")
        if (
            isinstance(self.resolution, bool)
            or not isinstance(self.resolution, numbers.Integral)
            or self.resolution < 1
        ):
            raise ValueError(
                f"resolution must be a whole number of pixels >= 1, got {self.resolution!r}"
            )

    def describe(self) -> str:
        """A short label of what changes, e.g. ``"rotation 30°, blur 1.0"``; ``"no shift"``."""
        parts = []
        if self.rotation:
            parts.append(f"rotation {self.rotation:g}°")
        if self.blur:
            parts.append(f"blur {self.blur:.1f}")
        if self.noise:
            parts.append(f"noise {self.noise:.2f}")
        if self.colour:
            parts.append(f"colour {self.colour:.2f}")
        if self.resolution != Shift.resolution:
            parts.append(f"resolution {self.resolution}")
        return ", ".join(parts) or "no shift"


def _seeds(seed: int) -> tuple[int, int]:
    """Independent seeds for the texture and the noise, both derived from ``seed``."""
    texture, noise = np.random.SeedSequence(seed).spawn(2)
    return int(texture.generate_state(1)[0]), int(noise.generate_state(1)[0])


def _upsample_matrix(cells: int, size: int) -> Tensor:
    """The (size, cells) matrix of a 1-D bilinear upsampling (``align_corners=False``)."""
    # interpolating the identity along one axis gives each output pixel's weights
    identity = torch.eye(cells)[None, None]  # (1, 1, cells, cells)
    return F.interpolate(identity, size=(size, cells), mode="bilinear", align_corners=False)[0, 0]


def _texture(n: int, height: int, width: int, seed: int) -> Tensor:
    """Smooth random colour patches, shape (n, 3, height, width) in [0, 1].

    Bilinear upsampling is separable, so it is done as two small matrix products, several
    times faster on a CPU than ``F.interpolate`` for a batch of tiny grids.
    """
    generator = torch.Generator().manual_seed(seed)
    texture = torch.zeros(n, 3, height, width)
    for cells, weight in TEXTURE_GRIDS:
        colours = torch.rand(n, 3, cells, cells, generator=generator)  # (n, 3, g, g)
        rows, columns = _upsample_matrix(cells, height), _upsample_matrix(cells, width)
        texture.add_(rows @ colours @ columns.T, alpha=weight)  # (n, 3, height, width)
    return texture


def _blur_matrix(size: int, sigma: float) -> Tensor:
    """The (size, size) matrix of a 1-D Gaussian blur with reflected edges."""
    radius = min(math.ceil(3 * sigma), size - 1)  # reflecting once needs radius < size
    offsets = torch.arange(-radius, radius + 1)  # (2r + 1,)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    source = (torch.arange(size)[:, None] + offsets).abs()  # (size, 2r + 1) pixel read
    source = torch.where(source >= size, 2 * (size - 1) - source, source)
    return torch.zeros(size, size).scatter_add_(1, source, kernel.expand(size, -1).contiguous())


def _gaussian_blur(images: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian blur of (N, C, H, W) images with reflected edges.

    For images this small, a blur along each axis is a (H, H) or (W, W) matrix product,
    which is several times faster on a CPU than a convolution.
    """
    height, width = images.shape[-2:]
    rows = _blur_matrix(height, sigma).to(images.device)  # (H, H)
    columns = _blur_matrix(width, sigma).to(images.device)  # (W, W)
    return rows @ images @ columns.T  # (N, C, H, W)


def apply_shift(images: Tensor, shift: Shift, seed: int = 0) -> Tensor:
    """Apply ``shift`` to a batch of images, all of them at once.

    Parameters
    ----------
    images
        Shape (N, 3, H, W), floats in [0, 1]; not modified.
    shift
        What to change and by how much; ``Shift()`` returns an unchanged copy.
    seed
        Seeds the background textures and the noise, so the result is deterministic. Both
        depend only on the seed and the batch shape, so two shifts with the same seed
        differ only in what their parameters change.

    Returns
    -------
    Tensor
        Shape (N, 3, H, W), float32 in [0, 1].

    Raises
    ------
    ValueError
        If ``images`` is not a floating-point (N, 3, H, W) tensor, or ``shift`` is not a
        :class:`Shift`.
    """
    if not isinstance(shift, Shift):
        raise ValueError(f"shift must be a Shift, got {type(shift).__name__}")
    if not torch.is_tensor(images) or images.ndim != 4 or images.shape[1] != 3:
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ValueError(f"images must be a tensor of shape (N, 3, H, W), got {shape}")
    if not images.is_floating_point():
        raise ValueError(f"images must be floats in [0, 1], got dtype {images.dtype}")
    x = images.detach().float().clone()  # (N, 3, H, W); never edit the caller's tensor
    n, _, height, width = x.shape
    if n == 0:
        return x
    texture_seed, noise_seed = _seeds(seed)
    if shift.rotation:
        x = TF.rotate(x, shift.rotation, interpolation=InterpolationMode.BILINEAR, fill=0.0)
    if shift.colour:
        texture = _texture(n, height, width, texture_seed).to(x.device)
        x = torch.lerp(x, (texture - x).abs(), shift.colour)  # MNIST-M: |patch - digit|
    if shift.blur:
        x = _gaussian_blur(x, shift.blur)
    if shift.resolution < min(height, width):
        # a single size resizes the shorter side to it, keeping the aspect ratio
        small = TF.resize(
            x, [int(shift.resolution)], interpolation=InterpolationMode.BILINEAR, antialias=True
        )
        x = TF.resize(small, [height, width], interpolation=InterpolationMode.BILINEAR)
    if shift.noise:
        generator = torch.Generator().manual_seed(noise_seed)
        x = x + shift.noise * torch.randn(x.shape, generator=generator).to(x.device)
    return x.clamp_(0.0, 1.0)
