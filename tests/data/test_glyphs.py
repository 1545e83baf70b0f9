"""The Omniglot-like glyphs: characters, parts, splits and the exclusion rules."""

import numpy as np
import pytest
import torch

from tlwidgets.data import build_datasets, load_glyphs
from tlwidgets.data.alphabets import (
    BACKGROUND_SCRIPTS,
    DUPLICATE_THRESHOLD,
    EVALUATION_SCRIPTS,
    select_characters,
)
from tlwidgets.data.build import load_arrays
from tlwidgets.data.fonts import shape_signature
from tlwidgets.data.glyphs import make_glyphs

LOOK_ALIKES = "0123456789OoIlSZBgqDQsz" + "ΟОՕΙІЗзƷʒ"


@pytest.fixture(scope="module", autouse=True)
def _shared_cache():
    """Build (once per machine) or verify the shared cache before any test reads it."""
    build_datasets(["glyphs"])


@pytest.fixture(scope="module")
def glyphs():
    return load_arrays("glyphs")


def test_background_has_at_least_a_thousand_characters(glyphs):
    data = load_glyphs("background", "train")
    assert len(data.classes) >= 1000
    assert set(data.scripts) == set(BACKGROUND_SCRIPTS)


def test_evaluation_has_a_few_hundred_characters_of_several_scripts(glyphs):
    data = load_glyphs("evaluation", "all")
    assert 200 <= len(data.classes) <= 600
    assert set(data.scripts) == set(EVALUATION_SCRIPTS) and len(set(data.scripts)) >= 5


def test_parts_share_no_character_and_no_script(glyphs):
    background = load_glyphs("background", "val")
    evaluation = load_glyphs("evaluation", "val")
    assert not set(background.classes) & set(evaluation.classes)
    assert not set(background.scripts) & set(evaluation.scripts)
    assert len(set(background.classes)) == len(background.classes)


def test_no_digits_or_digit_look_alikes_among_classes(glyphs):
    chars = set(glyphs["chars"].tolist())
    assert not chars & set(LOOK_ALIKES)
    assert not any(c.isnumeric() for c in chars)


def test_no_two_classes_have_near_identical_canonical_renders(glyphs):
    canonical = glyphs["canonical"].astype(np.float32) / 255  # (C, 32, 32)
    assert len(np.unique(canonical.reshape(len(canonical), -1), axis=0)) == len(canonical)
    big = torch.nn.functional.interpolate(torch.from_numpy(canonical)[:, None], scale_factor=2)
    signature = shape_signature(big[:, 0], sigma=1.0)
    similarity = signature @ signature.T - 2 * torch.eye(len(signature))
    assert similarity.max() < DUPLICATE_THRESHOLD + 0.02


def test_each_character_has_16_train_and_4_val_drawings(glyphs):
    for part in ("background", "evaluation"):
        train = load_glyphs(part, "train")
        val = load_glyphs(part, "val")
        every = load_glyphs(part, "all")
        n = len(train.classes)
        assert np.bincount(train.labels.numpy()).tolist() == [16] * n
        assert np.bincount(val.labels.numpy()).tolist() == [4] * n
        assert np.bincount(every.labels.numpy()).tolist() == [20] * n
        assert train.classes == val.classes == every.classes


def test_train_and_val_drawings_are_disjoint_and_make_up_all(glyphs):
    train = load_glyphs("evaluation", "train").images[:, 0].flatten(1)
    val = load_glyphs("evaluation", "val").images[:, 0].flatten(1)
    every = load_glyphs("evaluation", "all").images[:, 0].flatten(1)
    rows = lambda x: {tuple(r) for r in (x * 255).round().to(torch.uint8).tolist()}  # noqa: E731
    assert not rows(train) & rows(val)
    assert rows(train) | rows(val) == rows(every)


def test_seed_changes_which_drawings_are_val_and_is_reproducible(glyphs):
    a = load_glyphs("evaluation", "val", seed=0).images
    b = load_glyphs("evaluation", "val", seed=0).images
    c = load_glyphs("evaluation", "val", seed=1).images
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_glyph_images_are_white_strokes_on_black(glyphs):
    data = load_glyphs("evaluation", "val")
    assert data.images.shape[1:] == (3, 32, 32) and data.images.dtype == torch.float32
    assert data.images[..., 0, :].mean() < 0.05  # black border rows
    assert data.images.amax(dim=(1, 2, 3)).min() > 0.5  # every drawing has ink
    assert glyphs["images"].shape[1:] == (20, 32, 32)


def test_drawings_of_a_character_differ(glyphs):
    images = glyphs["images"][:50].astype(int)  # (50, 20, 32, 32)
    assert all(len({d.tobytes() for d in c}) == 20 for c in images.astype(np.uint8))


def test_unknown_part_or_split_names_the_choices():
    with pytest.raises(ValueError, match="background, evaluation"):
        load_glyphs("images_background")
    with pytest.raises(ValueError, match="train, val, all"):
        load_glyphs("background", "test")


def test_glyph_subset_builds_are_deterministic():
    first = make_glyphs(scripts=("Ogham", "Coptic"), drawings=4)
    second = make_glyphs(scripts=("Ogham", "Coptic"), drawings=4)
    assert first.keys() == second.keys()
    for key in first:
        assert np.array_equal(first[key], second[key]), key
    assert set(first["scripts"].tolist()) == {"Ogham", "Coptic"}
    assert first["images"].shape[1:] == (4, 32, 32)


def test_a_characters_drawings_do_not_depend_on_other_characters(glyphs):
    small = make_glyphs(scripts=("Coptic",))
    index = {c: i for i, c in enumerate(glyphs["chars"].tolist())}
    shared = [(i, index[c]) for i, c in enumerate(small["chars"].tolist()) if c in index]
    assert len(shared) >= 5
    for mine, theirs in shared:
        assert np.array_equal(small["images"][mine], glyphs["images"][theirs])


def test_selection_reports_why_candidates_were_dropped():
    selection = select_characters(("Latin", "Greek"))
    kept = {c.char for c in selection.kept}
    assert "A" in kept and "Α" not in kept  # Greek Alpha is Latin A's twin
    assert "C" in kept and "c" not in kept  # same shape once both fill the box
    assert "a" in kept and "A" in kept  # different shapes: both stay
    assert "O" in selection.dropped["digit look-alike"]
    assert "Α" in selection.dropped["near-identical to a digit look-alike or an earlier character"]
    with pytest.raises(ValueError, match="Latin"):
        select_characters(("Klingon",))
