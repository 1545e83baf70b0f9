"""Domain adaptation explained with a picture: each method on a computed 2-D toy problem.

The toy problem: two classes of 2-D "features" in a labelled source domain, and an unlabelled
target domain made by moving the source (rotation, anisotropic scaling, translation) and
drawing fresh noise. Everything drawn is computed from the points, deterministically per seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from sklearn.linear_model import LogisticRegression

from .figure import CourseFigure, new_figure
from .scatter import DOMAIN_MARKERS, class_colours, class_markers

__all__ = ["METHODS", "alignment_picture"]

METHODS = ("source_only", "adabn", "coral", "mmd", "dann", "self_training")
CONFIDENCE = 0.9  # self-training keeps pseudo-labels whose probability is at least this
_COLOURS = class_colours(2)  # the course's class colours (blue, orange: colour-blind safe)
_MARKERS = class_markers(2)  # and shapes (circle, square): a class is not told by colour alone
_GREY = "0.6"  # target points without a confident pseudo-label
_IDEAS = {
    "source_only": "Source only: train on the labelled source, use the same line on the target",
    "adabn": "AdaBN: standardise each domain with its own mean and std (re-estimated BatchNorm)",
    "coral": "CORAL: whiten the source, re-colour it with the target covariance, retrain",
    "mmd": "MMD: move the features until the two domains' kernel mean embeddings coincide",
    "dann": "DANN: align the features until a domain classifier cannot tell the domains apart",
    "self_training": "Self-training: label the target points the classifier is sure of, refit",
}


@dataclass(frozen=True)
class _Toy:
    source: np.ndarray  # (N, 2) labelled source features
    source_labels: np.ndarray  # (N,) classes 0/1
    target: np.ndarray  # (M, 2) target features
    target_labels: np.ndarray  # (M,) ground truth: colours and scores only, never used to fit


@dataclass
class _Panel:
    source: np.ndarray  # (N, 2) source points as drawn
    source_labels: np.ndarray  # (N,) their classes
    target: np.ndarray  # (M, 2) target points as drawn
    target_colours: np.ndarray  # (M,) the class whose colour and marker each target point
    # gets; -1: a grey triangle
    classifier: LogisticRegression  # drawn as the class line
    title: str = ""
    wrong: np.ndarray | None = None  # (M,) bool: target points crossed with a black x
    domain_classifier: LogisticRegression | None = None  # dashed source-vs-target line
    show_means: bool = False  # each domain's mean as a big marker, joined by an arrow
    scores: dict[str, float] = field(default_factory=dict)  # the numbers in the title


def _toy_domains(seed: int = 0, n_per_class: int = 150) -> _Toy:
    """Source: two Gaussian blobs; target: a fresh sample, scaled, rotated 35° and moved."""
    rng = np.random.default_rng(seed)

    def blobs() -> tuple[np.ndarray, np.ndarray]:
        labels = np.repeat([0, 1], n_per_class)
        means = np.array([[-1.6, 0.0], [1.6, 0.0]])[labels]
        return means + rng.normal(scale=[0.55, 1.0], size=means.shape), labels

    source, source_labels = blobs()
    angle = np.deg2rad(35)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    move = rotation @ np.diag([1.2, 0.7])
    target, target_labels = blobs()
    return _Toy(source, source_labels, target @ move.T + [1.5, 3.5], target_labels)


def _fit_line(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """A linear classifier of points ``x`` (n, 2) into labels ``y`` (n,)."""
    return LogisticRegression().fit(x, y)


def _accuracy(model: LogisticRegression, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(model.predict(x) == y))


def _standardise(x: np.ndarray) -> np.ndarray:
    """Each axis to zero mean and unit std, with the statistics of ``x`` itself (AdaBN)."""
    return (x - x.mean(axis=0)) / x.std(axis=0)


def _covariance_power(x: np.ndarray, power: float, eps: float = 1e-3) -> np.ndarray:
    """(cov(x) + eps I) ** power, through the eigendecomposition of the covariance."""
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False) + eps * np.eye(x.shape[1]))
    return (vectors * values**power) @ vectors.T


def _coral_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """CORAL's closed form: source (N, d) whitened, then re-coloured with the target covariance."""
    return source @ _covariance_power(source, -0.5) @ _covariance_power(target, 0.5)


def _align(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Match both moments: CORAL about the source mean, then onto the target mean."""
    return _coral_transform(source - source.mean(axis=0), target) + target.mean(axis=0)


def _pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances (N+M, N+M) between all points of a (N, d) and b (M, d) pooled."""
    points = np.concatenate([a, b])
    return np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))


def _mmd(a: np.ndarray, b: np.ndarray, bandwidth: float) -> float:
    """Squared MMD (biased estimate) of samples a (N, d) and b (M, d), Gaussian kernel."""
    kernel = np.exp(-(_pairwise_distances(a, b) ** 2) / (2 * bandwidth**2))
    n = len(a)
    return float(kernel[:n, :n].mean() + kernel[n:, n:].mean() - 2 * kernel[:n, n:].mean())


def _domain_classifier(source: np.ndarray, target: np.ndarray) -> tuple[LogisticRegression, float]:
    """A linear classifier of the domain (source 0, target 1), and its accuracy."""
    points = np.concatenate([source, target])
    domains = np.repeat([0, 1], [len(source), len(target)])
    model = _fit_line(points, domains)
    return model, _accuracy(model, points, domains)


def _pseudo_labels(model: LogisticRegression, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted labels (M,) and whether each one is confident (M,) bool."""
    probabilities = model.predict_proba(target)
    return probabilities.argmax(axis=1), probabilities.max(axis=1) >= CONFIDENCE


def _panel(toy: _Toy, model: LogisticRegression, title: str = "before", **changes: Any) -> _Panel:
    """The toy's points as they are (target in its true colours), with ``changes`` made."""
    panel = _Panel(toy.source, toy.source_labels, toy.target, toy.target_labels, model, title)
    return replace(panel, **changes)


def _before(toy: _Toy) -> _Panel:
    """The toy as it is, with the line of a classifier trained on the source."""
    return _panel(toy, _fit_line(toy.source, toy.source_labels))


def _after(toy: _Toy, model: LogisticRegression, title: str, **changes: Any) -> _Panel:
    """A panel whose title ends with ``model``'s accuracy on its (possibly moved) target."""
    panel = _panel(toy, model, **changes)
    panel.scores["target"] = _accuracy(model, panel.target, toy.target_labels)
    panel.title = f"{title}\ntarget accuracy {panel.scores['target']:.0%}"
    return panel


def _source_only(toy: _Toy) -> tuple[_Panel, _Panel]:
    before = _before(toy)
    model = before.classifier
    source_accuracy = _accuracy(model, toy.source, toy.source_labels)
    wrong = model.predict(toy.target) != toy.target_labels
    after = _after(toy, model, f"source accuracy {source_accuracy:.0%}", wrong=wrong)
    after.scores["source"] = source_accuracy
    return before, after


def _adabn(toy: _Toy) -> tuple[_Panel, _Panel]:
    # A network trained with BatchNorm classifies in the source's standardised space; AdaBN
    # only swaps in the target's own statistics, and the same classifier then sorts the target.
    source, target = _standardise(toy.source), _standardise(toy.target)
    model = _fit_line(source, toy.source_labels)
    title = "after AdaBN: each domain standardised"
    return _before(toy), _after(toy, model, title, source=source, target=target)


def _coral(toy: _Toy) -> tuple[_Panel, _Panel]:
    source = _coral_transform(toy.source, toy.target)
    model = _fit_line(source, toy.source_labels)
    return _before(toy), _after(toy, model, "after CORAL, line retrained", source=source)


def _aligned(toy: _Toy) -> _Panel:
    """The source moved onto the target's mean and covariance, the class line retrained."""
    source = _align(toy.source, toy.target)
    return _after(toy, _fit_line(source, toy.source_labels), "aligned", source=source)


def _mmd_story(toy: _Toy) -> tuple[_Panel, _Panel]:
    before, after = _before(toy), _aligned(toy)
    # the median heuristic on the raw domains gives one kernel for both panels
    bandwidth = float(np.median(_pairwise_distances(toy.source, toy.target)))
    for panel, name in ((before, "before"), (after, "after matching mean and covariance")):
        panel.scores["mmd"] = _mmd(panel.source, panel.target, bandwidth)
        panel.title = f"{name}\nMMD² = {panel.scores['mmd']:.3f}"
        panel.show_means = True
    return before, after


def _dann(toy: _Toy) -> tuple[_Panel, _Panel]:
    before, after = _before(toy), _aligned(toy)
    verdicts = ("the domains are separable", "chance: no line tells them apart")
    for panel, verdict in zip((before, after), verdicts, strict=True):
        panel.domain_classifier, accuracy = _domain_classifier(panel.source, panel.target)
        panel.scores["domain"] = accuracy
        panel.title = f"domain classifier {accuracy:.0%}:\n{verdict}"
    return before, after


def _self_training(toy: _Toy) -> tuple[_Panel, _Panel]:
    before = _before(toy)
    pseudo, confident = _pseudo_labels(before.classifier, toy.target)
    right = pseudo == toy.target_labels
    before.target_colours, before.wrong = np.where(confident, pseudo, -1), confident & ~right
    before.scores = {"pseudo": float(right.mean()), "confident": float(right[confident].mean())}
    before.title = (
        f"target coloured by pseudo-label:\n"
        f"{confident.sum()} of {len(pseudo)} confident, {right[confident].sum()} of them right"
    )
    source = np.concatenate([toy.source, toy.target[confident]])
    labels = np.concatenate([toy.source_labels, pseudo[confident]])
    return before, _after(toy, _fit_line(source, labels), "refit on source + confident ones")


_STORIES: dict[str, Callable[[_Toy], tuple[_Panel, _Panel]]] = {
    "source_only": _source_only,
    "adabn": _adabn,
    "coral": _coral,
    "mmd": _mmd_story,
    "dann": _dann,
    "self_training": _self_training,
}


def _panels(method: str, seed: int = 0) -> tuple[_Panel, _Panel]:
    """The computed "before" and "after" panels of ``method``."""
    if method not in _STORIES:
        raise ValueError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    return _STORIES[method](_toy_domains(seed))


def _draw_line(ax: Axes, model: LogisticRegression, **style: Any) -> None:
    """The decision line w.x + b = 0 of a 2-D linear classifier, across the whole axes."""
    w, b = model.coef_[0], model.intercept_[0]
    if w @ w < 1e-6:  # a flat classifier (chance everywhere) has no line to draw
        return
    point = -b * w / (w @ w)
    direction = np.array([-w[1], w[0]])
    ax.axline(tuple(point), tuple(point + direction), **style)


def _draw_panel(ax: Axes, panel: _Panel) -> None:
    """Source: filled; target: hollow; colour and shape: class (grey triangles: no label)."""
    for label in (0, 1):
        points = panel.source[panel.source_labels == label]
        ax.plot(*points.T, _MARKERS[label], ms=4, mew=0, alpha=0.55, color=_COLOURS[label])
    for label in (-1, 0, 1):
        points = panel.target[panel.target_colours == label]
        colour = _GREY if label < 0 else _COLOURS[label]
        marker = DOMAIN_MARKERS[1] if label < 0 else _MARKERS[label]
        ax.plot(*points.T, marker, ms=4.5, mfc="none", mew=0.9, color=colour)
    if panel.wrong is not None:
        ax.plot(*panel.target[panel.wrong].T, "x", ms=4, mew=1, color="black")
    _draw_line(ax, panel.classifier, color="black", lw=1.5)
    if panel.domain_classifier is not None:
        _draw_line(ax, panel.domain_classifier, color="black", ls="--", lw=1.2)
    if panel.show_means:
        source_mean, target_mean = panel.source.mean(axis=0), panel.target.mean(axis=0)
        arrow = {"arrowstyle": "-|>", "lw": 1.5, "color": "black", "shrinkA": 6, "shrinkB": 6}
        if np.linalg.norm(target_mean - source_mean) > 0.1:
            ax.annotate("", xy=target_mean, xytext=source_mean, arrowprops=arrow)
        ax.plot(*source_mean, "o", ms=10, mfc="black", mec="white", mew=1)
        ax.plot(*target_mean, "^", ms=13, mfc="none", mec="black", mew=2)
    ax.set_title(panel.title, fontsize=9)
    ax.set(xticks=[], yticks=[], xlabel="feature 1")


def _key(label: str, color: Any = "black", **style: Any) -> Line2D:
    """A legend entry: a marker alone if ``style`` names one, else a line."""
    style.setdefault("ls", "none" if "marker" in style else "-")
    return Line2D([], [], ms=6, color=color, label=label, **style)


def _legend_handles(before: _Panel, after: _Panel) -> list[Line2D]:
    """One legend entry per encoding the two panels use."""
    hollow = {"mfc": "none", "mew": 1.2}
    handles = [
        _key("class 0", _COLOURS[0], marker=_MARKERS[0]),
        _key("class 1", _COLOURS[1], marker=_MARKERS[1]),
        _key("source (filled), labelled", "0.3", marker="o"),
        _key("target (hollow): labels unused (true class shown)", "0.3", marker="o", **hollow),
        _key("class line", lw=1.5),
    ]
    if (before.target_colours < 0).any():
        not_confident = f"not confident (p < {CONFIDENCE})"
        handles.append(_key(not_confident, _GREY, marker=DOMAIN_MARKERS[1], **hollow))
    if before.wrong is not None or after.wrong is not None:
        handles.append(_key("wrong label", marker="x"))
    if before.domain_classifier is not None:
        handles.append(_key("domain classifier", ls="--"))
    if before.show_means:
        handles.append(_key("domain means", marker="o"))
    return handles


def _set_limits(axes: Sequence[Axes], panels: tuple[_Panel, _Panel], ratio: float = 1.3) -> None:
    """The same limits on every axes, around every point drawn, at equal scale on x and y.

    The limits are widened to ``ratio`` (width / height), about a panel's shape, so the
    equal-scale axes still fill their half of the figure.
    """
    points = np.concatenate([xy for panel in panels for xy in (panel.source, panel.target)])
    low, high = points.min(axis=0), points.max(axis=0)
    centre, size = (low + high) / 2, 1.1 * (high - low)
    size = np.maximum(size, [size[1] * ratio, size[0] / ratio])
    for ax in axes:
        ax.set(xlim=centre[0] + size[0] * np.array([-0.5, 0.5]))
        ax.set(ylim=centre[1] + size[1] * np.array([-0.5, 0.5]))
        ax.set_aspect("equal", adjustable="box")


def alignment_picture(method: str, seed: int = 0) -> CourseFigure:
    """Show what one unsupervised domain adaptation method does, on a 2-D toy problem.

    Two panels, before and after, with shared axes. Source points are filled, target points
    hollow; the colour and the shape (circle, square) are the class (for the target its true
    class, shown for the picture only: no method uses it). The black line is the linear class
    classifier; every number in the titles is computed. The "after" panel shows:

    - ``"source_only"``: the source line applied to the target, its mistakes crossed out.
    - ``"adabn"``: each domain standardised with its own per-axis mean and std, as
      re-estimated BatchNorm statistics do, under the same source classifier (Li et al.
      2016, "Revisiting batch normalization for practical domain adaptation").
    - ``"coral"``: the source whitened and re-coloured with the target covariance, the
      classifier retrained on it (Sun, Feng & Saenko 2016, "Return of frustratingly easy
      domain adaptation"; Deep CORAL, Sun & Saenko 2016, trains features to do this).
    - ``"mmd"``: each domain's mean, and the squared MMD (Gaussian kernel, median-heuristic
      bandwidth) before and after moving the source onto the target's mean and covariance
      (Long et al. 2015, "Learning transferable features with deep adaptation networks").
    - ``"dann"``: a linear domain classifier (dashed) and its accuracy, before and after the
      same alignment (Ganin et al. 2016, "Domain-adversarial training of neural networks").
    - ``"self_training"``: before, target points coloured by confident pseudo-labels (grey
      triangles below 90% probability); after, the classifier refit on source plus those
      pseudo-labels (Lee 2013, "Pseudo-label: the simple and efficient semi-supervised
      learning method").

    Parameters
    ----------
    method
        One of :data:`METHODS`.
    seed
        Seed of the toy problem; the same seed draws the same picture.

    Returns
    -------
    CourseFigure
        Two axes (before, after), 8 x 3.6 inches, the method's idea as the suptitle.
    """
    panels = _panels(method, seed)
    figure = new_figure(figsize=(8, 3.6), layout="constrained")
    axes = figure.subplots(1, 2)
    for ax, panel in zip(axes, panels, strict=True):
        _draw_panel(ax, panel)
    axes[0].set_ylabel("feature 2")
    _set_limits(axes, panels)
    figure.suptitle(_IDEAS[method], fontsize=10)
    handles = _legend_handles(*panels)
    figure.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=7, frameon=False)
    return figure
