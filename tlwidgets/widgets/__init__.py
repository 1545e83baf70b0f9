"""Widgets: ipywidgets panels that configure and call ``train``/``analysis``, nothing more.

- :class:`FineTuneLab`: fine-tune a pretrained backbone live, stop, compare runs.
- :class:`FeatureExplorer`: see what a network learned (2-D maps, filters, activations).
- :class:`DomainShiftExplorer`: dial a domain shift, watch accuracy fall, adapt to it.
- :class:`TaskBalancer`: weight the tasks of a multitask network, see their trade-off front.
- :class:`EpisodePlayground`: play few-shot episodes, keep the score, draw your own symbols.
- :class:`TextPlayground`: type a sentence, see its neighbours, a classifier's and zero-shot scores.

They use core ipywidgets only, so they work in JupyterLab, Colab, VS Code and Voila.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "DomainShiftExplorer",
    "EpisodePlayground",
    "FeatureExplorer",
    "FineTuneLab",
    "TaskBalancer",
    "TextPlayground",
]

_HOMES = {
    "FineTuneLab": "finetune_lab",
    "FeatureExplorer": "feature_explorer",
    "DomainShiftExplorer": "domain_shift_explorer",
    "TaskBalancer": "task_balancer",
    "EpisodePlayground": "episode_playground",
    "TextPlayground": "text_playground",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: building a widget module pulls in ipywidgets and matplotlib.
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
