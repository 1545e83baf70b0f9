"""PCGrad's gradient surgery: the projection itself, and the gradient fit() applies."""

import pytest
import torch

from tlwidgets.data import Task
from tlwidgets.models import MultiHeadModel, create_backbone
from tlwidgets.train import (
    MultiTaskObjective,
    PCGrad,
    project_conflicting,
    task_gradients,
    task_losses,
)

TOL = dict(atol=1e-6, rtol=0)


def test_conflicting_pair_loses_exactly_the_component_along_the_other():
    g1, g2 = torch.tensor([1.0, 0.0, 2.0]), torch.tensor([-1.0, 1.0, 0.0])
    assert torch.dot(g1, g2) < 0
    p1, p2 = project_conflicting([g1, g2])
    # each projected gradient is orthogonal to the *original* other gradient
    assert torch.dot(p1, g2).abs() < 1e-6
    assert torch.dot(p2, g1).abs() < 1e-6
    # what was removed is parallel to the other gradient: g1 - p1 = c * g2 with c < 0
    removed = g1 - p1
    c = torch.dot(removed, g2) / g2.pow(2).sum()
    torch.testing.assert_close(removed, c * g2, **TOL)
    assert c < 0
    torch.testing.assert_close(p1, torch.tensor([0.5, 0.5, 2.0]), **TOL)
    torch.testing.assert_close(p2, g2 + 0.2 * g1, **TOL)  # dot -1, |g1|^2 = 5


def test_non_conflicting_gradients_are_returned_unchanged_and_inputs_untouched():
    g1, g2 = torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])
    orthogonal = torch.tensor([0.0, 3.0])
    out = project_conflicting([g1, g2, orthogonal])
    for before, after in zip([g1, g2, orthogonal], out, strict=True):
        assert torch.equal(before, after)
    conflicting = [torch.tensor([1.0, 0.0]), torch.tensor([-1.0, 1.0])]
    copies = [g.clone() for g in conflicting]
    project_conflicting(conflicting)
    assert all(torch.equal(a, b) for a, b in zip(conflicting, copies, strict=True))


def test_three_tasks_project_against_every_conflicting_original_in_a_random_order():
    g1 = torch.tensor([1.0, 1.0, 1.0])
    g2 = torch.tensor([-2.0, 0.0, 0.0])  # conflicts with g1; orthogonal to g3
    g3 = torch.tensor([0.0, -2.0, 0.0])  # conflicts with g1
    seen_g2 = set()
    for seed in range(8):
        p1, p2, p3 = project_conflicting([g1, g2, g3], torch.Generator().manual_seed(seed))
        # g2 and g3 are orthogonal, so g1's result does not depend on the order
        torch.testing.assert_close(p1, torch.tensor([0.0, 0.0, 1.0]), **TOL)
        assert torch.dot(p1, g2).abs() < 1e-6 and torch.dot(p1, g3).abs() < 1e-6
        # g2 projected on g1's normal plane conflicts with g3 only if g3 comes second
        options = {(-4 / 3, 0.0, 2 / 3), (-4 / 3, 2 / 3, 2 / 3)}
        key = tuple(round(v, 5) for v in p2.tolist())
        assert key in {tuple(round(v, 5) for v in o) for o in options}
        seen_g2.add(key)
        options = {(0.0, -4 / 3, 2 / 3), (2 / 3, -4 / 3, 2 / 3)}
        assert tuple(round(v, 5) for v in p3.tolist()) in {
            tuple(round(v, 5) for v in o) for o in options
        }
    assert len(seen_g2) == 2  # the order really is random across seeds
    a = project_conflicting([g1, g2, g3], torch.Generator().manual_seed(3))
    b = project_conflicting([g1, g2, g3], torch.Generator().manual_seed(3))
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


REG = (
    Task("up", "regression"),
    Task("down", "regression"),
    Task("cls", "classification", ("a", "b")),
)


def conflicting_setup():
    """A tiny MultiHeadModel whose two regression tasks pull the shared weights apart."""
    torch.manual_seed(0)
    model = MultiHeadModel(create_backbone("small_cnn", num_classes=0), REG)
    with torch.no_grad():  # same head for up and down, opposite targets: a real conflict
        model.heads["down"].weight.copy_(model.heads["up"].weight)
        model.heads["down"].bias.copy_(model.heads["up"].bias)
    images = torch.rand(8, 3, 32, 32)
    batch = (images, torch.full((8,), 5.0), torch.full((8,), -5.0), torch.arange(8) % 2)
    return model, batch


def plain_gradients(model, batch):
    """Per-task gradients on the shared weights, and the heads' gradients of the plain sum."""
    model.zero_grad()
    outputs = model(batch[0])
    targets = {t.name: v for t, v in zip(REG, batch[1:], strict=True)}
    losses, _ = task_losses(outputs, targets, REG)
    gradients = task_gradients(losses, model.shared_parameters())
    sum(losses.values()).backward()
    heads = {n: p.grad.clone() for n, p in model.heads.named_parameters()}
    model.zero_grad()
    return gradients, heads, float(sum(losses.values()).detach())


def test_pcgrad_objective_gives_shared_weights_the_sum_of_projected_gradients():
    model, batch = conflicting_setup()
    gradients, plain_heads, plain_total = plain_gradients(model, batch)
    originals = list(gradients.values())
    assert torch.dot(gradients["up"], gradients["down"]) < 0  # the setup really conflicts

    objective = MultiTaskObjective(REG, "pcgrad", seed=5)
    model.zero_grad()
    loss, metrics = objective(model, batch)
    loss.backward()
    shared = torch.cat([p.grad.reshape(-1) for p in model.shared_parameters()])
    expected = torch.stack(project_conflicting(originals, torch.Generator().manual_seed(5))).sum(0)
    torch.testing.assert_close(shared, expected, atol=1e-5, rtol=1e-4)
    # the surgery changed something: the plain sum is a different direction
    assert (shared - torch.stack(originals).sum(0)).norm() > 0.1 * expected.norm()
    for name, p in model.heads.named_parameters():  # heads get their usual gradients
        torch.testing.assert_close(p.grad, plain_heads[name], atol=1e-6, rtol=1e-5)
    # the correction term has value 0: the loss is the plain sum of the task losses
    assert float(loss.detach()) == pytest.approx(plain_total, rel=1e-6)
    assert metrics["pcgrad_conflicts"] > 0
    assert metrics["grad_cos_up_down"] < 0  # logged on every step from the same gradients
    assert {"weight_up", "weight_down", "weight_cls"} <= metrics.keys()


def test_pcgrad_weighting_keeps_the_originals_for_the_cosines():
    model, batch = conflicting_setup()
    weighting = PCGrad(seed=0)
    outputs = model(batch[0])
    targets = {t.name: v for t, v in zip(REG, batch[1:], strict=True)}
    losses, _ = task_losses(outputs, targets, REG)
    weighting.combine(losses, model)
    assert list(weighting.last_gradients) == ["up", "down", "cls"]
    n = sum(p.numel() for p in model.shared_parameters())
    assert all(g.shape == (n,) for g in weighting.last_gradients.values())
