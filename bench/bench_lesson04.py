"""Lesson 04's targets and sweeps: few-shot accuracy with 95% CIs, and zero-shot by attributes.

Few-shot: every method scores the SAME 600 episodes of the glyph *evaluation* scripts
(characters the pretrained ``glyphs-resnet`` never saw), 15 queries per class (10 at K = 10:
a character has 20 drawings):

- ``methods``: nearest centroid, nearest neighbour, Baseline and Baseline++ (Chen et al. 2019)
  on ``glyphs-resnet`` features, and Prototypical Networks (Snell et al. 2017) after
  PROTO_EPISODES episodes of 20-way 1-shot training on the *background* scripts, starting
  from ``glyphs-resnet``; 5-way and 20-way 1-shot;
- ``shots``: nearest centroid, nearest neighbour and Baseline++ at K = 1, 2, 5, 10 and
  N = 5, 20;
- ``random``: the methods without training on an untrained network's features (why
  pretraining matters);
- ``cross_domain``: glyph features on digit episodes (mnist, uci): nearest centroid, Baseline
  and ProtoNets (does episodic training on glyphs help or hurt on another domain?).

Zero-shot (``zero_shot``): Direct Attribute Prediction (Lampert et al. 2009) on the unseen
creature classes, every case of ``tlwidgets.train.zero_shot_cases()`` (the standard split
and the ways it breaks) with seeds 0-2; each run keeps its per-class and per-attribute
accuracy and the counts of what each unseen class was called.

    python bench/bench_lesson04.py            # about 30 minutes on a 2-core CPU
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from record import this_command, write_result
from tlwidgets.data import EpisodeSampler, load_domain, load_glyphs
from tlwidgets.data.creatures import CLASSES
from tlwidgets.models import create_backbone, load_pretrained
from tlwidgets.runtime import seed_everything
from tlwidgets.train import (
    Baseline,
    BaselinePlusPlus,
    NearestCentroid,
    NearestNeighbour,
    ProtoNet,
    evaluate_episodes,
    train_protonet,
    train_zero_shot,
)
from tlwidgets.train.zero_shot import zero_shot_cases

EPISODES, QUERIES, SEED = 600, 15, 0
GLYPH_DRAWINGS = 20
PROTO_EPISODES = 300
SHOTS, WAYS = (1, 2, 5, 10), (5, 20)
SHOT_METHODS = ("nearest centroid", "nearest neighbour", "Baseline++")
CROSS_DOMAIN_METHODS = ("nearest centroid", "Baseline", "ProtoNets")
RANDOM_METHODS = ("nearest centroid", "nearest neighbour", "Baseline", "Baseline++")
ZERO_SHOT_SEEDS = (0, 1, 2)


def score(experiment: str, method: str, classifier: Any, data, n_way: int, k_shot: int) -> dict:
    """One row: a classifier on EPISODES episodes of ``data``."""
    n_query = min(QUERIES, GLYPH_DRAWINGS - k_shot)  # a character has 20 drawings
    sampler = EpisodeSampler(data, n_way, k_shot, n_query, seed=SEED)
    result = evaluate_episodes(classifier, sampler, EPISODES)
    row = {
        "experiment": experiment,
        "method": method,
        "data": data.name,
        "n_way": n_way,
        "k_shot": k_shot,
        "n_query": n_query,
        "acc": round(result.mean, 4),
        "ci95": round(result.ci95, 4),
        "seconds": round(result.seconds, 2),
    }
    print(row, flush=True)
    return row


def few_shot() -> list[dict[str, Any]]:
    """Every few-shot experiment on the glyph evaluation scripts (and digits)."""
    evaluation = load_glyphs("evaluation", "all")
    glyph = load_pretrained("glyphs-resnet")
    proto = load_pretrained("glyphs-resnet")
    started = time.perf_counter()
    background = EpisodeSampler(load_glyphs("background", "train"), 20, 1, QUERIES, seed=SEED)
    train_protonet(proto, background, PROTO_EPISODES, seed=SEED)
    proto_seconds = time.perf_counter() - started
    methods = {
        "nearest centroid": NearestCentroid(glyph),
        "nearest neighbour": NearestNeighbour(glyph),
        "Baseline": Baseline(glyph),
        "Baseline++": BaselinePlusPlus(glyph),
        "ProtoNets": ProtoNet(proto),
    }
    rows = []
    for name, classifier in methods.items():
        for n_way in WAYS:
            rows.append(score("methods", name, classifier, evaluation, n_way, 1))
    rows[-1]["train_seconds"] = round(proto_seconds, 1)
    for method in SHOT_METHODS:
        for n_way in WAYS:
            for k_shot in SHOTS:
                rows.append(score("shots", method, methods[method], evaluation, n_way, k_shot))
    seed_everything(SEED)
    untrained = create_backbone("resnet", num_classes=0)
    random_methods = {
        "nearest centroid": NearestCentroid(untrained),
        "nearest neighbour": NearestNeighbour(untrained),
        "Baseline": Baseline(untrained),
        "Baseline++": BaselinePlusPlus(untrained),
    }
    for method in RANDOM_METHODS:
        for n_way in WAYS:
            rows.append(score("random", method, random_methods[method], evaluation, n_way, 1))
    for domain in ("mnist", "uci"):
        digits = load_domain(domain, "test")
        for method in CROSS_DOMAIN_METHODS:
            for k_shot in (1, 5):
                rows.append(score("cross_domain", method, methods[method], digits, 5, k_shot))
    return rows


def zero_shot(case: str, seed: int) -> dict[str, Any]:
    """One zero-shot case of lesson 04 with one seed: DAP on the unseen creatures."""
    run = train_zero_shot(dataclasses.replace(zero_shot_cases()[case], seed=seed))
    names = list(CLASSES)
    called = {
        name: dict(
            Counter(names[i] for i in run.predicted[run.truth == names.index(name)].tolist())
        )
        for name in run.config.unseen
    }
    row = {
        "experiment": "zero_shot",
        "case": case,
        "seed": seed,
        "seen": list(run.config.seen_classes),
        "candidates": list(run.candidates),
        "features": run.config.features,
        "acc": round(run.accuracy, 4),
        "per_class": {name: round(acc, 4) for name, acc in run.per_class.items()},
        "attribute_acc": {name: round(acc, 4) for name, acc in run.attribute_accuracy().items()},
        "called": called,  # unseen class -> {predicted class: test images}
        "seconds": round(run.seconds, 1),
    }
    print(row, flush=True)
    return row


def main() -> None:
    """Run both parts and record every row and the headline figures."""
    rows = few_shot()
    zero = [zero_shot(case, seed) for case in zero_shot_cases() for seed in ZERO_SHOT_SEEDS]
    methods = [row for row in rows if row["experiment"] == "methods"]
    figures = []
    for n_way, target in ((5, ">= 0.95"), (20, ">= 0.85")):
        best = max((row for row in methods if row["n_way"] == n_way), key=lambda row: row["acc"])
        figures.append(
            {
                "name": f"glyph evaluation scripts, {n_way}-way 1-shot, best method",
                "value": best["acc"],
                "unit": "acc",
                "target": target,
                "note": f"{best['method']}, ± {best['ci95']:.1%} (95% CI, {EPISODES} episodes); "
                + ", ".join(
                    f"{row['method']} {row['acc']:.1%}" for row in methods if row["n_way"] == n_way
                ),
            }
        )
    for case in zero_shot_cases():
        runs = [row for row in zero if row["case"] == case]
        accuracies = [row["acc"] for row in runs]
        figures.append(
            {
                "name": f"zero-shot (DAP), {case}",
                "value": round(statistics.mean(accuracies), 4),
                "unit": "acc",
                "target": ">= 0.8" if case == "standard" else None,
                "note": f"seeds {list(ZERO_SHOT_SEEDS)}: "
                + ", ".join(f"{a:.1%}" for a in accuracies)
                + f"; {len(runs[0]['candidates'])} candidates, chance "
                + f"{1 / len(runs[0]['candidates']):.0%}",
            }
        )
    path = write_result(Path(__file__).stem, figures, this_command(), runs=rows + zero)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
