"""Lesson 01's self-checks: every reference solution passes, typical mistakes get a hint."""

from __future__ import annotations

import pytest
import torch

from tlwidgets.exercises import lesson_01
from tlwidgets.exercises.solutions import load_solution
from tlwidgets.models import create_backbone
from tlwidgets.train import layerwise_param_groups


@pytest.mark.parametrize("exercise", sorted(lesson_01.SOLUTION_CHECKS))
def test_reference_solution_passes_its_check(exercise):
    answer = load_solution("01", exercise).function()

    feedback = lesson_01.SOLUTION_CHECKS[exercise](answer)

    assert feedback.passed, feedback.message


@pytest.mark.parametrize("check", [lesson_01.check_1, lesson_01.check_3, lesson_01.check_4])
def test_placeholder_none_gets_a_hint_not_an_error(check):
    feedback = check(None)

    assert not feedback.passed
    assert feedback.message


def test_check_1_explains_counting_frozen_parameters():
    total = load_solution("01", 1).function()
    everything = sum(p.numel() for p in create_backbone("resnet", num_classes=10).parameters())

    feedback = lesson_01.check_1(
        {"linear_probe": everything, "finetune_top": total["finetune_top"]}
    )

    assert not feedback.passed
    assert "requires_grad" in feedback.message


def test_check_2_catches_an_extractor_that_updates_batchnorm():
    def careless(model, images):
        with torch.no_grad():
            return model.forward_head(model.forward_features(images), pre_logits=True)

    feedback = lesson_01.check_2(careless)

    assert not feedback.passed
    assert "eval mode" in feedback.message


def test_check_2_catches_a_model_left_in_eval_mode():
    def forgetful(model, images):
        model.eval()
        with torch.no_grad():
            return model.forward_head(model.forward_features(images), pre_logits=True)

    feedback = lesson_01.check_2(forgetful)

    assert not feedback.passed
    assert "back" in feedback.message


def test_check_2_reports_an_exception_instead_of_raising():
    feedback = lesson_01.check_2(lambda model, images: 1 / 0)

    assert not feedback.passed
    assert "ZeroDivisionError" in feedback.message


def test_check_3_points_towards_the_answer():
    truth, _ = lesson_01.scratch_labels_to_match()
    choices = [c for c in lesson_01.LABEL_CHOICES if c != truth]

    for wrong in choices:
        feedback = lesson_01.check_3(wrong)
        assert not feedback.passed
        assert "labels" in feedback.message


def test_check_4_names_the_stage_with_the_wrong_rate():
    model = create_backbone("resnet", num_classes=10)
    groups = layerwise_param_groups(model, 1e-2, backbone_lr_ratio=0.1)  # no decay

    feedback = lesson_01.check_4(groups)

    assert not feedback.passed
    assert "stage" in feedback.message and "layer_decay" in feedback.message
