"""Self-checks for lesson 04, few-, one- and zero-shot learning. Each returns Feedback.

1. ``check_1(confidence_interval)``: the 95% interval that few-shot papers report.
2. ``check_2(prototypes)``: the mean support embedding of each class.
3. ``check_3(nearest_prototype)``: label queries by their nearest prototype.
4. ``check_4(dap_class)``: Direct Attribute Prediction, the zero-shot rule of Lampert et al.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from ..data.creatures import UNSEEN, creature_attributes
from ..train.fewshot import compute_prototypes, confidence_interval, squared_distances
from . import solutions
from .checking import as_number, not_a_function, raised, returned_none
from .feedback import Feedback, correct, not_yet

__all__ = ["check_1", "check_2", "check_3", "check_4", "show_solution"]

# Exercise 1: accuracies of a few episodes; 600 seeded ones follow (the usual count).
FEW_ACCURACIES = (0.6, 0.8, 0.7, 0.9, 0.5)
MANY_EPISODES = 600  # from here on, the sample std (ddof 1) is within the tolerance
CI_TOLERANCE = 1e-4  # relative, for a few episodes
CI_TOLERANCE_MANY = 2e-3  # relative: sqrt(600 / 599) - 1 = 0.08% separates the two stds
# Exercise 2: (name, labels, feature size); the classes are not sorted, so blocks of rows fail.
PROTOTYPE_CASES = (
    ("3 classes of 3 shuffled examples", (2, 0, 1, 1, 2, 0, 0, 2, 1), 4),
    ("3 classes of 2, 2 and 3 examples", (2, 0, 1, 0, 2, 2, 1), 3),
)
# Exercise 3: prototypes (N, D) and queries (M, D) on which cosine, dot product and the
# farthest prototype each give other labels than the squared Euclidean distance.
NEAREST_PROTOTYPES = ((1.0, -2.0), (4.0, 1.0), (2.0, -2.0))
NEAREST_QUERIES = ((-1.0, -4.0), (2.0, 2.0), (0.0, 1.0), (-4.0, -2.0), (3.0, -1.0))
# Exercise 4: a giraffe seen as a bit "long" (common among the seen classes) but surely
# yellow and spotted: p(a_g = v | image) for shape, colour, pattern, as in ATTRIBUTES.
GIRAFFE_PROBS = ((0.1, 0.46, 0.44), (0.7, 0.075, 0.075, 0.075, 0.075), (0.1, 0.8, 0.1))
# A long white zebra whose stripes the pattern classifier takes for spots: a snowy owl
# (round, white, spots) fits the colour and pattern, but its shape rules it out.
ZEBRA_PROBS = ((0.01, 0.9, 0.09), (0.01, 0.9, 0.03, 0.03, 0.03), (0.01, 0.95, 0.04))
DAP_RANDOM_IMAGES = 3  # seeded random images follow, scored against all 20 classes


def show_solution(exercise: int) -> solutions.Solution:
    """The reference solution of an exercise of this lesson, shown collapsed."""
    return solutions.show_solution("04", exercise)


def _relatively_close(value: float, expected: float, tolerance: float) -> bool:
    """Relative comparison: an interval of 0.004 must not pass for one of 0.002."""
    return abs(value - expected) <= tolerance * abs(expected) + 1e-12


# Exercise 1: the 95% confidence interval


def _many_accuracies() -> list[float]:
    """600 seeded episode accuracies of 75 queries each (5-way, 15 queries per class)."""
    rng = np.random.default_rng(0)
    return (rng.binomial(75, 0.6, MANY_EPISODES) / 75).tolist()


def _interval_mistakes(accuracies: list[float]) -> list[tuple[str, float]]:
    """What typical wrong intervals return, each with the hint that explains it."""
    n = len(accuracies)
    mean = float(np.mean(accuracies))
    std, sample_std = float(np.std(accuracies)), float(np.std(accuracies, ddof=1))
    right = 1.96 * std / math.sqrt(n)
    mistakes = [
        (
            "that uses the sample standard deviation (ddof=1, the default of torch.std and "
            "pandas). It is a fair estimate too, and over 600 episodes the two differ by under "
            f"0.1%, but over {n} they differ by {math.sqrt(n / (n - 1)) - 1:.0%}: the papers' "
            "code (and tlwidgets.train.fewshot.confidence_interval) use numpy.std, ddof 0. "
            "Use np.std(accuracies) or torch.std(x, correction=0)",
            1.96 * sample_std / math.sqrt(n),
        ),
    ]
    for s in (std, sample_std):
        mistakes += [
            (
                "that is 1.96 * std, the spread of single episodes' accuracies. The interval "
                "is about their MEAN, whose spread shrinks as 1 / sqrt(n): divide by "
                "sqrt(number of episodes)",
                1.96 * s,
            ),
            (
                "that is std / sqrt(n), the standard error of the mean: a 95% interval is "
                "1.96 standard errors either side (1.96 is the normal's 97.5% quantile)",
                s / math.sqrt(n),
            ),
            (
                "divide by sqrt(n), not by n: the mean of n episodes has a variance of "
                "std^2 / n, so its standard deviation is std / sqrt(n)",
                1.96 * s / n,
            ),
            (
                "use the standard deviation (the square root of the variance), not the variance",
                1.96 * s**2 / math.sqrt(n),
            ),
            ("a 95% interval is 1.96 standard errors, not 2", 2 * s / math.sqrt(n)),
            (
                "1.645 standard errors give a 90% interval; a 95% one is 1.96",
                1.645 * s / math.sqrt(n),
            ),
        ]
    mistakes += [
        (
            "that is in percent: keep the accuracies' unit, a fraction in [0, 1] "
            "(str(EpisodeScore) turns it into percent for display)",
            100 * right,
        ),
        ("that is the upper end, mean + half-width: return the half-width alone", mean + right),
        ("that is the lower end, mean - half-width: return the half-width alone", mean - right),
    ]
    return mistakes


def check_1(confidence_interval_fn: Any) -> Feedback:
    """``confidence_interval(accuracies: list of floats in [0, 1]) -> float``: 95% half-width.

    The few-shot papers report ``mean ± 1.96 * std / sqrt(n)`` over n episodes, with the
    population standard deviation (numpy's default, ddof 0).
    """
    hint = not_a_function(confidence_interval_fn, "check_1", "confidence_interval")
    if hint is not None:
        return hint
    for accuracies in (list(FEW_ACCURACIES), _many_accuracies()):
        n = len(accuracies)
        call = f"confidence_interval(accuracies) for {n} episodes"
        try:
            given = confidence_interval_fn(list(accuracies))
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        if isinstance(given, (tuple, list)) and len(given) == 2:
            return not_yet(
                f"{call} returned two values: return the half-width alone, one number; the "
                "interval is mean ± that number"
            )
        value = as_number(given.detach() if isinstance(given, Tensor) else given)
        if value is None:
            return not_yet(f"{call} returned {given!r}; return one number (a float)")
        expected = confidence_interval(accuracies)
        tolerance = CI_TOLERANCE_MANY if n >= MANY_EPISODES else CI_TOLERANCE
        if _relatively_close(value, expected, tolerance):
            continue
        for mistake, wrong in _interval_mistakes(accuracies):
            if _relatively_close(value, wrong, CI_TOLERANCE):
                return not_yet(f"{call} returned {value:.4g}: {mistake}")
        return not_yet(
            f"{call} returned {value:.4g}, not {expected:.4g}: the half-width is "
            "1.96 * std / sqrt(n), with the standard deviation of the n accuracies"
        )
    many = confidence_interval(_many_accuracies())
    return correct(
        f"over {MANY_EPISODES} episodes of 75 queries at 60% the interval is ±{many:.2%}: "
        "halving it takes four times as many episodes. Two methods whose intervals overlap "
        "are not clearly different, which is why papers test on 600 or more episodes. "
        "tlwidgets.train.fewshot.evaluate_episodes reports it as EpisodeScore.ci95; some "
        "code uses the sample std (ddof 1) instead, which over 600 episodes changes it by "
        "under 0.1%"
    )


# Exercise 2: prototypes


def _prototype_cases() -> list[tuple[str, Tensor, Tensor, int]]:
    """(name, embeddings (S, D), labels (S,), n_way): the hand-made cases, then 5-way 5-shot."""
    generator = torch.Generator().manual_seed(0)
    cases = []
    for name, labels, size in PROTOTYPE_CASES:
        embeddings = torch.randn(len(labels), size, generator=generator)  # (S, D)
        cases.append((name, embeddings, torch.tensor(labels), 3))
    labels = torch.arange(5).repeat_interleave(5)[torch.randperm(25, generator=generator)]
    embeddings = torch.randn(25, 64, generator=generator) + 2 * labels[:, None]  # (25, 64)
    cases.append(("5 classes of 5 shuffled examples, 64 features", embeddings, labels, 5))
    return cases


def _as_tensor(given: Any) -> Tensor | None:
    """``given`` as a float tensor (a list of tensors is stacked), or None if it is not one."""
    try:
        if isinstance(given, (list, tuple)) and given and all(isinstance(x, Tensor) for x in given):
            return torch.stack([x.detach() for x in given]).float()
        tensor = torch.as_tensor(given.detach() if isinstance(given, Tensor) else given)
        return tensor.float()
    except Exception:  # strings, objects, ragged lists
        return None


def _same(given: Tensor, expected: Tensor) -> bool:
    return given.shape == expected.shape and bool(
        torch.allclose(given, expected, rtol=1e-4, atol=1e-5)
    )


def _prototype_mistakes(embeddings: Tensor, labels: Tensor, n_way: int) -> dict[str, Tensor]:
    """What typical wrong prototypes (N, D) are, each keyed by the hint that explains it."""
    sums = torch.zeros(n_way, embeddings.shape[1]).index_add_(0, labels, embeddings)
    firsts = torch.stack([embeddings[labels == c][0] for c in range(n_way)])
    mistakes = {
        "that is each class's SUM of embeddings: divide by its number of examples, so a "
        "class with more shots does not get a prototype farther from the origin": sums,
        "that is the first example of each class, as in 1-shot: with K shots the prototype "
        "is the mean of all K": firsts,
    }
    if len(labels) % n_way == 0:
        blocks = embeddings.reshape(n_way, -1, embeddings.shape[1]).mean(dim=1)
        mistakes[
            "that averages consecutive blocks of rows, as if the support set were sorted by "
            "class; it is not: pick each class's rows by its label, embeddings[labels == c]"
        ] = blocks
    return mistakes


def _prototype_shape_hint(shape: tuple[int, ...], s: int, d: int, n_way: int) -> str:
    """What a prototypes tensor of the wrong ``shape`` suggests went wrong."""
    if shape == (d, n_way):
        return "the transpose: one prototype per ROW, (n_way, D)"
    if shape == (s,):
        return (
            "one number per example: the mean was over the features (dim=1); average a "
            "class's rows, over dim=0"
        )
    if shape == (d,):
        return (
            "the mean of ALL the embeddings: one prototype per class, each the mean over "
            "that class's rows only"
        )
    return f"one prototype of {d} features per class, (n_way, D) = ({n_way}, {d})"


def check_2(prototypes: Any) -> Feedback:
    """``prototypes(embeddings (S, D), labels (S,) int64 in 0..n_way-1, n_way) -> (N, D)``.

    Row c is the mean of the embeddings labelled c: the class's prototype (Snell et al.,
    2017). The support set is not sorted by label, and classes may have different counts.
    """
    hint = not_a_function(prototypes, "check_2", "prototypes")
    if hint is not None:
        return hint
    for name, embeddings, labels, n_way in _prototype_cases():
        s, d = embeddings.shape
        call = f"prototypes(embeddings, labels, {n_way}) for {name}"
        inputs = (embeddings.clone(), labels.clone())
        try:
            given = prototypes(*inputs, n_way)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if isinstance(error, RuntimeError) and ("view" in str(error) or "shape" in str(error)):
                return not_yet(
                    f"{feedback.message}. Classes may have different numbers of examples, in "
                    "any order: pick each class's rows by label, embeddings[labels == c]"
                )
            return feedback
        if given is None:
            return returned_none(call)
        if not (torch.equal(inputs[0], embeddings) and torch.equal(inputs[1], labels)):
            return not_yet(
                f"{call} changed the embeddings or labels in place: build the prototypes in "
                "a new tensor"
            )
        tensor = _as_tensor(given)
        if tensor is None:
            return not_yet(f"{call} returned {given!r}; return a tensor (n_way, D)")
        if tensor.shape != (n_way, d):
            shape = tuple(tensor.shape)
            return not_yet(
                f"{call} returned shape {shape}, not ({n_way}, {d}): "
                f"{_prototype_shape_hint(shape, s, d, n_way)}"
            )
        expected = compute_prototypes(embeddings, labels, n_way)  # (N, D)
        if _same(tensor, expected):
            continue
        for mistake, wrong in _prototype_mistakes(embeddings, labels, n_way).items():
            if _same(tensor, wrong):
                return not_yet(f"{call}: {mistake}")
        matches = [
            next((c for c in range(n_way) if _same(row, expected[c])), None) for row in tensor
        ]
        if None not in matches and sorted(matches) == list(range(n_way)):
            return not_yet(
                f"{call}: these are the right prototypes in the wrong order (row {matches[0]}'s "
                "prototype is in row 0): row c must be class c's, so that the nearest "
                "prototype's row is the predicted label"
            )
        return not_yet(
            f"{call} is not the class means: row c must be embeddings[labels == c].mean(dim=0)"
        )
    return correct(
        "a prototype is all a Prototypical Network keeps of a class: with one shot it is the "
        "example itself, with more the mean, which averages away each example's quirks. "
        "tlwidgets.train.fewshot.compute_prototypes does the same with a one-hot matrix, "
        "prototypes = one_hot.T @ embeddings / counts, in one matrix product"
    )


# Exercise 3: nearest prototype


def _nearest_cases() -> list[tuple[str, Tensor, Tensor]]:
    """(name, queries (M, D), prototypes (N, D)): the hand-made case, then a random one."""
    generator = torch.Generator().manual_seed(0)
    prototypes = torch.randn(5, 16, generator=generator)  # (5, 16)
    queries = prototypes.repeat(4, 1) + torch.randn(20, 16, generator=generator)  # (20, 16)
    return [
        (
            "5 queries and 3 prototypes in 2-D",
            torch.tensor(NEAREST_QUERIES),
            torch.tensor(NEAREST_PROTOTYPES),
        ),
        ("20 queries and 5 prototypes of 16 features", queries, prototypes),
    ]


def _nearest_mistakes(queries: Tensor, prototypes: Tensor) -> dict[str, Tensor]:
    """What typical wrong labels (M,) are, each keyed by the hint that explains it."""
    distances = squared_distances(queries, prototypes)  # (M, N)
    cosines = F.normalize(queries, dim=1) @ F.normalize(prototypes, dim=1).T  # (M, N)
    return {
        "each query got its FARTHEST prototype: take the argmin of the distances (or the "
        "argmax of minus the distances, the logits of a Prototypical Network)": distances.argmax(
            dim=1
        ),
        "those are the labels of the highest cosine similarity, which ignores how far a "
        "query is and looks only at its direction from the origin. Prototypical Networks "
        "use the squared Euclidean distance, |q - p|^2 (Snell et al. found it better than "
        "cosine)": cosines.argmax(dim=1),
        "those are the labels of the largest dot product q . p, which favours long "
        "prototypes: |q - p|^2 = |q|^2 - 2 q . p + |p|^2, so the |p|^2 term matters": (
            queries @ prototypes.T
        ).argmax(dim=1),
    }


def _as_labels(given: Any, m: int, n: int) -> Tensor | str:
    """``given`` as int64 labels (m,), or what is wrong with it."""
    if isinstance(given, tuple) and hasattr(given, "indices"):  # torch.return_types.min
        return (
            "torch.min(..., dim=1)'s (values, indices) pair: the labels are its .indices "
            "(or use .argmin(dim=1))"
        )
    tensor = _as_tensor(given)
    if tensor is None:
        return f"{given!r}: return a tensor of labels (M,)"
    if tensor.shape == (m, n):
        return (
            f"a matrix of shape {(m, n)}, one score per query and prototype: reduce it to "
            "one label per query with .argmin(dim=1)"
        )
    if tensor.shape == (n,) and m != n:
        return (
            f"{n} labels, one per prototype: take the argmin over the prototypes (dim=1), "
            "giving one label per query"
        )
    if tensor.shape != (m,):
        return f"a tensor of shape {tuple(tensor.shape)}: return one label per query, ({m},)"
    finite = bool(torch.isfinite(tensor).all())
    if not finite or bool(
        (tensor != tensor.round()).any() | (tensor < 0).any() | (tensor >= n).any()
    ):
        return (
            f"numbers that are not labels 0..{n - 1}: return the INDEX of the nearest "
            "prototype (.argmin(dim=1)), not the distance to it (.min(dim=1).values)"
        )
    return tensor.long()


def check_3(nearest_prototype: Any) -> Feedback:
    """``nearest_prototype(queries (M, D), prototypes (N, D)) -> labels (M,) int64``.

    Each query's label is the row of the prototype at the smallest squared Euclidean
    distance.
    """
    hint = not_a_function(nearest_prototype, "check_3", "nearest_prototype")
    if hint is not None:
        return hint
    for name, queries, prototypes in _nearest_cases():
        call = f"nearest_prototype(queries, prototypes) for {name}"
        inputs = (queries.clone(), prototypes.clone())
        try:
            given = nearest_prototype(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            feedback = raised(error, call)
            if isinstance(error, RuntimeError) and "size of tensor" in str(error):
                return not_yet(
                    f"{feedback.message}. queries (M, D) and prototypes (N, D) do not "
                    "broadcast: subtract queries[:, None, :] - prototypes[None, :, :] to get "
                    "every pair, (M, N, D)"
                )
            return feedback
        if given is None:
            return returned_none(call)
        if not (torch.equal(inputs[0], queries) and torch.equal(inputs[1], prototypes)):
            return not_yet(f"{call} changed the queries or prototypes in place")
        labels = _as_labels(given, len(queries), len(prototypes))
        if isinstance(labels, str):
            return not_yet(f"{call} returned {labels}")
        expected = squared_distances(queries, prototypes).argmin(dim=1)  # (M,)
        if torch.equal(labels, expected):
            continue
        for mistake, wrong in _nearest_mistakes(queries, prototypes).items():
            if torch.equal(labels, wrong):
                return not_yet(f"{call}: {mistake}")
        wrong_at = int((labels != expected).nonzero()[0])
        return not_yet(
            f"{call}: query {wrong_at} got {int(labels[wrong_at])}, but prototype "
            f"{int(expected[wrong_at])} is nearer in squared Euclidean distance"
        )
    return correct(
        "this is a Prototypical Network at test time, and tlwidgets' NearestCentroid with a "
        "frozen pretrained backbone: no training on the episode at all. The squared "
        "distance's argmin equals the distance's, but in training the logits are -|q - p|^2: "
        "Snell et al. show that this makes the classifier linear in q, a softmax layer whose "
        "weights are the prototypes"
    )


# Exercise 4: Direct Attribute Prediction


def _dap_cases() -> list[tuple[str, list[Tensor], Tensor, list[Tensor]]]:
    """(name, attribute_probs, class_table (C, G), priors): two stories, then random images.

    The priors are those of the creatures' 15 seen classes, as DAP learns them; the
    giraffe's candidates are the 5 unseen classes, the random images' all 20.
    """
    names, _, values = creature_attributes()
    table = torch.as_tensor(values)  # (20, 3)
    seen = [i for i, name in enumerate(names) if name not in UNSEEN]
    unseen = [names.index(name) for name in UNSEEN]
    sizes = [int(table[:, g].max()) + 1 for g in range(table.shape[1])]
    priors = [
        torch.bincount(table[seen, g], minlength=size).float() / len(seen)
        for g, size in enumerate(sizes)
    ]
    cases = [
        (f"{name} among the 5 unseen classes", [torch.tensor(p) for p in probs], table[unseen])
        for name, probs in (("a giraffe", GIRAFFE_PROBS), ("a zebra", ZEBRA_PROBS))
    ]
    cases = [(name, probs, candidates, priors) for name, probs, candidates in cases]
    generator = torch.Generator().manual_seed(0)
    for image in range(DAP_RANDOM_IMAGES):
        probs = []
        for size in sizes:  # sharp random distributions: Dirichlet(1) raised to a power
            weights = (-torch.rand(size, generator=generator).log()) ** 3
            probs.append(weights / weights.sum())
        cases.append((f"random image {image} among all 20 classes", probs, table, priors))
    return cases


def _dap_scores(probs: list[Tensor], table: Tensor, priors: list[Tensor], kind: str) -> Tensor:
    """Scores (C,) of each candidate by the right rule (kind "log ratio") or a typical wrong one."""
    scores = torch.zeros(len(table))
    for g, (p, prior) in enumerate(zip(probs, priors, strict=True)):
        p, prior = p[table[:, g]], prior[table[:, g]]  # (C,) each
        if kind == "log ratio":
            scores += torch.log(p / prior)
        elif kind == "log p":
            scores += torch.log(p)
        elif kind == "log p * prior":
            scores += torch.log(p * prior)
        elif kind == "ratio":
            scores += p / prior
        elif kind == "p":
            scores += p
    return scores


DAP_MISTAKES = (  # (kind of score, argmax or argmin, hint)
    (
        "log p",
        "max",
        "you ignored the priors. Without them a value that is common among the seen classes "
        "('long', 'plain') wins too often: the attribute classifiers learnt to predict it "
        "whatever the image. DAP divides each p(a_g = v | image) by the prior p(a_g = v), so "
        "only evidence BEYOND what is usual counts. The giraffe: 'tall' at 0.44 is a rarer "
        "value than 'long' at 0.46, so it is the stronger evidence",
    ),
    (
        "log p * prior",
        "max",
        "DIVIDE by the prior, do not multiply: a value that most seen classes share says little "
        "about which class this is, so it must count less, not more",
    ),
    (
        "log ratio",
        "min",
        "that is the LEAST probable candidate: take the argmax of the scores",
    ),
    (
        "ratio",
        "max",
        "add the LOGS of the ratios (or multiply the ratios), do not add the ratios: DAP "
        "treats the attributes as independent, so their probabilities multiply, and one "
        "attribute that rules a class out (a ratio near 0) must sink it",
    ),
    (
        "p",
        "max",
        "adding the probabilities ignores the priors and lets one sure attribute outvote one "
        "that rules the class out: sum the LOGS of p(a_g = v | image) / p(a_g = v)",
    ),
)


def _as_index(given: Any, c: int, g: int) -> int | str:
    """``given`` as a row index into the table (C, G), or what is wrong with it."""
    if isinstance(given, Tensor) and given.numel() > 1:
        if given.shape == (c,):
            return (
                f"{c} numbers, a score per candidate: return the index of the best one, "
                "int(scores.argmax())"
            )
        if given.shape == (g,):
            return (
                "a row of the table, the winning class's attribute values: return its index "
                "(the row number)"
            )
        return f"a tensor of shape {tuple(given.shape)}: return one row index, an int"
    value = as_number(given.detach() if isinstance(given, Tensor) else given)
    if value is None:
        return f"{given!r}: return the index of the best candidate, an int"
    if value != int(value) or not 0 <= value < c:
        return f"{value:g}, which is not a row of the table: return an int in 0..{c - 1}"
    return int(value)


def check_4(dap_class: Any) -> Feedback:
    """``dap_class(attribute_probs, class_table, priors) -> int``: DAP's zero-shot choice.

    A model that has only ever seen yellow chicks, spotted dalmatians and tall llamas can
    still recognise a giraffe, described as tall, yellow and spotted: one classifier per
    attribute says how likely each value is for the image, and the candidate class whose
    description fits best wins (Lampert et al., CVPR 2009).

    Parameters
    ----------
    attribute_probs
        G tensors, one per attribute g (shape, colour, pattern): ``(V_g,)``, the
        probability of each of its values for one image, p(a_g = v | image).
    class_table
        ``(C, G)`` int64: row c holds candidate class c's value index of each attribute.
    priors
        G tensors ``(V_g,)``: p(a_g = v), the fraction of seen classes with value v.

    Returns the candidate c maximising ``sum_g log(p_g[v_g(c)] / prior_g[v_g(c)])``.
    """
    hint = not_a_function(dap_class, "check_4", "dap_class")
    if hint is not None:
        return hint
    cases = _dap_cases()
    answers = []
    for name, probs, table, priors in cases:
        call = f"dap_class(attribute_probs, class_table, priors) for {name}"
        inputs = ([p.clone() for p in probs], table.clone(), [p.clone() for p in priors])
        try:
            given = dap_class(*inputs)
        except Exception as error:  # the learner's code: report, do not crash the notebook
            return raised(error, call)
        if given is None:
            return returned_none(call)
        index = _as_index(given, *table.shape)
        if isinstance(index, str):
            return not_yet(f"{call} returned {index}")
        answers.append(index)
    truths = [int(_dap_scores(*case[1:], "log ratio").argmax()) for case in cases]
    if answers == truths:
        giraffe = cases[0][1:]
        without = int(_dap_scores(*giraffe, "log p").argmax())
        return correct(
            f"the giraffe wins only thanks to the priors; without them it would be called a "
            f"{UNSEEN[without]}. DAP never saw a giraffe: it recognised one from a "
            "description, through attributes learnt on other classes. Its weak point is the "
            "same independence: attribute classifiers that err together (yellow often comes "
            "with spots in training) mislead it. tlwidgets.train.zero_shot.DAPClassifier "
            "does this for a whole batch of images at once"
        )
    for kind, best, mistake in DAP_MISTAKES:
        wrong = [int(getattr(_dap_scores(*case[1:], kind), f"arg{best}")()) for case in cases]
        if answers == wrong:
            return not_yet(f"dap_class(...): {mistake}")
    first = next(i for i, (a, t) in enumerate(zip(answers, truths, strict=True)) if a != t)
    return not_yet(
        f"dap_class(attribute_probs, class_table, priors) for {cases[first][0]} returned "
        f"{answers[first]}, not {truths[first]}: score each candidate c by "
        "sum_g log(p_g[v] / prior_g[v]) with v = class_table[c, g], then take the argmax"
    )


FUNCTION_CHECKS: dict[int, Callable[[Any], Feedback]] = {  # checks that take your function
    1: check_1,
    2: check_2,
    3: check_3,
    4: check_4,
}
