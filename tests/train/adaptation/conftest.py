import pytest
import torch

from tlwidgets.models import create_backbone


@pytest.fixture
def model():
    torch.manual_seed(0)
    return create_backbone("small_cnn", 10)


@pytest.fixture
def batch():
    """A tiny training batch (xs (8, 3, 32, 32), ys (8,), xt (6, 3, 32, 32))."""
    generator = torch.Generator().manual_seed(0)
    xs = torch.rand(8, 3, 32, 32, generator=generator)
    ys = torch.arange(8) % 10
    xt = torch.rand(6, 3, 32, 32, generator=generator) * 0.5 + 0.5
    return xs, ys, xt
