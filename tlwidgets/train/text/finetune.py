"""Fine-tuning a sentence encoder end to end, with the course's one training loop.

Texts become token ids once (:meth:`MiniLMEncoder.tokenize`, shape (N, L)); a
:class:`~tlwidgets.models.text_encoder.TextClassifier` (the encoder's transformer, mean
pooling and a linear head) is then trained by :func:`tlwidgets.train.fit` with the plain
classification objective, exactly as lesson 01 fine-tunes a CNN. A small learning rate
(about 2e-5, the BERT recipe) keeps the pretrained weights close to where they started.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import TensorDataset

from ...data.text import LabelledTexts
from ...models.modes import eval_mode
from ...models.text_encoder import MiniLMEncoder, TextClassifier
from ..callbacks import Callback
from ..config import FitConfig
from ..history import History
from ..loop import fit

__all__ = ["fine_tune_text_classifier", "predict_proba_texts"]


def fine_tune_text_classifier(
    encoder: MiniLMEncoder,
    train: LabelledTexts,
    *,
    val: LabelledTexts | None = None,
    head: tuple[np.ndarray, np.ndarray] | None = None,
    epochs: int = 3,
    lr: float = 2e-5,
    batch_size: int = 16,
    max_length: int = 64,
    seed: int = 0,
    device: str | None = None,
    callbacks: Sequence[Callback] = (),
    stop_event: threading.Event | None = None,
) -> tuple[TextClassifier, History]:
    """Fine-tune a copy of ``encoder`` with a linear head on labelled texts.

    Parameters
    ----------
    encoder
        The frozen MiniLM encoder (:func:`tlwidgets.models.load_text_encoder`); it is copied,
        not changed.
    train
        Labelled training texts (a few hundred are enough to see the effect on a CPU).
    val
        Optional texts scored after every epoch (``val_acc`` in the history).
    head
        Optional ``(weight (K, 384), bias (K,))`` to start the head from, e.g.
        ``fit_text_head(...).weights()``: linear probing first, then fine-tuning (LP-FT).
    epochs, lr, batch_size, seed, device
        As in :class:`~tlwidgets.train.FitConfig`; AdamW with a cosine decay.
    max_length
        Tokens kept per text (longer texts are cut).
    callbacks, stop_event
        Passed to :func:`~tlwidgets.train.fit` (progress, the Stop button).

    Returns
    -------
    model, history
        The fine-tuned classifier (in eval mode) and what the loop recorded.
    """
    model = TextClassifier(encoder, len(train.classes), head=head)
    data = TensorDataset(encoder.tokenize(train.texts, max_length), torch.as_tensor(train.labels))
    val_data = None
    if val is not None:
        val_data = TensorDataset(
            encoder.tokenize(val.texts, max_length), torch.as_tensor(val.labels)
        )
    config = FitConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer="adamw",
        weight_decay=0.01,
        schedule="cosine",
        seed=seed,
        device=device,
        channels_last=False,
    )
    history = fit(
        model, data, config=config, val_data=val_data, callbacks=callbacks, stop_event=stop_event
    )
    return model.eval(), history


def predict_proba_texts(
    model: TextClassifier,
    encoder: MiniLMEncoder,
    texts: Sequence[str],
    *,
    max_length: int = 64,
    batch_size: int = 64,
) -> np.ndarray:
    """Class probabilities of a fine-tuned classifier, shape (N, K)."""
    device = next(model.parameters()).device
    parts = []
    with eval_mode(model), torch.no_grad():
        for start in range(0, len(texts), batch_size):
            ids = encoder.tokenize(list(texts[start : start + batch_size]), max_length)
            parts.append(torch.softmax(model(ids.to(device)), dim=1).cpu().numpy())
    if not parts:
        return np.zeros((0, model.head.out_features), dtype=np.float32)
    return np.concatenate(parts)
