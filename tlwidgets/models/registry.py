"""Backbones by name: ``create_backbone("resnet", num_classes=10)`` and ``list_backbones()``."""

from __future__ import annotations

from collections.abc import Callable

from .backbone import Backbone
from .resnet import ResNet
from .small_cnn import SmallCNN

__all__ = ["create_backbone", "list_backbones", "register_backbone"]

_BACKBONES: dict[str, Callable[[int], Backbone]] = {}


def register_backbone(name: str, factory: Callable[[int], Backbone]) -> None:
    """Make ``factory(num_classes)`` available as ``create_backbone(name)``."""
    if name in _BACKBONES:
        raise ValueError(f"a backbone named {name!r} is already registered")
    _BACKBONES[name] = factory


register_backbone("small_cnn", lambda num_classes: SmallCNN(num_classes))
register_backbone("resnet", lambda num_classes: ResNet(num_classes))
register_backbone("resnet_wide", lambda num_classes: ResNet(num_classes, widths=(32, 64, 128, 256)))


def list_backbones() -> list[str]:
    """Names accepted by :func:`create_backbone`, sorted."""
    return sorted(_BACKBONES)


def create_backbone(
    name: str, num_classes: int = 10, pretrained: str | bool | None = None
) -> Backbone:
    """Build a backbone by name, optionally starting from pretrained zoo weights.

    Parameters
    ----------
    name
        One of :func:`list_backbones`.
    num_classes
        Outputs of the classifier (0 for a pure feature extractor).
    pretrained
        None or False for random weights, or the name of a zoo entry trained for this
        architecture (see ``tlwidgets.models.list_pretrained()``).
        Its stages are loaded and verified; the classifier is new unless the zoo entry already
        has ``num_classes`` outputs, in which case its trained classifier is kept.

    Raises
    ------
    ValueError
        For an unknown backbone name, ``pretrained=True`` (which weights?), or zoo weights
        made for another architecture.
    """
    if name not in _BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {list_backbones()}")
    if pretrained is None or pretrained is False:
        return _BACKBONES[name](num_classes)
    from .zoo import list_pretrained, load_pretrained, pretrained_info

    if pretrained is True:
        raise ValueError(
            "pretrained=True does not say which weights; name a zoo entry, "
            f"e.g. pretrained='glyphs-resnet' (choose from {list_pretrained()})"
        )

    info = pretrained_info(pretrained)
    if info["backbone"] != name:
        raise ValueError(
            f"zoo weights {pretrained!r} are for backbone {info['backbone']!r}, not {name!r}; "
            f"use create_backbone({info['backbone']!r}, pretrained={pretrained!r})"
        )
    model = load_pretrained(pretrained)
    if model.num_classes != num_classes:
        model.reset_classifier(num_classes)
    return model
