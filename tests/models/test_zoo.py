import shutil

import pytest
import torch

from tlwidgets.analysis import extract_features
from tlwidgets.data import load_domain
from tlwidgets.models import (
    PretrainedWeightsError,
    create_backbone,
    list_pretrained,
    load_pretrained,
    pretrained_info,
)
from tlwidgets.models.zoo import WEIGHTS_DIR
from tlwidgets.models.zoo.build import build_zoo
from tlwidgets.train import fit_linear_probe


def test_zoo_lists_the_glyph_and_synth_backbones():
    assert {"glyphs-resnet", "synth-resnet"} <= set(list_pretrained())
    for name in list_pretrained():
        info = pretrained_info(name)
        assert info["sha256"] and info["recipe"] and info["built_at"]
        assert 0.0 <= info["source_accuracy"] <= 1.0  # 0 is possible: shuffled labels
        assert not info["smoke"]
        assert (WEIGHTS_DIR / info["file"]).stat().st_size <= 8 * 2**20


def test_load_pretrained_returns_a_trained_backbone_with_its_source_head():
    model = load_pretrained("synth-resnet")
    assert model.num_classes == 10
    assert not model.training


def test_create_backbone_from_pretrained_resets_the_head_only():
    base = load_pretrained("glyphs-resnet")
    model = create_backbone("resnet", num_classes=10, pretrained="glyphs-resnet")
    assert model.num_classes == 10
    assert torch.equal(model.stages[1].conv1.weight, base.stages[1].conv1.weight)


def test_pretrained_false_is_random_init_and_true_asks_which_weights():
    assert create_backbone("resnet", pretrained=False).num_classes == 10
    with pytest.raises(ValueError, match="name a zoo entry"):
        create_backbone("resnet", pretrained=True)


def test_pretrained_for_another_architecture_is_refused():
    with pytest.raises(ValueError, match="are for backbone 'resnet', not 'small_cnn'"):
        create_backbone("small_cnn", pretrained="glyphs-resnet")


def test_unknown_pretrained_name_lists_the_choices():
    with pytest.raises(ValueError, match="unknown pretrained model 'imagenet'; choose one of"):
        load_pretrained("imagenet")


def test_tampered_weights_are_refused(tmp_path):
    copy = tmp_path / "weights"
    shutil.copytree(WEIGHTS_DIR, copy)
    path = copy / pretrained_info("synth-resnet")["file"]
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # one flipped byte inside a tensor
    path.write_bytes(bytes(data))
    with pytest.raises(PretrainedWeightsError, match=r"sha256 check.*not loaded"):
        load_pretrained("synth-resnet", weights_dir=copy)
    path.unlink()
    with pytest.raises(PretrainedWeightsError, match="missing"):
        load_pretrained("synth-resnet", weights_dir=copy)


def test_the_build_recipe_runs_and_its_output_loads(tmp_path):
    built = build_zoo(["synth-resnet"], out=tmp_path, smoke=True)
    entry = built["synth-resnet"]
    assert entry["smoke"] and entry["num_classes"] == 10
    model = load_pretrained("synth-resnet", weights_dir=tmp_path)
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_a_real_build_refuses_to_run_in_smoke_mode(tmp_path):
    with pytest.raises(RuntimeError, match="TLW_SMOKE=1"):
        build_zoo(["synth-resnet"], out=tmp_path)


@pytest.mark.slow
def test_glyph_features_beat_random_features_for_a_10_label_mnist_probe(monkeypatch):
    """The zoo regression test: pretraining on glyphs must give better digit features."""
    monkeypatch.delenv("TLW_SMOKE", raising=False)
    train = load_domain("mnist", "train", labels_per_class=10, seed=0)
    test = load_domain("mnist", "test")
    accuracies = {}
    for label, model in {
        "pretrained": load_pretrained("glyphs-resnet"),
        "random": create_backbone("resnet", num_classes=0),
    }.items():
        torch.manual_seed(0)
        probe = fit_linear_probe(extract_features(model, train), train.labels, seed=0)
        accuracies[label] = probe.accuracy(extract_features(model, test), test.labels)
    assert accuracies["pretrained"] > accuracies["random"] + 0.15, accuracies
