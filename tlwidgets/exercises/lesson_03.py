"""Self-checks for lesson 03, multitask learning. Each takes your answer, returns Feedback.

1. ``check_1(uncertainty_loss)``: one task's loss weighted by its learned uncertainty.
2. ``check_2(cosine)``: the cosine between two tasks' gradients.
3. ``check_3(pcgrad_two)``: PCGrad's projection of two conflicting gradients.
4. ``check_4(answer, shared_model, single_models)``: the parameters hard sharing saves.
5. ``check_5(answer, history)``: the task uncertainty weighting weighs most after training.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from ..models import count_parameters
from ..train import History, project_conflicting
from . import solutions
from .checking import as_number, is_close, not_a_function, raised, returned_none
from .feedback import Feedback, correct, not_yet

__all__ = ["check_1", "check_2", "check_3", "check_4", "check_5", "show_solution"]

# Exercise 1: (task loss L, log-variance s, kind); s < 0 (sigma < 1) is allowed.
UNCERTAINTY_CASES = (
    (2.0, 0.5, "classification"),
    (2.0, 0.5, "regression"),
    (0.8, -1.2, "classification"),
    (3.5, -0.4, "regression"),
    (0.3, 1.5, "regression"),
    (1.3, 0.0, "classification"),
)
# Exercise 2: (g1, g2) with a known cosine.
COSINE_CASES = (
    ("opposite", (1.0, -2.0, 0.5), (-3.0, 6.0, -1.5), -1.0),  # first: tells apart the mistakes
    ("parallel", (1.0, 2.0, 3.0), (2.0, 4.0, 6.0), 1.0),
    ("orthogonal", (1.0, 1.0, 0.0), (1.0, -1.0, 5.0), 0.0),
    ("of lengths 5 and 0.1", (3.0, 0.0, 0.0, 4.0), (0.1, 0.0, 0.0, 0.0), 0.6),
)
# Exercise 3: hand-made pairs of gradients (P,); seeded random pairs of 64 follow them.
PCGRAD_CASES = (
    ((1.0, 0.0), (-1.0, 1.0)),  # conflict (g1.g2 = -1), |g1| != |g2|
    ((1.0, 2.0, 0.0), (2.0, 0.5, -1.0)),  # agree (g1.g2 = 3)
    ((1.0, 1.0), (1.0, -1.0)),  # orthogonal: no conflict
)
UNCERTAINTY_TOLERANCE = 1e-5  # relative, float32 arithmetic
WEIGHT_TIE = 0.01  # weights within 1% of the largest count as the largest too


def show_solution(exercise: int) -> solutions.Solution:
    """The reference solution of an exercise of this lesson, shown collapsed."""
    return solutions.show_solution("03", exercise)


def _vector(values: tuple[float, ...]) -> Tensor:
    return torch.tensor(values, dtype=torch.float32)


# Exercise 1: uncertainty weighting


def _uncertainty_mistakes(loss: float, s: float, kind: str) -> list[tuple[str, float]]:
    """What typical wrong uncertainty losses return, each with the hint that explains it."""
    c = 0.5 if kind == "regression" else 1.0
    mistakes = [
        (
            "a regression's factor is 0.5 * exp(-s) (a Gaussian likelihood gives "
            "1 / (2 sigma^2)); only a classification uses exp(-s)",
            math.exp(-s) * loss + 0.5 * s,
        ),
        (
            "a classification's factor is exp(-s), without the 0.5 (a scaled softmax gives "
            "1 / sigma^2); only a regression has 0.5 * exp(-s)",
            0.5 * math.exp(-s) * loss + 0.5 * s,
        ),
        (
            "the factors of the two kinds are swapped: 0.5 * exp(-s) is for a regression, "
            "exp(-s) for a classification",
            (1.5 - c) * math.exp(-s) * loss + 0.5 * s,
        ),
        (
            "the regulariser + 0.5 * s is missing. Without it, growing s always lowers the "
            "loss, so every sigma would grow without limit and every weight fall to 0",
            c * math.exp(-s) * loss,
        ),
        (
            "the regulariser is log sigma = 0.5 * log sigma^2 = 0.5 * s, not s",
            c * math.exp(-s) * loss + s,
        ),
        (
            "the weight is 1 / sigma^2 = exp(-s), not exp(s): a task with a large uncertainty "
            "must get a small weight",
            c * math.exp(s) * loss + 0.5 * s,
        ),
    ]
    if s > 0:  # what comes out when s is taken for sigma, or for sigma^2 (undefined for s <= 0)
        for taken_for, value in (
            ("sigma", c * loss / s**2 + math.log(s)),
            ("sigma^2", c * loss / s + 0.5 * math.log(s)),
        ):
            hint = (
                f"log_var is s = log sigma^2, not {taken_for}: 1 / sigma^2 is exp(-s) and "
                "log sigma is 0.5 * s"
            )
            mistakes.append((hint, value))
    return mistakes


def _negative_log_var(s: float) -> str:
    return (
        f"log_var = {s:g} is negative, which is allowed: it is log sigma^2, so sigma < 1. "
        "Use exp(-log_var) for 1 / sigma^2 and 0.5 * log_var for log sigma, never its log or "
        "square root"
    )


def _check_uncertainty_gradient(uncertainty_loss: Callable[..., Any]) -> Feedback | None:
    """A hint when the loss does not back-propagate into the task loss and log_var, else None."""
    loss = torch.tensor(1.7, requires_grad=True)
    log_var = torch.tensor(0.3, requires_grad=True)
    expected_ds = -0.5 * math.exp(-0.3) * 1.7 + 0.5  # d/ds of 0.5 exp(-s) L + 0.5 s
    call = "uncertainty_loss(loss, log_var, 'regression') with tensors that require a gradient"
    leaves_torch = (
        "log_var is learned by gradient descent, so the loss must stay a torch tensor: use "
        "torch.exp, not math.exp, and no .item() or float()"
    )
    try:
        total = uncertainty_loss(loss, log_var, "regression")
    except Exception as error:  # the learner's code: report, do not crash the notebook
        return not_yet(f"{raised(error, call).message}. {leaves_torch}")
    if not isinstance(total, Tensor):
        return not_yet(f"{call} returned a {type(total).__name__}: {leaves_torch}")
    try:
        total.sum().backward()
    except Exception as error:  # the graph was cut: nothing requires a gradient
        return not_yet(
            f"backward() through your loss raised {type(error).__name__}: {leaves_torch}"
        )
    if log_var.grad is None or loss.grad is None:
        missing = "log_var" if log_var.grad is None else "the task loss"
        return not_yet(f"no gradient reached {missing}: {leaves_torch}")
    if not is_close(float(log_var.grad), expected_ds, 1e-4):
        return not_yet(
            f"the values are right, but the gradient with respect to log_var is "
            f"{float(log_var.grad):.4g}, not {expected_ds:.4g}: part of the formula left torch "
            "(math.exp, float(), torch.tensor(log_var)?), so gradient descent cannot learn sigma"
        )
    return None


def check_1(uncertainty_loss: Any) -> Feedback:
    """``uncertainty_loss(loss, log_var, kind) -> scalar tensor``: Kendall et al.'s loss.

    ``loss`` and ``log_var`` are 0-dim tensors; ``kind`` is "classification" or "regression".
    """
    hint = not_a_function(uncertainty_loss, "check_1", "uncertainty_loss")
    if hint is not None:
        return hint
    for loss, s, kind in UNCERTAINTY_CASES:
        call = f"uncertainty_loss({loss}, {s}, {kind!r})"
        try:
            given = uncertainty_loss(torch.tensor(loss), torch.tensor(s), kind)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            return not_yet(f"{feedback.message}. {_negative_log_var(s)}") if s < 0 else feedback
        if given is None:
            return returned_none(call)
        value = as_number(given.detach() if isinstance(given, Tensor) else given)
        if value is None:
            if s < 0 and isinstance(given, (float, Tensor)):  # nan from log(s) or sqrt(s)
                return not_yet(f"{call} returned {given!r}. {_negative_log_var(s)}")
            return not_yet(f"{call} returned {given!r}; return a number (a 0-dim tensor)")
        expected = 0.5 * math.exp(-s) * loss if kind == "regression" else math.exp(-s) * loss
        expected += 0.5 * s
        if is_close(value, expected, UNCERTAINTY_TOLERANCE):
            continue
        for mistake, wrong in _uncertainty_mistakes(loss, s, kind):
            if is_close(value, wrong, UNCERTAINTY_TOLERANCE):
                return not_yet(f"{call} returned {value:.4g}: {mistake}")
        return not_yet(
            f"{call} returned {value:.4g}, not {expected:.4g}: the loss is c * exp(-s) * L + "
            "0.5 * s, with c = 0.5 for a regression and 1 for a classification"
        )
    hint = _check_uncertainty_gradient(uncertainty_loss)
    if hint is not None:
        return hint
    return correct(
        "for a fixed L the loss is lowest where its slope in s, 0.5 - c * exp(-s) * L, is 0: "
        "there the weight c * exp(-s) is 1 / (2 L). So the learned weights move towards "
        "1 / (2 L_i): a task whose loss stays large is weighted down, and for a regression "
        "sigma^2 settles at the mean squared error, the model's own estimate of its noise. "
        "tlwidgets.train.UncertaintyWeighting does this for every task and logs weight_<task> "
        "and sigma_<task>"
    )


# Exercise 2: the cosine between two gradients


def _cosine_mistakes(g1: Tensor, g2: Tensor) -> list[tuple[str, float]]:
    """What typical wrong cosines return, each with the hint that explains it."""
    dot, n1, n2 = float(g1 @ g2), float(g1.norm()), float(g2.norm())
    one_norm = "divide by both lengths, |g1| times |g2|, not by one of them"
    l1_norms = float(g1.abs().sum()) * float(g2.abs().sum())
    return [
        (
            "that is the dot product g1 . g2, which grows with the gradients' lengths; divide "
            "it by both lengths |g1| |g2| so that only the angle counts",
            dot,
        ),
        (one_norm, dot / n1),
        (one_norm, dot / n2),
        ("divide by the lengths |g1| |g2|, not by their squares", dot / (n1 * n2) ** 2),
        ("the lengths are Euclidean, |g| = sqrt(sum of g_i^2), not sum of |g_i|", dot / l1_norms),
    ]


def check_2(cosine: Any) -> Feedback:
    """``cosine(g1 (P,), g2 (P,)) -> scalar``: the cosine of the angle between two gradients."""
    hint = not_a_function(cosine, "check_2", "cosine")
    if hint is not None:
        return hint
    generator = torch.Generator().manual_seed(0)
    first = torch.randn(1000, generator=generator)  # (1000,)
    second = 0.3 * first + torch.randn(1000, generator=generator)  # (1000,), cosine about 0.3
    expected = float(torch.nn.functional.cosine_similarity(first, second, dim=0))
    random_case = ("drawn at random", first, second, expected)
    for name, a, b, expected in (*COSINE_CASES, random_case):
        g1, g2 = (x if isinstance(x, Tensor) else _vector(x) for x in (a, b))
        call = f"cosine(g1, g2) for two vectors {name}, of {len(g1)} values"
        try:
            given = cosine(g1.clone(), g2.clone())
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if "out of range" in str(error):
                return not_yet(
                    f"{feedback.message}. The gradients are flat vectors (P,): if you used "
                    "torch.nn.functional.cosine_similarity, give it dim=0"
                )
            return feedback
        if given is None:
            return returned_none(call)
        if isinstance(given, Tensor) and given.numel() == len(g1) > 1:
            return not_yet(
                f"{call} returned a tensor of shape {tuple(given.shape)}, one value per "
                "element: the dot product is the sum of the elementwise products g1 * g2"
            )
        value = as_number(given.detach() if isinstance(given, Tensor) else given)
        if value is None:
            return not_yet(f"{call} returned {given!r}; return one number (a 0-dim tensor)")
        if is_close(value, expected, 1e-4):
            continue
        if abs(value - math.acos(expected)) < 0.01:  # loose: acos is steep near -1 and 1
            return not_yet(f"{call} returned {value:.4g}, the angle in radians: return its cosine")
        if is_close(value, 1 - expected, 1e-4):
            return not_yet(
                f"{call} returned {value:.4g}, which is 1 - cosine (the cosine distance): return "
                "the cosine itself, 1 for gradients that point the same way"
            )
        for mistake, wrong in _cosine_mistakes(g1, g2):
            if is_close(value, wrong, 1e-4):
                return not_yet(f"{call} returned {value:.4g}: {mistake}")
        return not_yet(
            f"{call} returned {value:.4g}, not {expected:.4g}: the cosine is g1 . g2 / "
            "(|g1| |g2|), 1 for the same direction, -1 for opposite ones, 0 at a right angle"
        )
    return correct(
        "tlwidgets.train.gradient_cosines computes this for every pair of tasks on the shared "
        "backbone's gradients, and training logs it as grad_cos_<a>_<b>. A negative cosine "
        "means a step for one task undoes part of the other's. In P dimensions two random "
        "directions have a cosine of about 1 / sqrt(P), 0.002 for a backbone of 300,000 "
        "weights, so even 0.1 says the tasks agree far more than chance"
    )


# Exercise 3: PCGrad for two tasks


def _pcgrad_pairs() -> list[tuple[Tensor, Tensor]]:
    """The hand-made pairs, then a seeded conflicting and a seeded agreeing pair of 64."""
    generator = torch.Generator().manual_seed(0)
    g1 = torch.randn(64, generator=generator)  # (64,)
    conflicting = -0.5 * g1 + 0.5 * torch.randn(64, generator=generator)  # g1 . g2 < 0
    agreeing = 0.5 * g1 + 0.5 * torch.randn(64, generator=generator)  # g1 . g2 > 0
    pairs = [(_vector(a), _vector(b)) for a, b in PCGRAD_CASES]
    return [*pairs, (g1, conflicting), (g1.clone(), agreeing)]


def _as_pair(given: Any, size: int) -> tuple[Tensor, Tensor] | str:
    """``given`` as two float vectors (size,), or what is wrong with it."""
    if isinstance(given, Tensor) and given.ndim == 1:
        return (
            "one tensor: return the pair (g1_new, g2_new), e.g. `return g1_new, g2_new`; "
            "PCGrad adds them afterwards, but this exercise checks each one"
        )
    try:
        first, second = given
        pair = tuple(torch.as_tensor(x).detach().float() for x in (first, second))
    except Exception:  # not two things, or not numbers
        return f"{given!r}: return the pair (g1_new, g2_new), two tensors"
    if any(x.shape != (size,) for x in pair):
        shapes = [tuple(x.shape) for x in pair]
        return f"tensors of shapes {shapes}: each projected gradient has the shape ({size},) of g1"
    if not all(bool(torch.isfinite(x).all()) for x in pair):
        return "a gradient that is not finite (nan or inf)"
    return pair  # type: ignore[return-value]


def _same(given: Tensor, expected: Tensor) -> bool:
    scale = max(1.0, float(expected.abs().max()))
    return bool(torch.allclose(given, expected, rtol=1e-4, atol=1e-5 * scale))


def _pcgrad_mistakes(g1: Tensor, g2: Tensor) -> dict[str, tuple[Tensor, Tensor]]:
    """What typical wrong projections of a conflicting pair return, each with its hint."""
    dot = g1 @ g2
    g1_new, g2_new = g1 - dot / (g2 @ g2) * g2, g2 - dot / (g1 @ g1) * g1
    return {
        "they conflict (g1 . g2 < 0), yet you returned them unchanged: project when the dot "
        "product is negative (did you test > 0?)": (g1, g2),
        "the two are in the wrong order: return (g1_new, g2_new)": (g2_new, g1_new),
        "g1 is right, but g2 is unchanged. Project g2 too, onto the normal plane of the "
        "ORIGINAL g1 (g1_new is already orthogonal to g2, so projecting against it removes "
        "nothing)": (g1_new, g2),
        "g2 is right, but g1 is unchanged: project g1 too, onto the normal plane of g2": (
            g1,
            g2_new,
        ),
        "divide by the squared length of the gradient you project away from: "
        "g1_new = g1 - (g1 . g2) / |g2|^2 * g2, so that g1_new . g2 = 0": (
            g1 - dot / (g1 @ g1) * g2,
            g2 - dot / (g2 @ g2) * g1,
        ),
        "remove the component along the OTHER gradient, (g1 . g2) / |g2|^2 * g2: removing a "
        "multiple of g1 itself only shortens g1": (
            g1 - dot / (g1 @ g1) * g1,
            g2 - dot / (g2 @ g2) * g2,
        ),
        "subtract the component along the other gradient, do not add it: adding it doubles "
        "the conflict": (g1 + dot / (g2 @ g2) * g2, g2 + dot / (g1 @ g1) * g1),
        "you returned the component along the other gradient, which is the part PCGrad "
        "removes: return the gradient minus it": (dot / (g2 @ g2) * g2, dot / (g1 @ g1) * g1),
    }


def _check_conflicting(
    given: tuple[Tensor, Tensor], g1: Tensor, g2: Tensor, call: str
) -> Feedback | None:
    """A hint when the projection of a conflicting pair is wrong, else None."""
    g1_new, g2_new = given
    for mistake, (wrong_1, wrong_2) in _pcgrad_mistakes(g1, g2).items():
        if _same(g1_new, wrong_1) and _same(g2_new, wrong_2):
            return not_yet(f"{call}: {mistake}")
    for name, new, old, other_name, other in (
        ("g1", g1_new, g1, "g2", g2),
        ("g2", g2_new, g2, "g1", g1),
    ):
        if abs(float(new @ other)) > 1e-4 * float(old.norm() * other.norm()):
            return not_yet(
                f"{call}: {name}_new . {other_name} = {float(new @ other):.4g}, not 0. After the "
                f"projection {name} must have no component left along the original {other_name}"
            )
        removed = old - new
        cosine = float(removed @ other) / max(float(removed.norm() * other.norm()), 1e-20)
        if abs(abs(cosine) - 1) > 1e-3:
            return not_yet(
                f"{call}: what you removed from {name} is not parallel to {other_name} (their "
                f"cosine is {cosine:.3g}); remove only the component along {other_name}"
            )
    return None


def check_3(pcgrad_two: Any) -> Feedback:
    """``pcgrad_two(g1 (P,), g2 (P,)) -> (g1_new, g2_new)``: PCGrad for two tasks."""
    hint = not_a_function(pcgrad_two, "check_3", "pcgrad_two")
    if hint is not None:
        return hint
    for g1, g2 in _pcgrad_pairs():
        dot = float(g1 @ g2)
        kind = "conflicting" if dot < 0 else "agreeing" if dot > 0 else "orthogonal"
        call = f"pcgrad_two(g1, g2) for {kind} gradients of {len(g1)} values (g1 . g2 = {dot:.3g})"
        inputs = (g1.clone(), g2.clone())
        try:
            given = pcgrad_two(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        if not (torch.equal(inputs[0], g1) and torch.equal(inputs[1], g2)):
            return not_yet(
                f"{call} changed g1 or g2 in place (g1 -= ..., g1.sub_(...)): the second "
                "projection then uses a modified vector instead of the original, and the "
                "caller's gradients change. Write g1_new = g1 - ..."
            )
        pair = _as_pair(given, len(g1))
        if isinstance(pair, str):
            return not_yet(f"{call} returned {pair}")
        if dot >= 0:
            if _same(pair[0], g1) and _same(pair[1], g2):
                continue
            return not_yet(
                f"{call} changed them. These gradients do not conflict (g1 . g2 >= 0): return "
                "them unchanged. PCGrad projects only on conflict; removing what the tasks "
                "agree on would throw away progress both want"
            )
        hint = _check_conflicting(pair, g1, g2, call)
        if hint is not None:
            return hint
        expected = project_conflicting([g1, g2], torch.Generator().manual_seed(0))
        if not (_same(pair[0], expected[0]) and _same(pair[1], expected[1])):
            return not_yet(
                f"{call} does not match tlwidgets.train.project_conflicting: "
                "g1_new = g1 - (g1 . g2) / |g2|^2 * g2 and g2_new = g2 - (g1 . g2) / |g1|^2 * g1"
            )
    return correct(
        "after the projection neither task's step directly undoes the other's, and PCGrad's "
        "update is g1_new + g2_new. With more tasks each gradient is projected against the "
        "others in a random order (tlwidgets.train.project_conflicting); when no pair ever "
        "conflicts, PCGrad is plain equal weighting (MultiTaskConfig(weighting='pcgrad'))"
    )


# Exercise 4: what hard sharing saves


def _tasks_of(model: nn.Module) -> tuple[str, ...] | None:
    """The names of the tasks ``model`` predicts, or None when it does not say."""
    tasks = getattr(model, "tasks", None)
    if not isinstance(tasks, (tuple, list)):
        return None
    return tuple(str(getattr(task, "name", task)) for task in tasks)


def _check_models(shared_model: Any, single_models: Any) -> Feedback | list[nn.Module]:
    """The single-task models as a list, or a hint when the models cannot be compared."""
    usage = "check_4(answer, shared_model, single_models)"
    if isinstance(shared_model, (int, float)) or isinstance(single_models, (int, float)):
        return not_yet(f"pass the models themselves, as in {usage}: the check counts them itself")
    if not isinstance(shared_model, nn.Module):
        return not_yet(
            f"the second argument must be the shared model (a MultiHeadModel with one head per "
            f"task), as in {usage}; got {type(shared_model).__name__}"
        )
    if isinstance(single_models, nn.Module):
        return not_yet(
            "the third argument must be the LIST of single-task models, one per task, e.g. "
            "[MultiHeadModel(create_backbone('resnet', num_classes=0), [task]) for task in tasks]"
        )
    if isinstance(single_models, dict):
        single_models = list(single_models.values())
    if not isinstance(single_models, (list, tuple)) or not all(
        isinstance(model, nn.Module) for model in single_models
    ):
        return not_yet(
            f"the third argument must be a list of single-task models, as in {usage}; "
            f"got {type(single_models).__name__}"
        )
    shared_tasks = _tasks_of(shared_model)
    if shared_tasks is not None and len(shared_tasks) < 2:
        return not_yet(
            f"the shared model has only {len(shared_tasks)} head: build it with every task, "
            "MultiHeadModel(create_backbone('resnet', num_classes=0), train.tasks)"
        )
    if shared_tasks is not None and len(single_models) != len(shared_tasks):
        return not_yet(
            f"the shared model has {len(shared_tasks)} tasks, so compare it with "
            f"{len(shared_tasks)} single-task models, not {len(single_models)}"
        )
    for model in single_models:
        tasks = _tasks_of(model)
        if tasks is not None and len(tasks) != 1:
            return not_yet(
                f"a single-task model predicts one task; one of yours predicts {list(tasks)}. "
                "Build one per task: MultiHeadModel(create_backbone(...), [task])"
            )
    backbone = getattr(shared_model, "backbone", None)
    for model in single_models:
        other = getattr(model, "backbone", None)
        if isinstance(backbone, nn.Module) and isinstance(other, nn.Module):
            if count_parameters(other) != count_parameters(backbone):
                return not_yet(
                    "the single-task models' backbones differ in size from the shared model's: "
                    "build every model with the same backbone, so only the sharing differs"
                )
    return list(single_models)


def check_4(answer: Any, shared_model: Any, single_models: Any) -> Feedback:
    """Parameters saved by one shared multi-head model over one single-task model per task.

    ``answer`` is your count (an int), computed with ``count_parameters`` on the models you
    pass: ``shared_model`` (a MultiHeadModel with every task) and ``single_models`` (a list
    with one single-task MultiHeadModel per task). The check counts them itself.
    """
    models = _check_models(shared_model, single_models)
    if isinstance(models, Feedback):
        return models
    shared = count_parameters(shared_model)
    singles = [count_parameters(model) for model in models]
    saved = sum(singles) - shared
    if answer is None:
        return not_yet(
            "replace None with the number of parameters saved, computed with count_parameters"
        )
    value = as_number(answer.detach() if isinstance(answer, Tensor) else answer)
    if value is None:
        return not_yet(f"answer with a number of parameters (an int); got {answer!r}")
    if value == saved:
        backbone = getattr(shared_model, "backbone", None)
        heads = getattr(shared_model, "heads", None)
        detail = ""
        if isinstance(backbone, nn.Module) and isinstance(heads, nn.ModuleDict) and heads:
            head = min(count_parameters(h) for h in heads.values())
            detail = (
                f" The backbone holds {count_parameters(backbone):,}, a head only {head:,}: "
                "the heads are the only part each task owns."
            )
        return correct(
            f"one shared model holds {shared:,} parameters, {len(singles)} single-task models "
            f"{sum(singles):,}: sharing saves {saved:,}, {len(singles) - 1} of the "
            f"{len(singles)} backbones."
            f"{detail} The price: every task must fit in one backbone's capacity, which is "
            "where negative transfer comes from"
        )
    if value == -saved:
        return not_yet(
            f"{value:,.0f} is the saving with the wrong sign: subtract the shared model's count "
            "from the single-task models' total"
        )
    if value == sum(singles):
        return not_yet(
            f"{value:,.0f} is what the {len(singles)} single-task models hold together; "
            "subtract what the one shared model holds"
        )
    if value == shared:
        return not_yet(
            f"{value:,.0f} is the shared model's size; compare it with the single-task "
            "models' total"
        )
    if value in singles:
        return not_yet(
            f"{value:,.0f} is one single-task model; add up all {len(singles)} of them, then "
            "subtract the shared model"
        )
    if 0 < value <= 1 or (1 < value <= 100 and value != int(value)):
        return not_yet(
            f"answer with a number of parameters, not a share or a percentage ({value:g})"
        )
    if value != int(value):
        return not_yet(f"{value:g} is not a whole number: count parameters with count_parameters")
    return not_yet(
        f"{value:,.0f} is not it: add up count_parameters(model) over the single-task models, "
        "then subtract count_parameters(shared_model)"
    )


# Exercise 5: what uncertainty weighting learned


def _uncertainty_weights(history: Any) -> Feedback | dict[str, tuple[float, float]]:
    """Task -> (weight, sigma) at the last epoch of an uncertainty run, or a hint."""
    if isinstance(history, tuple) and any(isinstance(item, History) for item in history):
        return not_yet(
            "train_multitask returns (model, history): pass the history, e.g. "
            "model, history = train_multitask(...), then check_5(answer, history)"
        )
    if not isinstance(history, History):
        return not_yet(
            "the second argument must be the History of a run with weighting='uncertainty', "
            f"as returned by train_multitask; got {type(history).__name__}"
        )
    if not history.epochs:
        return not_yet("this history has no finished epoch: train for at least one")
    tasks = [key.removeprefix("sigma_") for key in history.epochs[-1] if key.startswith("sigma_")]
    if not tasks:
        return not_yet(
            "this history records no sigma_<task>: it was not trained with uncertainty "
            "weighting. Train with MultiTaskConfig(weighting='uncertainty')"
        )
    try:
        return {
            task: (float(history.last(f"weight_{task}")), float(history.last(f"sigma_{task}")))
            for task in tasks
        }
    except (KeyError, TypeError, ValueError):
        return not_yet(
            "this history has sigma_<task> but no weight_<task> for every task: pass the "
            "history that train_multitask returned, unchanged"
        )


def check_5(answer: Any, history: Any) -> Feedback:
    """The task with the largest weight after a run with uncertainty weighting.

    ``answer`` is the task's name (a str), read from ``history`` (the History that
    ``train_multitask(MultiTaskConfig(weighting="uncertainty"), ...)`` returned).
    """
    found = _uncertainty_weights(history)
    if isinstance(found, Feedback):
        return found
    weights = {task: weight for task, (weight, _) in found.items()}
    listed = ", ".join(f"{task!r}" for task in weights)
    if answer is None:
        return not_yet(f"replace None with the name of a task: one of {listed}")
    if not isinstance(answer, str):
        number = as_number(answer)
        if number is not None and any(is_close(number, w, 1e-6) for w in weights.values()):
            return not_yet("that is a weight: answer with the name of the task that has it")
        return not_yet(f"answer with the name of a task, one of {listed}; got {answer!r}")
    named = answer.strip().removeprefix("weight_").removeprefix("sigma_").lower()
    task = {name.lower(): name for name in weights}.get(named)
    if task is None:
        return not_yet(f"{answer!r} is not a task of this run; its tasks are {listed}")
    largest = max(weights.values())
    summary = ", ".join(
        f"{name}: weight {weight:.3g} (sigma {sigma:.3g})"
        for name, (weight, sigma) in found.items()
    )
    if weights[task] >= largest * (1 - WEIGHT_TIE):
        return correct(
            f"{summary}. Each weight moves towards 1 / (2 L), so uncertainty weighting gives "
            "the most weight to the task whose loss is smallest: the easiest or best-learnt "
            "one, not the one lagging behind (GradNorm and DWA push the laggard instead)"
        )
    sigmas = {name: sigma for name, (_, sigma) in found.items()}
    if sigmas[task] == max(sigmas.values()):
        return not_yet(
            f"{task!r} has the largest sigma, the task the model is least sure of; its weight, "
            "c / sigma^2, is small. Compare history.last(f'weight_{task}') across the tasks"
        )
    if weights[task] == min(weights.values()):
        return not_yet(f"{task!r} has the smallest weight; which task has the largest?")
    return not_yet(
        f"not {task!r}: read history.last(f'weight_{{task}}') for every task ({listed}) and "
        "pick the largest"
    )


FUNCTION_CHECKS: dict[int, Callable[[Any], Feedback]] = {  # checks that take your function
    1: check_1,
    2: check_2,
    3: check_3,
}
