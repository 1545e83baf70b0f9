import numpy as np
import pytest
import torch
from torch import nn

from tlwidgets.analysis import confusion_matrix, per_class_accuracy, predict
from tlwidgets.data import LabelledImages
from tlwidgets.models import create_backbone

# 7 examples of classes 0..2; class 3 never occurs
PREDICTIONS = torch.tensor([0, 1, 1, 2, 2, 2, 0])
LABELS = torch.tensor([0, 1, 2, 2, 2, 0, 0])


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    matrix = confusion_matrix(PREDICTIONS, LABELS, num_classes=4)
    expected = torch.tensor([[2, 0, 1, 0], [0, 1, 0, 0], [0, 1, 2, 0], [0, 0, 0, 0]])
    assert matrix.dtype == torch.int64
    assert torch.equal(matrix, expected)
    assert torch.equal(confusion_matrix(PREDICTIONS.numpy(), LABELS.tolist(), 4), expected)


def test_per_class_accuracy_is_nan_for_an_absent_class():
    accuracy = per_class_accuracy(PREDICTIONS, LABELS, num_classes=4)
    assert accuracy.shape == (4,)
    torch.testing.assert_close(accuracy[:3], torch.tensor([2 / 3, 1.0, 2 / 3]))
    assert torch.isnan(accuracy[3])


def test_bad_predictions_and_labels_are_explained():
    with pytest.raises(ValueError, match=r"class 4, outside 0..3"):
        confusion_matrix(torch.tensor([4]), torch.tensor([0]), 4)
    with pytest.raises(ValueError, match="differ in length: 2 vs 1"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 4)
    with pytest.raises(ValueError, match=r"labels must have shape \(N,\)"):
        confusion_matrix(torch.tensor([0]), torch.zeros(1, 1).long(), 4)
    with pytest.raises(ValueError, match="integer class indices"):
        confusion_matrix(torch.tensor([0.0]), torch.tensor([0]), 4)
    with pytest.raises(ValueError, match="positive integer, got 0"):
        per_class_accuracy(np.array([0]), np.array([0]), 0)


def tiny_digits(n=6):
    generator = torch.Generator().manual_seed(0)
    return LabelledImages(
        images=torch.rand(n, 3, 32, 32, generator=generator),
        labels=torch.arange(n) % 10,
        classes=[str(d) for d in range(10)],
        name="tiny",
        split="test",
    )


def test_predict_gives_eval_mode_argmax_and_keeps_the_train_mode():
    torch.manual_seed(0)
    model = create_backbone("small_cnn", 10).train()
    frozen = next(m for m in model.modules() if isinstance(m, nn.BatchNorm2d)).eval()
    data = tiny_digits()
    predictions = predict(model, data, batch_size=4)
    assert predictions.shape == (6,) and predictions.dtype == torch.int64
    assert model.training and not frozen.training
    with torch.no_grad():
        expected = model.eval()(data.images).argmax(dim=1)
    assert torch.equal(predictions, expected)
