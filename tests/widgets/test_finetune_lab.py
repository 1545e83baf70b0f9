import re
import time

import pytest

from tests.widgets.accessibility import controls, unnamed_controls
from tlwidgets.data import load_domain
from tlwidgets.models import create_backbone
from tlwidgets.train import History, TransferConfig, evaluate, freeze_stages, frozen_depth
from tlwidgets.widgets import FineTuneLab
from tlwidgets.widgets.runs import Run, run_label, runs_table_html


@pytest.fixture(scope="module")
def mnist():
    return load_domain("mnist", "train"), load_domain("mnist", "test")


@pytest.fixture
def lab(mnist):
    train, test = mnist
    return FineTuneLab(train, test, source=None)


def wait_until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def table_rows(lab: FineTuneLab) -> int:
    return lab.runs_table.value.count("<tr") - 1  # minus the header


def race_controls(lab: FineTuneLab):
    return [
        lab.strategy,
        lab.freeze_depth,
        lab.lr,
        lab.ratio,
        lab.epochs,
        lab.labels_per_class,
        lab.seed,
        lab.train_button,
        lab.reset_button,
    ]


def test_every_control_has_its_accessible_name_tooltip_and_css_class(lab):
    names = [control.description for control in race_controls(lab)]
    assert names == [
        "Strategy",
        "Freeze depth",
        "Learning rate",
        "Backbone LR ratio",
        "Epochs",
        "Labels per class",
        "Seed",
        "Train",
        "Reset",
    ]
    assert lab.stop_button.description == "Stop"
    assert all(control.tooltip for control in [*race_controls(lab), lab.stop_button])
    assert "fine-tune top stages" in lab.freeze_depth.tooltip
    assert [label for label, _ in lab.strategy.options] == [
        "scratch",
        "linear probe",
        "fine-tune all",
        "fine-tune top stages",
    ]
    assert [value for _, value in lab.labels_per_class.options] == [1, 2, 5, 10, 20, 50, "all"]
    assert (lab.freeze_depth.min, lab.freeze_depth.max) == (0, 5)  # resnet has 5 stages
    assert (lab.lr.min, lab.lr.max, lab.ratio.min, lab.ratio.max) == (-4, -1, -3, 0)
    assert (lab.epochs.min, lab.epochs.max) == (1, 50)
    assert lab.device_label.value == "Device: cpu"
    assert "tlw-finetune-lab" in lab.widget._dom_classes
    for widget, css in [
        (lab.status, "tlw-status"),
        (lab.live_plot.widget, "tlw-live-plot"),
        (lab.compare_plot.widget, "tlw-compare-plot"),
        (lab.runs_table, "tlw-runs-table"),
        (lab.progress, "tlw-progress"),
    ]:
        assert css in widget._dom_classes
    assert lab.config.strategy == "finetune_all" and lab.config.lr == TransferConfig().lr
    assert lab.stop_button.disabled and not lab.train_button.disabled


def test_every_control_in_the_panel_is_named_for_screen_readers(lab):
    assert unnamed_controls(lab.widget) == []
    found = controls(lab.widget)
    assert all(control in found for control in [*race_controls(lab), lab.stop_button])


def test_train_button_runs_in_the_background_and_adds_the_run(mnist):
    train, test = mnist
    lab = FineTuneLab(train, test)  # source "auto": the glyph task the backbone learned
    assert lab.source is not None and lab.source.name == "glyphs-resnet"
    live, compare = lab.live_plot.widget.value, lab.compare_plot.widget.value
    redraws = lab.live_plot.redraws
    lab.strategy.value = "finetune_all"
    lab.epochs.value = 2
    lab.labels_per_class.value = 2
    lab.lr.value = 3e-3
    lab.seed.value = 1

    lab.train_button.click()
    assert all(control.disabled for control in race_controls(lab))
    assert not lab.stop_button.disabled
    assert lab.wait(60)

    run = lab.runs[-1]
    assert run.number == 1 and lab.last_error is None
    assert run.history.status == "completed"
    assert run.config == TransferConfig("finetune_all", 0, 3e-3, 0.1, 2, 32, 2, 1)
    assert len(run.history.series("target_acc", per="epoch")) == 2
    assert len(run.history.series("source_acc", per="epoch")) == 2  # forgetting is visible
    assert "Finished run 1" in lab.status.value
    assert f"{100 * run.final_target_acc:.1f}%" in lab.status.value
    assert table_rows(lab) == 1 and "completed" in lab.runs_table.value
    assert lab.live_plot.redraws > redraws and lab.live_plot.widget.value != live
    assert lab.compare_plot.widget.value != compare
    assert lab.progress.value == 1.0
    assert not any(control.disabled for control in race_controls(lab))
    assert lab.stop_button.disabled


def test_stop_halts_a_long_run_early_and_keeps_a_usable_model(lab, mnist):
    lab.train(epochs=50, labels_per_class=10)  # 100 images: 4 steps an epoch, 200 in all
    wait_until(lambda: lab.history is not None and lab.history.num_steps >= 1)
    assert lab.running and all(control.disabled for control in race_controls(lab))
    lab.train()  # a second run while one is active: shown, not raised, and ignored
    assert "already active" in lab.last_error and lab.running
    lab.stop_button.click()
    assert lab.wait(30)

    run = lab.runs[-1]
    assert run.history.status == "stopped"
    assert 1 <= run.history.num_steps < 200
    assert "Stopped run 1" in lab.status.value
    assert 0.0 <= evaluate(run.model, mnist[1])["acc"] <= 1.0
    assert table_rows(lab) == 1 and "stopped" in lab.runs_table.value
    assert not any(control.disabled for control in race_controls(lab))


def test_bad_values_show_an_error_in_the_panel_and_it_still_trains(lab, mnist):
    lab.train(strategy="finetune_top", freeze_depth=99)
    assert not lab.running
    assert lab.status.value.startswith("Error: freeze depth 99 is impossible")
    assert "freeze depth 99" in lab.last_error
    assert lab.freeze_depth.value <= lab.freeze_depth.max == 5  # the slider was left alone

    lab.train(labels_per_class=50, epochs=1)  # smoke mnist has 30 per class
    assert lab.wait(30)
    assert "Error: " in lab.status.value and "choose at most 30" in lab.last_error

    lab.train(no_such_setting=1)
    assert "unknown setting" in lab.last_error
    assert lab.runs == [] and table_rows(lab) == 1  # the "no runs yet" row

    lab.train(labels_per_class=2, epochs=1, strategy="linear_probe", freeze_depth=0)
    assert lab.wait(30)
    assert lab.last_error is None and "Finished run 1" in lab.status.value
    assert [run.history.status for run in lab.runs] == ["completed"]
    assert not any(control.disabled for control in race_controls(lab))


def test_an_empty_dataset_is_an_error_not_an_exception(mnist):
    train, test = mnist
    lab = FineTuneLab(train.subset([]), test, source=None)
    lab.train_button.click()
    assert lab.wait(30)
    assert "empty" in lab.last_error and lab.status.value.startswith("Error: ")
    assert lab.runs == [] and not lab.train_button.disabled


def test_keyword_overrides_update_the_controls(lab):
    lab.train(strategy="linear_probe", epochs=1, labels_per_class=3, lr=3e-4, seed=7)
    assert lab.strategy.value == "linear_probe" and lab.epochs.value == 1
    assert lab.labels_per_class.value == 3  # not a preset, so it became an option
    assert lab.lr.value == pytest.approx(3e-4) and lab.seed.value == 7
    assert lab.wait(30)
    run = lab.runs[-1]
    assert run.config == lab.config
    assert frozen_depth(run.model) == 5  # a linear probe trains only the head


def test_freeze_depth_0_and_3_are_compared_in_the_runs_and_the_table(lab):
    lab.strategy.value = "finetune_top"
    lab.epochs.value = 1
    lab.labels_per_class.value = 2
    for depth in (0, 3):
        lab.freeze_depth.value = depth
        lab.train_button.click()
        assert lab.wait(30)
    assert [run.config.freeze_depth for run in lab.runs] == [0, 3]
    assert [frozen_depth(run.model) for run in lab.runs] == [0, 3]
    assert [run.number for run in lab.runs] == [1, 2]
    assert "freeze 0" in lab.runs[0].label and "freeze 3" in lab.runs[1].label
    assert table_rows(lab) == 2 and lab.compare_plot.redraws >= 3  # reset + two runs


def test_reset_clears_the_runs_the_table_and_the_plots(lab):
    lab.train(epochs=1, labels_per_class=1)
    assert lab.wait(30) and len(lab.runs) == 1
    live, compare = lab.live_plot.widget.value, lab.compare_plot.widget.value
    lab.reset_button.click()
    assert lab.runs == [] and lab.history is None
    assert "No runs yet" in lab.runs_table.value
    assert lab.live_plot.widget.value != live and lab.compare_plot.widget.value != compare
    lab.train(epochs=1, labels_per_class=1)
    assert lab.wait(30) and lab.runs[-1].number == 1  # numbering starts again


def test_runs_table_and_labels_describe_each_run():
    config = TransferConfig("finetune_top", freeze_depth=2, lr=1e-2, labels_per_class=None)
    history = History(epochs=[{"target_acc": 0.5}, {"target_acc": 0.75}, {"target_acc": 0.7}])
    history.status, history.seconds = "completed", 3.21
    model = freeze_stages(create_backbone("small_cnn", num_classes=10), 2)
    run = Run(number=4, config=config, history=history, model=model)
    assert run_label(config) == "fine-tune top stages, freeze 2, lr 1e-02, ratio 0.1, all/class"
    assert run.label.startswith("run 4: ")
    assert (run.final_target_acc, run.best_target_acc, run.final_source_acc) == (0.7, 0.75, None)
    table = runs_table_html([run])
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[0] == "4" and cells[2] == "2"  # run number, frozen stages
    assert cells[8:] == ["70.0%", "75.0%", "\N{EM DASH}", "completed", "3.2"]
    assert "No runs yet" in runs_table_html([])
