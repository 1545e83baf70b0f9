"""What a training run recorded: one row per step and one per epoch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["History"]


@dataclass
class History:
    """Metrics of one :func:`~tlwidgets.train.fit` run.

    ``steps`` holds one dict per optimisation step (``step``, ``epoch``, ``loss``, the
    objective's metrics such as ``acc``, ``lr``, ``time`` in seconds since the start);
    ``epochs`` one dict per finished epoch (training means, plus ``val_*`` metrics for each
    validation set, e.g. ``val_acc`` or ``target_acc``).
    """

    steps: list[dict[str, float]] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    status: str = "running"  # "running", "completed", "stopped" or "error"
    error: str | None = None  # the error message when status == "error"
    seconds: float = 0.0  # wall-clock time of the run
    device: str = "cpu"  # where it ran
    config: dict[str, Any] = field(default_factory=dict)  # the FitConfig, as a dict

    def series(self, key: str, per: str = "step") -> list[float]:
        """All recorded values of ``key`` per "step" or per "epoch", in order (missing skipped)."""
        rows = self._rows(per)
        return [row[key] for row in rows if key in row]

    def last(self, key: str, per: str = "epoch") -> float:
        """The most recent value of ``key`` (per "epoch" by default)."""
        values = self.series(key, per)
        if not values:
            known = sorted({k for row in self._rows(per) for k in row})
            raise KeyError(f"no {per} recorded {key!r}; recorded keys: {known}")
        return values[-1]

    @property
    def num_steps(self) -> int:
        """Optimisation steps taken."""
        return len(self.steps)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy."""
        return asdict(self)

    def _rows(self, per: str) -> list[dict[str, float]]:
        if per not in ("step", "epoch"):
            raise ValueError(f"per must be 'step' or 'epoch', got {per!r}")
        return self.steps if per == "step" else self.epochs
