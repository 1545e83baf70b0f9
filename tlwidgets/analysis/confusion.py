"""Which classes a model gets wrong, and what it takes them for: confusion matrices.

A domain shift rarely hurts every class alike: on MNIST-M a 1 may stay a 1 while 8s turn
into 3s. The overall accuracy hides this; the confusion matrix and the per-class accuracy
show it.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..models.predict import predict

__all__ = ["confusion_matrix", "per_class_accuracy", "predict"]


def _as_classes(values: Tensor | np.ndarray, what: str, num_classes: int) -> Tensor:
    """``values`` as a 1-D int64 CPU tensor of class indices in 0..num_classes - 1."""
    x = values if torch.is_tensor(values) else torch.as_tensor(np.asarray(values))
    x = x.detach().cpu()
    if x.ndim != 1:
        raise ValueError(f"{what} must have shape (N,), got {tuple(x.shape)}")
    if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"{what} must be integer class indices, got dtype {x.dtype}")
    x = x.long()
    if len(x) and (int(x.min()) < 0 or int(x.max()) >= num_classes):
        bad = int(x.min()) if int(x.min()) < 0 else int(x.max())
        raise ValueError(
            f"{what} contain class {bad}, outside 0..{num_classes - 1} "
            f"for num_classes={num_classes}"
        )
    return x


def confusion_matrix(
    predictions: Tensor | np.ndarray, labels: Tensor | np.ndarray, num_classes: int
) -> Tensor:
    """Count how often each true class is predicted as each class.

    Parameters
    ----------
    predictions
        Predicted classes, shape (N,), integers in 0..K - 1 (e.g. from :func:`predict`).
    labels
        True classes, shape (N,), integers in 0..K - 1.
    num_classes
        K, the number of classes (classes that never occur still get a row and a column).

    Returns
    -------
    Tensor
        Shape (K, K), int64: entry ``[i, j]`` counts the examples of true class ``i``
        predicted as ``j`` (rows = true class, columns = predicted). The diagonal holds
        the correct predictions; row ``i`` sums to the number of examples of class ``i``.

    Raises
    ------
    ValueError
        If ``num_classes`` < 1, the inputs are not 1-D integers of the same length, or a
        value lies outside 0..K - 1.
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    predicted = _as_classes(predictions, "predictions", num_classes)
    true = _as_classes(labels, "labels", num_classes)
    if len(predicted) != len(true):
        raise ValueError(
            f"predictions and labels differ in length: {len(predicted)} vs {len(true)}"
        )
    cells = true * num_classes + predicted  # (N,) flat index of each example's cell
    return torch.bincount(cells, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_accuracy(
    predictions: Tensor | np.ndarray, labels: Tensor | np.ndarray, num_classes: int
) -> Tensor:
    """The fraction of each class's examples that are predicted correctly (its recall).

    Parameters
    ----------
    predictions, labels, num_classes
        As for :func:`confusion_matrix`: shapes (N,) and (N,), classes 0..K - 1.

    Returns
    -------
    Tensor
        Shape (K,), float32 in [0, 1]; NaN for a class with no example in ``labels``
        (its accuracy is undefined, not zero). ``torch.nanmean`` of it is the
        class-balanced accuracy.
    """
    matrix = confusion_matrix(predictions, labels, num_classes)
    correct = matrix.diagonal().float()  # (K,)
    totals = matrix.sum(dim=1).float()  # (K,) examples per true class
    return torch.where(totals > 0, correct / totals.clamp_min(1), torch.nan)
