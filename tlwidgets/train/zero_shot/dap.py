"""Zero-shot learning by attributes: Direct Attribute Prediction (DAP).

C. H. Lampert, H. Nickisch and S. Harmeling, *Learning To Detect Unseen Object Classes by
Between-Class Attribute Transfer*, CVPR 2009. Classes are described by attributes
("yellow", "spots", "tall"); one classifier per attribute is trained on images of the
*seen* classes, labelled with their class's attribute values. An image of a class never
seen is then recognised from the descriptions alone: the class whose attribute vector is
most probable under the predicted attributes wins. A model that has seen yellow chicks and
spotted dalmatians recognises a giraffe described as "yellow with spots".

Attributes here are *categorical* (shape: round/long/tall; colour: five values; ...): one
softmax classifier per attribute, each a :func:`~tlwidgets.train.fit_linear_probe` on
cached features. A binary attribute is the special case of two values, so a 0/1
attribute matrix works as it is. For classes ``z`` with values ``v_g(z)``::

    p(z | x)  ∝  prod_g  p(a_g = v_g(z) | x) / p(a_g = v_g(z))

with the priors ``p(a_g = v)`` the fraction of seen classes with value ``v`` (Lampert et
al.'s choice), and a uniform prior over the candidate classes. A value that no seen class
has (prior 0) was never learnt: its classifier output means nothing, so that attribute
gives no evidence for or against a candidate with that value (its factor is 1), and
:meth:`DAPClassifier.unlearnt_values` names such values.

A simple path from images to features::

    from tlwidgets.data.creatures import creature_attributes, load_creatures
    seen, unseen = load_creatures("train", "seen"), load_creatures("test", "unseen")
    model = tlwidgets.models.create_backbone("small_cnn", num_classes=20)
    fit(model, seen, config=FitConfig(epochs=8))  # a seen-class classifier
    features = extract_features(model, seen)  # its penultimate features, (N, D)
    _, _, table = creature_attributes()  # (20, 3) value indices
    dap = fit_attribute_predictors(features, seen.labels, table)
    ids = unseen.labels.unique()
    predicted = ids[dap.predict(extract_features(model, unseen), table[ids])]
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..probe import LinearProbe, fit_linear_probe

__all__ = ["DAPClassifier", "fit_attribute_predictors"]


def _as_table(class_attributes: Tensor | np.ndarray) -> Tensor:
    table = torch.as_tensor(np.asarray(class_attributes), dtype=torch.long)
    if table.ndim != 2 or (table < 0).any():
        raise ValueError(
            "class_attributes must be (C, G) non-negative value indices (or 0/1), got shape "
            f"{tuple(table.shape)}"
        )
    return table


class DAPClassifier:
    """One probabilistic classifier per attribute, and class scores from their product."""

    def __init__(self, probes: list[LinearProbe], priors: list[Tensor]):
        self.probes = probes  # one per attribute group g: features (N, D) -> logits (N, V_g)
        self.priors = priors  # per group, (V_g,) p(a_g = v) over the seen classes

    def _check_candidates(self, class_attributes: Tensor | np.ndarray) -> Tensor:
        """``class_attributes`` as a (K, G) table whose values this classifier knows."""
        table = _as_table(class_attributes)
        if table.shape[1] != len(self.probes):
            raise ValueError(
                f"class_attributes has {table.shape[1]} attributes; the classifier has "
                f"{len(self.probes)}"
            )
        for g, prior in enumerate(self.priors):
            if int(table[:, g].max()) >= len(prior):
                raise ValueError(
                    f"attribute {g} of class_attributes takes value {int(table[:, g].max())}; "
                    f"the classifier was trained with values 0..{len(prior) - 1}: pass the "
                    "table of every class (seen and unseen) to fit_attribute_predictors"
                )
        return table

    @torch.no_grad()
    def attribute_probabilities(self, features: Tensor) -> list[Tensor]:
        """Per attribute group, p(a_g = v | x) of shape (N, V_g) for features (N, D)."""
        features = features.float().cpu()
        return [probe(features).softmax(dim=1) for probe in self.probes]

    def predict_attributes(self, features: Tensor) -> Tensor:
        """Most probable value of every attribute, (N, G), for features (N, D)."""
        return torch.stack([p.argmax(dim=1) for p in self.attribute_probabilities(features)], 1)

    def class_log_scores(self, features: Tensor, class_attributes: Tensor | np.ndarray) -> Tensor:
        """Unnormalised log p(z | x) of each candidate class, (N, K).

        Parameters
        ----------
        features
            (N, D), from the same extractor as the training features.
        class_attributes
            (K, G) value indices of the K candidate classes (e.g. the unseen ones).
        """
        table = self._check_candidates(class_attributes)
        scores = torch.zeros(len(features), len(table))
        for g, (probs, prior) in enumerate(
            zip(self.attribute_probabilities(features), self.priors, strict=True)
        ):
            values = table[:, g]  # (K,) each candidate's value of attribute g
            learnt = prior[values] > 0  # (K,) False: no seen class has it, no evidence
            ratio = probs[:, values].clamp_min(1e-12) / prior[values].clamp_min(1e-12)
            scores += torch.where(learnt, ratio.log(), 0.0)  # (N, K)
        return scores

    def unlearnt_values(self, class_attributes: Tensor | np.ndarray) -> list[tuple[int, int]]:
        """The (attribute g, value v) pairs of ``class_attributes`` (K, G) no seen class had.

        DAP cannot recognise such a value (its classifier never saw an example), so it
        scores those candidates on their other attributes alone.
        """
        table = self._check_candidates(class_attributes)
        return sorted(
            {
                (g, int(v))
                for g, prior in enumerate(self.priors)
                for v in table[:, g].unique()
                if prior[v] == 0
            }
        )

    def predict(self, features: Tensor, class_attributes: Tensor | np.ndarray) -> Tensor:
        """Index (N,) into the rows of ``class_attributes`` (K, G) of the most probable class."""
        return self.class_log_scores(features, class_attributes).argmax(dim=1)


def fit_attribute_predictors(
    features: Tensor,
    class_labels: Tensor,
    class_attributes: Tensor | np.ndarray,
    *,
    epochs: int = 100,
    lr: float = 5e-2,
    weight_decay: float = 1e-3,
    seed: int = 0,
) -> DAPClassifier:
    """Train one linear softmax classifier per attribute on the seen classes' features.

    Parameters
    ----------
    features
        (N, D) features of images of the seen classes.
    class_labels
        (N,) class index of each image, a row of ``class_attributes``.
    class_attributes
        (C, G) value index of each of G categorical attributes for every class (seen and
        unseen; only the seen rows are used), or a 0/1 matrix of binary attributes.
    epochs, lr, weight_decay, seed
        Passed to :func:`~tlwidgets.train.fit_linear_probe`, once per attribute.

    Returns
    -------
    DAPClassifier
        Its ``predict(test_features, table[candidates])`` recognises the candidates.

    Raises
    ------
    ValueError
        For mismatched shapes, or an attribute with a single value among the seen classes
        (nothing to learn from).
    """
    table = _as_table(class_attributes)
    labels = torch.as_tensor(class_labels).long().cpu()
    if features.ndim != 2 or len(features) != len(labels):
        raise ValueError(
            f"features must be (N, D) and class_labels (N,), got {tuple(features.shape)} and "
            f"{tuple(labels.shape)}"
        )
    if len(labels) and int(labels.max()) >= len(table):
        raise ValueError(f"class label {int(labels.max())} has no row in class_attributes")
    seen = labels.unique()
    probes, priors = [], []
    for g in range(table.shape[1]):
        num_values = int(table[:, g].max()) + 1
        targets = table[labels, g]  # (N,) the attribute value of each image's class
        if len(targets.unique()) < 2:
            raise ValueError(f"attribute {g} takes one value on every seen class")
        probes.append(
            fit_linear_probe(
                features,
                targets,
                num_classes=num_values,
                epochs=epochs,
                lr=lr,
                weight_decay=weight_decay,
                seed=seed + g,
            )
        )
        priors.append(torch.bincount(table[seen, g], minlength=num_values).float() / len(seen))
    return DAPClassifier(probes, priors)
