import threading
import time

import pytest

from tlwidgets.widgets.background import BackgroundRun
from tlwidgets.widgets.figure_image import FigureImage


def test_background_run_stops_and_waits():
    run = BackgroundRun()
    ticks = []

    def target(stop: threading.Event) -> None:
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    run.start(target)
    assert run.running
    with pytest.raises(RuntimeError, match="already active"):
        run.start(target)
    run.stop()
    assert run.wait(5) and not run.running
    assert ticks and run.error is None


def test_background_run_keeps_the_error_for_the_widget():
    run = BackgroundRun()

    def fail(stop: threading.Event) -> None:
        raise ValueError("bad value")

    run.start(fail)
    run.wait(5)
    assert isinstance(run.error, ValueError)
    run.start(lambda stop: None)  # usable again
    assert run.wait(5) and run.error is None


def test_figure_image_is_throttled_but_forced_redraws_always_happen():
    calls = []
    image = FigureImage(
        lambda figure: calls.append(figure.add_subplot().plot([0, 1])), alt="A line", max_fps=2
    )
    assert image.refresh()
    assert bytes(image.widget.value).startswith(b"\x89PNG")
    assert not image.refresh()  # too soon
    assert image.refresh(force=True)
    assert image.redraws == 2 and len(calls) == 2
