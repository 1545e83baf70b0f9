"""Domain-adversarial training (DANN): features a domain discriminator cannot tell apart.

Ganin, Y., Ustinova, E., Ajakan, H., Germain, P., Larochelle, H., Laviolette, F.,
Marchand, M. and Lempitsky, V. (2016). "Domain-Adversarial Training of Neural Networks."
JMLR 17(59). (First as Ganin and Lempitsky, ICML 2015.)

A discriminator learns to tell source features from target features; between it and the
backbone sits a gradient reversal layer, so the backbone receives the *opposite* of the
discriminator's gradient and learns features that fool it::

    images -> backbone -> features (N, D) -+-> classifier -> class logits (source labels)
                                           +-> gradient reversal -> discriminator
                                                                    -> domain logit
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ...models import Backbone
from .base import AdaptationObjective

__all__ = [
    "DANNObjective",
    "DomainAdversarialNetwork",
    "DomainDiscriminator",
    "GradientReversal",
    "GradientReversalFunction",
    "dann_lambda",
]


class GradientReversalFunction(torch.autograd.Function):
    """Identity going forward; multiplies the gradient by ``-lambda_`` going backward."""

    @staticmethod
    def forward(ctx, x: Tensor, lambda_: float) -> Tensor:
        """Return ``x`` unchanged (a view), remembering ``lambda_`` for the backward pass."""
        ctx.lambda_ = lambda_
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        """The incoming gradient times ``-lambda_``; none for ``lambda_`` itself."""
        return -ctx.lambda_ * grad, None


class GradientReversal(nn.Module):
    """The gradient reversal layer as a module, with its strength ``lambda_`` (>= 0)."""

    def __init__(self, lambda_: float = 1.0):
        super().__init__()
        self.lambda_ = lambda_

    def forward(self, x: Tensor) -> Tensor:
        """``x`` unchanged; its gradient will be multiplied by ``-lambda_``."""
        return GradientReversalFunction.apply(x, self.lambda_)

    def extra_repr(self) -> str:
        """Show ``lambda_`` when the model is printed."""
        return f"lambda_={self.lambda_}"


class DomainDiscriminator(nn.Sequential):
    """An MLP from features (N, num_features) to one domain logit (N,) (> 0: source).

    Two hidden layers of ``hidden`` units with ReLU, as in the paper's digit experiments.
    """

    def __init__(self, num_features: int, hidden: int = 256):
        super().__init__(
            nn.Linear(num_features, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, 1),
        )

    def forward(self, features: Tensor) -> Tensor:
        """Domain logits (N,) for features (N, num_features)."""
        return super().forward(features).squeeze(1)


class DomainAdversarialNetwork(nn.Module):
    """A backbone with a domain discriminator behind a gradient reversal layer.

    ``forward(x)`` returns the backbone's class logits (N, K), so evaluation and prediction
    treat it like the backbone itself; ``forward_features`` and ``forward_head`` are the
    backbone's. Only :class:`DANNObjective` uses the discriminator.

    Parameters
    ----------
    backbone
        The classifier being adapted.
    hidden
        Hidden units of the discriminator.
    """

    def __init__(self, backbone: Backbone, hidden: int = 256):
        super().__init__()
        self.backbone = backbone
        self.gradient_reversal = GradientReversal(0.0)
        self.discriminator = DomainDiscriminator(backbone.num_features, hidden)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits (N, K) for images (N, 3, H, W)."""
        return self.backbone(x)

    @property
    def stages(self) -> nn.ModuleList:
        """The backbone's stages, so analysis and freezing helpers accept the wrapper."""
        return self.backbone.stages

    @property
    def stage_names(self) -> list[str]:
        """The backbone's stage names."""
        return self.backbone.stage_names

    @property
    def num_features(self) -> int:
        """Width D of the backbone's pooled features."""
        return self.backbone.num_features

    def forward_stages(self, x: Tensor, depth: int | None = None) -> Tensor:
        """The backbone's maps after its first ``depth`` stages (all when None)."""
        return self.backbone.forward_stages(x, depth)

    def forward_features(self, x: Tensor) -> Tensor:
        """The backbone's feature maps (N, C, h, w)."""
        return self.backbone.forward_features(x)

    def forward_head(self, maps: Tensor, pre_logits: bool = False) -> Tensor:
        """The backbone's pooled features (N, D) or logits (N, K)."""
        return self.backbone.forward_head(maps, pre_logits=pre_logits)

    def domain_logits(self, features: Tensor) -> Tensor:
        """Domain logits (N,) (> 0: source) for features (N, D), through gradient reversal."""
        return self.discriminator(self.gradient_reversal(features))


def dann_lambda(progress: float, gamma: float = 10.0) -> float:
    """The paper's schedule ``2 / (1 + exp(-gamma p)) - 1``: 0 at p = 0, close to 1 at p = 1.

    Early in training the features are still random, so the discriminator's (reversed)
    gradient is faded in rather than applied at full strength from the start.
    """
    return 2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0


class DANNObjective(AdaptationObjective):
    """Source cross-entropy + ``weight`` * the discriminator's domain cross-entropy.

    The discriminator minimises the domain loss; through the gradient reversal layer (of
    strength ``lambda_``, following :func:`dann_lambda` over the run) the backbone maximises
    it. The model must be a :class:`DomainAdversarialNetwork`.

    Metrics, besides ``acc``, ``ce`` and ``align`` (the domain loss): ``domain_acc``, how
    often the discriminator tells the domains apart (0.5 = features look alike), and
    ``lambda`` (the reversal strength).

    Parameters
    ----------
    weight
        Multiplies the domain loss.
    gamma
        Steepness of the lambda schedule (10 in the paper).
    """

    def __init__(self, weight: float = 1.0, gamma: float = 10.0):
        super().__init__(weight)
        if gamma < 0:
            raise ValueError(f"gamma must be >= 0, got {gamma}")
        self.gamma = gamma
        self.lambda_ = 0.0

    def on_step_start(self, progress: float) -> None:
        """Set ``lambda_`` from the fraction of the run done."""
        self.lambda_ = dann_lambda(progress, self.gamma)

    def alignment(
        self,
        model: nn.Module,
        xs: Tensor,
        ys: Tensor,
        xt: Tensor,
        features_s: Tensor,
        features_t: Tensor,
        logits_s: Tensor,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """Domain cross-entropy of the discriminator (source = 1, target = 0)."""
        if not isinstance(model, DomainAdversarialNetwork):
            raise TypeError(
                f"DANNObjective needs a DomainAdversarialNetwork, got {type(model).__name__}; "
                "wrap the backbone: model = DomainAdversarialNetwork(backbone)"
            )
        model.gradient_reversal.lambda_ = self.lambda_
        features = torch.cat([features_s, features_t])  # (N + M, D)
        domains = torch.cat(
            [features_s.new_ones(len(features_s)), features_t.new_zeros(len(features_t))]
        )
        logits = model.domain_logits(features).float()  # (N + M,)
        loss = F.binary_cross_entropy_with_logits(logits, domains)
        with torch.no_grad():
            domain_acc = ((logits > 0).float() == domains).float().mean()
        return loss, {"domain_acc": domain_acc, "lambda": torch.tensor(self.lambda_)}
