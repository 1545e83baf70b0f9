"""FineTuneLab: fine-tune a pretrained backbone on a target dataset while the learner watches.

Pick a strategy (scratch, linear probe, fine-tune all, fine-tune the top stages), a freeze
depth, learning rates, epochs and how many labels per class, then press Train: the loss and
the target (and source) accuracy are drawn live, Stop ends the run within one batch, and
every finished run joins a table and a comparison plot::

    lab = FineTuneLab(load_domain("mnist", "train"), load_domain("mnist", "test"))
    lab                                   # the panel
    lab.train(strategy="linear_probe", epochs=3)
    lab.wait()
    lab.runs[-1].history.last("target_acc")

The panel only configures and calls :func:`tlwidgets.train.transfer`; training runs in a
background thread (:class:`~tlwidgets.widgets.live_run.LiveRunner`) and the plots are
throttled by :class:`~tlwidgets.widgets.figure_image.FigureImage`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import fields, replace
from typing import Any

import ipywidgets as widgets
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import runtime
from ..data import LabelledImages
from ..models import create_backbone
from ..train import (
    STRATEGIES,
    History,
    SourceTask,
    TrainingError,
    TransferConfig,
    load_source_task,
    transfer,
)
from ..viz.palette import use_palette
from .figure_image import FigureImage
from .live_run import LIVE_PLOT_BUSY, LiveRun, LiveRunCallback, LiveRunner
from .run_controls import RunControls
from .runs import STRATEGY_LABELS, Run, draw_comparison, run_label, runs_table_html
from .screen_reader import panel_box

__all__ = ["FineTuneLab"]

LABEL_CHOICES = (1, 2, 5, 10, 20, 50, "all")  # the "Labels per class" options


class FineTuneLab:
    """A panel that fine-tunes ``pretrained`` on ``train_data`` and compares the runs.

    Parameters
    ----------
    train_data
        The target training pool; ``labels_per_class`` examples per class are drawn from it.
    val_data
        The target split the accuracy is measured on after every epoch.
    backbone
        A registered architecture (see :func:`tlwidgets.models.list_backbones`).
    pretrained
        The zoo entry to start from; None trains from scratch whatever the strategy.
    source
        The source task to watch for forgetting: a :class:`~tlwidgets.train.SourceTask`,
        None, or "auto" (the pretrained entry's own task, when there is one).
    config
        The controls' initial values (and the batch size, which has no control); default a
        learner-friendly fine-tune-all run sized by :func:`tlwidgets.runtime.budget`.
    device
        "cpu", "cuda" or "mps"; default the best available.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel.
    runs : list of Run
        Every finished or stopped run since the last reset (failed runs are not added).
    last_error : str or None
        The message of the last error shown in the panel (None after a successful start).
    """

    def __init__(
        self,
        train_data: LabelledImages,
        val_data: LabelledImages,
        *,
        backbone: str = "resnet",
        pretrained: str | None = "glyphs-resnet",
        source: SourceTask | str | None = "auto",
        config: TransferConfig | None = None,
        device: str | None = None,
    ):
        if isinstance(source, str):
            if source != "auto":
                raise ValueError(f"source must be a SourceTask, None or 'auto', got {source!r}")
            source = None
            if pretrained is not None:
                source = load_source_task(pretrained, max_examples=runtime.budget(1000, 200))
        self.train_data = train_data
        self.val_data = val_data
        self.backbone = backbone
        self.pretrained = pretrained
        self.source = source
        self.device = runtime.get_device(device)
        # Stages are the same with any head, so a headless random build is enough to count.
        self.num_stages = len(create_backbone(backbone, num_classes=1).stages)
        self.runs: list[Run] = []
        self.last_error: str | None = None
        self._defaults = config or TransferConfig(
            epochs=runtime.budget(10, 2), labels_per_class=runtime.budget(10, 5)
        )
        self._build_panel()
        self._show_config(self._defaults)
        self.reset()

    # ------------------------------------------------------------------ public API

    @property
    def config(self) -> TransferConfig:
        """The run the controls describe now."""
        labels = self.labels_per_class.value
        return replace(
            self._defaults,
            strategy=self.strategy.value,
            freeze_depth=self.freeze_depth.value,
            lr=self.lr.value,
            backbone_lr_ratio=self.ratio.value,
            epochs=self.epochs.value,
            labels_per_class=None if labels == "all" else int(labels),
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

    def train(self, **overrides: Any) -> None:
        """Start a run in the background with the controls' settings, changed by ``overrides``.

        ``overrides`` are :class:`~tlwidgets.train.TransferConfig` fields
        (``strategy="linear_probe", epochs=3``); the controls show them too. Returns at once;
        :meth:`wait` blocks until the run ends. A bad value never raises: the panel shows
        "Error: ..." and :attr:`last_error` holds the message.
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
        """Ask the active run to end after its current batch (it is kept as "stopped")."""
        self._runner.stop()

    def reset(self) -> None:
        """Forget every run: clear the table and both plots (refused while a run is active)."""
        if self._runner.running:
            self._show_error(RuntimeError("cannot reset while a run is active: press Stop first"))
            return
        self.runs.clear()
        self.last_error = None
        self._runner.forget()
        self.runs_table.value = runs_table_html(self.runs)
        self.live_plot.refresh(force=True)
        self.compare_plot.refresh(force=True)
        self.controls.set_status("Ready: choose a strategy and press Train.")

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ------------------------------------------------------------------ the panel

    def _build_panel(self) -> None:
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="340px")
        self.strategy = widgets.Dropdown(
            options=[(STRATEGY_LABELS[name], name) for name in STRATEGIES],
            description="Strategy",
            tooltip="scratch: random weights; linear probe: train only a new head; fine-tune "
            "all: every stage, the backbone at a lower rate; fine-tune top stages: freeze "
            "the first 'Freeze depth' stages",
            style=style,
            layout=wide,
        )
        self.freeze_depth = widgets.IntSlider(
            min=0,
            max=self.num_stages,
            description="Freeze depth",
            tooltip=f"How many of the {self.num_stages} leading stages stay frozen. Only used by "
            "'fine-tune top stages' (linear probe freezes all, the others none)",
            style=style,
            layout=wide,
        )
        self.lr = widgets.FloatLogSlider(
            min=-4,
            max=-1,
            step=0.1,
            readout_format=".1e",
            description="Learning rate",
            tooltip="Learning rate of the new head (of everything, from scratch)",
            style=style,
            layout=wide,
        )
        self.ratio = widgets.FloatLogSlider(
            min=-3,
            max=0,
            step=0.1,
            readout_format=".2g",
            description="Backbone LR ratio",
            tooltip="Backbone learning rate / head learning rate when fine-tuning "
            "(0.1: the pretrained stages move 10x more slowly than the new head)",
            style=style,
            layout=wide,
        )
        self.epochs = widgets.IntSlider(
            min=1,
            max=50,
            description="Epochs",
            tooltip="Passes over the selected target examples",
            style=style,
            layout=wide,
        )
        self.labels_per_class = widgets.Dropdown(
            options=[(str(choice), choice) for choice in LABEL_CHOICES],
            description="Labels per class",
            tooltip="Labelled target examples per class to train on ('all': the whole pool)",
            style=style,
            layout=widgets.Layout(width="200px"),
        )
        self.seed = widgets.IntText(
            description="Seed",
            tooltip="Which examples are drawn, the new head's start and the batch order",
            style=style,
            layout=widgets.Layout(width="130px"),
        )
        self.controls = RunControls(
            "Train",
            self.device,
            (
                self.strategy,
                self.freeze_depth,
                self.lr,
                self.ratio,
                self.epochs,
                self.labels_per_class,
                self.seed,
            ),
            stop_tooltip="End the run after the current batch (it is kept as 'stopped')",
            status_tooltip="What the lab is doing",
            css_prefix="tlw-",
        )
        self.train_button = self.controls.start_button
        self.stop_button, self.reset_button = self.controls.stop_button, self.controls.reset_button
        self.device_label = self.controls.device_label
        self.progress, self.status = self.controls.progress, self.controls.status
        self._runner: LiveRunner[TransferConfig] = LiveRunner(self.controls)
        self.live_plot = FigureImage(
            self._draw_live,
            alt="The run in progress: training loss per step, and target (validation) accuracy "
            "per epoch",
            figsize=(8.0, 3.0),
            max_busy=LIVE_PLOT_BUSY,
        )
        self.live_plot.widget.add_class("tlw-live-plot")
        self.compare_plot = FigureImage(
            lambda figure: draw_comparison(figure, self.runs),
            alt="Every finished run's target accuracy per epoch, one line per run (the runs table "
            "below has the numbers)",
            figsize=(8.0, 3.2),
        )
        self.compare_plot.widget.add_class("tlw-compare-plot")
        self.runs_table = widgets.HTML(tooltip="Every finished run")
        self.runs_table.add_class("tlw-runs-table")

        self.train_button.on_click(lambda _: self.train())
        self.stop_button.on_click(lambda _: self.stop())
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = panel_box(
            [
                widgets.HBox([self.strategy, self.freeze_depth]),
                widgets.HBox([self.lr, self.ratio]),
                widgets.HBox([self.epochs, self.labels_per_class, self.seed]),
                self.controls.buttons,
                self.progress,
                self.status,
                self.live_plot.widget,
                widgets.HTML("<b>Runs</b>"),
                self.compare_plot.widget,
                self.runs_table,
            ],
            announce=[self.status],
        )
        self.widget.add_class("tlw-finetune-lab")

    def _show_config(self, config: TransferConfig) -> None:
        """Set the controls to ``config``, widening a range where a valid value lies outside."""
        self.strategy.value = config.strategy
        self.freeze_depth.value = config.freeze_depth
        for slider, value in ((self.lr, config.lr), (self.ratio, config.backbone_lr_ratio)):
            exponent = math.log10(value)
            slider.min = min(slider.min, math.floor(exponent))
            slider.max = max(slider.max, math.ceil(exponent))
            slider.value = value
        self.epochs.max = max(self.epochs.max, config.epochs)
        self.epochs.value = config.epochs
        labels = "all" if config.labels_per_class is None else config.labels_per_class
        counts = [value for _, value in self.labels_per_class.options if value != "all"]
        if labels != "all" and labels not in counts:  # e.g. 3 from code: offer it as a choice
            self.labels_per_class.options = [
                (str(c), c) for c in [*sorted({*counts, labels}), "all"]
            ]
        self.labels_per_class.value = labels
        self.seed.value = config.seed

    def _show_error(self, error: BaseException) -> None:
        self.last_error = str(error)
        self.controls.show_error(self.last_error)

    # ------------------------------------------------------------------ a run

    def _config_with(self, overrides: dict[str, Any]) -> TransferConfig:
        known = [field.name for field in fields(TransferConfig)]
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; choose from {known}")
        if overrides.get("labels_per_class") == "all":
            overrides = {**overrides, "labels_per_class": None}
        return replace(self.config, **overrides)

    def _check(self, config: TransferConfig) -> None:
        """Refuse what the controls cannot show or training cannot run, naming the bad value."""
        if not 0 <= config.freeze_depth <= self.num_stages:
            raise ValueError(
                f"freeze depth {config.freeze_depth} is impossible for the {self.backbone!r} "
                f"backbone with {self.num_stages} stages; choose 0 (train all) to "
                f"{self.num_stages} (head only)"
            )
        for name in ("epochs", "batch_size", "seed"):
            if not isinstance(getattr(config, name), int):
                raise ValueError(f"{name} must be a whole number, got {getattr(config, name)!r}")
        if config.epochs < 1 or config.batch_size < 1:
            raise ValueError(
                f"epochs and batch_size must be >= 1, got {config.epochs} and {config.batch_size}"
            )
        if not (config.lr > 0 and config.backbone_lr_ratio > 0):
            raise ValueError(
                f"lr and backbone_lr_ratio must be > 0, got {config.lr} and "
                f"{config.backbone_lr_ratio}"
            )
        labels = config.labels_per_class
        if labels is not None and not isinstance(labels, int):
            raise ValueError(f"labels_per_class must be a whole number or 'all', got {labels!r}")

    def _start(self, config: TransferConfig) -> None:
        number = len(self.runs) + 1
        self.last_error = None
        self._runner.start(
            LiveRun(number, config),
            f"Run {number}: preparing {run_label(config)} ...",
            lambda live, stop_event: self._train(config, live, stop_event),
            name=f"tlwidgets-finetune-run-{number}",
        )

    def _train(
        self, config: TransferConfig, live: LiveRun[TransferConfig], stop_event: threading.Event
    ) -> None:
        """The background thread: train, then record the run and update the panel."""
        try:
            model, history = transfer(
                config,
                backbone=self.backbone,
                pretrained=self.pretrained,
                train_data=self.train_data,
                val_data=self.val_data,
                source=self.source,
                callbacks=[LiveRunCallback(live, self.controls, self.live_plot, _metrics_text)],
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
            # the final frame first, so the plot is complete once the status says "finished"
            self.live_plot.refresh(force=True)
            run = Run(number=live.number, config=config, history=history, model=model)
            self.runs.append(run)
            self.runs_table.value = runs_table_html(self.runs)
            self.compare_plot.refresh(force=True)
            self.controls.show_finished(history.status)
            self.controls.set_status(_summary(run))

    def _draw_live(self, figure: Figure) -> None:
        """Train loss per step (left) and validation accuracy per epoch (right)."""
        loss_axes, acc_axes = figure.subplots(1, 2)
        use_palette((loss_axes, acc_axes))
        live = self._runner.live
        history, config = live.history, live.config
        if history is not None:
            steps = history.series("step")
            few = len(steps) < 30  # markers, so that a run of one or two steps still shows
            loss_axes.plot(steps, history.series("loss"), lw=1, marker="." if few else None)
            target = history.series("target_acc", per="epoch")
            source = history.series("source_acc", per="epoch")
            epochs = range(1, len(target) + 1)
            acc_axes.plot(epochs, [100 * a for a in target], marker="o", label="target (val)")
            if source:
                acc_axes.plot(epochs, [100 * a for a in source], marker="s", label="source")
            if target:
                acc_axes.legend(fontsize="small", loc="lower left")
        if live.total_steps:
            loss_axes.set_xlim(0, live.total_steps)
        if config is not None:
            acc_axes.set_xlim(0.5, config.epochs + 0.5)
            figure.suptitle(
                f"run {live.number}: {run_label(config)}",
                fontsize="medium",
            )
        loss_axes.set_title("training loss", fontsize="medium")
        loss_axes.set_xlabel("step")
        acc_axes.set_title("accuracy after each epoch", fontsize="medium")
        acc_axes.set_xlabel("epoch")
        acc_axes.set_ylabel("%")
        acc_axes.set_ylim(0, 100)
        acc_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        for axes in (loss_axes, acc_axes):
            axes.grid(alpha=0.3)
        # Fixed margins: tight_layout would cost a second full draw on every frame.
        figure.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.8, wspace=0.22)


def _metrics_text(history: History) -> list[str]:
    """The last epoch's accuracies, e.g. ["target acc 81.0%", "source acc 97.5%"]."""
    if not history.epochs:
        return []
    last = history.epochs[-1]
    words = [f"target acc {100 * last['target_acc']:.1f}%"]
    if "source_acc" in last:
        words.append(f"source acc {100 * last['source_acc']:.1f}%")
    return words


def _summary(run: Run) -> str:
    """The status line of a finished or stopped run."""
    history = run.history
    if run.final_target_acc is None:
        accuracy = "no epoch was evaluated"
    else:
        accuracy = f"target accuracy {100 * run.final_target_acc:.1f}%"
        accuracy += f" (best {100 * run.best_target_acc:.1f}%)"
        if run.final_source_acc is not None:
            accuracy += f", source accuracy {100 * run.final_source_acc:.1f}%"
    if history.status == "stopped":
        total = history.config.get("epochs", run.config.epochs)
        return (
            f"Stopped run {run.number} after {_count(history.num_steps, 'step')} "
            f"({len(history.epochs)} of {total} epochs): {accuracy}, {history.seconds:.1f} s"
        )
    return (
        f"Finished run {run.number}: {accuracy}, {_count(len(history.epochs), 'epoch')} in "
        f"{history.seconds:.1f} s"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
