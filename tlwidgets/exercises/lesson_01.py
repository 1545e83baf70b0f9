"""Self-checks for lesson 01, inductive transfer. Each takes your answer, returns Feedback.

1. ``check_1(counts)``: how many parameters train in a linear probe and in a fine-tune of
   the top two stages.
2. ``check_2(extract)``: a feature extractor that leaves a "frozen" model untouched.
3. ``check_3(labels)``: how many labels per class scratch needs to match transfer at 10.
4. ``check_4(groups)``: layer-wise learning rates, built with ``layerwise_param_groups``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..bench_results import load_bench_result
from ..models import create_backbone
from ..runtime import seed_everything
from ..train import TransferConfig, build_transfer_model
from . import solutions
from .feedback import Feedback, correct, not_yet

__all__ = ["check_1", "check_2", "check_3", "check_4", "scratch_labels_to_match", "show_solution"]

LABEL_CHOICES = (1, 2, 5, 10, 20, 50, "all")


def show_solution(exercise: int) -> solutions.Solution:
    """The reference solution of an exercise of this lesson, shown collapsed."""
    return solutions.show_solution("01", exercise)


def _trainable(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def check_1(counts: Any) -> Feedback:
    """Trainable parameters of a 10-class ResNet as a linear probe and with 3 stages frozen.

    ``counts`` is ``{"linear_probe": int, "finetune_top": int}``.
    """
    if not isinstance(counts, dict) or set(counts) != {"linear_probe", "finetune_top"}:
        return not_yet(
            f'answer with a dict {{"linear_probe": <int>, "finetune_top": <int>}}; got {counts!r}'
        )
    probe = build_transfer_model("resnet", "glyphs-resnet", 10, TransferConfig("linear_probe"))
    top = build_transfer_model(
        "resnet", "glyphs-resnet", 10, TransferConfig("finetune_top", freeze_depth=3)
    )
    everything = sum(p.numel() for p in probe.parameters())
    truth = {"linear_probe": _trainable(probe), "finetune_top": _trainable(top)}
    for name, expected in truth.items():
        given = counts[name]
        if given == everything:
            return not_yet(
                f"{name}: {given:,} is every parameter of the model, frozen ones included; "
                "count only those with p.requires_grad"
            )
        if given != expected:
            return not_yet(
                f"{name}: {given!r} is not it. Build the model with build_transfer_model and "
                "sum p.numel() over the parameters whose requires_grad is True"
            )
    return correct(
        f"a linear probe trains {truth['linear_probe']:,} of {everything:,} parameters "
        f"({truth['linear_probe'] / everything:.1%}); freezing 3 of 5 stages still trains "
        f"{truth['finetune_top']:,} ({truth['finetune_top'] / everything:.0%}): the last stages "
        "hold most of the weights"
    )


def check_2(extract: Any) -> Feedback:
    """``extract(model, images (N, 3, 32, 32)) -> features (N, D)`` that changes nothing."""
    if not callable(extract):
        return not_yet("pass your function itself, e.g. check_2(extract), not its result")
    seed_everything(0)
    model = create_backbone("resnet", num_classes=10).train()
    images = torch.rand(16, 3, 32, 32)
    before = {name: value.clone() for name, value in model.state_dict().items()}
    try:
        features = extract(model, images)
    except Exception as error:  # the learner's code: report, do not crash the notebook
        return not_yet(f"your function raised {type(error).__name__}: {error}")
    changed = [
        name for name, value in model.state_dict().items() if not torch.equal(value, before[name])
    ]
    if changed:
        return not_yet(
            f"running the extractor changed {changed[0]} (and {len(changed) - 1} more): "
            "BatchNorm in training mode updates its running statistics; use eval mode"
        )
    if not model.training:
        return not_yet("the model was left in eval mode; put it back the way you found it")
    if not isinstance(features, Tensor) or features.shape != (16, model.num_features):
        shape = tuple(features.shape) if isinstance(features, Tensor) else type(features).__name__
        return not_yet(
            f"expected a tensor of shape (16, {model.num_features}) (one pooled feature vector "
            f"per image), got {shape}"
        )
    if features.requires_grad:
        return not_yet("the features carry a gradient graph; compute them under torch.no_grad()")
    model.eval()
    with torch.no_grad():
        expected = model.forward_head(model.forward_features(images), pre_logits=True)
    if not torch.allclose(features, expected, atol=1e-5):
        return not_yet(
            "the numbers differ from the model's own pre-logits features in eval mode: "
            "forward_head(forward_features(x), pre_logits=True)"
        )
    return correct(
        "eval mode for the BatchNorm statistics, no_grad for memory, and the training mode "
        "restored afterwards: this is what extract_features does for you"
    )


def scratch_labels_to_match(at_labels: int = 10) -> tuple[int | str | None, float]:
    """The fewest labels per class at which scratch matches fine-tuning at ``at_labels``.

    Read from the committed sweep: scratch at lr 1e-2 and fine-tune all, means over seeds.

    Returns
    -------
    labels, target
        The answer (an int, "all", or None when scratch never gets there) and the
        fine-tuning accuracy to reach.
    """
    sweep = load_bench_result("bench_lesson01")

    def mean(strategy: str, labels: int | None, lr: float = 1e-2) -> float:
        runs = sweep.runs_where(
            experiment="data_efficiency", strategy=strategy, labels_per_class=labels, lr=lr
        )
        return sum(run["acc"] for run in runs) / len(runs)

    target = mean("finetune_all", at_labels)
    for choice in LABEL_CHOICES:
        if mean("scratch", None if choice == "all" else choice) >= target:
            return choice, target
    return None, target


def check_3(labels: Any) -> Feedback:
    """Check the labels per class scratch needs to match fine-tuning with 10."""
    truth, target = scratch_labels_to_match()
    if labels not in (*LABEL_CHOICES, None):
        return not_yet(f"answer with one of {LABEL_CHOICES} (or None for 'never'); got {labels!r}")
    if labels is None and truth is not None:
        return not_yet(
            f"scratch does get there within the tested range: find the first label count whose "
            f"scratch mean (lr 1e-2) reaches {target:.1%}, fine-tune all's mean at 10 per class"
        )
    if labels != truth:
        hint = (
            "fewer"
            if truth is not None
            and labels is not None
            and (labels == "all" or (truth != "all" and labels > truth))
            else "more"
        )
        return not_yet(
            f"not {labels!r}: compare the scratch means (lr 1e-2) with {target:.1%}, the mean of "
            f"fine-tune all at 10 labels per class; look at {hint} labels"
        )
    return correct(
        f"scratch needs {truth} labels per class to reach the {target:.1%} that fine-tuning gets "
        "from 10: that factor is what the pretrained features are worth in labels"
    )


def check_4(groups: Any) -> Feedback:
    """Parameter groups: head at 1e-2, last stage at 1e-3, each earlier stage half as fast."""
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        return not_yet("pass the list that layerwise_param_groups returns (a list of dicts)")
    rates = {group.get("name"): group.get("lr") for group in groups}
    expected = {"head": 1e-2, **{f"stage{i}": 1e-3 * 0.5 ** (4 - i) for i in range(5)}}
    if set(rates) != set(expected):
        return not_yet(
            f"expected groups {sorted(expected)} (a 5-stage resnet with nothing frozen); "
            f"got {sorted(map(str, rates))}"
        )
    for name, rate in expected.items():
        if rates[name] is None or abs(rates[name] - rate) > 1e-12:
            if name == "head":
                return not_yet(f"the head should train at lr=1e-2, got {rates[name]}")
            return not_yet(
                f"{name} trains at {rates[name]:.2e}, expected {rate:.2e}: backbone_lr_ratio sets "
                "the last stage relative to the head, layer_decay the factor between stages"
            )
    return correct(
        "stage0 moves 160x slower than the head: the general early features are protected, "
        "the specific late ones adapt"
    )


SOLUTION_CHECKS: dict[int, Callable[[Any], Feedback]] = {
    1: check_1,
    2: check_2,
    3: check_3,
    4: check_4,
}
