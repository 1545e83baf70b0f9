import pytest
import torch

from tlwidgets.data import LabelledImages
from tlwidgets.train.adaptation import pair_domains


def _source(n: int) -> LabelledImages:
    images = torch.rand(n, 3, 8, 8)
    return LabelledImages(images, torch.arange(n) % 10, [str(d) for d in range(10)], "s", "train")


def test_pairs_have_one_target_image_per_source_row():
    source, target = _source(7), torch.rand(3, 3, 8, 8)
    xs, ys, xt = pair_domains(source, target).tensors
    assert xs.shape == (7, 3, 8, 8) and ys.shape == (7,) and xt.shape == (7, 3, 8, 8)
    assert torch.equal(xs, source.images) and torch.equal(ys, source.labels)


def test_target_rows_are_a_permutation_cycled_to_the_source_length():
    target = torch.arange(3).float().view(3, 1, 1, 1).expand(3, 3, 8, 8).clone()
    xt = pair_domains(_source(7), target).tensors[2]
    ids = xt[:, 0, 0, 0].long()  # which target image each row holds
    assert sorted(ids[:3].tolist()) == [0, 1, 2]
    assert torch.equal(ids[3:6], ids[:3]) and ids[6] == ids[0]


def test_larger_target_is_subsampled_without_repeats():
    target = torch.arange(20).float().view(20, 1, 1, 1).expand(20, 3, 8, 8).clone()
    ids = pair_domains(_source(5), target).tensors[2][:, 0, 0, 0].long()
    assert len(set(ids.tolist())) == 5


def test_pairing_is_deterministic_per_seed():
    source, target = _source(10), torch.rand(10, 3, 8, 8)
    a = pair_domains(source, target, seed=0).tensors[2]
    assert torch.equal(a, pair_domains(source, target, seed=0).tensors[2])
    assert not torch.equal(a, pair_domains(source, target, seed=1).tensors[2])


def test_empty_or_mismatched_inputs_are_explained():
    with pytest.raises(ValueError, match="source 's' is empty"):
        pair_domains(_source(0), torch.rand(3, 3, 8, 8))
    with pytest.raises(ValueError, match="non-empty"):
        pair_domains(_source(4), torch.rand(0, 3, 8, 8))
    with pytest.raises(ValueError, match=r"same shape.*\(3, 8, 8\).*\(3, 16, 16\)"):
        pair_domains(_source(4), torch.rand(4, 3, 16, 16))
