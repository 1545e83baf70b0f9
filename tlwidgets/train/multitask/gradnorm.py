"""GradNorm: learn task weights that keep the tasks' gradient sizes in balance.

Chen, Badrinarayanan, Lee & Rabinovich, GradNorm: Gradient Normalization for Adaptive Loss
Balancing in Deep Multitask Networks, ICML 2018.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor, nn

from .gradients import task_gradients
from .weighting import TaskWeighting

__all__ = ["GradNorm"]


class GradNorm(TaskWeighting):
    """Task weights w_i trained so that each weighted task gradient has its "fair" size.

    On the last shared layer W, G_i = w_i * ||grad_W L_i||. A task that has trained less
    (relative loss L_i(t)/L_i(0) above the average, ratio r_i) should get a larger gradient:
    the target is mean(G) * r_i ** alpha. The weights minimise
    ``L_grad = sum_i |G_i - target_i|`` (targets held constant), while the network minimises
    ``sum_i w_i L_i`` (weights held constant). After every step the weights are rescaled to
    sum to the number of tasks T.

    Parameters
    ----------
    task_names
        The tasks, in order.
    alpha
        How strongly to pull slow tasks up (0 equalises gradient sizes; the paper uses
        0.12 to 3, 1.5 for NYUv2).
    """

    def __init__(self, task_names: list[str], alpha: float = 1.5):
        super().__init__()
        self.alpha = alpha
        self.task_weights = nn.ParameterDict({n: nn.Parameter(torch.ones(())) for n in task_names})
        self.initial_losses: dict[str, float] = {}

    @torch.no_grad()
    def _renormalise(self) -> None:
        weights = list(self.task_weights.values())
        total = sum(w.clamp_(min=1e-3) for w in weights)
        for w in weights:
            w.mul_(len(weights) / total)

    def on_epoch_end(self) -> None:
        """Rescale after the epoch's last step too, so the stored weights always sum to T."""
        self._renormalise()

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i w_i.detach() L_i + L_grad``; L_grad reaches only the weights."""
        self._renormalise()  # the previous step's update, rescaled to sum to T
        names = list(losses)
        for name in names:
            self.initial_losses.setdefault(name, max(float(losses[name].detach()), 1e-12))
        gradients = task_gradients(losses, model.last_shared_parameters())
        norms = torch.stack([gradients[n].norm() for n in names])  # (T,)
        weights = torch.stack([self.task_weights[n] for n in names])  # (T,)
        weighted_norms = weights * norms  # G_i, differentiable in w only
        relative = torch.tensor(
            [float(losses[n].detach()) / self.initial_losses[n] for n in names],
            device=norms.device,
        )
        target = weighted_norms.mean().detach() * (relative / relative.mean()) ** self.alpha
        balance = (weighted_norms - target).abs().sum()
        total: Tensor = sum(w.detach() * losses[n] for n, w in zip(names, weights, strict=True))
        logged = {f"weight_{n}": w.detach().clone() for n, w in zip(names, weights, strict=True)}
        logged["gradnorm_balance"] = balance.detach()
        return total + balance, logged
