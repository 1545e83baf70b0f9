"""Throughput of training through ``FineTuneLab`` against calling ``transfer()`` directly.

Both run the same config (fine-tune all, every MNIST train image, 2 epochs) on the same data
and device, with no source task; they alternate so that machine noise hits both. The lab is
timed from ``lab.train()`` to the end of ``lab.wait()``, so its background thread, live plot,
progress updates, runs table and comparison plot are all counted. The figure is the ratio of
median throughputs (target >= 0.90: watching a run costs under 10%).

What it once cost (2-core CPU): 0.39, because torch's OpenMP stops spin-waiting once it
manages more threads than CPUs, which the notebook thread's idle team plus the training
thread's team is; the lab now frees the idle team first (``_release_idle_openmp_workers``).
Then 0.90, from a live plot redraw costing two full draws (``tight_layout``); fixed margins
and a 2% drawing budget leave about 0.92.

    python bench/bench_widgets_train.py
"""

from __future__ import annotations

import statistics
import time

from record import this_command, write_result
from tlwidgets.data import load_domain
from tlwidgets.runtime import get_device
from tlwidgets.train import TransferConfig, transfer
from tlwidgets.widgets import FineTuneLab
from tlwidgets.widgets.finetune_lab import LIVE_PLOT_BUSY

ROUNDS = 3
CONFIG = TransferConfig(strategy="finetune_all", epochs=2, batch_size=32, labels_per_class=None)


def direct(train, test, device: str) -> float:
    """One run through transfer(); returns training images per second."""
    start = time.perf_counter()
    transfer(
        CONFIG,
        backbone="resnet",
        pretrained="glyphs-resnet",
        train_data=train,
        val_data=test,
        device=device,
    )
    return CONFIG.epochs * len(train) / (time.perf_counter() - start)


def through_lab(lab: FineTuneLab, train) -> tuple[float, int]:
    """One run through the lab; returns images per second and the live plot's redraws."""
    redraws = lab.live_plot.redraws
    start = time.perf_counter()
    lab.train()
    lab.wait()
    seconds = time.perf_counter() - start
    if lab.last_error is not None or lab.runs[-1].history.status != "completed":
        raise RuntimeError(f"the lab's run failed: {lab.last_error}")
    return CONFIG.epochs * len(train) / seconds, lab.live_plot.redraws - redraws


def main() -> None:
    """Measure both ROUNDS times each, interleaved, and record the ratio."""
    train, test = load_domain("mnist", "train"), load_domain("mnist", "test")
    device = str(get_device())
    lab = FineTuneLab(train, test, source=None, config=CONFIG, device=device)
    direct(train, test, device)  # warm-up
    plain, ours, redraws = [], [], []
    for _ in range(ROUNDS):
        plain.append(direct(train, test, device))
        speed, drawn = through_lab(lab, train)
        ours.append(speed)
        redraws.append(drawn)
    ratio = statistics.median(ours) / statistics.median(plain)
    print(
        f"transfer() {statistics.median(plain):.0f} img/s, FineTuneLab "
        f"{statistics.median(ours):.0f} img/s, ratio {ratio:.3f}, live redraws per run {redraws}"
    )
    note = (
        f"finetune_all resnet from glyphs-resnet, MNIST train ({len(train)} images) x "
        f"{CONFIG.epochs} epochs, batch {CONFIG.batch_size}, no source task, {device}, "
        f"median of {ROUNDS} interleaved runs, model build and evaluation included in both"
    )
    write_result(
        "bench_widgets_train",
        [
            {
                "name": "FineTuneLab / transfer() throughput",
                "value": round(ratio, 3),
                "unit": "ratio",
                "target": ">= 0.90",
                "note": note,
            },
            {
                "name": "FineTuneLab throughput",
                "value": round(statistics.median(ours)),
                "unit": "img/s",
            },
            {
                "name": "transfer() throughput",
                "value": round(statistics.median(plain)),
                "unit": "img/s",
            },
            {
                "name": "live plot redraws per run",
                "value": statistics.median(redraws),
                "unit": "redraws",
                "note": f"throttled by FigureImage (<= 5/s, <= {LIVE_PLOT_BUSY:.0%} of the "
                "time), plus the final frame",
            },
        ],
        command=this_command(),
    )


if __name__ == "__main__":
    main()
