"""The multitask objective, its weighting strategies, and what fit() does with them."""

import math

import pytest
import torch
from torch import nn

from tlwidgets.data import MultiTaskImages, Task, build_datasets, load_multitask
from tlwidgets.models import MultiHeadModel, SoftSharingModel, create_backbone
from tlwidgets.train import (
    ClassificationObjective,
    DynamicWeightAverage,
    EqualWeights,
    FitConfig,
    FixedWeights,
    GradNorm,
    MultiTaskConfig,
    MultiTaskObjective,
    PCGrad,
    UncertaintyWeighting,
    evaluate,
    fit,
    gradient_cosines,
    make_weighting,
    task_gradients,
    train_multitask,
)
from tlwidgets.train.loop import _make_optimizer

TASKS = (
    Task("digit", "classification", tuple("0123")),
    Task("angle", "regression", unit="radians"),
)


def tiny_data(n: int = 32, seed: int = 0) -> MultiTaskImages:
    """Images whose class is a colour offset and whose regression target is a brightness."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 4
    images = torch.rand(n, 3, 32, 32, generator=generator) * 0.5
    images[:, 0] += labels.view(-1, 1, 1).float() / 4
    angle = images[:, 1].mean(dim=(1, 2)) * 4 - 1  # (n,) in about [-1, 1]
    return MultiTaskImages(
        images=images, targets={"digit": labels, "angle": angle}, tasks=TASKS, name="t", split="x"
    )


def tiny_model(tasks=TASKS) -> MultiHeadModel:
    torch.manual_seed(0)
    return MultiHeadModel(create_backbone("small_cnn", num_classes=0), tasks)


def losses_of(values: dict[str, float]) -> dict[str, torch.Tensor]:
    return {name: torch.tensor(v) for name, v in values.items()}


# --- gradients between tasks ---------------------------------------------------------------


def test_gradient_cosines_of_hand_made_vectors():
    gradients = {
        "a": torch.tensor([1.0, 0.0]),
        "b": torch.tensor([0.0, 2.0]),
        "c": torch.tensor([-3.0, 0.0]),
        "d": torch.tensor([1.0, 1.0]),
    }
    cosines = gradient_cosines(gradients)
    assert list(cosines) == [
        "grad_cos_a_b",
        "grad_cos_a_c",
        "grad_cos_a_d",
        "grad_cos_b_c",
        "grad_cos_b_d",
        "grad_cos_c_d",
    ]
    expected = [0.0, -1.0, 1 / math.sqrt(2), 0.0, 1 / math.sqrt(2), -1 / math.sqrt(2)]
    for value, want in zip(cosines.values(), expected, strict=True):
        assert float(value) == pytest.approx(want, abs=1e-6)


def test_task_gradients_match_autograd_and_leave_grad_untouched():
    model = tiny_model()
    data = tiny_data(8)
    outputs = model(data.images)
    losses = {
        "digit": nn.functional.cross_entropy(outputs["digit"], data.targets["digit"]),
        "angle": nn.functional.mse_loss(outputs["angle"], data.targets["angle"]),
    }
    shared = model.shared_parameters()
    gradients = task_gradients(losses, shared)
    assert all(p.grad is None for p in model.parameters())
    n = sum(p.numel() for p in shared)
    assert gradients["digit"].shape == (n,) and not gradients["digit"].requires_grad
    losses["angle"].backward()  # the graph is still there
    plain = torch.cat([p.grad.reshape(-1) for p in shared])
    torch.testing.assert_close(gradients["angle"], plain)


def test_task_gradients_need_shared_parameters():
    model = SoftSharingModel(lambda: create_backbone("small_cnn", num_classes=0), TASKS)
    assert model.shared_parameters() == []
    with pytest.raises(ValueError, match="no shared parameters"):
        task_gradients(losses_of({"digit": 1.0}), model.shared_parameters())


# --- weighting strategies ------------------------------------------------------------------


def test_equal_and_fixed_weights_sum_the_losses():
    losses = losses_of({"digit": 2.0, "angle": 3.0})
    total, logged = EqualWeights().combine(losses, None)
    assert float(total) == pytest.approx(5.0)
    assert float(logged["weight_digit"]) == 1.0
    total, logged = FixedWeights({"angle": 0.5}).combine(losses, None)
    assert float(total) == pytest.approx(2.0 + 1.5)  # missing tasks weigh 1
    assert float(logged["weight_angle"]) == 0.5 and float(logged["weight_digit"]) == 1.0


def test_fixed_weights_reject_negative_and_unknown_tasks():
    with pytest.raises(ValueError, match=">= 0"):
        FixedWeights({"digit": -1.0})
    with pytest.raises(ValueError, match="unknown tasks"):
        FixedWeights({"colour": 1.0}).combine(losses_of({"digit": 1.0}), None)


def test_make_weighting_builds_each_strategy_and_rejects_bad_arguments():
    assert isinstance(make_weighting("equal", TASKS), EqualWeights)
    assert isinstance(make_weighting("fixed", TASKS, {"digit": 2.0}), FixedWeights)
    assert isinstance(make_weighting("uncertainty", TASKS), UncertaintyWeighting)
    assert isinstance(make_weighting("dwa", TASKS), DynamicWeightAverage)
    assert isinstance(make_weighting("gradnorm", TASKS), GradNorm)
    assert isinstance(make_weighting("pcgrad", TASKS), PCGrad)
    with pytest.raises(ValueError, match="fixed"):
        make_weighting("fixed", TASKS)
    with pytest.raises(ValueError, match="fixed"):
        make_weighting("equal", TASKS, {"digit": 1.0})
    with pytest.raises(ValueError, match=r"unknown weighting 'magic'.*gradnorm"):
        make_weighting("magic", TASKS)


def test_uncertainty_loss_per_kind():
    weighting = UncertaintyWeighting(TASKS)
    with torch.no_grad():
        weighting.log_vars["digit"].fill_(0.4)
        weighting.log_vars["angle"].fill_(-0.6)
    total, logged = weighting.combine(losses_of({"digit": 2.0, "angle": 3.0}), None)
    classification = math.exp(-0.4) * 2.0 + 0.5 * 0.4
    regression = 0.5 * math.exp(0.6) * 3.0 + 0.5 * -0.6
    assert float(total.detach()) == pytest.approx(classification + regression, rel=1e-6)
    assert float(logged["weight_digit"]) == pytest.approx(math.exp(-0.4), rel=1e-6)
    assert float(logged["weight_angle"]) == pytest.approx(0.5 * math.exp(0.6), rel=1e-6)
    assert float(logged["sigma_angle"]) == pytest.approx(math.exp(-0.3), rel=1e-6)
    total.backward()  # the log-variances get gradients
    assert weighting.log_vars["digit"].grad is not None


def test_learnable_task_weights_are_optimised_at_weights_lr():
    model = tiny_model()
    objective = MultiTaskObjective(TASKS, "uncertainty", weights_lr=0.05)
    optimizer = _make_optimizer(FitConfig(lr=1e-3), model, None, objective)
    groups = optimizer.param_groups
    assert len(groups) == 2
    assert {id(p) for p in groups[0]["params"]} == {id(p) for p in objective.parameters()}
    assert groups[0]["lr"] == 0.05 and groups[-1]["lr"] == 1e-3  # model's group last
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.parameters()}
    no_rate = MultiTaskObjective(TASKS, "uncertainty")
    assert _make_optimizer(FitConfig(lr=1e-3), model, None, no_rate).param_groups[0]["lr"] == 1e-3
    plain = MultiTaskObjective(TASKS, "equal")  # nothing learnable: one group
    assert len(_make_optimizer(FitConfig(), model, None, plain).param_groups) == 1


def test_fit_trains_the_uncertainty_sigmas():
    objective = MultiTaskObjective(TASKS, "uncertainty", weights_lr=0.05, cosine_every=0)
    before = {n: float(p.detach()) for n, p in objective.weighting.log_vars.items()}
    history = fit(
        tiny_model(), tiny_data(), objective, FitConfig(epochs=1, batch_size=8, device="cpu")
    )
    after = {n: float(p.detach()) for n, p in objective.weighting.log_vars.items()}
    assert before == {"digit": 0.0, "angle": 0.0}
    assert all(abs(after[n] - before[n]) > 0.05 for n in after)  # 4 Adam steps at 0.05
    sigmas = history.series("sigma_digit")
    assert len(sigmas) == 4 and sigmas[0] == pytest.approx(1.0) and sigmas[-1] != sigmas[0]
    assert history.series("lr")[0] == pytest.approx(1e-3)  # logged rate is the model's


def test_gradnorm_weights_stay_positive_sum_to_the_task_count_and_move():
    objective = MultiTaskObjective(TASKS, "gradnorm", weights_lr=0.05, cosine_every=0)
    history = fit(
        tiny_model(), tiny_data(), objective, FitConfig(epochs=2, batch_size=8, device="cpu")
    )
    digit, angle = history.series("weight_digit"), history.series("weight_angle")
    assert len(digit) == 8
    for a, b in zip(digit, angle, strict=True):
        assert a > 0 and b > 0
        assert a + b == pytest.approx(2.0, rel=1e-5)
    assert digit[-1] != pytest.approx(1.0, abs=1e-3)  # the weights did adapt
    assert all(b >= 0 for b in history.series("gradnorm_balance"))
    # fit() ends with an epoch end, which rescales: the stored weights sum to 2 as they are
    weights = [float(w.detach()) for w in objective.weighting.task_weights.values()]
    assert min(weights) > 0 and sum(weights) == pytest.approx(2.0, rel=1e-5)


def test_dwa_uses_weight_one_for_two_epochs_then_softmax_of_loss_ratios():
    dwa = DynamicWeightAverage(temperature=2.0)
    epochs = [
        [{"digit": 4.0, "angle": 1.0}, {"digit": 2.0, "angle": 1.0}],  # means 3, 1
        [{"digit": 1.0, "angle": 1.0}, {"digit": 2.0, "angle": 1.0}],  # means 1.5, 1
    ]
    for steps in epochs:
        for values in steps:
            total, logged = dwa.combine(losses_of(values), None)
            assert float(logged["weight_digit"]) == 1.0 == float(logged["weight_angle"])
            assert float(total) == pytest.approx(sum(values.values()))
        dwa.on_epoch_end()
    assert dwa.epoch_means == [{"digit": 3.0, "angle": 1.0}, {"digit": 1.5, "angle": 1.0}]
    ratios = torch.tensor([1.5 / 3.0, 1.0 / 1.0])  # digit fell, angle stalled
    expected = 2 * torch.softmax(ratios / 2.0, dim=0)
    total, logged = dwa.combine(losses_of({"digit": 1.0, "angle": 2.0}), None)
    assert float(logged["weight_digit"]) == pytest.approx(float(expected[0]), rel=1e-6)
    assert float(logged["weight_angle"]) == pytest.approx(float(expected[1]), rel=1e-6)
    assert float(logged["weight_angle"]) > 1 > float(logged["weight_digit"])
    want = float(expected[0]) * 1.0 + float(expected[1]) * 2.0
    assert float(total) == pytest.approx(want, rel=1e-6)
    dwa.on_epoch_end()
    dwa.on_epoch_end()  # an epoch without steps adds no means
    assert len(dwa.epoch_means) == 3
    with pytest.raises(ValueError, match="temperature"):
        DynamicWeightAverage(temperature=0)


def test_fit_calls_dwa_at_every_epoch_end():
    objective = MultiTaskObjective(TASKS, "dwa", cosine_every=0)
    history = fit(
        tiny_model(), tiny_data(), objective, FitConfig(epochs=3, batch_size=16, device="cpu")
    )
    assert len(objective.weighting.epoch_means) == 3
    weights = history.series("weight_digit")  # 2 steps per epoch
    assert weights[:4] == [1.0] * 4 and weights[4] != 1.0
    assert weights[4] + history.series("weight_angle")[4] == pytest.approx(2.0)


# --- the objective -------------------------------------------------------------------------


def batch_of(data: MultiTaskImages, n: int = 8):
    return tuple(t[:n] for t in data.tensors)


def test_objective_logs_per_task_metrics_weights_and_cosines_every_k_steps():
    model, data = tiny_model(), tiny_data(8)
    objective = MultiTaskObjective(TASKS, "fixed", weights={"angle": 2.0}, cosine_every=2)
    keys = []
    for _ in range(4):
        loss, metrics = objective(model, batch_of(data))
        keys.append(set(metrics))
    base = {"digit_acc", "digit_loss", "angle_mae", "angle_loss", "weight_digit", "weight_angle"}
    assert keys == [base | {"grad_cos_digit_angle"}, base, base | {"grad_cos_digit_angle"}, base]
    assert float(loss.detach()) == pytest.approx(
        float(metrics["digit_loss"] + 2 * metrics["angle_loss"])
    )
    assert -1 <= float(objective(model, batch_of(data))[1]["grad_cos_digit_angle"]) <= 1
    never = MultiTaskObjective(TASKS, cosine_every=0)
    assert not any(k.startswith("grad_cos") for k in never(model, batch_of(data))[1])


def test_objective_metrics_are_correct_for_known_outputs():
    class Fixed(nn.Module):
        def forward(self, x):
            n = len(x)
            logits = torch.zeros(n, 4)
            logits[:, 1] = 1.0  # always predicts class 1
            return {"digit": logits, "angle": torch.full((n,), 0.5)}

    images = torch.zeros(4, 3, 32, 32)
    batch = (images, torch.tensor([1, 1, 0, 2]), torch.tensor([0.5, 1.5, -0.5, 0.5]))
    with torch.no_grad():
        _, metrics = MultiTaskObjective(TASKS)(Fixed(), batch)
    assert float(metrics["digit_acc"]) == pytest.approx(0.5)
    assert float(metrics["angle_mae"]) == pytest.approx(0.5)
    assert float(metrics["angle_loss"]) == pytest.approx(0.5)  # mse: (0 + 1 + 1 + 0) / 4


def test_evaluation_returns_the_plain_sum_whatever_the_weighting():
    model, data = tiny_model(), tiny_data(8)
    model.eval()
    objective = MultiTaskObjective(TASKS, "fixed", weights={"digit": 10.0, "angle": 0.1})
    with torch.no_grad():
        loss, metrics = objective(model, batch_of(data))
    assert float(loss) == pytest.approx(float(metrics["digit_loss"] + metrics["angle_loss"]))
    assert not any(k.startswith(("weight_", "grad_cos")) for k in metrics)
    assert objective.steps == 0  # evaluation is not a training step
    result = evaluate(model, data, objective, device="cpu")
    assert result["loss"] == pytest.approx(result["digit_loss"] + result["angle_loss"], rel=1e-5)


def test_single_head_model_only_scores_its_task():
    model = tiny_model(TASKS[:1])
    objective = MultiTaskObjective(TASKS, "uncertainty")
    loss, metrics = objective(model, batch_of(tiny_data(8)))
    assert {k for k in metrics if k.startswith("angle")} == set()
    assert {"digit_acc", "digit_loss", "weight_digit"} <= metrics.keys()
    assert "weight_angle" not in metrics and not any(k.startswith("grad_cos") for k in metrics)
    loss.backward()
    assert model.heads["digit"].weight.grad is not None


def test_objective_rejects_a_batch_of_the_wrong_length_and_unknown_outputs():
    model, data = tiny_model(), tiny_data(8)
    with pytest.raises(ValueError, match="expected batches \\(images, digit, angle\\)"):
        MultiTaskObjective(TASKS)(model, batch_of(data)[:2])
    with pytest.raises(ValueError, match="'angle'"):
        MultiTaskObjective(TASKS[:1])(model, batch_of(data)[:2])


def test_soft_sharing_adds_its_regularization_to_the_training_loss():
    torch.manual_seed(0)
    model = SoftSharingModel(lambda: create_backbone("small_cnn", num_classes=0), TASKS, tie=1.0)
    objective = MultiTaskObjective(TASKS, cosine_every=1)
    loss, metrics = objective(model, batch_of(tiny_data(8)))
    plain = float(metrics["digit_loss"] + metrics["angle_loss"])
    tie = float(model.regularization().detach())
    assert tie > 0  # independently initialised backbones
    assert float(loss.detach()) == pytest.approx(plain + tie, rel=1e-5)
    assert not any(k.startswith("grad_cos") for k in metrics)  # nothing is shared


# --- the loop ------------------------------------------------------------------------------


class RareMetric(ClassificationObjective):
    """Logs ``rare`` (the step number) on every 10th step only, and counts epoch ends."""

    def __init__(self):
        super().__init__()
        self.step = 0
        self.epoch_ends = 0

    def __call__(self, model, batch):
        loss, metrics = super().__call__(model, batch)
        if self.step % 10 == 0:
            metrics["rare"] = torch.tensor(float(self.step))
        self.step += 1
        return loss, metrics

    def on_epoch_end(self):
        self.epoch_ends += 1


def test_epoch_means_average_each_metric_over_the_steps_that_logged_it(blobs):
    torch.manual_seed(0)
    model = create_backbone("small_cnn", num_classes=4)
    objective = RareMetric()
    history = fit(model, blobs, objective, FitConfig(epochs=2, batch_size=16, device="cpu"))
    assert objective.epoch_ends == 2
    # 16 steps per epoch: "rare" logged at steps 0, 10 (epoch 0) and 20, 30 (epoch 1)
    assert [row["rare"] for row in history.epochs] == [5.0, 25.0]
    acc = [row["acc"] for row in history.steps[:16]]
    assert history.epochs[0]["acc"] == pytest.approx(sum(acc) / 16)


# --- the recipe ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def multimnist():
    build_datasets(["multimnist"])
    return load_multitask("multimnist", "train"), load_multitask("multimnist", "test")


def test_train_multitask_records_test_metrics_for_every_task(multimnist):
    train, test = multimnist
    config = MultiTaskConfig(epochs=1, backbone="small_cnn", batch_size=100, cosine_every=1)
    model, history = train_multitask(config, train, test, device="cpu")
    assert history.status == "completed" and history.num_steps == 3
    row = history.epochs[0]
    for task in ("left", "right"):
        assert 0 <= row[f"test_{task}_acc"] <= 1 and f"test_{task}_loss" in row
    assert len(history.series("grad_cos_left_right")) == 3
    assert set(model.heads) == {"left", "right"}


def test_single_task_config_trains_one_head(multimnist):
    train, test = multimnist
    config = MultiTaskConfig(tasks=("left",), epochs=1, backbone="small_cnn", batch_size=100)
    model, history = train_multitask(config, train, test, device="cpu")
    assert isinstance(model, MultiHeadModel) and list(model.heads) == ["left"]
    assert "test_left_acc" in history.epochs[0]
    assert not any("right" in key for key in history.epochs[0])
    # the rate decays on a cosine by default, so the last epoch is a settled model
    assert history.config["schedule"] == "cosine" and history.steps[-1]["lr"] < config.lr / 10


def test_multitask_config_rejects_unknown_choices():
    with pytest.raises(ValueError, match="model"):
        MultiTaskConfig(model="tower")
    with pytest.raises(ValueError, match="weighting"):
        MultiTaskConfig(weighting="magic")
    with pytest.raises(ValueError, match="at least one task"):
        MultiTaskConfig(tasks=())
    for weighting in ("gradnorm", "pcgrad"):  # they need shared parameters; soft has none
        with pytest.raises(ValueError, match="shares none"):
            MultiTaskConfig(model="soft", weighting=weighting)
