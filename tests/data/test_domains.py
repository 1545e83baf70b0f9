"""The public digit loaders: shapes, ranges, splits, sampling and smoke caps."""

import numpy as np
import pytest
import torch

from tlwidgets.data import DOMAINS, LabelledImages, build_datasets, list_datasets, load_domain

SPLIT_SIZES = {
    "mnist": (4000, 1000),
    "mnistm": (4000, 1000),
    "synth": (10000, 2000),
    "uci": (1438, 359),
}


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(list(DOMAINS))


@pytest.fixture
def full(monkeypatch):
    monkeypatch.delenv("TLW_SMOKE", raising=False)


def test_list_datasets_names_every_dataset():
    assert list_datasets() == [
        "creatures",
        "glyphs",
        "mnist",
        "mnistm",
        "multimnist",
        "synth",
        "synth_attributes",
        "uci",
    ]
    assert DOMAINS == ("mnist", "mnistm", "synth", "uci")


@pytest.mark.parametrize("name", DOMAINS)
def test_domain_shapes_dtypes_range_labels_and_split_sizes(name, full):
    for split, size in zip(("train", "test"), SPLIT_SIZES[name], strict=True):
        data = load_domain(name, split)
        assert isinstance(data, LabelledImages)
        assert data.images.shape == (size, 3, 32, 32)
        assert data.images.dtype == torch.float32
        assert 0.0 <= data.images.min() and data.images.max() <= 1.0
        assert data.labels.dtype == torch.int64
        assert set(data.labels.tolist()) == set(range(10))
        assert data.classes == [str(d) for d in range(10)]
        assert (data.name, data.split) == (name, split)


@pytest.mark.parametrize("name", DOMAINS)
def test_strokes_are_lighter_than_the_background(name, full):
    images = load_domain(name, "test").images  # (N, 3, 32, 32)
    border = torch.cat([images[..., 0, :], images[..., -1, :]], dim=-1).mean()
    centre = images[..., 12:20, 12:20].amax(dim=(-1, -2)).mean()
    assert centre > border + 0.15


@pytest.mark.parametrize("name", DOMAINS)
def test_splits_are_stratified(name, full):
    train = np.bincount(load_domain(name, "train").labels.numpy(), minlength=10)
    test = np.bincount(load_domain(name, "test").labels.numpy(), minlength=10)
    share = test / (train + test)
    expected = SPLIT_SIZES[name][1] / sum(SPLIT_SIZES[name])  # 0.2, or 1/6 for synth
    assert np.allclose(share, expected, atol=0.01)


def test_grey_domains_have_three_equal_channels(full):
    images = load_domain("mnist", "test").images
    assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 1], images[:, 2])
    colour = load_domain("mnistm", "test").images
    assert not torch.equal(colour[:, 0], colour[:, 1])


def test_labels_per_class_is_deterministic_per_seed_and_varies_across_seeds(full):
    a = load_domain("mnist", "train", labels_per_class=5, seed=1)
    b = load_domain("mnist", "train", labels_per_class=5, seed=1)
    c = load_domain("mnist", "train", labels_per_class=5, seed=2)
    assert len(a) == 50 and np.bincount(a.labels.numpy()).tolist() == [5] * 10
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.images, c.images)


def test_labels_per_class_draws_from_the_chosen_split(full):
    test = load_domain("uci", "test")
    few = load_domain("uci", "test", labels_per_class=3)
    flat = test.images.flatten(1)
    for image in few.images.flatten(1):
        assert (flat == image).all(dim=1).any()


def test_labels_per_class_above_the_maximum_says_the_maximum(full):
    with pytest.raises(ValueError, match="maximum is 400"):
        load_domain("mnist", "train", labels_per_class=401)
    with pytest.raises(ValueError, match="maximum is 35"):
        load_domain("uci", "test", labels_per_class=100)
    with pytest.raises(ValueError):
        load_domain("uci", "test", labels_per_class=0)


def test_smoke_mode_caps_each_class_deterministically(monkeypatch):
    monkeypatch.setenv("TLW_SMOKE", "1")
    train = load_domain("synth", "train")
    test = load_domain("synth", "test")
    assert np.bincount(train.labels.numpy()).tolist() == [30] * 10
    assert np.bincount(test.labels.numpy()).tolist() == [10] * 10
    assert torch.equal(load_domain("synth", "train").images, train.images)
    few = load_domain("synth", "train", labels_per_class=50)  # explicit sizes are not capped
    assert len(few) == 500


def test_unknown_domain_names_the_valid_choices():
    with pytest.raises(ValueError, match="mnist, mnistm, synth, uci"):
        load_domain("svhn")
    with pytest.raises(ValueError, match="load_glyphs"):
        load_domain("glyphs")


def test_unknown_split_names_the_valid_choices():
    with pytest.raises(ValueError, match="train, test"):
        load_domain("mnist", "validation")


def test_items_subsets_and_dataloaders_work(full):
    data = load_domain("uci", "test")
    image, label = data[3]
    assert image.shape == (3, 32, 32) and label.dtype == torch.int64 and label.ndim == 0
    part = data.subset([0, 5, 7])
    assert len(part) == 3 and part.classes == data.classes
    assert torch.equal(part.images[1], data.images[5])
    batch_images, batch_labels = next(iter(torch.utils.data.DataLoader(data, batch_size=8)))
    assert batch_images.shape == (8, 3, 32, 32) and batch_labels.shape == (8,)
    assert "uci" in repr(data) and "359" in repr(data)
