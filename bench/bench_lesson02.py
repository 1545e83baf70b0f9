"""Lesson 02's sweeps: every adaptation method on three domain pairs, three seeds each.

Four experiments, all at one training budget (BUDGET: 20 epochs over the 4,000 source
images, Adam at 2e-3, batches of 64 source + 64 target images, the course's ResNet from
random initialisation, as in Ganin et al. 2016):

- ``selection``: each aligning method's weight, chosen on MNIST -> MNIST-M with a seed (100)
  that the results table does not use. Every grid point records the target test accuracy
  (which picks the weight: the optimistic protocol most papers follow), the labelled source
  test accuracy and the reverse-validation score (Zhong et al. 2010), so the lesson can show
  what choosing WITHOUT target labels would have picked.
- ``table``: source-only, AdaBN, Deep CORAL, MMD, DANN, self-training and the
  train-on-target oracle on MNIST -> MNIST-M, SYNTH -> MNIST and MNIST -> UCI, seeds 0-2.
  SYNTH's source is a 4,000-image subset (400 per class) so every pair trains equally long.
- ``label_shift``: MNIST -> MNIST-M when the target keeps all of digits 0-2 and 10% of the
  rest: aligning marginal feature distributions now pulls the wrong classes together
  (source-only, AdaBN, MMD and DANN, seeds 0-2).
- ``too_far``: MNIST -> MNIST-M turned upside down (rotated 180 degrees): a 6 looks like a
  9, so matching the domains' features can match the wrong digits (source-only, AdaBN, MMD
  and self-training, seeds 0-2).

Every run is stored in ``runs`` for the notebook; the headline figures are the issue's
targets. Finished runs are kept in ``bench/results/.bench_lesson02.partial.jsonl`` so an
interrupted sweep resumes where it stopped (delete it to start over).

    python bench/bench_lesson02.py            # about 60 minutes on a 2-core CPU
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from record import RESULTS_DIR, PartialRuns, this_command, write_result
from tlwidgets.data import LabelledImages, Shift, apply_shift, load_domain, resample_classes
from tlwidgets.train import AdaptConfig, adapt, evaluate, reverse_validation

SEEDS = (0, 1, 2)
SELECTION_SEED = 100  # a seed the table never uses, so the chosen weights are not tuned on it
BUDGET = {"epochs": 20, "lr": 2e-3, "batch_size": 64}
GRID = {
    "coral": (10.0, 100.0, 1000.0, 3000.0),
    "mmd": (3.0, 10.0, 30.0, 100.0),
    "dann": (0.1, 0.3, 1.0),
    "self_training": (0.3, 1.0, 3.0),
}
PAIRS = (("mnist", "mnistm"), ("synth", "mnist"), ("mnist", "uci"))
LABEL_SHIFT_KEEP = [1.0] * 3 + [0.1] * 7  # target: every 0, 1, 2 and 10% of the other digits
TOO_FAR = Shift(rotation=180)
PARTIAL = RESULTS_DIR / ".bench_lesson02.partial.jsonl"


def load_source(name: str) -> LabelledImages:
    """A source's train split; SYNTH is cut to 400 per class like MNIST's 4,000 images."""
    if name == "synth":
        return load_domain("synth", "train", labels_per_class=400, seed=0)
    return load_domain(name, "train")


def upside_down(data: LabelledImages) -> LabelledImages:
    """The same images rotated by 180 degrees (labels unchanged: a 6 stays a 6)."""
    return LabelledImages(
        images=apply_shift(data.images, TOO_FAR),
        labels=data.labels,
        classes=data.classes,
        name=f"{data.name}, upside down",
        split=data.split,
    )


def domains(experiment: str, pair: tuple[str, str]) -> dict[str, LabelledImages]:
    """The four splits one run needs: source train/test, target train/test."""
    source, target = pair
    splits = {
        "source": load_source(source),
        "source_test": load_domain(source, "test"),
        "target": load_domain(target, "train"),
        "target_test": load_domain(target, "test"),
    }
    if experiment == "label_shift":
        splits["target"] = resample_classes(splits["target"], LABEL_SHIFT_KEEP, seed=0)
        splits["target_test"] = resample_classes(splits["target_test"], LABEL_SHIFT_KEEP, seed=0)
    if experiment == "too_far":
        splits["target"] = upside_down(splits["target"])
        splits["target_test"] = upside_down(splits["target_test"])
    return splits


DONE = PartialRuns(PARTIAL, ("experiment", "source", "target", "method", "weight", "seed"))


def run(
    experiment: str,
    pair: tuple[str, str],
    method: str,
    seed: int,
    weight: float = 0.0,
    reverse: bool = False,
) -> Iterable[dict[str, Any]]:
    """Train one method on one pair; yield its row (and source-only's, for AdaBN)."""
    base = {"experiment": experiment, "source": pair[0], "target": pair[1], "seed": seed}
    wanted = [{**base, "method": method, "weight": weight}]
    if method == "adabn":  # AdaBN's run IS the source-only run, measured before and after
        wanted.insert(0, {**base, "method": "source_only", "weight": 0.0})
    if all(DONE.get(row) for row in wanted):
        yield from (DONE.get(row) for row in wanted)
        return
    data = domains(experiment, pair)
    config = AdaptConfig(method=method, weight=weight, seed=seed, **BUDGET)
    started = time.perf_counter()
    model, history = adapt(
        config,
        source=data["source"],
        target=data["target"],
        target_test=data["target_test"],
        source_test=data["source_test"],
    )
    seconds = round(time.perf_counter() - started, 2)
    epochs = [row for row in history.epochs if "adabn" not in row]
    rows = [
        {
            **wanted[-1],
            "acc": round(history.last("target_acc"), 4),
            "source_acc": round(history.last("source_acc"), 4),
            "acc_per_epoch": [round(row["target_acc"], 4) for row in epochs],
            "seconds": seconds,
        }
    ]
    if method == "adabn":
        rows.insert(
            0,
            {
                **wanted[0],
                "acc": round(epochs[-1]["target_acc"], 4),
                "source_acc": round(epochs[-1]["source_acc"], 4),
                "acc_per_epoch": rows[0]["acc_per_epoch"],
                "seconds": seconds,
            },
        )
    if reverse:
        rows[-1]["reverse_acc"] = round(
            reverse_validation(model, data["target"].images, data["source_test"], seed=seed), 4
        )
        rows[-1]["source_val_acc"] = round(evaluate(model, data["source_test"])["acc"], 4)
    for row in rows:
        DONE.add(row)
        print({k: v for k, v in row.items() if k != "acc_per_epoch"}, flush=True)
    yield from rows


def selection() -> list[dict[str, Any]]:
    """Every aligning method at every grid weight, plus source-only, on the selection seed."""
    pair = PAIRS[0]
    rows = [*run("selection", pair, "source_only", SELECTION_SEED, reverse=True)]
    for method, weights in GRID.items():
        for weight in weights:
            rows += run("selection", pair, method, SELECTION_SEED, weight, reverse=True)
    return rows


def chosen_weights(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Each aligning method's weight with the best target accuracy on the selection seed."""
    return {
        method: max((r for r in rows if r["method"] == method), key=lambda r: r["acc"])["weight"]
        for method in GRID
    }


def table(weights: dict[str, float]) -> list[dict[str, Any]]:
    """Every method on every pair and seed (AdaBN's run also gives source-only's row)."""
    rows = []
    for pair in PAIRS:
        for seed in SEEDS:
            rows += run("table", pair, "adabn", seed)
            rows += run("table", pair, "oracle", seed)
            for method, weight in weights.items():
                rows += run("table", pair, method, seed, weight)
    return rows


def failures(weights: dict[str, float]) -> list[dict[str, Any]]:
    """Label shift and a too-far target: source-only against the aligning methods."""
    rows = []
    for experiment, methods in (
        ("label_shift", ("mmd", "dann")),
        ("too_far", ("mmd", "self_training")),
    ):
        for seed in SEEDS:
            rows += run(experiment, PAIRS[0], "adabn", seed)
            for method in methods:
                rows += run(experiment, PAIRS[0], method, seed, weights[method])
    return rows


def mean_std(rows: list[dict[str, Any]], key: str = "acc", **match: Any) -> tuple[float, float]:
    """Mean and sample standard deviation of ``key`` over the rows matching ``match``."""
    values = [row[key] for row in rows if all(row.get(k) == v for k, v in match.items())]
    if not values:
        raise ValueError(f"no runs match {match}")
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), spread


def gap_closed(rows: list[dict[str, Any]], method: str, pair: tuple[str, str]) -> float:
    """(method - source-only) / (oracle - source-only), on the means over seeds."""
    where = {"source": pair[0], "target": pair[1]}
    low, _ = mean_std(rows, method="source_only", **where)
    high, _ = mean_std(rows, method="oracle", **where)
    return (mean_std(rows, method=method, **where)[0] - low) / (high - low)


def figures_from(rows: list[dict[str, Any]], weights: dict[str, float]) -> list[dict[str, Any]]:
    """The issue's targets and the headline numbers."""
    table_rows = [row for row in rows if row["experiment"] == "table"]
    methods = ("adabn", "coral", "mmd", "dann", "self_training")
    figures = []
    best = max(methods, key=lambda m: gap_closed(table_rows, m, PAIRS[0]))
    mean, spread = mean_std(table_rows, method=best, source="mnist", target="mnistm")
    figures += [
        {
            "name": "MNIST -> MNIST-M: best method's share of the source-only -> oracle gap",
            "value": round(gap_closed(table_rows, best, PAIRS[0]), 3),
            "unit": "ratio",
            "target": ">= 0.6",
            "note": f"{best}, mean of seeds 0-2; DANN in Ganin et al. 2016 closes 0.56",
        },
        {
            "name": "MNIST -> MNIST-M: best method's accuracy",
            "value": round(mean, 4),
            "unit": "acc",
            "note": f"{best}, {mean:.1%} +/- {spread:.1%} over seeds 0-2",
        },
        {
            "name": "MNIST -> MNIST-M: best method's training time",
            "value": round(mean_std(table_rows, "seconds", method=best, source="mnist")[0], 1),
            "unit": "s",
            "note": "one run at the lesson's budget, which the notebook runs live",
        },
    ]
    for method in ("source_only", "oracle"):
        mean, spread = mean_std(table_rows, method=method, source="mnist", target="mnistm")
        figures.append(
            {
                "name": f"MNIST -> MNIST-M: {method} accuracy",
                "value": round(mean, 4),
                "unit": "acc",
                "note": f"+/- {spread:.1%} over seeds 0-2",
            }
        )
    for method in methods:
        gains = [
            mean_std(table_rows, method=method, source=s, target=t)[0]
            - mean_std(table_rows, method="source_only", source=s, target=t)[0]
            for s, t in PAIRS
        ]
        figures.append(
            {
                "name": f"{method}: best gain over source-only across the three pairs",
                "value": round(max(gains), 4),
                "unit": "acc",
                "target": "> 0",
                "note": "per pair: "
                + ", ".join(f"{s}->{t} {g:+.1%}" for (s, t), g in zip(PAIRS, gains, strict=True))
                + (f"; weight {weights[method]:g}" if method in weights else ""),
            }
        )
    return figures


def main() -> None:
    """Run the four experiments and record every run and the headline figures."""
    started = time.perf_counter()
    rows = selection()
    weights = chosen_weights(rows)
    print("chosen weights:", weights, flush=True)
    rows += table(weights)
    rows += failures(weights)
    figures = figures_from(rows, weights)
    figures.append(
        {
            "name": "sweep time",
            "value": round(sum(row["seconds"] for row in rows if row["method"] != "source_only")),
            "unit": "s",
            "note": f"{len(rows)} rows; this invocation took {time.perf_counter() - started:.0f} s",
        }
    )
    chosen = [{"experiment": "chosen_weight", "method": m, "weight": w} for m, w in weights.items()]
    path = write_result(Path(__file__).stem, figures, this_command(), runs=chosen + rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
