"""The digit builders: determinism, MNIST-M's pairing with MNIST, UCI's scaling."""

import numpy as np
import pytest

from tlwidgets.data import build_datasets
from tlwidgets.data.build import load_arrays
from tlwidgets.data.digits import make_uci


def _build_into(home, monkeypatch, names):
    monkeypatch.setenv("TLW_DATA_HOME", str(home))
    build_datasets(names)
    return {name: {k: np.array(v) for k, v in load_arrays(name).items()} for name in names}


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(["mnist", "mnistm", "uci"])


def test_two_builds_into_two_homes_give_identical_arrays(tmp_path, monkeypatch):
    first = _build_into(tmp_path / "a", monkeypatch, ["mnist", "uci"])
    second = _build_into(tmp_path / "b", monkeypatch, ["mnist", "uci"])
    for name in ("mnist", "uci"):
        assert first[name].keys() == second[name].keys()
        for key in first[name]:
            assert np.array_equal(first[name][key], second[name][key]), (name, key)


def test_mnistm_pairs_every_image_with_the_same_mnist_image():
    mnist, mnistm = load_arrays("mnist"), load_arrays("mnistm")
    for split in ("train", "test"):
        assert np.array_equal(mnist[f"y_{split}"], mnistm[f"y_{split}"])
        assert np.array_equal(mnist[f"source_{split}"], mnistm[f"source_{split}"])
        assert mnistm[f"x_{split}"].shape == (len(mnist[f"x_{split}"]), 3, 32, 32)


def test_mnistm_is_abs_of_patch_minus_digit_where_the_digit_is_solid():
    mnist, mnistm = load_arrays("mnist"), load_arrays("mnistm")
    digit = mnist["x_test"].astype(int)  # (N, 32, 32)
    blended = mnistm["x_test"].astype(int)  # (N, 3, 32, 32)
    # where the digit is black the photo shows: channels differ somewhere
    assert (blended[:, 0] != blended[:, 1])[digit == 0].mean() > 0.5
    # a patch p under a white stroke becomes 255 - p: the blend of two neighbours changes
    assert blended.std() > 30


def test_mnist_and_uci_splits_do_not_overlap():
    for name in ("mnist", "uci"):
        arrays = load_arrays(name)
        assert not set(arrays["source_train"]) & set(arrays["source_test"])
        total = len(arrays["source_train"]) + len(arrays["source_test"])
        assert len(set(arrays["source_train"]) | set(arrays["source_test"])) == total


def test_uci_digits_are_upsampled_into_a_padded_frame():
    arrays = make_uci()
    x = arrays["x_train"]
    assert x.shape[1:] == (32, 32) and x.dtype == np.uint8
    assert x[:, :4].max() == 0 and x[:, -4:].max() == 0  # 4-pixel black border
    assert x[:, :, :4].max() == 0 and x[:, :, -4:].max() == 0
    assert x.max() == 255


@pytest.mark.parametrize("name", ["mnist", "mnistm", "synth", "uci"])
def test_cached_arrays_are_read_only(name):
    arrays = load_arrays(name)
    with pytest.raises(ValueError):
        arrays["y_train"][0] = 3
