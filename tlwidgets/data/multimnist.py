"""Builder for ``multimnist``: two MNIST digits overlapping in one image, two tasks.

The MultiMNIST recipe of Sabour et al. (2017) as used for multitask learning by Sener and
Koltun (NeurIPS 2018): one digit is pushed towards the top left, another towards the bottom
right, and the two are overlaid, so that one image carries two labels - the *left* and the
*right* digit. Built from the course's MNIST subset; nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

__all__ = ["make_multimnist"]

SHIFT = (3, 6)  # each digit moves this many pixels (inclusive range) along both axes
PAIRINGS = 2  # every MNIST image is the left digit of this many training pairs


def _shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move a (H, W) image by (dy, dx) pixels, filling with zeros (no wrap-around)."""
    out = np.zeros_like(image)
    h, w = image.shape
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[yd, xd] = image[ys, xs]
    return out


def overlay_pair(left: np.ndarray, right: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Overlay two grey digits, ``left`` moved up-left and ``right`` down-right.

    Parameters
    ----------
    left, right
        Grey images (H, W), uint8.
    shifts
        Four non-negative pixel offsets: left (up, leftwards), right (down, rightwards).

    Returns
    -------
    numpy.ndarray
        (H, W) uint8: the pixel-wise maximum of the two moved digits.
    """
    a = _shifted(left, -int(shifts[0]), -int(shifts[1]))
    b = _shifted(right, int(shifts[2]), int(shifts[3]))
    return np.maximum(a, b)


def make_multimnist(mnist: dict[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    """Pair MNIST digits of the same split into overlapping two-digit images.

    Every image of a split is the left digit of ``PAIRINGS`` pairs (train) or one pair
    (test); its partner is drawn at random from the same split, so train and test never
    share a digit image.

    Parameters
    ----------
    mnist
        The ``mnist`` arrays: ``x_*`` (N, 32, 32) uint8 grey, ``y_*`` (N,).
    seed
        Seed of the pairing and the offsets.

    Returns
    -------
    dict
        ``x_*`` (M, 32, 32) uint8 grey, ``y_*`` (M, 2) uint8 with columns (left, right),
        ``shift_*`` (M, 4) uint8, the offsets used.
    """
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for split, repeats in (("train", PAIRINGS), ("test", 1)):
        x, y = mnist[f"x_{split}"], mnist[f"y_{split}"]
        left = np.tile(np.arange(len(y)), repeats)
        right = rng.integers(0, len(y), len(left))
        shifts = rng.integers(SHIFT[0], SHIFT[1] + 1, (len(left), 4))
        images = np.stack(
            [overlay_pair(x[i], x[j], s) for i, j, s in zip(left, right, shifts, strict=True)]
        )
        order = rng.permutation(len(left))
        out[f"x_{split}"] = images[order]
        out[f"y_{split}"] = np.stack([y[left], y[right]], axis=1)[order].astype(np.uint8)
        out[f"shift_{split}"] = shifts[order].astype(np.uint8)
    return out
