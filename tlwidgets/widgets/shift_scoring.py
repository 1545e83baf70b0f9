"""Scoring a model on a shifted target: accuracy, domain separability and its guesses.

A :class:`~tlwidgets.widgets.DomainShiftExplorer` scores the same images at every shift: a
seeded subset of the target test split (shifted) and of the source (never shifted), so two
shifts differ only in what the sliders change.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np
from torch import Tensor, nn

from ..analysis import domain_separability, extract_features, predict
from ..data import LabelledImages
from ..data.shift import Shift, apply_shift

__all__ = ["ShiftScore", "ShiftScorer", "backbone_of", "sample_indices", "subsample"]

CACHED_SHIFTS = 3  # shifted image sets kept (12 MB each at 1,000 images)


@dataclass(frozen=True)
class ShiftScore:
    """What one model does on the shifted target."""

    acc: float  # target test accuracy in [0, 1]
    separability: float  # source vs shifted-target features: 0 = alike, 1 = apart
    predicted: Tensor  # (N,) the model's class for every scored target image


def backbone_of(model: nn.Module) -> nn.Module:
    """The backbone whose features are compared (a DANN model wraps one as ``.backbone``)."""
    return getattr(model, "backbone", model)


def subsample(data: LabelledImages, cap: int, seed: int) -> LabelledImages:
    """At most ``cap`` examples of ``data``: a seeded random subset, in the original order."""
    if cap < 2:
        raise ValueError(f"max_images must be at least 2, got {cap}")
    if len(data) <= cap:
        return data
    return data.subset(np.sort(np.random.default_rng(seed).permutation(len(data))[:cap]))


def sample_indices(labels: Tensor, count: int, seed: int) -> np.ndarray:
    """Indices (<= count,) of example images taking each class in turn; reproducible."""
    order = np.random.default_rng(seed).permutation(len(labels))
    values = labels.numpy()[order]
    by_class = [order[values == label] for label in np.unique(values)]  # shuffled, per class
    chosen = [int(m[rank]) for rank in range(len(order)) for m in by_class if rank < len(m)]
    return np.asarray(chosen[:count], dtype=np.int64)


class ShiftScorer:
    """Scores models on ``target`` under any shift, against features of ``source``.

    Parameters
    ----------
    target
        The target test images to shift and score (already subsampled).
    source
        Source images whose features the shifted target's are compared with.
    seed
        Seeds the shift's noise and textures and the separability split.
    """

    def __init__(self, target: LabelledImages, source: LabelledImages, seed: int = 0):
        self.target = target
        self.source = source
        self.seed = seed
        self._shifted: dict[Shift, LabelledImages] = {}
        self._features: list[tuple[nn.Module, Tensor]] = []  # the last models' source features
        self._lock = threading.Lock()  # the UI and a training thread both score

    def shifted(self, shift: Shift) -> LabelledImages:
        """The target images under ``shift`` (N, 3, H, W), with their labels; recent ones kept."""
        with self._lock:
            if shift not in self._shifted:
                images = apply_shift(self.target.images, shift, seed=self.seed + 1)
                self._shifted[shift] = replace(self.target, images=images)
                while len(self._shifted) > CACHED_SHIFTS:
                    del self._shifted[next(iter(self._shifted))]
            return self._shifted[shift]

    def source_features(self, model: nn.Module) -> Tensor:
        """Pooled last-stage features (N, D) of the source images; the last two models' kept."""
        with self._lock:
            for known, features in self._features:
                if known is model:
                    return features
        features = extract_features(backbone_of(model), self.source)
        with self._lock:
            self._features = [*self._features[-1:], (model, features)]
        return features

    def score(self, model: nn.Module, shift: Shift) -> ShiftScore:
        """Accuracy, domain separability and predictions of ``model`` at ``shift``."""
        data = self.shifted(shift)
        predicted = predict(model, data)  # (N,)
        features = extract_features(backbone_of(model), data)  # (N, D)
        separability = domain_separability(self.source_features(model), features, seed=self.seed)
        acc = float((predicted == data.labels).float().mean())
        return ShiftScore(acc=acc, separability=separability, predicted=predicted)
