"""One recipe for every zero-shot run on the creatures, so the notebook and the bench agree.

    run = train_zero_shot(ZeroShotConfig(seed=0))  # the standard split: 15 seen, 5 unseen
    run.accuracy, run.per_class["giraffe"]

The failure cases of lesson 04 are the same recipe with other settings: a narrower set of
training classes (``seen``: a value no seen class has, or two values that always come
together), a frozen extractor from another domain (``features="glyphs-resnet"``), or every
class as a candidate (``candidates="all"``, generalised zero-shot).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
from torch import Tensor

from ...data import LabelledImages
from ...data.creatures import ATTRIBUTES, CLASSES, UNSEEN, creature_attributes, load_creatures
from ...models import create_backbone, list_pretrained, load_pretrained
from ...models.backbone import Backbone
from ...runtime import seed_everything
from ..config import FitConfig
from ..fewshot import embed_images
from ..loop import fit
from .dap import DAPClassifier, fit_attribute_predictors

__all__ = [
    "CANDIDATES",
    "ZeroShotConfig",
    "ZeroShotRun",
    "seen_without",
    "train_zero_shot",
    "zero_shot_cases",
]

CANDIDATES = ("unseen", "all")
TRAINED_FEATURES = "small_cnn"  # the features value that trains a CNN on the seen classes


@dataclass(frozen=True)
class ZeroShotConfig:
    """Which classes a zero-shot run learns from and is tested on, and with what features."""

    unseen: tuple[str, ...] = UNSEEN  # classes tested, never trained on
    seen: tuple[str, ...] | None = None  # classes trained on; None: every class not unseen
    candidates: str = "unseen"  # "unseen": pick among the unseen classes (zero-shot);
    # "all": among all 20 (generalised zero-shot, Xian et al. 2017)
    features: str = TRAINED_FEATURES  # "small_cnn": train one on the seen classes; or a zoo
    # name such as "glyphs-resnet", used frozen as it is
    epochs: int = 8  # passes over the seen classes' images, when a CNN is trained
    seed: int = 0  # initial weights, batch order and the attribute classifiers

    def __post_init__(self) -> None:
        for name in (*self.unseen, *(self.seen or ())):
            if name not in CLASSES:
                raise ValueError(f"unknown creature {name!r}; choose from {list(CLASSES)}")
        overlap = set(self.unseen) & set(self.seen or ())
        if overlap:
            raise ValueError(f"{sorted(overlap)} are both seen and unseen; a class is one or other")
        if not self.unseen:
            raise ValueError("unseen must name at least one class to recognise")
        if self.candidates not in CANDIDATES:
            raise ValueError(f"unknown candidates {self.candidates!r}; choose from {CANDIDATES}")
        zoo = list_pretrained()
        if self.features != TRAINED_FEATURES and self.features not in zoo:
            raise ValueError(
                f"unknown features {self.features!r}; choose {TRAINED_FEATURES!r} (trained on "
                f"the seen classes) or a pretrained network: {zoo}"
            )

    @property
    def seen_classes(self) -> tuple[str, ...]:
        """The classes trained on, in :data:`~tlwidgets.data.creatures.CLASSES` order."""
        seen = self.seen if self.seen is not None else tuple(CLASSES)
        return tuple(name for name in CLASSES if name in seen and name not in self.unseen)


@dataclass(frozen=True, eq=False)
class ZeroShotRun:
    """What a zero-shot run learnt and how it did on the unseen classes' test images."""

    config: ZeroShotConfig
    candidates: tuple[str, ...]  # the classes a test image may be called, in CLASSES order
    truth: Tensor  # (N,) int64: the class of each test image, an index into CLASSES
    predicted: Tensor  # (N,) int64: DAP's class of each test image, an index into CLASSES
    predicted_attributes: Tensor  # (N, 3): the most probable shape, colour, pattern value
    dap: DAPClassifier = field(repr=False)
    backbone: Backbone = field(repr=False)
    seconds: float  # wall-clock time of the whole run

    @property
    def accuracy(self) -> float:
        """Fraction of the unseen classes' test images given their own class."""
        return float((self.predicted == self.truth).float().mean())

    @property
    def per_class(self) -> dict[str, float]:
        """Unseen class name -> the fraction of its test images recognised."""
        ids = {name: list(CLASSES).index(name) for name in self.config.unseen}
        called = {name: self.predicted[self.truth == i] for name, i in ids.items()}
        return {name: float((called[name] == ids[name]).float().mean()) for name in ids}

    def attribute_accuracy(self) -> dict[str, float]:
        """Attribute name -> the fraction of test images whose value DAP's classifier got."""
        _, _, table = creature_attributes()
        right = self.predicted_attributes == torch.as_tensor(table)[self.truth]  # (N, 3)
        return {name: float(right[:, g].float().mean()) for g, name in enumerate(ATTRIBUTES)}

    def __str__(self) -> str:
        classes = ", ".join(f"{name} {acc:.0%}" for name, acc in self.per_class.items())
        return f"zero-shot accuracy {self.accuracy:.1%} among {len(self.candidates)} ({classes})"


def _select(split: str, names: tuple[str, ...]) -> LabelledImages:
    """Images of the named creature classes from ``split``; labels index all 20 classes."""
    data = load_creatures(split, "all")
    ids = torch.tensor([list(CLASSES).index(name) for name in names])
    return data.subset(torch.isin(data.labels, ids).nonzero().flatten())


def _feature_extractor(config: ZeroShotConfig, seen: LabelledImages) -> Backbone:
    """A frozen zoo network, or a small CNN trained to tell the seen classes apart."""
    if config.features != TRAINED_FEATURES:
        return load_pretrained(config.features)
    seed_everything(config.seed)
    model = create_backbone(TRAINED_FEATURES, num_classes=len(CLASSES))
    fit(model, seen, config=FitConfig(epochs=config.epochs, seed=config.seed))
    return model


def train_zero_shot(config: ZeroShotConfig | None = None) -> ZeroShotRun:
    """Learn attributes on the seen creatures, then recognise the unseen ones by description.

    Steps: a feature extractor (trained on the seen classes' images, or a frozen zoo
    network); one attribute classifier per attribute on the seen classes' features
    (:func:`fit_attribute_predictors`, Lampert et al.'s DAP); each test image of an unseen
    class goes to the candidate whose description fits its predicted attributes best.
    No image or label of an unseen class is used before the test.

    Raises
    ------
    ValueError
        If the seen classes leave an attribute with a single value (nothing to learn).
    """
    config = config or ZeroShotConfig()
    started = time.perf_counter()
    names, _, table = creature_attributes()
    table = torch.as_tensor(table)  # (20, 3)
    seen, test = _select("train", config.seen_classes), _select("test", config.unseen)
    backbone = _feature_extractor(config, seen)
    dap = fit_attribute_predictors(
        embed_images(backbone, seen.images), seen.labels, table, seed=config.seed
    )
    candidates = config.unseen if config.candidates == "unseen" else tuple(CLASSES)
    ids = torch.tensor(sorted(names.index(name) for name in candidates))  # (K,)
    features = embed_images(backbone, test.images)  # (N, D)
    return ZeroShotRun(
        config=config,
        candidates=tuple(names[i] for i in ids.tolist()),
        truth=test.labels,
        predicted=ids[dap.predict(features, table[ids])],
        predicted_attributes=dap.predict_attributes(features),
        dap=dap,
        backbone=backbone,
        seconds=time.perf_counter() - started,
    )


def seen_without(**values: str) -> tuple[str, ...]:
    """The standard seen classes, less every class with one of ``values``.

    ``seen_without(pattern="spots")`` drops the ladybird, the dalmatian and the guineafowl:
    no seen class is spotted any more, so "spots" is a value never learnt.
    """
    for attribute, value in values.items():
        if value not in ATTRIBUTES.get(attribute, ()):
            raise ValueError(
                f"unknown {attribute}={value!r}; choose from "
                + "; ".join(f"{a}: {', '.join(v)}" for a, v in ATTRIBUTES.items())
            )
    columns = list(ATTRIBUTES)
    return tuple(
        name
        for name, vector in CLASSES.items()
        if name not in UNSEEN
        and all(vector[columns.index(a)] != value for a, value in values.items())
    )


def zero_shot_cases() -> dict[str, ZeroShotConfig]:
    """Lesson 04's zero-shot runs by name: the standard split, then where DAP breaks.

    - ``standard``: 15 seen classes, the 5 unseen ones as candidates (Lampert et al.'s test);
    - ``no spots seen``: no seen class is spotted (a value never learnt, 3 unseen use it);
    - ``no tall seen``: no seen class is tall (a value never learnt, 2 unseen use it);
    - ``yellow always striped``: without the chick (yellow, plain) and the skunk (black,
      stripes), every seen yellow class is striped and every striped one yellow;
    - ``glyph features``: the frozen ``glyphs-resnet``, trained on black and white
      characters, as the feature extractor;
    - ``all 20 candidates``: the standard split, but a test image may be called any of the
      20 classes (generalised zero-shot).
    """
    return {
        "standard": ZeroShotConfig(),
        "no spots seen": ZeroShotConfig(seen=seen_without(pattern="spots")),
        "no tall seen": ZeroShotConfig(seen=seen_without(shape="tall")),
        "yellow always striped": ZeroShotConfig(
            seen=tuple(name for name in seen_without() if name not in ("chick", "skunk"))
        ),
        "glyph features": ZeroShotConfig(features="glyphs-resnet"),
        "all 20 candidates": ZeroShotConfig(candidates="all"),
    }
