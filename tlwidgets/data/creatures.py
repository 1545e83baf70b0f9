"""The ``creatures`` dataset: procedural animals whose classes are defined by attributes.

Every creature has three categorical attributes: a body **shape** (``round`` like a chick,
``long`` like a dog, ``tall`` like a giraffe, with a long neck and legs), a body **colour**
(``yellow``, ``white``, ``brown``, ``grey``, ``black``) and a coat **pattern** (``plain``,
``spots``, ``stripes``). A class *is* its attribute vector (``giraffe`` = tall + yellow +
spots), so a model that learnt the attributes on some classes can recognise classes it
never saw from their description alone: zero-shot learning by attributes (lesson 04,
:mod:`tlwidgets.train.zero_shot`).

Images are rendered with numpy at 64 x 64 and averaged down to 32 x 32 (anti-aliasing),
with random position, size, rotation, facing direction, body proportions, colour jitter,
pattern placement and background; nothing is downloaded and everything follows a seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from ..runtime import is_smoke
from .splits import cap_per_class

if TYPE_CHECKING:
    from .domains import LabelledImages

__all__ = [
    "ATTRIBUTES",
    "CLASSES",
    "UNSEEN",
    "creature_attributes",
    "load_creatures",
    "make_creatures",
]

ATTRIBUTES: dict[str, tuple[str, ...]] = {  # attribute -> its values, in index order
    "shape": ("round", "long", "tall"),
    "colour": ("yellow", "white", "brown", "grey", "black"),
    "pattern": ("plain", "spots", "stripes"),
}
CLASSES: dict[str, tuple[str, str, str]] = {  # class -> (shape, colour, pattern)
    "chick": ("round", "yellow", "plain"),
    "bee": ("round", "yellow", "stripes"),
    "bear": ("round", "brown", "plain"),
    "seal": ("round", "grey", "plain"),
    "ladybird": ("round", "black", "spots"),
    "dalmatian": ("long", "white", "spots"),
    "tiger": ("long", "yellow", "stripes"),
    "horse": ("long", "brown", "plain"),
    "wolf": ("long", "grey", "plain"),
    "panther": ("long", "black", "plain"),
    "skunk": ("long", "black", "stripes"),
    "llama": ("tall", "white", "plain"),
    "camel": ("tall", "brown", "plain"),
    "guineafowl": ("tall", "grey", "spots"),
    "ostrich": ("tall", "black", "plain"),
    # the unseen classes: every value of theirs occurs among the seen classes above
    "giraffe": ("tall", "yellow", "spots"),
    "zebra": ("long", "white", "stripes"),
    "okapi": ("tall", "brown", "stripes"),
    "leopard": ("long", "yellow", "spots"),
    "snowy_owl": ("round", "white", "spots"),
}
UNSEEN = ("giraffe", "zebra", "okapi", "leopard", "snowy_owl")  # the standard zero-shot split
PARTS = ("seen", "unseen", "all")
SPLITS = ("train", "test")

COLOURS = {  # body colour (RGB in [0, 1]); each image jitters it by +-COLOUR_JITTER
    "yellow": (0.95, 0.80, 0.18),
    "white": (0.94, 0.94, 0.92),
    "brown": (0.52, 0.30, 0.13),
    "grey": (0.58, 0.58, 0.60),
    "black": (0.10, 0.10, 0.11),
}
BACKGROUNDS = (  # grass, sky, dusk, teal, moss: dark-to-mid tones away from the body colours
    (0.20, 0.42, 0.20),
    (0.30, 0.48, 0.75),
    (0.32, 0.22, 0.45),
    (0.12, 0.40, 0.42),
    (0.35, 0.40, 0.12),
)
COLOUR_JITTER = 0.06
BACKGROUND_JITTER = 0.08
NOISE = 0.02  # std of per-pixel Gaussian noise
HIRES = 64  # render size before averaging 2 x 2 down to 32 x 32
SPOTS = 24  # spot centres drawn per image (those off the body are invisible)


def _ellipse(u, v, cu, cv, ru, rv):
    return ((u - cu) / ru) ** 2 + ((v - cv) / rv) ** 2 <= 1.0


def _box(u, v, u0, u1, v0, v1):
    return (u >= u0) & (u <= u1) & (v >= v0) & (v <= v1)


def _body_mask(shape: str, u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Silhouette of ``shape`` on canonical coordinates ``u, v`` (B, H, W), v pointing down.

    The creature faces +u and fits roughly in [-1, 1]^2; proportions vary per image.
    """
    b = len(u)

    def jitter(scale: float = 0.1) -> np.ndarray:  # (B, 1, 1) factors around 1
        return (1 + rng.uniform(-scale, scale, b))[:, None, None]

    leg = 0.07 * jitter(0.2)
    if shape == "round":  # a ball with a head on top and two short legs
        body = _ellipse(u, v, 0.0, 0.15, 0.58 * jitter(), 0.5 * jitter())
        head = _ellipse(u, v, 0.42, -0.45, 0.3 * jitter(), 0.28 * jitter())
        legs = _box(u, v, -0.28, -0.28 + 2 * leg, 0.5, 0.85) | _box(
            u, v, 0.15, 0.15 + 2 * leg, 0.5, 0.85
        )
        return body | head | legs
    if shape == "long":  # a horizontal body, a head in front, four legs and a tail
        body = _ellipse(u, v, -0.05, 0.0, 0.72 * jitter(), 0.3 * jitter())
        head = _ellipse(u, v, 0.78, -0.3, 0.24 * jitter(), 0.17 * jitter())
        neck = _ellipse(u, v, 0.58, -0.15, 0.15, 0.2)
        legs = np.zeros_like(body)
        for x in (-0.6, -0.38, 0.2, 0.42):
            legs |= _box(u, v, x, x + 2 * leg, 0.1, 0.75 * jitter(0.1))
        tail = _box(u, v, -0.95, -0.7, -0.1, -0.03)
        return body | head | neck | legs | tail
    if shape == "tall":  # a short body high on long legs, a long slanted neck, a small head
        body = _ellipse(u, v, -0.15, 0.05, 0.42 * jitter(), 0.24 * jitter())
        length = 0.9 * jitter(0.15)  # neck length
        t = np.clip((0.0 - v) / length, 0, 1)  # 0 at the shoulder, 1 at the head
        neck = (v <= 0.05) & (v >= -length) & (np.abs(u - (0.18 + 0.25 * t)) <= 0.09)
        head = _ellipse(u, v, 0.5, -length - 0.02, 0.2, 0.11)
        legs = np.zeros_like(body)
        for x in (-0.48, -0.32, 0.0, 0.14):
            legs |= _box(u, v, x, x + 1.6 * leg, 0.1, 0.95)
        return body | neck | head | legs
    raise ValueError(f"unknown shape {shape!r}; choose from {ATTRIBUTES['shape']}")


def _pattern_mask(pattern: str, u: np.ndarray, v: np.ndarray, rng: np.random.Generator):
    """Where the coat pattern covers the canonical plane (B, H, W), placed at random."""
    b = len(u)
    if pattern == "plain":
        return np.zeros(u.shape, dtype=bool)
    if pattern == "spots":
        out = np.zeros(u.shape, dtype=bool)
        centres = rng.uniform(-0.9, 0.9, (SPOTS, b, 2)).astype(np.float32)
        radii = rng.uniform(0.08, 0.13, (SPOTS, b)).astype(np.float32)
        for (cu, cv), r in zip(centres.transpose(0, 2, 1), radii, strict=True):
            out |= (u - cu[:, None, None]) ** 2 + (v - cv[:, None, None]) ** 2 <= (
                r[:, None, None] ** 2
            )
        return out
    if pattern == "stripes":  # bands across the body, slightly slanted, random phase
        period = rng.uniform(0.3, 0.4, b)[:, None, None]
        tilt = rng.uniform(-0.4, 0.4, b)[:, None, None]
        phase = rng.uniform(0, 1, b)[:, None, None]
        return np.mod((u + tilt * v) / period + phase, 1.0) < 0.45
    raise ValueError(f"unknown pattern {pattern!r}; choose from {ATTRIBUTES['pattern']}")


def render_creatures(
    shape: str, colour: str, pattern: str, count: int, rng: np.random.Generator
) -> np.ndarray:
    """Render ``count`` creatures with the given attributes.

    Parameters
    ----------
    shape, colour, pattern
        Values from :data:`ATTRIBUTES`.
    count
        Number of images.
    rng
        Source of every random choice (pose, proportions, jitter, pattern, background).

    Returns
    -------
    numpy.ndarray
        (count, 3, 32, 32) uint8 RGB.
    """
    grid = ((np.arange(HIRES) + 0.5) / HIRES * 2 - 1).astype(np.float32)  # pixel centres
    y, x = np.meshgrid(grid, grid, indexing="ij")  # (H, W)
    scale = rng.uniform(0.62, 0.85, count)[:, None, None]
    angle = np.radians(rng.uniform(-15, 15, count))[:, None, None]
    shift = rng.uniform(-0.12, 0.12, (2, count))[:, :, None, None]
    facing = rng.choice([-1.0, 1.0], count)[:, None, None]
    dx, dy = (x - shift[0]) / scale, (y - shift[1]) / scale  # (B, H, W)
    u = (facing * (np.cos(angle) * dx + np.sin(angle) * dy)).astype(np.float32)
    v = (-np.sin(angle) * dx + np.cos(angle) * dy).astype(np.float32)
    body = _body_mask(shape, u, v, rng)  # (B, H, W) bool, at the high resolution
    coat = _pattern_mask(pattern, u, v, rng) & body
    base = np.asarray(COLOURS[colour])
    body_rgb = np.clip(base + rng.uniform(-COLOUR_JITTER, COLOUR_JITTER, (count, 3)), 0, 1)
    coat_rgb = np.full((count, 3), 0.88) if colour == "black" else body_rgb * 0.25
    backgrounds = np.asarray(BACKGROUNDS)[rng.integers(0, len(BACKGROUNDS), count)]
    back_rgb = np.clip(backgrounds + rng.uniform(-1, 1, (count, 3)) * BACKGROUND_JITTER, 0, 1)

    def coverage(mask: np.ndarray) -> np.ndarray:  # (B, H, W) bool -> (B, 1, 32, 32) in [0, 1]
        half = HIRES // 2
        return mask.reshape(count, 1, half, 2, half, 2).mean(axis=(3, 5), dtype=np.float32)

    # compositing is linear, so averaging the masks equals averaging the rendered pixels
    body_part, coat_part = coverage(body), coverage(coat)
    image = (
        back_rgb[:, :, None, None] * (1 - body_part)
        + body_rgb[:, :, None, None] * (body_part - coat_part)
        + coat_rgb[:, :, None, None] * coat_part
    )  # (B, 3, 32, 32)
    image = image + rng.normal(0, NOISE, image.shape)
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def _value_table() -> np.ndarray:
    """(C, 3) value indices of (shape, colour, pattern) of every class, in CLASSES order."""
    return np.array(
        [
            [values.index(value) for values, value in zip(ATTRIBUTES.values(), vector, strict=True)]
            for vector in CLASSES.values()
        ],
        dtype=np.uint8,
    )


def make_creatures(seed: int = 0, per_class: tuple[int, int] = (300, 100)) -> dict[str, np.ndarray]:
    """Render the creatures dataset: every class in both splits, grouped then shuffled.

    Parameters
    ----------
    seed
        Seed of every random choice.
    per_class
        Images per class in (train, test).

    Returns
    -------
    dict
        ``x_*`` (N, 3, 32, 32) uint8 RGB; ``y_*`` (N,) uint8 class indices into
        ``classes`` (C,) str; ``attributes`` (C, 3) uint8 value indices of (shape, colour,
        pattern) into ``shape_values``, ``colour_values``, ``pattern_values`` (str);
        ``unseen`` (C,) uint8, 1 for the standard unseen (zero-shot) classes.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for split, count in zip(SPLITS, per_class, strict=True):
        images, labels = [], []
        for label, vector in enumerate(CLASSES.values()):
            images.append(render_creatures(*vector, count, rng))
            labels.append(np.full(count, label, dtype=np.uint8))
        order = rng.permutation(count * len(CLASSES))
        out[f"x_{split}"] = np.concatenate(images)[order]
        out[f"y_{split}"] = np.concatenate(labels)[order]
    out["classes"] = np.array(list(CLASSES))
    out["attributes"] = _value_table()
    for name, values in ATTRIBUTES.items():
        out[f"{name}_values"] = np.array(values)
    out["unseen"] = np.array([name in UNSEEN for name in CLASSES], dtype=np.uint8)
    return out


def creature_attributes(*, binary: bool = False) -> tuple[list[str], list[str], np.ndarray]:
    """The class descriptions: which attribute values define each class.

    Parameters
    ----------
    binary
        False: one categorical column per attribute (shape, colour, pattern), holding the
        value's index into :data:`ATTRIBUTES`. True: one 0/1 column per attribute value
        (``"shape=round"``, ..., ``"pattern=stripes"``), as in Lampert et al.'s tables.

    Returns
    -------
    class_names, attribute_names, matrix
        ``class_names`` (C,) in label order (as in ``load_creatures(...).classes``);
        ``attribute_names`` (3,) or (11,); ``matrix`` (C, 3) or (C, 11) int64.
    """
    values = _value_table().astype(np.int64)  # (C, 3)
    if not binary:
        return list(CLASSES), list(ATTRIBUTES), values
    names = [f"{attr}={value}" for attr, options in ATTRIBUTES.items() for value in options]
    offsets = np.cumsum([0, *map(len, ATTRIBUTES.values())])[:-1]  # first column per attribute
    matrix = np.zeros((len(CLASSES), len(names)), dtype=np.int64)
    for column, offset in enumerate(offsets):
        matrix[np.arange(len(CLASSES)), offset + values[:, column]] = 1
    return list(CLASSES), names, matrix


def load_creatures(split: str = "train", part: str = "seen") -> LabelledImages:
    """Load creatures of the seen classes, the unseen (zero-shot) classes, or all.

    Labels always index all 20 classes (``classes``, in :data:`CLASSES` order), so seen
    and unseen sets share one label space and one row order of
    :func:`creature_attributes`. In smoke mode (``TLW_SMOKE=1``) each class is capped at
    its first 30 train or 10 test images.

    Parameters
    ----------
    split
        ``"train"`` (300 per class) or ``"test"`` (100 per class).
    part
        ``"seen"`` (15 classes), ``"unseen"`` (the 5 of :data:`UNSEEN`) or ``"all"``.

    Returns
    -------
    LabelledImages
        ``images`` (N, 3, 32, 32) float32 in [0, 1], ``labels`` (N,) int64 into the 20
        ``classes``, ``name`` ``"creatures/<part>"``.

    Raises
    ------
    ValueError
        For an unknown split or part.
    """
    # imported here: build.py imports this module's builder, and domains.py imports build.py
    from .build import load_arrays
    from .domains import SMOKE_CAP, LabelledImages, _choose

    _choose(split, SPLITS, "split")
    _choose(part, PARTS, "part")
    arrays = load_arrays("creatures")
    x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
    index = cap_per_class(y, SMOKE_CAP[split]) if is_smoke() else np.arange(len(y))
    if part != "all":
        unseen = arrays["unseen"].astype(bool)[y[index]]
        index = index[unseen if part == "unseen" else ~unseen]
    return LabelledImages(
        images=torch.from_numpy(x[index]).float().div_(255),
        labels=torch.from_numpy(y[index].astype(np.int64)),
        classes=arrays["classes"].tolist(),
        name=f"creatures/{part}",
        split=split,
    )
