"""Headless tests of DomainShiftExplorer: set sliders, click buttons, assert on state."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import load_domain
from tlwidgets.data.shift import Shift
from tlwidgets.models import create_backbone
from tlwidgets.train import FitConfig, fit
from tlwidgets.train.adaptation import DomainAdversarialNetwork
from tlwidgets.viz import new_figure
from tlwidgets.widgets import DomainShiftExplorer
from tlwidgets.widgets import domain_shift_explorer as module
from tlwidgets.widgets.shift_points import (
    SHIFT_CONTROLS,
    curve_points,
    draw_curves,
    points_table_html,
    record_point,
)


@pytest.fixture(scope="module")
def mnist():
    return load_domain("mnist", "train"), load_domain("mnist", "test")  # smoke: 300 / 100


@pytest.fixture(scope="module")
def source_model(mnist):
    """A small CNN trained briefly on MNIST (about 90% on its test split, in a second)."""
    torch.manual_seed(0)
    model = create_backbone("small_cnn", num_classes=10)
    fit(model, mnist[0], config=FitConfig(epochs=8, batch_size=32, lr=3e-3))
    return model


@pytest.fixture
def explorer(mnist, source_model):
    train, test = mnist
    return DomainShiftExplorer(
        train,
        train,
        test,
        source_test=test,
        source_model=source_model,
        method="coral",
        backbone="small_cnn",
        epochs=1,
    )


@pytest.fixture
def gate(monkeypatch):
    """Hold every adapt() call (the source model's training too) until the test sets it."""
    opened = threading.Event()
    real = module.adapt

    def held(*args, **kwargs):
        assert opened.wait(60), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "adapt", held)
    return opened


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def race_controls(explorer: DomainShiftExplorer):
    return [
        *explorer.panel.sliders.values(),
        explorer.panel.method,
        explorer.panel.epochs,
        explorer.panel.adapt_button,
        explorer.panel.reset_button,
    ]


def point(method: str, acc: float, **shift) -> dict:
    return {
        "control": "rotation",
        "value": shift.get("rotation", 0.0),
        "method": method,
        "acc": acc,
        "separability": 0.5,
        "status": "completed",
        "shift": Shift(**shift),
    }


def test_every_control_has_a_description_tooltip_and_css_class(explorer):
    names = [control.description for control in race_controls(explorer)]
    assert names == [
        "Rotation (°)",
        "Blur σ (px)",
        "Noise (std)",
        "Colour blend",
        "Resolution (px)",
        "Method",
        "Epochs",
        "Adapt",
        "Reset",
    ]
    controls = [*race_controls(explorer), explorer.panel.sweep, explorer.panel.stop_button]
    assert all(control.tooltip for control in controls)
    assert [value for _, value in explorer.panel.method.options] == [
        "adabn",
        "coral",
        "mmd",
        "dann",
        "self_training",
        "oracle",
    ]
    assert [value for _, value in explorer.panel.sweep.options] == [c.name for c in SHIFT_CONTROLS]
    limits = {name: (s.min, s.max) for name, s in explorer.panel.sliders.items()}
    assert limits == {
        "rotation": (0, 90),
        "blur": (0, 3),
        "noise": (0, 0.5),
        "colour": (0, 1),
        "resolution": (8, 32),
    }
    assert explorer.shift == Shift() and explorer.panel.sliders["resolution"].step == 4
    assert all(not slider.continuous_update for slider in explorer.panel.sliders.values())
    assert "tlw-shift-explorer" in explorer.widget._dom_classes
    for widget, css in [
        (explorer.panel.status, "tlw-shift-status"),
        (explorer.panel.metrics, "tlw-shift-metrics"),
        (explorer.panel.samples.widget, "tlw-shift-samples"),
        (explorer.panel.curves.widget, "tlw-shift-curves"),
        (explorer.panel.progress, "tlw-shift-progress"),
        (explorer.panel.sweep, "tlw-shift-sweep"),
        (explorer.panel.sliders["rotation"], "tlw-shift-rotation"),
    ]:
        assert css in widget._dom_classes
    assert explorer.config.method == "coral" and explorer.config.backbone == "small_cnn"
    assert explorer.panel.stop_button.disabled and not explorer.panel.adapt_button.disabled


def test_every_control_in_the_panel_is_named_for_screen_readers(explorer):
    assert unnamed_controls(explorer.widget) == []
    found = controls(explorer.widget)
    expected = [*race_controls(explorer), explorer.panel.sweep, explorer.panel.stop_button]
    assert all(control in found for control in expected)


def test_construction_returns_at_once_and_trains_the_source_model_in_the_background(mnist, gate):
    train, test = mnist
    explorer = DomainShiftExplorer(train, train, test, backbone="small_cnn", epochs=1)
    # Returned while the source model's training is held: construction never trains.
    assert explorer.running and explorer.source_model is None
    assert explorer.panel.status.value == "Training the source-only model ..."
    assert all(control.disabled for control in race_controls(explorer))
    assert not explorer.panel.stop_button.disabled
    assert bytes(explorer.panel.samples.widget.value).startswith(b"\x89PNG")  # samples at once
    assert explorer.source_accuracy is None and explorer.points == []
    assert not explorer.wait(0.05)
    gate.set()
    assert explorer.wait(60)

    assert explorer.source_model is not None and explorer.last_error is None
    assert explorer.source_status == "completed"
    status = explorer.panel.status.value
    assert status.startswith("Source-only model (small_cnn) ready (1 epoch, ")
    assert 0.0 <= explorer.source_accuracy <= 1.0 and 0.0 <= explorer.separability <= 1.0
    assert f"source-only accuracy {100 * explorer.source_accuracy:.1f}%" in status
    assert [p["method"] for p in explorer.points] == ["source_only"]
    assert f"{100 * explorer.source_accuracy:.1f}%" in explorer.panel.metrics.value
    assert not any(control.disabled for control in race_controls(explorer))
    assert explorer.panel.stop_button.disabled


def test_moving_a_slider_updates_the_samples_numbers_and_points(explorer):
    assert [p["method"] for p in explorer.points] == ["source_only"]  # measured at once
    samples, curves = explorer.panel.samples.widget.value, explorer.panel.curves.widget.value
    explorer.panel.sliders["rotation"].value = 45

    assert explorer.shift == Shift(rotation=45.0)
    assert (
        explorer.panel.samples.widget.value != samples
        and explorer.panel.curves.widget.value != curves
    )
    assert [p["value"] for p in explorer.points] == [0.0, 45.0]
    last = explorer.points[-1]
    assert last["control"] == "rotation" and last["method"] == "source_only"
    assert last["status"] == "completed" and last["shift"] == Shift(rotation=45.0)
    assert (last["acc"], last["separability"]) == (
        explorer.source_accuracy,
        explorer.separability,
    )
    assert f"{100 * explorer.source_accuracy:.1f}%" in explorer.panel.status.value
    assert f"{explorer.separability:.2f}" in explorer.panel.metrics.value
    assert "rotation 45°" in explorer.panel.metrics.value

    explorer.panel.sliders["rotation"].value = 0  # measured before: updated, not added
    assert len(explorer.points) == 2
    for control in [*SHIFT_CONTROLS[1:], SHIFT_CONTROLS[0]]:  # any control carries the curve
        curves = explorer.panel.curves.widget.value
        explorer.panel.sweep.value = control.name
        assert explorer.panel.curves.widget.value != curves
    explorer.panel.sweep.value = "noise"
    explorer.show(noise=0.25)
    assert explorer.points[-1]["control"] == "noise" and explorer.points[-1]["value"] == 0.25
    explorer.show(resolution=16)
    assert explorer.last_error is None and explorer.points[-1]["shift"].resolution == 16


def test_a_larger_shift_lowers_source_only_accuracy_and_separates_the_domains(explorer):
    explorer.show()
    clean_acc, clean_sep = explorer.source_accuracy, explorer.separability
    explorer.show(rotation=90, noise=0.5)
    assert explorer.last_error is None
    assert clean_acc > 0.7
    assert explorer.source_accuracy < clean_acc - 0.3
    assert clean_sep < 0.2 and explorer.separability > clean_sep + 0.5


def test_adapt_runs_in_the_background_and_adds_a_point(explorer):
    explorer.show(rotation=30)
    redraws = explorer.panel.curves.redraws
    explorer.panel.method.value = "dann"
    explorer.panel.epochs.value = 2
    explorer.panel.adapt_button.click()
    assert all(control.disabled for control in race_controls(explorer))
    assert not explorer.panel.stop_button.disabled
    started = time.perf_counter()
    assert explorer.wait(60)
    seconds = time.perf_counter() - started

    assert explorer.last_error is None
    assert isinstance(explorer.adapted_model, DomainAdversarialNetwork)
    assert explorer.history.status == "completed" and len(explorer.history.epochs) == 2
    adapted = explorer.points[-1]
    assert adapted["method"] == "dann" and adapted["status"] == "completed"
    assert adapted["shift"] == Shift(rotation=30.0) and adapted["value"] == 30.0
    assert 0.0 <= adapted["acc"] <= 1.0 and 0.0 <= adapted["separability"] <= 1.0
    status = explorer.panel.status.value
    assert status.startswith("Adapted with DANN at rotation 30° (2 epochs")
    assert f"{100 * adapted['acc']:.1f}%" in status
    assert "DANN" in explorer.panel.metrics.value  # a row of the table at this shift
    assert explorer.panel.progress.value == 1.0 and explorer.panel.progress.bar_style == "success"
    assert not any(control.disabled for control in race_controls(explorer))
    assert explorer.panel.stop_button.disabled
    # Throttled: one live frame per epoch at most, a few a second, plus the final one.
    assert 1 <= explorer.panel.curves.redraws - redraws <= 2 + 5 * seconds


def test_stop_ends_a_long_run_early_and_keeps_a_stopped_point(explorer):
    explorer.adapt(method="coral", epochs=50)
    wait_until(lambda: explorer.history is not None and explorer.history.num_steps >= 1)
    assert explorer.running and all(control.disabled for control in race_controls(explorer))
    explorer.adapt()  # a second run while one is active: shown, not raised, and ignored
    assert "already active" in explorer.last_error and explorer.running
    explorer.panel.stop_button.click()
    assert explorer.wait(30)

    assert explorer.history.status == "stopped" and explorer.history.num_steps < 50 * 5
    stopped = explorer.points[-1]
    assert stopped["method"] == "coral" and stopped["status"] == "stopped"
    assert explorer.panel.status.value.startswith("Stopped with Deep CORAL")
    assert explorer.panel.progress.bar_style == "warning"
    assert not any(control.disabled for control in race_controls(explorer))


def test_adapt_during_the_source_training_is_queued_behind_it(mnist, gate):
    train, test = mnist
    explorer = DomainShiftExplorer(train, train, test, backbone="small_cnn", epochs=1)
    explorer.adapt(method="adabn")  # returns at once
    assert explorer.last_error is None
    assert explorer.panel.status.value.startswith("Adapt with AdaBN queued")
    explorer.adapt(method="mmd")  # only one may wait
    assert "already active" in explorer.last_error
    assert explorer.panel.method.value == "adabn"  # the controls show the queued run
    gate.set()
    assert explorer.wait(60)

    assert [p["method"] for p in explorer.points] == ["source_only", "adabn"]
    assert explorer.panel.status.value.startswith("Adapted with AdaBN at no shift")


def test_stop_during_the_source_training_keeps_what_it_reached(mnist, gate):
    train, test = mnist
    explorer = DomainShiftExplorer(train, train, test, backbone="small_cnn", epochs=50)
    explorer.adapt(method="coral")
    gate.set()
    wait_until(lambda: explorer.history is not None and explorer.history.num_steps >= 1)
    explorer.stop()
    assert explorer.wait(30)

    assert explorer.source_status == "stopped" and explorer.history.num_steps < 50 * 5
    assert explorer.panel.status.value.startswith("Source-only model (small_cnn) stopped early")
    assert [(p["method"], p["status"]) for p in explorer.points] == [("source_only", "stopped")]


def test_bad_values_show_an_error_in_the_panel_and_it_still_works(explorer):
    before = explorer.shift
    for call, message in [
        (lambda: explorer.show(rotation=500), "rotation must be in 0..90, got 500"),
        (lambda: explorer.show(spin=3), "unknown shift control(s) ['spin']"),
        (lambda: explorer.show(resolution=13.5), "resolution must be a whole number"),
        (lambda: explorer.show(noise="lots"), "noise must be a number"),
        (lambda: explorer.adapt(epochs=0), "epochs and batch_size must be >= 1"),
        (lambda: explorer.adapt(method="source_only"), "unknown method 'source_only'"),
        (lambda: explorer.adapt(no_such_setting=1), "unknown setting(s) ['no_such_setting']"),
    ]:
        call()  # never raises
        assert message in explorer.last_error
        assert explorer.panel.status.value.startswith("Error: ")
        assert not explorer.running and explorer.shift == before
    assert len(explorer.points) == 1

    explorer.show(blur=1.0)
    assert explorer.last_error is None and "blur 1.0" in explorer.panel.status.value


def test_reset_clears_the_points_and_the_sliders(explorer):
    explorer.show(rotation=60, colour=0.5)
    assert len(explorer.points) == 2
    explorer.adapt(epochs=20)
    explorer.reset()  # refused during a run
    assert "cannot reset" in explorer.last_error and len(explorer.points) == 2
    explorer.stop()
    assert explorer.wait(30)

    explorer.panel.reset_button.click()
    assert explorer.shift == Shift() and explorer.last_error is None
    assert [p["shift"] for p in explorer.points] == [Shift()]  # remeasured at no shift
    assert explorer.panel.status.value.startswith("Reset: ")


def test_curves_join_the_points_that_differ_only_in_the_swept_control():
    points: list[dict] = []
    for rotation, acc in ((0, 0.9), (45, 0.6), (90, 0.2)):
        record_point(points, point("source_only", acc, rotation=rotation))
    record_point(points, point("source_only", 0.5, rotation=45))  # replaces the 0.6
    record_point(points, point("dann", 0.7, rotation=45))
    record_point(points, point("source_only", 0.4, rotation=45, noise=0.3))  # another curve

    curves = curve_points(points, Shift(rotation=10), "rotation")
    assert [p["acc"] for p in curves["source_only"]] == [0.9, 0.5, 0.2]
    assert [p["acc"] for p in curves["dann"]] == [0.7]
    assert [
        p["acc"] for p in curve_points(points, Shift(noise=0.3), "rotation")["source_only"]
    ] == [0.4]
    along_noise = curve_points(points, Shift(rotation=45), "noise")
    assert [p["shift"].noise for p in along_noise["source_only"]] == [0.0, 0.3]
    assert [p["acc"] for p in curve_points(points, Shift(), "resolution")["source_only"]] == [0.9]

    table = points_table_html(points, Shift(rotation=45))
    assert table.count("<tr>") == 3 and "50.0%" in table and "DANN" in table

    figure = new_figure()
    draw_curves(figure, points, Shift(rotation=45), SHIFT_CONTROLS[0], live=("dann", 0.8))
    acc_axes, sep_axes = figure.axes
    assert len(acc_axes.get_legend().get_texts()) == 3  # source only, DANN, adapting
    assert len(sep_axes.lines) == 2 + 1  # two curves and the current-value line
