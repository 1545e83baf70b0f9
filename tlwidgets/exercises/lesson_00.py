"""Self-checks for lesson 00: the vocabulary of transfer learning and the course's data.

Every ``check_*`` takes the learner's answer and returns :class:`~tlwidgets.exercises.Feedback`;
a wrong answer, or one of the wrong type, gets a hint and never raises.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..data import DOMAINS, load_domain, load_glyphs
from ..models import pretrained_info
from . import Feedback, Solution, correct, not_yet
from . import show_solution as _show_solution

__all__ = ["DIFFERENCES", "check_1", "check_2", "check_3", "check_4", "show_solution"]

SETTINGS = ("inductive", "transductive")
DIFFERENCES = ("input space", "input distribution", "label space", "label distribution")
MEAN_TOLERANCE = 2e-4  # float32 sums over millions of pixels agree far closer than this

# Exercise 1: is the target task labelled (inductive) or only the source (transductive)?
TRANSFER_SETTINGS = {
    "a": ("inductive", "the target task (reading MNIST) comes with 100 labelled examples"),
    "b": ("transductive", "the task stays the same (digits 0-9) and only synth has labels"),
    "c": ("inductive", "a new task (new characters) with 5 labelled drawings of each"),
    "d": ("transductive", "same digits, and the mnistm images come without labels"),
}

# Exercise 4: the difference each scenario shows, and why each other choice does not fit.
SCENARIOS = {
    "a": (
        "input distribution",
        {
            "input space": "synth and mnistm are both 3 x 32 x 32 colour images: one space",
            "label space": "both have the labels 0-9",
            "label distribution": "both have the same number of images of every digit",
        },
    ),
    "b": (
        "label distribution",
        {
            "input space": "both are MNIST images, 3 x 32 x 32",
            "input distribution": "the images of each digit look the same in both sets; "
            "what changed is how many there are of each digit",
            "label space": "both still use the labels 0-9",
        },
    ),
    "c": (
        "input space",
        {
            "input distribution": "a distribution lives on a space; here the spaces "
            "themselves differ (64 numbers per image against 784)",
            "label space": "both have the labels 0-9",
            "label distribution": "both have about as many images of every digit",
        },
    ),
    "d": (
        "label space",
        {
            "input space": "both are 3 x 32 x 32 images of white strokes on black",
            "input distribution": "the inputs do differ, but that would not stop the old "
            "head from producing an output; what makes it useless is what it can output",
            "label distribution": "a new label distribution keeps the same classes",
        },
    ),
}


def _normalise(answer: object) -> object:
    """Lower-case a string answer and accept "-" or "_" for spaces."""
    if isinstance(answer, str):
        return " ".join(answer.strip().lower().replace("-", " ").replace("_", " ").split())
    return answer


def _check_choices(answer: object, expected: dict[str, str], choices: tuple[str, ...]) -> str:
    """Return "" when ``answer`` is a dict of valid choices for every key, else a hint."""
    example = "{" + ", ".join(f'"{key}": ...' for key in expected) + "}"
    if not isinstance(answer, dict):
        return f"answer with a dict like {example}, each value one of {list(choices)}"
    missing = [key for key in expected if key not in answer]
    if missing:
        return f"the dict has no answer for {missing}; it needs the keys {list(expected)}"
    for key in expected:
        if _normalise(answer[key]) not in choices:
            return f"scenario {key}: replace {answer[key]!r} with one of {list(choices)}"
    return ""


def check_1(answer: Any) -> Feedback:
    """Exercise 1: a dict scenario ("a"-"d") -> "inductive" or "transductive"."""
    if answer is None:
        return not_yet('replace None with a dict such as {"a": "inductive", ...}')
    expected = {key: setting for key, (setting, _) in TRANSFER_SETTINGS.items()}
    problem = _check_choices(answer, expected, SETTINGS)
    if problem:
        return not_yet(problem)
    for key, (setting, _) in TRANSFER_SETTINGS.items():
        if _normalise(answer[key]) != setting:
            return not_yet(
                f"scenario {key}: ask whether the target task has labels to train on "
                "(inductive) or only the source does, for the same task (transductive)"
            )
    reasons = {
        setting: "; ".join(why for s, why in TRANSFER_SETTINGS.values() if s == setting)
        for setting in SETTINGS
    }
    return correct(
        f"all four. Inductive: {reasons['inductive']}. Transductive: {reasons['transductive']}."
    )


def check_2(answer: Any) -> Feedback:
    """Exercise 2: a dict domain -> mean pixel intensity of its train images."""
    if answer is None:
        return not_yet('replace None with a dict such as {"mnist": 0.5, ...} for all four domains')
    if not isinstance(answer, dict):
        return not_yet(f"answer with a dict domain -> mean, for the domains {list(DOMAINS)}")
    missing = [domain for domain in DOMAINS if domain not in answer]
    if missing:
        return not_yet(f"the dict has no mean for {missing}")
    means = {d: load_domain(d, "train").images.mean().item() for d in DOMAINS}
    for domain in DOMAINS:
        value = answer[domain]
        if torch.is_tensor(value) and value.numel() == 1:
            value = value.item()
        if not isinstance(value, int | float) or not math.isfinite(value):
            return not_yet(f"{domain}: {value!r} is not a number; use .mean().item()")
        if abs(value - means[domain]) > MEAN_TOLERANCE:
            test = load_domain(domain, "test").images.mean().item()
            if abs(value - test) <= MEAN_TOLERANCE:
                return not_yet(f"{domain}: {value:.4f} is the test split's mean; use 'train'")
            return not_yet(
                f"{domain}: {value:.4f} is not the mean of load_domain({domain!r}, 'train')"
                ".images; average over every image, channel and pixel"
            )
    darkest, brightest = min(means, key=means.get), max(means, key=means.get)
    return correct(
        f"{brightest} is the brightest ({means[brightest]:.3f}) and {darkest} the darkest "
        f"({means[darkest]:.3f}): a network trained on one sees inputs of another "
        "distribution when it is moved to the other."
    )


def check_3(answer: Any) -> Feedback:
    """Exercise 3: (evaluation glyph classes, how many of them glyphs-resnet's head outputs)."""
    if answer is None:
        return not_yet("replace None with a pair of numbers: (new classes, classes the head has)")
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return not_yet(f"answer with a pair (new classes, classes the head has), not {answer!r}")
    try:
        new, shared = (int(number) for number in answer)
    except (TypeError, ValueError):
        return not_yet(f"both items must be whole numbers; got {answer!r}")
    head = set(pretrained_info("glyphs-resnet")["classes"])
    evaluation = load_glyphs("evaluation", "all")
    expected = (len(evaluation.classes), len(set(evaluation.classes) & head))
    hints = {
        len(head): "that is the size of glyphs-resnet's head (the background characters); "
        "count the classes of load_glyphs('evaluation')",
        len(head) + len(evaluation.classes): "that counts both parts; count the evaluation "
        "part only",
        len(evaluation): "that is the number of images; count the classes (characters)",
        len(load_glyphs("evaluation", "train")): "that is the number of training images; "
        "count the classes (characters)",
        20: "20 is the number of drawings of each character, not the number of characters",
    }
    if (new, shared) == expected[::-1]:
        return not_yet("the pair is in the wrong order: the evaluation classes first")
    if new != expected[0]:
        return not_yet(hints.get(new, "count the classes of load_glyphs('evaluation', 'all')"))
    if shared != expected[1]:
        return not_yet(
            f"{shared} is not how many evaluation characters are among the head's classes: "
            "intersect the two sets of class names, set(...) & set(...), and count"
        )
    return correct(
        f"all {expected[0]} evaluation characters are new: glyphs-resnet's head can output "
        f"{expected[1]} of them, because whole scripts were held out. The label space is new, "
        "so lesson 04 has to recognise them from a few examples each, with no trained head."
    )


def check_4(answer: Any) -> Feedback:
    """Exercise 4: a dict scenario ("a"-"d") -> one of :data:`DIFFERENCES`."""
    if answer is None:
        return not_yet('replace None with a dict such as {"a": "input space", ...}')
    expected = {key: difference for key, (difference, _) in SCENARIOS.items()}
    problem = _check_choices(answer, expected, DIFFERENCES)
    if problem:
        return not_yet(problem)
    for key, (difference, why_not) in SCENARIOS.items():
        given = _normalise(answer[key])
        if given != difference:
            return not_yet(f"scenario {key} is not about the {given}: {why_not[given]}")
    return correct(
        "each scenario shows one of the four differences: a domain is an input space and a "
        "distribution over it, a task is a label space and the labels' distribution, and a "
        "transfer can change any of the four."
    )


def show_solution(exercise: int) -> Solution:
    """The reference solution of ``exercise``, shown collapsed: open it after trying."""
    return _show_solution("00", exercise)
