"""The runs a :class:`~tlwidgets.widgets.TaskBalancer` has finished, and their trade-off front.

Every finished (or stopped) run is a :class:`BalanceRun`. Each *completed* run becomes one
point of the trade-off plot: task A's final test metric against task B's. A run is on the
*Pareto front* when no other run is at least as good on both tasks and better on one
(:func:`pareto_front`); the front is the best trade-off the runs so far have found, and
moving along it buys one task's accuracy with the other's. The panel shows the points
(:func:`draw_pareto`) and a table of the runs (:func:`runs_table_html`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from torch import nn

from ..data import Task
from ..train import History, MultiTaskConfig
from ..viz.palette import PALETTE
from .figure_image import draw_placeholder
from .html_table import format_percent, table_html

__all__ = [
    "WEIGHTING_LABELS",
    "BalanceRun",
    "ParetoPoint",
    "draw_pareto",
    "format_metric",
    "metric_key",
    "metric_name",
    "pareto_front",
    "runs_table_html",
    "short_label",
    "trade_off_points",
    "weighting_label",
]

# What the learner reads for each of tlwidgets.train.WEIGHTINGS.
WEIGHTING_LABELS = {
    "equal": "equal weights",
    "fixed": "fixed weights (sliders)",
    "uncertainty": "uncertainty weighting",
    "dwa": "dynamic weight average",
    "gradnorm": "GradNorm",
    "pcgrad": "PCGrad (gradient surgery)",
}
SHORT_LABELS = {  # the few words next to a point of the trade-off plot
    "equal": "equal",
    "fixed": "fixed",
    "uncertainty": "uncertainty",
    "dwa": "DWA",
    "gradnorm": "GradNorm",
    "pcgrad": "PCGrad",
}

FRONT_MARK = "\N{BLACK STAR}"


def metric_key(task: Task) -> str:
    """The history key of ``task``'s test metric: ``test_<task>_acc`` or ``test_<task>_mae``."""
    return f"test_{task.name}_{'acc' if task.kind == 'classification' else 'mae'}"


def metric_name(task: Task) -> str:
    """The metric's name for a reader, e.g. "left acc" or "rotation MAE (radians)"."""
    if task.kind == "classification":
        return f"{task.name} acc"
    return f"{task.name} MAE" + (f" ({task.unit})" if task.unit else "")


def format_metric(task: Task, value: float | None) -> str:
    """An accuracy as a percentage ("45.0%"), an MAE with 3 decimals; a dash for None."""
    if value is None or task.kind == "classification":
        return format_percent(value)
    return f"{value:.3f}"


@dataclass
class BalanceRun:
    """One finished (or stopped) run of the balancer."""

    number: int  # 1, 2, ... in the order the runs were started since the last reset
    config: MultiTaskConfig  # what was trained
    history: History  # what train_multitask() recorded (status "completed" or "stopped")
    model: nn.Module  # the trained model (its last good weights when stopped)

    @property
    def seconds(self) -> float:
        """Wall-clock time of the run."""
        return self.history.seconds

    @property
    def label(self) -> str:
        """The run's name, e.g. "run 2: fixed weights (left 1, right 3)"."""
        return f"run {self.number}: {weighting_label(self.config)}"

    def final(self, task: Task) -> float | None:
        """``task``'s test metric after the last epoch (None when no epoch finished)."""
        values = self.history.series(metric_key(task), per="epoch")
        return values[-1] if values else None

    def final_weights(self, tasks: Sequence[Task]) -> dict[str, float]:
        """Task -> the weight the strategy used, averaged over the last epoch (may be empty)."""
        last = self.history.epochs[-1] if self.history.epochs else {}
        return {t.name: last[f"weight_{t.name}"] for t in tasks if f"weight_{t.name}" in last}


def _weights_text(weights: dict[str, float], separator: str = ", ") -> str:
    return separator.join(f"{name} {weight:.3g}" for name, weight in weights.items())


def weighting_label(config: MultiTaskConfig) -> str:
    """Describe a run's weighting in a few words, e.g. "fixed weights (left 1, right 3)"."""
    if config.weighting == "fixed" and config.weights:
        return f"fixed weights ({_weights_text(config.weights)})"
    return WEIGHTING_LABELS[config.weighting]


def short_label(config: MultiTaskConfig) -> str:
    """A point's tag: the strategy, and for fixed weights their ratio, e.g. "fixed 1:3"."""
    if config.weighting == "fixed" and config.weights:
        return "fixed " + ":".join(f"{weight:.2g}" for weight in config.weights.values())
    return SHORT_LABELS[config.weighting]


def pareto_front(
    points: Sequence[Sequence[float]], maximise: Sequence[bool] = (True, True)
) -> list[int]:
    """The indices of the points no other point dominates, in order of their first coordinate.

    A point dominates another when it is at least as good in every coordinate and better in
    one; "good" is high where ``maximise`` is True (an accuracy) and low where it is False
    (an error such as an MAE). Equal points do not dominate each other, so both are kept.
    Points with a non-finite coordinate are left out (they neither join nor shape the front).

    Parameters
    ----------
    points
        ``(n, d)`` coordinates: one row per point, e.g. (task A metric, task B metric).
    maximise
        ``d`` flags: whether a higher value is better in each coordinate.

    Returns
    -------
    list of int
        Indices into ``points``, sorted by the first coordinate (then the second, ...).

    Raises
    ------
    ValueError
        If a point does not have ``len(maximise)`` coordinates.
    """
    signs = [1.0 if better_high else -1.0 for better_high in maximise]
    scored: list[tuple[int, tuple[float, ...]]] = []  # (index, coordinates with "higher is better")
    for index, point in enumerate(points):
        if len(point) != len(signs):
            raise ValueError(
                f"point {index} has {len(point)} coordinates, but maximise has {len(signs)}: "
                f"{tuple(point)!r}"
            )
        values = tuple(sign * float(value) for sign, value in zip(signs, point, strict=True))
        if all(math.isfinite(value) for value in values):
            scored.append((index, values))

    def dominates(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return all(x >= y for x, y in zip(a, b, strict=True)) and a != b

    front = [i for i, values in scored if not any(dominates(other, values) for _, other in scored)]
    return sorted(front, key=lambda i: tuple(float(value) for value in points[i]))


@dataclass(frozen=True)
class ParetoPoint:
    """One completed run in the trade-off plot: its two final test metrics."""

    run: int  # the run's number
    label: str  # e.g. "fixed 1:3"
    x: float  # task A's final test metric (accuracy in [0, 1], or MAE)
    y: float  # task B's
    on_front: bool  # True when no other run beats it on both tasks


def trade_off_points(runs: Sequence[BalanceRun], tasks: tuple[Task, Task]) -> list[ParetoPoint]:
    """One point per completed run (stopped runs are left out), marked if on the front."""
    done: list[tuple[BalanceRun, float, float]] = []  # (run, task A metric, task B metric)
    for run in runs:
        x, y = run.final(tasks[0]), run.final(tasks[1])
        if run.history.status == "completed" and x is not None and y is not None:
            done.append((run, x, y))
    maximise = [task.kind == "classification" for task in tasks]
    front = set(pareto_front([(x, y) for _, x, y in done], maximise))
    return [
        ParetoPoint(run.number, short_label(run.config), x, y, index in front)
        for index, (run, x, y) in enumerate(done)
    ]


def _shown(task: Task, value: float) -> float:
    return 100 * value if task.kind == "classification" else value


def _axis_label(task: Task, arrow: str) -> str:
    if task.kind == "classification":
        return f"{task.name}: test accuracy (%), better {arrow}"
    unit = f" ({task.unit})" if task.unit else ""
    return f"{task.name}: test MAE{unit}, inverted: better {arrow}"


def draw_pareto(figure: Figure, points: Sequence[ParetoPoint], tasks: tuple[Task, Task]) -> None:
    """Task A's metric against task B's, one point per run, the Pareto front joined and starred.

    Axes are oriented so that better is right and up: an MAE axis is inverted.
    """
    axes = figure.add_subplot()
    task_x, task_y = tasks
    dominated = [p for p in points if not p.on_front]
    front = sorted((p for p in points if p.on_front), key=lambda p: _shown(task_x, p.x))
    if dominated:
        axes.scatter(
            [_shown(task_x, p.x) for p in dominated],
            [_shown(task_y, p.y) for p in dominated],
            color="grey",
            s=30,
            label="dominated run",
            zorder=2,
        )
    if front:
        axes.plot(
            [_shown(task_x, p.x) for p in front],
            [_shown(task_y, p.y) for p in front],
            color=PALETTE[3],  # vermillion; the front is also starred and joined
            marker="*",
            markersize=12,
            lw=1.5,
            label="Pareto front",
            zorder=3,
        )
    for point in points:
        axes.annotate(
            f"{point.run}: {point.label}",
            (_shown(task_x, point.x), _shown(task_y, point.y)),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize="x-small",
        )
    if task_x.kind != "classification":
        axes.invert_xaxis()
    if task_y.kind != "classification":
        axes.invert_yaxis()
    axes.set_xlabel(_axis_label(task_x, "\N{RIGHTWARDS ARROW}"))
    axes.set_ylabel(_axis_label(task_y, "\N{UPWARDS ARROW}"))
    axes.set_title("Trade-off: each finished run is a point", fontsize="medium")
    axes.grid(alpha=0.3)
    if points:
        axes.margins(0.15)
        axes.legend(fontsize="x-small", loc="lower left")
    else:
        draw_placeholder(axes, "finished runs appear here")
    figure.subplots_adjust(left=0.13, right=0.97, bottom=0.13, top=0.92)  # no tight_layout: 2x


def runs_table_html(runs: Sequence[BalanceRun], tasks: Sequence[Task], front: set[int]) -> str:
    """An HTML table with one row per run (a hint row when there is none yet).

    ``tasks`` are the columns of final test metrics; ``front`` holds the numbers of the runs
    on the Pareto front, which get a star. For a strategy that sets its own weights, the
    weights column shows their mean over the last epoch.
    """
    columns = (
        "run",
        "strategy",
        "weights",
        "epochs",
        "seed",
        *(metric_name(task) for task in tasks),
        "front",
        "status",
        "seconds",
    )
    rows = []
    for run in runs:
        config = run.config
        learned = run.final_weights(tasks)
        if config.weighting == "fixed" and config.weights:
            weights = _weights_text(config.weights)
        elif config.weighting == "equal":
            weights = "1 each"
        elif learned:
            weights = "\N{ALMOST EQUAL TO} " + _weights_text(learned)
        else:
            weights = "\N{EM DASH}"
        cells = (
            run.number,
            WEIGHTING_LABELS[config.weighting],
            weights,
            config.epochs,
            config.seed,
            *(format_metric(task, run.final(task)) for task in tasks),
            FRONT_MARK if run.number in front else "",
            run.history.status,
            f"{run.seconds:.1f}",
        )
        rows.append(cells)
    return table_html(columns, rows, empty="No runs yet: press Run.", css_class="tlw-runs")
