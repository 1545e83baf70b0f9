"""Headless tests of TaskBalancer: click buttons, set controls, assert on state and plots."""

from __future__ import annotations

import math
import re
import time

import pytest

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import Task, load_multitask
from tlwidgets.models import create_backbone
from tlwidgets.train import History, MultiTaskConfig
from tlwidgets.viz import new_figure
from tlwidgets.widgets import TaskBalancer
from tlwidgets.widgets.pareto import (
    BalanceRun,
    draw_pareto,
    pareto_front,
    runs_table_html,
    trade_off_points,
)


@pytest.fixture(scope="module")
def multimnist():
    return load_multitask("multimnist", "train"), load_multitask("multimnist", "test")  # smoke


@pytest.fixture
def balancer(multimnist):
    train, test = multimnist
    return TaskBalancer(train, test)


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def race_controls(balancer: TaskBalancer):
    return [
        balancer.strategy,
        *balancer.weights.values(),
        balancer.epochs,
        balancer.seed,
        balancer.run_button,
        balancer.reset_button,
    ]


def table_cells(table: str) -> list[list[str]]:
    """The cells of every body row of an HTML runs table."""
    rows = re.findall(r"<tr>(.*?)</tr>", table)
    return [cells for row in rows if (cells := re.findall(r"<td[^>]*>([^<]*)</td>", row))]


# ---------------------------------------------------------------------- the Pareto front


def test_pareto_front_keeps_non_dominated_points_in_order_of_x():
    points = [(0.9, 0.1), (0.5, 0.5), (0.4, 0.4), (0.1, 0.9), (0.5, 0.3), (0.5, 0.5)]
    assert pareto_front(points) == [3, 1, 5, 0]  # equal points are both kept
    assert pareto_front([]) == []
    assert pareto_front([(0.2, 0.3)]) == [0]
    assert pareto_front([(0.2, 0.3), (0.2, 0.4)]) == [1]  # better in one, equal in the other
    assert pareto_front([(math.nan, 1.0), (0.5, 0.5)]) == [1]


def test_pareto_front_minimises_an_error_axis():
    # (accuracy, MAE): high accuracy and low MAE are better
    points = [(0.8, 0.30), (0.7, 0.20), (0.6, 0.25), (0.9, 0.50)]
    assert pareto_front(points, maximise=(True, False)) == [1, 0, 3]
    assert pareto_front(points, maximise=(True, True)) == [3]
    assert pareto_front(points, maximise=(False, False)) == [2, 1]
    with pytest.raises(ValueError, match="point 0 has 3 coordinates"):
        pareto_front([(1.0, 2.0, 3.0)])


def make_run(number, config, status, epochs) -> BalanceRun:
    history = History(epochs=epochs, status=status, seconds=1.25)
    return BalanceRun(number, config, history, create_backbone("small_cnn", num_classes=0))


def test_points_table_and_plot_from_hand_made_runs_with_a_regression_axis():
    digit = Task("digit", "classification", classes=tuple("0123456789"))
    rotation = Task("rotation", "regression", unit="radians")
    tasks = (digit, rotation)
    fixed = MultiTaskConfig(weighting="fixed", weights={"digit": 1.0, "rotation": 4.0})
    row = {"test_digit_acc": 0.5, "test_rotation_mae": 0.4, "weight_digit": 0.7}
    runs = [
        make_run(1, MultiTaskConfig(), "completed", [{**row, "test_digit_acc": 0.6}]),
        make_run(2, fixed, "completed", [{**row, "test_rotation_mae": 0.2}]),
        make_run(3, MultiTaskConfig(weighting="uncertainty"), "completed", [row]),
        make_run(4, MultiTaskConfig(), "stopped", [{**row, "test_digit_acc": 0.9}]),
    ]
    points = trade_off_points(runs, tasks)
    assert [(p.run, p.label, p.x, p.y, p.on_front) for p in points] == [
        (1, "equal", 0.6, 0.4, True),
        (2, "fixed 1:4", 0.5, 0.2, True),  # lower MAE is better
        (3, "uncertainty", 0.5, 0.4, False),  # beaten by both
    ]  # the stopped run 4 is no point

    cells = table_cells(runs_table_html(runs, tasks, {1, 2}))
    assert cells[0][2] == "1 each"
    assert cells[1][:5] == ["2", "fixed weights (sliders)", "digit 1, rotation 4", "10", "0"]
    assert cells[1][5:] == ["50.0%", "0.200", "\N{BLACK STAR}", "completed", "1.2"]
    assert cells[2][2] == "\N{ALMOST EQUAL TO} digit 0.7" and cells[2][7] == ""
    assert cells[3][7:9] == ["", "stopped"]
    assert "rotation MAE (radians)" in runs_table_html(runs, tasks, set())
    assert "No runs yet" in runs_table_html([], tasks, set())

    figure = new_figure()
    draw_pareto(figure, points, tasks)
    axes = figure.axes[0]
    assert axes.yaxis_inverted() and not axes.xaxis_inverted()  # better is up for the MAE
    assert "inverted" in axes.get_ylabel() and "accuracy" in axes.get_xlabel()


# ---------------------------------------------------------------------- the panel


def test_every_control_has_a_description_tooltip_and_css_class(balancer):
    names = [control.description for control in race_controls(balancer)]
    assert names == [
        "Strategy",
        "Weight left",
        "Weight right",
        "Epochs",
        "Seed",
        "Run",
        "Reset",
    ]
    assert balancer.stop_button.description == "Stop"
    assert all(control.tooltip for control in [*race_controls(balancer), balancer.stop_button])
    assert [value for _, value in balancer.strategy.options] == [
        "equal",
        "fixed",
        "uncertainty",
        "dwa",
        "gradnorm",
        "pcgrad",
    ]
    assert all((s.min, s.max, s.value) == (-2, 2, 1.0) for s in balancer.weights.values())
    assert [task.name for task in balancer.pareto_tasks] == ["left", "right"]
    assert balancer.epochs.value == 1  # runtime.budget(6, 1) in smoke mode
    assert "tlw-task-balancer" in balancer.widget._dom_classes
    for widget, css in [
        (balancer.status, "tlw-balancer-status"),
        (balancer.live_plot.widget, "tlw-balancer-live-plot"),
        (balancer.pareto_plot.widget, "tlw-balancer-pareto-plot"),
        (balancer.runs_table, "tlw-balancer-runs-table"),
        (balancer.progress, "tlw-balancer-progress"),
    ]:
        assert css in widget._dom_classes
    assert balancer.stop_button.disabled and not balancer.run_button.disabled
    assert "No runs yet" in balancer.runs_table.value and balancer.pareto_points() == []


def test_every_control_in_the_panel_is_named_for_screen_readers(balancer):
    assert unnamed_controls(balancer.widget) == []
    found = controls(balancer.widget)
    assert all(control in found for control in [*race_controls(balancer), balancer.stop_button])


def test_weight_sliders_are_enabled_only_for_fixed_weights(balancer):
    assert balancer.config.weighting == "equal" and balancer.config.weights is None
    assert all(slider.disabled for slider in balancer.weights.values())
    balancer.strategy.value = "fixed"
    assert not any(slider.disabled for slider in balancer.weights.values())
    balancer.weights["right"].value = 10.0
    assert balancer.config.weights == {"left": 1.0, "right": 10.0}
    balancer.strategy.value = "gradnorm"
    assert all(slider.disabled for slider in balancer.weights.values())
    assert balancer.config.weights is None


def test_equal_then_fixed_runs_become_points_of_the_trade_off(balancer):
    live, pareto = balancer.live_plot.widget.value, balancer.pareto_plot.widget.value
    balancer.run_button.click()  # equal weights
    assert all(control.disabled for control in race_controls(balancer))
    assert not balancer.stop_button.disabled
    assert balancer.wait(60) and balancer.last_error is None
    assert "Finished run 1 (equal weights): left acc" in balancer.status.value
    assert not any(
        c.disabled for c in race_controls(balancer) if c not in balancer.weights.values()
    )
    assert all(slider.disabled for slider in balancer.weights.values())  # still "equal"
    first_pareto = balancer.pareto_plot.widget.value
    assert balancer.live_plot.widget.value != live and first_pareto != pareto

    balancer.run(weighting="fixed", weights={"right": 4.0}, seed=2)  # left keeps its slider
    assert balancer.strategy.value == "fixed" and balancer.weights["right"].value == 4.0
    assert all(control.disabled for control in race_controls(balancer))
    assert balancer.wait(60) and balancer.last_error is None
    assert not any(control.disabled for control in race_controls(balancer))
    assert balancer.stop_button.disabled

    first, second = balancer.runs
    assert [run.number for run in balancer.runs] == [1, 2]
    assert first.config == MultiTaskConfig(epochs=1)
    assert second.config == MultiTaskConfig(
        weighting="fixed", weights={"left": 1.0, "right": 4.0}, epochs=1, seed=2
    )
    assert second.config == balancer.config
    assert all(run.history.status == "completed" and run.seconds > 0 for run in balancer.runs)
    assert second.history.last("weight_right") == pytest.approx(4.0)

    points = balancer.pareto_points()
    assert [(p.run, p.label) for p in points] == [(1, "equal"), (2, "fixed 1:4")]
    for point, run in zip(points, balancer.runs, strict=True):
        assert point.x == run.history.last("test_left_acc")
        assert point.y == run.history.last("test_right_acc")
    front = pareto_front([(p.x, p.y) for p in points])
    assert [p.on_front for p in points] == [i in front for i in range(2)]
    assert balancer.pareto_plot.widget.value != first_pareto

    cells = table_cells(balancer.runs_table.value)
    assert [row[0] for row in cells] == ["1", "2"]
    assert cells[1][1:3] == ["fixed weights (sliders)", "left 1, right 4"]
    assert cells[1][5:7] == [f"{100 * points[1].x:.1f}%", f"{100 * points[1].y:.1f}%"]
    assert f"{100 * points[1].x:.1f}%" in balancer.status.value


def test_stop_ends_a_run_which_is_kept_but_is_no_point(balancer):
    balancer.run(epochs=50)  # 300 images, batches of 128: 150 steps in all
    wait_until(lambda: balancer.history is not None and balancer.history.num_steps >= 1)
    assert balancer.running and all(c.disabled for c in race_controls(balancer))
    balancer.run()  # a second run while one is active: shown, not raised, and ignored
    assert "already active" in balancer.last_error and balancer.running
    balancer.stop_button.click()
    assert balancer.wait(30)

    (run,) = balancer.runs
    assert run.history.status == "stopped" and 1 <= run.history.num_steps < 150
    assert "Stopped run 1" in balancer.status.value
    assert balancer.pareto_points() == []
    assert table_cells(balancer.runs_table.value)[0][-2] == "stopped"
    assert not any(
        c.disabled for c in race_controls(balancer) if c not in balancer.weights.values()
    )

    balancer.run(epochs=1)  # a finished run is a point; the stopped one still is not
    assert balancer.wait(60)
    assert [p.run for p in balancer.pareto_points()] == [2]
    assert [p.on_front for p in balancer.pareto_points()] == [True]


def test_a_regression_axis_plots_the_mae():
    train = load_multitask("synth_attributes", "train")
    balancer = TaskBalancer(
        train, load_multitask("synth_attributes", "test"), tasks=("rotation", "digit")
    )
    assert [task.kind for task in balancer.pareto_tasks] == ["regression", "classification"]
    assert len(balancer.weights) == 4  # every task is trained, and has a weight
    balancer.run(weighting="pcgrad")
    assert balancer.wait(60) and balancer.last_error is None
    (point,) = balancer.pareto_points()
    history = balancer.runs[0].history
    assert point.x == history.last("test_rotation_mae") and point.on_front
    assert point.y == history.last("test_digit_acc")
    assert "rotation MAE (radians)" in balancer.status.value


def test_bad_values_show_an_error_in_the_panel_and_start_nothing(balancer):
    for overrides, message in [
        ({"weights": {"left": 2.0}}, "only used with weighting='fixed'"),
        ({"weighting": "fixed", "weights": {"middle": 2.0}}, "unknown task(s) ['middle']"),
        ({"weighting": "fixed", "weights": {"left": 0}}, "must be a number > 0"),
        ({"weighting": "loudest"}, "unknown weighting 'loudest'"),
        ({"epochs": 0}, "must be >= 1"),
        ({"tasks": ("left",)}, "trains every task"),
        ({"no_such_setting": 1}, "unknown setting"),
    ]:
        balancer.run(**overrides)
        assert not balancer.running and message in balancer.last_error, overrides
        assert balancer.status.value.startswith("Error: ")
    assert balancer.runs == [] and balancer.strategy.value == "equal"
    assert not balancer.run_button.disabled


def test_bad_construction_raises_a_clear_error(multimnist):
    train, test = multimnist
    with pytest.raises(ValueError, match=r"unknown task\(s\) \['middle'\].*\['left', 'right'\]"):
        TaskBalancer(train, test, tasks=("left", "middle"))
    with pytest.raises(ValueError, match="two different tasks"):
        TaskBalancer(train, test, tasks=("left", "left"))
    with pytest.raises(ValueError, match="at least 2 tasks"):
        TaskBalancer(train.select(["left"]), test.select(["left"]))
    with pytest.raises(ValueError, match="same tasks"):
        TaskBalancer(train, test.select(["right", "left"]))
    with pytest.raises(ValueError, match="MultiTaskImages"):
        TaskBalancer(train.as_labelled("left"), test)
    with pytest.raises(ValueError, match="unknown backbone"):
        TaskBalancer(train, test, backbone="vgg99")


def test_reset_clears_the_runs_the_table_and_the_plots(balancer):
    balancer.run()
    assert balancer.wait(60) and len(balancer.runs) == 1
    live, pareto = balancer.live_plot.widget.value, balancer.pareto_plot.widget.value
    balancer.reset_button.click()
    assert balancer.runs == [] and balancer.history is None and balancer.pareto_points() == []
    assert "No runs yet" in balancer.runs_table.value
    assert balancer.live_plot.widget.value != live and balancer.pareto_plot.widget.value != pareto
