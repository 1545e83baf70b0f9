"""Offline tests of tlwidgets.models.imagenet: fake hub caches in tmp_path, nothing downloaded."""

import hashlib
from pathlib import Path

import pytest
import torch
import torchvision

from tlwidgets.models import imagenet
from tlwidgets.models.imagenet import (
    IMAGENET_ARCHS,
    find_imagenet_weights,
    imagenet_preprocess,
    imagenet_weights_file,
    load_imagenet_model,
)
from tlwidgets.models.zoo import PretrainedWeightsError


class NotAWeight:
    """A pickled object that ``torch.load(weights_only=True)`` must refuse."""

    def __init__(self) -> None:
        self.payload = "anything"


def _save_with_hash(obj: object, checkpoints: Path, stem: str) -> str:
    """Save ``obj`` as ``<stem>-<first 8 hex chars of its sha256>.pth``; return the name."""
    checkpoints.mkdir(parents=True, exist_ok=True)
    tmp = checkpoints / "tmp.pth"
    torch.save(obj, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    name = f"{stem}-{digest}.pth"
    tmp.rename(checkpoints / name)
    return name


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A hub dir with one random resnet18 state dict, under a good and a bad hash name."""
    hub_dir = tmp_path_factory.mktemp("hub")
    checkpoints = hub_dir / "checkpoints"
    state = torchvision.models.get_model("resnet18", weights=None).state_dict()
    good = _save_with_hash(state, checkpoints, "resnet18")
    digest = good.removesuffix(".pth").rsplit("-", 1)[1]
    bad = f"resnet18-{'0' * 8 if digest != '0' * 8 else '1' * 8}.pth"  # same bytes, wrong hash
    (checkpoints / bad).hardlink_to(checkpoints / good)
    return hub_dir, good, bad


def test_weights_file_comes_from_torchvision_url():
    assert imagenet_weights_file("resnet18") == "resnet18-f37072fd.pth"
    for arch in IMAGENET_ARCHS:
        assert imagenet_weights_file(arch).endswith(".pth")


def test_unknown_arch_lists_the_choices():
    with pytest.raises(ValueError, match="resnet18") as info:
        imagenet_weights_file("vgg11")
    assert all(arch in str(info.value) for arch in IMAGENET_ARCHS)


def test_find_returns_none_when_absent(tmp_path):
    assert find_imagenet_weights("resnet18", hub_dir=tmp_path) is None


def test_missing_weights_say_where_and_how_to_fetch(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_imagenet_model("resnet18", hub_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "checkpoints" / "resnet18-f37072fd.pth") in message
    assert "never downloads" in message
    assert (
        "python -c \"import torchvision; torchvision.models.get_model('resnet18', "
        "weights='IMAGENET1K_V1')\"" in message
    )


def test_cached_weights_load_in_eval_mode(hub, monkeypatch):
    hub_dir, good, _ = hub
    monkeypatch.setattr(imagenet, "imagenet_weights_file", lambda arch: good)
    assert find_imagenet_weights("resnet18", hub_dir) == hub_dir / "checkpoints" / good
    model = load_imagenet_model("resnet18", hub_dir=hub_dir)
    assert not model.training
    with torch.no_grad():
        assert model(torch.rand(2, 3, 64, 64)).shape == (2, 1000)


def test_hash_mismatch_is_not_loaded(hub, monkeypatch):
    hub_dir, _, bad = hub
    monkeypatch.setattr(imagenet, "imagenet_weights_file", lambda arch: bad)
    with pytest.raises(PretrainedWeightsError, match="not loaded"):
        load_imagenet_model("resnet18", hub_dir=hub_dir)


def test_pickled_object_is_refused(tmp_path, monkeypatch):
    name = _save_with_hash(NotAWeight(), tmp_path / "checkpoints", "resnet18")
    monkeypatch.setattr(imagenet, "imagenet_weights_file", lambda arch: name)
    with pytest.raises(PretrainedWeightsError, match="weights_only") as info:
        load_imagenet_model("resnet18", hub_dir=tmp_path)
    assert info.value.__cause__ is not None


def test_preprocess_resizes_and_normalises():
    images = torch.zeros(4, 3, 32, 32)
    images[:, :, :, 16:] = 1.0
    out = imagenet_preprocess(images, size=64)
    assert out.shape == (4, 3, 64, 64)
    mean = torch.tensor([0.485, 0.456, 0.406])
    std = torch.tensor([0.229, 0.224, 0.225])
    torch.testing.assert_close(out[0, :, 0, 0], -mean / std)
    torch.testing.assert_close(out[0, :, 0, -1], (1 - mean) / std)
    flat = imagenet_preprocess(torch.full((1, 3, 32, 32), 0.5), size=48)
    assert flat.shape == (1, 3, 48, 48)
    torch.testing.assert_close(flat[0, :, 5, 5], (0.5 - mean) / std)
