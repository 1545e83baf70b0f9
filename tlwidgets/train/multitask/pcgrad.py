"""PCGrad: project away the part of each task's gradient that conflicts with another's.

Yu et al., Gradient Surgery for Multi-Task Learning, NeurIPS 2020. When two task gradients
on the shared weights have a negative dot product, each is projected onto the normal plane
of the other before they are summed, so no task's step directly undoes another's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from .gradients import task_gradients
from .weighting import TaskWeighting

__all__ = ["PCGrad", "project_conflicting"]


def project_conflicting(
    gradients: Sequence[Tensor], generator: torch.Generator | None = None
) -> list[Tensor]:
    """PCGrad's projection of each task gradient (Algorithm 1 of Yu et al.).

    For each task i, in turn over the other tasks j in a random order: if the (already
    projected) g_i conflicts with the *original* g_j (g_i . g_j < 0), remove its component
    along g_j: ``g_i <- g_i - (g_i . g_j) / |g_j|^2 * g_j``. Gradients that do not conflict
    are returned unchanged.

    Parameters
    ----------
    gradients
        T flattened task gradients, each (P,).
    generator
        Seeds the random order of the other tasks (it matters for T > 2 only).

    Returns
    -------
    list of Tensor
        The T projected gradients, each (P,); their sum is PCGrad's update direction.
    """
    projected = []
    for i, g in enumerate(gradients):
        g = g.clone()
        others = [j for j in range(len(gradients)) if j != i]
        order = torch.randperm(len(others), generator=generator).tolist() if others else []
        for k in order:
            other = gradients[others[k]]
            dot = torch.dot(g, other)
            if dot < 0:
                g = g - dot / other.pow(2).sum().clamp_min(1e-20) * other
        projected.append(g)
    return projected


class PCGrad(TaskWeighting):
    """Equal task weights with PCGrad's gradient surgery on the shared parameters.

    The training loop calls ``backward()`` once on the loss this returns: ``sum_i L_i`` plus
    a term whose value is 0 and whose gradient on the shared parameters is
    ``sum_i g_i^PC - sum_i g_i``, so the shared parameters receive exactly the projected
    sum while the heads receive their usual gradients. Logged: ``pcgrad_conflicts`` (the
    fraction of task pairs whose gradients conflicted on this step).

    Parameters
    ----------
    seed
        Seeds the random order of the projections.
    """

    def __init__(self, seed: int = 0):
        super().__init__()
        self.generator = torch.Generator().manual_seed(seed)
        self.last_gradients: dict[str, Tensor] = {}

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i L_i`` with the shared gradient replaced by the PCGrad direction."""
        shared = model.shared_parameters()
        gradients = task_gradients(losses, shared)
        self.last_gradients = gradients
        originals = list(gradients.values())
        projected = project_conflicting(originals, self.generator)
        correction = (torch.stack(projected).sum(0) - torch.stack(originals).sum(0)).detach()
        offsets = torch.cat([(p - p.detach()).reshape(-1) for p in shared])  # value 0
        total = sum(losses.values()) + torch.dot(correction, offsets.float())
        pairs = [(a, b) for i, a in enumerate(originals) for b in originals[i + 1 :]]
        conflicts = sum(float(torch.dot(a, b) < 0) for a, b in pairs) / max(len(pairs), 1)
        logged = {f"weight_{name}": torch.ones(()) for name in losses}
        logged["pcgrad_conflicts"] = torch.tensor(conflicts)
        return total, logged  # type: ignore[return-value]
