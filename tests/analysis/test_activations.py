import pytest
import torch
from torch import nn

from tlwidgets.analysis import first_layer_filters, nearest_neighbours, stage_activations
from tlwidgets.models import create_backbone


@pytest.fixture(scope="module")
def resnet():
    torch.manual_seed(0)
    return create_backbone("resnet", num_classes=0)


def test_first_layer_filters_are_a_copy_of_stage_zero_conv(resnet):
    filters = first_layer_filters(resnet)
    assert filters.shape == (16, 3, 3, 3)
    filters.zero_()
    assert first_layer_filters(resnet).abs().sum() > 0  # the model's weights are untouched


def test_stage_activations_keep_the_strongest_channels_and_the_mode(resnet):
    image = torch.rand(3, 32, 32)
    resnet.train()
    found = stage_activations(resnet, image, channels=4)
    assert resnet.training  # restored after running in eval mode
    sizes = [16, 16, 8, 4, 2]
    assert [tuple(maps.shape) for maps, _ in found] == [(4, s, s) for s in sizes]
    maps, channels = found[2]
    strength = maps.mean(dim=(1, 2))
    assert torch.all(strength[:-1] >= strength[1:])  # strongest first
    with torch.no_grad():
        full = resnet.eval().forward_stages(image[None], depth=3)[0]
    torch.testing.assert_close(maps, full[channels])
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        stage_activations(resnet, image[None])


def test_nearest_neighbours_exclude_the_point_and_come_nearest_first():
    features = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.7, 0.3], [-1.0, 0.0]])
    assert nearest_neighbours(features, 0, k=3).tolist() == [1, 3, 2]
    assert len(nearest_neighbours(features, 2, k=8)) == 4
    with pytest.raises(ValueError, match=r"index must be in 0\.\.4"):
        nearest_neighbours(features, 5)


def test_a_module_without_stages_is_refused():
    with pytest.raises(TypeError, match="not a tlwidgets backbone"):
        first_layer_filters(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="not a tlwidgets backbone"):
        stage_activations(nn.Linear(2, 2), torch.rand(3, 8, 8))
