"""Multitask models: hard sharing (one backbone, a head per task) and soft sharing."""

import pytest
import torch

from tlwidgets.data import Task
from tlwidgets.models import (
    MultiHeadModel,
    SoftSharingModel,
    count_parameters,
    create_backbone,
    list_backbones,
)

DIGITS = tuple(str(d) for d in range(10))
TASKS = (
    Task("left", "classification", DIGITS),
    Task("font", "classification", ("serif", "sans", "mono")),
    Task("rotation", "regression", unit="radians"),
)


def seeded_backbone(name: str = "small_cnn"):
    torch.manual_seed(0)
    return create_backbone(name, num_classes=0)


@pytest.mark.parametrize("name", list_backbones())
def test_multihead_outputs_logits_per_class_task_and_one_number_per_regression(name):
    model = MultiHeadModel(create_backbone(name, num_classes=7), TASKS)
    outputs = model(torch.rand(5, 3, 32, 32))
    assert list(outputs) == ["left", "font", "rotation"]
    assert outputs["left"].shape == (5, 10)
    assert outputs["font"].shape == (5, 3)
    assert outputs["rotation"].shape == (5,)
    assert model.features(torch.rand(2, 3, 32, 32)).shape == (2, model.backbone.num_features)


def test_multihead_shares_the_backbone_and_counts_its_parameters_once():
    two = MultiHeadModel(seeded_backbone(), TASKS[:2])
    left = MultiHeadModel(seeded_backbone(), TASKS[:1])
    font = MultiHeadModel(seeded_backbone(), TASKS[1:2])
    backbone = count_parameters(seeded_backbone())
    d = two.backbone.num_features
    assert count_parameters(two) == backbone + (d * 10 + 10) + (d * 3 + 3)
    assert count_parameters(two) < count_parameters(left) + count_parameters(font)
    assert count_parameters(left) + count_parameters(font) - count_parameters(two) == backbone


def test_multihead_shared_parameters_are_the_trainable_backbone_weights():
    model = MultiHeadModel(seeded_backbone(), TASKS)
    shared = {id(p) for p in model.shared_parameters()}
    assert shared == {id(p) for p in model.backbone.parameters()}
    assert not shared & {id(p) for p in model.heads.parameters()}
    last = {id(p) for p in model.last_shared_parameters()}
    assert last and last < shared
    assert last == {id(p) for p in model.backbone.stages[-1].parameters()}
    for p in model.backbone.stages[0].parameters():  # frozen weights are not "shared"
        p.requires_grad_(False)
    assert len(model.shared_parameters()) < len(shared)
    assert float(model.regularization()) == 0.0


def test_multihead_needs_a_task():
    with pytest.raises(ValueError, match="at least one task"):
        MultiHeadModel(seeded_backbone(), [])


def test_soft_sharing_has_a_backbone_per_task_and_the_same_outputs_api():
    model = SoftSharingModel(seeded_backbone, TASKS, tie=0.1)
    outputs = model(torch.rand(4, 3, 32, 32))
    assert {k: tuple(v.shape) for k, v in outputs.items()} == {
        "left": (4, 10),
        "font": (4, 3),
        "rotation": (4,),
    }
    assert model.shared_parameters() == [] and model.last_shared_parameters() == []
    single = count_parameters(MultiHeadModel(seeded_backbone(), TASKS[:1]))
    assert count_parameters(model) > 2 * single  # three towers


def test_soft_sharing_penalty_is_zero_for_identical_backbones_and_scales_with_tie():
    tasks = TASKS[:2]
    identical = SoftSharingModel(seeded_backbone, tasks, tie=1.0)
    assert float(identical.regularization().detach()) == 0.0
    with torch.no_grad():  # move one weight of one tower by 0.1: mean moves by 0.05
        next(identical.towers["left"].backbone.parameters()).view(-1)[0] += 0.1
    # (0.05)^2 + (0.05)^2 over the two towers
    assert float(identical.regularization().detach()) == pytest.approx(0.005, rel=1e-4)
    identical.tie = 3.0
    assert float(identical.regularization().detach()) == pytest.approx(0.015, rel=1e-4)

    independent = SoftSharingModel(lambda: create_backbone("small_cnn", num_classes=0), tasks)
    penalty = independent.regularization()
    assert penalty > 0
    penalty.backward()  # it pulls the backbones together; heads are not tied
    assert next(independent.towers["left"].backbone.parameters()).grad is not None
    assert independent.towers["left"].heads["left"].weight.grad is None
    with pytest.raises(ValueError, match="tie"):
        SoftSharingModel(seeded_backbone, tasks, tie=-1.0)
