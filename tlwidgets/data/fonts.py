"""The fonts that ship with matplotlib: where they are, what they cover, how a glyph looks.

Nothing here imports matplotlib itself; the font folder is found through the import
system. Glyphs are rasterised with Pillow's FreeType binding in its basic layout mode (one
code point, one glyph, no shaping), which is fast and gives the same pixels on every
machine with the same FreeType.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "DIGITS",
    "find_digit_fonts",
    "font_cmap",
    "font_dir",
    "load_font",
    "render_char",
    "shape_signature",
]

DIGITS = "0123456789"
RENDER_EM = 96  # font size (px) glyphs are rasterised at before being fitted into a box

# Reference fonts whose digits everyone agrees are digits; a candidate font's digits must
# look most like the same digit in one of these (its own file is left out of the vote).
REFERENCE_DIGIT_FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSansMono.ttf",
)


def font_dir() -> Path:
    """Return matplotlib's bundled TrueType folder (``mpl-data/fonts/ttf``) without importing it.

    Raises
    ------
    FileNotFoundError
        If matplotlib is not installed or its font folder is missing.
    """
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("matplotlib is not installed; its bundled fonts are needed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
    if not folder.is_dir():
        raise FileNotFoundError(f"matplotlib's font folder {folder} is missing")
    return folder


@functools.cache
def font_cmap(path: Path) -> frozenset[int]:
    """Return the code points a font file maps to a glyph (its best Unicode cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


@functools.cache
def load_font(path: Path, size: int = RENDER_EM):
    """Return a Pillow ``FreeTypeFont`` for ``path`` at ``size`` px, in basic layout mode."""
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def render_char(path: Path, char: str, *, size: int = 64, box: int = 52) -> np.ndarray | None:
    """Rasterise one character and fit its ink into a centred square box.

    The ink's bounding box is scaled (aspect ratio kept) so that its longer side is ``box``
    pixels, then centred on a ``size`` x ``size`` canvas, the way a person draws a character
    to fill a cell.

    Parameters
    ----------
    path
        Font file.
    char
        One character.
    size, box
        Canvas side and the side of the box the ink is fitted into, in pixels.

    Returns
    -------
    numpy.ndarray or None
        Shape (size, size), float32 in [0, 1], ink = 1; None if nothing is drawn.
    """
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (RENDER_EM * 8 // 3, RENDER_EM * 8 // 3))
    centre = canvas.width // 2
    ImageDraw.Draw(canvas).text((centre, centre), char, font=load_font(path), fill=255, anchor="mm")
    bbox = canvas.getbbox()
    if bbox is None:
        return None
    ink = canvas.crop(bbox)
    scale = box / max(ink.size)
    width, height = (max(1, round(side * scale)) for side in ink.size)
    ink = ink.resize((width, height), Image.Resampling.LANCZOS)
    out = Image.new("L", (size, size))
    out.paste(ink, ((size - width) // 2, (size - height) // 2))
    return np.asarray(out, dtype=np.float32) / 255.0


def shape_signature(images: np.ndarray | torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Halve, blur, centre and L2-normalise images so that a dot product is a correlation.

    Parameters
    ----------
    images
        Shape (N, H, W), ink in [0, 1], H and W even.
    sigma
        Gaussian blur in pixels of the full-size images; a little blur makes the
        comparison tolerant to one-pixel differences in stroke position.

    Returns
    -------
    torch.Tensor
        Shape (N, H * W / 4), float32, each row of unit norm (Pearson-ready).
    """
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)[:, None]  # (N, 1, H, W)
    x = F.avg_pool2d(x, 2)  # half size: four times cheaper, and blurs a little already
    sigma = sigma / 2
    radius = max(1, round(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (t / sigma) ** 2)
    kernel = kernel / kernel.sum()
    x = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1))
    x = F.conv2d(x, kernel.view(1, 1, -1, 1))
    flat = x.flatten(1)
    flat = flat - flat.mean(dim=1, keepdim=True)
    return flat / flat.norm(dim=1, keepdim=True).clamp_min(1e-8)


def _digit_renders(path: Path) -> np.ndarray | None:
    renders = [render_char(path, d) for d in DIGITS]
    if any(r is None for r in renders):
        return None
    return np.stack(renders)  # (10, 64, 64)


@functools.lru_cache(maxsize=1)
def find_digit_fonts() -> tuple[Path, ...]:
    """Return matplotlib's font files whose code points 0-9 really are ten different digits.

    A font qualifies when (1) its cmap maps all of ``0``-``9``, (2) all ten render some
    ink, (3) no two of them look alike (correlation below 0.95), and (4) at least 7 of the
    ten look most like the same digit of a reference font (DejaVu Sans/Serif/Mono). Test
    (4) rejects symbol fonts whose cmap claims the digit code points (``cmsy10``,
    ``cmex10``) and (3) rejects placeholder fonts (``LastResortHE``).

    Returns
    -------
    tuple of pathlib.Path
        Sorted by file name.
    """
    folder = font_dir()
    references = {}
    for name in REFERENCE_DIGIT_FONTS:
        renders = _digit_renders(folder / name)
        if renders is not None:
            references[name] = shape_signature(renders, sigma=2.0)
    accepted = []
    for path in sorted(folder.glob("*.ttf")):
        if not set(map(ord, DIGITS)) <= font_cmap(path):
            continue
        renders = _digit_renders(path)
        if renders is None:
            continue
        own = shape_signature(renders, sigma=2.0)  # (10, D)
        self_similarity = own @ own.T - 2 * torch.eye(10)
        if self_similarity.max() >= 0.95:
            continue
        others = [sig for name, sig in references.items() if name != path.name]
        best = torch.stack([own @ ref.T for ref in others]).amax(dim=0)  # (10, 10)
        recognised = int((best.argmax(dim=1) == torch.arange(10)).sum())
        if recognised >= 7:
            accepted.append(path)
    return tuple(accepted)
