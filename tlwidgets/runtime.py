"""Where code runs and how much of it runs: device choice, seeding and the smoke budget.

Set ``TLW_SMOKE=1`` (the tests do) to shrink data and epochs so that every notebook still
executes every cell in seconds. Notebooks never branch on it themselves: they ask
:func:`budget` for a number and get the full or the smoke value.
"""

from __future__ import annotations

import os
import random
from typing import TypeVar

import numpy as np
import torch

__all__ = ["budget", "get_device", "is_smoke", "seed_everything"]

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
