"""Reference solutions of lesson 00; each returns what its ``check_*`` takes."""

from __future__ import annotations

from ...data import DOMAINS, load_domain, load_glyphs
from ...models import pretrained_info


def exercise_1() -> dict[str, str]:
    """Inductive when the target task has labels to learn from; transductive otherwise."""
    return {
        "a": "inductive",  # 100 labelled MNIST digits: the target task is labelled
        "b": "transductive",  # same digits task; only the source (synth) has labels
        "c": "inductive",  # a new task (new characters), 5 labelled drawings each
        "d": "transductive",  # same task; the mnistm images come without labels
    }


def exercise_2() -> dict[str, float]:
    """Average every pixel of every channel of every training image, per domain."""
    return {domain: load_domain(domain, "train").images.mean().item() for domain in DOMAINS}


def exercise_3() -> tuple[int, int]:
    """Count the new task's classes, and those among glyphs-resnet's head outputs."""
    evaluation = load_glyphs("evaluation", "all")  # lesson 04's target: held-out scripts
    head = pretrained_info("glyphs-resnet")["classes"]  # what the pretrained head can output
    return len(evaluation.classes), len(set(evaluation.classes) & set(head))


def exercise_4() -> dict[str, str]:
    """The one thing that changes between source and target in each scenario."""
    return {
        "a": "input distribution",  # same space, same digits: only the look changes
        "b": "label distribution",  # same images of each digit, in other proportions
        "c": "input space",  # 8 x 8 = 64 numbers per image against 28 x 28 = 784
        "d": "label space",  # 1063 characters against 10 digits: a new head is needed
    }
