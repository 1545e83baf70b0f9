import pytest
import torch
from torch.utils.data import TensorDataset

from tlwidgets.analysis import extract_features
from tlwidgets.models import create_backbone


def images(n=10):
    return TensorDataset(torch.rand(n, 3, 32, 32), torch.zeros(n).long())


def test_features_at_every_stage_have_the_stage_width():
    model = create_backbone("resnet")
    data = images()
    widths = []
    for stage in range(len(model.stages)):
        features = extract_features(model, data, stage, batch_size=4)
        assert features.shape[0] == 10 and features.dtype == torch.float32
        widths.append(features.shape[1])
    assert widths == [16, 16, 32, 64, 128]
    assert extract_features(model, data).shape == (10, model.num_features)


def test_unpooled_maps_and_model_mode_is_restored():
    model = create_backbone("small_cnn").train()
    maps = extract_features(model, images(3), stage=0, pool=False)
    assert maps.shape == (3, 16, 16, 16)
    assert model.training


def test_features_match_the_model_forward_pass():
    model = create_backbone("small_cnn").eval()
    data = images(5)
    pooled = model.forward_head(model.forward_features(data.tensors[0]), pre_logits=True)
    assert torch.allclose(extract_features(model, data), pooled, atol=1e-5)


def test_bad_stage_is_explained():
    with pytest.raises(ValueError, match=r"stage must be in 0..3"):
        extract_features(create_backbone("small_cnn"), images(), stage=4)
    with pytest.raises(TypeError, match="not a tlwidgets backbone"):
        extract_features(torch.nn.Linear(2, 2), images())
