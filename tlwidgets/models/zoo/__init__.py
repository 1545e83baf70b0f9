"""The pretrained zoo: weights this project trains itself, shipped in the package, hash-checked.

``list_pretrained()`` names them, ``load_pretrained(name)`` returns the trained backbone after
checking the file's sha256 against the committed manifest. To rebuild every entry from its
recipe (minutes on a CPU)::

    python -m tlwidgets.models.zoo build            # all entries, into the package
    python -m tlwidgets.models.zoo build --smoke --out /tmp/zoo   # a quick check of the recipes
    python -m tlwidgets.models.zoo list             # what is there, with source accuracies
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from safetensors.torch import load_file

from ..backbone import Backbone

__all__ = [
    "WEIGHTS_DIR",
    "PretrainedWeightsError",
    "list_pretrained",
    "load_pretrained",
    "pretrained_info",
]

WEIGHTS_DIR = Path(__file__).parent / "weights"
MANIFEST = "manifest.json"


class PretrainedWeightsError(RuntimeError):
    """Zoo weights that are missing, corrupted or do not match their manifest."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def read_manifest(weights_dir: Path) -> dict[str, dict[str, Any]]:
    path = weights_dir / MANIFEST
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def list_pretrained(weights_dir: Path = WEIGHTS_DIR) -> list[str]:
    """Names of the zoo entries, e.g. ``["glyphs-resnet", "synth-resnet"]``."""
    return sorted(read_manifest(weights_dir))


def pretrained_info(name: str, weights_dir: Path = WEIGHTS_DIR) -> dict[str, Any]:
    """The manifest entry of ``name``: backbone, source task and accuracy, recipe, sha256, ..."""
    manifest = read_manifest(weights_dir)
    if name not in manifest:
        raise ValueError(f"unknown pretrained model {name!r}; choose one of {sorted(manifest)}")
    return dict(manifest[name])


def load_pretrained(name: str, weights_dir: Path = WEIGHTS_DIR) -> Backbone:
    """Return the zoo backbone ``name`` with its trained weights and source-task classifier.

    Raises
    ------
    ValueError
        For an unknown name.
    PretrainedWeightsError
        If the weights file is missing or its sha256 differs from the manifest (a corrupted
        or tampered file): nothing is loaded.
    """
    from ..registry import create_backbone

    info = pretrained_info(name, weights_dir)
    path = weights_dir / info["file"]
    rebuild = "reinstall tlwidgets, or rebuild the zoo: python -m tlwidgets.models.zoo build"
    if not path.exists():
        raise PretrainedWeightsError(f"zoo weights {path} are missing; {rebuild}")
    actual = sha256_of(path)
    if actual != info["sha256"]:
        raise PretrainedWeightsError(
            f"zoo weights {path.name} fail their sha256 check (manifest {info['sha256'][:12]}..., "
            f"file {actual[:12]}...): the file is corrupted or was modified, so it was not "
            f"loaded; {rebuild}"
        )
    model = create_backbone(info["backbone"], num_classes=info["num_classes"])
    model.load_state_dict(load_file(path))
    return model.eval()
