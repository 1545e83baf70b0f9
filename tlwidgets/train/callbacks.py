"""How the training loop reports: callbacks receive a :class:`FitState` and never train."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .config import FitConfig
from .history import History

__all__ = ["Callback", "FitState"]


@dataclass
class FitState:
    """A read-only view of a run in progress, handed to every callback."""

    model: nn.Module  # the model being trained
    history: History  # everything recorded so far
    config: FitConfig  # the run's settings
    step: int  # optimisation steps done
    epoch: int  # current epoch, from 0
    total_steps: int  # steps the run will take if it is not stopped

    @property
    def progress(self) -> float:
        """Fraction of the run done, in [0, 1]."""
        return min(1.0, self.step / max(1, self.total_steps))


class Callback:
    """Override any of these; the loop calls them from the thread that runs ``fit``.

    Widgets use them to update live plots; they must be quick and must not print from a
    background thread.
    """

    def on_step(self, state: FitState) -> None:
        """After each optimisation step; ``state.history.steps[-1]`` is the new row."""

    def on_epoch(self, state: FitState) -> None:
        """After each epoch and its validation; ``state.history.epochs[-1]`` is the new row."""

    def on_end(self, state: FitState) -> None:
        """Once, when the run completes, is stopped or fails (see ``history.status``)."""
