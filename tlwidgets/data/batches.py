"""Batches from a dataset: tensor slicing when the data is in memory, else a DataLoader."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

__all__ = ["iterate_batches", "num_batches"]


def _in_memory_tensors(dataset: Dataset) -> tuple[Tensor, ...] | None:
    """The dataset's tensors when it is a TensorDataset or LabelledImages, else None."""
    tensors = getattr(dataset, "tensors", None)  # torch.utils.data.TensorDataset
    if tensors is not None:
        return tuple(tensors)
    images, labels = getattr(dataset, "images", None), getattr(dataset, "labels", None)
    if isinstance(images, Tensor) and isinstance(labels, Tensor):  # tlwidgets.data
        return images, labels
    return None


def num_batches(dataset: Dataset, batch_size: int, drop_last: bool = False) -> int:
    """How many batches :func:`iterate_batches` yields for this dataset."""
    n = len(dataset)  # type: ignore[arg-type]
    return n // batch_size if drop_last else -(-n // batch_size)


def iterate_batches(
    dataset: Dataset,
    batch_size: int,
    *,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[Tensor, ...]]:
    """Yield tuples of batched tensors, e.g. ``(images (B, 3, 32, 32), labels (B,))``.

    In-memory datasets are sliced directly (much faster than item-by-item collation);
    anything else goes through a single-process ``DataLoader`` with the same order.
    """
    if len(dataset) == 0:  # type: ignore[arg-type]
        raise ValueError("the dataset is empty: there is nothing to train or evaluate on")
    tensors = _in_memory_tensors(dataset)
    if tensors is None:
        loader = DataLoader(
            dataset, batch_size, shuffle=shuffle, generator=generator, drop_last=drop_last
        )
        for batch in loader:
            yield tuple(batch)
        return
    n = len(tensors[0])
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        index = order[start : start + batch_size]
        yield tuple(t[index] for t in tensors)
