import threading

import pytest
import torch
from torch import nn

from tlwidgets.models import create_backbone
from tlwidgets.train import (
    Callback,
    ClassificationObjective,
    FitConfig,
    TrainingError,
    evaluate,
    fit,
)


def small_model(num_classes: int = 4) -> nn.Module:
    torch.manual_seed(0)
    return create_backbone("small_cnn", num_classes=num_classes)


def test_fit_learns_and_records_steps_and_epochs(blobs):
    model = small_model()
    history = fit(model, blobs, config=FitConfig(epochs=5, batch_size=32), val_data=blobs)
    assert history.status == "completed"
    assert history.num_steps == 5 * 8
    assert [row["epoch"] for row in history.epochs] == [0, 1, 2, 3, 4]
    assert {"loss", "acc", "lr", "time", "step", "epoch"} <= history.steps[0].keys()
    assert history.last("val_acc") > 0.6
    assert history.series("loss")[-1] < history.series("loss")[0]


def test_fit_is_deterministic_for_a_seed(blobs):
    losses = []
    for _ in range(2):
        model = small_model()
        history = fit(model, blobs, config=FitConfig(epochs=1, batch_size=64, seed=3))
        losses.append(history.series("loss"))
    assert losses[0] == losses[1]


def test_named_validation_sets_are_logged_with_their_names(blobs):
    history = fit(
        small_model(),
        blobs,
        config=FitConfig(epochs=1, batch_size=64),
        val_data={"target": blobs, "source": blobs},
    )
    assert {"target_acc", "target_loss", "source_acc", "source_loss"} <= history.epochs[0].keys()


def test_fit_prints_nothing(blobs, capsys):
    fit(small_model(), blobs, config=FitConfig(epochs=1, batch_size=64), val_data=blobs)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


class StopAfter(Callback):
    def __init__(self, event: threading.Event, steps: int):
        self.event, self.steps, self.seen, self.ended = event, steps, 0, None

    def on_step(self, state):
        self.seen = state.step
        if state.step == self.steps:
            self.event.set()

    def on_end(self, state):
        self.ended = state.history.status


def test_stop_event_halts_within_one_batch_and_model_stays_usable(blobs):
    stop = threading.Event()
    watcher = StopAfter(stop, steps=3)
    model = small_model()
    history = fit(
        model,
        blobs,
        config=FitConfig(epochs=5, batch_size=16),
        callbacks=[watcher],
        stop_event=stop,
    )
    assert history.status == "stopped" and watcher.ended == "stopped"
    assert history.num_steps == 3
    assert len(history.epochs) == 1  # the partial epoch is still evaluated and recorded
    metrics = evaluate(model, blobs)
    assert 0.0 <= metrics["acc"] <= 1.0


def test_stop_from_another_thread_ends_the_run(blobs):
    stop = threading.Event()
    model = small_model()
    result = {}
    started = threading.Event()

    class Started(Callback):
        def on_step(self, state):
            started.set()

    thread = threading.Thread(
        target=lambda: result.update(
            history=fit(
                model,
                blobs,
                config=FitConfig(epochs=200, batch_size=16),
                callbacks=[Started()],
                stop_event=stop,
            )
        )
    )
    thread.start()
    assert started.wait(30)
    stop.set()
    thread.join(30)
    assert not thread.is_alive()
    assert result["history"].status == "stopped"
    assert result["history"].num_steps < 200 * 16


def test_callbacks_are_called_in_order(blobs):
    calls = []

    class Recorder(Callback):
        def on_step(self, state):
            calls.append("step")

        def on_epoch(self, state):
            calls.append("epoch")

        def on_end(self, state):
            calls.append("end")

    fit(small_model(), blobs, config=FitConfig(epochs=2, batch_size=128), callbacks=[Recorder()])
    assert calls == ["step", "step", "epoch", "step", "step", "epoch", "end"]


class ExplodingObjective(ClassificationObjective):
    """Returns a NaN loss from the third step on."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self, model, batch):
        self.calls += 1
        loss, metrics = super().__call__(model, batch)
        return (loss * float("nan") if self.calls >= 3 else loss), metrics


def test_nan_loss_raises_a_clear_error_and_keeps_finite_weights(blobs):
    model = small_model()
    with pytest.raises(TrainingError, match="lower the learning rate") as error:
        fit(model, blobs, ExplodingObjective(), FitConfig(epochs=1, batch_size=32))
    assert error.value.history.status == "error"
    assert error.value.history.num_steps == 2
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_an_error_restores_the_last_finite_weights(blobs):
    model = small_model()

    class Corrupt(Callback):
        def on_step(self, state):
            if state.step == 6:
                with torch.no_grad():
                    next(state.model.parameters()).fill_(float("inf"))
                raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fit(model, blobs, config=FitConfig(epochs=3, batch_size=64), callbacks=[Corrupt()])
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_restore_best_keeps_the_best_epoch(blobs):
    model = small_model()
    history = fit(
        model,
        blobs,
        config=FitConfig(epochs=4, batch_size=32, lr=3e-3, restore_best="val_acc"),
        val_data=blobs,
    )
    assert evaluate(model, blobs)["acc"] == pytest.approx(max(history.series("val_acc", "epoch")))


def test_max_steps_caps_the_run(blobs):
    history = fit(small_model(), blobs, config=FitConfig(epochs=10, batch_size=16, max_steps=5))
    assert history.num_steps == 5 and history.status == "completed"


def test_cosine_schedule_decays_to_zero(blobs):
    history = fit(
        small_model(), blobs, config=FitConfig(epochs=2, batch_size=32, schedule="cosine")
    )
    lrs = history.series("lr")
    assert lrs[0] < 1e-3 and lrs[-1] == pytest.approx(0.0, abs=1e-12)
    assert lrs == sorted(lrs, reverse=True)


def test_wrong_input_shape_gives_a_clear_error():
    model = small_model()
    with pytest.raises(ValueError, match=r"expects images of shape \(N, 3, H, W\)"):
        model(torch.rand(3, 32, 32))


def test_fully_frozen_model_is_refused(blobs):
    model = small_model()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    with pytest.raises(ValueError, match="nothing to train"):
        fit(model, blobs, config=FitConfig(epochs=1))


def test_empty_dataset_is_refused():
    empty = torch.utils.data.TensorDataset(torch.zeros(0, 3, 32, 32), torch.zeros(0).long())
    with pytest.raises(ValueError, match="empty"):
        fit(small_model(), empty, config=FitConfig(epochs=1))


def test_bad_config_values_name_the_choices():
    with pytest.raises(ValueError, match="choose one of"):
        FitConfig(optimizer="adagrad")
    with pytest.raises(ValueError, match="lr must be > 0"):
        FitConfig(lr=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_uses_cuda_with_autocast(blobs):
    model = small_model()
    history = fit(model, blobs, config=FitConfig(epochs=1, batch_size=64), val_data=blobs)
    assert history.device.startswith("cuda")
    assert next(model.parameters()).is_cuda


def test_epoch_metrics_are_logged_with_their_names(blobs):
    calls = []

    def source_accuracy():
        calls.append(1)
        return {"acc": 0.25}

    history = fit(
        small_model(),
        blobs,
        config=FitConfig(epochs=2, batch_size=128),
        epoch_metrics={"source": source_accuracy},
    )
    assert history.series("source_acc", per="epoch") == [0.25, 0.25]
    assert len(calls) == 2
