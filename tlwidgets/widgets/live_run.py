"""The run a panel trains in the background and shows live, one at a time.

:class:`LiveRunner` starts it in a thread (:class:`~tlwidgets.widgets.background.BackgroundRun`)
with the panel's settings disabled, and stops it. The training loop calls
:class:`LiveRunCallback` from that thread after every step and epoch; it records what the run
reached in a :class:`LiveRun` (which the panel's live plot draws), moves the progress bar,
writes the status line at most ten times a second and lets the live plot redraw when its
throttle allows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..train import Callback, FitState, History
from .background import BackgroundRun
from .figure_image import FigureImage
from .run_controls import RunControls

__all__ = ["LIVE_PLOT_BUSY", "LiveRun", "LiveRunCallback", "LiveRunner"]

STATUS_INTERVAL = 0.1  # seconds between progress-bar/status updates while training (<= 10/s)
# Largest share of a run the live plot may spend redrawing (~75 ms a frame on a 2-core CPU),
# so that watching costs under 10% of training speed (bench/bench_widgets_train.py).
LIVE_PLOT_BUSY = 0.02

ConfigT = TypeVar("ConfigT")


@dataclass
class LiveRun(Generic[ConfigT]):
    """The run a panel shows live: what it trains and what it has recorded so far."""

    number: int = 0  # 1, 2, ... in the order the runs were started since the last reset; 0: none
    config: ConfigT | None = None  # what it trains; None before the first run
    history: History | None = None  # what it recorded so far; None until its first step
    total_steps: int = 0  # steps it will take if it is not stopped


def _progress_text(state: FitState, number: int, metrics: Sequence[str]) -> str:
    """The status line of run ``number`` in progress: epoch, step, loss, ``metrics``, seconds.

    E.g. "Run 2: epoch 1/3, step 40/120, loss 0.412, target acc 81.0%, 3.2 s".
    """
    words = [
        f"Run {number}: epoch {state.epoch + 1}/{state.config.epochs}",
        f"step {state.step}/{state.total_steps}",
    ]
    if state.history.steps:
        words.append(f"loss {state.history.steps[-1]['loss']:.3f}")
    words.extend(metrics)
    if state.history.steps:
        words.append(f"{state.history.steps[-1]['time']:.1f} s")
    return ", ".join(words)


class LiveRunCallback(Callback):
    """Forwards the training loop's reports (from the training thread) to a panel.

    Parameters
    ----------
    live
        The run's record, updated at every step.
    controls
        Whose progress bar and status line show the run.
    plot
        The live plot; asked to redraw after every step and epoch (it throttles itself).
    metrics
        ``metrics(history)``: the words the status line shows after the loss, e.g.
        ``["target acc 81.0%"]``.
    """

    def __init__(
        self,
        live: LiveRun,
        controls: RunControls,
        plot: FigureImage,
        metrics: Callable[[History], list[str]],
    ):
        self.live = live
        self.controls = controls
        self.plot = plot
        self.metrics = metrics
        self._next_status = float("-inf")  # perf_counter time of the next status update

    def on_step(self, state: FitState) -> None:
        """Record the step, update the progress text sparsely, let the live plot redraw."""
        self.live.history = state.history
        self.live.total_steps = state.total_steps
        now = time.perf_counter()
        if now >= self._next_status:
            self._next_status = now + STATUS_INTERVAL
            self._show_progress(state)
        self.plot.refresh()

    def on_epoch(self, state: FitState) -> None:
        """Show the new epoch's metrics at once."""
        self._show_progress(state)
        self.plot.refresh()

    def _show_progress(self, state: FitState) -> None:
        self.controls.progress.value = state.progress
        self.controls.set_status(
            _progress_text(state, self.live.number, self.metrics(state.history))
        )


class LiveRunner(Generic[ConfigT]):
    """Runs one training function at a time in the background and shows it in ``controls``.

    Parameters
    ----------
    controls
        The panel's run controls: their progress bar and status line show the run.
    set_running
        ``set_running(running)`` disables the settings that would race with a run (or enables
        them again); default ``controls.set_running``.

    Attributes
    ----------
    live : LiveRun
        The run in progress, or the last one (an empty ``LiveRun()`` before any).
    """

    def __init__(
        self, controls: RunControls, set_running: Callable[[bool], None] | None = None
    ) -> None:
        self.controls = controls
        self.live: LiveRun[ConfigT] = LiveRun()
        self._set_running = set_running or controls.set_running
        self._run = BackgroundRun()

    @property
    def running(self) -> bool:
        """True while a run is active."""
        return self._run.running

    def start(
        self,
        live: LiveRun[ConfigT],
        text: str,
        train: Callable[[LiveRun[ConfigT], threading.Event], None],
        name: str,
    ) -> None:
        """Show ``live`` from now on and call ``train(live, stop_event)`` in a new thread.

        ``text`` goes to the status line until the first progress report; the settings are
        disabled until ``train`` returns. ``name`` names the thread.

        Raises
        ------
        RuntimeError
            If a run is already active.
        """
        self.live = live
        self.controls.show_started(text)
        self._set_running(True)

        def work(stop_event: threading.Event) -> None:
            try:
                train(live, stop_event)
            finally:
                self._set_running(False)

        try:
            self._run.start(work, name=name)
        except BaseException:
            self._set_running(False)
            raise

    def stop(self) -> None:
        """Ask the active run to end after its current batch, and say so."""
        if self._run.running:
            self._run.stop()
            self.controls.set_status(f"Stopping run {self.live.number} after this batch ...")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (or ``timeout`` seconds pass); True if no run is active."""
        return self._run.wait(timeout)

    def forget(self) -> None:
        """Show no run: an empty ``LiveRun`` and an empty progress bar."""
        self.live = LiveRun()
        self.controls.clear_progress()
