import math
from dataclasses import replace

import pytest
import torch

from tlwidgets.analysis import extract_features
from tlwidgets.data import load_domain
from tlwidgets.train.adaptation import (
    METHODS,
    AdaptConfig,
    DomainAdversarialNetwork,
    adapt,
)


@pytest.fixture(scope="module")
def domains():
    source = load_domain("mnist", "train", labels_per_class=5)
    target = load_domain("mnistm", "train", labels_per_class=5)
    target_test = load_domain("mnistm", "test", labels_per_class=3)
    return source, target, target_test


def _config(method: str) -> AdaptConfig:
    return AdaptConfig(method=method, epochs=1, batch_size=16, backbone="small_cnn")


@pytest.mark.parametrize("method", METHODS)
def test_every_method_runs_one_epoch_and_logs_target_accuracy(method, domains):
    source, target, target_test = domains
    model, history = adapt(
        _config(method),
        source=source,
        target=target,
        target_test=target_test,
        source_test=target_test,
        device="cpu",
    )
    assert history.status == "completed"
    assert 0 <= history.last("target_acc") <= 1 and "source_acc" in history.epochs[-1]
    assert math.isfinite(history.last("loss", per="step"))
    assert isinstance(model, DomainAdversarialNetwork) == (method == "dann")


def test_adabn_appends_a_row_measured_after_adaptation(domains):
    source, target, target_test = domains
    _, history = adapt(_config("adabn"), source=source, target=target, target_test=target_test)
    assert len(history.epochs) == 2 and history.epochs[-1]["adabn"] == 1.0
    assert history.epochs[-1]["epoch"] == history.epochs[0]["epoch"]


@pytest.mark.parametrize("method", [m for m in METHODS if m != "oracle"])
def test_only_the_oracle_reads_target_labels(method, domains):
    source, target, target_test = domains
    unlabelled = replace(target, labels=torch.full_like(target.labels, 999))
    _, history = adapt(_config(method), source=source, target=unlabelled, target_test=target_test)
    assert history.status == "completed"


def test_oracle_refuses_a_target_without_real_labels(domains):
    source, target, _ = domains
    unlabelled = replace(target, labels=torch.full_like(target.labels, 999))
    with pytest.raises(ValueError, match=r"oracle trains on target labels.*0\.\.9"):
        adapt(_config("oracle"), source=source, target=unlabelled)


def test_adapt_is_reproducible_per_seed(domains):
    source, target, _ = domains
    runs = [adapt(_config("coral"), source=source, target=target)[1] for _ in range(2)]
    assert runs[0].series("loss") == runs[1].series("loss")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("method", "magic", r"unknown method 'magic'; choose one of \('source_only'"),
        ("backbone", "vgg", r"unknown backbone 'vgg'; choose one of \["),
        ("weight", -1.0, "weight must be >= 0"),
        ("epochs", 0, "epochs and batch_size must be >= 1"),
        ("lr", 0.0, "lr must be > 0"),
        ("threshold", 1.5, r"threshold must be in \[0, 1\]"),
    ],
)
def test_bad_config_values_are_explained(field, value, message):
    with pytest.raises(ValueError, match=message):
        AdaptConfig(**{field: value})


@pytest.mark.parametrize(("threshold", "expect_pseudo_labels"), [(0.0, True), (1.0, False)])
def test_self_training_uses_the_configured_threshold(threshold, expect_pseudo_labels, domains):
    source, target, _ = domains
    config = replace(_config("self_training"), threshold=threshold)

    _, history = adapt(config, source=source, target=target, device="cpu")

    fractions = history.series("pseudo_fraction")
    assert (max(fractions) > 0) == expect_pseudo_labels


def test_features_of_a_dann_model_are_its_backbones(domains):
    source, target, target_test = domains
    model, _ = adapt(_config("dann"), source=source, target=target, device="cpu")

    features = extract_features(model, target_test)

    assert torch.equal(features, extract_features(model.backbone, target_test))
    assert model.stage_names == model.backbone.stage_names


def test_mismatched_domains_are_explained(domains):
    source, target, _ = domains
    small = replace(target, images=target.images[:, :, :16, :16])
    with pytest.raises(ValueError, match="same shape"):
        adapt(_config("dann"), source=source, target=small)
    other = replace(target, classes=list("abcdefghij"))
    with pytest.raises(ValueError, match="same label space"):
        adapt(_config("dann"), source=source, target=target, target_test=other)
