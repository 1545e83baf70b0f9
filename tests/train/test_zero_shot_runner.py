"""The zero-shot recipe of lesson 04: which classes it learns from, what it reports, its cases."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from tlwidgets.data.creatures import ATTRIBUTES, CLASSES, UNSEEN
from tlwidgets.train.zero_shot import (
    ZeroShotConfig,
    seen_without,
    train_zero_shot,
    zero_shot_cases,
)
from tlwidgets.train.zero_shot import runner as runner_module

NAMES = list(CLASSES)


def values_of(name: str) -> dict[str, str]:
    return dict(zip(ATTRIBUTES, CLASSES[name], strict=True))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"unseen": ("unicorn",)}, r"unknown creature 'unicorn'; choose from \['chick'"),
        ({"seen": ("giraffe", "chick")}, r"\['giraffe'\] are both seen and unseen"),
        ({"unseen": ()}, "at least one class"),
        ({"candidates": "some"}, r"unknown candidates 'some'; choose from \('unseen', 'all'\)"),
        ({"features": "imagenet"}, r"unknown features 'imagenet'; choose 'small_cnn' .*glyphs"),
    ],
)
def test_config_names_the_bad_value_and_the_choices(settings, message):
    with pytest.raises(ValueError, match=message):
        ZeroShotConfig(**settings)


def test_seen_classes_default_to_every_class_not_unseen_in_class_order():
    config = ZeroShotConfig(unseen=("zebra", "chick"))

    assert config.seen_classes == tuple(name for name in NAMES if name not in ("zebra", "chick"))
    assert ZeroShotConfig(seen=("bee", "chick")).seen_classes == ("chick", "bee")


def test_seen_without_drops_every_standard_seen_class_with_the_value():
    seen = seen_without(pattern="spots")

    assert set(seen) == {name for name in NAMES if name not in UNSEEN} - {
        "ladybird",
        "dalmatian",
        "guineafowl",
    }
    assert all(values_of(name)["shape"] != "tall" for name in seen_without(shape="tall"))
    with pytest.raises(ValueError, match=r"unknown pattern='dots'; choose from shape: round"):
        seen_without(pattern="dots")


def test_each_failure_case_builds_the_situation_it_is_named_after():
    cases = zero_shot_cases()
    spotted = [name for name in UNSEEN if values_of(name)["pattern"] == "spots"]

    assert cases["standard"] == ZeroShotConfig()
    assert all(values_of(n)["pattern"] != "spots" for n in cases["no spots seen"].seen_classes)
    assert len(spotted) == 3  # giraffe, leopard, snowy owl must be found without "spots"
    striped_seen = cases["yellow always striped"].seen_classes
    for name in striped_seen:  # yellow <=> stripes among the classes it learns from
        values = values_of(name)
        assert (values["colour"] == "yellow") == (values["pattern"] == "stripes")
    assert cases["glyph features"].features == "glyphs-resnet"
    assert cases["all 20 candidates"].candidates == "all"


def test_a_run_trains_on_seen_classes_only_and_tests_on_unseen_ones(monkeypatch):
    trained_on = []
    real_fit = runner_module.fit

    def recording_fit(model, data, **kwargs):
        trained_on.append(set(data.labels.tolist()))
        return real_fit(model, data, **kwargs)

    monkeypatch.setattr(runner_module, "fit", recording_fit)

    run = train_zero_shot(ZeroShotConfig(epochs=1))

    seen_ids = {NAMES.index(name) for name in NAMES if name not in UNSEEN}
    assert trained_on == [seen_ids]
    assert set(run.truth.tolist()) == {NAMES.index(name) for name in UNSEEN}
    assert run.candidates == UNSEEN
    assert set(run.predicted.tolist()) <= set(run.truth.tolist())  # only unseen candidates
    assert run.predicted_attributes.shape == (len(run.truth), 3)
    assert 0.0 <= run.accuracy <= 1.0
    assert list(run.per_class) == list(UNSEEN)
    assert list(run.attribute_accuracy()) == list(ATTRIBUTES)
    assert "zero-shot accuracy" in str(run) and "giraffe" in str(run)


def test_per_class_and_attribute_accuracy_count_the_right_images():
    run = train_zero_shot(ZeroShotConfig(features="glyphs-resnet"))
    giraffe, okapi = NAMES.index("giraffe"), NAMES.index("okapi")
    truth = torch.tensor([giraffe, giraffe, okapi, okapi])
    # (tall, yellow, spots) is right for both giraffes; (tall, yellow, spots) for an okapi
    # (tall, brown, stripes) gets the shape right only
    attributes = torch.tensor([[2, 0, 1], [2, 0, 1], [2, 0, 1], [2, 2, 2]])
    fake = dataclasses.replace(
        run,
        truth=truth,
        predicted=torch.tensor([giraffe, okapi, giraffe, okapi]),
        predicted_attributes=attributes,
    )

    assert fake.accuracy == 0.5
    assert fake.per_class["giraffe"] == 0.5 and fake.per_class["okapi"] == 0.5
    assert fake.attribute_accuracy() == {"shape": 1.0, "colour": 0.75, "pattern": 0.75}


def test_a_frozen_zoo_extractor_trains_nothing_and_all_candidates_widens_the_choice(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("a zoo extractor is used as it is")

    monkeypatch.setattr(runner_module, "fit", no_training)

    run = train_zero_shot(ZeroShotConfig(features="glyphs-resnet", candidates="all"))

    assert run.candidates == tuple(NAMES)
    assert len(run.predicted) == len(run.truth)


def test_the_same_seed_gives_the_same_run():
    first = train_zero_shot(ZeroShotConfig(epochs=1, seed=3))
    second = train_zero_shot(ZeroShotConfig(epochs=1, seed=3))

    assert torch.equal(first.predicted, second.predicted)
