import pytest
import torch

from tlwidgets.data import LabelledImages, class_proportions, resample_classes


def labelled(counts=(20, 20, 20, 20)):
    """Interleaved classes with ``counts[k]`` images of class k; image i is filled with i."""
    labels = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
    labels = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))]
    images = torch.arange(len(labels)).float().view(-1, 1, 1, 1).expand(-1, 3, 4, 4).clone()
    classes = [str(k) for k in range(len(counts))]
    return LabelledImages(images, labels, classes, "blobs", "train")


def original_index(data):
    """Which image of :func:`labelled` each kept image is (image i is filled with i)."""
    return data.images[:, 0, 0, 0].long()


def test_resampling_keeps_the_asked_fraction_of_each_class():
    skewed = resample_classes(labelled(), [1.0, 0.5, 0.25, 0.1])

    counts = torch.bincount(skewed.labels, minlength=4)
    assert counts.tolist() == [20, 10, 5, 2]
    assert torch.allclose(class_proportions(skewed), counts.float() / 37)


def test_kept_images_are_a_subset_in_their_original_order_with_their_own_labels():
    data = labelled()

    skewed = resample_classes(data, [0.3, 1.0, 0.6, 0.1], seed=3)

    index = original_index(skewed)
    assert torch.all(index.diff() > 0)  # original order, no image twice
    assert torch.equal(skewed.labels, data.labels[index])
    assert torch.equal(skewed.images, data.images[index])


def test_keeping_everything_is_the_same_data():
    data = labelled()

    same = resample_classes(data, [1.0] * 4)

    assert torch.equal(same.images, data.images) and torch.equal(same.labels, data.labels)


def test_a_zero_fraction_drops_the_class_but_keeps_its_name():
    skewed = resample_classes(labelled(), [1.0, 0.0, 1.0, 1.0])

    assert 1 not in skewed.labels.tolist()
    assert skewed.classes == ["0", "1", "2", "3"]
    assert class_proportions(skewed)[1] == 0


def test_the_same_seed_keeps_the_same_images_and_another_seed_others():
    data = labelled()

    first = resample_classes(data, [0.5] * 4, seed=1)
    again = resample_classes(data, [0.5] * 4, seed=1)
    other = resample_classes(data, [0.5] * 4, seed=2)

    assert torch.equal(original_index(first), original_index(again))
    assert not torch.equal(original_index(first), original_index(other))


def test_a_tiny_fraction_still_keeps_one_image_of_the_class():
    skewed = resample_classes(labelled(), [0.001, 1.0, 0.01, 1.0])

    assert torch.bincount(skewed.labels, minlength=4).tolist() == [1, 20, 1, 20]


def test_the_split_is_marked_resampled_and_the_rest_is_kept():
    data = labelled()

    skewed = resample_classes(data, [1.0, 0.5, 0.5, 0.5])

    assert skewed.split == "train, resampled"
    assert skewed.name == data.name and skewed.classes == data.classes
    assert data.split == "train" and len(data) == 80  # the input is left alone


def test_class_proportions_sum_to_one_in_class_order():
    proportions = class_proportions(labelled(counts=(10, 30, 0, 60)))

    assert proportions.shape == (4,)
    assert torch.allclose(proportions, torch.tensor([0.1, 0.3, 0.0, 0.6]))


def test_keep_of_the_wrong_length_names_the_number_of_classes():
    with pytest.raises(ValueError, match=r"one fraction per class \(4\), got 3"):
        resample_classes(labelled(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_a_fraction_outside_zero_one_is_explained(bad):
    with pytest.raises(ValueError, match=r"every fraction in keep must be in \[0, 1\]"):
        resample_classes(labelled(), [1.0, bad, 1.0, 1.0])


def test_keeping_nothing_is_explained():
    with pytest.raises(ValueError, match="keep removes every image"):
        resample_classes(labelled(), [0.0] * 4)
