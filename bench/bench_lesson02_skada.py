"""Lesson 02's methods against skada's (the scikit-learn of domain adaptation), in one run.

skada 0.6 (with skorch) implements DANN and Deep CORAL for any PyTorch module. Both
libraries get the same everything: MNIST -> MNIST-M train splits, the course's ResNet
from the same seeded random initialisation, 20 epochs of 4,000 source + 4,000 target
images in batches of 64 + 64, Adam at 2e-3, and the alignment weight lesson 02 chose
(read from ``bench/results/bench_lesson02.json``). Each row reports the MNIST-M test
accuracy and the wall time of training, for seeds 0-2 (or those given), runs interleaved.

skada's DANN builds a default domain classifier that ends in ``Softmax`` over a single
output, which is 1.0 for every input: its domain loss is constant and nothing is
aligned. We report that default as shipped AND skada's DANN with a working domain
classifier (gradient reversal + the same two-layer discriminator as ours + a sigmoid),
so the comparison is with skada at its best, not at its bug. skada's DANN keeps the
reversal strength fixed at the weight, while ours ramps it up with Ganin's schedule.

    pip install -e '.[bench]'                 # skada and skorch, bench-only
    python bench/bench_lesson02_skada.py      # seeds 0-2, about 15 minutes on a 2-core CPU
    python bench/bench_lesson02_skada.py --extend --seeds 3 4 5 6   # add seeds to the file
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from record import this_command, write_result
from tlwidgets.bench_results import load_bench_result
from tlwidgets.data import load_domain
from tlwidgets.models import create_backbone
from tlwidgets.runtime import seed_everything
from tlwidgets.train import AdaptConfig, DomainDiscriminator, adapt, evaluate

try:
    from skada.deep import DANN, DeepCoral
    from skada.deep.modules import GradientReversalLayer
except ImportError as error:  # a bench-only dependency
    raise SystemExit(
        f"{error}: this benchmark needs the bench extra: pip install -e '.[bench]'"
    ) from error

SEEDS = (0, 1, 2)
EPOCHS, LR, BATCH = 20, 2e-3, 64


class PooledResNet(nn.Module):
    """The course's ResNet with its pooled features as a named layer (``flatten``) for skada.

    skada reads the features to align from a named submodule's output; the backbone pools
    inside ``forward_head``, so this wrapper exposes that step as ``flatten`` (N, 128).
    The weights are the backbone's own: same initialisation as ours for a seed.
    """

    def __init__(self, seed: int):
        super().__init__()
        seed_everything(seed)
        self.backbone = create_backbone("resnet", num_classes=10)
        self.flatten = nn.Flatten()

    def forward(self, x: Tensor, sample_weight: Tensor | None = None) -> Tensor:
        """Class logits (N, 10) for images (N, 3, 32, 32)."""
        pooled = self.flatten(self.backbone.pool(self.backbone.forward_features(x)))
        return self.backbone.classifier(pooled)


class ReversedDiscriminator(nn.Module):
    """Gradient reversal, then the discriminator lesson 02's DANN uses, then a sigmoid.

    skada's DANN loss is a BCELoss on probabilities, so this outputs P(target) of shape (N,).
    """

    def __init__(self, num_features: int = 128):
        super().__init__()
        self.discriminator = DomainDiscriminator(num_features)

    def forward(self, features: Tensor) -> Tensor:
        """P(target domain) (N,) for features (N, D)."""
        reversed_ = GradientReversalLayer.apply(features, 1.0)
        return torch.sigmoid(self.discriminator(reversed_)).flatten()


def skada_inputs() -> dict[str, Any]:
    """Source + target train images as skada expects them (target labels masked as -1)."""
    source, target = load_domain("mnist"), load_domain("mnistm")
    x = torch.cat([source.images, target.images]).numpy()  # (N + M, 3, 32, 32) float32
    y = np.concatenate([source.labels.numpy(), -np.ones(len(target), dtype=np.int64)])
    domain = np.concatenate([np.ones(len(source)), -np.ones(len(target))]).astype(np.int64)
    return {"X": x, "y": y, "sample_domain": domain}


def run_skada(name: str, seed: int, weight: float, data: dict[str, Any]) -> dict[str, Any]:
    """Train one skada estimator; return its target test accuracy and training time."""
    common = {
        "layer_name": "flatten",
        "reg": weight,
        "batch_size": BATCH,
        "max_epochs": EPOCHS,
        "lr": LR,
        "optimizer": torch.optim.Adam,
        "train_split": None,
        "device": "cpu",
        "verbose": 0,
    }
    if name == "skada DeepCoral":
        estimator = DeepCoral(PooledResNet(seed), **common)
    elif name == "skada DANN (default discriminator)":
        estimator = DANN(PooledResNet(seed), num_features=128, **common)
    else:  # "skada DANN (working discriminator)"
        module = PooledResNet(seed)
        estimator = DANN(module, domain_classifier=ReversedDiscriminator(), **common)
    started = time.perf_counter()
    estimator.fit(data["X"], data["y"], sample_domain=data["sample_domain"])
    seconds = time.perf_counter() - started
    test = load_domain("mnistm", "test")
    predicted = estimator.predict(test.images.numpy(), sample_domain=-np.ones(len(test)))
    acc = float((torch.as_tensor(predicted) == test.labels).float().mean())
    return result_row(name, seed, weight, acc, seconds)


def run_ours(method: str, seed: int, weight: float, epochs: int = EPOCHS) -> dict[str, Any]:
    """Train one of lesson 02's methods; return its target test accuracy and training time."""
    config = AdaptConfig(method, weight=weight, epochs=epochs, lr=LR, batch_size=BATCH, seed=seed)
    started = time.perf_counter()
    model, _ = adapt(config, source=load_domain("mnist"), target=load_domain("mnistm"))
    seconds = time.perf_counter() - started
    acc = evaluate(model, load_domain("mnistm", "test"))["acc"]
    name = {"dann": "tlwidgets DANN", "coral": "tlwidgets Deep CORAL"}[method]
    return result_row(name, seed, weight, acc, seconds)


def result_row(library: str, seed: int, weight: float, acc: float, seconds: float) -> dict:
    """One run as the result file stores it."""
    return {
        "library": library,
        "seed": seed,
        "weight": weight,
        "acc": round(acc, 4),
        "seconds": round(seconds, 2),
    }


def summary(rows: list[dict[str, Any]], library: str) -> tuple[float, float]:
    """Mean accuracy and mean seconds of one library's rows."""
    mine = [row for row in rows if row["library"] == library]
    return statistics.mean(r["acc"] for r in mine), statistics.mean(r["seconds"] for r in mine)


def paired_differences(rows: list[dict[str, Any]], ours: str, theirs: str) -> list[float]:
    """Our accuracy minus theirs, seed by seed (the same initial weights in both)."""
    accuracy = {(row["library"], row["seed"]): row["acc"] for row in rows}
    seeds = sorted(seed for library, seed in accuracy if library == ours)
    return [accuracy[ours, seed] - accuracy[theirs, seed] for seed in seeds]


def figures_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accuracy difference (with its spread over seeds) and time ratio of each pairing."""
    seeds = sorted({row["seed"] for row in rows})
    figures = []
    for ours, theirs in (
        ("tlwidgets DANN", "skada DANN (working discriminator)"),
        ("tlwidgets DANN", "skada DANN (default discriminator)"),
        ("tlwidgets Deep CORAL", "skada DeepCoral"),
    ):
        (our_acc, our_time), (their_acc, their_time) = summary(rows, ours), summary(rows, theirs)
        differences = paired_differences(rows, ours, theirs)
        error = statistics.stdev(differences) / len(differences) ** 0.5
        figures += [
            {
                "name": f"{ours} minus {theirs}: MNIST-M accuracy",
                "value": round(our_acc - their_acc, 4),
                "unit": "acc",
                "target": ">= 0",
                "note": f"{our_acc:.1%} vs {their_acc:.1%}, mean of {len(seeds)} seeds "
                f"({seeds[0]}-{seeds[-1]}); standard error of the paired difference {error:.1%}",
            },
            {
                "name": f"{ours} / {theirs}: training time",
                "value": round(our_time / their_time, 3),
                "unit": "ratio",
                "target": "<= 1.0",
                "note": f"{our_time:.0f} s vs {their_time:.0f} s per run, interleaved, same CPU",
            },
        ]
    return figures


def main() -> None:
    """Interleave ours and skada's runs seed by seed; record accuracy and time of each.

    ``--seeds 3 4 5`` runs other seeds; ``--extend`` keeps the runs already in the result
    file (other seeds, same settings) and adds the new ones, so more seeds can be added
    without rerunning the first.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--extend", action="store_true", help="keep the runs already recorded")
    args = parser.parse_args()
    chosen = {
        run["method"]: run["weight"]
        for run in load_bench_result("bench_lesson02").runs_where(experiment="chosen_weight")
    }
    rows = list(load_bench_result(Path(__file__).stem).runs) if args.extend else []
    done = {(row["library"], row["seed"]) for row in rows}
    data = skada_inputs()
    run_ours("coral", 0, 1.0, epochs=1)  # warm-up, untimed: first calls pay one-off costs
    for seed in args.seeds:
        for method, skada_names in (
            ("dann", ("skada DANN (default discriminator)", "skada DANN (working discriminator)")),
            ("coral", ("skada DeepCoral",)),
        ):
            ours = {"dann": "tlwidgets DANN", "coral": "tlwidgets Deep CORAL"}[method]
            if (ours, seed) not in done:
                rows.append(run_ours(method, seed, chosen[method]))
                print(rows[-1], flush=True)
            for name in skada_names:
                if (name, seed) not in done:
                    rows.append(run_skada(name, seed, chosen[method], data))
                    print(rows[-1], flush=True)
    path = write_result(Path(__file__).stem, figures_from(rows), this_command(), runs=rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
