"""Index arithmetic: stratified splits, k-per-class samples and caps."""

import numpy as np
import pytest

from tlwidgets.data.splits import cap_per_class, sample_per_class, stratified_split

LABELS = np.repeat(np.arange(4), [10, 20, 30, 40])


def test_stratified_split_keeps_class_shares_and_partitions_the_indices():
    train, test = stratified_split(LABELS, 0.2, seed=0)
    assert np.bincount(LABELS[test]).tolist() == [2, 4, 6, 8]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(LABELS)))


def test_stratified_split_depends_only_on_the_seed():
    assert np.array_equal(stratified_split(LABELS, 0.2, 3)[1], stratified_split(LABELS, 0.2, 3)[1])
    assert not np.array_equal(
        stratified_split(LABELS, 0.2, 3)[1], stratified_split(LABELS, 0.2, 4)[1]
    )


def test_sample_per_class_gives_k_of_each_class():
    index = sample_per_class(LABELS, 7, seed=0)
    assert np.bincount(LABELS[index]).tolist() == [7] * 4
    assert np.array_equal(index, np.sort(index))


def test_sample_per_class_rejects_k_above_the_smallest_class():
    with pytest.raises(ValueError, match="choose 1 to 10"):
        sample_per_class(LABELS, 11, seed=0)


def test_cap_per_class_keeps_the_first_ones_in_order():
    index = cap_per_class(LABELS, 15)
    assert np.bincount(LABELS[index]).tolist() == [10, 15, 15, 15]
    assert index[:10].tolist() == list(range(10))
