"""The "shuffled-glyphs-resnet" zoo entry: glyphs with permuted labels, a useless source."""

import pytest
import torch

from tlwidgets.data import load_glyphs
from tlwidgets.models import create_backbone, list_pretrained, load_pretrained, pretrained_info
from tlwidgets.models.zoo import WEIGHTS_DIR, sha256_of
from tlwidgets.models.zoo.build import RECIPES

NAME = "shuffled-glyphs-resnet"


@pytest.fixture(scope="module")
def glyphs():
    return load_glyphs("background", "train")


@pytest.fixture(scope="module")
def shuffled():
    return RECIPES[NAME].load_train()


def test_shuffled_glyphs_entry_is_listed_with_its_weights_file():
    assert NAME in list_pretrained()
    info = pretrained_info(NAME)
    assert info["backbone"] == "resnet" and not info["smoke"]
    path = WEIGHTS_DIR / info["file"]
    assert path.exists() and path.stat().st_size <= 8 * 2**20
    assert sha256_of(path) == info["sha256"]


def test_shuffled_glyphs_weights_load_with_a_head_over_every_glyph_class(glyphs):
    model = load_pretrained(NAME)  # verifies the sha256
    assert model.num_classes == len(glyphs.classes)
    assert pretrained_info(NAME)["classes"] == glyphs.classes
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, len(glyphs.classes))


def test_shuffled_glyphs_weights_differ_from_the_true_glyph_weights():
    shuffled = load_pretrained(NAME).stages[2].conv1.weight
    assert not torch.equal(shuffled, load_pretrained("glyphs-resnet").stages[2].conv1.weight)
    model = create_backbone("resnet", num_classes=10, pretrained=NAME)
    assert torch.equal(model.stages[2].conv1.weight, shuffled)


def test_shuffled_recipe_keeps_the_glyph_images_and_permutes_their_labels(glyphs, shuffled):
    assert torch.equal(shuffled.images, glyphs.images)
    assert shuffled.classes == glyphs.classes
    # the same multiset of labels: every class keeps its number of examples
    assert torch.equal(torch.sort(shuffled.labels).values, torch.sort(glyphs.labels).values)
    assert (shuffled.labels != glyphs.labels).float().mean() > 0.9


def test_shuffled_recipe_labels_are_the_same_on_every_call(shuffled):
    again = RECIPES[NAME].load_train()
    assert torch.equal(again.labels, shuffled.labels)


def test_shuffled_recipe_eval_split_is_a_permutation_of_the_glyph_val_split():
    val = load_glyphs("background", "val")
    shuffled_val = RECIPES[NAME].load_eval()
    assert torch.equal(shuffled_val.images, val.images)
    assert torch.equal(torch.sort(shuffled_val.labels).values, torch.sort(val.labels).values)
    assert (shuffled_val.labels != val.labels).float().mean() > 0.9


def test_shuffled_recipe_does_not_alter_the_true_glyph_labels():
    before = load_glyphs("background", "train").labels.clone()
    RECIPES[NAME].load_train()
    assert torch.equal(load_glyphs("background", "train").labels, before)
