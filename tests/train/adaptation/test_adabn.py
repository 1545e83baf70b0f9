import pytest
import torch
from torch import nn

from tlwidgets.models import Backbone, create_backbone
from tlwidgets.train.adaptation import adapt_batchnorm


def _one_stage_toy() -> Backbone:
    torch.manual_seed(0)
    stage = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4))
    return Backbone([stage], num_features=4, num_classes=2)


def test_running_stats_become_the_target_batch_statistics():
    model = _one_stage_toy()
    target = torch.rand(20, 3, 8, 8) * 3 + 1
    conv, norm = model.stages[0]
    with torch.no_grad():
        maps = conv(target)  # (20, 4, 8, 8)
    adapt_batchnorm(model, target, batch_size=256)
    assert torch.allclose(norm.running_mean, maps.mean(dim=(0, 2, 3)), atol=1e-5)
    assert torch.allclose(norm.running_var, maps.var(dim=(0, 2, 3), unbiased=True), atol=1e-4)


def test_only_statistics_change_and_momentum_and_eval_mode_are_restored():
    model = _one_stage_toy()
    norm = model.stages[0][1]
    norm.momentum = 0.3
    before = {k: v.clone() for k, v in model.named_parameters()}
    model.train()
    adapt_batchnorm(model, torch.rand(10, 3, 8, 8) + 2)
    assert all(torch.equal(before[k], v) for k, v in model.named_parameters())
    assert norm.momentum == 0.3 and not model.training and not norm.training
    assert norm.running_mean.abs().sum() > 0


def test_several_batches_average_into_the_whole_target_statistics():
    model = create_backbone("small_cnn", 10)
    target = torch.rand(30, 3, 32, 32)
    adapt_batchnorm(model, target, batch_size=8)  # 4 near-equal batches, none of size 1
    norm = model.stages[0][0][1]
    with torch.no_grad():
        maps = model.stages[0][0][0](target)
    assert torch.allclose(norm.running_mean, maps.mean(dim=(0, 2, 3)), atol=1e-3)


def test_empty_target_is_explained():
    with pytest.raises(ValueError, match="empty"):
        adapt_batchnorm(_one_stage_toy(), torch.rand(0, 3, 8, 8))
