"""Where code runs and how much of it runs: device choice, seeding and the smoke budget.

Set ``TLW_SMOKE=1`` (the tests do) to shrink data and epochs so that every notebook still
executes every cell in seconds. Notebooks never branch on it themselves: they ask
:func:`budget` for a number and get the full or the smoke value.
"""

from __future__ import annotations

import ctypes
import os
import random
from pathlib import Path
from typing import TypeVar

import numpy as np
import torch

__all__ = [
    "budget",
    "get_device",
    "is_smoke",
    "release_idle_openmp_workers",
    "seed_everything",
]

T = TypeVar("T")

SMOKE_ENV = "TLW_SMOKE"
DEVICE_ENV = "TLW_DEVICE"


def is_smoke() -> bool:
    """Return True when ``TLW_SMOKE`` asks for the quick smoke budget."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def budget(full: T, smoke: T) -> T:
    """Pick the full-mode value, or the smoke value when ``TLW_SMOKE=1``.

    Parameters
    ----------
    full
        What a learner runs (e.g. 10 epochs).
    smoke
        What the tests run so the notebook finishes quickly (e.g. 1 epoch).
    """
    return smoke if is_smoke() else full


def get_device(preferred: str | None = None) -> torch.device:
    """Return the best available device: CUDA, then Apple's MPS, then the CPU.

    Parameters
    ----------
    preferred
        Force a device ("cpu", "cuda", "cuda:1", "mps"). Defaults to ``TLW_DEVICE`` if set.

    Raises
    ------
    ValueError
        If the requested device is not available on this machine.
    """
    preferred = preferred or os.environ.get(DEVICE_ENV) or None
    if preferred is not None:
        device = torch.device(preferred)
        available = {
            "cpu": True,
            "cuda": torch.cuda.is_available(),
            "mps": torch.backends.mps.is_available(),
        }.get(device.type, False)
        if not available:
            raise ValueError(
                f"device {preferred!r} is not available here; use 'cpu'"
                f"{', cuda' if torch.cuda.is_available() else ''}"
                f"{', mps' if torch.backends.mps.is_available() else ''} or unset {DEVICE_ENV}"
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (all devices) and return a CPU generator with that seed.

    The returned generator is what data loaders and samplers should use, so that a run is
    reproducible even when other code draws random numbers in between.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002 - legacy global state that older code still uses
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def release_idle_openmp_workers() -> None:
    """Free the calling thread's idle OpenMP workers before heavy work starts in another thread.

    PyTorch's Linux wheels parallelise with GNU OpenMP, which stops spin-waiting (every
    barrier becomes a sleep and a wake-up) as soon as it manages more threads than there are
    CPUs. The notebook's thread keeps its idle team after any torch call, so a training
    thread's team tips the count over, and on a 2-core laptop training ran at half speed in
    the background. Freeing the idle team keeps a background run as fast as a direct one.
    Elsewhere (no libgomp loaded: macOS, Windows, other OpenMP runtimes) this does nothing.
    """
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return
    paths = {line.split()[-1] for line in maps.splitlines() if "/libgomp" in line}
    for path in paths:
        # Already loaded, so this returns the library in use; omp_pause_resource_all frees
        # only the calling thread's idle workers and is a no-op inside a parallel region.
        pause = getattr(ctypes.CDLL(path), "omp_pause_resource_all", None)
        if pause is not None:
            pause(1)  # omp_pause_soft
