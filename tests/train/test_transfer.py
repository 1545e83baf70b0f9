import threading

import pytest
import torch

from tlwidgets.data import load_domain
from tlwidgets.models import load_pretrained
from tlwidgets.train import (
    Callback,
    TransferConfig,
    build_transfer_model,
    frozen_depth,
    load_source_task,
    select_labels,
    transfer,
)


@pytest.fixture(scope="module")
def mnist():
    return load_domain("mnist", "train"), load_domain("mnist", "test")


@pytest.mark.parametrize(
    ("strategy", "depth", "expected"),
    [("scratch", 3, 0), ("finetune_all", 3, 0), ("linear_probe", 0, 5), ("finetune_top", 3, 3)],
)
def test_each_strategy_freezes_what_it_says(strategy, depth, expected):
    config = TransferConfig(strategy=strategy, freeze_depth=depth)
    model = build_transfer_model("resnet", "glyphs-resnet", 10, config)
    assert frozen_depth(model) == expected
    assert model.num_classes == 10


def test_scratch_ignores_the_pretrained_weights_and_others_keep_them():
    pretrained = load_pretrained("glyphs-resnet").stages[1].conv1.weight
    scratch = build_transfer_model("resnet", "glyphs-resnet", 10, TransferConfig("scratch"))
    tuned = build_transfer_model("resnet", "glyphs-resnet", 10, TransferConfig("finetune_all"))
    assert not torch.equal(scratch.stages[1].conv1.weight, pretrained)
    assert torch.equal(tuned.stages[1].conv1.weight, pretrained)


def test_impossible_freeze_depth_is_explained():
    with pytest.raises(ValueError, match="freeze depth 9 is impossible"):
        build_transfer_model("resnet", "glyphs-resnet", 10, TransferConfig("finetune_top", 9))


def test_select_labels_is_balanced_seeded_and_bounded(mnist):
    train, _ = mnist
    a = select_labels(train, 2, seed=0)
    assert torch.bincount(a.labels).tolist() == [2] * 10
    assert torch.equal(a.labels, select_labels(train, 2, seed=0).labels)
    assert not torch.equal(a.images, select_labels(train, 2, seed=1).images)
    assert select_labels(train, None, seed=0) is train
    with pytest.raises(ValueError, match="choose at most 30"):
        select_labels(train, 31, seed=0)
    with pytest.raises(ValueError, match="empty"):
        select_labels(train.subset([]), 1, seed=0)


def test_bad_strategy_names_the_choices():
    with pytest.raises(ValueError, match="choose one of"):
        TransferConfig(strategy="distill")


def test_transfer_logs_target_and_source_accuracy(mnist):
    train, test = mnist
    source = load_source_task("glyphs-resnet", max_examples=64)
    assert len(source.data) == 64
    config = TransferConfig("finetune_all", epochs=2, labels_per_class=2, batch_size=8)
    model, history = transfer(
        config,
        backbone="resnet",
        pretrained="glyphs-resnet",
        train_data=train,
        val_data=test,
        source=source,
    )
    assert history.status == "completed"
    assert len(history.series("target_acc", per="epoch")) == 2
    assert len(history.series("source_acc", per="epoch")) == 2
    assert model.num_classes == 10


def test_transfer_stops_when_asked(mnist):
    train, test = mnist
    stop = threading.Event()

    class StopAtOnce(Callback):
        def on_step(self, state):
            stop.set()

    _, history = transfer(
        TransferConfig("linear_probe", epochs=50, labels_per_class=4, batch_size=4),
        backbone="resnet",
        pretrained="glyphs-resnet",
        train_data=train,
        val_data=test,
        callbacks=[StopAtOnce()],
        stop_event=stop,
    )
    assert history.status == "stopped" and history.num_steps == 1
