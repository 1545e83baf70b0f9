import pytest
import torch

from tlwidgets.models import Backbone, create_backbone, list_backbones


@pytest.mark.parametrize("name", list_backbones())
def test_every_backbone_shares_the_interface(name):
    model = create_backbone(name, num_classes=7)
    assert isinstance(model, Backbone)
    x = torch.rand(4, 3, 32, 32)
    maps = model.forward_features(x)
    assert maps.ndim == 4 and maps.shape[:2] == (4, model.num_features)
    assert model.forward_head(maps).shape == (4, 7)
    assert model.forward_head(maps, pre_logits=True).shape == (4, model.num_features)
    assert model(x).shape == (4, 7)
    assert len(model.stage_names) == len(model.stages) >= 3
    for depth in range(1, len(model.stages) + 1):
        assert model.forward_stages(x, depth).shape[0] == 4


@pytest.mark.parametrize("name", list_backbones())
def test_reset_classifier_changes_outputs_and_zero_gives_features(name):
    model = create_backbone(name)
    model.reset_classifier(3)
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 3)
    model.reset_classifier(0)
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, model.num_features)


def test_backbone_sizes_match_their_descriptions():
    sizes = {
        name: sum(p.numel() for p in create_backbone(name).parameters())
        for name in list_backbones()
    }
    assert 0.3e6 <= sizes["resnet"] <= 1.5e6
    assert 0.3e6 <= sizes["resnet_wide"] <= 1.5e6
    assert sizes["small_cnn"] < sizes["resnet"]


def test_unknown_backbone_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown backbone 'vit'; choose one of \['resnet'"):
        create_backbone("vit")


def test_bad_depth_and_input_shape_are_explained():
    model = create_backbone("resnet")
    with pytest.raises(ValueError, match=r"depth must be in 1..5"):
        model.forward_stages(torch.rand(1, 3, 32, 32), depth=9)
    with pytest.raises(ValueError, match=r"got \(1, 1, 32, 32\)"):
        model(torch.rand(1, 1, 32, 32))
