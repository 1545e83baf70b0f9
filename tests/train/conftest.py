import pytest
import torch
from torch.utils.data import TensorDataset


def make_blobs(n: int = 256, num_classes: int = 4, seed: int = 0) -> TensorDataset:
    """Tiny images whose class is a colour offset: learnable in a few steps."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % num_classes
    images = torch.rand(n, 3, 32, 32, generator=generator) * 0.5
    images[:, 0] += labels.view(-1, 1, 1).float() / num_classes
    return TensorDataset(images, labels)


@pytest.fixture
def blobs() -> TensorDataset:
    return make_blobs()
