"""Regenerate the generated parts of the dataset cards in the checkout's ``datasets/`` folder.

Each card ``datasets/<name>.md`` is hand-written prose around one generated block between
``<!-- stats:start -->`` and ``<!-- stats:end -->``; this module rewrites that block (class
counts per task, regression ranges, pixel statistics, fonts or scripts) and the image grids
``datasets/<name>*.png``.
Everything generated is deterministic, so regenerating on the same machine changes nothing.
This is the only module of :mod:`tlwidgets.data` that imports matplotlib.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import numpy as np

from .alphabets import BACKGROUND_SCRIPTS, EVALUATION_SCRIPTS
from .attributes import font_family
from .build import load_arrays
from .domains import DOMAINS
from .home import source_root
from .multitask import MULTITASK_SETS

__all__ = [
    "TEXT_CARDS",
    "cards_dir",
    "creature_stats",
    "digit_stats",
    "glyph_stats",
    "multitask_labels",
    "multitask_stats",
    "text_stats",
    "update_cards",
]

START, END = "<!-- stats:start -->", "<!-- stats:end -->"
MAX_PNG_BYTES = 150_000
PNG_DPI = 90


def cards_dir() -> Path:
    """Return the ``datasets/`` folder of the source checkout.

    Raises
    ------
    FileNotFoundError
        When the package does not run from a source checkout.
    """
    root = source_root()
    if root is None:
        raise FileNotFoundError(
            "dataset cards live in the datasets/ folder of a tlwidgets source checkout; "
            "this copy of the package is installed without one"
        )
    return root / "datasets"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _pixel_stats(x: np.ndarray) -> tuple[str, str]:
    """Per-channel mean and std of uint8 images (N, [3,] H, W), as [0, 1] floats."""
    values = x.astype(np.float64) / 255
    axes = (0, 2, 3) if values.ndim == 4 else (0, 1, 2)
    mean, std = np.atleast_1d(values.mean(axis=axes)), np.atleast_1d(values.std(axis=axes))
    return ", ".join(f"{m:.3f}" for m in mean), ", ".join(f"{s:.3f}" for s in std)


def digit_stats(name: str) -> str:
    """Return the markdown statistics block of a digit domain's card."""
    arrays = load_arrays(name)
    rows, pixel_rows = [], []
    for split in ("train", "test"):
        counts = np.bincount(arrays[f"y_{split}"], minlength=10)
        rows.append([split, *map(str, counts), str(counts.sum())])
        mean, std = _pixel_stats(arrays[f"x_{split}"])
        pixel_rows.append([split, mean, std])
    x = arrays["x_train"]
    channels = "3 (RGB)" if x.ndim == 4 else "1 (grey, replicated to 3 when loaded)"
    parts = [
        f"Stored: uint8, 32 x 32, {channels} channels. "
        "Loaded by `load_domain`: float32 (N, 3, 32, 32) in [0, 1].",
        "",
        "Images per class and split:",
        "",
        _table(["split", *map(str, range(10)), "total"], rows),
        "",
        "Pixel statistics (per channel, over the split, in [0, 1]):",
        "",
        _table(["split", "mean", "std"], pixel_rows),
    ]
    if "font_names" in arrays:
        names = arrays["font_names"].tolist()
        used = Counter(np.concatenate([arrays["font_train"], arrays["font_test"]]).tolist())
        parts += [
            "",
            f"Fonts ({len(names)}, images per font over both splits):",
            "",
            _table(
                ["font file", "images"], [[f"`{n}.ttf`", str(used[i])] for i, n in enumerate(names)]
            ),
        ]
    return "\n".join(parts)


def glyph_stats() -> str:
    """Return the markdown statistics block of the glyphs card."""
    arrays = load_arrays("glyphs")
    scripts = arrays["scripts"].tolist()
    chars = arrays["chars"].tolist()
    drawings = arrays["images"].shape[1]
    rows = []
    for part, names in (("background", BACKGROUND_SCRIPTS), ("evaluation", EVALUATION_SCRIPTS)):
        for script in names:
            members = [c for c, s in zip(chars, scripts, strict=True) if s == script]
            sample = "".join(members[:: max(1, len(members) // 12)][:12])
            rows.append([part, script, str(len(members)), sample])
    totals = Counter(arrays["parts"].tolist())
    reasons = Counter(arrays["excluded_reasons"].tolist())
    parts = [
        f"Stored: uint8 (characters, {drawings}, 32, 32), one grey channel, ink = 255. "
        "Loaded by `load_glyphs`: float32 (N, 3, 32, 32) in [0, 1].",
        "",
        f"Characters: {totals[0]} background and {totals[1]} evaluation, "
        f"{drawings} drawings each (16 `train` + 4 `val`), "
        f"{totals[0] * drawings + totals[1] * drawings} images in all.",
        "",
        _table(["part", "script", "characters", "some of them"], rows),
        "",
        "Candidates excluded by the selection rules:",
        "",
        _table(["reason", "characters"], [[r, str(n)] for r, n in sorted(reasons.items())]),
        "",
        f"Fonts drawn from ({len(arrays['font_names'])}): "
        + ", ".join(f"`{n}`" for n in arrays["font_names"].tolist())
        + ".",
    ]
    return "\n".join(parts)


def _class_columns(name: str, arrays: dict[str, np.ndarray]) -> list[tuple[str, int, list[str]]]:
    """``(task, column of y_*, class names)`` of each classification task of a multitask set."""
    digits = [str(d) for d in range(10)]
    if name == "multimnist":
        return [("left", 0, digits), ("right", 1, digits)]
    return [
        ("digit", 0, digits),
        ("font", 1, arrays["families"].tolist()),
        ("background", 2, arrays["backgrounds"].tolist()),
    ]


def multitask_stats(name: str) -> str:
    """Return the markdown statistics block of a multitask dataset's card.

    Parameters
    ----------
    name
        One of :data:`~tlwidgets.data.MULTITASK_SETS`.

    Returns
    -------
    str
        Image counts, images per class of every classification task and split, the
        regression target's range (``synth_attributes``), pixel statistics, and the
        pairing (``multimnist``) or fonts (``synth_attributes``).
    """
    if name not in MULTITASK_SETS:
        raise ValueError(f"unknown multitask dataset {name!r}; choose from {MULTITASK_SETS}")
    arrays = load_arrays(name)
    splits = ("train", "test")
    channels = "3 (RGB)" if arrays["x_train"].ndim == 4 else "1 (grey, replicated to 3 when loaded)"
    sizes = {split: len(arrays[f"y_{split}"]) for split in splits}
    parts = [
        f"Stored: uint8, 32 x 32, {channels} channels. "
        "Loaded by `load_multitask`: float32 (N, 3, 32, 32) in [0, 1], one target per task.",
        "",
        f"Images: {sizes['train']} train, {sizes['test']} test.",
    ]
    for task, column, classes in _class_columns(name, arrays):
        rows = []
        for split in splits:
            counts = np.bincount(arrays[f"y_{split}"][:, column], minlength=len(classes))
            rows.append([split, *map(str, counts), str(counts.sum())])
        parts += [
            "",
            f"Task `{task}`, images per class:",
            "",
            _table(["split", *classes, "total"], rows),
        ]
    if name == "synth_attributes":
        rows = []
        for split in splits:
            angle = arrays[f"angle_{split}"].astype(np.float64)
            rows.append(
                [split]
                + [
                    f"{np.degrees(v):.1f}° ({v:.3f})"
                    for v in (angle.min(), angle.max(), angle.mean(), angle.std())
                ]
            )
        parts += [
            "",
            "Task `rotation` (regression, radians; degrees first, radians in brackets):",
            "",
            _table(["split", "min", "max", "mean", "std"], rows),
        ]
    pixel_rows = [[split, *_pixel_stats(arrays[f"x_{split}"])] for split in splits]
    parts += [
        "",
        "Pixel statistics (per channel, over the split, in [0, 1]):",
        "",
        _table(["split", "mean", "std"], pixel_rows),
    ]
    if name == "multimnist":
        same = [f"{(arrays[f'y_{s}'][:, 0] == arrays[f'y_{s}'][:, 1]).mean():.1%}" for s in splits]
        shifts = [f"{arrays[f'shift_{s}'].mean():.2f}" for s in splits]
        parts += [
            "",
            f"Pairs whose two digits are the same class: {same[0]} (train), {same[1]} (test). "
            f"Mean offset of a digit along each axis: {shifts[0]} px (train), "
            f"{shifts[1]} px (test).",
        ]
    else:
        names = arrays["font_names"].tolist()
        used = Counter(np.concatenate([arrays["font_train"], arrays["font_test"]]).tolist())
        rows = [
            [f"`{n}.ttf`", font_family(n), str(used[i])]
            for i, n in sorted(enumerate(names), key=lambda item: (font_family(item[1]), item[1]))
        ]
        parts += [
            "",
            f"Fonts ({len(names)}; images per font over both splits):",
            "",
            _table(["font file", "family", "images"], rows),
        ]
    return "\n".join(parts)


def multitask_labels(name: str, arrays: dict[str, np.ndarray], split: str = "train") -> list[str]:
    """One short label per image of a multitask split: ``"3 | 8"``, ``"7 serif 23° red"``."""
    y = arrays[f"y_{split}"]
    if name == "multimnist":
        return [f"{left} | {right}" for left, right in y.tolist()]
    families, backgrounds = arrays["families"].tolist(), arrays["backgrounds"].tolist()
    degrees = np.degrees(arrays[f"angle_{split}"].astype(np.float64))
    return [
        f"{digit} {families[family]} {angle:.0f}° {backgrounds[background]}"
        for (digit, family, background), angle in zip(y.tolist(), degrees, strict=True)
    ]


def creature_stats() -> str:
    """Return the markdown statistics block of the creatures card: classes, attributes, counts."""
    arrays = load_arrays("creatures")
    columns = [arrays[f"{name}_values"] for name in ("shape", "colour", "pattern")]
    train = np.bincount(arrays["y_train"], minlength=len(arrays["classes"]))
    test = np.bincount(arrays["y_test"], minlength=len(arrays["classes"]))
    rows = [
        [
            f"`{name}`",
            *(str(values[v]) for values, v in zip(columns, vector, strict=True)),
            "unseen" if unseen else "seen",
            str(train[c]),
            str(test[c]),
        ]
        for c, (name, vector, unseen) in enumerate(
            zip(arrays["classes"].tolist(), arrays["attributes"], arrays["unseen"], strict=True)
        )
    ]
    pixel_rows = [[split, *_pixel_stats(arrays[f"x_{split}"])] for split in ("train", "test")]
    return "\n".join(
        [
            "Stored: uint8, 32 x 32, 3 (RGB) channels. "
            "Loaded by `load_creatures`: float32 (N, 3, 32, 32) in [0, 1].",
            "",
            f"Images: {len(arrays['y_train'])} train, {len(arrays['y_test'])} test; "
            f"{int(arrays['unseen'].sum())} of {len(rows)} classes unseen.",
            "",
            _table(["class", "shape", "colour", "pattern", "part", "train", "test"], rows),
            "",
            "Pixel statistics (per channel, over the split, in [0, 1]):",
            "",
            _table(["split", "mean", "std"], pixel_rows),
        ]
    )


def _creatures_figure():
    from ..viz.grids import image_grid

    arrays = load_arrays("creatures")
    x, y, names = arrays["x_train"], arrays["y_train"], arrays["classes"].tolist()
    # 20 rows of 8 would be tall: 4 images of each class, 8 per row (2 classes a row)
    index = np.concatenate([np.flatnonzero(y == c)[:4] for c in range(len(names))])
    return image_grid(
        x[index],
        [names[int(c)] for c in y[index]],
        ncols=8,
        title="creatures: train, 4 per class (the last 5 classes are unseen)",
    )


def _save_png(fig, path: Path) -> None:
    """Save a figure as a compact, palette PNG without timestamps."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI, metadata={"Software": None})
    image = Image.open(buffer).convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    image.save(path, format="PNG", optimize=True)
    if path.stat().st_size > MAX_PNG_BYTES:
        raise ValueError(f"{path} is {path.stat().st_size} bytes, over {MAX_PNG_BYTES}")


def _digit_figure(name: str):
    from ..viz.grids import image_grid

    arrays = load_arrays(name)
    x, y = arrays["x_train"], arrays["y_train"]
    # 8 rows x 10 columns: column d shows the first 8 training images of digit d
    index = np.stack([np.flatnonzero(y == d)[:8] for d in range(10)], axis=1).reshape(-1)
    return image_grid(
        x[index], [str(int(d)) for d in y[index]], ncols=10, title=f"{name}: train, 8 per class"
    )


def _glyph_figures() -> dict[str, object]:
    from ..viz.grids import image_grid

    arrays = load_arrays("glyphs")
    scripts = arrays["scripts"]
    rows = [*BACKGROUND_SCRIPTS[:4], *EVALUATION_SCRIPTS[:4]]
    picks = []
    for script in rows:
        members = np.flatnonzero(scripts == script)
        picks.append(members[np.linspace(0, len(members) - 1, 10).round().astype(int)])
    chars = np.concatenate(picks)
    labels = arrays["chars"][chars].tolist()
    for row, script in enumerate(rows):  # name each row's script in its first label
        labels[row * 10] = f"{script}: {labels[row * 10]}"
    overview = image_grid(
        arrays["images"][chars, 0],
        labels,
        ncols=10,
        title="glyphs: one drawing each; rows 1-4 background, rows 5-8 evaluation",
    )
    # 20 drawings each of four characters, two from each part
    chosen = [picks[0][3], picks[3][5], picks[4][2], picks[6][7]]
    drawings = arrays["images"][chosen].reshape(-1, 32, 32)
    detail = image_grid(
        drawings,
        ncols=10,
        title="all 20 drawings of "
        + ", ".join(arrays["chars"][chosen].tolist())
        + " (2 rows each)",
    )
    return {"glyphs.png": overview, "glyphs_drawings.png": detail}


def _multitask_figure(name: str):
    from ..viz.grids import image_grid

    arrays = load_arrays(name)
    if name == "multimnist":  # the first training images (they are in random order)
        count, ncols, scale, fontsize = 60, 10, 1.2, None
        title = "multimnist: train, labels left | right"
    else:
        count, ncols, scale, fontsize = 40, 8, 1.6, 6.5
        title = "synth_attributes: train, labels digit font rotation background"
    labels = multitask_labels(name, arrays)[:count]
    images = np.array(arrays["x_train"][:count])  # a writable copy for torch
    fig = image_grid(images, labels, ncols=ncols, title=title, scale=scale)
    if fontsize is not None:  # long labels: smaller type than image_grid's, to fit a cell
        for ax in fig.axes:
            ax.title.set_fontsize(fontsize)
    return fig


TEXT_CARDS = {  # card name -> (corpus file stem, the field that splits it into groups)
    "text_sentiment": ("sentiment", "domain"),
    "text_sms_spam": ("sms_spam", None),
    "text_email_spam": ("email_spam", None),
    "text_polarity_words": ("polarity_words", "language"),
}
TEXT_CLASSES = {"sentiment": ("negative", "positive"), "polarity_words": ("negative", "positive")}
EXAMPLE_CHARS = 160  # an example text is cut here in the card


def text_stats(card: str) -> str:
    """Return the markdown statistics block of a text corpus card: counts, lengths, examples.

    Parameters
    ----------
    card
        One of :data:`TEXT_CARDS`, e.g. ``"text_sentiment"``.
    """
    from .text import _read_corpus

    corpus, group_key = TEXT_CARDS[card]
    classes = TEXT_CLASSES.get(corpus, ("ham", "spam"))
    records = _read_corpus(corpus)
    groups = sorted({r.get(group_key, "") for r in records}) if group_key else [""]
    header = f"| {group_key or 'corpus'} | split | " + " | ".join(classes) + " | words per text |"
    lines = ["Texts per class and split:", "", header, "|---" * (len(classes) + 3) + "|"]
    for group in groups:
        for split in ("train", "test"):
            chosen = [r for r in records if r["split"] == split and r.get(group_key, "") == group]
            counts = Counter(r["label"] for r in chosen)
            words = np.median([len(r["text"].split()) for r in chosen])
            cells = " | ".join(str(counts.get(index, 0)) for index in range(len(classes)))
            lines.append(f"| {group or corpus} | {split} | {cells} | {words:.0f} (median) |")
    lines += ["", "The first training texts of each class (cut at 160 characters):", ""]
    for group in groups:
        for index, name in enumerate(classes):
            shown = [
                r["text"]
                for r in records
                if r["split"] == "train" and r["label"] == index and r.get(group_key, "") == group
            ][:2]
            for text in shown:
                cut = text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"
                where = f"{group}, " if group else ""
                lines.append(f"- *{where}{name}*: {cut.replace('|', '/')}")
    return "\n".join(lines)


def _replace_block(card: Path, block: str) -> None:
    text = card.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise ValueError(f"{card} has no {START} ... {END} block to fill")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    card.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")


def update_cards(names: list[str] | None = None) -> list[Path]:
    """Rewrite the statistics blocks and image grids of the dataset cards.

    Parameters
    ----------
    names
        Datasets to update; default all (``mnist``, ``mnistm``, ``synth``, ``uci``,
        ``glyphs``, ``multimnist``, ``synth_attributes``, ``creatures``, and the text
        corpora's cards ``text_sentiment``, ``text_sms_spam``, ``text_email_spam``,
        ``text_polarity_words``).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = cards_dir()
    written = []
    for name in names or [*DOMAINS, "glyphs", *MULTITASK_SETS, "creatures", *TEXT_CARDS]:
        if name in TEXT_CARDS:
            figures, block = {}, text_stats(name)
        elif name == "creatures":
            figures, block = {"creatures.png": _creatures_figure()}, creature_stats()
        elif name == "glyphs":
            figures, block = _glyph_figures(), glyph_stats()
        elif name in MULTITASK_SETS:
            figures, block = {f"{name}.png": _multitask_figure(name)}, multitask_stats(name)
        else:
            figures, block = {f"{name}.png": _digit_figure(name)}, digit_stats(name)
        for filename, fig in figures.items():
            _save_png(fig, folder / filename)
            written.append(folder / filename)
        _replace_block(folder / f"{name}.md", block)
        written.append(folder / f"{name}.md")
    return written
