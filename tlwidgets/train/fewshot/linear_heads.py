"""Baseline and Baseline++: a frozen backbone and a new head fitted on the support set alone.

Chen et al. (A Closer Look at Few-shot Classification, ICLR 2019) showed that this simple
recipe rivals meta-learning: embed the support images once with a pretrained backbone, then
train a fresh classifier on those few feature vectors. *Baseline* uses a linear layer;
*Baseline++* uses cosine similarity to one weight vector per class, which keeps the
class scores comparable when some classes have larger features than others.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.utils.data import TensorDataset

from ...models.backbone import Backbone
from ..config import FitConfig
from ..loop import fit
from ..objectives import ClassificationObjective
from .metric_classifiers import embed_images

__all__ = ["Baseline", "BaselinePlusPlus", "CosineHead", "LinearHead"]


class LinearHead(nn.Module):
    """Baseline's head: a linear layer, features (N, D) -> logits (N, K)."""

    def __init__(self, num_features: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(num_features, num_classes)

    def forward(self, features: Tensor) -> Tensor:
        """Logits (N, K) for features (N, D)."""
        return self.linear(features)


class CosineHead(nn.Module):
    """Baseline++'s head: ``scale * cos(feature, class weight)``, features (N, D) -> (N, K).

    Parameters
    ----------
    num_features, num_classes
        D and K.
    scale
        Multiplies the cosines (which lie in [-1, 1]) so the softmax can become confident.
        None picks Chen et al.'s value: 2 for up to 200 classes, else 10.
    """

    def __init__(self, num_features: int, num_classes: int, scale: float | None = None):
        super().__init__()
        self.scale = float(scale if scale is not None else (2.0 if num_classes <= 200 else 10.0))
        if self.scale <= 0:
            raise ValueError(f"scale must be > 0, got {self.scale}")
        self.weight = nn.Parameter(torch.empty(num_classes, num_features))  # (K, D)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # as nn.Linear

    def forward(self, features: Tensor) -> Tensor:
        """Scaled cosine similarities (N, K) between features (N, D) and the class weights."""
        cosines = F.normalize(features, dim=1) @ F.normalize(self.weight, dim=1).T  # (N, K)
        return self.scale * cosines


class Baseline:
    """Few-shot classifier: frozen backbone features + a :class:`LinearHead` fit on the support.

    Follows the ``FewShotClassifier`` protocol: ``fit(support_images, support_labels)``,
    then ``predict(query_images)``. The head is trained with :func:`tlwidgets.train.fit`
    on features computed once, on the CPU (a head this small is fastest there).

    Parameters
    ----------
    backbone
        A tlwidgets :class:`~tlwidgets.models.Backbone`; only its pooled features are used
        (its classifier, if any, is ignored) and it is never changed.
    steps
        Optimisation steps of the head on each support set.
    lr, weight_decay
        Adam's learning rate and L2 penalty for the head.
    batch_size
        Support examples per step; None uses the whole support set every step.
    seed
        Seeds the head's initial weights and the order of the support examples.
    """

    def __init__(
        self,
        backbone: Backbone,
        steps: int = 100,
        lr: float = 1e-2,
        *,
        weight_decay: float = 1e-3,
        batch_size: int | None = None,
        seed: int = 0,
    ):
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        self.backbone = backbone
        self.steps = steps
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.seed = seed
        self.head: nn.Module | None = None

    def make_head(self, num_features: int, num_classes: int) -> nn.Module:
        """A freshly initialised head mapping features (N, D) to logits (N, K)."""
        return LinearHead(num_features, num_classes)

    def embed(self, images: Tensor) -> Tensor:
        """Pooled backbone features (N, D), float32 on the CPU, for images (N, 3, H, W)."""
        return embed_images(self.backbone, images)

    def fit(self, support_images: Tensor, support_labels: Tensor) -> Baseline:
        """Train a new head on the support set.

        Parameters
        ----------
        support_images
            Shape (N*K, 3, H, W).
        support_labels
            Shape (N*K,), integers 0..N-1.

        Returns
        -------
        Baseline
            ``self``, so ``classifier.fit(...).predict(...)`` reads as one line.
        """
        if len(support_images) != len(support_labels) or len(support_labels) == 0:
            raise ValueError(
                f"need as many support labels as images (at least one), got "
                f"{len(support_images)} images and {len(support_labels)} labels"
            )
        features = self.embed(support_images)  # (S, D)
        labels = support_labels.long().cpu()
        batch_size = min(self.batch_size or len(labels), len(labels))
        steps_per_epoch = -(-len(labels) // batch_size)
        torch.manual_seed(self.seed)  # the head's initial weights
        head = self.make_head(features.shape[1], int(labels.max()) + 1)
        config = FitConfig(
            epochs=-(-self.steps // steps_per_epoch),
            batch_size=batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            seed=self.seed,
            device="cpu",
            channels_last=False,
            max_steps=self.steps,
        )
        fit(head, TensorDataset(features, labels), ClassificationObjective(), config)
        self.head = head.eval()
        return self

    def predict(self, query_images: Tensor) -> Tensor:
        """Predicted labels (M,) int64 on the CPU for query images (M, 3, H, W)."""
        if self.head is None:
            raise RuntimeError(f"call {type(self).__name__}.fit(support) before predict(query)")
        with torch.no_grad():
            return self.head(self.embed(query_images)).argmax(dim=1)


class BaselinePlusPlus(Baseline):
    """Baseline++: like :class:`Baseline`, with a :class:`CosineHead` instead of a linear one.

    Parameters
    ----------
    backbone, steps, lr, weight_decay, batch_size, seed
        As for :class:`Baseline`.
    scale
        The cosine head's scale; None picks Chen et al.'s value (2 for up to 200 classes).
    """

    def __init__(
        self,
        backbone: Backbone,
        steps: int = 100,
        lr: float = 1e-2,
        *,
        weight_decay: float = 1e-3,
        batch_size: int | None = None,
        seed: int = 0,
        scale: float | None = None,
    ):
        super().__init__(
            backbone, steps, lr, weight_decay=weight_decay, batch_size=batch_size, seed=seed
        )
        self.scale = scale

    def make_head(self, num_features: int, num_classes: int) -> nn.Module:
        """A freshly initialised :class:`CosineHead`."""
        return CosineHead(num_features, num_classes, self.scale)
