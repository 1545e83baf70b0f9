"""Builder for ``synth_attributes``: printed digits with four labelled attributes.

Each image is a printed digit (as in ``synth``) whose every varying attribute is recorded,
so one image carries four tasks of different types and scales: the **digit** (10
classes), the **font** family (serif, sans or mono), the **rotation** angle (a regression
target, in radians) and the **background** colour (4 classes). The mix of a regression
loss with classification losses is what makes task weighting matter in lesson 03.
"""

from __future__ import annotations

import numpy as np
import torch

from .distort import AffineRanges, sample_affine, warp
from .fonts import DIGITS, find_digit_fonts, render_char

__all__ = ["BACKGROUNDS", "FAMILIES", "MAX_ROTATION_DEG", "font_family", "make_synth_attributes"]

FAMILIES = ("serif", "sans", "mono")
BACKGROUNDS = {  # name -> a dark RGB colour in [0, 1]; each image jitters it a little
    "red": (0.45, 0.08, 0.08),
    "green": (0.08, 0.38, 0.10),
    "blue": (0.10, 0.14, 0.50),
    "grey": (0.28, 0.28, 0.28),
}
MAX_ROTATION_DEG = 45.0  # rotations are uniform in [-45, 45] degrees
JITTER = 0.06  # +- per-channel change of the background colour
SHAPE = AffineRanges(rotation_deg=0.0, shear=0.15, scale=(0.65, 0.85), aspect=0.1, translate=0.08)
CHUNK = 2000


def font_family(stem: str) -> str:
    """The family of a matplotlib font file stem: ``"mono"``, ``"sans"`` or ``"serif"``."""
    if "Mono" in stem or stem == "cmtt10":
        return "mono"
    if stem.startswith("DejaVuSans") or stem == "cmss10":
        return "sans"
    return "serif"  # DejaVu Serif, STIX General, cmr10, cmb10, cmti10, cmmi10


def _rotate(theta: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Compose output->input affine maps (n, 2, 3) with a rotation of the output by ``angles``.

    The glyph appears turned counter-clockwise by ``angles`` (radians, shape (n,)).
    """
    cos, sin = np.cos(angles), np.sin(angles)
    back = np.zeros((len(angles), 3, 3))  # output -> un-rotated output coordinates
    back[:, 0, 0], back[:, 0, 1], back[:, 1, 0], back[:, 1, 1] = cos, -sin, sin, cos
    back[:, 2, 2] = 1.0
    full = np.concatenate([theta, np.tile([[[0.0, 0.0, 1.0]]], (len(theta), 1, 1))], axis=1)
    return (full @ back)[:, :2].astype(np.float32)


def make_synth_attributes(
    seed: int = 0, train_size: int = 6000, test_size: int = 2000
) -> dict[str, np.ndarray]:
    """Render printed digits with a recorded digit, font family, rotation and background.

    Font families are drawn uniformly (then a font within the family), so every family is
    about a third of the data; digits and backgrounds are uniform too, independently.

    Parameters
    ----------
    seed
        Seed of every random choice.
    train_size, test_size
        Images in each split.

    Returns
    -------
    dict
        ``x_*`` (N, 3, 32, 32) uint8 RGB; ``y_*`` (N, 3) uint8 with columns (digit, family
        index into ``families``, background index into ``backgrounds``); ``angle_*`` (N,)
        float32 rotation in radians; ``font_*`` (N,) uint8 index into ``font_names``.
    """
    rng = np.random.default_rng(seed)
    paths = find_digit_fonts()
    stems = [p.stem for p in paths]
    glyphs = torch.from_numpy(
        np.stack([[render_char(p, d, size=64, box=52) for d in DIGITS] for p in paths])
    )  # (F, 10, 64, 64)
    by_family = [np.flatnonzero([font_family(s) == f for s in stems]) for f in FAMILIES]
    palette = np.array(list(BACKGROUNDS.values()))  # (4, 3)
    n = train_size + test_size
    digits = rng.integers(0, 10, n)
    families = rng.integers(0, len(FAMILIES), n)
    fonts = np.array([rng.choice(by_family[f]) for f in families])
    backgrounds = rng.integers(0, len(palette), n)
    angles = np.deg2rad(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, n))
    theta = _rotate(sample_affine(n, rng, SHAPE), angles)
    background = palette[backgrounds] + rng.uniform(-JITTER, JITTER, (n, 3))  # (n, 3)
    stroke = rng.uniform(0.75, 1.0, (n, 3))  # light, slightly tinted ink
    images = torch.empty(n, 3, 32, 32)
    for start in range(0, n, CHUNK):
        part = slice(start, min(start + CHUNK, n))
        masks = glyphs[fonts[part], digits[part]][:, None].float()  # (m, 1, 64, 64)
        ink = warp(masks, theta[part], out_size=32)  # (m, 1, 32, 32)
        bg = torch.from_numpy(background[part]).float()[:, :, None, None]
        fg = torch.from_numpy(stroke[part]).float()[:, :, None, None]
        images[part] = bg * (1 - ink) + fg * ink
    noise = torch.from_numpy(rng.normal(0.0, 0.02, images.shape)).float()
    pixels = ((images + noise).clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    labels = np.stack([digits, families, backgrounds], axis=1).astype(np.uint8)
    out: dict[str, np.ndarray] = {
        "font_names": np.array(stems),
        "families": np.array(FAMILIES),
        "backgrounds": np.array(list(BACKGROUNDS)),
    }
    for split, part in (("train", slice(0, train_size)), ("test", slice(train_size, n))):
        out[f"x_{split}"] = pixels[part]
        out[f"y_{split}"] = labels[part]
        out[f"angle_{split}"] = angles[part].astype(np.float32)
        out[f"font_{split}"] = fonts[part].astype(np.uint8)
    return out
