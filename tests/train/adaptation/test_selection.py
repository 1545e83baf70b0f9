import pytest
import torch
from torch import nn

from tlwidgets.data import LabelledImages
from tlwidgets.train.adaptation import pseudo_label, reverse_validation

NUM_CLASSES = 4
# The reverse model: the smallest backbone, a few dozen steps; enough to learn the rule below
REVERSE = {"backbone": "small_cnn", "epochs": 4, "lr": 5e-3, "batch_size": 8, "device": "cpu"}


def levels(n: int, seed: int) -> LabelledImages:
    """Tiny images (3, 16, 16) whose class k is their brightness, about 0.8 * k / 3."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % NUM_CLASSES
    level = 0.8 * labels.float() / (NUM_CLASSES - 1)
    images = torch.rand(n, 3, 16, 16, generator=generator) * 0.2 + level.view(-1, 1, 1, 1)
    return LabelledImages(images, labels, [str(k) for k in range(NUM_CLASSES)], "levels", "test")


class RuleClassifier(nn.Module):
    """An adapted model that labels the target perfectly: it reads the brightness."""

    def forward(self, images):
        level = images.mean(dim=(1, 2, 3)) - 0.1  # (B,)
        k = (level / 0.8 * (NUM_CLASSES - 1)).round().clamp(0, NUM_CLASSES - 1).long()
        return nn.functional.one_hot(k, NUM_CLASSES).float()  # (B, K)


class RandomClassifier(nn.Module):
    """An adapted model whose labels have nothing to do with the images."""

    def forward(self, images):
        generator = torch.Generator().manual_seed(0)
        return torch.randn(len(images), NUM_CLASSES, generator=generator)


class ConstantClassifier(nn.Module):
    """An adapted model that collapsed: every image is a 3."""

    def forward(self, images):
        return torch.zeros(len(images), NUM_CLASSES).index_fill_(1, torch.tensor([3]), 1.0)


@pytest.fixture(scope="module")
def domains():
    """Unlabelled target images (64, 3, 16, 16) and labelled source validation data (32)."""
    return levels(64, seed=1).images, levels(32, seed=2)


@pytest.fixture(scope="module")
def rule_score(domains):
    target, source_val = domains
    return reverse_validation(RuleClassifier(), target, source_val, seed=0, **REVERSE)


def test_pseudo_labels_are_the_models_argmax_as_int64_on_the_cpu(model):
    images = torch.rand(12, 3, 32, 32, generator=torch.Generator().manual_seed(0))

    labels = pseudo_label(model, images)

    model.eval()
    with torch.no_grad():
        expected = model(images).argmax(dim=1)
    assert labels.shape == (12,) and labels.dtype == torch.int64
    assert labels.device.type == "cpu"
    assert torch.equal(labels, expected)


def test_pseudo_labels_do_not_depend_on_the_batch_size(model):
    images = torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(0))

    assert torch.equal(pseudo_label(model, images, batch_size=3), pseudo_label(model, images))


def test_pseudo_labelling_leaves_the_training_mode_and_the_weights_as_they_were(model):
    model.train()
    model.stages[0].eval()  # a frozen stage, as fit keeps frozen BatchNorm
    before = {name: value.clone() for name, value in model.state_dict().items()}

    pseudo_label(model, torch.rand(8, 3, 32, 32))

    assert model.training and model.stages[1].training
    assert not any(module.training for module in model.stages[0].modules())
    assert all(torch.equal(value, before[name]) for name, value in model.state_dict().items())


def test_pseudo_labelling_keeps_eval_mode_and_builds_no_graph(model):
    model.eval()

    labels = pseudo_label(model, torch.rand(4, 3, 32, 32))

    assert not model.training
    assert not labels.requires_grad


def test_pseudo_labels_of_no_images_are_an_empty_int64_tensor(model):
    labels = pseudo_label(model, torch.zeros(0, 3, 32, 32))

    assert labels.shape == (0,) and labels.dtype == torch.int64


def test_the_rule_classifier_labels_the_target_perfectly(domains):
    target, _ = domains

    assert torch.equal(pseudo_label(RuleClassifier(), target), torch.arange(64) % NUM_CLASSES)


def test_reverse_validation_is_an_accuracy_in_zero_one(rule_score):
    assert isinstance(rule_score, float)
    assert 0.0 <= rule_score <= 1.0


def test_reverse_validation_is_deterministic_for_a_seed(domains, rule_score):
    target, source_val = domains

    again = reverse_validation(RuleClassifier(), target, source_val, seed=0, **REVERSE)

    assert again == rule_score


@pytest.mark.parametrize("bad_model", [RandomClassifier, ConstantClassifier])
def test_good_pseudo_labels_score_higher_than_random_or_collapsed_ones(
    domains, rule_score, bad_model
):
    target, source_val = domains

    bad_score = reverse_validation(bad_model(), target, source_val, seed=0, **REVERSE)

    assert rule_score >= 0.75
    assert bad_score <= rule_score - 0.25
