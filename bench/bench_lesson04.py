"""Lesson 04's targets and sweeps: few-shot accuracy with 95% CIs, and zero-shot by attributes.

Few-shot: every method scores the SAME 600 episodes of the glyph *evaluation* scripts
(characters the pretrained ``glyphs-resnet`` never saw), 15 queries per class (10 at K = 10:
a character has 20 drawings):

- ``methods``: nearest centroid, nearest neighbour, Baseline and Baseline++ (Chen et al. 2019)
  on ``glyphs-resnet`` features, and Prototypical Networks (Snell et al. 2017) after
  PROTO_EPISODES episodes of 20-way 1-shot training on the *background* scripts, starting
  from ``glyphs-resnet``; 5-way and 20-way 1-shot;
- ``shots``: nearest centroid at K = 1, 2, 5, 10 and N = 5, 20;
- ``random``: nearest centroid on an untrained network's features (why pretraining matters);
- ``cross_domain``: nearest centroid with glyph features on digit episodes (mnist, uci).

Zero-shot (``zero_shot``): Direct Attribute Prediction (Lampert et al. 2009) on the five
unseen creature classes, with features from a small CNN trained on the 15 seen classes
(8 epochs), seeds 0-2; the confusion matrix between unseen classes is kept in the runs.

    python bench/bench_lesson04.py            # about 10 minutes on a 2-core CPU
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from record import this_command, write_result
from tlwidgets.analysis import confusion_matrix, extract_features
from tlwidgets.data import (
    EpisodeSampler,
    creature_attributes,
    load_creatures,
    load_domain,
    load_glyphs,
)
from tlwidgets.models import create_backbone, load_pretrained
from tlwidgets.runtime import seed_everything
from tlwidgets.train import (
    Baseline,
    BaselinePlusPlus,
    FitConfig,
    NearestCentroid,
    NearestNeighbour,
    ProtoNet,
    evaluate_episodes,
    fit,
    fit_attribute_predictors,
    train_protonet,
)

EPISODES, QUERIES, SEED = 600, 15, 0
GLYPH_DRAWINGS = 20
PROTO_EPISODES = 300
SHOTS, WAYS = (1, 2, 5, 10), (5, 20)
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
    for n_way in WAYS:
        for k_shot in SHOTS:
            rows.append(
                score(
                    "shots",
                    "nearest centroid",
                    methods["nearest centroid"],
                    evaluation,
                    n_way,
                    k_shot,
                )
            )
    seed_everything(SEED)
    untrained = NearestCentroid(create_backbone("resnet", num_classes=0))
    for n_way in WAYS:
        rows.append(score("random", "nearest centroid", untrained, evaluation, n_way, 1))
    for domain in ("mnist", "uci"):
        digits = load_domain(domain, "test")
        for k_shot in (1, 5):
            rows.append(
                score(
                    "cross_domain",
                    "nearest centroid",
                    methods["nearest centroid"],
                    digits,
                    5,
                    k_shot,
                )
            )
    return rows


def zero_shot(seed: int) -> dict[str, Any]:
    """DAP on the unseen creatures, with features from a CNN trained on the seen ones."""
    started = time.perf_counter()
    seen, unseen = load_creatures("train", "seen"), load_creatures("test", "unseen")
    seed_everything(seed)
    model = create_backbone("small_cnn", num_classes=len(seen.classes))
    fit(model, seen, config=FitConfig(epochs=8, seed=seed))
    names, _, table = creature_attributes()
    dap = fit_attribute_predictors(extract_features(model, seen), seen.labels, table, seed=seed)
    ids = unseen.labels.unique()
    predicted = dap.predict(extract_features(model, unseen), table[ids])  # index into ids
    truth = (unseen.labels[:, None] == ids[None, :]).float().argmax(dim=1)
    row = {
        "experiment": "zero_shot",
        "seed": seed,
        "classes": [names[i] for i in ids.tolist()],
        "acc": round(float((predicted == truth).float().mean()), 4),
        "confusion": confusion_matrix(predicted, truth, len(ids)).tolist(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(row, flush=True)
    return row


def main() -> None:
    """Run both parts and record every row and the headline figures."""
    rows = few_shot()
    zero = [zero_shot(seed) for seed in ZERO_SHOT_SEEDS]
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
    accuracies = [row["acc"] for row in zero]
    figures.append(
        {
            "name": "zero-shot (DAP), 5 unseen creature classes",
            "value": round(statistics.mean(accuracies), 4),
            "unit": "acc",
            "target": ">= 0.8",
            "note": f"seeds {list(ZERO_SHOT_SEEDS)}: "
            + ", ".join(f"{a:.1%}" for a in accuracies)
            + "; chance 20%; confusion matrices in the runs",
        }
    )
    path = write_result(Path(__file__).stem, figures, this_command(), runs=rows + zero)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
