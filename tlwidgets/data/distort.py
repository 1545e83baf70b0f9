"""Batched geometric variation for rendered glyphs: stroke width, affine maps, elastic warps.

All random numbers are drawn by the caller (a :class:`numpy.random.Generator`) and passed
in as arrays, so every function here is a pure, deterministic tensor operation that runs
on a whole batch at once with :func:`torch.nn.functional.grid_sample`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "AffineRanges",
    "elastic_field",
    "sample_affine",
    "vary_stroke",
    "warp",
]


@dataclass(frozen=True)
class AffineRanges:
    """Uniform ranges for a random affine map (all symmetric about 0 except scale)."""

    rotation_deg: float = 12.0  # +- rotation
    shear: float = 0.15  # +- horizontal shear factor
    scale: tuple[float, float] = (0.75, 1.0)  # isotropic scale
    aspect: float = 0.1  # +- relative change of the width against the height
    translate: float = 0.08  # +- shift as a fraction of the half-width of the image


def sample_affine(n: int, rng: np.random.Generator, ranges: AffineRanges) -> np.ndarray:
    """Draw ``n`` random affine maps from output to input coordinates.

    Parameters
    ----------
    n
        Number of maps.
    rng
        Source of randomness.
    ranges
        Parameter ranges.

    Returns
    -------
    numpy.ndarray
        Shape (n, 2, 3), float32: ``theta`` for :func:`torch.nn.functional.affine_grid`
        in normalised [-1, 1] coordinates (it maps each output pixel to where it samples).
    """
    angle = np.deg2rad(rng.uniform(-ranges.rotation_deg, ranges.rotation_deg, n))
    shear = rng.uniform(-ranges.shear, ranges.shear, n)
    scale = rng.uniform(*ranges.scale, n)
    aspect = 1.0 + rng.uniform(-ranges.aspect, ranges.aspect, n)
    shift = rng.uniform(-ranges.translate, ranges.translate, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    # forward map (input -> output): rotate @ shear @ scale, then shift
    forward = np.zeros((n, 2, 2))
    forward[:, 0, 0] = cos * scale * aspect
    forward[:, 0, 1] = (cos * shear - sin) * scale
    forward[:, 1, 0] = sin * scale * aspect
    forward[:, 1, 1] = (sin * shear + cos) * scale
    inverse = np.linalg.inv(forward)  # (n, 2, 2)
    theta = np.concatenate([inverse, -inverse @ shift[:, :, None]], axis=2)
    return theta.astype(np.float32)


def _smooth_basis(grid: int, size: int) -> torch.Tensor:
    """Gaussian bumps centred on a coarse grid, sampled at ``size`` points: (size, grid)."""
    centres = torch.linspace(-1.0, 1.0, grid)
    points = torch.linspace(-1.0, 1.0, size)
    width = 2.0 / (grid - 1)
    basis = torch.exp(-0.5 * ((points[:, None] - centres[None, :]) / width) ** 2)
    return basis / basis.sum(dim=1, keepdim=True)


def elastic_field(
    noise: np.ndarray, size: int, amplitude: np.ndarray | float = 0.03
) -> torch.Tensor:
    """Turn coarse random noise into a smooth displacement field.

    The noise on a coarse grid is spread over the image by separable Gaussian bumps (a
    cheap smooth interpolation, two small matrix products per field).

    Parameters
    ----------
    noise
        Shape (n, 2, g, g): standard-normal values on a coarse g x g grid (g = 3..6 gives
        the slow wobble of a hand; larger g gives a shakier hand).
    size
        Side of the output field in pixels.
    amplitude
        Displacement scale in normalised coordinates per unit of noise (0.05 is about
        0.8 pixel of a 32-pixel image); a scalar or shape (n,).

    Returns
    -------
    torch.Tensor
        Shape (n, size, size, 2), to be added to an ``affine_grid``.
    """
    coarse = torch.as_tensor(noise, dtype=torch.float32)
    basis = _smooth_basis(coarse.shape[-1], size)  # (size, g)
    # the bumps average neighbouring noise values; rescale to unit standard deviation
    scale = torch.as_tensor(amplitude, dtype=torch.float32).reshape(-1, 1, 1, 1)
    coarse = coarse * (scale / basis.square().sum(dim=1).mean())  # cheap: still coarse
    return torch.einsum("hi,ncij,wj->nhwc", basis, coarse, basis)  # (n, size, size, 2)


def _dilate(x: torch.Tensor) -> torch.Tensor:
    """Grey-level dilation of (N, H, W) images with a 3 x 3 square (separable maxima)."""
    rows = x.clone()
    rows[:, :, 1:] = torch.maximum(rows[:, :, 1:], x[:, :, :-1])
    rows[:, :, :-1] = torch.maximum(rows[:, :, :-1], x[:, :, 1:])
    out = rows.clone()
    out[:, 1:] = torch.maximum(out[:, 1:], rows[:, :-1])
    out[:, :-1] = torch.maximum(out[:, :-1], rows[:, 1:])
    return out


def vary_stroke(masks: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Thin or thicken strokes by grey-level erosion/dilation with a 3 x 3 square.

    Parameters
    ----------
    masks
        Shape (N, H, W), ink in [0, 1].
    steps
        Shape (N,), integers in [-1, 2]: -1 erodes once, 0 keeps, k > 0 dilates k times.
        An erosion that would remove more than half of a glyph's ink is skipped, so thin
        hairlines survive.

    Returns
    -------
    torch.Tensor
        Shape (N, H, W).
    """
    steps = torch.as_tensor(steps)
    out = masks.clone()
    thin = torch.nonzero(steps == -1).flatten()
    if len(thin):
        eroded = 1.0 - _dilate(1.0 - masks[thin])
        keeps_ink = eroded.sum(dim=(1, 2)) > 0.5 * masks[thin].sum(dim=(1, 2))
        out[thin[keeps_ink]] = eroded[keeps_ink]
    for k in range(1, int(steps.max().clamp_min(0)) + 1):
        thick = torch.nonzero(steps >= k).flatten()
        out[thick] = _dilate(out[thick])
    return out


def warp(
    images: torch.Tensor,
    theta: np.ndarray | torch.Tensor,
    displacement: torch.Tensor | None = None,
    *,
    out_size: int | None = None,
) -> torch.Tensor:
    """Resample a batch through affine maps plus an optional displacement field.

    Parameters
    ----------
    images
        Shape (N, C, H, W).
    theta
        Shape (N, 2, 3), output -> input maps as from :func:`sample_affine`.
    displacement
        Shape (N, H, W, 2) or None; added to the sampling grid (elastic distortion).
    out_size
        If given and smaller than H, the warped images are area-averaged down to
        ``out_size`` x ``out_size`` (H must be a multiple of it), which anti-aliases.

    Returns
    -------
    torch.Tensor
        Shape (N, C, out_size, out_size), or (N, C, H, W) without ``out_size``.
    """
    theta = torch.as_tensor(theta, dtype=torch.float32)
    height, width = images.shape[-2:]
    # pixel centres in normalised coordinates (align_corners=False), with a column of ones
    ys = (torch.arange(height, dtype=torch.float32) * 2 + 1) / height - 1
    xs = (torch.arange(width, dtype=torch.float32) * 2 + 1) / width - 1
    base = torch.stack(
        [xs.expand(height, width), ys[:, None].expand(height, width), torch.ones(height, width)],
        dim=-1,
    )  # (H, W, 3)
    grid = torch.einsum("hwk,nik->nhwi", base, theta)  # (N, H, W, 2), as affine_grid
    if displacement is not None:
        grid.add_(displacement)
    out = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if out_size is not None and out_size < images.shape[-1]:
        factor = images.shape[-1] // out_size
        if factor * out_size != images.shape[-1]:
            raise ValueError(f"out_size {out_size} must divide the image size {images.shape[-1]}")
        out = F.avg_pool2d(out, factor)
    return out
