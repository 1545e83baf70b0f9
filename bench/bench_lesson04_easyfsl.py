"""Our Prototypical Networks against easyfsl's, on the same episodes, in one run.

easyfsl 1.5 (PyPI ``easyfsl``, a bench-only dependency) is a widely used few-shot library.
Both sides get the same everything: the course's ResNet from the same seeded random
initialisation, the same training episodes (20-way 1-shot, 15 queries per class, drawn by
one ``EpisodeSampler`` from the glyph *background* scripts), Adam at 1e-3, and the same
evaluation episodes (5-way and 20-way 1-shot from the *evaluation* scripts, 600 each),
scored by the same ``evaluate_episodes``. Ours trains with ``train_protonet`` (the course's
one loop); easyfsl's with the loop of its README and example notebooks
(``process_support_set``, forward the queries, cross-entropy on the scores, Adam step).
Seeds run interleaved (ours, easyfsl, ours, ...), so a busy machine slows both alike.

Ours runs twice: with Snell et al.'s squared Euclidean distance in the loss (the paper's and
the course's default) and with the plain Euclidean distance, which is what easyfsl's
``l2_distance_to_prototypes`` uses (``torch.cdist``). The target compares the same
algorithm: ours with the Euclidean distance against easyfsl.

    pip install -e '.[bench]'                  # easyfsl, bench-only
    python bench/bench_lesson04_easyfsl.py     # seeds 0-2, about 9 minutes on a 2-core CPU
"""

from __future__ import annotations

import copy
import statistics
import time
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from record import this_command, write_result
from tlwidgets.data import EpisodeSampler, load_glyphs
from tlwidgets.models import create_backbone, eval_mode
from tlwidgets.runtime import seed_everything
from tlwidgets.train import ProtoNet, evaluate_episodes, train_protonet

try:
    from easyfsl.methods import PrototypicalNetworks
except ImportError as error:  # a bench-only dependency
    raise SystemExit(
        f"{error}: this benchmark needs the bench extra: pip install -e '.[bench]'"
    ) from error

SEEDS = (0, 1, 2)
TRAIN_EPISODES, LR = 300, 1e-3
TRAIN_WAY, QUERIES = 20, 15
TEST_WAYS, TEST_EPISODES = (5, 20), 600


class Pooled(nn.Module):
    """The backbone's pooled features (N, D), the output easyfsl expects from a backbone."""

    def __init__(self, backbone: nn.Module):
        super().__init__()
        self.backbone = backbone

    def forward(self, images: Tensor) -> Tensor:
        """Pooled features (N, D) of images (N, 3, 32, 32)."""
        return self.backbone.forward_head(self.backbone.forward_features(images), pre_logits=True)


class EasyfslClassifier:
    """easyfsl's PrototypicalNetworks behind our ``fit``/``predict`` protocol, for scoring."""

    def __init__(self, model: PrototypicalNetworks):
        self.model = model

    def fit(self, support_images: Tensor, support_labels: Tensor) -> EasyfslClassifier:
        """Store easyfsl's prototypes of the support set."""
        with eval_mode(self.model), torch.no_grad():
            self.model.process_support_set(support_images, support_labels)
        return self

    def predict(self, query_images: Tensor) -> Tensor:
        """Easyfsl's label for each query (M,)."""
        with eval_mode(self.model), torch.no_grad():
            return self.model(query_images).argmax(dim=1)


def train_easyfsl(model: PrototypicalNetworks, sampler: EpisodeSampler, seed: int) -> None:
    """Easyfsl's documented episodic training loop, on our sampler's episodes."""
    order = torch.randperm(TRAIN_EPISODES, generator=seed_everything(seed)).tolist()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    criterion = nn.CrossEntropyLoss()
    model.train()
    for index in order:
        episode = sampler.sample(index)
        optimizer.zero_grad()
        model.process_support_set(episode.support_images, episode.support_labels)
        loss = criterion(model(episode.query_images), episode.query_labels)
        loss.backward()
        optimizer.step()


def scores(classifier: Any, seed: int) -> dict[str, Any]:
    """Accuracy (mean, CI) and seconds on the evaluation episodes, per N-way."""
    evaluation = load_glyphs("evaluation", "all")
    row: dict[str, Any] = {}
    for n_way in TEST_WAYS:
        sampler = EpisodeSampler(evaluation, n_way, 1, QUERIES, seed=1000 + seed)
        score = evaluate_episodes(classifier, sampler, TEST_EPISODES)
        row[f"{n_way}way_acc"] = round(score.mean, 4)
        row[f"{n_way}way_ci95"] = round(score.ci95, 4)
        row[f"{n_way}way_eval_seconds"] = round(score.seconds, 2)
    return row


def run_seed(seed: int) -> list[dict[str, Any]]:
    """Both libraries from the same initial weights on the same episodes."""
    train = EpisodeSampler(load_glyphs("background", "train"), TRAIN_WAY, 1, QUERIES, seed=seed)
    seed_everything(seed)
    initial = create_backbone("resnet", num_classes=0).cpu()
    rows = []
    for library in ("tlwidgets", "easyfsl", "tlwidgets-squared"):
        backbone = copy.deepcopy(initial)
        started = time.perf_counter()
        if library.startswith("tlwidgets"):
            distance = "squared" if library.endswith("squared") else "euclidean"
            train_protonet(
                backbone, train, TRAIN_EPISODES, lr=LR, seed=seed, distance=distance, device="cpu"
            )
            classifier: Any = ProtoNet(backbone)
        else:
            model = PrototypicalNetworks(Pooled(backbone))
            train_easyfsl(model, train, seed)
            classifier = EasyfslClassifier(model)
        seconds = round(time.perf_counter() - started, 2)
        rows.append(
            {"library": library, "seed": seed, "train_seconds": seconds, **scores(classifier, seed)}
        )
        print(rows[-1], flush=True)
    return rows


def mean(rows: list[dict[str, Any]], key: str, library: str) -> float:
    """Mean of ``key`` over the seeds of one library."""
    return statistics.mean(row[key] for row in rows if row["library"] == library)


def main() -> None:
    """Run every seed and record the rows and the headline figures."""
    rows = [row for seed in SEEDS for row in run_seed(seed)]
    figures = []
    for n_way in TEST_WAYS:
        squared = mean(rows, f"{n_way}way_acc", "tlwidgets-squared")
        figures.append(
            {
                "name": f"{n_way}-way 1-shot ProtoNets accuracy, ours with the paper's squared "
                "distance",
                "value": round(squared, 4),
                "unit": "acc",
                "note": "Snell et al.'s loss; the Euclidean rows below are the like-for-like "
                "comparison",
            }
        )
        ours, theirs = (mean(rows, f"{n_way}way_acc", lib) for lib in ("tlwidgets", "easyfsl"))
        figures.append(
            {
                "name": f"{n_way}-way 1-shot ProtoNets accuracy, ours minus easyfsl (Euclidean)",
                "value": round(ours - theirs, 4),
                "unit": "acc",
                "target": ">= 0",
                "note": f"ours {ours:.1%}, easyfsl {theirs:.1%}; {TEST_EPISODES} episodes x "
                f"{len(SEEDS)} seeds, 95% CI per seed in the runs",
            }
        )
    ours, theirs = (mean(rows, "train_seconds", lib) for lib in ("tlwidgets", "easyfsl"))
    figures.append(
        {
            "name": "ProtoNets training time, ours / easyfsl (Euclidean)",
            "value": round(ours / theirs, 3),
            "unit": "ratio",
            "target": "<= 1",
            "note": f"{ours:.1f} s vs {theirs:.1f} s for {TRAIN_EPISODES} episodes of "
            f"{TRAIN_WAY}-way 1-shot on {torch.get_num_threads()} CPU threads",
        }
    )
    path = write_result(Path(__file__).stem, figures, this_command(), runs=rows)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
