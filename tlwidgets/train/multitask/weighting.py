"""How task losses become one loss: equal, fixed, uncertainty and dynamic weight average.

Each strategy is a small module with ``combine(losses, model) -> (total, logged)``; the
multitask objective calls it on every training step. Strategies with learnable weights
(uncertainty, GradNorm) hold them as parameters, which :func:`~tlwidgets.train.fit` trains
with the model. GradNorm and PCGrad, which need gradients, live in their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import Tensor, nn

from ...data.multitask import Task

__all__ = [
    "DynamicWeightAverage",
    "EqualWeights",
    "FixedWeights",
    "TaskWeighting",
    "UncertaintyWeighting",
]


class TaskWeighting(nn.Module):
    """Base class: turn per-task losses into the one loss that is minimised.

    Subclasses implement :meth:`combine`; :meth:`on_epoch_end` is called by the training
    loop after every epoch (DWA uses it).
    """

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """Return the total loss (a scalar) and what to log, e.g. ``{"weight_left": w}``.

        Parameters
        ----------
        losses
            Task name -> scalar loss of this batch, with gradients.
        model
            The multitask model being trained (for strategies that need its gradients).
        """
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called after every training epoch."""

    @staticmethod
    def _weighted_sum(
        losses: Mapping[str, Tensor], weights: Mapping[str, Tensor | float]
    ) -> tuple[Tensor, dict[str, Tensor]]:
        total = sum(weights[name] * loss for name, loss in losses.items())
        logged = {f"weight_{name}": torch.as_tensor(float(weights[name])) for name in losses}
        return total, logged  # type: ignore[return-value]


class EqualWeights(TaskWeighting):
    """The plain sum of the task losses: every task has weight 1."""

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i L_i``."""
        return self._weighted_sum(losses, dict.fromkeys(losses, 1.0))


class FixedWeights(TaskWeighting):
    """A weighted sum with weights chosen by hand: ``sum_i w_i L_i`` (missing tasks: 1).

    Parameters
    ----------
    weights
        Task name -> weight >= 0.
    """

    def __init__(self, weights: Mapping[str, float]):
        super().__init__()
        if any(w < 0 for w in weights.values()):
            raise ValueError(f"task weights must be >= 0, got {dict(weights)}")
        self.weights = dict(weights)

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i w_i L_i``."""
        unknown = set(self.weights) - set(losses)
        if unknown:
            raise ValueError(f"weights for unknown tasks {sorted(unknown)}; tasks: {list(losses)}")
        return self._weighted_sum(losses, {n: self.weights.get(n, 1.0) for n in losses})


class UncertaintyWeighting(TaskWeighting):
    """Learn each task's weight as its homoscedastic uncertainty (Kendall, Gal & Cipolla, 2018).

    Every task i has a learnable ``s_i = log sigma_i^2`` (starting at 0). The loss is

        regression:      0.5 * exp(-s_i) * L_i + 0.5 * s_i      (Gaussian likelihood)
        classification:        exp(-s_i) * L_i + 0.5 * s_i      (scaled softmax)

    A task whose loss stays large (noisy, or on a large scale) learns a large sigma and
    is down-weighted; the ``+ s_i`` term stops every sigma from growing without limit.
    Logged: ``weight_<task>`` (the factor in front of L_i) and ``sigma_<task>``.

    Parameters
    ----------
    tasks
        The tasks, for their kinds.
    """

    def __init__(self, tasks: Sequence[Task]):
        super().__init__()
        self.kinds = {t.name: t.kind for t in tasks}
        self.log_vars = nn.ParameterDict({t.name: nn.Parameter(torch.zeros(())) for t in tasks})

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i c_i exp(-s_i) L_i + 0.5 s_i``, with c_i = 0.5 for regressions, else 1."""
        total = torch.zeros((), device=next(iter(losses.values())).device)
        logged = {}
        for name, loss in losses.items():
            s = self.log_vars[name]
            factor = (0.5 if self.kinds[name] == "regression" else 1.0) * torch.exp(-s)
            total = total + factor * loss + 0.5 * s
            logged[f"weight_{name}"] = factor.detach()
            logged[f"sigma_{name}"] = torch.exp(0.5 * s).detach()
        return total, logged


class DynamicWeightAverage(TaskWeighting):
    """Weight tasks by how slowly their loss falls (Liu, Johns & Davison, CVPR 2019).

    With r_i = L_i(epoch - 1) / L_i(epoch - 2), the ratio of a task's two previous epoch-mean
    losses, ``w_i = T * softmax(r / temperature)_i``: a task whose loss stopped falling gets
    more weight. The first two epochs use weight 1 for every task.

    Parameters
    ----------
    temperature
        Larger values make the weights more equal (the paper uses 2).
    """

    def __init__(self, temperature: float = 2.0):
        super().__init__()
        if temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature
        self.epoch_means: list[dict[str, float]] = []  # one dict per finished epoch
        self._sums: dict[str, float] = {}
        self._count = 0

    def weights(self, names: Sequence[str]) -> dict[str, float]:
        """The weights used during the current epoch, task name -> w_i."""
        if len(self.epoch_means) < 2:
            return dict.fromkeys(names, 1.0)
        previous, before = self.epoch_means[-1], self.epoch_means[-2]
        ratios = torch.tensor([previous[n] / max(before[n], 1e-12) for n in names])
        w = len(names) * torch.softmax(ratios / self.temperature, dim=0)
        return {n: float(v) for n, v in zip(names, w, strict=True)}

    def combine(
        self, losses: Mapping[str, Tensor], model: nn.Module
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """``sum_i w_i L_i`` with this epoch's DWA weights."""
        for name, loss in losses.items():
            self._sums[name] = self._sums.get(name, 0.0) + float(loss.detach())
        self._count += 1
        return self._weighted_sum(losses, self.weights(list(losses)))

    def on_epoch_end(self) -> None:
        """Store this epoch's mean losses; they set the next epoch's weights."""
        if self._count:
            self.epoch_means.append({n: s / self._count for n, s in self._sums.items()})
        self._sums, self._count = {}, 0
