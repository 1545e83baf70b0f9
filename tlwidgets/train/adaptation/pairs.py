"""Pair labelled source images with unlabelled target images, one target image per source row."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.utils.data import TensorDataset

from ...data import LabelledImages

__all__ = ["pair_domains"]


def pair_domains(source: LabelledImages, target_images: Tensor, seed: int = 0) -> TensorDataset:
    """Zip the source with a shuffled, cycled copy of the target images.

    An epoch of domain adaptation is one pass over the source; every source row gets a
    target partner, so a shuffled batch of rows is a source batch *and* a target batch of the
    same size. The target rows follow a seeded random permutation of the target, repeated
    until there are as many as source rows. When the target is larger than the source, only
    the first ``len(source)`` images of that permutation are ever seen.

    Parameters
    ----------
    source
        Labelled source images (N, 3, H, W) with labels (N,).
    target_images
        Unlabelled target images (M, 3, H, W); their labels are never needed.
    seed
        Seed of the target permutation.

    Returns
    -------
    TensorDataset
        Rows ``(source_image (3, H, W), source_label (), target_image (3, H, W))``; its tensors
        are ``(source_images (N, 3, H, W), source_labels (N,), target_images (N, 3, H, W))``.

    Raises
    ------
    ValueError
        If either domain is empty or their images differ in shape.
    """
    if len(source) == 0:
        raise ValueError(f"the source {source.name!r} is empty: there is nothing to train on")
    if target_images.ndim != 4 or len(target_images) == 0:
        raise ValueError(
            "target_images must be a non-empty batch of images (M, C, H, W), "
            f"got shape {tuple(target_images.shape)}"
        )
    if target_images.shape[1:] != source.images.shape[1:]:
        raise ValueError(
            f"source and target images must have the same shape; source {source.name!r} has "
            f"{tuple(source.images.shape[1:])}, target has {tuple(target_images.shape[1:])}"
        )
    n, m = len(source), len(target_images)
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(m, generator=generator).repeat(-(-n // m))[:n]  # (N,) target rows
    return TensorDataset(source.images, source.labels, target_images[order])
