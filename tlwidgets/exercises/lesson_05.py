"""Self-checks for lesson 05, transfer learning for text. Each returns Feedback.

1. ``check_1(most_similar)``: the k bank rows most cosine-similar to a query.
2. ``check_2(balanced_accuracy)``: the mean per-class recall, fair to a rare class.
3. ``check_3(zero_shot_predict)``: label texts by the class description they point towards.
4. ``check_4(centre_on_target)``: move source features onto the target's mean.
5. ``check_5(descriptions)``: your own words for ham and spam, scored by zero-shot detection.

Checks 1 to 4 take your function (numpy arrays in, numpy arrays out) and call it on cases
of their own; check 5 embeds your descriptions with MiniLM (the ``nlp`` extra).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score, f1_score
from torch import Tensor

from ..analysis.alignment import coral_align
from ..analysis.text import (
    cosine_neighbours,
    embed_descriptions,
    embed_texts,
    label_description_scores,
)
from ..data.text import SPAM_DESCRIPTIONS, TextCorpusError, load_spam
from ..models.text_encoder import INSTALL_HINT, SentenceEncoder, TextEncoderError, load_text_encoder
from . import solutions
from .checking import as_number, is_close, not_a_function, raised, returned_none
from .feedback import Feedback, correct, not_yet

__all__ = ["check_1", "check_2", "check_3", "check_4", "check_5", "show_solution"]

# Exercise 1: a query (D,) and a bank (N, D) of rows of different lengths, on which the
# dot product, the Euclidean distance and the cosine each rank other rows first (k = 3).
SIMILAR_QUERY = (2.0, 0.0)
SIMILAR_BANK = ((3.0, 2.0), (-2.0, 1.0), (0.5, 0.05), (0.2, -0.8), (1.0, 0.6), (2.5, -3.0))
# Exercise 2: (name, labels, predictions); 0 is ham, 1 spam. The rows are shuffled.
BALANCED_CASES = (
    (
        "90 ham and 10 spam, 6 spams found and 9 hams flagged",
        (0,) * 90 + (1,) * 10,
        (1,) * 9 + (0,) * 81 + (1,) * 6 + (0,) * 4,
    ),
    ("90 ham and 10 spam, a filter that never says spam", (0,) * 90 + (1,) * 10, (0,) * 100),
    (
        "3 classes of 5, 3 and 4 texts, class 1 never predicted",
        (0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2),
        (0, 0, 0, 0, 2, 0, 0, 2, 2, 2, 2, 0),
    ),
)
# Exercise 3: texts (N, D) and class descriptions (K, D) of different lengths, on which the
# dot product, the Euclidean distance and normalising the wrong axis each give other labels.
ZERO_SHOT_TEXTS = ((1.5, 1.0), (-1.5, 1.5), (-1.0, 0.5), (-0.5, -1.0), (-1.5, -1.5))
ZERO_SHOT_DESCRIPTIONS = ((0.4, 0.0), (0.0, 3.0), (-1.5, -1.5))
# Exercise 4: (N, M, D) of the seeded source and target features.
CENTRE_SHAPES = ((30, 20, 5), (12, 40, 3))
# Exercise 5: zero-shot spam detection on a fixed, balanced part of the SMS test set.
SPAM_PER_CLASS = 150
SPAM_SEED = 0
PASS_MARK = 0.70  # the course's one-line descriptions score about 0.71, its ensemble 0.75
SPAM_CLASSES = ("ham", "spam")
TOLERANCE = 1e-6
ARRAY_RTOL, ARRAY_ATOL = 1e-4, 1e-5  # float32 arithmetic in the learner's code is fine

_ENCODER: SentenceEncoder | None = None  # MiniLM, loaded by the first check_5 (about 8 s)


def show_solution(exercise: int) -> solutions.Solution:
    """The reference solution of an exercise of this lesson, shown collapsed."""
    return solutions.show_solution("05", exercise)


def _as_array(given: Any) -> np.ndarray | None:
    """``given`` (array, tensor, list) as a numeric numpy array, or None if it is not one."""
    if isinstance(given, Tensor):
        given = given.detach().cpu().numpy()
    try:
        array = np.asarray(given)
    except Exception:  # ragged lists and the like
        return None
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        return None
    return array


def _integers(array: np.ndarray, below: int) -> bool:
    """Whether every entry of ``array`` is a whole number in 0..below-1."""
    if not np.isfinite(array).all():
        return False
    return bool((array == np.round(array)).all() and (array >= 0).all() and (array < below).all())


def _unit_rows(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return x / np.linalg.norm(x, axis=axis, keepdims=True)


def _copies(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(a.copy() for a in arrays)


def _unchanged(inputs: tuple[np.ndarray, ...], originals: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(inputs, originals, strict=True))


# Exercise 1: most similar rows


def _similar_cases() -> list[tuple[str, np.ndarray, np.ndarray, int]]:
    """(name, query (D,), bank (N, D), k): the hand-made case, then a random one."""
    rng = np.random.default_rng(0)
    query = rng.normal(size=384)  # (384,)
    towards = rng.uniform(-1, 1, size=(60, 1))  # how much each row points along the query
    lengths = np.exp(rng.uniform(-2, 2, size=(60, 1)))  # from 0.14 to 7.4
    bank = (rng.normal(size=(60, 384)) + towards * query) * lengths  # (60, 384)
    return [
        ("a query and 6 rows in 2-D", np.array(SIMILAR_QUERY), np.array(SIMILAR_BANK), 3),
        ("a query and 60 rows of 384 features", query, bank, 5),
    ]


def _cosines(query: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """Cosine similarity (N,) of every bank row to the query."""
    return _unit_rows(bank) @ _unit_rows(query)


def _similar_mistakes(query: np.ndarray, bank: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """What typical wrong answers (k,) are, each keyed by the hint that explains it."""
    increasing = np.argsort(_cosines(query, bank), kind="stable")  # (N,) least similar first
    by_dot = np.argsort(-(bank @ query), kind="stable")[:k]
    by_distance = np.argsort(np.linalg.norm(bank - query, axis=1), kind="stable")[:k]
    return {
        "those are the rows with the largest DOT PRODUCT, which favours long rows: a row "
        "twice as long scores twice as high, whatever its direction. Divide by the lengths "
        "first, cos = q . b / (|q| |b|): normalise the query and each ROW of the bank "
        "(axis=1)": by_dot,
        "those are the rows NEAREST in Euclidean distance, which on vectors of different "
        "lengths is not the cosine: a short row near the origin is near any query. Normalise "
        "the query and every row to length 1 first, or compute the cosines": by_distance,
        "those are the k LEAST similar rows: np.argsort sorts in increasing order, so take "
        "np.argsort(-similarities)[:k] (or np.argsort(similarities)[::-1][:k])": increasing[:k],
        "those are the right rows, but the least similar of them comes first: the most "
        "similar row must come first (np.argsort sorts in increasing order; reverse it, or "
        "sort -similarities)": increasing[-k:],
    }


def _as_ranking(given: Any, n: int, k: int, cosines: np.ndarray) -> np.ndarray | str:
    """``given`` as k row indices into the bank, or what is wrong with it."""
    if isinstance(given, tuple) and hasattr(given, "indices"):  # torch.return_types.topk
        return "torch.topk's (values, indices) pair: return its .indices"
    if isinstance(given, tuple) and len(given) == 2:
        return (
            "two things (indices and similarities?): return the row indices alone, an array "
            f"of shape ({k},)"
        )
    array = _as_array(given)
    if array is None:
        return f"{given!r}: return an array of {k} row indices"
    if array.shape == (1, k):
        return (
            f"shape (1, {k}), a batch of one query (as cosine_neighbours gives): return its "
            f"one row, shape ({k},), e.g. indices[0]"
        )
    if array.shape == (n,) and n != k:
        if np.allclose(array, cosines, rtol=ARRAY_RTOL, atol=ARRAY_ATOL):
            return (
                f"the similarity of each of the {n} rows to the query: rank them (np.argsort) "
                f"and return the positions of the {k} largest"
            )
        return f"{n} values, one per row of the bank: return only the {k} most similar rows"
    if array.shape != (k,):
        return f"an array of shape {array.shape}: return {k} row indices, shape ({k},)"
    if not _integers(array, n):
        top = np.sort(cosines)[::-1][:k]
        if np.allclose(np.sort(array)[::-1], top, rtol=ARRAY_RTOL, atol=ARRAY_ATOL):
            return (
                f"the {k} largest similarities themselves: return WHERE they are, the row "
                "indices (np.argsort gives positions, np.sort gives values)"
            )
        return (
            f"{np.round(array, 4).tolist()}, which are not row indices 0..{n - 1}: return the "
            "positions of the most similar rows in the bank"
        )
    return array.astype(np.int64)


def check_1(most_similar: Any) -> Feedback:
    """``most_similar(query (D,), bank (N, D), k) -> (k,) int``: the k most similar rows.

    The rows are ranked by cosine similarity to the query, most similar first; neither the
    query nor the rows need be of length 1.
    """
    hint = not_a_function(most_similar, "check_1", "most_similar")
    if hint is not None:
        return hint
    for name, query, bank, k in _similar_cases():
        call = f"most_similar(query, bank, {k}) for {name}"
        inputs = _copies(query, bank)
        try:
            given = most_similar(*inputs, k)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        if not _unchanged(inputs, (query, bank)):
            return not_yet(
                f"{call} changed the query or the bank in place (e.g. bank /= ...): normalise "
                "into a new array, bank / lengths, so the caller's vectors stay as they were"
            )
        cosines = _cosines(query, bank)  # (N,)
        indices = _as_ranking(given, len(bank), k, cosines)
        if isinstance(indices, str):
            return not_yet(f"{call} returned {indices}")
        expected = cosine_neighbours(query[None], bank, k)[0][0]  # (k,)
        if np.array_equal(indices, expected):
            continue
        for mistake, wrong in _similar_mistakes(query, bank, k).items():
            if np.array_equal(indices, wrong):
                return not_yet(f"{call}: {mistake}")
        if sorted(indices.tolist()) == sorted(expected.tolist()):
            return not_yet(
                f"{call} returned the right rows in the wrong order, {indices.tolist()}: the "
                "most similar first, then in decreasing similarity"
            )
        at = int(np.flatnonzero(indices != expected)[0])
        return not_yet(
            f"{call}: position {at} holds row {indices[at]} (cosine "
            f"{cosines[indices[at]]:.3f}), but row {expected[at]} is more similar "
            f"({cosines[expected[at]]:.3f}); rank by q . b / (|q| |b|)"
        )
    return correct(
        "this is semantic search: the nearest sentences in meaning, whatever their words. "
        "tlwidgets.analysis.cosine_neighbours does it for many queries at once. MiniLM's "
        "embeddings come out of length 1, where the dot product IS the cosine; but an average "
        "of embeddings (a class description from several phrasings, a prototype) is shorter, "
        "and then only the cosine ranks by direction alone"
    )


# Exercise 2: balanced accuracy


def _balanced_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, labels (N,), predictions (N,)), each shuffled by one seeded permutation."""
    rng = np.random.default_rng(0)
    cases = []
    for name, labels, predictions in BALANCED_CASES:
        order = rng.permutation(len(labels))
        cases.append((name, np.array(labels)[order], np.array(predictions)[order]))
    return cases


def _per_class(labels: np.ndarray, predictions: np.ndarray) -> dict[str, np.ndarray]:
    """Per true class (K,): recall, precision (nan if never predicted), hits / N, predictions."""
    classes = np.unique(labels)
    hits = np.array([np.sum((labels == c) & (predictions == c)) for c in classes])
    truly = np.array([np.sum(labels == c) for c in classes])
    predicted = np.array([np.sum(predictions == c) for c in classes])
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = hits / predicted
    return {
        "recall": hits / truly,
        "precision": precision,
        "share of all": hits / len(labels),
        "predicted": predicted,
    }


def _balanced_mistakes(labels: np.ndarray, predictions: np.ndarray) -> list[tuple[str, float]]:
    """What typical wrong balanced accuracies return, each with the hint that explains it."""
    stats = _per_class(labels, predictions)
    right = float(np.mean(stats["recall"]))
    never = stats["predicted"] == 0  # (K,) true classes the predictions never name
    precision = stats["precision"]
    mistakes = [
        (
            "that is plain accuracy, the share of all texts predicted right: on 90% ham, a "
            "filter that never says spam gets 90% accuracy but 50% balanced accuracy. Compute "
            "the share found of EACH true class (its recall), then average those",
            float(np.mean(labels == predictions)),
        ),
        (
            "you divided by the number of texts PREDICTED as each class (that is precision); "
            "recall divides by the number of texts that truly ARE in the class, "
            "np.sum(labels == c)",
            float(np.mean(np.nan_to_num(precision, nan=0.0))),
        ),
        (
            "you divided each class's hits by all the texts; divide by the number of texts "
            "in THAT class, np.sum(labels == c), so a rare class counts as much as a common one",
            float(np.mean(stats["share of all"])),
        ),
        (
            f"that is the recall of class {int(labels.max())} alone (the sensitivity); average "
            "the recalls of every class",
            float(stats["recall"][-1]),
        ),
        (
            "that is the macro-averaged F1 score; balanced accuracy averages the recalls only",
            float(f1_score(labels, predictions, average="macro", zero_division=0)),
        ),
        ("return a fraction in [0, 1], not a percentage", 100 * right),
        ("that is the balanced ERROR rate, 1 - balanced accuracy", 1 - right),
    ]
    if not np.isnan(precision).all():
        mistakes.insert(
            2,
            (
                "you divided by the number of texts PREDICTED as each class (precision), "
                "skipping the classes never predicted; recall divides by the number of texts "
                "truly in the class, np.sum(labels == c), which is never 0",
                float(np.nanmean(precision)),
            ),
        )
    if never.any():
        missing = int(np.unique(labels)[never][0])
        mistakes.insert(
            0,
            (
                f"you averaged over the classes that appear in the predictions only; a class "
                f"the filter never predicts (here class {missing}) must count too, with a "
                "recall of 0: loop over the true classes, np.unique(labels)",
                float(np.mean(stats["recall"][~never])),
            ),
        )
    return mistakes


def check_2(balanced_accuracy: Any) -> Feedback:
    """``balanced_accuracy(labels (N,) int, predictions (N,) int) -> float``.

    The mean over the true classes of each class's recall: the share of its texts predicted
    as that class. Classes may be missing from the predictions.
    """
    hint = not_a_function(balanced_accuracy, "check_2", "balanced_accuracy")
    if hint is not None:
        return hint
    for name, labels, predictions in _balanced_cases():
        call = f"balanced_accuracy(labels, predictions) for {name}"
        inputs = _copies(labels, predictions)
        try:
            given = balanced_accuracy(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        if not _unchanged(inputs, (labels, predictions)):
            return not_yet(f"{call} changed the labels or predictions in place")
        value = as_number(given.detach() if isinstance(given, Tensor) else given)
        if value is None:
            if _is_nan(given):
                return not_yet(
                    f"{call} returned nan, a division by 0: a class that is never predicted "
                    "has no predictions to divide by. Did you divide by the number of texts "
                    "PREDICTED as a class (precision)? Recall divides by the number truly in "
                    "the class, np.sum(labels == c), which is never 0"
                )
            return not_yet(f"{call} returned {given!r}; return one number (a float)")
        expected = float(balanced_accuracy_score(labels, predictions))
        if is_close(value, expected, TOLERANCE):
            continue
        for mistake, wrong in _balanced_mistakes(labels, predictions):
            if is_close(value, wrong, TOLERANCE):
                return not_yet(f"{call} returned {value:.4g}: {mistake}")
        return not_yet(
            f"{call} returned {value:.4g}, not {expected:.4g}: for each true class c, the share "
            "of its texts predicted as c (its recall); then the plain mean of those shares"
        )
    return correct(
        "any constant guess scores 1 / (number of classes), whatever the class mix, so "
        "balanced accuracy shows whether a filter finds the rare class at all: never saying "
        "spam scores 90% accuracy on 90% ham, but 50% balanced. sklearn.metrics."
        "balanced_accuracy_score computes the same; TextHead.balanced_accuracy uses it, and "
        "the lesson reports spam results this way"
    )


def _is_nan(given: Any) -> bool:
    try:
        return bool(np.isnan(float(given)))
    except Exception:  # not one number
        return False


# Exercise 3: zero-shot labels from descriptions


def _zero_shot_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, texts (N, D), descriptions (K, D)): the hand-made case, then a random one."""
    rng = np.random.default_rng(0)
    descriptions = rng.normal(size=(4, 384)) * np.array([[0.5], [1.0], [2.0], [4.0]])  # (4, 384)
    classes = rng.integers(0, 4, size=40)
    texts = 3 * _unit_rows(descriptions)[classes] + rng.normal(size=(40, 384))  # (40, 384)
    texts *= np.exp(rng.uniform(-1, 1, size=(40, 1)))  # texts of different lengths too
    return [
        (
            "5 texts and 3 descriptions in 2-D",
            np.array(ZERO_SHOT_TEXTS),
            np.array(ZERO_SHOT_DESCRIPTIONS),
        ),
        ("40 texts and 4 descriptions of 384 features", texts, descriptions),
    ]


def _zero_shot_mistakes(texts: np.ndarray, descriptions: np.ndarray) -> dict[str, np.ndarray]:
    """What typical wrong labels (N,) are, each keyed by the hint that explains it."""
    cosines = _unit_rows(texts) @ _unit_rows(descriptions).T  # (N, K)
    dots = texts @ descriptions.T  # (N, K)
    distances = np.linalg.norm(texts[:, None, :] - descriptions[None, :, :], axis=2)  # (N, K)
    by_columns = _unit_rows(texts, axis=0) @ _unit_rows(descriptions, axis=0).T  # (N, K)
    return {
        "each text got its LEAST similar description: take the argmax of the cosines": (
            cosines.argmin(axis=1)
        ),
        "those are the labels of the largest dot product: the descriptions here have "
        "different lengths (an average of several phrasings is shorter than 1), and the "
        "longest wins too often. Normalise each description (row) to length 1; normalising "
        "the texts does no harm but cannot change a text's argmax": dots.argmax(axis=1),
        "those are the labels of the NEAREST description in Euclidean distance, on vectors of "
        "different lengths: normalise texts and descriptions to length 1 first, or compare "
        "cosines": distances.argmin(axis=1),
        "the vectors were normalised over axis 0 (each feature column) instead of each row: "
        "np.linalg.norm(x, axis=1, keepdims=True)": by_columns.argmax(axis=1),
    }


def _as_labels(given: Any, n: int, k: int) -> np.ndarray | str:
    """``given`` as n class indices 0..k-1, or what is wrong with it."""
    if isinstance(given, tuple) and hasattr(given, "indices"):  # torch.return_types.max
        return "torch.max's (values, indices) pair: the labels are its .indices"
    array = _as_array(given)
    if array is None:
        return f"{given!r}: return an array of {n} class indices"
    if array.shape == (n, k):
        return (
            f"a matrix of shape {(n, k)}, one score per text and class: reduce it to one "
            "label per text with .argmax(axis=1)"
        )
    if array.shape == (k,) and n != k:
        return (
            f"{k} values, one per class: take the argmax over the classes (axis=1 of the "
            "(N, K) similarities), giving one label per text"
        )
    if array.shape == ():
        return (
            "one number for all the texts: .argmax() without an axis flattens the (N, K) "
            "similarities; use .argmax(axis=1)"
        )
    if array.shape != (n,):
        return f"an array of shape {array.shape}: return one label per text, ({n},)"
    if not _integers(array, k):
        return (
            f"numbers that are not classes 0..{k - 1}: return the INDEX of the most similar "
            "description (.argmax(axis=1)), not the similarity (.max(axis=1))"
        )
    return array.astype(np.int64)


def _matmul_failed(error: Exception) -> bool:
    text = str(error)
    return isinstance(error, ValueError) and any(
        word in text for word in ("not aligned", "mismatch", "core dimension")
    )


def check_3(zero_shot_predict: Any) -> Feedback:
    """``zero_shot_predict(text_embeddings (N, D), description_embeddings (K, D)) -> (N,)``.

    Each text's label is the index of the class description with the highest cosine
    similarity to it. Neither texts nor descriptions need be of length 1.
    """
    hint = not_a_function(zero_shot_predict, "check_3", "zero_shot_predict")
    if hint is not None:
        return hint
    for name, texts, descriptions in _zero_shot_cases():
        call = f"zero_shot_predict(text_embeddings, description_embeddings) for {name}"
        inputs = _copies(texts, descriptions)
        try:
            given = zero_shot_predict(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if _matmul_failed(error):
                return not_yet(
                    f"{feedback.message}. Texts (N, D) and descriptions (K, D) share D, their "
                    "last axis: text_embeddings @ description_embeddings.T is (N, K)"
                )
            return feedback
        if given is None:
            return returned_none(call)
        if not _unchanged(inputs, (texts, descriptions)):
            return not_yet(
                f"{call} changed the embeddings in place (e.g. x /= ...): normalise into new arrays"
            )
        labels = _as_labels(given, *[len(x) for x in (texts, descriptions)])
        if isinstance(labels, str):
            return not_yet(f"{call} returned {labels}")
        expected = label_description_scores(texts, descriptions).argmax(axis=1)  # (N,)
        if np.array_equal(labels, expected):
            continue
        for mistake, wrong in _zero_shot_mistakes(texts, descriptions).items():
            if np.array_equal(labels, wrong):
                return not_yet(f"{call}: {mistake}")
        at = int(np.flatnonzero(labels != expected)[0])
        return not_yet(
            f"{call}: text {at} got class {labels[at]}, but description {expected[at]} has a "
            "higher cosine similarity to it"
        )
    return correct(
        "this is zero-shot classification as CLIP does it (Radford et al. 2021), with a "
        "sentence encoder: no labelled example, only a description per class. "
        "tlwidgets.analysis.label_description_scores turns the same cosines into "
        "probabilities with a softmax, whose argmax is your answer; embed_descriptions "
        "averages several phrasings of a class and normalises the mean, which is why the "
        "normalisation matters"
    )


# Exercise 4: centre the source on the target


def _centre_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, source (N, D), target (M, D)), seeded; the domains differ in mean and spread."""
    rng = np.random.default_rng(0)
    cases = []
    for n, m, d in CENTRE_SHAPES:
        source = rng.normal(size=(n, d)) * rng.uniform(0.5, 2, size=d) + rng.normal(size=d)
        target = rng.normal(size=(m, d)) * rng.uniform(2, 4, size=d) + 3 * rng.normal(size=d)
        cases.append((f"source ({n}, {d}) and target ({m}, {d})", source, target))
    return cases


def _centre_mistakes(source: np.ndarray, target: np.ndarray) -> dict[str, np.ndarray]:
    """What typical wrong answers (N, D) are, each keyed by the hint that explains it."""
    mean_s, mean_t = source.mean(axis=0), target.mean(axis=0)  # (D,) each
    standardised = (source - mean_s) / source.std(axis=0)  # (N, D), every feature's std 1
    return {
        "you subtracted the target's mean only: first remove the source's own mean, then add "
        "the target's, source - source mean + target mean": source - mean_t,
        "the source is centred on 0, not on the target: add the target's mean too": (
            source - mean_s
        ),
        "you added the target's mean without first removing the source's own: the result's "
        "mean is source mean + target mean": source + mean_t,
        "you also divided by the source's standard deviation, which changes the spread: move "
        "the features (subtract and add means) and keep their own spread": standardised + mean_t,
        "that also matches each feature's spread to the target's (standardise, then rescale): "
        "this exercise moves the mean only and keeps the source's spread": (
            standardised * target.std(axis=0) + mean_t
        ),
        "mind the sign: the result is source - source mean + target mean, not the target mean "
        "minus the centred source (that mirrors the features)": mean_t - (source - mean_s),
        "you took the mean of every number in the matrix: take each feature's mean over the "
        "rows, .mean(axis=0), shape (D,)": source - source.mean() + target.mean(),
        "that is CORAL, which also matches the covariance: here move the mean only, source - "
        "source mean + target mean": coral_align(source, target).astype(np.float64),
    }


def _as_features(given: Any, n: int, m: int, d: int) -> np.ndarray | str:
    """``given`` as moved source features (N, D), or what is wrong with it."""
    array = _as_array(given)
    if array is None:
        return f"{given!r}: return an array of shape ({n}, {d})"
    if array.shape == (m, d) and m != n:
        return (
            f"{m} rows, the target's number: return the {n} source rows, moved (the target "
            "only gives its mean)"
        )
    if array.shape == (d,):
        return (
            f"one row of {d} numbers (a mean or a shift): return every source row, each moved "
            "by the same shift"
        )
    if array.shape == (n + m, d):
        return f"{n + m} rows, source and target together: return the {n} source rows only"
    if array.shape != (n, d):
        return f"an array of shape {array.shape}: return the source's shape, ({n}, {d})"
    if not np.isfinite(array).all():
        return "values that are not finite (nan or inf): did something divide by 0?"
    return array.astype(np.float64)


def check_4(centre_on_target: Any) -> Feedback:
    """``centre_on_target(source (N, D), target (M, D)) -> (N, D)``: a mean shift.

    The source features move so that their mean is the target's mean, and keep their own
    spread: ``source - source.mean(axis=0) + target.mean(axis=0)``. No label is used.
    """
    hint = not_a_function(centre_on_target, "check_4", "centre_on_target")
    if hint is not None:
        return hint
    for name, source, target in _centre_cases():
        (n, d), m = source.shape, len(target)
        call = f"centre_on_target(source, target) for {name}"
        inputs = _copies(source, target)
        try:
            given = centre_on_target(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if isinstance(error, ValueError) and "broadcast" in str(error):
                return not_yet(
                    f"{feedback.message}. The domains have different numbers of rows ({n} and "
                    f"{m}): .mean(axis=0) gives each one's mean feature vector, shape ({d},), "
                    "which broadcasts over any number of rows"
                )
            return feedback
        if given is None:
            return returned_none(call)
        if not _unchanged(inputs, (source, target)):
            return not_yet(
                f"{call} changed the source or target in place (source -= ...): build a new "
                "array, source - ..., so the caller's features stay as they were"
            )
        moved = _as_features(given, n, m, d)
        if isinstance(moved, str):
            return not_yet(f"{call} returned {moved}")
        expected = source - source.mean(axis=0) + target.mean(axis=0)  # (N, D)
        if np.allclose(moved, expected, rtol=ARRAY_RTOL, atol=ARRAY_ATOL):
            continue
        for mistake, wrong in _centre_mistakes(source, target).items():
            if np.allclose(moved, wrong, rtol=ARRAY_RTOL, atol=ARRAY_ATOL):
                return not_yet(f"{call}: {mistake}")
        return not_yet(
            f"{call} is not the source moved onto the target's mean: subtract the source's "
            "mean feature vector and add the target's, source - source.mean(axis=0) + "
            "target.mean(axis=0)"
        )
    return correct(
        "the simplest alignment that needs no target label: a classifier trained on the "
        "moved source features meets them where the target's lie. tlwidgets.analysis."
        "coral_align also matches the covariance (Sun et al. 2016), and with recentre=True "
        "makes this same mean shift; between text domains the mean shift is often the larger "
        "part of the gap"
    )


# Exercise 5: describe ham and spam in words


def _read_descriptions(answer: Any) -> dict[str, list[str]] | Feedback:
    """The learner's descriptions as {"ham": [...], "spam": [...]}, or a hint."""
    example = "{'ham': 'a message from ...', 'spam': 'a message that ...'}"
    if answer is None:
        return not_yet(
            f"replace None with your descriptions, a dict {example}, then run check_5(descriptions)"
        )
    if callable(answer):
        return not_yet(f"pass your descriptions themselves, a dict {example}, not a function")
    if isinstance(answer, str):
        return not_yet(
            f"one string for two classes: write a description for each, a dict {example}"
        )
    if isinstance(answer, (list, tuple)):
        return not_yet(
            f"a {type(answer).__name__}: say which description is which class with a dict {example}"
        )
    if not isinstance(answer, Mapping):
        return not_yet(f"pass a dict {example} (got {type(answer).__name__})")
    keys = list(answer)
    if set(keys) != set(SPAM_CLASSES):
        if any(isinstance(key, int) for key in keys):
            return not_yet(
                "use the class names as keys, 'ham' and 'spam' (in load_spam, 0 is ham and "
                f"1 is spam), not numbers: got the keys {keys}"
            )
        lower = {key.strip().lower() for key in keys if isinstance(key, str)}
        if set(SPAM_CLASSES) <= lower and len(keys) == 2:
            return not_yet(f"write the keys in lower case, 'ham' and 'spam': got {keys}")
        missing = [c for c in SPAM_CLASSES if c not in answer]
        if missing:
            return not_yet(
                f"the class {missing[0]!r} has no description: the dict needs both keys, "
                f"'ham' and 'spam' (got {keys})"
            )
        extra = [key for key in keys if key not in SPAM_CLASSES]
        return not_yet(f"there are two classes, 'ham' and 'spam'; remove the keys {extra}")
    phrasings: dict[str, list[str]] = {}
    for name in SPAM_CLASSES:
        value = answer[name]
        if value is None:
            return not_yet(f"write a description of {name!r} in place of None")
        entries = [value] if isinstance(value, str) else value
        if not isinstance(entries, (list, tuple)):
            return not_yet(
                f"the description of {name!r} is a {type(value).__name__}: give a string, or "
                "a list of strings (several phrasings, averaged)"
            )
        if not entries:
            return not_yet(f"the list for {name!r} is empty: give at least one description")
        for entry in entries:
            if not isinstance(entry, str):
                return not_yet(
                    f"the descriptions of {name!r} include {entry!r}, a "
                    f"{type(entry).__name__}: each description is a string"
                )
            if not entry.strip():
                return not_yet(
                    f"a description of {name!r} is empty: say in a few words what such a message is"
                )
            if entry.strip() in ("...", "…"):
                return not_yet(f"replace ... with your description of {name!r}")
        phrasings[name] = [entry.strip() for entry in entries]
    if sorted(phrasings["ham"]) == sorted(phrasings["spam"]):
        return not_yet(
            "ham and spam have the same description, so every message is as close to one as "
            "to the other: describe what sets each class apart"
        )
    return phrasings


def _minilm() -> SentenceEncoder:
    """MiniLM, loaded on the first call and kept for the next ones."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = load_text_encoder("minilm")
    return _ENCODER


def _zero_shot_score(
    encoder: SentenceEncoder,
    embeddings: np.ndarray,
    labels: np.ndarray,
    descriptions: Mapping[str, Any],
) -> tuple[float, float, float]:
    """(balanced accuracy, ham recall, spam recall) of zero-shot spam detection."""
    classes = embed_descriptions(encoder, [descriptions[name] for name in SPAM_CLASSES])  # (2, D)
    predictions = label_description_scores(embeddings, classes).argmax(axis=1)  # (N,)
    recalls = [float(np.mean(predictions[labels == c] == c)) for c in range(len(SPAM_CLASSES))]
    return float(np.mean(recalls)), recalls[0], recalls[1]


def _descriptions_hint(phrasings: dict[str, list[str]], ham: float, spam: float) -> str:
    """What to try next when the descriptions scored below the pass mark."""
    if (ham + spam) / 2 < 0.5:
        return (
            "That is below chance (50%): messages match the OTHER class's description "
            "better. Are the descriptions swapped? Ham is the ordinary, wanted message"
        )
    if spam < 0.3:
        return (
            f"They call most messages ham (only {spam:.0%} of the spam is found): "
            "bring the spam description closer to what spam says, prizes, offers, 'call this "
            "number', or make the ham one less general"
        )
    if ham < 0.3:
        return (
            f"They call most messages spam (only {ham:.0%} of the ham gets through): "
            "the ham description is too narrow, or the spam one too general; ham is everyday "
            "talk between people who know each other"
        )
    if any(len(p.split()) == 1 for entries in phrasings.values() for p in entries):
        return (
            "A single word gives the encoder little to go on: describe in a short sentence "
            "what such a message says, who sends it and what it wants"
        )
    return (
        "Describe what each class's messages say or want, in a short sentence; a list of a "
        "few phrasings per class averages away one wording's luck, and a phrasing written "
        "like a typical message can help too"
    )


def check_5(descriptions: Any, encoder: SentenceEncoder | None = None) -> Feedback:
    """``descriptions``: {"ham": str or list of str, "spam": str or list of str}.

    Your descriptions are embedded with MiniLM and used for zero-shot spam detection, with
    no labelled example, on 150 ham and 150 spam messages of the SMS test set. They pass at
    a balanced accuracy of 70%; the feedback compares them with the course's own.

    Parameters
    ----------
    descriptions
        What a message of each class is, in words; a list of several phrasings per class
        is averaged (``embed_descriptions``).
    encoder
        The notebook's MiniLM, to save loading a second one; by default the check loads
        its own once (about 8 s). The pass mark was set for MiniLM.
    """
    phrasings = _read_descriptions(descriptions)
    if isinstance(phrasings, Feedback):
        return phrasings
    try:
        encoder = _minilm() if encoder is None else encoder
    except (TextEncoderError, ImportError) as error:
        detail = str(error) if INSTALL_HINT in str(error) else f"{error}; {INSTALL_HINT}"
        return not_yet(
            f"check_5 embeds your descriptions with the MiniLM sentence encoder, which did "
            f"not load: {detail}"
        )
    try:
        messages = load_spam("sms", "test").balanced(SPAM_PER_CLASS, seed=SPAM_SEED)
    except TextCorpusError as error:
        return not_yet(f"check_5 scores your descriptions on the SMS test set: {error}")
    embeddings = embed_texts(encoder, messages.texts)  # (300, D), cached after the first time
    score, ham, spam = _zero_shot_score(encoder, embeddings, messages.labels, phrasings)
    single = {name: SPAM_DESCRIPTIONS[name][0] for name in SPAM_CLASSES}
    course_single = _zero_shot_score(encoder, embeddings, messages.labels, single)[0]
    course_all = _zero_shot_score(encoder, embeddings, messages.labels, SPAM_DESCRIPTIONS)[0]
    n_each = len(messages) // len(SPAM_CLASSES)
    result = (
        f"your descriptions reach {score:.0%} balanced accuracy on {len(messages)} SMS test "
        f"messages ({n_each} ham, {n_each} spam), finding {spam:.0%} of the spam and letting "
        f"{ham:.0%} of the ham through. The course's descriptions score {course_single:.0%} "
        f"with one phrasing per class and {course_all:.0%} with three"
    )
    if score < PASS_MARK:
        return not_yet(
            f"{result}; the pass mark is {PASS_MARK:.0%}. "
            f"{_descriptions_hint(phrasings, ham, spam)}"
        )
    return correct(
        f"{result}. All without one labelled message: what the encoder learnt in pretraining "
        "about what sentences mean does the work. Zero-shot is a starting point, not the "
        "end: section 4 of the lesson shows how much a head (fit_text_head) on a few "
        "labelled messages per class adds"
    )


FUNCTION_CHECKS: dict[int, Callable[[Any], Feedback]] = {  # checks that take your function
    1: check_1,
    2: check_2,
    3: check_3,
    4: check_4,
}
