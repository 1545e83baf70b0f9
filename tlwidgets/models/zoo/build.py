"""Recipes that train the pretrained zoo, and the build that writes weights + manifest.

Kept apart from the loader so that loading weights never imports the training loop; only
``python -m tlwidgets.models.zoo build`` does.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from . import MANIFEST, WEIGHTS_DIR, read_manifest, sha256_of

__all__ = ["RECIPES", "Recipe", "build_zoo"]


@dataclass(frozen=True)
class Recipe:
    """How one zoo entry is trained: architecture, source data, budget."""

    name: str  # the zoo entry, e.g. "glyphs-resnet"
    backbone: str  # a tlwidgets.models backbone name
    source_task: str  # what it was trained to do, in words
    source_data: str  # the training split, as a call a learner can repeat
    source_eval: str  # the split its source accuracy is measured on
    load_train: Callable[[], Any]  # -> LabelledImages
    load_eval: Callable[[], Any]  # -> LabelledImages
    epochs: int  # full-budget epochs
    lr: float  # peak learning rate (AdamW with a cosine decay)
    weight_decay: float = 5e-4
    label_smoothing: float = 0.1
    batch_size: int = 128
    seed: int = 0


def _glyphs(split: str) -> Callable[[], Any]:
    def load() -> Any:
        from ...data import load_glyphs

        return load_glyphs("background", split)

    return load


def _glyphs_with_shuffled_labels(split: str) -> Callable[[], Any]:
    """Glyphs whose labels are a fixed random permutation of the true ones (nothing to learn)."""

    def load() -> Any:
        from dataclasses import replace

        data = _glyphs(split)()
        generator = torch.Generator().manual_seed(1234)
        return replace(data, labels=data.labels[torch.randperm(len(data), generator=generator)])

    return load


def _domain(name: str, split: str) -> Callable[[], Any]:
    def load() -> Any:
        from ...data import load_domain

        return load_domain(name, split)

    return load


RECIPES: dict[str, Recipe] = {
    recipe.name: recipe
    for recipe in (
        Recipe(
            name="glyphs-resnet",
            backbone="resnet",
            source_task="recognise characters of the glyph background scripts",
            source_data='load_glyphs("background", "train")',
            source_eval='load_glyphs("background", "val")',
            load_train=_glyphs("train"),
            load_eval=_glyphs("val"),
            epochs=30,
            lr=3e-3,
        ),
        Recipe(
            name="shuffled-glyphs-resnet",
            backbone="resnet",
            source_task="memorise glyph drawings whose labels were shuffled (a useless source)",
            source_data='load_glyphs("background", "train") with its labels randomly permuted',
            source_eval='load_glyphs("background", "val") with its labels randomly permuted',
            load_train=_glyphs_with_shuffled_labels("train"),
            load_eval=_glyphs_with_shuffled_labels("val"),
            epochs=30,
            lr=3e-3,
            label_smoothing=0.0,
            weight_decay=0.0,
        ),
        Recipe(
            name="synth-resnet",
            backbone="resnet",
            source_task="classify printed digits 0-9 (the synth domain)",
            source_data='load_domain("synth", "train")',
            source_eval='load_domain("synth", "test")',
            load_train=_domain("synth", "train"),
            load_eval=_domain("synth", "test"),
            epochs=10,
            lr=3e-3,
        ),
    )
}


def _train(recipe: Recipe, smoke: bool) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Train one recipe; return the CPU model and its manifest entry (without file/sha256)."""
    from ...data import load_domain
    from ...train import ClassificationObjective, FitConfig, evaluate, fit
    from ..registry import create_backbone

    train_data, eval_data = recipe.load_train(), recipe.load_eval()
    if smoke:  # a few hundred images and one epoch: checks the recipe, not the accuracy
        generator = torch.Generator().manual_seed(recipe.seed)
        train_data = train_data.subset(torch.randperm(len(train_data), generator=generator)[:256])
        eval_data = eval_data.subset(torch.arange(min(len(eval_data), 128)))
    config = FitConfig(
        epochs=1 if smoke else recipe.epochs,
        batch_size=recipe.batch_size,
        lr=recipe.lr,
        optimizer="adamw",
        weight_decay=recipe.weight_decay,
        schedule="cosine",
        seed=recipe.seed,
    )
    torch.manual_seed(recipe.seed)
    model = create_backbone(recipe.backbone, num_classes=len(train_data.classes))
    objective = ClassificationObjective(label_smoothing=recipe.label_smoothing)
    started = time.perf_counter()
    history = fit(model, train_data, objective, config, val_data={"source": eval_data})
    seconds = time.perf_counter() - started
    model.to("cpu", memory_format=torch.contiguous_format).eval()
    entry: dict[str, Any] = {
        "backbone": recipe.backbone,
        "num_classes": len(train_data.classes),
        "classes": list(train_data.classes),
        "source_task": recipe.source_task,
        "source_data": recipe.source_data,
        "source_train_size": len(train_data),
        "source_eval": recipe.source_eval,
        "source_accuracy": evaluate(model, eval_data)["acc"],
        "source_accuracy_per_epoch": history.series("source_acc", per="epoch"),
        "recipe": {**asdict(config), "label_smoothing": recipe.label_smoothing},
        "seed": recipe.seed,
        "smoke": smoke,
        "build_seconds": round(seconds, 1),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "built_on": {
            "machine": platform.machine(),
            "processor": platform.processor() or platform.machine(),
            "device": history.device,
            "threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
    }
    if len(train_data.classes) == 10:
        # A digit classifier: how far does it carry to real handwriting without adaptation?
        entry["mnist_test_accuracy"] = evaluate(model, load_domain("mnist", "test"))["acc"]
    return model, entry


def build_zoo(
    names: list[str] | None = None, *, out: Path | None = None, smoke: bool = False
) -> dict[str, dict[str, Any]]:
    """Train the named recipes (all by default), write ``<name>.safetensors`` and the manifest.

    Entries not rebuilt keep their manifest rows. Returns the new manifest rows.
    """
    from ...runtime import SMOKE_ENV, is_smoke

    if is_smoke() and not smoke:
        raise RuntimeError(
            f"{SMOKE_ENV}=1 shrinks the training data; unset it for a real zoo build, "
            "or pass --smoke to only check the recipes"
        )
    out = Path(out or WEIGHTS_DIR)
    unknown = sorted(set(names or ()) - set(RECIPES))
    if unknown:
        raise ValueError(f"unknown zoo entries {unknown}; choose from {sorted(RECIPES)}")
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    built = {}
    for name in names or list(RECIPES):
        model, entry = _train(RECIPES[name], smoke)
        path = out / f"{name}.safetensors"
        tensors = {key: value.contiguous() for key, value in model.state_dict().items()}
        save_file(tensors, str(path), metadata={"name": name, "backbone": entry["backbone"]})
        entry = {"file": path.name, "sha256": sha256_of(path), **entry}
        manifest[name] = built[name] = entry
        manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    read_manifest.cache_clear()
    return built
