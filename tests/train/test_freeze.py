import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from tlwidgets.models import create_backbone, list_backbones
from tlwidgets.train import FitConfig, fit, freeze_stages, frozen_depth, unfreeze_all


def stage_state(model, depth):
    return {
        key: value.clone()
        for index in range(depth)
        for key, value in model.stages[index].state_dict().items()
    }


@pytest.mark.parametrize("name", list_backbones())
def test_frozen_stages_and_their_batchnorm_statistics_stay_bit_identical(name, blobs):
    torch.manual_seed(0)
    model = create_backbone(name, num_classes=4)
    depth = len(model.stages) - 1
    freeze_stages(model, depth)
    before = stage_state(model, depth)
    assert any("running_mean" in key for key in before)
    history = fit(model, blobs, config=FitConfig(epochs=2, batch_size=32, lr=1e-2))
    assert history.num_steps > 0
    after = stage_state(model, depth)
    for key, value in before.items():
        assert torch.equal(value, after[key]), key
    # The unfrozen last stage did learn, and its BatchNorm did update.
    last_bn = next(m for m in model.stages[-1].modules() if isinstance(m, _BatchNorm))
    assert not torch.equal(last_bn.running_mean, torch.zeros_like(last_bn.running_mean))


def test_the_batchnorm_trap_when_the_rule_is_switched_off(blobs):
    torch.manual_seed(0)
    model = create_backbone("resnet", num_classes=4)
    freeze_stages(model, 2)
    before = stage_state(model, 2)
    fit(model, blobs, config=FitConfig(epochs=1, batch_size=32, freeze_batchnorm_stats=False))
    after = stage_state(model, 2)
    changed = [key for key in before if not torch.equal(before[key], after[key])]
    assert changed and all("running" in key or "num_batches" in key for key in changed)


def test_freeze_depth_range_and_errors():
    model = create_backbone("resnet")
    for depth in range(len(model.stages) + 1):
        freeze_stages(model, depth)
        assert frozen_depth(model) == depth
        assert all(p.requires_grad for p in model.classifier.parameters())
    with pytest.raises(ValueError, match=r"freeze depth 6 is impossible .* 5 stages; choose 0"):
        freeze_stages(model, 6)
    with pytest.raises(ValueError, match="impossible"):
        freeze_stages(model, -1)
    unfreeze_all(model)
    assert frozen_depth(model) == 0


def test_freezing_a_plain_module_explains_what_is_needed():
    with pytest.raises(TypeError, match="no ordered `stages`"):
        freeze_stages(torch.nn.Linear(3, 3), 1)
