import pytest
import torch

from tlwidgets.train import ClassificationObjective, evaluate
from tlwidgets.train.adaptation import AdaptationObjective


class ConstantAlignment(AdaptationObjective):
    """Alignment = mean target feature, to check the base's bookkeeping."""

    def alignment(self, model, xs, ys, xt, features_s, features_t, logits_s):
        self.seen = (features_s.shape, features_t.shape, logits_s.shape)
        return features_t.mean(), {"extra": torch.tensor(3.0)}


def test_total_is_source_ce_plus_weighted_alignment(model, batch):
    objective = ConstantAlignment(weight=2.0)
    model.train()
    loss, metrics = objective(model, batch)
    assert set(metrics) == {"acc", "ce", "align", "extra"}
    assert torch.allclose(loss, metrics["ce"] + 2.0 * metrics["align"])
    assert objective.seen == ((8, 128), (6, 128), (8, 10))


def test_source_and_target_share_one_forward_pass(model, batch):
    calls = []
    model.forward_features = lambda x, f=model.forward_features: calls.append(len(x)) or f(x)
    ConstantAlignment()(model, batch)
    assert calls == [14]


def test_evaluation_batches_score_like_classification(model, batch):
    xs, ys, _ = batch
    model.eval()
    with torch.no_grad():
        loss, metrics = ConstantAlignment()(model, (xs, ys))
        expected, expected_metrics = ClassificationObjective()(model, (xs, ys))
    assert set(metrics) == {"acc"}
    assert torch.allclose(loss, expected) and metrics["acc"] == expected_metrics["acc"]
    data = torch.utils.data.TensorDataset(xs, ys)
    assert evaluate(model, data, ConstantAlignment()) == pytest.approx(evaluate(model, data))


def test_bad_batches_and_weights_are_explained(model, batch):
    with pytest.raises(ValueError, match="pair_domains"):
        ConstantAlignment()(model, batch[:1])
    with pytest.raises(ValueError, match="weight must be >= 0"):
        ConstantAlignment(weight=-1)
    with pytest.raises(NotImplementedError):
        AdaptationObjective()(model, batch)
