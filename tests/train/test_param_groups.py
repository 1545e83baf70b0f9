import pytest

from tlwidgets.models import create_backbone
from tlwidgets.train import FitConfig, fit, freeze_stages, layerwise_param_groups


def test_layer_decay_gives_smaller_rates_to_earlier_stages():
    model = create_backbone("resnet")
    groups = layerwise_param_groups(model, 1e-2, backbone_lr_ratio=0.5, layer_decay=0.5)
    rates = {group["name"]: group["lr"] for group in groups}
    assert rates["head"] == 1e-2
    assert rates["stage4"] == pytest.approx(5e-3)
    assert rates["stage0"] == pytest.approx(5e-3 * 0.5**4)
    counted = sum(p.numel() for group in groups for p in group["params"])
    assert counted == sum(p.numel() for p in model.parameters())


def test_frozen_stages_are_left_out():
    model = freeze_stages(create_backbone("small_cnn"), 3)
    names = [group["name"] for group in layerwise_param_groups(model, 1e-3)]
    assert names == ["stage3", "head"]


def test_groups_drive_fit(blobs):
    model = create_backbone("small_cnn", num_classes=4)
    groups = layerwise_param_groups(model, 1e-3, backbone_lr_ratio=0.1)
    history = fit(model, blobs, config=FitConfig(epochs=1, batch_size=64), param_groups=groups)
    assert history.steps[-1]["lr"] == pytest.approx(1e-3)  # the head's rate is reported


def test_bad_ratios_are_refused():
    model = create_backbone("small_cnn")
    with pytest.raises(ValueError, match="freeze_stages"):
        layerwise_param_groups(model, 1e-3, backbone_lr_ratio=0)
    with pytest.raises(ValueError, match=r"layer_decay must be in \(0, 1\]"):
        layerwise_param_groups(model, 1e-3, layer_decay=1.5)
