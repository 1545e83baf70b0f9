"""DomainShiftExplorer: dial a domain shift, watch accuracy fall, and adapt to win it back.

Sliders shift a target domain (rotation, blur, noise, colour/background blend, resolution);
the panel shows shifted samples, the source-only model's accuracy on the shifted target and
how separable the two domains are in its features. Adapt trains a model with a domain
adaptation method on the shifted target in the background; its accuracy joins the curves::

    mnist, mnist_test = load_domain("mnist", "train"), load_domain("mnist", "test")
    explorer = DomainShiftExplorer(mnist, mnist, mnist_test)
    explorer                              # the panel; the source-only model trains first
    explorer.show(rotation=45, noise=0.2)
    explorer.adapt(method="dann")
    explorer.wait()
    explorer.points[-1]                   # {"method": "dann", "acc": ..., ...}

With one domain as both source and target, the dialled shift is the only difference
between them. The panel only configures and calls :func:`tlwidgets.train.adapt` and the
scoring of :mod:`~tlwidgets.widgets.shift_scoring`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from typing import Any

from IPython.display import display
from matplotlib.figure import Figure
from torch import Tensor, nn

from .. import runtime
from ..data import LabelledImages
from ..data.shift import Shift, apply_shift
from ..train import Callback, FitState, History, TrainingError
from ..train.adaptation import METHODS, AdaptConfig, adapt
from .background import BackgroundRun
from .shift_panel import ShiftPanel
from .shift_points import (
    METHOD_LABELS,
    SHIFT_CONTROLS,
    draw_curves,
    draw_samples,
    points_table_html,
    record_point,
)
from .shift_scoring import ShiftScore, ShiftScorer, sample_indices, subsample

__all__ = ["DomainShiftExplorer"]

ADAPT_METHODS = tuple(method for method in METHODS if method != "source_only")
CONTROLS = {control.name: control for control in SHIFT_CONTROLS}
SAMPLES = 16  # shifted target images shown
STATUS_INTERVAL = 0.1  # seconds between status updates while training (<= 10/s)


class _RunCallback(Callback):
    """Forwards the training loop's reports (from the training thread) to the explorer."""

    def __init__(self, explorer: DomainShiftExplorer, what: str, method: str | None = None):
        self.explorer = explorer
        self.what = what  # e.g. "Adapting with DANN at rotation 45°"
        self.method = method  # the adaptation method; None while the source model trains
        self._next_status = float("-inf")

    def on_step(self, state: FitState) -> None:
        """Update the progress bar and, sparsely, the status text."""
        self.explorer.history = state.history
        if time.perf_counter() >= self._next_status:
            self._next_status = time.perf_counter() + STATUS_INTERVAL
            self.explorer._show_progress(self.what, state)

    def on_epoch(self, state: FitState) -> None:
        """Show the epoch's target accuracy; an adapting run marks it on the curve."""
        self.explorer._show_progress(self.what, state)
        accs = state.history.series("target_acc", per="epoch")
        if self.method is not None and accs:
            self.explorer._live = (self.method, accs[-1])
            self.explorer.panel.curves.refresh()  # throttled: at most a few redraws a second


class DomainShiftExplorer:
    """A shift generator, the source-only model's accuracy under it, and domain adaptation.

    Parameters
    ----------
    source_train
        Labelled source images, e.g. ``load_domain("mnist", "train")``.
    target_train, target_test
        The target domain the shift is applied to; give the source's own domain (MNIST train
        and test) to make the dialled shift the only difference between the domains.
    source_test
        Source images whose features are compared with the shifted target's for the
        separability score; default ``source_train``.
    source_model
        A trained source classifier (a tlwidgets backbone). None trains one in the
        background as soon as the explorer is built (:func:`tlwidgets.train.adapt` with
        method "source_only"): the status line shows its progress, :meth:`wait` blocks until
        it is ready, and construction itself never blocks.
    method, backbone, epochs, seed
        The initial :class:`~tlwidgets.train.adaptation.AdaptConfig` of Adapt (``epochs``
        also trains the source model); ``epochs`` defaults to ``runtime.budget(5, 1)``.
    max_images
        At most this many target test (and source) images are scored at every shift (a
        seeded random subset); default ``runtime.budget(1000, 100)``.
    device
        "cpu", "cuda" or "mps"; default the best available.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The panel.
    points : list of dict
        Every measurement since the last reset: ``{"control", "value", "method", "acc",
        "separability", "status", "shift"}``: the "Curve along" control and its value, the
        method ("source_only" for the source model), target accuracy and domain
        separability in [0, 1], "completed" or "stopped", and the whole :class:`Shift`.
        One point per shift and method: measuring again replaces it.
    source_accuracy, separability : float or None
        The source-only model's numbers at the current shift (None before it exists).
    source_model, adapted_model : nn.Module or None
        The baseline, and the model of the last Adapt run.
    history : History or None
        What the run in progress (or the last one) has recorded so far.
    last_error : str or None
        The message of the last error shown in the panel (None after a success).
    """

    def __init__(
        self,
        source_train: LabelledImages,
        target_train: LabelledImages,
        target_test: LabelledImages,
        *,
        source_test: LabelledImages | None = None,
        source_model: nn.Module | None = None,
        method: str = "dann",
        backbone: str = "resnet",
        epochs: int | None = None,
        max_images: int | None = None,
        seed: int = 0,
        device: str | None = None,
    ):
        for name, data in (("source_train", source_train), ("target_train", target_train)):
            if not isinstance(data, LabelledImages) or len(data) == 0:
                raise ValueError(f"{name} must be non-empty LabelledImages, got {data!r}")
        for name, data in (("target_test", target_test), ("source_test", source_test)):
            if (data is not None or name == "target_test") and not (
                isinstance(data, LabelledImages) and len(data) >= 2
            ):
                raise ValueError(f"{name} must be LabelledImages with >= 2 images, got {data!r}")
        if source_model is not None and not isinstance(source_model, nn.Module):
            raise ValueError(f"source_model must be a trained model or None, got {source_model!r}")
        if method not in ADAPT_METHODS:
            raise ValueError(f"unknown method {method!r}; choose one of {ADAPT_METHODS}")
        self._defaults = AdaptConfig(
            method=method, backbone=backbone, epochs=epochs or runtime.budget(5, 1), seed=seed
        )
        cap = int(max_images or runtime.budget(1000, 100))
        self.source_train = source_train
        self.target_train = target_train
        self.seed = seed
        self.device = runtime.get_device(device)
        self.scorer = ShiftScorer(
            subsample(target_test, cap, seed),
            subsample(source_test or source_train, cap, seed + 1),
            seed=seed,
        )
        self._samples = sample_indices(self.scorer.target.labels, SAMPLES, seed)
        self.source_model = source_model
        self.source_status = "completed"  # how the source model's training ended
        self.adapted_model: nn.Module | None = None
        self.history: History | None = None
        self.points: list[dict[str, Any]] = []
        self.source_accuracy: float | None = None
        self.separability: float | None = None
        self.last_error: str | None = None

        self._run = BackgroundRun()
        self._lock = threading.Lock()  # guards the queued Adapt
        self._render_lock = threading.RLock()  # one measurement and redraw at a time
        self._accepting = False  # True while an Adapt may queue behind the source training
        self._queued: tuple[AdaptConfig, Shift] | None = None
        self._quiet = 0  # > 0 while show()/reset() set several sliders at once
        self._scores: dict[Shift, ShiftScore] = {}  # the source model's, per shift
        self._shown = Shift()  # the shift the panel shows
        self._samples_scene: tuple[Tensor, list[str], list[str] | None, str] | None = None
        self._live: tuple[str, float] | None = None  # (method, target acc) of a running Adapt
        self.panel = panel = ShiftPanel(
            ADAPT_METHODS, self.device, self._draw_samples, self._draw_curves
        )
        self.widget = panel.widget
        for slider in panel.sliders.values():
            slider.observe(lambda _: self._update(), names="value")
        panel.sweep.observe(lambda _: self._redraw_curves(), names="value")
        panel.adapt_button.on_click(lambda _: self.adapt())
        panel.stop_button.on_click(lambda _: self.stop())
        panel.reset_button.on_click(lambda _: self.reset())
        panel.show_config(self._defaults)
        self._update()
        if source_model is None:
            self._start(None)

    # ------------------------------------------------------------------ public API

    @property
    def shift(self) -> Shift:
        """The shift the sliders describe now."""
        return self.panel.shift

    @property
    def config(self) -> AdaptConfig:
        """The Adapt run the controls describe now."""
        panel = self.panel
        return replace(self._defaults, method=panel.method.value, epochs=panel.epochs.value)

    @property
    def running(self) -> bool:
        """True while the source model trains or an Adapt run is active."""
        return self._run.running

    def show(self, **shift_values: Any) -> None:
        """Set sliders from code (``rotation=45, noise=0.2``) and measure; blocks until shown.

        Waits for an active run first, so that its result is in. A bad value never raises:
        the panel shows "Error: ..." and :attr:`last_error` holds the message.
        """
        try:
            unknown = sorted(set(shift_values) - set(CONTROLS))
            if unknown:
                raise ValueError(f"unknown shift control(s) {unknown}; choose from {[*CONTROLS]}")
            for name, value in shift_values.items():
                CONTROLS[name].check(value)
            Shift(**{**vars(self.shift), **shift_values})  # the library's own checks
            self._run.wait()
            with self._quietly():
                for name, value in shift_values.items():
                    self.panel.sliders[name].value = value
            self._update()
        except Exception as error:  # shown in the panel: a notebook cell must not fail here
            self._show_error(error)

    def adapt(self, **overrides: Any) -> None:
        """Adapt to the current shift in the background with the controls' settings.

        ``overrides`` are :class:`~tlwidgets.train.adaptation.AdaptConfig` fields
        (``method="coral", epochs=3, weight=0.5``). Returns at once (while the source model
        still trains, the run is queued behind it); :meth:`wait` blocks until it ends. A bad
        value never raises: the panel shows "Error: ..." and :attr:`last_error` says why.
        """
        try:
            config = self._config_with(overrides)
            with self._lock:
                if self._run.running and self._accepting:
                    self._queued, self._accepting = (config, self.shift), False
                    self.panel.show_config(config)
                    self.last_error = None
                    self.panel.set_status(
                        f"Adapt with {METHOD_LABELS[config.method]} queued: it starts when "
                        "the source-only model is ready."
                    )
                    return
            if self._run.running:
                raise RuntimeError("a run is already active: press Stop or wait for it first")
            self.panel.show_config(config)
            self._start((config, self.shift))
        except Exception as error:  # shown in the panel: a notebook cell must not fail here
            self._show_error(error)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the active run ends (or ``timeout`` seconds pass); True if none is active."""
        return self._run.wait(timeout)

    def stop(self) -> None:
        """End the active run after its current batch; what it reached is kept as "stopped"."""
        with self._lock:
            self._queued, self._accepting = None, False
        if self._run.running:
            self._run.stop()
            self.panel.set_status("Stopping after this batch ...")

    def reset(self) -> None:
        """Forget every point and set the sliders back to no shift (refused during a run)."""
        if self._run.running:
            self._show_error(RuntimeError("cannot reset while a run is active: press Stop first"))
            return
        with self._render_lock:
            self.points.clear()
            self.history = None
            self.panel.progress.value, self.panel.progress.bar_style = 0.0, ""
            with self._quietly():
                for name, slider in self.panel.sliders.items():
                    slider.value = CONTROLS[name].none
            self._update("Reset: every point is cleared. ")

    def _ipython_display_(self) -> None:
        display(self.widget)

    # ------------------------------------------------------------------ measuring

    def _show_error(self, error: BaseException) -> None:
        self.last_error = str(error) or type(error).__name__
        self.panel.set_status(f"Error: {self.last_error}")
        self.panel.progress.bar_style = "danger"

    @contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change several sliders with one measurement at the end, not one per slider."""
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _point(self, shift: Shift, method: str, score: ShiftScore, status: str) -> dict[str, Any]:
        control = self.panel.sweep.value
        return {
            "control": control,
            "value": getattr(shift, control),
            "method": method,
            "acc": score.acc,
            "separability": score.separability,
            "status": status,
            "shift": shift,
        }

    def _update(self, prefix: str = "") -> None:
        """Measure the current shift and redraw; any error goes to the status line."""
        if self._quiet:
            return
        with self._render_lock:
            try:
                summary = self._render()
            except Exception as error:  # the panel stays usable; the message says what failed
                self._show_error(error)
            else:
                self.last_error = None
                if prefix or not self.running:  # a run's own status stays until it ends
                    self.panel.set_status(prefix + summary)

    def _render(self) -> str:
        shift = self._shown = self.shift
        data = self.scorer.shifted(shift)
        classes = [str(name) for name in data.classes]
        labels = [classes[i] for i in data.labels[self._samples].tolist()]
        guesses = None
        if self.source_model is None:
            self.source_accuracy = self.separability = None
            summary = f"{shift.describe()}: the source-only model is not trained yet."
        else:
            if shift not in self._scores:
                self._scores[shift] = self.scorer.score(self.source_model, shift)
            score = self._scores[shift]
            record_point(self.points, self._point(shift, "source_only", score, self.source_status))
            self.source_accuracy, self.separability = score.acc, score.separability
            guesses = [classes[i] for i in score.predicted[self._samples].tolist()]
            summary = (
                f"{shift.describe()}: source-only accuracy {100 * score.acc:.1f}%, "
                f"domain separability {score.separability:.2f}."
            )
        title = f"target test images, {shift.describe()}"
        title += "" if guesses is None else " (label→source-only guess)"
        self._samples_scene = (data.images[self._samples], labels, guesses, title)
        self.panel.samples.refresh(force=True)
        self.panel.curves.refresh(force=True)
        self.panel.metrics.value = self._metrics_html()
        return summary

    def _metrics_html(self) -> str:
        numbers = "source-only accuracy \N{EM DASH} · domain separability \N{EM DASH}"
        if self.source_accuracy is not None:
            numbers = (
                f"source-only accuracy <b>{100 * self.source_accuracy:.1f}%</b> · domain "
                f"separability <b>{self.separability:.2f}</b> (0: alike, 1: apart)"
            )
        scored = (
            f"{len(self.scorer.target)} target and {len(self.scorer.source)} source images scored"
        )
        table = points_table_html(self.points, self._shown)
        return f"{numbers}<br>{table}<small>{scored}</small>"

    def _draw_samples(self, figure: Figure) -> None:
        if self._samples_scene is not None:
            draw_samples(figure, *self._samples_scene)

    def _redraw_curves(self) -> None:
        try:
            self.panel.curves.refresh(force=True)
        except Exception as error:  # shown in the panel, never raised into the front end
            self._show_error(error)

    def _draw_curves(self, figure: Figure) -> None:
        draw_curves(figure, self.points, self._shown, CONTROLS[self.panel.sweep.value], self._live)

    # ------------------------------------------------------------------ a run

    def _config_with(self, overrides: dict[str, Any]) -> AdaptConfig:
        known = [field.name for field in fields(AdaptConfig)]
        unknown = sorted(set(overrides) - set(known))
        if unknown:
            raise TypeError(f"unknown setting(s) {unknown}; choose from {known}")
        for name in ("epochs", "batch_size", "seed"):
            value = overrides.get(name, 1)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        method = overrides.get("method", self.panel.method.value)
        if method not in ADAPT_METHODS:
            raise ValueError(
                f"unknown method {method!r}; choose one of {ADAPT_METHODS} (the source-only "
                "curve comes from the explorer's own source model)"
            )
        return replace(self.config, **overrides)  # AdaptConfig checks the values

    def _start(self, job: tuple[AdaptConfig, Shift] | None) -> None:
        """Start ``job`` (an Adapt at a shift) in the background, after the source model."""
        self.last_error = None
        self.panel.progress.value, self.panel.progress.bar_style = 0.0, "info"
        self._accepting = job is None  # only the source model trains: an Adapt may queue
        if self.source_model is None:
            self.panel.set_status("Training the source-only model ...")
        self.panel.set_running(True)
        try:
            self._run.start(lambda stop_event: self._work(job, stop_event), name="tlwidgets-shift")
        except BaseException:
            self.panel.set_running(False)
            raise

    def _work(self, job: tuple[AdaptConfig, Shift] | None, stop_event: threading.Event) -> None:
        """The background thread: train the source model if missing, then adapt if asked."""
        try:
            if self.source_model is None:
                self._train_source(stop_event)
                with self._lock:
                    queued, self._queued, self._accepting = self._queued, None, False
                job = None if stop_event.is_set() else job or queued
            if job is not None:
                self._adapt(*job, stop_event)
        except Exception as error:  # shown in the panel; no point is added
            if isinstance(error, TrainingError):
                self.history = error.history
            self._show_error(error)
        finally:
            with self._lock:
                self._queued, self._accepting = None, False
            self._live = None
            self.panel.set_running(False)

    def _train_source(self, stop_event: threading.Event) -> None:
        config = replace(self.config, method="source_only")
        what = f"Source-only model ({config.backbone})"
        model, history = adapt(
            config,
            source=self.source_train,
            target=self.target_train,
            target_test=self.scorer.shifted(Shift()),
            callbacks=[_RunCallback(self, what)],
            stop_event=stop_event,
            device=str(self.device),
        )
        self.history = history
        with self._render_lock:
            self.source_model, self.source_status = model, history.status
            self._scores.clear()
        self._finish_progress(history)
        state = "stopped early" if history.status == "stopped" else "ready"
        self._update(f"{what} {state} ({_epochs(history)}, {history.seconds:.1f} s). ")

    def _adapt(self, config: AdaptConfig, shift: Shift, stop_event: threading.Event) -> None:
        label = METHOD_LABELS[config.method]
        what = f"Adapting with {label} at {shift.describe()}"
        self.panel.set_status(f"{what}: preparing ...")
        shifted = apply_shift(self.target_train.images, shift, seed=self.seed)  # (N, 3, H, W)
        model, history = adapt(
            config,
            source=self.source_train,
            target=replace(self.target_train, images=shifted),
            target_test=self.scorer.shifted(shift),
            callbacks=[_RunCallback(self, what, config.method)],
            stop_event=stop_event,
            device=str(self.device),
        )
        self.history, self.adapted_model = history, model
        score = self.scorer.score(model, shift)
        with self._render_lock:
            record_point(self.points, self._point(shift, config.method, score, history.status))
            self._live = None
            self.panel.curves.refresh(force=True)  # the final frame stays
            self.panel.metrics.value = self._metrics_html()
        self._finish_progress(history)
        verb = "Stopped" if history.status == "stopped" else "Adapted"
        self.panel.set_status(
            f"{verb} with {label} at {shift.describe()} ({_epochs(history)}, "
            f"{history.seconds:.1f} s): target accuracy {100 * score.acc:.1f}%, domain "
            f"separability {score.separability:.2f}."
        )

    def _finish_progress(self, history: History) -> None:
        if history.status == "completed":
            self.panel.progress.value = 1.0
        self.panel.progress.bar_style = "success" if history.status == "completed" else "warning"

    def _show_progress(self, what: str, state: FitState) -> None:
        """Progress bar and status text (from the training thread)."""
        self.panel.progress.value = state.progress
        words = [f"{what}: epoch {state.epoch + 1}/{state.config.epochs}"]
        words.append(f"step {state.step}/{state.total_steps}")
        if state.history.steps:
            words.append(f"loss {state.history.steps[-1]['loss']:.3f}")
        accs = state.history.series("target_acc", per="epoch")
        if accs:
            words.append(f"target acc {100 * accs[-1]:.1f}%")
        self.panel.set_status(", ".join(words))


def _epochs(history: History) -> str:
    count = len([row for row in history.epochs if "adabn" not in row])  # AdaBN adds a row
    return f"{count} epoch" + ("" if count == 1 else "s")
