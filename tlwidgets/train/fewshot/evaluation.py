"""Scoring a few-shot method: mean query accuracy over many episodes, with a 95% interval."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from torch import Tensor

from ...data.episodes import EpisodeSampler

__all__ = ["EpisodeScore", "FewShotClassifier", "evaluate_episodes"]


class FewShotClassifier(Protocol):
    """What :func:`evaluate_episodes` needs: learn from a support set, then label queries."""

    def fit(self, support_images: Tensor, support_labels: Tensor) -> FewShotClassifier:
        """Adapt to one episode's support set and return ``self``.

        Parameters
        ----------
        support_images
            Shape (N*K, 3, 32, 32).
        support_labels
            Shape (N*K,), int64 episode labels 0..N-1.
        """
        ...

    def predict(self, query_images: Tensor) -> Tensor:
        """Episode labels, shape (M,) int64, for query images of shape (M, 3, 32, 32)."""
        ...


@dataclass(frozen=True)
class EpisodeScore:
    """Accuracy over a run of episodes, reported the way few-shot papers report it."""

    accuracies: tuple[float, ...]  # query accuracy of each episode, in [0, 1]
    mean: float  # mean of `accuracies`, in [0, 1]
    ci95: float  # half-width of the 95% interval: 1.96 * std / sqrt(episodes), in [0, 1]
    seconds: float  # wall-clock time of the whole run (fit + predict on every episode)

    def __str__(self) -> str:
        return f"{self.mean:.1%} ± {self.ci95:.1%} ({len(self.accuracies)} episodes)"


def confidence_interval(accuracies: tuple[float, ...] | list[float]) -> float:
    """Half-width of the 95% interval of the mean accuracy: ``1.96 * std / sqrt(n)``.

    ``std`` is the population standard deviation (``numpy.std``, ddof 0), as in the code of
    Snell et al. (2017) and Chen et al. (2019). It is 0 for a single episode.
    """
    if len(accuracies) == 0:
        raise ValueError("no accuracies: the interval needs at least one episode")
    return float(1.96 * np.std(accuracies) / math.sqrt(len(accuracies)))


def evaluate_episodes(
    classifier: FewShotClassifier, sampler: EpisodeSampler, episodes: int = 600, *, start: int = 0
) -> EpisodeScore:
    """Fit ``classifier`` on each episode's support set and score it on the query set.

    Parameters
    ----------
    classifier
        Any :class:`FewShotClassifier`; it is re-fitted on every episode.
    sampler
        Gives episodes ``start .. start + episodes - 1``; the same sampler and range give
        every method the same tasks.
    episodes
        How many episodes (600 is the usual count in papers).
    start
        Index of the first episode.

    Returns
    -------
    EpisodeScore
        Per-episode accuracies, their mean and 95% interval, and the seconds taken.

    Raises
    ------
    ValueError
        If ``episodes < 1`` or a prediction does not have one label per query image.
    """
    if episodes < 1:
        raise ValueError(f"episodes must be at least 1, got {episodes}")
    began = time.perf_counter()
    accuracies = []
    for episode in sampler.episodes(episodes, start):
        predicted = classifier.fit(episode.support_images, episode.support_labels).predict(
            episode.query_images
        )
        if predicted.shape != episode.query_labels.shape:
            raise ValueError(
                f"{type(classifier).__name__}.predict returned shape {tuple(predicted.shape)}; "
                f"expected one label per query image, {tuple(episode.query_labels.shape)}"
            )
        correct = predicted.cpu().long() == episode.query_labels
        accuracies.append(float(correct.float().mean()))
    return EpisodeScore(
        accuracies=tuple(accuracies),
        mean=float(np.mean(accuracies)),
        ci95=confidence_interval(accuracies),
        seconds=time.perf_counter() - began,
    )
