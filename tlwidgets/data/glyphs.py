"""Builder for ``glyphs``: an Omniglot-like set of characters from many scripts.

Each selected character (see :mod:`tlwidgets.data.alphabets`) is drawn ``drawings`` times.
A drawing starts from the character rendered in a random font that covers it, fitted into
a box; its strokes are thinned or thickened, then an affine map (rotation, shear, scale,
aspect, shift) and a smooth random displacement field (the wobble of a hand) are applied
in one ``grid_sample`` over the whole batch. Strokes are white on black, 32 x 32.

The random numbers of a character come from a generator seeded with ``(seed, code point)``,
so a character's drawings do not depend on which other characters are built.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .alphabets import BACKGROUND_SCRIPTS, select_characters
from .distort import AffineRanges, elastic_field, sample_affine, vary_stroke, warp
from .fonts import render_char

__all__ = ["DRAWINGS", "make_glyphs"]

DRAWINGS = 20  # drawings per character, as in Omniglot
GLYPH_AFFINE = AffineRanges(
    rotation_deg=12.0, shear=0.15, scale=(0.72, 0.95), aspect=0.12, translate=0.08
)
ELASTIC_GRID = 4  # coarse noise grid of the displacement field (4 x 4: a slow wobble)
ELASTIC_AMPLITUDE = (0.04, 0.09)  # range of displacement scales, normalised coordinates
STROKE_STEPS = ((-1, 0, 1, 2), (0.3, 0.4, 0.25, 0.05))  # erode/keep/dilate and their odds
CHUNK = 4000  # drawings warped per call, to bound memory


def make_glyphs(
    seed: int = 0, scripts: tuple[str, ...] | None = None, drawings: int = DRAWINGS
) -> dict[str, np.ndarray]:
    """Select the characters and draw each of them ``drawings`` times.

    Parameters
    ----------
    seed
        Seed of every random choice.
    scripts
        Scripts to build, in priority order; default all background then evaluation
        scripts. A subset gives a small dataset quickly (the tests use one).
    drawings
        Drawings per character.

    Returns
    -------
    dict
        ``images`` (C, drawings, 32, 32) uint8, ink = 255; ``chars`` (C,) one-character
        strings; ``scripts`` (C,) script names; ``parts`` (C,) uint8, 0 = background,
        1 = evaluation; ``fonts`` (C, drawings) uint8 index into ``font_names`` (F,);
        ``canonical`` (C, 32, 32) uint8, the undistorted render in the character's first
        font (what the exclusion rules compared); ``excluded_chars`` (M,) and
        ``excluded_reasons`` (M,), the candidates left out and why.
    """
    selection = select_characters(scripts)
    kept = selection.kept
    font_paths = sorted({path for c in kept for path in c.fonts}, key=lambda p: p.name)
    font_index = {path: i for i, path in enumerate(font_paths)}

    fonts = np.empty((len(kept), drawings), dtype=np.uint8)
    steps = np.empty((len(kept), drawings), dtype=np.int64)
    theta = np.empty((len(kept), drawings, 2, 3), dtype=np.float32)
    noise = np.empty((len(kept), drawings, 2, ELASTIC_GRID, ELASTIC_GRID), dtype=np.float32)
    amplitude = np.empty((len(kept), drawings), dtype=np.float32)
    renders: dict[tuple[int, int], int] = {}  # (character, font) -> row in `masks`
    masks = []
    source = np.empty((len(kept), drawings), dtype=np.int64)
    for c, character in enumerate(kept):
        rng = np.random.default_rng([seed, ord(character.char)])
        choice = rng.integers(0, len(character.fonts), drawings)
        steps[c] = rng.choice(STROKE_STEPS[0], size=drawings, p=STROKE_STEPS[1])
        theta[c] = sample_affine(drawings, rng, GLYPH_AFFINE)
        noise[c] = rng.standard_normal((drawings, 2, ELASTIC_GRID, ELASTIC_GRID))
        amplitude[c] = rng.uniform(*ELASTIC_AMPLITUDE, drawings)
        for d, k in enumerate(choice):
            path = character.fonts[k]
            fonts[c, d] = font_index[path]
            key = (c, font_index[path])
            if key not in renders:
                render = render_char(path, character.char)
                # a font may cover a code point with an empty glyph: fall back to canonical
                renders[key] = len(masks)
                masks.append(render if render is not None else selection.canonical[c])
            source[c, d] = renders[key]

    glyph_masks = torch.from_numpy(np.stack(masks))  # (R, 64, 64)
    flat = source.reshape(-1)
    images = torch.empty(len(flat), 1, 32, 32)
    for start in range(0, len(flat), CHUNK):
        stop = min(start + CHUNK, len(flat))
        batch = vary_stroke(
            glyph_masks[flat[start:stop]], torch.from_numpy(steps.reshape(-1)[start:stop])
        )[:, None]  # (n, 1, 64, 64)
        field = elastic_field(
            noise.reshape(-1, 2, ELASTIC_GRID, ELASTIC_GRID)[start:stop],
            64,
            amplitude.reshape(-1)[start:stop],
        )
        images[start:stop] = warp(batch, theta.reshape(-1, 2, 3)[start:stop], field, out_size=32)

    canonical = F.avg_pool2d(torch.from_numpy(selection.canonical)[:, None], 2)[:, 0]
    parts = [0 if c.script in BACKGROUND_SCRIPTS else 1 for c in kept]
    return {
        "images": _to_uint8(images).reshape(len(kept), drawings, 32, 32),
        "chars": np.array([c.char for c in kept]),
        "scripts": np.array([c.script for c in kept]),
        "parts": np.array(parts, dtype=np.uint8),
        "fonts": fonts,
        "font_names": np.array([p.stem for p in font_paths]),
        "canonical": _to_uint8(canonical),
        "excluded_chars": np.array([c for chars in selection.dropped.values() for c in chars]),
        "excluded_reasons": np.array(
            [reason for reason, chars in selection.dropped.items() for _ in chars]
        ),
    }


def _to_uint8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
