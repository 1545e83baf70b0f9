"""Label shift: the same classes, in other proportions (e.g. a user who gets mostly 0s and 1s).

Domain adaptation methods that align the two domains' *marginal* feature distributions
assume the classes are equally common in both. :func:`resample_classes` breaks that
assumption on purpose, so a lesson can show what alignment does when it does not hold::

    skewed = resample_classes(load_domain("mnistm"), [1.0] * 3 + [0.1] * 7)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from .domains import LabelledImages

__all__ = ["class_proportions", "resample_classes"]


def resample_classes(data: LabelledImages, keep: Sequence[float], seed: int = 0) -> LabelledImages:
    """Keep a seeded random fraction ``keep[k]`` of the images of every class ``k``.

    Parameters
    ----------
    data
        Labelled images (N, 3, H, W) with labels (N,).
    keep
        One fraction in [0, 1] per class of ``data.classes``; at least one image is kept of
        every class whose fraction is above 0.
    seed
        Which images are kept.

    Returns
    -------
    LabelledImages
        The kept images (M, 3, H, W) and labels (M,), in their original order, with
        ``split`` marked ``"<split>, resampled"``.

    Raises
    ------
    ValueError
        If ``keep`` has the wrong length, a fraction outside [0, 1], or keeps nothing.
    """
    if len(keep) != len(data.classes):
        raise ValueError(
            f"keep needs one fraction per class ({len(data.classes)}), got {len(keep)}"
        )
    if any(not 0 <= fraction <= 1 for fraction in keep):
        raise ValueError(f"every fraction in keep must be in [0, 1], got {list(keep)}")
    generator = torch.Generator().manual_seed(seed)
    chosen = []
    for k, fraction in enumerate(keep):
        members = torch.nonzero(data.labels == k).flatten()  # (n_k,)
        count = max(1, round(fraction * len(members))) if fraction > 0 and len(members) else 0
        order = torch.randperm(len(members), generator=generator)[:count]
        chosen.append(members[order])
    index = torch.cat(chosen).sort().values  # (M,)
    if len(index) == 0:
        raise ValueError("keep removes every image; give at least one class a fraction > 0")
    return replace(
        data,
        images=data.images[index],
        labels=data.labels[index],
        split=f"{data.split}, resampled",
    )


def class_proportions(data: LabelledImages) -> torch.Tensor:
    """The share of each class in ``data``: shape (K,), summing to 1."""
    counts = torch.bincount(data.labels, minlength=len(data.classes)).float()  # (K,)
    return counts / counts.sum()
