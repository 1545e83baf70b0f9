"""Real text for lesson 05: sentiment in four domains, spam in two, polar words in two languages.

The corpora are small gzip'd JSON-lines files committed in ``datasets/text/`` (built once by
``datasets/text/build_text_corpora.py`` from files inside public packages; see its docstring
and the cards ``datasets/text_*.md``). Every read checks the file's sha256 against
``datasets/text/SHA256SUMS``, so an edited or damaged file is refused, never silently used.

>>> from tlwidgets.data.text import load_sentiment
>>> movies = load_sentiment("movies", "train")  # 7,050 snippets, labels 0 = negative, 1 = positive
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .home import source_root
from .splits import sample_per_class

__all__ = [
    "LANGUAGES",
    "LESSON_05_TEXTS",
    "SENTIMENT_DOMAINS",
    "SPAM_DESCRIPTIONS",
    "SPAM_SOURCES",
    "LabelledTexts",
    "LessonTexts",
    "TextCorpusError",
    "load_polarity_words",
    "load_sentiment",
    "load_spam",
    "text_corpora_dir",
    "verify_text_corpora",
]

SENTIMENT_DOMAINS = ("movies", "tweets", "amazon", "nyt")
SPAM_SOURCES = {"email": "email_spam", "sms": "sms_spam"}
LANGUAGES = ("en", "fr")
SPLITS = ("train", "test")
SENTIMENT_CLASSES = ("negative", "positive")
SPAM_CLASSES = ("ham", "spam")
# Zero-shot spam detection (lesson 05): what each class is, in words; no labelled example.
# The first phrasing of each class is the lesson's single description, all of them together
# its description ensemble.
SPAM_DESCRIPTIONS = {
    "ham": (
        "a message from a friend",
        "a casual personal text message",
        "a note about meeting up, family or everyday plans",
    ),
    "spam": (
        "a message trying to sell something",
        "an advertisement or a prize you have won",
        "a text asking you to call a number or reply to claim something",
    ),
}


class TextCorpusError(RuntimeError):
    """A committed text corpus is missing or does not match its recorded sha256."""


@dataclass(frozen=True)
class LabelledTexts:
    """Sentences with integer labels, as the lesson's classifiers take them.

    Attributes
    ----------
    texts
        N strings.
    labels
        Shape (N,), int64 class indices into ``classes``.
    classes
        Class names, e.g. ("negative", "positive").
    name
        Where the texts come from, e.g. "movies/train".
    """

    texts: tuple[str, ...]
    labels: np.ndarray
    classes: tuple[str, ...]
    name: str

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"{len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Sequence[int] | np.ndarray, name: str | None = None) -> LabelledTexts:
        """Return the texts at ``indices`` (shape (M,)), in that order."""
        indices = np.asarray(indices, dtype=np.int64)
        return LabelledTexts(
            tuple(self.texts[i] for i in indices),
            self.labels[indices],
            self.classes,
            name or self.name,
        )

    def per_class(self, k: int, seed: int) -> LabelledTexts:
        """Return ``k`` random texts of every class (a few-label training set)."""
        return self.subset(sample_per_class(self.labels, k, seed), f"{self.name} ({k}/class)")

    def balanced(self, per_class: int, seed: int = 0) -> LabelledTexts:
        """Return at most ``per_class`` random texts of every class, for quick, fair tests."""
        rng = np.random.default_rng(seed)
        keep = [
            rng.permutation(np.flatnonzero(self.labels == label))[:per_class]
            for label in range(len(self.classes))
        ]
        return self.subset(rng.permutation(np.concatenate(keep)))

    def class_counts(self) -> dict[str, int]:
        """Number of texts per class name."""
        counts = np.bincount(self.labels, minlength=len(self.classes))
        return dict(zip(self.classes, counts.tolist(), strict=True))


def text_corpora_dir() -> Path:
    """Return ``datasets/text`` of the source checkout the course runs from.

    Raises
    ------
    TextCorpusError
        When tlwidgets is installed without its checkout (the corpora are not package data).
    """
    root = source_root()
    if root is None:
        raise TextCorpusError(
            "the text corpora live in the course checkout's datasets/text/ folder; run the "
            "course from a clone of the repository (`make lab`), not from an installed copy"
        )
    return root / "datasets" / "text"


@functools.cache
def _read_corpus(name: str) -> tuple[dict, ...]:
    """All records of ``datasets/text/<name>.jsonl.gz``, after checking its sha256."""
    folder = text_corpora_dir()
    path = folder / f"{name}.jsonl.gz"
    sums = dict(reversed(line.split()) for line in (folder / "SHA256SUMS").read_text().splitlines())
    if not path.is_file():
        raise TextCorpusError(f"{path} is missing; restore it with `git checkout -- {path}`")
    payload = path.read_bytes()
    if hashlib.sha256(payload).hexdigest() != sums.get(path.name):
        raise TextCorpusError(
            f"{path} does not match its sha256 in {folder / 'SHA256SUMS'}: it was changed or "
            f"damaged. Restore it with `git checkout -- {path}` (or rebuild all corpora with "
            "datasets/text/build_text_corpora.py)"
        )
    lines = gzip.decompress(payload).decode("utf-8").splitlines()
    return tuple(json.loads(line) for line in lines)


CORPORA = ("sentiment", "sms_spam", "email_spam", "polarity_words")


def verify_text_corpora() -> dict[str, str | None]:
    """Check every committed corpus against its sha256: name -> None if good, else the problem."""
    problems: dict[str, str | None] = {}
    for name in CORPORA:
        try:
            _read_corpus(name)
            problems[name] = None
        except (TextCorpusError, OSError, ValueError) as error:
            problems[name] = str(error)
    return problems


def _check(value: str, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; choose one of {', '.join(allowed)}")


def _select(name: str, split: str, classes: tuple[str, ...], label: str, **match: str):
    _check(split, (*SPLITS, "all"), "split")
    records = [
        r
        for r in _read_corpus(name)
        if split in ("all", r["split"]) and all(r[key] == value for key, value in match.items())
    ]
    texts = tuple(r["text"] for r in records)
    labels = np.array([r["label"] for r in records], dtype=np.int64)
    return LabelledTexts(texts, labels, classes, f"{label}/{split}")


def load_sentiment(domain: str = "movies", split: str = "train") -> LabelledTexts:
    """Sentences rated by people as clearly negative (0) or positive (1).

    Parameters
    ----------
    domain
        "movies" (review snippets), "tweets", "amazon" (product reviews) or "nyt" (editorials)
        - VADER's human-rated sentences (Hutto & Gilbert 2014), neutral ones left out.
    split
        "train" (70%) or "test" (30%), stratified by class, fixed in the corpus file; or
        "all".
    """
    _check(domain, SENTIMENT_DOMAINS, "sentiment domain")
    return _select("sentiment", split, SENTIMENT_CLASSES, domain, domain=domain)


def load_spam(source: str = "sms", split: str = "train") -> LabelledTexts:
    """Messages labelled ham (0) or spam (1).

    Parameters
    ----------
    source
        "sms" (the SMS Spam Collection, 12% spam) or "email" (SpamAssassin: the first
        600 characters of subject and body together, 30% spam).
    split
        "train" (70%), "test" (30%), stratified by class, or "all".
    """
    _check(source, tuple(SPAM_SOURCES), "spam source")
    return _select(SPAM_SOURCES[source], split, SPAM_CLASSES, f"{source} spam")


def load_polarity_words(language: str = "en", split: str = "train") -> LabelledTexts:
    """Single words that are clearly negative (0) or positive (1), in English or French.

    Parameters
    ----------
    language
        "en" (VADER's lexicon, |rating| >= 1 of 4) or "fr" (hand-tagged adjectives of the
        Pattern project's French lexicon, |polarity| >= 0.3 of 1).
    split
        "train" (70%), "test" (30%), stratified by class, or "all".
    """
    _check(language, LANGUAGES, "language")
    return _select(
        "polarity_words", split, SENTIMENT_CLASSES, f"{language} words", language=language
    )


_LOADERS = {
    "sentiment": load_sentiment,
    "spam": load_spam,
    "polarity_words": load_polarity_words,
}


@dataclass(frozen=True)
class LessonTexts:
    """One set of texts a lesson embeds: a corpus split, cut to a per-class size.

    ``LessonTexts("sentiment", "movies", "train", (600, 40)).load(smoke=False)`` is what the
    notebook writes as ``load_sentiment("movies", "train").balanced(budget(600, 40))``.
    """

    corpus: str  # "sentiment", "spam" or "polarity_words": which load_* function
    source: str  # its first argument: a domain, a spam source or a language
    split: str  # "train", "test" or "all"
    per_class: tuple[int, int]  # (full, smoke), as the notebook's budget(full, smoke)
    every_encoder: bool = False  # embedded by every installed encoder, not only MiniLM

    def load(self, smoke: bool) -> LabelledTexts:
        """Return the texts, balanced to the smoke or the full per-class size."""
        _check(self.corpus, tuple(_LOADERS), "corpus")
        texts = _LOADERS[self.corpus](self.source, self.split)
        return texts.balanced(self.per_class[1] if smoke else self.per_class[0])


# Every text set notebooks/05_text_transfer.ipynb embeds, in full and smoke sizes; a test
# checks this table against the notebook. `make cache` embeds them ahead of time.
LESSON_05_TEXTS = (
    LessonTexts("sentiment", "movies", "train", (600, 40)),
    LessonTexts("sentiment", "movies", "test", (500, 40)),
    *(
        LessonTexts("sentiment", domain, split, (300, 30))
        for domain in SENTIMENT_DOMAINS[1:]
        for split in ("train", "test")
    ),
    LessonTexts("spam", "email", "train", (400, 30)),
    LessonTexts("spam", "sms", "train", (300, 20)),
    LessonTexts("spam", "sms", "test", (2000, 40)),
    LessonTexts("polarity_words", "en", "train", (500, 30), every_encoder=True),
    LessonTexts("polarity_words", "en", "test", (300, 30), every_encoder=True),
    LessonTexts("polarity_words", "fr", "all", (1000, 20), every_encoder=True),
)
