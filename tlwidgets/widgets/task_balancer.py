"""TaskBalancer: weight the tasks of a multitask network and see what each task pays.

Choose how the task losses are combined (equal, hand-set weights on log sliders, or a
strategy that sets them itself: uncertainty, DWA, GradNorm, PCGrad) and press Run: every
task's test metric and the task weights are drawn live, Stop ends the run within one batch,
and every finished run becomes a point of a trade-off plot (task A against task B) whose
non-dominated runs form the Pareto front::

    train, test = load_multitask("multimnist", "train"), load_multitask("multimnist", "test")
    balancer = TaskBalancer(train, test)          # Pareto axes: the first two tasks
    balancer                                      # the panel
    balancer.run(weighting="fixed", weights={"left": 1.0, "right": 4.0}, epochs=3)
    balancer.wait()
    balancer.pareto_points()                      # [ParetoPoint(run=1, x=..., y=..., ...)]

The panel only builds a :class:`~tlwidgets.train.MultiTaskConfig` and calls
:func:`tlwidgets.train.train_multitask` in a background thread
(:class:`~tlwidgets.widgets.live_run.LiveRunner`); plots are throttled by
:class:`~tlwidgets.widgets.figure_image.FigureImage`.
"""

from __future__ import annotations

import html
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import Any

import ipywidgets as widgets
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import runtime
from ..data import MultiTaskImages, Task
from ..models import list_backbones
from ..train import (
    WEIGHTINGS,
    History,
    MultiTaskConfig,
    TrainingError,
    train_multitask,
)
from ..viz.palette import MARKERS, PALETTE
from .figure_image import FigureImage
from .live_run import LIVE_PLOT_BUSY, LiveRun, LiveRunCallback, LiveRunner
from .pareto import (
    WEIGHTING_LABELS,
    BalanceRun,
    ParetoPoint,
    draw_pareto,
    format_metric,
    metric_key,
    metric_name,
    runs_table_html,
    trade_off_points,
    weighting_label,
)
from .run_controls import RunControls
from .screen_reader import panel_box

__all__ = ["TaskBalancer"]

WEIGHT_EXPONENTS = (-2, 2)  # the weight sliders span 10**-2 .. 10**2
TOOLTIPS = {
    "equal": "every task loss counts once",
    "fixed": "the weight sliders below",
    "uncertainty": "learns a weight per task from how noisy its loss is (Kendall et al.)",
    "dwa": "raises the weight of tasks whose loss falls slowest (Liu et al.)",
    "gradnorm": "learns weights that keep the tasks' gradient norms balanced (Chen et al.)",
    "pcgrad": "removes the part of a task's gradient that conflicts with another's (Yu et al.)",
}


class TaskBalancer:
    """A panel that trains one multitask network per setting and plots the task trade-off.

    Every task of the data is trained; two of them are the axes of the trade-off plot.

    Parameters
    ----------
    train
        Multitask training images, e.g. ``load_multitask("multimnist", "train")``; at
        least two tasks.
    test
        Images with the same tasks; each task's test metric is measured after every epoch
        (accuracy for a classification, mean absolute error for a regression).
    tasks
        The two task names on the trade-off plot's axes (x, y); default the data's first two.
    epochs
        The Epochs control's initial value; default ``runtime.budget(6, 1)``.
    backbone
        The shared backbone, a registered architecture (see
        :func:`tlwidgets.models.list_backbones`).
    device
        "cpu", "cuda" or "mps"; default the best available.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel.
    pareto_tasks : tuple of Task
        The tasks on the trade-off plot's x and y axes.
    runs : list of BalanceRun
        Every finished or stopped run since the last reset (failed runs are not added).
    last_error : str or None
        The message of the last error shown in the panel (None after a successful start).

    Raises
    ------
    ValueError
        If the data has fewer than two tasks, ``test`` has other tasks than ``train``,
        ``tasks`` does not name two different tasks of the data, or ``epochs`` or
        ``backbone`` is invalid.
    """

    def __init__(
        self,
        train: MultiTaskImages,
        test: MultiTaskImages,
        *,
        tasks: Sequence[str] | None = None,
        epochs: int | None = None,
        backbone: str = "resnet",
        device: str | None = None,
    ):
        for name, data in (("train", train), ("test", test)):
            if not isinstance(data, MultiTaskImages) or len(data) == 0:
                raise ValueError(
                    f"{name} must be non-empty MultiTaskImages (see load_multitask), got {data!r}"
                )
        names = [task.name for task in train.tasks]
        if len(names) < 2:
            raise ValueError(
                f"a TaskBalancer needs a dataset with at least 2 tasks to balance; {train.name} "
                f"has {names}"
            )
        if [task.name for task in test.tasks] != names:
            raise ValueError(
                f"test must have the same tasks as train {names}, got "
                f"{[task.name for task in test.tasks]}"
            )
        axes = tuple(names[:2] if tasks is None else tasks)
        if isinstance(tasks, str) or len(axes) != 2 or len(set(axes)) != 2:
            raise ValueError(f"tasks must name two different tasks of {names}, got {tasks!r}")
        unknown = [name for name in axes if name not in names]
        if unknown:
            raise ValueError(
                f"unknown task(s) {unknown} for the trade-off axes; choose two of {names}"
            )
        if backbone not in list_backbones():
            raise ValueError(f"unknown backbone {backbone!r}; choose from {list_backbones()}")
        epochs = runtime.budget(6, 1) if epochs is None else epochs
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}")

        self.train_data = train
        self.test_data = test
        self.pareto_tasks: tuple[Task, Task] = (train.task(axes[0]), train.task(axes[1]))
        self.device = runtime.get_device(device)
        self.runs: list[BalanceRun] = []
        self.last_error: str | None = None
        self._defaults = MultiTaskConfig(backbone=backbone, epochs=epochs)
        self._build_panel()
        self._show_config(self._defaults)
        self.reset()

    # ------------------------------------------------------------------ public API

    @property
    def tasks(self) -> tuple[Task, ...]:
        """Every task trained (the data's tasks, in order)."""
        return self.train_data.tasks

    @property
    def config(self) -> MultiTaskConfig:
        """The run the controls describe now."""
        weighting = self.strategy.value
        weights = None
        if weighting == "fixed":
            weights = {name: float(slider.value) for name, slider in self.weights.items()}
        return replace(
            self._defaults,
            weighting=weighting,
            weights=weights,
            epochs=self.epochs.value,
            seed=int(self.seed.value),
        )

    @property
    def history(self) -> History | None:
        """What the run in progress (or the last one) has recorded so far; None before any."""
        return self._runner.live.history

    @property
    def running(self) -> bool:
        """True while a run is active."""
        return self._runner.running

    def run(self, **overrides: Any) -> None:
        """Start a run in the background with the controls' settings, changed by ``overrides``.

        Exactly what pressing Run does. ``overrides`` are
        :class:`~tlwidgets.train.MultiTaskConfig` fields other than ``tasks`` (every task of
        the data is trained), e.g. ``weighting="fixed", weights={"left": 1, "right": 4},
        epochs=3, seed=1``; the controls show them too. ``weights`` goes with
        ``weighting="fixed"`` only; tasks it leaves out keep their slider's weight, and
        every weight must be > 0. Returns at once; :meth:`wait` blocks until the run ends.
        A bad value never raises: the panel shows "Error: ..." and :attr:`last_error` holds
        the message.
        """
        try:
            if self._runner.running:
                raise RuntimeError("a run is already active: press Stop or wait for it first")
            config = self._config_with(overrides)
            self._check(config)
            self._show_config(config)
            self._start(config)
        except Exception as error:  # shown in the panel: a notebook cell must not fail here
            self._show_error(error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (or ``timeout`` seconds pass); True if no run is active."""
        return self._runner.wait(timeout)

    def stop(self) -> None:
        """Ask the active run to end after its current batch (kept as "stopped", not a point)."""
        self._runner.stop()

    def reset(self) -> None:
        """Forget every run: clear the table and both plots (refused while a run is active)."""
        if self._runner.running:
            self._show_error(RuntimeError("cannot reset while a run is active: press Stop first"))
            return
        self.runs.clear()
        self.last_error = None
        self._runner.forget()
        self._show_runs()
        self.live_plot.refresh(force=True)
        self.controls.set_status("Ready: choose how to weight the tasks and press Run.")

    def pareto_points(self) -> list[ParetoPoint]:
        """The trade-off plot's points: one per completed run, in run order.

        ``x`` and ``y`` are the final test metrics of :attr:`pareto_tasks` (accuracy in
        [0, 1], or MAE); ``on_front`` marks the runs no other run beats on both tasks.
        """
        return trade_off_points(self.runs, self.pareto_tasks)

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ------------------------------------------------------------------ the panel

    def _build_panel(self) -> None:
        style = {"description_width": "initial"}
        self.strategy = widgets.Dropdown(
            options=[(WEIGHTING_LABELS[name], name) for name in WEIGHTINGS],
            description="Strategy",
            tooltip="How the task losses are combined: "
            + "; ".join(f"{WEIGHTING_LABELS[name]}: {TOOLTIPS[name]}" for name in WEIGHTINGS),
            style=style,
            layout=widgets.Layout(width="330px"),
        )
        self.weights: dict[str, widgets.FloatLogSlider] = {}
        for task in self.tasks:
            slider = widgets.FloatLogSlider(
                value=1.0,
                base=10,
                min=WEIGHT_EXPONENTS[0],
                max=WEIGHT_EXPONENTS[1],
                step=0.1,
                readout_format=".3g",
                description=f"Weight {task.name}",
                tooltip=f"Weight of the {task.name} loss in the sum (log scale; used by "
                "'fixed weights' only): a larger weight favours this task",
                style=style,
                layout=widgets.Layout(width="330px"),
            )
            slider.add_class(f"tlw-balancer-weight-{task.name}")
            self.weights[task.name] = slider
        self.epochs = widgets.IntSlider(
            min=1,
            max=50,
            description="Epochs",
            tooltip="Passes over the training images",
            style=style,
            layout=widgets.Layout(width="300px"),
        )
        self.seed = widgets.IntText(
            description="Seed",
            tooltip="The network's initial weights and the batch order",
            style=style,
            layout=widgets.Layout(width="130px"),
        )
        self.controls = RunControls(
            "Run",
            self.device,
            (self.strategy, *self.weights.values(), self.epochs, self.seed),
            stop_tooltip="End the run after the current batch (kept as 'stopped', not a point)",
            status_tooltip="What the balancer is doing",
            css_prefix="tlw-balancer-",
        )
        self.run_button = self.controls.start_button
        self.stop_button, self.reset_button = self.controls.stop_button, self.controls.reset_button
        self.device_label = self.controls.device_label
        self.progress, self.status = self.controls.progress, self.controls.status
        self._runner: LiveRunner[MultiTaskConfig] = LiveRunner(self.controls, self._set_running)
        self.live_plot = FigureImage(
            self._draw_live,
            alt="The run in progress: each task's test metric per epoch, and the task weights "
            "per step",
            figsize=(8.0, 3.0),
            max_busy=LIVE_PLOT_BUSY,
        )
        self.live_plot.widget.add_class("tlw-balancer-live-plot")
        self.pareto_plot = FigureImage(
            lambda figure: draw_pareto(figure, self.pareto_points(), self.pareto_tasks),
            alt="Every finished run as a point: one task's score against the other's, the "
            "Pareto front joined (the runs table below has the numbers)",
            figsize=(6.0, 4.2),
        )
        self.pareto_plot.widget.add_class("tlw-balancer-pareto-plot")
        self.runs_table = widgets.HTML(tooltip="Every finished run; ★: on the Pareto front")
        self.runs_table.add_class("tlw-balancer-runs-table")

        self.strategy.observe(lambda _: self._enable_weights(), names="value")
        self.run_button.on_click(lambda _: self.run())
        self.stop_button.on_click(lambda _: self.stop())
        self.reset_button.on_click(lambda _: self.reset())
        self._enable_weights()
        task_x, task_y = self.pareto_tasks
        self.widget = panel_box(
            [
                widgets.HBox([self.strategy, self.epochs, self.seed]),
                widgets.HBox(
                    list(self.weights.values()), layout=widgets.Layout(flex_flow="row wrap")
                ),
                self.controls.buttons,
                self.progress,
                self.status,
                self.live_plot.widget,
                widgets.HTML(
                    f"<b>Runs: {html.escape(task_x.name)} against {html.escape(task_y.name)}</b>"
                ),
                self.pareto_plot.widget,
                self.runs_table,
            ],
            announce=[self.status],
        )
        self.widget.add_class("tlw-task-balancer")

    def _show_config(self, config: MultiTaskConfig) -> None:
        """Set the controls to ``config``, widening a range where a valid value lies outside."""
        self.strategy.value = config.weighting
        for name, weight in (config.weights or {}).items():
            slider = self.weights[name]
            exponent = math.log10(weight)
            slider.min = min(slider.min, math.floor(exponent))
            slider.max = max(slider.max, math.ceil(exponent))
            slider.value = weight
        self.epochs.max = max(self.epochs.max, config.epochs)
        self.epochs.value = config.epochs
        self.seed.value = config.seed

    def _enable_weights(self) -> None:
        """The weight sliders only matter (and are only enabled) for fixed weights."""
        for slider in self.weights.values():
            slider.disabled = self.controls.locked or self.strategy.value != "fixed"

    def _set_running(self, running: bool) -> None:
        self.controls.set_running(running)
        self._enable_weights()

    def _show_error(self, error: BaseException) -> None:
        self.last_error = str(error) or type(error).__name__
        self.controls.show_error(self.last_error)

    def _show_runs(self) -> None:
        """Redraw the trade-off plot and the runs table from :attr:`runs`."""
        front = {point.run for point in self.pareto_points() if point.on_front}
        self.runs_table.value = runs_table_html(self.runs, self.tasks, front)
        self.pareto_plot.refresh(force=True)

    # ------------------------------------------------------------------ a run

    def _config_with(self, overrides: dict[str, Any]) -> MultiTaskConfig:
        known = [field.name for field in fields(MultiTaskConfig) if field.name != "tasks"]
        if "tasks" in overrides:
            raise TypeError(
                "the balancer trains every task of its data: give it train.select([...]) to "
                "train fewer, and tasks=(a, b) at construction to choose the plot's axes"
            )
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; choose from {known}")
        weighting = overrides.get("weighting", self.strategy.value)
        if weighting not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {weighting!r}; choose from {list(WEIGHTINGS)}")
        weights = overrides.get("weights")
        if weights is not None and weighting != "fixed":
            raise ValueError(
                f"weights are only used with weighting='fixed', not {weighting!r}: add "
                "weighting='fixed' (or leave weights out)"
            )
        if weighting == "fixed":
            weights = {
                **{name: float(slider.value) for name, slider in self.weights.items()},
                **self._checked_weights(weights or {}),
            }
        return replace(self.config, **{**overrides, "weighting": weighting, "weights": weights})

    def _checked_weights(self, weights: Mapping[str, Any]) -> dict[str, float]:
        if not isinstance(weights, Mapping):
            raise ValueError(f"weights must be a dict {{task: weight}}, got {weights!r}")
        unknown = sorted(set(weights) - set(self.weights))
        if unknown:
            raise ValueError(f"weights for unknown task(s) {unknown}; tasks: {list(self.weights)}")
        for name, weight in weights.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, int | float)
                or not (math.isfinite(weight) and weight > 0)
            ):
                raise ValueError(
                    f"the weight of {name!r} must be a number > 0 (0.01 nearly switches a task "
                    f"off), got {weight!r}"
                )
        return {name: float(weight) for name, weight in weights.items()}

    def _check(self, config: MultiTaskConfig) -> None:
        """Refuse what the controls cannot show or training cannot run, naming the bad value."""
        for name in ("epochs", "batch_size", "seed", "cosine_every"):
            value = getattr(config, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        if config.epochs < 1 or config.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got {config.epochs} and {config.batch_size}"
            )
        if not config.lr > 0:
            raise ValueError(f"lr must be > 0, got {config.lr}")
        if config.backbone not in list_backbones():
            raise ValueError(
                f"unknown backbone {config.backbone!r}; choose from {list_backbones()}"
            )

    def _start(self, config: MultiTaskConfig) -> None:
        number = len(self.runs) + 1
        self.last_error = None
        self._runner.start(
            LiveRun(number, config),
            f"Run {number}: preparing {weighting_label(config)} ...",
            lambda live, stop_event: self._train(config, live, stop_event),
            name=f"tlwidgets-balancer-run-{number}",
        )

    def _train(
        self, config: MultiTaskConfig, live: LiveRun[MultiTaskConfig], stop_event: threading.Event
    ) -> None:
        """The background thread: train, then record the run and update the panel."""
        try:
            model, history = train_multitask(
                config,
                self.train_data,
                self.test_data,
                callbacks=[
                    LiveRunCallback(live, self.controls, self.live_plot, self._metrics_text)
                ],
                stop_event=stop_event,
                device=str(self.device),
            )
        except Exception as error:  # shown in the panel; the run is not added
            if isinstance(error, TrainingError):
                live.history = error.history
            self.live_plot.refresh(force=True)  # the final frame stays
            self._show_error(error)
        else:
            live.history = history
            # The final frame first: once the status says the run ended, the plots show it.
            self.live_plot.refresh(force=True)
            run = BalanceRun(number=live.number, config=config, history=history, model=model)
            self.runs.append(run)
            self._show_runs()
            self.controls.show_finished(history.status)
            self.controls.set_status(self._summary(run))

    def _metrics_text(self, history: History) -> list[str]:
        """Each task's last test metric, e.g. ["left acc 45.0%", "rotation MAE 0.412"]."""
        words = []
        for task in self.tasks:
            values = history.series(metric_key(task), per="epoch")
            if values:
                words.append(f"{metric_name(task)} {format_metric(task, values[-1])}")
        return words

    def _summary(self, run: BalanceRun) -> str:
        """The status line of a finished or stopped run."""
        history = run.history
        metrics = ", ".join(self._metrics_text(history)) or "no epoch was evaluated"
        epochs = len(history.epochs)
        if history.status == "stopped":
            return (
                f"Stopped run {run.number} ({weighting_label(run.config)}) after "
                f"{_count(history.num_steps, 'step')} ({epochs} of {run.config.epochs} epochs): "
                f"{metrics}, {history.seconds:.1f} s. A stopped run is not a point of the "
                "trade-off plot."
            )
        front = [point.run for point in self.pareto_points() if point.on_front]
        runs = ("run " if len(front) == 1 else "runs ") + ", ".join(map(str, front))
        task_x, task_y = (task.name for task in self.pareto_tasks)
        where = (
            f"on the Pareto front ({runs})"
            if run.number in front
            else f"not on the Pareto front ({runs}): another run is at least as good on both "
            f"{task_x} and {task_y}"
        )
        return (
            f"Finished run {run.number} ({weighting_label(run.config)}): {metrics} after "
            f"{_count(epochs, 'epoch')} in {history.seconds:.1f} s; {where}."
        )

    def _draw_live(self, figure: Figure) -> None:
        """Each task's test metric per epoch (left) and the task weights per step (right)."""
        metric_axes, weight_axes = figure.subplots(1, 2)
        live = self._runner.live
        history, config = live.history, live.config
        accuracy_tasks = [t for t in self.tasks if t.kind == "classification"]
        error_tasks = [t for t in self.tasks if t.kind != "classification"]
        # MAEs have their own scale: on a second y-axis when accuracies share the plot.
        error_axes = metric_axes.twinx() if accuracy_tasks and error_tasks else metric_axes
        # each task its own colour and marker in both plots, so none is told by colour alone
        colours = {task.name: PALETTE[i % len(PALETTE)] for i, task in enumerate(self.tasks)}
        markers = {task.name: MARKERS[i % len(MARKERS)] for i, task in enumerate(self.tasks)}
        if history is not None:
            for task in self.tasks:
                values = history.series(metric_key(task), per="epoch")
                if not values:
                    continue
                epochs = range(1, len(values) + 1)
                if task.kind == "classification":
                    metric_axes.plot(
                        epochs,
                        [100 * v for v in values],
                        marker=markers[task.name],
                        color=colours[task.name],
                        label=metric_name(task),
                    )
                else:
                    error_axes.plot(
                        epochs,
                        values,
                        marker=markers[task.name],
                        ls="--",
                        color=colours[task.name],
                        label=metric_name(task),
                    )
            steps = history.series("step")
            few = len(steps) < 30  # markers, so that a run of one or two steps still shows
            shown: list[float] = []  # every weight drawn, to choose the y scale
            for task in self.tasks:
                weights = history.series(f"weight_{task.name}")
                if weights and len(weights) == len(steps):
                    shown.extend(weights)
                    weight_axes.plot(
                        steps,
                        weights,
                        lw=1,
                        marker=markers[task.name],
                        markevery=1 if few else max(1, len(steps) // 8),
                        ms=3,
                        color=colours[task.name],
                        label=task.name,
                    )
            if shown and min(shown) > 0 and max(shown) >= 10 * min(shown):
                weight_axes.set_yscale("log")  # hand-set weights span 0.01 .. 100
            both = [metric_axes] if error_axes is metric_axes else [metric_axes, error_axes]
            handles = [h for axes in both for h in axes.get_legend_handles_labels()[0]]
            if handles:
                metric_axes.legend(handles=handles, fontsize="x-small", loc="lower left")
            if steps:
                weight_axes.legend(fontsize="x-small", loc="best")
        if live.total_steps:
            weight_axes.set_xlim(0, live.total_steps)
        if config is not None:
            metric_axes.set_xlim(0.5, config.epochs + 0.5)
            figure.suptitle(f"run {live.number}: {weighting_label(config)}", fontsize="medium")
        metric_axes.set_title("test metric after each epoch", fontsize="medium")
        metric_axes.set_xlabel("epoch")
        metric_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if accuracy_tasks:
            metric_axes.set_ylabel("accuracy (%)")
            metric_axes.set_ylim(0, 100)
        if error_tasks:
            error_axes.set_ylabel("MAE (dashed)")
        weight_axes.set_title("task weights per step", fontsize="medium")
        weight_axes.set_xlabel("step")
        for axes in (metric_axes, weight_axes):
            axes.grid(alpha=0.3)
        # Fixed margins: tight_layout would cost a second full draw on every frame.
        twin = error_axes is not metric_axes  # room for its y-axis label on the right
        figure.subplots_adjust(
            left=0.07, right=0.98, bottom=0.16, top=0.8, wspace=0.45 if twin else 0.25
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
