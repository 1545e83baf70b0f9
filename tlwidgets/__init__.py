"""tlwidgets: datasets, models, one training loop and widgets for a transfer-learning course.

The subpackages are imported on first use, so ``import tlwidgets`` stays fast:

- ``tlwidgets.data``: offline digit domains and glyphs (``load_domain``, ``load_glyphs``)
- ``tlwidgets.models``: backbones and the pretrained zoo (``create_backbone``, ``load_pretrained``)
- ``tlwidgets.train``: the one training loop ``fit`` and fine-tuning helpers
- ``tlwidgets.analysis``: feature extraction and projections
- ``tlwidgets.viz``: static figures
- ``tlwidgets.runtime``: device, seeding and the smoke budget
"""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"
__all__ = ["__version__", "analysis", "data", "models", "runtime", "train", "viz"]

_SUBPACKAGES = frozenset({"analysis", "data", "models", "runtime", "train", "viz"})


def __getattr__(name: str) -> ModuleType:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tlwidgets' has no attribute {name!r}")
