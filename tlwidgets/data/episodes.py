"""Few-shot episodes: N classes, K labelled support images and Q query images per class.

An episode is one small classification task drawn from a labelled dataset (Vinyals et al.,
2016): a few-shot method sees the support set, then labels the query set. Episode labels
are 0..N-1 in the episode's own class order, whatever the dataset's labels are.

>>> from tlwidgets.data import EpisodeSampler, load_glyphs
>>> sampler = EpisodeSampler(load_glyphs("evaluation", "all"), n_way=5, k_shot=1)
>>> episode = sampler.sample(0)  # support (5, 3, 32, 32), query (75, 3, 32, 32)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .domains import LabelledImages

__all__ = ["Episode", "EpisodeSampler"]


@dataclass(frozen=True, eq=False)
class Episode:
    """One N-way K-shot task: a labelled support set and a query set to classify.

    Both sets are grouped by class: class 0's images first, then class 1's, and so on.
    """

    support_images: Tensor  # (N*K, 3, 32, 32) float32
    support_labels: Tensor  # (N*K,) int64 episode labels 0..N-1
    query_images: Tensor  # (N*Q, 3, 32, 32) float32
    query_labels: Tensor  # (N*Q,) int64 episode labels 0..N-1
    classes: tuple[str, ...]  # episode label i -> the name of its class, classes[i]
    class_ids: Tensor  # (N,) int64: the dataset's label of each episode class

    def __post_init__(self) -> None:
        n = len(self.classes)
        if len(self.class_ids) != n or n == 0:
            raise ValueError(f"classes ({n}) and class_ids ({len(self.class_ids)}) must align")
        if len(self.support_images) != len(self.support_labels) or len(self.support_labels) % n:
            raise ValueError(
                f"support must hold K images for each of the {n} classes; got "
                f"{len(self.support_images)} images and {len(self.support_labels)} labels"
            )
        if len(self.query_images) != len(self.query_labels) or len(self.query_labels) % n:
            raise ValueError(
                f"query must hold Q images for each of the {n} classes; got "
                f"{len(self.query_images)} images and {len(self.query_labels)} labels"
            )

    @property
    def n_way(self) -> int:
        """Number of classes N."""
        return len(self.classes)

    @property
    def k_shot(self) -> int:
        """Labelled support images per class K."""
        return len(self.support_labels) // self.n_way

    @property
    def n_query(self) -> int:
        """Query images per class Q."""
        return len(self.query_labels) // self.n_way

    def __repr__(self) -> str:
        return (
            f"Episode(n_way={self.n_way}, k_shot={self.k_shot}, n_query={self.n_query}, "
            f"classes={self.classes!r})"
        )


class EpisodeSampler:
    """Draw reproducible N-way K-shot episodes from a labelled dataset.

    Episode ``i`` depends only on ``(seed, i)``: :meth:`sample` returns the same episode
    every time, in any call order, so two methods scored on episodes ``0..599`` of one
    sampler see exactly the same tasks. Each episode draws ``n_way`` distinct classes, then
    ``k_shot + n_query`` distinct images of each; no image is in both support and query.

    Only classes with at least ``k_shot + n_query`` images are drawn; smaller classes are
    skipped. ``len(sampler)`` is the number of these usable classes.

    Parameters
    ----------
    data
        Any :class:`LabelledImages`, e.g. ``load_glyphs("evaluation", "all")`` (20 drawings
        per character) or a digit domain from ``load_domain``.
    n_way
        Classes per episode N (at least 2).
    k_shot
        Support images per class K (at least 1).
    n_query
        Query images per class Q (at least 1).
    seed
        Seed of the episode stream (a non-negative integer).

    Raises
    ------
    ValueError
        If ``n_way < 2``, ``k_shot < 1``, ``n_query < 1``, ``seed < 0``, or if fewer than
        ``n_way`` classes have ``k_shot + n_query`` images (the message says how many do
        and what to lower).
    """

    def __init__(
        self, data: LabelledImages, n_way: int, k_shot: int, n_query: int = 15, *, seed: int = 0
    ):
        if n_way < 2:
            raise ValueError(f"n_way must be at least 2 (an episode compares classes), got {n_way}")
        if k_shot < 1:
            raise ValueError(f"k_shot must be at least 1 support image per class, got {k_shot}")
        if n_query < 1:
            raise ValueError(f"n_query must be at least 1 query image per class, got {n_query}")
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.data = data
        self.n_way = n_way
        self.k_shot = k_shot
        self.n_query = n_query
        self.seed = seed
        labels = data.labels.numpy()
        needed = k_shot + n_query
        counts = np.bincount(labels, minlength=len(data.classes))  # (C,)
        self._usable = np.flatnonzero(counts >= needed)  # (C_usable,) usable dataset labels
        # Stable sort keeps each class's images in their stored order.
        order = np.argsort(labels, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)])
        self._members = {int(c): order[starts[c] : starts[c + 1]] for c in self._usable}
        if len(self._usable) < n_way:
            raise ValueError(
                f"{n_way}-way {k_shot}-shot episodes with {n_query} queries need {n_way} classes "
                f"with at least {needed} images each, but {data.name}/{data.split} has "
                f"{len(self._usable)} such classes (largest class: {int(counts.max(initial=0))} "
                f"images); lower n_way, k_shot or n_query"
            )

    def __len__(self) -> int:
        """Number of usable classes: those with at least ``k_shot + n_query`` images."""
        return len(self._usable)

    @property
    def class_ids(self) -> Tensor:
        """Dataset labels of the usable classes, shape (C_usable,) int64, ascending."""
        return torch.from_numpy(self._usable.astype(np.int64))

    def __repr__(self) -> str:
        return (
            f"EpisodeSampler({self.data.name}/{self.data.split}, n_way={self.n_way}, "
            f"k_shot={self.k_shot}, n_query={self.n_query}, seed={self.seed}, "
            f"usable_classes={len(self)})"
        )

    def sample(self, index: int) -> Episode:
        """Return episode ``index`` (a non-negative integer), the same one on every call.

        Returns
        -------
        Episode
            Support (N*K, 3, 32, 32) and query (N*Q, 3, 32, 32) images with episode labels
            0..N-1, both grouped by class.
        """
        if index < 0:
            raise ValueError(f"episode index must be >= 0, got {index}")
        rng = np.random.default_rng([self.seed, index])
        chosen = rng.choice(self._usable, size=self.n_way, replace=False)  # (N,)
        picks = np.stack(
            [
                rng.choice(self._members[int(c)], size=self.k_shot + self.n_query, replace=False)
                for c in chosen
            ]
        )  # (N, K+Q) dataset indices
        support = torch.from_numpy(picks[:, : self.k_shot].reshape(-1))
        query = torch.from_numpy(picks[:, self.k_shot :].reshape(-1))
        way = torch.arange(self.n_way)
        return Episode(
            support_images=self.data.images[support],
            support_labels=way.repeat_interleave(self.k_shot),
            query_images=self.data.images[query],
            query_labels=way.repeat_interleave(self.n_query),
            classes=tuple(self.data.classes[int(c)] for c in chosen),
            class_ids=torch.from_numpy(chosen.astype(np.int64)),
        )

    def episodes(self, count: int, start: int = 0) -> Iterator[Episode]:
        """Yield episodes ``start, start + 1, ..., start + count - 1``."""
        if count < 0 or start < 0:
            raise ValueError(f"count and start must be >= 0, got count={count}, start={start}")
        for index in range(start, start + count):
            yield self.sample(index)
