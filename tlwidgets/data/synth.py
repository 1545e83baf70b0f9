"""Builder for the ``synth`` domain: printed digits rendered from matplotlib's fonts.

In the spirit of Ganin and Lempitsky's SynNumbers: one digit per image, drawn from a
random font with random size, position, rotation, shear and stroke weight, a light stroke
colour over a darker, slightly graded background colour, with some blur and noise.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .distort import AffineRanges, sample_affine, vary_stroke, warp
from .fonts import DIGITS, find_digit_fonts, render_char

__all__ = ["make_synth"]

SYNTH_AFFINE = AffineRanges(
    rotation_deg=15.0, shear=0.2, scale=(0.62, 0.92), aspect=0.15, translate=0.1
)
MIN_CONTRAST = 0.35  # stroke luminance minus background luminance, on a 0-1 scale
CHUNK = 2000  # images warped per call, to bound memory


def _luminance(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.array([0.299, 0.587, 0.114])


def _sample_colours(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw background/stroke colour pairs whose stroke is lighter by MIN_CONTRAST or more.

    Returns
    -------
    background, stroke
        Each of shape (n, 3), float in [0, 1].
    """
    background = np.empty((n, 3))
    stroke = np.empty((n, 3))
    todo = np.arange(n)
    while len(todo):
        bg = rng.uniform(0.0, 0.6, (len(todo), 3))
        fg = rng.uniform(0.3, 1.0, (len(todo), 3))
        ok = _luminance(fg) - _luminance(bg) >= MIN_CONTRAST
        background[todo[ok]] = bg[ok]
        stroke[todo[ok]] = fg[ok]
        todo = todo[~ok]
    return background, stroke


def _blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of (N, C, H, W) images, per channel."""
    radius = max(1, round(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (t / sigma) ** 2)
    kernel = (kernel / kernel.sum()).to(images.dtype)
    c = images.shape[1]
    x = F.conv2d(images, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), padding=(0, radius), groups=c)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), padding=(radius, 0), groups=c)


def _compose(masks: torch.Tensor, rng: np.random.Generator, size: int = 32) -> torch.Tensor:
    """Warp glyph masks and paint them in colour.

    Parameters
    ----------
    masks
        Shape (n, 1, 2 * size, 2 * size), ink in [0, 1].
    rng
        Source of randomness.

    Returns
    -------
    torch.Tensor
        Shape (n, 3, size, size), float32 in [0, 1].
    """
    n = len(masks)
    steps = rng.choice([-1, 0, 1], size=n, p=[0.2, 0.5, 0.3])
    theta = sample_affine(n, rng, SYNTH_AFFINE)
    thick = vary_stroke(masks[:, 0], torch.from_numpy(steps))[:, None]  # (n, 1, 2s, 2s)
    ink = warp(thick, theta, out_size=size)  # (n, 1, s, s)
    sigma = rng.choice([0.0, 0.5, 0.9], size=n)
    for s in (0.5, 0.9):
        members = torch.from_numpy(np.flatnonzero(sigma == s))
        ink[members] = _blur(ink[members], s)
    background, stroke = _sample_colours(n, rng)
    # a gentle linear gradient across the background, like uneven lighting
    ramp = torch.linspace(-1, 1, size)
    direction = rng.uniform(-1, 1, (n, 2)) * 0.08
    gradient = torch.from_numpy(direction[:, 0]).float().view(n, 1, 1, 1) * ramp.view(
        1, 1, 1, -1
    ) + torch.from_numpy(direction[:, 1]).float().view(n, 1, 1, 1) * ramp.view(
        1, 1, -1, 1
    )  # (n, 1, s, s)
    bg = torch.from_numpy(background).float().view(n, 3, 1, 1) + gradient
    fg = torch.from_numpy(stroke).float().view(n, 3, 1, 1)
    image = bg * (1 - ink) + fg * ink
    noise = torch.from_numpy(rng.normal(0.0, 0.02, image.shape)).float()
    return (image + noise).clamp(0, 1)


def make_synth(
    seed: int = 0, train_per_class: int = 1000, test_per_class: int = 200
) -> dict[str, np.ndarray]:
    """Render the printed-digit domain from every matplotlib font that really has digits.

    Parameters
    ----------
    seed
        Seed of every random choice.
    train_per_class, test_per_class
        Images per digit in each split (defaults: 10,000 train / 2,000 test).

    Returns
    -------
    dict
        ``x_*`` (N, 3, 32, 32) uint8 RGB, ``y_*`` (N,) uint8, ``font_*`` (N,) uint8 index
        into ``font_names`` (F,) (font file stems, e.g. ``"DejaVuSans-Bold"``).
    """
    rng = np.random.default_rng(seed)
    paths = find_digit_fonts()
    glyphs = torch.from_numpy(
        np.stack([[render_char(p, d, size=64, box=52) for d in DIGITS] for p in paths])
    )  # (F, 10, 64, 64)
    per_class = train_per_class + test_per_class
    labels = np.repeat(np.arange(10), per_class)
    # every font draws every digit about equally often
    fonts = np.concatenate(
        [rng.permutation(np.resize(np.arange(len(paths)), per_class)) for _ in range(10)]
    )
    images = torch.empty(len(labels), 3, 32, 32)
    for start in range(0, len(labels), CHUNK):
        stop = min(start + CHUNK, len(labels))
        masks = glyphs[fonts[start:stop], labels[start:stop]][:, None]  # (n, 1, 64, 64)
        images[start:stop] = _compose(masks, rng)
    is_test = np.tile(np.arange(per_class) >= train_per_class, 10)
    out: dict[str, np.ndarray] = {"font_names": np.array([p.stem for p in paths])}
    pixels = (images * 255).round().to(torch.uint8).numpy()
    for split, members in (("train", ~is_test), ("test", is_test)):
        order = rng.permutation(np.flatnonzero(members))
        out[f"x_{split}"] = pixels[order]
        out[f"y_{split}"] = labels[order].astype(np.uint8)
        out[f"font_{split}"] = fonts[order].astype(np.uint8)
    return out
