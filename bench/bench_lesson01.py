"""Lesson 01's sweeps, with every seed: the numbers the notebook cannot afford to rerun live.

Four experiments on MNIST (the target), starting from the glyph-pretrained ResNet (the source):

- ``data_efficiency``: test accuracy vs labels per class (1, 2, 5, 10, 20, 50, all) for
  scratch, linear probe and fine-tuning, seeds 0-2. Scratch runs at the recipe's learning rate
  (1e-2) and also at 3e-3 and 1e-3, so the targets can be judged against scratch's best
  rate (chosen on the test split, which flatters scratch: a conservative baseline).
- ``freeze_depth``: Yosinski et al. (2014): keep the first n pretrained stages, start the rest
  random, train with those n stages frozen or fine-tuned (50 labels per class, one rate 1e-3).
- ``negative_transfer``: sources that should not help (glyphs with shuffled labels) against
  scratch and good sources, 10 labels per class.
- ``forgetting``: glyph accuracy through the source head while fine-tuning on 100 labels per
  class, with a large, a small and layer-wise learning rates.

Every run is stored in ``runs`` for the notebook to plot; the figures are the issue's targets.

    python bench/bench_lesson01.py            # about 10 minutes on a 2-core CPU
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from record import this_command, write_result
from tlwidgets.data import load_domain
from tlwidgets.models import load_pretrained
from tlwidgets.train import TransferConfig, load_source_task, transfer

SEEDS = (0, 1, 2)
LABEL_COUNTS = (1, 2, 5, 10, 20, 50, None)  # None: every training image (400 per class)
SCRATCH_RATES = (1e-2, 3e-3, 1e-3)
BACKBONE, SOURCE = "resnet", "glyphs-resnet"

MNIST_TRAIN = load_domain("mnist", "train")
MNIST_TEST = load_domain("mnist", "test")


def run(experiment: str, config: TransferConfig, pretrained: str | None = SOURCE, **extra: Any):
    """Train one configuration; return its row (final test accuracy, seconds, settings)."""
    started = time.perf_counter()
    source = extra.pop("source", None)
    _, history = transfer(
        config,
        backbone=BACKBONE,
        pretrained=pretrained,
        train_data=MNIST_TRAIN,
        val_data=MNIST_TEST,
        source=source,
    )
    examples = len(MNIST_TRAIN) if config.labels_per_class is None else 10 * config.labels_per_class
    row = {
        "experiment": experiment,
        "pretrained": None if config.strategy == "scratch" else pretrained,
        "strategy": config.strategy,
        "labels_per_class": config.labels_per_class,
        "train_examples": examples,
        "lr": config.lr,
        "backbone_lr_ratio": config.backbone_lr_ratio,
        "layer_decay": config.layer_decay,
        "freeze_depth": config.freeze_depth,
        "transfer_depth": config.transfer_depth,
        "epochs": config.epochs,
        "seed": config.seed,
        "acc": round(history.last("target_acc"), 4),
        "seconds": round(time.perf_counter() - started, 2),
        **extra,
    }
    if source is not None:
        source_accs = history.series("source_acc", per="epoch")
        row["source_acc_per_epoch"] = [round(acc, 4) for acc in source_accs]
    print({k: v for k, v in row.items() if k != "source_acc_per_epoch"}, flush=True)
    return row


def data_efficiency() -> Iterable[dict[str, Any]]:
    """Scratch (three rates), linear probe and fine-tune-all at every label count and seed."""
    for seed in SEEDS:
        for labels in LABEL_COUNTS:
            for lr in SCRATCH_RATES:
                config = TransferConfig("scratch", lr=lr, labels_per_class=labels, seed=seed)
                yield run("data_efficiency", config)
            for strategy in ("linear_probe", "finetune_all"):
                config = TransferConfig(strategy, labels_per_class=labels, seed=seed)
                yield run("data_efficiency", config)


def freeze_depth() -> Iterable[dict[str, Any]]:
    """Yosinski's AnB (first n stages frozen) and AnB+ (fine-tuned), n = 0..5, one rate."""
    for seed in SEEDS:
        for depth in range(0, 6):
            for variant in ("frozen", "fine-tuned"):
                if depth == 0 and variant == "frozen":
                    continue  # n = 0 transfers nothing: both variants are scratch
                config = TransferConfig(
                    "finetune_top" if variant == "frozen" else "finetune_all",
                    freeze_depth=depth if variant == "frozen" else 0,
                    transfer_depth=depth,
                    lr=1e-3,
                    backbone_lr_ratio=1.0,
                    labels_per_class=50,
                    seed=seed,
                )
                yield run("freeze_depth", config, variant=variant)


NEGATIVE_SOURCES = (
    ("scratch", None, "scratch", 0.1),
    ("glyphs, fine-tuned", "glyphs-resnet", "finetune_all", 0.1),
    ("printed digits, fine-tuned", "synth-resnet", "finetune_all", 0.1),
    ("shuffled glyphs, fine-tuned", "shuffled-glyphs-resnet", "finetune_all", 0.1),
    ("shuffled glyphs, fine-tuned at one rate", "shuffled-glyphs-resnet", "finetune_all", 1.0),
    ("shuffled glyphs, linear probe", "shuffled-glyphs-resnet", "linear_probe", 0.1),
)


def negative_transfer() -> Iterable[dict[str, Any]]:
    """Good, related and useless sources against scratch at 10 labels per class."""
    for seed in SEEDS:
        for label, pretrained, strategy, ratio in NEGATIVE_SOURCES:
            config = TransferConfig(strategy, backbone_lr_ratio=ratio, seed=seed)
            yield run("negative_transfer", config, pretrained, source_label=label)


FORGETTING_SETTINGS = (
    ("large: every layer at 1e-2", {"backbone_lr_ratio": 1.0}),
    ("small: body at 1e-3", {"backbone_lr_ratio": 0.1}),
    ("layer-wise: 1e-3 halving per stage", {"backbone_lr_ratio": 0.1, "layer_decay": 0.5}),
)


def forgetting() -> Iterable[dict[str, Any]]:
    """Fine-tune on 100 labels per class while the glyph task is measured after every epoch."""
    source = load_source_task(SOURCE)
    before = source.accuracy(load_pretrained(SOURCE))
    for seed in SEEDS:
        for label, settings in FORGETTING_SETTINGS:
            config = TransferConfig("finetune_all", labels_per_class=100, seed=seed, **settings)
            yield run("forgetting", config, source=source, setting=label, source_acc_before=before)


def mean_acc(rows: list[dict[str, Any]], **match: Any) -> float:
    """Mean test accuracy over the seeds of the rows whose fields equal ``match``."""
    accs = [row["acc"] for row in rows if all(row.get(k) == v for k, v in match.items())]
    if not accs:
        raise ValueError(f"no runs match {match}")
    return statistics.mean(accs)


def figures_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's two targets and the headline numbers of each experiment."""
    efficiency = [row for row in rows if row["experiment"] == "data_efficiency"]
    figures = []
    for labels in (1, 10):
        scratch = max(
            mean_acc(efficiency, strategy="scratch", labels_per_class=labels, lr=lr)
            for lr in SCRATCH_RATES
        )
        best = max(
            mean_acc(efficiency, strategy=strategy, labels_per_class=labels)
            for strategy in ("linear_probe", "finetune_all")
        )
        figures.append(
            {
                "name": f"MNIST {labels} label(s)/class: best transfer accuracy",
                "value": round(best, 4),
                "unit": "acc",
                "note": "mean of seeds 0-2, best of linear probe and fine-tune all",
            }
        )
        figures.append(
            {
                "name": f"MNIST {labels} label(s)/class: scratch accuracy (best of 3 rates)",
                "value": round(scratch, 4),
                "unit": "acc",
                "note": "mean of seeds 0-2 at scratch's best rate of 1e-2, 3e-3, 1e-3",
            }
        )
        if labels == 10:
            figures.append(
                {
                    "name": "MNIST 10 labels/class: transfer error / scratch error",
                    "value": round((1 - best) / (1 - scratch), 3),
                    "unit": "ratio",
                    "target": "<= 0.5",
                    "note": "same architecture, same epochs",
                }
            )
        else:
            figures.append(
                {
                    "name": "MNIST 1 label/class: transfer minus scratch",
                    "value": round(best - scratch, 4),
                    "unit": "acc",
                    "target": ">= 0.15",
                    "note": "accuracy points as a fraction",
                }
            )
    depth = [row for row in rows if row["experiment"] == "freeze_depth"]
    scratch = mean_acc(depth, transfer_depth=0)
    figures.append(
        {
            "name": "freeze depth: worst fine-tuned (AnB+) minus scratch, n = 1..5",
            "value": round(
                min(mean_acc(depth, transfer_depth=n, variant="fine-tuned") for n in range(1, 6))
                - scratch,
                4,
            ),
            "unit": "acc",
            "note": "Yosinski et al. 2014 found AnB+ at or above the baseline at every n",
        }
    )
    frozen = {n: mean_acc(depth, transfer_depth=n, variant="frozen") for n in range(1, 6)}
    figures.append(
        {
            "name": "freeze depth: frozen all 5 stages minus best frozen depth",
            "value": round(frozen[5] - max(frozen.values()), 4),
            "unit": "acc",
            "note": "the drop when the last, most specific stage is frozen too",
        }
    )
    negative = [row for row in rows if row["experiment"] == "negative_transfer"]
    figures.append(
        {
            "name": "negative transfer: shuffled-label source fine-tuned minus scratch",
            "value": round(
                mean_acc(negative, source_label="shuffled glyphs, fine-tuned")
                - mean_acc(negative, source_label="scratch"),
                4,
            ),
            "unit": "acc",
            "target": "< 0",
            "note": "10 labels/class, mean of seeds 0-2",
        }
    )
    forgetting_rows = [row for row in rows if row["experiment"] == "forgetting"]
    for label, _ in FORGETTING_SETTINGS:
        finals = [r["source_acc_per_epoch"][-1] for r in forgetting_rows if r["setting"] == label]
        figures.append(
            {
                "name": f"forgetting, {label}: glyph accuracy after fine-tuning",
                "value": round(statistics.mean(finals), 4),
                "unit": "acc",
                "note": f"before: {forgetting_rows[0]['source_acc_before']:.4f}",
            }
        )
    return figures


def main() -> None:
    """Run all four experiments and record every run and the headline figures."""
    started = time.perf_counter()
    rows = [
        *data_efficiency(),
        *freeze_depth(),
        *negative_transfer(),
        *forgetting(),
    ]
    figures = figures_from(rows)
    figures.append(
        {
            "name": "sweep time",
            "value": round(time.perf_counter() - started, 1),
            "unit": "s",
            "note": f"{len(rows)} training runs",
        }
    )
    path = write_result(Path(__file__).stem, figures, this_command(), runs=rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
