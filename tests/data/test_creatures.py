"""The procedural creatures dataset for zero-shot learning by attributes."""

import numpy as np
import pytest

from tlwidgets.data.creatures import (
    ATTRIBUTES,
    CLASSES,
    COLOURS,
    UNSEEN,
    creature_attributes,
    load_creatures,
    make_creatures,
    render_creatures,
)


@pytest.fixture(scope="module")
def small():
    return make_creatures(seed=3, per_class=(6, 2))


def test_builder_is_deterministic_and_has_the_documented_shapes(small):
    again = make_creatures(seed=3, per_class=(6, 2))
    assert small.keys() == again.keys()
    for key in small:
        np.testing.assert_array_equal(small[key], again[key])
    assert small["x_train"].shape == (6 * 20, 3, 32, 32) and small["x_train"].dtype == np.uint8
    assert small["x_test"].shape == (2 * 20, 3, 32, 32)
    assert np.bincount(small["y_train"]).tolist() == [6] * 20
    assert small["attributes"].shape == (20, 3)
    assert small["classes"].tolist() == list(CLASSES)
    assert not np.array_equal(make_creatures(seed=4, per_class=(6, 2))["x_train"], small["x_train"])


def test_seen_and_unseen_are_disjoint_and_unseen_values_all_occur_among_seen():
    names, attributes, table = creature_attributes()
    assert attributes == ["shape", "colour", "pattern"] and table.shape == (20, 3)
    assert len({tuple(row) for row in table.tolist()}) == 20  # every class its own vector
    unseen = np.array([n in UNSEEN for n in names])
    assert unseen.sum() == 5 and "giraffe" in UNSEEN
    for column in range(3):
        assert set(table[unseen, column]) <= set(table[~unseen, column])
    # the classic example: yellow as the chick is, spotted as the dalmatian is
    giraffe = CLASSES["giraffe"]
    assert giraffe[1:] == ("yellow", "spots")
    assert CLASSES["chick"][1] == "yellow" and CLASSES["dalmatian"][2] == "spots"


def test_binary_attribute_matrix_has_one_value_per_attribute():
    names, columns, matrix = creature_attributes(binary=True)
    assert len(columns) == sum(map(len, ATTRIBUTES.values())) == 11
    assert (matrix.sum(axis=1) == 3).all()
    giraffe = matrix[names.index("giraffe")]
    assert {c for c, on in zip(columns, giraffe, strict=True) if on} == {
        "shape=tall",
        "colour=yellow",
        "pattern=spots",
    }


@pytest.mark.parametrize("name", list(CLASSES))
def test_every_class_shows_its_body_colour_and_pattern(name):
    shape, colour, pattern = CLASSES[name]

    def pixels(pattern: str) -> np.ndarray:  # (16, 1024, 3) in [0, 1]
        images = render_creatures(shape, colour, pattern, 16, np.random.default_rng(0))
        return images.transpose(0, 2, 3, 1).reshape(16, -1, 3).astype(float) / 255

    drawn = pixels(pattern)
    body = np.abs(drawn - np.array(COLOURS[colour])).max(axis=2) < 0.12  # (16, 1024)
    assert (body.sum(axis=1) >= 15).all()  # a body of the right colour in every image
    if pattern != "plain":  # many more coat-coloured pixels than the plain creature has
        coat = np.array((0.88,) * 3) if colour == "black" else np.array(COLOURS[colour]) * 0.25

        def marked(x: np.ndarray) -> float:
            return float((np.abs(x - coat).max(axis=2) < 0.12).sum(axis=1).mean())

        assert marked(drawn) > marked(pixels("plain")) + 8


def test_loader_parts_split_the_classes_and_respect_the_smoke_cap():
    seen, unseen = load_creatures("train", "seen"), load_creatures("train", "unseen")
    everything = load_creatures("test", "all")
    assert seen.classes == unseen.classes == list(CLASSES)
    unseen_ids = {list(CLASSES).index(n) for n in UNSEEN}
    assert set(unseen.labels.tolist()) == unseen_ids
    assert not set(seen.labels.tolist()) & unseen_ids and len(set(seen.labels.tolist())) == 15
    assert len(seen) == 15 * 30 and len(unseen) == 5 * 30 and len(everything) == 20 * 10
    assert seen.images.shape[1:] == (3, 32, 32) and 0 <= seen.images.min() <= seen.images.max() <= 1
    assert seen.name == "creatures/seen"
    with pytest.raises(ValueError, match="part"):
        load_creatures("train", "novel")
