"""Training throughput of every registered backbone at 32x32 on this machine's CPU.

Target: >= 500 images/s for each (one optimisation step = forward + backward + Adam step).

    python bench/bench_models.py
"""

from __future__ import annotations

import statistics
import time

import torch
from torch.nn import functional as F

from record import this_command, write_result
from tlwidgets.models import create_backbone, list_backbones

BATCH_SIZE = 128
STEPS = 10


def train_throughput(name: str) -> float:
    """Median images per second over STEPS timed steps, after two warm-up steps."""
    torch.manual_seed(0)
    model = create_backbone(name, num_classes=10).to(memory_format=torch.channels_last).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(BATCH_SIZE, 3, 32, 32).contiguous(memory_format=torch.channels_last)
    labels = torch.randint(0, 10, (BATCH_SIZE,))
    rates = []
    for step in range(STEPS + 2):
        start = time.perf_counter()
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step >= 2:
            rates.append(BATCH_SIZE / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    """Measure each backbone and record its throughput and size."""
    figures = []
    for name in list_backbones():
        rate = train_throughput(name)
        size = sum(p.numel() for p in create_backbone(name).parameters())
        print(f"{name}: {rate:.0f} img/s training, {size / 1e6:.2f}M parameters")
        figures.append(
            {
                "name": f"{name} training throughput",
                "value": round(rate),
                "unit": "img/s",
                "target": ">= 500",
                "note": f"{size / 1e6:.2f}M parameters, batch {BATCH_SIZE}, 32x32, CPU, "
                f"torch threads {torch.get_num_threads()}",
            }
        )
    write_result("bench_models", figures, command=this_command())


if __name__ == "__main__":
    main()
