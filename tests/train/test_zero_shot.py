"""Direct Attribute Prediction: recognising unseen classes from their attributes."""

import numpy as np
import pytest
import torch

from tlwidgets.train.zero_shot import DAPClassifier, fit_attribute_predictors

# 9 classes over two attributes of 3 values each: the classes on the diagonal are unseen
TABLE = np.array([[a, b] for a in range(3) for b in range(3)])
UNSEEN = np.array([0, 4, 8])
SEEN = np.array([c for c in range(9) if c not in UNSEEN])


def _features(labels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """(N, 8): one-hot attribute values plus noise, so every attribute is linearly readable."""
    table = torch.as_tensor(TABLE)[labels]  # (N, 2)
    onehot = torch.cat([torch.nn.functional.one_hot(table[:, g], 3) for g in range(2)], 1)
    noise = torch.randn(len(labels), 8, generator=generator)
    return torch.cat([onehot.float(), torch.zeros(len(labels), 2)], 1) + 0.15 * noise


def test_dap_recognises_unseen_classes_from_linearly_readable_attributes():
    generator = torch.Generator().manual_seed(0)
    train_labels = torch.as_tensor(SEEN).repeat(20)
    test_labels = torch.as_tensor(UNSEEN).repeat(20)
    dap = fit_attribute_predictors(
        _features(train_labels, generator), train_labels, TABLE, epochs=30
    )
    assert isinstance(dap, DAPClassifier)
    test = _features(test_labels, generator)
    predicted = torch.as_tensor(UNSEEN)[dap.predict(test, TABLE[UNSEEN])]
    assert (predicted == test_labels).float().mean() >= 0.98
    assert dap.class_log_scores(test, TABLE[UNSEEN]).shape == (60, 3)
    assert dap.predict_attributes(test).shape == (60, 2)
    # priors: each value is held by 2 of the 6 seen classes
    assert torch.allclose(dap.priors[0], torch.full((3,), 1 / 3))


def test_dap_rejects_bad_shapes_and_constant_attributes():
    features = torch.randn(4, 3)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        fit_attribute_predictors(features, torch.tensor([0, 1]), TABLE)
    with pytest.raises(ValueError, match="one value"):
        fit_attribute_predictors(features, torch.tensor([0, 1, 2, 0]), TABLE)  # a is always 0
    with pytest.raises(ValueError, match="no row"):
        fit_attribute_predictors(features, torch.tensor([0, 1, 2, 99]), TABLE)


def test_giraffe_is_recognised_from_yellow_and_spots_end_to_end():
    """Smoke-sized creatures, features = pixel colour statistics + a spottiness cue."""
    from tlwidgets.data.creatures import creature_attributes, load_creatures

    names, _, table = creature_attributes()
    seen, unseen = load_creatures("train", "seen"), load_creatures("test", "unseen")

    def features(images: torch.Tensor) -> torch.Tensor:  # (N, 3, 32, 32) -> (N, 64)
        """A joint colour histogram: 4 levels per channel, the fraction of pixels per bin."""
        levels = (images * 3.999).long()  # (N, 3, 32, 32) in 0..3
        bins = (levels[:, 0] * 16 + levels[:, 1] * 4 + levels[:, 2]).flatten(1)  # (N, 1024)
        counts = torch.zeros(len(images), 64).scatter_add_(
            1, bins, torch.ones_like(bins, dtype=torch.float)
        )
        return counts / bins.shape[1]

    dap = fit_attribute_predictors(features(seen.images), seen.labels, table, epochs=60)
    giraffes = unseen.subset(np.flatnonzero(unseen.labels == names.index("giraffe")))
    colours = dap.predict_attributes(features(giraffes.images))[:, 1]
    assert (colours == 0).float().mean() >= 0.8  # yellow, learnt from chicks, bees, tigers


def test_a_value_no_seen_class_has_is_named_and_gives_no_evidence():
    generator = torch.Generator().manual_seed(0)
    seen = np.array([c for c in range(9) if TABLE[c, 0] != 2])  # attribute 0 never takes 2
    train_labels = torch.as_tensor(seen).repeat(20)
    dap = fit_attribute_predictors(
        _features(train_labels, generator), train_labels, TABLE, epochs=30
    )
    test = _features(torch.as_tensor([6, 7, 8]), generator)  # classes (2, 0), (2, 1), (2, 2)

    assert dap.unlearnt_values(TABLE) == [(0, 2)]
    assert dap.unlearnt_values(TABLE[seen]) == []
    scores = dap.class_log_scores(test, TABLE[[6, 7, 8]])  # (3, 3)
    # only attribute 1 speaks: each score is its log ratio alone
    probs = dap.attribute_probabilities(test)[1]  # (3, 3)
    expected = (probs / dap.priors[1]).log()
    assert torch.allclose(scores, expected, atol=1e-5)
    assert dap.predict(test, TABLE[[6, 7, 8]]).tolist() == [0, 1, 2]


def test_a_candidate_value_beyond_the_trained_ones_is_refused():
    generator = torch.Generator().manual_seed(0)
    labels = torch.as_tensor(SEEN).repeat(5)
    dap = fit_attribute_predictors(_features(labels, generator), labels, TABLE, epochs=2)

    with pytest.raises(ValueError, match=r"takes value 3; .* values 0..2: pass the table of every"):
        dap.predict(torch.randn(2, 8), np.array([[3, 0]]))
    with pytest.raises(ValueError, match="has 3 attributes; the classifier has 2"):
        dap.predict(torch.randn(2, 8), np.array([[0, 0, 0]]))
