"""Per-task gradients on the shared parameters, and how much tasks agree (their cosine).

Two tasks *conflict* when their gradients on the shared weights point in opposing
directions (negative cosine): a step that helps one hurts the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import torch
from torch import Tensor, nn

__all__ = ["gradient_cosines", "task_gradients"]


def task_gradients(
    losses: Mapping[str, Tensor], parameters: Sequence[nn.Parameter]
) -> dict[str, Tensor]:
    """The gradient of each task's loss on ``parameters``, flattened.

    Uses ``torch.autograd.grad`` with the graph retained, so the training step can still
    call ``backward()`` on the total loss afterwards; nothing is accumulated in ``.grad``.

    Parameters
    ----------
    losses
        Task name -> scalar loss, with a graph through ``parameters``.
    parameters
        The shared parameters (P of them in total, once flattened).

    Returns
    -------
    dict
        Task name -> gradient (P,), float32, detached.
    """
    if not parameters:
        raise ValueError(
            "no shared parameters: gradients between tasks need a model whose tasks share "
            "a backbone (MultiHeadModel), not SoftSharingModel"
        )
    gradients = {}
    for name, loss in losses.items():
        grads = torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
        gradients[name] = torch.cat(
            [
                (g if g is not None else torch.zeros_like(p)).reshape(-1).float()
                for g, p in zip(grads, parameters, strict=True)
            ]
        )
    return gradients


def gradient_cosines(gradients: Mapping[str, Tensor]) -> dict[str, Tensor]:
    """Cosine similarity of every pair of task gradients.

    Parameters
    ----------
    gradients
        Task name -> flattened gradient (P,), as from :func:`task_gradients`.

    Returns
    -------
    dict
        ``"grad_cos_<a>_<b>"`` -> cosine in [-1, 1] (0-dim tensor), for each pair a < b in
        the given order.
    """
    return {
        f"grad_cos_{a}_{b}": torch.nn.functional.cosine_similarity(
            gradients[a], gradients[b], dim=0, eps=1e-12
        )
        for a, b in combinations(gradients, 2)
    }
