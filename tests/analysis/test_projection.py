import numpy as np
import pytest
import torch

from tlwidgets.analysis import knn_accuracy, project


def clusters(n=60, d=8):
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % 3
    features = torch.randn(n, d, generator=generator) * 0.1
    features[torch.arange(n), labels] += 3.0
    return features, labels


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_projection_shape_and_determinism(method):
    features, _ = clusters()
    a = project(features, method, seed=1)
    b = project(features, method, seed=1)
    assert a.shape == (60, 2) and a.dtype == np.float32
    np.testing.assert_allclose(a, b)


def test_unknown_projection_and_too_few_points():
    features, _ = clusters()
    with pytest.raises(ValueError, match="choose one of"):
        project(features, "umap")
    with pytest.raises(ValueError, match="need more than 2 points"):
        project(features[:2])


def test_knn_accuracy_on_clusters_and_noise():
    features, labels = clusters()
    assert knn_accuracy(features[:30], labels[:30], features[30:], labels[30:]) == 1.0
    noise = torch.randn(200, 8, generator=torch.Generator().manual_seed(1))
    random_labels = torch.randint(0, 2, (200,), generator=torch.Generator().manual_seed(2))
    assert knn_accuracy(noise[:100], random_labels[:100], noise[100:], random_labels[100:]) < 0.7
