"""Reference solutions of lesson 01's exercises (shown by ``show_solution(n)``)."""

from __future__ import annotations

from typing import Any


def exercise_1() -> dict[str, int]:
    """Count the trainable parameters of a linear probe and of a top-two-stage fine-tune."""
    from tlwidgets.train import TransferConfig, build_transfer_model

    def trainable(model):
        return sum(p.numel() for p in model.parameters() if p.requires_grad)

    probe = build_transfer_model("resnet", "glyphs-resnet", 10, TransferConfig("linear_probe"))
    top = build_transfer_model(
        "resnet", "glyphs-resnet", 10, TransferConfig("finetune_top", freeze_depth=3)
    )
    return {"linear_probe": trainable(probe), "finetune_top": trainable(top)}


def exercise_2() -> Any:
    """A feature extractor that leaves the model exactly as it found it."""
    import torch

    def extract(model, images):
        was_training = model.training
        model.eval()  # BatchNorm uses (and keeps) its running statistics
        try:
            with torch.no_grad():  # no graph: features only
                return model.forward_head(model.forward_features(images), pre_logits=True)
        finally:
            model.train(was_training)

    return extract


def exercise_3() -> int | str | None:
    """Read the committed sweep: the first label count where scratch matches fine-tuning."""
    from tlwidgets.bench_results import load_bench_result

    sweep = load_bench_result("bench_lesson01")

    def mean(strategy, labels):
        runs = sweep.runs_where(
            experiment="data_efficiency", strategy=strategy, labels_per_class=labels, lr=1e-2
        )
        return sum(run["acc"] for run in runs) / len(runs)

    target = mean("finetune_all", 10)
    for labels in (1, 2, 5, 10, 20, 50, None):
        if mean("scratch", labels) >= target:
            return "all" if labels is None else labels
    return None


def exercise_4() -> list[dict[str, Any]]:
    """Head at 1e-2, last stage 10x slower, each earlier stage another 2x slower."""
    from tlwidgets.models import create_backbone
    from tlwidgets.train import layerwise_param_groups

    model = create_backbone("resnet", num_classes=10, pretrained="glyphs-resnet")
    return layerwise_param_groups(model, 1e-2, backbone_lr_ratio=0.1, layer_decay=0.5)
