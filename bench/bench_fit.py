"""Throughput of ``tlwidgets.train.fit`` against a bare PyTorch loop, in one run.

Both train the same architecture, from the same initial weights, on the same in-memory
MNIST images, with the same optimizer, batch size and memory format; they alternate so
that machine noise hits both. The figure is the ratio of median throughputs (target
>= 0.95: the loop's callbacks, history and checks cost under 5%).

    python bench/bench_fit.py
"""

from __future__ import annotations

import copy
import statistics
import time

import torch
from torch.nn import functional as F

from record import this_command, write_result
from tlwidgets.data import load_domain
from tlwidgets.models import create_backbone
from tlwidgets.train import FitConfig, fit

BATCH_SIZE = 128
ROUNDS = 5


def bare_loop(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """One epoch of the plainest fast loop; returns images per second."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    order = torch.randperm(len(images), generator=generator)
    for first in range(0, len(images), BATCH_SIZE):
        index = order[first : first + BATCH_SIZE]
        x = images[index].contiguous(memory_format=torch.channels_last)
        loss = F.cross_entropy(model(x), labels[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return len(images) / (time.perf_counter() - start)


def fit_loop(model: torch.nn.Module, data) -> float:
    """One epoch through fit(); returns images per second."""
    config = FitConfig(epochs=1, batch_size=BATCH_SIZE, lr=1e-3, device="cpu")
    start = time.perf_counter()
    fit(model, data, config=config)
    return len(data) / (time.perf_counter() - start)


def main() -> None:
    """Measure both loops ROUNDS times each, interleaved, and record the ratio."""
    data = load_domain("mnist", "train")
    torch.manual_seed(0)
    initial = create_backbone("resnet", num_classes=10).to(memory_format=torch.channels_last)
    bare_loop(copy.deepcopy(initial), data.images, data.labels)  # warm-up
    bare, ours = [], []
    for _ in range(ROUNDS):
        bare.append(bare_loop(copy.deepcopy(initial), data.images, data.labels))
        ours.append(fit_loop(copy.deepcopy(initial), data))
    ratio = statistics.median(ours) / statistics.median(bare)
    print(
        f"bare loop {statistics.median(bare):.0f} img/s, fit() {statistics.median(ours):.0f} "
        f"img/s, ratio {ratio:.3f}"
    )
    write_result(
        "bench_fit",
        [
            {
                "name": "fit() / bare loop throughput",
                "value": round(ratio, 3),
                "unit": "ratio",
                "target": ">= 0.95",
                "note": f"resnet, MNIST train ({len(data)} images), batch {BATCH_SIZE}, CPU, "
                f"median of {ROUNDS} interleaved epochs",
            },
            {"name": "fit() throughput", "value": round(statistics.median(ours)), "unit": "img/s"},
            {
                "name": "bare loop throughput",
                "value": round(statistics.median(bare)),
                "unit": "img/s",
            },
        ],
        command=this_command(),
    )


if __name__ == "__main__":
    main()
