"""What the EpisodePlayground draws: support and query mosaics, and drawings turned into glyphs.

Pure functions, no widgets: :func:`draw_support` and :func:`draw_queries` draw an episode
on a matplotlib figure (one ``imshow`` of a tiled mosaic per grid, so a 20-way 10-shot
support set is still one fast draw), and :func:`strokes_to_image` turns mouse strokes into
a 32 x 32 image framed like the glyphs (white strokes on black), so a drawing can be
recognised without any canvas package.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from torch import Tensor

from ..viz.palette import MATCH, MISMATCH
from .figure_image import draw_placeholder

__all__ = [
    "SYMBOLS",
    "as_glyph_image",
    "draw_drawn_examples",
    "draw_queries",
    "draw_support",
    "strokes_to_image",
    "tile_mosaic",
]

SYMBOLS = string.ascii_uppercase  # episode label i is shown as SYMBOLS[i]: A, B, C, ...
IMAGE_SIZE = 32  # glyph side in pixels
FRAME = 2  # pixels of the coloured frame around every tile
TILE_INCHES = 0.42  # side of one framed tile in the figure
RIGHT = to_rgb(MATCH)  # frame of a query labelled right (blue; its mark says ✓)
WRONG = to_rgb(MISMATCH)  # frame of a query labelled wrong (vermillion; its mark says ✗)
PLAIN = (0.35, 0.35, 0.35)  # frame of a support image (grey)
GLYPH_EXTENT = 22.0  # pixels: the longer side of a drawing once framed, as the glyphs' ~21
STROKE_RADIUS = 1.4  # pixels: half the stroke width at 32 x 32, as the glyphs' ~3 px strokes
SUPERSAMPLE = 4  # strokes are rasterised at 4x and averaged down: smooth edges


def tile_mosaic(
    images: Tensor,
    nrows: int,
    ncols: int,
    *,
    frames: Sequence[tuple[float, float, float]] | None = None,
    gap: tuple[int, int] = (4, 4),
) -> np.ndarray:
    """Tile images row by row into one RGB picture, each in a coloured frame.

    Parameters
    ----------
    images
        Shape (M, 3, H, W) or (M, H, W), floats in [0, 1]; M <= nrows * ncols.
    nrows, ncols
        The grid; tile ``i`` is at row ``i // ncols``, column ``i % ncols``.
    frames
        One RGB colour (floats in [0, 1]) per image for its frame; default grey.
    gap
        Pixels (vertical, horizontal) between tiles; the vertical gap is also left above
        the first row (room for a label above each tile).

    Returns
    -------
    numpy.ndarray
        Shape (nrows * (H + 4 + gap_v) , ncols * (W + 4 + gap_h), 3), floats in [0, 1];
        white between the tiles.
    """
    pixels = images.detach().cpu().float().clamp(0, 1)
    if pixels.ndim == 3:
        pixels = pixels[:, None]
    if pixels.ndim != 4 or pixels.shape[1] not in (1, 3):
        raise ValueError(f"images must be (M, 3, H, W) or (M, H, W), got {tuple(images.shape)}")
    count, _, height, width = pixels.shape
    if count > nrows * ncols:
        raise ValueError(f"{count} images do not fit a {nrows} x {ncols} grid")
    if frames is not None and len(frames) != count:
        raise ValueError(f"got {len(frames)} frame colours for {count} images")
    pixels = pixels.expand(-1, 3, -1, -1).permute(0, 2, 3, 1).numpy()  # (M, H, W, 3)
    tile_h, tile_w = height + 2 * FRAME, width + 2 * FRAME
    gap_v, gap_h = gap
    mosaic = np.ones((nrows * (tile_h + gap_v), ncols * (tile_w + gap_h), 3))
    for i in range(count):
        top, left = _tile_origin(i, ncols, tile_h, tile_w, gap)
        mosaic[top : top + tile_h, left : left + tile_w] = frames[i] if frames else PLAIN
        mosaic[top + FRAME : top + FRAME + height, left + FRAME : left + FRAME + width] = pixels[i]
    return mosaic


def _tile_origin(
    i: int, ncols: int, tile_h: int, tile_w: int, gap: tuple[int, int]
) -> tuple[int, int]:
    """Pixel (row, column) of tile ``i``'s top-left corner in a :func:`tile_mosaic`."""
    row, col = divmod(i, ncols)
    return row * (tile_h + gap[0]) + gap[0], col * (tile_w + gap[1]) + gap[1] // 2


def _size_for(figure: Figure, nrows: int, ncols: int, extra_height: float) -> None:
    figure.set_size_inches(ncols * TILE_INCHES + 0.7, nrows * TILE_INCHES + extra_height)


def _label_rows(axes: Axes, nrows: int, row_height: int, gap_v: int, names: Sequence[str]) -> None:
    """Put ``names[r]`` to the left of row ``r`` as a y tick label."""
    axes.set_yticks([r * row_height + gap_v + row_height / 2 - gap_v / 2 for r in range(nrows)])
    axes.set_yticklabels(names, fontsize=9)
    axes.set_xticks([])
    axes.tick_params(left=False)
    for spine in axes.spines.values():
        spine.set_visible(False)


def draw_support(
    figure: Figure, images: Tensor | None, n_way: int, k_shot: int, *, title: str = ""
) -> None:
    """The support set: one row per class (labelled A, B, ...), its K images in the row.

    Parameters
    ----------
    figure
        A cleared figure; it is resized to fit the grid.
    images
        Shape (N*K, 3, 32, 32), grouped by class as in an Episode; None draws a placeholder.
    n_way, k_shot
        N and K.
    title
        Drawn above the grid.
    """
    if images is None:
        figure.set_size_inches(4.0, 1.2)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        draw_placeholder(axes, "support set: press New episode")
        return
    _size_for(figure, n_way, k_shot, 0.45 if title else 0.15)
    axes = _grid_axes(figure, title)
    gap = (4, 4)
    axes.imshow(tile_mosaic(images, n_way, k_shot, gap=gap), interpolation="nearest")
    _label_rows(axes, n_way, IMAGE_SIZE + 2 * FRAME + gap[0], gap[0], SYMBOLS[:n_way])
    axes.set_title(title, fontsize=9)


def draw_queries(
    figure: Figure,
    images: Tensor | None,
    labels: Tensor | None,
    predictions: Tensor | None,
    n_way: int,
    *,
    title: str = "",
) -> None:
    """The queries: one row per true class, each framed blue (right) or vermillion (wrong).

    Above every query is its predicted class and a mark: "✓ A" or "✗ C".

    Parameters
    ----------
    figure
        A cleared figure; it is resized to fit the grid.
    images
        Shape (N*Q, 3, 32, 32), grouped by class; None draws a placeholder.
    labels, predictions
        Shape (N*Q,): the true and the predicted episode labels 0..N-1.
    n_way
        N.
    title
        Drawn above the grid.
    """
    if images is None or labels is None or predictions is None:
        figure.set_size_inches(4.0, 1.2)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        draw_placeholder(axes, "queries: press New episode")
        return
    n_query = len(images) // n_way
    right = (predictions.cpu() == labels.cpu()).tolist()
    gap = (12, 4)  # room above each tile for its mark
    _size_for(figure, n_way, n_query, (0.45 if title else 0.15) + 0.1 * n_way)
    axes = _grid_axes(figure, title)
    frames = [RIGHT if ok else WRONG for ok in right]
    axes.imshow(
        tile_mosaic(images, n_way, n_query, frames=frames, gap=gap), interpolation="nearest"
    )
    tile = IMAGE_SIZE + 2 * FRAME
    for i, (ok, predicted) in enumerate(zip(right, predictions.tolist(), strict=True)):
        top, left = _tile_origin(i, n_query, tile, tile, gap)
        axes.text(
            left + tile / 2,
            top - 1,
            f"{'✓' if ok else '✗'} {SYMBOLS[predicted]}",
            ha="center",
            va="bottom",
            fontsize=7,
            color=RIGHT if ok else WRONG,
        )
    _label_rows(axes, n_way, tile + gap[0], gap[0], SYMBOLS[:n_way])
    axes.set_title(title, fontsize=9)


def draw_drawn_examples(figure: Figure, examples: Sequence[Sequence[Tensor]]) -> None:
    """The learner's drawings: one row per symbol (A, B, ...), its examples in the row.

    ``examples[s]`` is the list of symbol ``s``'s images, each of shape (3, 32, 32).
    """
    nrows = len(examples)
    ncols = max([len(row) for row in examples] + [1])
    figure.set_size_inches(ncols * TILE_INCHES + 0.7, nrows * TILE_INCHES + 0.45)
    axes = _grid_axes(figure, "your examples")
    blank = torch.ones(3, IMAGE_SIZE, IMAGE_SIZE)  # white: no example here yet
    images = [row[c] if c < len(row) else blank for row in examples for c in range(ncols)]
    gap = (4, 4)
    axes.imshow(tile_mosaic(torch.stack(images), nrows, ncols, gap=gap), interpolation="nearest")
    _label_rows(axes, nrows, IMAGE_SIZE + 2 * FRAME + gap[0], gap[0], SYMBOLS[:nrows])
    axes.set_title("your examples", fontsize=9)


def _grid_axes(figure: Figure, title: str) -> Axes:
    """Axes filling the figure but for room for row labels on the left and a title on top."""
    width, height = figure.get_size_inches()
    left, top = 0.45 / width, (0.4 if title else 0.1) / height
    return figure.add_axes((left, 0.05 / height, 1 - left - 0.05 / width, 1 - top - 0.05 / height))


def as_glyph_image(image: Tensor | np.ndarray) -> Tensor:
    """A picture as a glyph-like image: shape (3, 32, 32) float32 in [0, 1].

    Parameters
    ----------
    image
        Shape (3, 32, 32), (1, 32, 32) or (32, 32); floats in [0, 1] (clipped) or uint8.
        Strokes should be light on a dark background, as in the glyphs.

    Raises
    ------
    ValueError
        For any other shape.
    """
    pixels = torch.as_tensor(np.asarray(image) if isinstance(image, np.ndarray) else image)
    if pixels.dtype == torch.uint8:
        pixels = pixels.float() / 255
    pixels = pixels.detach().cpu().float()
    if pixels.ndim == 2:
        pixels = pixels[None]
    if pixels.shape not in ((1, IMAGE_SIZE, IMAGE_SIZE), (3, IMAGE_SIZE, IMAGE_SIZE)):
        raise ValueError(
            f"an image must have shape (3, 32, 32), (1, 32, 32) or (32, 32), got "
            f"{tuple(image.shape)}"
        )
    return pixels.expand(3, -1, -1).clamp(0, 1).contiguous()


def strokes_to_image(strokes: Sequence[Sequence[tuple[float, float]]]) -> Tensor:
    """Turn mouse strokes into a glyph-like image, white strokes on black.

    The drawing is centred and scaled so that its longer side spans about 22 of the 32
    pixels, as the glyphs do, and drawn with strokes about 3 pixels wide; so a drawing's
    size and place on the canvas do not matter, only its shape.

    Parameters
    ----------
    strokes
        One list of (x, y) points per stroke (mouse down to mouse up), in any pixel units
        (e.g. the canvas's); a stroke of one point is a dot.

    Returns
    -------
    Tensor
        Shape (3, 32, 32) float32 in [0, 1]; all black when there are no points.
    """
    lines = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in strokes]
    lines = [line for line in lines if len(line)]
    if not lines:
        return torch.zeros(3, IMAGE_SIZE, IMAGE_SIZE)
    points = np.concatenate(lines)  # (P, 2) x, y
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max())
    scale = GLYPH_EXTENT / extent if extent > 0 else 1.0
    centre = (low + high) / 2
    size = IMAGE_SIZE * SUPERSAMPLE
    # pixel centres of the supersampled grid, in 32 x 32 units
    axis = (np.arange(size) + 0.5) / SUPERSAMPLE
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 1, 2)  # (S*S, 1, 2) x, y
    ink = np.zeros(size * size, dtype=bool)
    for line in lines:
        mapped = (line - centre) * scale + IMAGE_SIZE / 2  # (L, 2) in 32 x 32 units
        starts = mapped if len(mapped) == 1 else mapped[:-1]
        ends = mapped if len(mapped) == 1 else mapped[1:]
        for first in range(0, len(starts), 32):  # 32 segments at a time bounds the memory
            chunk = slice(first, first + 32)
            distance = _segment_distance(grid, starts[chunk], ends[chunk])  # (S*S, <=32)
            ink |= distance.min(axis=1) <= STROKE_RADIUS
    fine = torch.from_numpy(ink.reshape(1, 1, size, size).astype(np.float32))
    coarse = torch.nn.functional.avg_pool2d(fine, SUPERSAMPLE)[0]  # (1, 32, 32)
    return coarse.expand(3, -1, -1).contiguous()


def _segment_distance(points: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distance (P, L) from points (P, 1, 2) to the segments starts[l] -> ends[l], (L, 2)."""
    direction = ends - starts  # (L, 2)
    length2 = np.maximum((direction**2).sum(axis=1), 1e-12)  # (L,)
    t = np.clip(((points - starts) * direction).sum(axis=2) / length2, 0.0, 1.0)  # (P, L)
    nearest = starts + t[..., None] * direction  # (P, L, 2)
    return np.sqrt(((points - nearest) ** 2).sum(axis=2))
