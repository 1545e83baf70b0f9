"""TransferConfig's layer_decay, transfer_depth ("AnB") and freeze_batchnorm_stats options."""

import importlib

import pytest
import torch

from tlwidgets.data import LabelledImages
from tlwidgets.models import create_backbone, load_pretrained
from tlwidgets.train import (
    History,
    TransferConfig,
    build_transfer_model,
    frozen_depth,
    restart_stages_after,
    transfer,
)

# the module, not the function `tlwidgets.train.transfer` that shadows it in the package
transfer_module = importlib.import_module("tlwidgets.train.transfer")

PRETRAINED = "glyphs-resnet"
NUM_STAGES = 5  # the resnet's stem + four residual stages


@pytest.fixture(scope="module")
def pretrained():
    return load_pretrained(PRETRAINED)


@pytest.fixture
def tiny() -> LabelledImages:
    """40 random images in 4 classes (10 each): enough for one quick epoch."""
    generator = torch.Generator().manual_seed(0)
    return LabelledImages(
        images=torch.rand(40, 3, 32, 32, generator=generator),
        labels=torch.arange(40) % 4,
        classes=["a", "b", "c", "d"],
        name="tiny",
        split="train",
    )


def _stage_equal(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    """Every tensor of the two stages' state dicts (parameters and BatchNorm buffers) equal."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k].to(sa[k].device)) for k in sa)


def _build(depth, seed=0, strategy="finetune_all"):
    config = TransferConfig(strategy, transfer_depth=depth, seed=seed)
    return build_transfer_model("resnet", PRETRAINED, 10, config)


# --- transfer_depth ------------------------------------------------------------------------


def test_transfer_depth_keeps_early_stages_and_restarts_later_stages(pretrained):
    model = _build(2)
    for index in (0, 1):
        assert _stage_equal(model.stages[index], pretrained.stages[index]), index
    for index in (2, 3, 4):
        assert not torch.equal(
            model.stages[index].conv1.weight, pretrained.stages[index].conv1.weight
        ), index


def test_restarted_stages_have_fresh_batchnorm_statistics(pretrained):
    model = _build(2)
    assert pretrained.stages[3].bn1.running_mean.abs().sum() > 0  # pretrained stats are learnt
    for index in (2, 3, 4):
        bn = model.stages[index].bn1
        assert torch.equal(bn.running_mean, torch.zeros_like(bn.running_mean)), index
        assert torch.equal(bn.running_var, torch.ones_like(bn.running_var)), index


def test_transfer_depth_none_and_full_depth_keep_every_pretrained_stage(pretrained):
    for depth in (None, NUM_STAGES):
        model = _build(depth)
        for index in range(NUM_STAGES):
            assert _stage_equal(model.stages[index], pretrained.stages[index]), (depth, index)


def test_transfer_depth_zero_restarts_every_stage_including_the_stem(pretrained):
    model = _build(0)
    for index in range(NUM_STAGES):
        assert not _stage_equal(model.stages[index], pretrained.stages[index]), index


def test_restarted_stages_are_deterministic_for_a_seed_and_change_with_it():
    a, b, other = _build(2, seed=0), _build(2, seed=0), _build(2, seed=1)
    for index in range(NUM_STAGES):
        assert _stage_equal(a.stages[index], b.stages[index]), index
    for index in (2, 3, 4):
        assert not torch.equal(a.stages[index].conv1.weight, other.stages[index].conv1.weight)
    assert _stage_equal(a.stages[1], other.stages[1])  # kept stages do not depend on the seed


def test_transfer_depth_does_not_change_the_new_heads_initialisation():
    """The head is drawn before the restarted stages: an AnB sweep compares like with like."""
    full, partial = _build(None), _build(2)
    assert torch.equal(full.classifier.weight, partial.classifier.weight)
    assert torch.equal(full.classifier.bias, partial.classifier.bias)


def test_scratch_ignores_transfer_depth():
    a = build_transfer_model("resnet", PRETRAINED, 10, TransferConfig("scratch"))
    b = build_transfer_model("resnet", PRETRAINED, 10, TransferConfig("scratch", transfer_depth=2))
    for index in range(NUM_STAGES):
        assert _stage_equal(a.stages[index], b.stages[index]), index


def test_finetune_top_freezes_kept_stages_of_a_partial_transfer(pretrained):
    config = TransferConfig("finetune_top", freeze_depth=2, transfer_depth=2)
    model = build_transfer_model("resnet", PRETRAINED, 10, config)
    assert frozen_depth(model) == 2
    assert _stage_equal(model.stages[1], pretrained.stages[1])


def test_negative_transfer_depth_is_refused():
    with pytest.raises(ValueError, match="transfer_depth must be >= 0"):
        TransferConfig(transfer_depth=-1)


def test_finetune_top_cannot_freeze_restarted_stages():
    with pytest.raises(ValueError, match="freeze at most 2 stages"):
        TransferConfig("finetune_top", freeze_depth=3, transfer_depth=2)
    TransferConfig("finetune_top", freeze_depth=2, transfer_depth=2)  # the limit is allowed


def test_restart_stages_after_refuses_a_depth_beyond_the_stages_and_names_the_range():
    model = create_backbone("resnet", num_classes=10)
    with pytest.raises(ValueError, match="keep 0 to 5 pretrained stages"):
        restart_stages_after(model, NUM_STAGES + 1, "resnet")
    with pytest.raises(ValueError, match="transfer_depth=6 is impossible"):
        build_transfer_model("resnet", PRETRAINED, 10, TransferConfig(transfer_depth=6))


# --- layer_decay and freeze_batchnorm_stats reach fit ---------------------------------------


@pytest.fixture
def fit_calls(monkeypatch):
    """Replace transfer's fit by a spy that records its keyword arguments and trains nothing."""
    calls = []

    def spy(model, train_data, objective=None, config=None, **kwargs):
        calls.append({"model": model, "config": config, **kwargs})
        return History()

    monkeypatch.setattr(transfer_module, "fit", spy)
    return calls


def _run(config, data):
    return transfer(
        config,
        backbone="resnet",
        pretrained=PRETRAINED,
        train_data=data,
        val_data=data.subset(range(8)),
        device="cpu",
    )


def test_layer_decay_sets_each_stages_learning_rate(fit_calls, tiny):
    config = TransferConfig("finetune_all", lr=1e-2, backbone_lr_ratio=0.5, layer_decay=0.5)
    _run(config, tiny)
    rates = {group["name"]: group["lr"] for group in fit_calls[0]["param_groups"]}
    assert rates["head"] == pytest.approx(1e-2)
    for index in range(NUM_STAGES):
        expected = 1e-2 * 0.5 * 0.5 ** (NUM_STAGES - 1 - index)
        assert rates[f"stage{index}"] == pytest.approx(expected), index


def test_layer_decay_and_backbone_ratio_are_ignored_from_scratch(fit_calls, tiny):
    config = TransferConfig("scratch", lr=1e-2, backbone_lr_ratio=0.1, layer_decay=0.5)
    _run(config, tiny)
    groups = fit_calls[0]["param_groups"]
    assert len(groups) == NUM_STAGES + 1
    assert all(group["lr"] == pytest.approx(1e-2) for group in groups)


def test_layer_decay_leaves_frozen_stages_out_of_the_optimizer(fit_calls, tiny):
    config = TransferConfig("finetune_top", freeze_depth=3, layer_decay=0.5)
    _run(config, tiny)
    assert [g["name"] for g in fit_calls[0]["param_groups"]] == ["stage3", "stage4", "head"]


@pytest.mark.parametrize("freeze", [True, False])
def test_freeze_batchnorm_stats_is_passed_to_fit(fit_calls, tiny, freeze):
    _run(TransferConfig("linear_probe", freeze_batchnorm_stats=freeze), tiny)
    assert fit_calls[0]["config"].freeze_batchnorm_stats is freeze


# --- the BatchNorm trap, for real -----------------------------------------------------------


def _probe(tiny, freeze_batchnorm_stats):
    config = TransferConfig(
        "linear_probe",
        epochs=1,
        batch_size=4,
        labels_per_class=2,  # 8 images: two steps
        freeze_batchnorm_stats=freeze_batchnorm_stats,
    )
    model, history = _run(config, tiny)
    assert history.status == "completed"
    return model.cpu()


def test_linear_probe_keeps_every_backbone_tensor_bit_identical(tiny, pretrained):
    model = _probe(tiny, freeze_batchnorm_stats=True)
    for index in range(NUM_STAGES):
        assert _stage_equal(model.stages[index], pretrained.stages[index]), index


def test_batchnorm_trap_lets_a_frozen_backbones_running_stats_drift(tiny, pretrained):
    model = _probe(tiny, freeze_batchnorm_stats=False)
    assert frozen_depth(model) == NUM_STAGES  # still "frozen": no parameter trained...
    for index in range(NUM_STAGES):
        for name, parameter in model.stages[index].named_parameters():
            assert torch.equal(parameter, dict(pretrained.stages[index].named_parameters())[name])
    # ...but the BatchNorm running statistics followed the target data
    assert not torch.equal(
        model.stages[0][0][1].running_mean, pretrained.stages[0][0][1].running_mean
    )
    assert not torch.equal(model.stages[4].bn2.running_mean, pretrained.stages[4].bn2.running_mean)
