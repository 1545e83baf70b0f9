"""Which characters the ``glyphs`` dataset draws: scripts, coverage and the exclusion rules.

A character is a candidate when it is a letter (Unicode category Lu, Ll, Lt or Lo) with no
decomposition (so no accented or compatibility variants), is not numeric, belongs to one of
the scripts below and is mapped by at least one of the glyph fonts. Candidates are then
dropped, in this order, when their canonical render (fitted into a box, see
:func:`~tlwidgets.data.fonts.render_char`)

1. is empty or almost so, or a solid blob;
2. looks like a digit: it is one of the classic digit confusions ``DIGIT_CONFUSIONS``, or it
   correlates above ``DIGIT_THRESHOLD`` with a digit from any digit font (at several widths,
   since an O is a wide 0);
3. is near-identical (correlation above ``DUPLICATE_THRESHOLD``) to a character dropped in
   step 2 or to an earlier kept one, e.g. Greek Alpha and Cyrillic A after Latin A; or is
   a lower-case letter whose kept capital has the same shape once both fill the box
   (correlation above ``CASE_THRESHOLD``), e.g. c after C or ь after Ь.

Scripts are visited in the order of ``BACKGROUND_SCRIPTS`` then ``EVALUATION_SCRIPTS``, so
a shape shared across the two parts is kept in the background part only, and the held-out
part never contains a character that pretraining has already seen in another script.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .fonts import DIGITS, find_digit_fonts, font_cmap, font_dir, render_char, shape_signature

__all__ = [
    "BACKGROUND_SCRIPTS",
    "EVALUATION_SCRIPTS",
    "Character",
    "Selection",
    "glyph_fonts",
    "script_of",
    "select_characters",
]

# Scripts used for pretraining (the "background" part) ...
BACKGROUND_SCRIPTS = ("Latin", "Greek", "Cyrillic", "Georgian", "Arabic", "Canadian Syllabics")
# ... and scripts held out for few-shot evaluation; whole scripts, never split.
EVALUATION_SCRIPTS = (
    "Armenian",
    "Hebrew",
    "Tifinagh",
    "NKo",
    "Lao",
    "Lisu",
    "Old Italic",
    "Ogham",
    "Coptic",
)

# The first word(s) of a character's Unicode name -> its script.
_NAME_PREFIX = {
    "LATIN": "Latin",
    "GREEK": "Greek",
    "COPTIC": "Coptic",
    "CYRILLIC": "Cyrillic",
    "ARMENIAN": "Armenian",
    "HEBREW": "Hebrew",
    "ARABIC": "Arabic",
    "NKO": "NKo",
    "LAO": "Lao",
    "GEORGIAN": "Georgian",
    "CANADIAN SYLLABICS": "Canadian Syllabics",
    "OGHAM": "Ogham",
    "TIFINAGH": "Tifinagh",
    "LISU": "Lisu",
    "OLD ITALIC": "Old Italic",
}

# Latin letters that are classic digit confusions (0: O o D Q, 1: I l i j, 2: Z z, 5: S s,
# 6: b G, 8: B, 9: g q) or were drawn from digit shapes (ezh and yogh from 3, cuatrillo
# from 4, the tone letters from 2, 5 and 6); dropped whatever the correlation says.
DIGIT_CONFUSIONS = "OoDQIlijZzSsbGBgq" + "ƷʒȜȝꜬꜭƧƨƻƼƽƄƅ"
DIGIT_THRESHOLD = 0.88  # correlation (blur 2 px at 64 px) with any digit render
DIGIT_WIDTHS = (0.6, 0.75, 0.9, 1.0, 1.15, 1.35)  # widths a candidate is compared at
DUPLICATE_THRESHOLD = 0.95  # correlation (blur 1 px at 64 px) of two canonical renders
CASE_THRESHOLD = 0.90  # the same, between a lower-case letter and its capital
INK_RANGE = (0.02, 0.45)  # allowed share of the 64 x 64 canonical canvas covered by ink

LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lo"})


@functools.lru_cache(maxsize=1)
def glyph_fonts() -> tuple[Path, ...]:
    """Return the font files glyphs are drawn from, the canonical font of a character first.

    DejaVu Sans, Serif and Sans Mono in all their styles, then STIX General; the
    ``Display`` subsets, STIX's size variants and the Computer Modern fonts (whose cmaps
    follow TeX encodings, not Unicode) are left out.
    """
    folder = font_dir()
    order = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "STIXGeneral.ttf")
    others = sorted(
        p.name
        for p in folder.glob("*.ttf")
        if (p.name.startswith("DejaVu") and "Display" not in p.name)
        or p.name.startswith("STIXGeneral")
    )
    return tuple(folder / name for name in dict.fromkeys((*order, *others)))


def script_of(char: str) -> str | None:
    """Return the script of a character from its Unicode name, or None if not one we use."""
    name = unicodedata.name(char, "")
    for prefix, script in _NAME_PREFIX.items():
        if name.startswith(prefix + " "):
            return script
    return None


@dataclass(frozen=True)
class Character:
    """One candidate character and the fonts that can draw it."""

    char: str  # the character itself, e.g. "Ж"
    script: str  # e.g. "Cyrillic"
    fonts: tuple[Path, ...]  # glyph fonts whose cmap maps it; fonts[0] is canonical


@dataclass
class Selection:
    """The outcome of :func:`select_characters`."""

    kept: list[Character]  # in script order, then code point order
    canonical: np.ndarray  # (len(kept), 64, 64) float32 canonical renders of the kept ones
    dropped: dict[str, list[str]] = field(default_factory=dict)  # reason -> characters


def _candidates(scripts: tuple[str, ...]) -> list[Character]:
    fonts = glyph_fonts()
    coverage: dict[int, list[Path]] = {}
    for path in fonts:
        for code in font_cmap(path):
            coverage.setdefault(code, []).append(path)
    by_script: dict[str, list[Character]] = {s: [] for s in scripts}
    for code in sorted(coverage):
        char = chr(code)
        if (
            unicodedata.category(char) not in LETTER_CATEGORIES
            or unicodedata.decomposition(char)
            or unicodedata.numeric(char, None) is not None
            or unicodedata.combining(char)
        ):
            continue
        script = script_of(char)
        if script in by_script:
            by_script[script].append(Character(char, script, tuple(coverage[code])))
    return [c for s in scripts for c in by_script[s]]


def _stretch(images: torch.Tensor, width: float) -> torch.Tensor:
    """Scale (N, H, W) images horizontally about their centre by ``width``."""
    theta = torch.tensor([[1 / width, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(len(images), 2, 3)
    grid = F.affine_grid(theta, [len(images), 1, *images.shape[1:]], align_corners=False)
    return F.grid_sample(images[:, None], grid, align_corners=False)[:, 0]


def _digit_similarity(renders: torch.Tensor) -> torch.Tensor:
    """Highest correlation of each render, at any width, with any font's digits: (N,)."""
    digits = np.stack(
        [render_char(path, d) for path in find_digit_fonts() for d in DIGITS]
    )  # (10 * n_fonts, 64, 64)
    reference = shape_signature(digits, sigma=2.0)  # (10 * n_fonts, D)
    best = torch.full((len(renders),), -1.0)
    for width in DIGIT_WIDTHS:
        signature = shape_signature(_stretch(renders, width), sigma=2.0)
        best = torch.maximum(best, (signature @ reference.T).amax(dim=1))
    return best


def select_characters(scripts: tuple[str, ...] | None = None) -> Selection:
    """Choose the characters of the glyphs dataset by the rules in this module's docstring.

    Parameters
    ----------
    scripts
        Scripts to consider, in priority order; defaults to the background scripts then
        the evaluation scripts. A subset gives a smaller dataset (used by the tests).

    Returns
    -------
    Selection
        Kept characters with their canonical renders (N, 64, 64), and the dropped ones
        grouped by reason.
    """
    scripts = tuple(scripts or (*BACKGROUND_SCRIPTS, *EVALUATION_SCRIPTS))
    unknown = sorted(set(scripts) - set(BACKGROUND_SCRIPTS) - set(EVALUATION_SCRIPTS))
    if unknown:
        raise ValueError(
            f"unknown scripts {unknown}; choose from {BACKGROUND_SCRIPTS + EVALUATION_SCRIPTS}"
        )
    dropped: dict[str, list[str]] = {
        "renders empty, as a speck or as a blob": [],
        "digit look-alike": [],
        "near-identical to a digit look-alike or an earlier character": [],
    }
    candidates, renders = [], []
    for character in _candidates(scripts):
        render = render_char(character.fonts[0], character.char)
        ink = 0.0 if render is None else float(render.mean())
        if not INK_RANGE[0] <= ink <= INK_RANGE[1]:
            dropped["renders empty, as a speck or as a blob"].append(character.char)
            continue
        candidates.append(character)
        renders.append(render)
    images = torch.from_numpy(np.stack(renders))  # (N, 64, 64)
    digit_like = (_digit_similarity(images) > DIGIT_THRESHOLD).numpy()
    digit_like |= np.array([c.char in DIGIT_CONFUSIONS for c in candidates])
    signature = shape_signature(images, sigma=1.0)
    similarity = (signature @ signature.T).numpy()  # (N, N)
    blocked = digit_like.copy()  # shapes nobody may take: look-alikes, then kept ones
    kept = np.zeros(len(candidates), dtype=bool)
    position = {c.char: i for i, c in enumerate(candidates)}
    for i, character in enumerate(candidates):
        if digit_like[i]:
            dropped["digit look-alike"].append(character.char)
            continue
        capital = position.get(character.char.upper(), i)
        if (similarity[i, blocked] > DUPLICATE_THRESHOLD).any() or (
            kept[capital] and similarity[i, capital] > CASE_THRESHOLD
        ):
            dropped["near-identical to a digit look-alike or an earlier character"].append(
                character.char
            )
            continue
        kept[i] = blocked[i] = True
    return Selection(
        kept=[c for c, k in zip(candidates, kept, strict=True) if k],
        canonical=images[torch.from_numpy(kept)].numpy(),
        dropped=dropped,
    )
