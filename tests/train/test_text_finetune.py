"""Fine-tuning MiniLM with a head through the course's one training loop (real weights: slow)."""

import threading

import numpy as np
import pytest
import torch

from tlwidgets.data.text import LabelledTexts
from tlwidgets.models import load_text_encoder
from tlwidgets.models.text_encoder import TextClassifier
from tlwidgets.train import History
from tlwidgets.train.text import fine_tune_text_classifier, fit_text_head, predict_proba_texts

pytestmark = pytest.mark.slow

POSITIVE = [
    "I loved this film",
    "a wonderful, moving story",
    "brilliant acting throughout",
    "funny, warm and clever",
    "the best meal I have had in years",
    "great service and friendly staff",
    "works perfectly, highly recommended",
    "a joy from start to finish",
]
NEGATIVE = [
    "I hated this film",
    "a dull, tedious mess",
    "terrible acting throughout",
    "boring and far too long",
    "the worst meal I have had in years",
    "rude staff and slow service",
    "broke after one day, avoid it",
    "a chore from start to finish",
]
PROBE = ["an absolute delight", "a waste of time"]


@pytest.fixture(scope="module")
def minilm():
    """The real MiniLM encoder, loaded once for this file."""
    return load_text_encoder("minilm")


def reviews() -> LabelledTexts:
    """16 short texts, 8 negative (0) and 8 positive (1)."""
    labels = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    return LabelledTexts(
        tuple(POSITIVE + NEGATIVE), labels, ("negative", "positive"), "reviews/train"
    )


@pytest.fixture(scope="module")
def tuned(minilm) -> tuple[TextClassifier, History, np.ndarray]:
    """One short fine-tuning run (a single step: a CPU step takes seconds), shared by the tests.

    Returns the model, its history, and the frozen encoder's embeddings of PROBE before it.
    """
    before = minilm.encode(PROBE)
    train = reviews()
    model, history = fine_tune_text_classifier(
        minilm, train, val=train, epochs=1, batch_size=16, lr=1e-4, device="cpu"
    )
    return model, history, before


def test_fine_tuning_runs_through_fit_and_completes(tuned):
    model, history, _ = tuned
    assert isinstance(model, TextClassifier) and not model.training
    assert isinstance(history, History) and history.status == "completed"
    assert history.num_steps == 1 and len(history.epochs) == 1
    assert 0.0 <= history.last("val_acc") <= 1.0
    assert history.config["optimizer"] == "adamw" and history.config["lr"] == 1e-4


def test_fine_tuning_trains_a_copy_and_leaves_the_frozen_encoder_alone(minilm, tuned):
    model, _, before = tuned
    assert np.array_equal(minilm.encode(PROBE), before)
    frozen = minilm.model[0].auto_model.encoder.layer[0].attention.self.query.weight
    trained = model.transformer.encoder.layer[0].attention.self.query.weight
    assert not torch.equal(frozen, trained.detach().cpu())


def test_predict_proba_texts_gives_a_distribution_per_text(minilm, tuned):
    model = tuned[0]
    texts = [*PROBE, "fine", "not fine at all", "okay I guess"]
    probabilities = predict_proba_texts(model, minilm, texts, batch_size=2)  # 3 batches
    assert probabilities.shape == (5, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.allclose(predict_proba_texts(model, minilm, texts), probabilities, atol=1e-5)
    assert predict_proba_texts(model, minilm, []).shape == (0, 2)


def test_a_stop_event_set_before_the_start_stops_at_the_given_head(minilm):
    train = reviews()
    head = fit_text_head(minilm.encode(train.texts), train.labels)
    stop = threading.Event()
    stop.set()
    model, history = fine_tune_text_classifier(
        minilm, train, head=head.weights(), epochs=1, device="cpu", stop_event=stop
    )
    assert history.status == "stopped"
    assert history.num_steps == 0
    # untrained, the classifier is the frozen encoder plus the fitted head (LP-FT's start)
    probabilities = predict_proba_texts(model, minilm, PROBE)
    assert np.allclose(probabilities, head.predict_proba(minilm.encode(PROBE)), atol=1e-3)
    assert probabilities.argmax(axis=1).tolist() == [1, 0]
