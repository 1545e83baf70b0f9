"""Running a function in a background thread, so the notebook stays responsive.

Widgets start training here and return at once; a Stop button sets the event the training
loop checks between batches; ``wait()`` blocks until the run ends (for "Run All" and tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..runtime import release_idle_openmp_workers

__all__ = ["BackgroundRun"]


class BackgroundRun:
    """At most one function at a time in a daemon thread, with a stop event.

    ``target(stop_event)`` should return when the event is set. An exception it raises is
    kept in ``error`` (a widget shows it); it never reaches the notebook from the thread.
    """

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.error: BaseException | None = None  # what the last run raised, if anything
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while a run is active."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, target: Callable[[threading.Event], None], name: str = "tlwidgets-run") -> None:
        """Start ``target(stop_event)`` in a new thread.

        Raises
        ------
        RuntimeError
            If a run is already active (stop it, or ``wait()`` for it, first).
        """
        if self.running:
            raise RuntimeError("a run is already active: press Stop or call wait() first")
        self.stop_event = threading.Event()
        self.error = None
        release_idle_openmp_workers()  # else the new thread's torch ops may run at half speed

        def run() -> None:
            try:
                target(self.stop_event)
            except BaseException as error:  # kept for the widget; a thread cannot raise to it
                self.error = error

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the active run to end (it finishes its current batch first)."""
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run ends (or ``timeout`` seconds pass); True if it has ended."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running
