"""Public loaders: the four digit domains and the glyphs, as ready-to-use tensors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.utils.data import Dataset

from ..runtime import is_smoke
from .build import load_arrays
from .splits import cap_per_class, sample_per_class

__all__ = ["DOMAINS", "LabelledImages", "load_domain", "load_glyphs"]

DOMAINS = ("mnist", "mnistm", "synth", "uci")
DIGIT_SPLITS = ("train", "test")
GLYPH_PARTS = ("background", "evaluation")
GLYPH_SPLITS = ("train", "val", "all")
GLYPH_TRAIN_DRAWINGS = 16  # of the 20 drawings of a character; the other 4 are `val`
SMOKE_CAP = {"train": 30, "test": 10}  # images per class in smoke mode


@dataclass(eq=False, repr=False)
class LabelledImages(Dataset):
    """Images with integer labels and the names of their classes; a map-style Dataset.

    Indexing gives ``(image, label)`` with ``image`` of shape (3, 32, 32) and ``label`` a
    0-dim int64 tensor, so it plugs straight into a ``DataLoader``.
    """

    images: torch.Tensor  # (N, 3, 32, 32) float32 in [0, 1]; light strokes on dark
    labels: torch.Tensor  # (N,) int64 class indices into `classes`
    classes: list[str]  # class index -> name: "0".."9", or the glyph's character
    name: str  # dataset, e.g. "mnist" or "glyphs/background"
    split: str  # "train"/"test" (digits) or "train"/"val"/"all" (glyphs)
    scripts: list[str] | None = None  # glyphs only: the script of each class

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or len(self.images) != len(self.labels):
            raise ValueError(
                f"images must be (N, C, H, W) with N = len(labels); got {tuple(self.images.shape)}"
                f" and {len(self.labels)} labels"
            )
        if self.scripts is not None and len(self.scripts) != len(self.classes):
            raise ValueError(
                f"scripts ({len(self.scripts)}) must align with classes ({len(self.classes)})"
            )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.images[index], self.labels[index]

    def __repr__(self) -> str:
        return (
            f"LabelledImages(name={self.name!r}, split={self.split!r}, n={len(self)}, "
            f"classes={len(self.classes)}, images={tuple(self.images.shape)})"
        )

    def subset(self, indices: Sequence[int] | np.ndarray | torch.Tensor) -> LabelledImages:
        """Return the images at ``indices`` (shape (M,)), keeping every class and its name."""
        index = torch.as_tensor(np.asarray(indices), dtype=torch.long).reshape(-1)
        return replace(self, images=self.images[index], labels=self.labels[index])


def _choose(choice: str, valid: Sequence[str], what: str) -> str:
    if choice not in valid:
        raise ValueError(f"unknown {what} {choice!r}; choose from {', '.join(valid)}")
    return choice


def load_domain(
    name: str, split: str = "train", *, labels_per_class: int | None = None, seed: int = 0
) -> LabelledImages:
    """Load one digit domain as 3 x 32 x 32 float images with labels 0-9.

    The train/test split of every domain is fixed (stratified, seeded, stored in the
    cache). In smoke mode (``TLW_SMOKE=1``) and without ``labels_per_class``, each class is
    capped at its first 30 train or 10 test images in the stored order, so smoke runs
    see 300 train / 100 test images per domain; the choice does not depend on ``seed``.

    Parameters
    ----------
    name
        ``"mnist"``, ``"mnistm"`` (MNIST over colour photo patches), ``"synth"`` (printed
        digits) or ``"uci"`` (8 x 8 optdigits, upsampled).
    split
        ``"train"`` or ``"test"``.
    labels_per_class
        If given, keep only this many images per class, drawn from ``split`` at random
        but reproducibly from ``seed`` (the few-label regime).
    seed
        Seed of the ``labels_per_class`` draw; unused otherwise.

    Returns
    -------
    LabelledImages
        ``images`` (N, 3, 32, 32) float32 in [0, 1], ``labels`` (N,) int64,
        ``classes`` ``["0", ..., "9"]``.

    Raises
    ------
    ValueError
        For an unknown name or split, or a ``labels_per_class`` above what a class has
        (the message gives the maximum).
    """
    if name == "glyphs":
        raise ValueError("'glyphs' is not a digit domain; use load_glyphs()")
    _choose(name, DOMAINS, "domain")
    _choose(split, DIGIT_SPLITS, "split")
    arrays = load_arrays(name)
    x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]  # (N, [3,] 32, 32) uint8, (N,) uint8
    if labels_per_class is not None:
        smallest = int(np.bincount(y).min())
        if not 1 <= labels_per_class <= smallest:
            raise ValueError(
                f"labels_per_class={labels_per_class} is not possible for {name}/{split}: "
                f"the smallest class has {smallest} images, so the maximum is {smallest}"
            )
        index = sample_per_class(y, labels_per_class, seed)
    elif is_smoke():
        index = cap_per_class(y, SMOKE_CAP[split])
    else:
        index = np.arange(len(y))
    images = torch.from_numpy(x[index]).float().div_(255)
    if images.ndim == 3:  # grey: (N, 32, 32) -> (N, 3, 32, 32)
        images = images[:, None].repeat(1, 3, 1, 1)
    return LabelledImages(
        images=images,
        labels=torch.from_numpy(y[index].astype(np.int64)),
        classes=[str(d) for d in range(10)],
        name=name,
        split=split,
    )


def load_glyphs(part: str = "background", split: str = "train", *, seed: int = 0) -> LabelledImages:
    """Load the Omniglot-like glyphs: characters of many scripts, 20 drawings each.

    Whole scripts are assigned to a part (see :mod:`tlwidgets.data.alphabets`):
    ``background`` (Latin, Greek, Cyrillic, Georgian, Arabic, Canadian Syllabics; for
    pretraining) or ``evaluation`` (Armenian, Hebrew, Tifinagh, NKo, Lao, Lisu, Old
    Italic, Ogham, Coptic; held out for few-shot tests). Within a part, 16 drawings of
    every character are ``train`` and 4 are ``val``; which ones is drawn per character
    from ``seed``. Glyphs are never capped in smoke mode.

    Parameters
    ----------
    part
        ``"background"`` or ``"evaluation"``.
    split
        ``"train"`` (16 per character), ``"val"`` (4) or ``"all"`` (20).
    seed
        Seed of the train/val assignment of drawings (0 is the reference split).

    Returns
    -------
    LabelledImages
        ``images`` (N, 3, 32, 32) float32 in [0, 1], white strokes on black. To save
        memory they are one grey channel broadcast to three (a read-only view: call
        ``.clone()`` before editing in place). ``labels`` (N,) int64 indexes ``classes``
        (the characters, in script order) and ``scripts`` gives each class's script.
        Images are grouped by character.

    Raises
    ------
    ValueError
        For an unknown part or split.
    """
    _choose(part, GLYPH_PARTS, "part")
    _choose(split, GLYPH_SPLITS, "split")
    arrays = load_arrays("glyphs")
    drawings = arrays["images"].shape[1]
    rng = np.random.default_rng(seed)
    order = np.argsort(rng.random((len(arrays["chars"]), drawings)), axis=1)  # (C_all, 20)
    chosen = {
        "train": order[:, :GLYPH_TRAIN_DRAWINGS],
        "val": order[:, GLYPH_TRAIN_DRAWINGS:],
        "all": np.sort(order, axis=1),
    }[split]
    members = np.flatnonzero(arrays["parts"] == GLYPH_PARTS.index(part))  # (C,)
    picked = np.sort(chosen[members], axis=1)  # (C, k), drawings in their stored order
    grey = arrays["images"][members[:, None], picked]  # (C, k, 32, 32) uint8
    images = torch.from_numpy(grey.reshape(-1, 1, 32, 32)).float().div_(255)
    return LabelledImages(
        images=images.expand(-1, 3, -1, -1),
        labels=torch.arange(len(members)).repeat_interleave(picked.shape[1]),
        classes=arrays["chars"][members].tolist(),
        name=f"glyphs/{part}",
        split=split,
        scripts=arrays["scripts"][members].tolist(),
    )
