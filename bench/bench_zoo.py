"""What the pretrained zoo buys on digits: a 10-labels-per-class MNIST linear probe.

For three label draws (seeds 0-2), a linear probe is trained on features of the
glyph-pretrained ResNet and on features of the same ResNet with random weights; both are
scored on the MNIST test split. The gap is the value of pretraining (target >= 0.15).

    python bench/bench_zoo.py
"""

from __future__ import annotations

import statistics

import torch

from record import this_command, write_result
from tlwidgets.analysis import extract_features
from tlwidgets.data import load_domain
from tlwidgets.models import create_backbone, load_pretrained, pretrained_info
from tlwidgets.train import fit_linear_probe

SEEDS = (0, 1, 2)
LABELS_PER_CLASS = 10


def probe_accuracy(model: torch.nn.Module, seed: int) -> float:
    """Test accuracy of a linear probe on ``model``'s features, labels drawn with ``seed``."""
    train = load_domain("mnist", "train", labels_per_class=LABELS_PER_CLASS, seed=seed)
    test = load_domain("mnist", "test")
    probe = fit_linear_probe(extract_features(model, train), train.labels, seed=seed)
    return probe.accuracy(extract_features(model, test), test.labels)


def main() -> None:
    """Probe pretrained and random features for every seed and record means and the gap."""
    pretrained = load_pretrained("glyphs-resnet")
    torch.manual_seed(0)
    random_init = create_backbone("resnet", num_classes=0)
    ours = [probe_accuracy(pretrained, seed) for seed in SEEDS]
    base = [probe_accuracy(random_init, seed) for seed in SEEDS]
    gap = statistics.mean(ours) - statistics.mean(base)
    print(f"pretrained {ours}, random {base}, gap {gap:.3f}")
    setting = f"MNIST, {LABELS_PER_CLASS} labels/class, linear probe, mean of seeds {SEEDS}"
    figures = [
        {
            "name": "probe on glyphs-resnet features",
            "value": round(statistics.mean(ours), 3),
            "unit": "accuracy",
            "note": f"{setting}; per seed {[round(a, 3) for a in ours]}",
        },
        {
            "name": "probe on random-init resnet features",
            "value": round(statistics.mean(base), 3),
            "unit": "accuracy",
            "note": f"{setting}; per seed {[round(a, 3) for a in base]}",
        },
        {
            "name": "pretraining gain",
            "value": round(gap, 3),
            "unit": "accuracy",
            "target": ">= 0.15",
            "note": "pretrained minus random-init probe accuracy",
        },
    ]
    for name in ("glyphs-resnet", "synth-resnet"):
        info = pretrained_info(name)
        figures.append(
            {
                "name": f"{name} source accuracy",
                "value": round(info["source_accuracy"], 3),
                "unit": "accuracy",
                "note": f"from the zoo manifest: {info['source_eval']}, built {info['built_at']} "
                f"in {info['build_seconds']:.0f} s by python -m tlwidgets.models.zoo build",
            }
        )
    write_result("bench_zoo", figures, command=this_command())


if __name__ == "__main__":
    main()
