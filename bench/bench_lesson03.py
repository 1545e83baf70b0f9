"""Lesson 03's sweeps: sharing, task weighting, task conflict and multitask pretraining.

Every run uses the lesson's budget (BUDGET: 10 epochs, Adam at 1e-3 decaying to 0 on a cosine,
batches of 128, the course's ResNet from random initialisation) and seeds 0-2:

- ``selection``: the learning rate of uncertainty weighting's log-variances (the one
  setting its paper leaves open; at the network's 1e-3 they barely move in 10 epochs), chosen
  on synth_attributes with a seed (100) the other experiments never use: the rate with the
  lowest rotation error among those that cost no classification task more than 1 point
  against equal weights on that seed (the optimistic protocol: it reads test accuracy).
- ``sharing`` (MultiMNIST, tasks left and right digit): one single-task model per task,
  one shared model (hard sharing) with each weighting strategy, and soft sharing (two
  backbones tied by an L2 penalty). Each run records per-task test accuracy, parameter
  count, time, the tasks' gradient cosine and, for ``transfer``, how well its backbone's
  frozen features predict a NEW task (the sum of the two digits, 20 labelled images per
  sum, linear probe) - multitask learning as pretraining.
- ``weighting`` (synth_attributes: digit, font, rotation [regression], background): every
  strategy, including fixed weights chosen before any run to equalise the initial loss
  scales (rotation x 10: cross-entropy starts near ln 10 = 2.3, the rotation's MSE near
  its variance, 0.21 rad^2).
- ``conflict`` (MultiMNIST, left digit + a task whose labels are the right digits
  shuffled across images): single-task left, shared with equal weights, shared with PCGrad.

Finished runs are kept in ``bench/results/.bench_lesson03.partial.jsonl`` so an interrupted
sweep resumes (delete it to start over).

    python bench/bench_lesson03.py            # about 25 minutes on a 2-core CPU
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import numpy as np
import torch

from record import RESULTS_DIR, PartialRuns, this_command, write_result
from tlwidgets.analysis import extract_features
from tlwidgets.data import MultiTaskImages, load_multitask, shuffled_task, with_digit_sum
from tlwidgets.data.splits import sample_per_class
from tlwidgets.models import count_parameters, create_backbone
from tlwidgets.runtime import seed_everything
from tlwidgets.train import MultiTaskConfig, fit_linear_probe, train_multitask

SEEDS = (0, 1, 2)
SELECTION_SEED = 100
WEIGHTS_LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2)
BUDGET = {"epochs": 10, "lr": 1e-3, "batch_size": 128}
STRATEGIES = ("equal", "uncertainty", "dwa", "gradnorm", "pcgrad")
FIXED = {"rotation": 10.0}  # equal initial loss scales: ln(10) / Var(rotation) ~ 2.3 / 0.21
SUM_LABELS_PER_CLASS = 20
PARTIAL = RESULTS_DIR / ".bench_lesson03.partial.jsonl"


def probe_new_task(backbone: torch.nn.Module, seed: int) -> float:
    """Test accuracy of a linear probe on frozen features for the digit-sum task."""
    train = with_digit_sum(load_multitask("multimnist")).as_labelled("sum")
    test = with_digit_sum(load_multitask("multimnist", "test")).as_labelled("sum")
    labels = train.labels.numpy()
    per_class = min(SUM_LABELS_PER_CLASS, int(np.bincount(labels).min()))  # smoke: rare sums
    few = train.subset(sample_per_class(labels, per_class, seed))
    probe = fit_linear_probe(extract_features(backbone, few), few.labels, num_classes=19, seed=seed)
    return probe.accuracy(extract_features(backbone, test), test.labels)


DONE = PartialRuns(PARTIAL, ("experiment", "model", "tasks", "weighting", "seed", "weights_lr"))


def data_for(experiment: str, split: str) -> MultiTaskImages:
    """The dataset an experiment trains and tests on."""
    if experiment in ("selection", "weighting"):
        return load_multitask("synth_attributes", split)
    data = load_multitask("multimnist", split)
    if experiment == "conflict":
        return shuffled_task(data, "right", name="noise", seed=0).select(["left", "noise"])
    return data


def epoch_series(history, key: str) -> list[float]:
    """Per-epoch values of ``key``, rounded (empty if never logged)."""
    return [round(v, 4) for v in history.series(key, per="epoch")]


def run(
    experiment: str,
    seed: int,
    *,
    tasks: tuple[str, ...] | None = None,
    weighting: str = "equal",
    model: str = "shared",
    probe: bool = False,
    weights_lr: float | None = None,
) -> dict[str, Any]:
    """Train one configuration and return its row (from the partial file if done)."""
    train, test = data_for(experiment, "train"), data_for(experiment, "test")
    names = tasks or tuple(t.name for t in train.tasks)
    row: dict[str, Any] = {
        "experiment": experiment,
        "model": model,
        "tasks": list(names),
        "weighting": weighting,
        "seed": seed,
    }
    if weights_lr is not None:
        row["weights_lr"] = weights_lr
    if DONE.get(row):
        return DONE.get(row)
    config = MultiTaskConfig(
        tasks=names,
        model=model,
        weighting=weighting,
        seed=seed,
        weights=FIXED if weighting == "fixed" else None,
        weights_lr=weights_lr,
        **BUDGET,
    )
    started = time.perf_counter()
    net, history = train_multitask(config, train, test)
    row["seconds"] = round(time.perf_counter() - started, 2)
    row["parameters"] = count_parameters(net)
    for task in names:
        kind = "mae" if train.task(task).kind == "regression" else "acc"
        row[f"{task}_{kind}"] = round(history.last(f"test_{task}_{kind}"), 4)
        row[f"{task}_{kind}_per_epoch"] = epoch_series(history, f"test_{task}_{kind}")
        row[f"{task}_weight_per_epoch"] = epoch_series(history, f"weight_{task}")
        if weighting == "uncertainty":
            row[f"{task}_sigma_per_epoch"] = epoch_series(history, f"sigma_{task}")
    cosines = [k for k in history.epochs[-1] if k.startswith("grad_cos_")]
    row["grad_cos_per_epoch"] = {k: epoch_series(history, k) for k in cosines}
    if probe:
        backbone = net.backbone if model == "shared" else next(iter(net.towers.values())).backbone
        row["sum_probe_acc"] = round(probe_new_task(backbone, seed), 4)
    DONE.add(row)
    print({k: v for k, v in row.items() if "per_epoch" not in k}, flush=True)
    return row


def random_probe_row(seed: int) -> dict[str, Any]:
    """The digit-sum probe on a randomly initialised backbone: the no-pretraining floor."""
    row = {"experiment": "sharing", "model": "random", "tasks": [], "weighting": "-", "seed": seed}
    if DONE.get(row):
        return DONE.get(row)
    seed_everything(seed)
    row["sum_probe_acc"] = round(probe_new_task(create_backbone("resnet", num_classes=0), seed), 4)
    DONE.add(row)
    return row


def selection() -> tuple[float, list[dict[str, Any]]]:
    """Uncertainty weighting's weights_lr, chosen on the selection seed, and the runs behind it."""
    equal = run("selection", SELECTION_SEED, weighting="equal")
    rows = [equal]
    rows += [
        run("selection", SELECTION_SEED, weighting="uncertainty", weights_lr=lr)
        for lr in WEIGHTS_LR_GRID
    ]

    def worst_drop(row: dict[str, Any]) -> float:
        return min(row[f"{t}_acc"] - equal[f"{t}_acc"] for t in ("digit", "font", "background"))

    keeping = [row for row in rows[1:] if worst_drop(row) >= -0.01]
    chosen = (
        min(keeping, key=lambda row: row["rotation_mae"])
        if keeping
        else max(rows[1:], key=worst_drop)
    )
    return chosen["weights_lr"], rows


def sweep(weights_lr: float) -> list[dict[str, Any]]:
    """All runs of the three experiments, seed by seed (uncertainty at ``weights_lr``)."""
    rows = []
    for seed in SEEDS:
        rows.append(random_probe_row(seed))
        for task in ("left", "right"):
            rows.append(run("sharing", seed, tasks=(task,), probe=True))
        for weighting in STRATEGIES:
            lr = weights_lr if weighting == "uncertainty" else None
            rows.append(
                run("sharing", seed, weighting=weighting, probe=weighting == "equal", weights_lr=lr)
            )
        rows.append(run("sharing", seed, model="soft"))
        for weighting in ("equal", "fixed", *STRATEGIES[1:]):
            lr = weights_lr if weighting == "uncertainty" else None
            rows.append(run("weighting", seed, weighting=weighting, weights_lr=lr))
        rows.append(run("conflict", seed, tasks=("left",)))
        for weighting in ("equal", "pcgrad"):
            rows.append(run("conflict", seed, weighting=weighting))
    return rows


def mean_std(rows: list[dict[str, Any]], key: str, **match: Any) -> tuple[float, float]:
    """Mean and sample standard deviation of ``key`` over the rows matching ``match``."""
    values = [r[key] for r in rows if all(r.get(k) == v for k, v in match.items()) and key in r]
    if not values:
        raise ValueError(f"no runs with {key!r} match {match}")
    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def figures_from(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets and the headline numbers."""
    sharing = [r for r in rows if r["experiment"] == "sharing"]
    single = {t: mean_std(sharing, f"{t}_acc", tasks=[t])[0] for t in ("left", "right")}
    single_params = sum(mean_std(sharing, "parameters", tasks=[t])[0] for t in ("left", "right"))
    shared = {
        w: {
            t: mean_std(sharing, f"{t}_acc", model="shared", weighting=w, tasks=["left", "right"])[
                0
            ]
            for t in ("left", "right")
        }
        for w in STRATEGIES
    }
    best = max(STRATEGIES, key=lambda w: sum(shared[w].values()))
    shared_params = mean_std(
        sharing, "parameters", model="shared", weighting="equal", tasks=["left", "right"]
    )[0]
    worst_gap = min(shared[best][t] - single[t] for t in ("left", "right"))
    figures = [
        {
            "name": "MultiMNIST: best shared model minus single-task, worse of the two tasks",
            "value": round(worst_gap, 4),
            "unit": "acc",
            "target": ">= 0",
            "note": f"{best}: left {shared[best]['left']:.1%} vs {single['left']:.1%}, right "
            f"{shared[best]['right']:.1%} vs {single['right']:.1%} (means over seeds 0-2)",
        },
        {
            "name": "MultiMNIST: shared model's parameters / two single-task models'",
            "value": round(shared_params / single_params, 3),
            "unit": "ratio",
            "target": "< 1",
            "note": f"{shared_params:,.0f} vs {single_params:,.0f}",
        },
    ]
    weighting = [r for r in rows if r["experiment"] == "weighting"]
    mae = {w: mean_std(weighting, "rotation_mae", weighting=w)[0] for w in ("equal", "uncertainty")}
    figures.append(
        {
            "name": "synth_attributes: rotation error, uncertainty / equal weighting",
            "value": round(mae["uncertainty"] / mae["equal"], 3),
            "unit": "ratio",
            "target": "< 1",
            "note": f"MAE {math.degrees(mae['uncertainty']):.2f} vs "
            f"{math.degrees(mae['equal']):.2f} degrees, means over seeds 0-2",
        }
    )
    drops = {
        t: mean_std(weighting, f"{t}_acc", weighting="uncertainty")[0]
        - mean_std(weighting, f"{t}_acc", weighting="equal")[0]
        for t in ("digit", "font", "background")
    }
    figures.append(
        {
            "name": "synth_attributes: uncertainty minus equal, worst classification task",
            "value": round(min(drops.values()), 4),
            "unit": "acc",
            "target": ">= -0.01",
            "note": ", ".join(f"{t} {d:+.1%}" for t, d in drops.items()),
        }
    )
    conflict = [r for r in rows if r["experiment"] == "conflict"]
    alone = mean_std(conflict, "left_acc", tasks=["left"])[0]
    for w in ("equal", "pcgrad"):
        with_noise = mean_std(conflict, "left_acc", tasks=["left", "noise"], weighting=w)[0]
        figures.append(
            {
                "name": f"conflict: left digit with a shuffled-label task ({w}) minus alone",
                "value": round(with_noise - alone, 4),
                "unit": "acc",
                "note": f"{with_noise:.1%} vs {alone:.1%} alone (negative transfer when < 0)",
            }
        )
    for model, match in (
        (
            "shared (left+right)",
            {"model": "shared", "weighting": "equal", "tasks": ["left", "right"]},
        ),
        ("single-task (left)", {"tasks": ["left"]}),
        ("random init", {"model": "random"}),
    ):
        mean, spread = mean_std(sharing, "sum_probe_acc", **match)
        figures.append(
            {
                "name": f"new task (digit sum), linear probe on a {model} backbone",
                "value": round(mean, 4),
                "unit": "acc",
                "note": f"+/- {spread:.1%} over seeds 0-2; {SUM_LABELS_PER_CLASS} labels per sum",
            }
        )
    return figures


def main() -> None:
    """Run the sweep and record every run and the headline figures."""
    started = time.perf_counter()
    weights_lr, chosen_from = selection()
    print("chosen weights_lr for uncertainty weighting:", weights_lr, flush=True)
    rows = chosen_from + sweep(weights_lr)
    figures = figures_from(rows)
    figures.append(
        {
            "name": "uncertainty weighting: learning rate of the log-variances",
            "value": weights_lr,
            "unit": "lr",
            "note": f"chosen on seed {SELECTION_SEED} from {list(WEIGHTS_LR_GRID)}",
        }
    )
    figures.append(
        {
            "name": "sweep time",
            "unit": "s",
            "value": round(sum(r.get("seconds", 0.0) for r in rows)),
            "note": f"{len(rows)} runs; this invocation took {time.perf_counter() - started:.0f} s",
        }
    )
    path = write_result("bench_lesson03", figures, this_command(), runs=rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
