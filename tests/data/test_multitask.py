"""The multitask datasets: MultiMNIST and synth_attributes, their builders and loader."""

import math

import numpy as np
import pytest
import torch

from tlwidgets.data import (
    MULTITASK_SETS,
    LabelledImages,
    MultiTaskImages,
    Task,
    build_datasets,
    load_multitask,
    shuffled_task,
    with_digit_sum,
)
from tlwidgets.data.attributes import (
    BACKGROUNDS,
    FAMILIES,
    font_family,
    make_synth_attributes,
)
from tlwidgets.data.build import load_arrays
from tlwidgets.data.fonts import find_digit_fonts
from tlwidgets.data.multimnist import PAIRINGS, SHIFT, make_multimnist, overlay_pair

TASK_NAMES = {
    "multimnist": ["left", "right"],
    "synth_attributes": ["digit", "font", "rotation", "background"],
}


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(list(MULTITASK_SETS))


# --- the loader ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", MULTITASK_SETS)
def test_load_multitask_shapes_dtypes_and_smoke_sizes(name):
    assert MULTITASK_SETS == ("multimnist", "synth_attributes")
    for split, size in (("train", 300), ("test", 100)):
        data = load_multitask(name, split)
        assert isinstance(data, MultiTaskImages)
        assert (data.name, data.split, len(data)) == (name, split, size)
        assert data.images.shape == (size, 3, 32, 32) and data.images.dtype == torch.float32
        assert 0.0 <= data.images.min() and data.images.max() <= 1.0
        assert [t.name for t in data.tasks] == TASK_NAMES[name]
        item = data[0]
        assert len(item) == 1 + len(data.tasks) and item[0].shape == (3, 32, 32)
        for task, target in zip(data.tasks, item[1:], strict=True):
            want = torch.int64 if task.kind == "classification" else torch.float32
            assert target.dtype == want and data.targets[task.name].shape == (size,)
        assert f"n={size}" in repr(data)


def test_multimnist_tasks_and_targets():
    data = load_multitask("multimnist")
    assert [(t.kind, t.num_outputs) for t in data.tasks] == [("classification", 10)] * 2
    assert data.task("left").classes == tuple("0123456789")
    for name in ("left", "right"):
        values = data.targets[name]
        assert 0 <= values.min() and values.max() <= 9
        assert len(values.unique()) == 10  # 300 random pairs cover every digit
    assert not torch.equal(data.targets["left"], data.targets["right"])
    # grey digits replicated to three channels
    assert torch.equal(data.images[:, 0], data.images[:, 2])


def test_synth_attributes_tasks_and_targets():
    data = load_multitask("synth_attributes", "test")
    kinds = {t.name: (t.kind, t.classes, t.unit) for t in data.tasks}
    assert kinds["font"] == ("classification", FAMILIES, "")
    assert kinds["background"] == ("classification", tuple(BACKGROUNDS), "")
    assert kinds["rotation"] == ("regression", (), "radians")
    assert data.task("rotation").num_outputs == 1
    for name, size in (("digit", 10), ("font", 3), ("background", 4)):
        values = data.targets[name]
        assert values.min() == 0 and values.max() == size - 1
    rotation = data.targets["rotation"]
    assert rotation.abs().max() <= math.pi / 4 + 1e-6  # +-45 degrees, in radians
    assert rotation.abs().max() > 0.6 and rotation.min() < 0 < rotation.max()
    assert not torch.equal(data.images[:, 0], data.images[:, 2])  # colour images


def test_full_splits_have_the_documented_sizes_and_balance():
    multi = load_arrays("multimnist")
    assert multi["x_train"].shape == (8000, 32, 32) and multi["y_train"].shape == (8000, 2)
    assert multi["x_test"].shape == (1000, 32, 32)
    # each MNIST image is the left digit of PAIRINGS training pairs and one test pair
    assert np.bincount(multi["y_train"][:, 0]).tolist() == [400 * PAIRINGS] * 10
    assert np.bincount(multi["y_test"][:, 0]).tolist() == [100] * 10
    assert (multi["shift_train"] >= SHIFT[0]).all() and (multi["shift_train"] <= SHIFT[1]).all()
    attrs = load_arrays("synth_attributes")
    assert attrs["x_train"].shape == (6000, 3, 32, 32) and len(attrs["y_test"]) == 2000
    families = np.bincount(attrs["y_train"][:, 1]) / 6000
    assert np.allclose(families, 1 / 3, atol=0.03)  # families drawn uniformly


def test_synth_attributes_labels_agree_with_the_images():
    arrays = load_arrays("synth_attributes")
    x = arrays["x_train"].astype(float) / 255  # (N, 3, 32, 32)
    y, angle = arrays["y_train"], arrays["angle_train"]
    names = arrays["font_names"]
    # the family column is the family of the recorded font
    assert [font_family(n) for n in names[arrays["font_train"]]] == [FAMILIES[f] for f in y[:, 1]]
    # the corner pixel is the background colour: nearest palette entry is the label
    palette = np.array(list(BACKGROUNDS.values()))  # (4, 3)
    corner = x[:, :, 0, 0]  # (N, 3)
    nearest = np.argmin(((corner[:, None] - palette[None]) ** 2).sum(-1), axis=1)
    assert (nearest == y[:, 2]).mean() > 0.97
    # a "1" turned counter-clockwise (angle > 0) leans like "\": rows and columns co-vary
    ones = np.flatnonzero((y[:, 0] == 1) & (np.abs(angle) > 0.4))[:40]
    rows, cols = np.mgrid[0:32, 0:32]
    for i in ones:
        ink = np.clip(x[i].mean(0) - np.median(x[i].mean(0)), 0, None)
        ink /= ink.sum()
        r, c = (ink * rows).sum(), (ink * cols).sum()
        assert np.sign((ink * (rows - r) * (cols - c)).sum()) == np.sign(angle[i])


def test_loader_rejects_unknown_name_split_and_task():
    with pytest.raises(ValueError, match=r"unknown multitask dataset 'mnist'.*multimnist"):
        load_multitask("mnist")
    with pytest.raises(ValueError, match="unknown split 'val'"):
        load_multitask("multimnist", "val")
    data = load_multitask("multimnist", "test")
    with pytest.raises(ValueError, match=r"no task 'colour'.*left"):
        data.task("colour")
    with pytest.raises(ValueError, match="no task 'colour'"):
        data.select(["left", "colour"])


def test_task_validates_its_kind_and_classes():
    with pytest.raises(ValueError, match="unknown task kind"):
        Task("x", "ranking")
    with pytest.raises(ValueError, match="needs classes"):
        Task("x", "classification")
    with pytest.raises(ValueError, match="needs classes"):
        Task("x", "regression", classes=("a",))


def test_dataset_checks_targets_against_tasks_and_images():
    images = torch.zeros(4, 3, 32, 32)
    task = Task("a", "classification", ("x", "y"))
    with pytest.raises(ValueError, match="must name each target once"):
        MultiTaskImages(images, {"b": torch.zeros(4)}, (task,), "t", "train")
    with pytest.raises(ValueError, match="3 targets for 4 images"):
        MultiTaskImages(images, {"a": torch.zeros(3)}, (task,), "t", "train")


# --- views of a dataset --------------------------------------------------------------------


def test_select_with_task_subset_and_as_labelled():
    data = load_multitask("synth_attributes", "test")
    picked = data.select(["rotation", "digit"])
    assert [t.name for t in picked.tasks] == ["rotation", "digit"]
    assert set(picked.targets) == {"rotation", "digit"}
    assert picked.images is data.images and len(picked[0]) == 3
    assert torch.equal(picked[5][1], data.targets["rotation"][5])

    extra = Task("parity", "classification", ("even", "odd"))
    more = data.with_task(extra, data.targets["digit"] % 2)
    assert more.tasks[-1] == extra and len(more[0]) == 6
    assert len(data.tasks) == 4  # the original is unchanged
    with pytest.raises(ValueError, match="already has a task 'digit'"):
        data.with_task(Task("digit", "regression"), data.targets["rotation"])

    part = data.subset([3, 1, 4])
    assert len(part) == 3
    assert torch.equal(part.images[0], data.images[3])
    for name in TASK_NAMES["synth_attributes"]:
        assert torch.equal(part.targets[name], data.targets[name][[3, 1, 4]])

    labelled = data.as_labelled("font")
    assert isinstance(labelled, LabelledImages)
    assert labelled.classes == list(FAMILIES) and labelled.name == "synth_attributes/font"
    assert torch.equal(labelled.labels, data.targets["font"]) and labelled.split == "test"
    with pytest.raises(ValueError, match="regression"):
        data.as_labelled("rotation")


def test_shuffled_task_keeps_class_counts_but_not_the_order():
    data = load_multitask("multimnist", "test")
    shuffled = shuffled_task(data, "left", seed=1)
    new = shuffled.tasks[-1]
    assert new.name == "shuffled_left" and new.classes == data.task("left").classes
    labels, original = shuffled.targets["shuffled_left"], data.targets["left"]
    assert torch.equal(torch.bincount(labels, minlength=10), torch.bincount(original, minlength=10))
    assert (labels == original).float().mean() < 0.5
    assert torch.equal(shuffled.targets["left"], original)  # the real task is untouched
    again = shuffled_task(data, "left", seed=1).targets["shuffled_left"]
    assert torch.equal(again, labels)
    other = shuffled_task(data, "left", name="noise", seed=2)
    assert other.tasks[-1].name == "noise" and not torch.equal(other.targets["noise"], labels)
    with pytest.raises(ValueError, match="no task 'digit'"):
        shuffled_task(data, "digit")


def test_with_digit_sum_adds_a_nineteen_class_task():
    data = load_multitask("multimnist", "test")
    summed = with_digit_sum(data)
    task = summed.task("sum")
    assert task.kind == "classification" and task.num_outputs == 19
    assert torch.equal(summed.targets["sum"], data.targets["left"] + data.targets["right"])
    assert 0 <= summed.targets["sum"].min() and summed.targets["sum"].max() <= 18
    assert [t.name for t in data.tasks] == ["left", "right"]  # the original is unchanged
    with pytest.raises(ValueError, match="left and right"):
        with_digit_sum(load_multitask("synth_attributes", "test"))


# --- the builders --------------------------------------------------------------------------


def test_overlay_pair_moves_left_digit_up_left_and_right_digit_down_right():
    left, right = np.zeros((32, 32), np.uint8), np.zeros((32, 32), np.uint8)
    left[16, 16], right[16, 16] = 200, 100
    left[0, 0] = 50  # pushed off the image, never wrapped around
    out = overlay_pair(left, right, np.array([3, 4, 5, 6]))
    assert out.dtype == np.uint8 and out.shape == (32, 32)
    assert out[13, 12] == 200 and out[21, 22] == 100
    assert np.count_nonzero(out) == 2
    both = overlay_pair(left, left // 2, np.array([0, 0, 0, 0]))
    assert both[16, 16] == 200  # overlap keeps the brighter pixel


def fake_mnist(n_train: int = 40, n_test: int = 20) -> dict[str, np.ndarray]:
    """Images whose only ink is a 4 x 4 block of grey level (1 + index): easy to trace."""
    out = {}
    for split, n, offset in (("train", n_train, 0), ("test", n_test, n_train)):
        x = np.zeros((n, 32, 32), np.uint8)
        for i in range(n):
            x[i, 14:18, 14:18] = offset + i + 1
        out[f"x_{split}"], out[f"y_{split}"] = x, (np.arange(n) % 10).astype(np.uint8)
    return out


def test_make_multimnist_pairs_within_a_split_and_labels_follow_the_digits():
    mnist = fake_mnist()
    built = make_multimnist(mnist, seed=0)
    assert built["x_train"].shape == (40 * PAIRINGS, 32, 32)
    assert built["x_test"].shape == (20, 32, 32) and built["y_test"].shape == (20, 2)
    for split, ids in (("train", range(1, 41)), ("test", range(41, 61))):
        used = set()
        for image, labels, shift in zip(
            built[f"x_{split}"], built[f"y_{split}"], built[f"shift_{split}"], strict=True
        ):
            # the left block is at (14 - up, 14 - leftwards), the right one down-right
            a = int(image[14 - shift[0], 14 - shift[1]])
            b = int(image[14 + shift[2], 14 + shift[3]])
            assert a in ids and b in ids  # both digits come from this split only
            first = 0 if split == "train" else 40
            assert labels.tolist() == [(a - 1 - first) % 10, (b - 1 - first) % 10]
            used.add(a)
        assert used == set(ids)  # every image is some pair's left digit


def test_make_multimnist_is_deterministic_for_a_seed():
    mnist = fake_mnist()
    a, b = make_multimnist(mnist, seed=3), make_multimnist(mnist, seed=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = make_multimnist(mnist, seed=4)
    assert not np.array_equal(a["x_train"], c["x_train"])


def test_font_family_of_every_bundled_digit_font():
    assert font_family("DejaVuSansMono-Bold") == "mono"
    assert font_family("cmtt10") == "mono"
    assert font_family("DejaVuSans-Oblique") == "sans"
    assert font_family("cmss10") == "sans"
    for serif in ("DejaVuSerif-Italic", "STIXGeneralBol", "cmr10", "cmb10", "cmti10", "cmmi10"):
        assert font_family(serif) == "serif"
    families = [font_family(p.stem) for p in find_digit_fonts()]
    assert set(families) == set(FAMILIES)  # every family has fonts to draw from


def test_make_synth_attributes_is_deterministic_and_well_formed():
    a = make_synth_attributes(seed=0, train_size=20, test_size=10)
    b = make_synth_attributes(seed=0, train_size=20, test_size=10)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    c = make_synth_attributes(seed=1, train_size=20, test_size=10)
    assert not np.array_equal(a["x_train"], c["x_train"])
    assert a["x_train"].shape == (20, 3, 32, 32) and a["x_train"].dtype == np.uint8
    assert a["y_test"].shape == (10, 3) and a["angle_test"].dtype == np.float32
    assert a["families"].tolist() == list(FAMILIES)
    assert a["backgrounds"].tolist() == list(BACKGROUNDS)
    assert np.abs(np.concatenate([a["angle_train"], a["angle_test"]])).max() <= math.pi / 4
    fonts = a["font_names"][a["font_train"]]
    assert [font_family(f) for f in fonts] == [FAMILIES[i] for i in a["y_train"][:, 1]]
