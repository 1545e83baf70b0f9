"""Sentence embeddings as features: the checked cache, cosine neighbours, zero-shot scores."""

import hashlib

import numpy as np
import pytest

from tlwidgets.analysis import cosine_neighbours, embed_texts, label_description_scores
from tlwidgets.analysis.text import EmbeddingCacheWarning


class CountingEncoder:
    """A stand-in encoder: each text becomes a unit vector derived from its sha256."""

    dim = 8

    def __init__(self, name: str = "fake"):
        self.name = name
        self.calls: list[list[str]] = []  # the texts of every encode() call

    def encode(self, texts, batch_size: int = 64) -> np.ndarray:
        """Return (N, 8) unit rows, float64 on purpose (embed_texts makes them float32)."""
        self.calls.append(list(texts))
        rows = [
            np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], np.uint8) - 127.5 for t in texts
        ]
        rows = np.array(rows, dtype=np.float64)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


TEXTS = ["a gripping film", "dull and far too long", "free entry: win a prize now"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty data home, so the embedding cache starts empty."""
    monkeypatch.setenv("TLW_DATA_HOME", str(tmp_path))
    return tmp_path


def cache_files(home) -> list[str]:
    folder = home / "cache" / "embeddings"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_embed_texts_returns_float32_rows_in_text_order(home):
    encoder = CountingEncoder()
    embeddings = embed_texts(encoder, TEXTS)
    assert embeddings.shape == (3, 8) and embeddings.dtype == np.float32
    assert embeddings.flags.c_contiguous
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1.0)
    assert np.allclose(embeddings[1], CountingEncoder().encode([TEXTS[1]])[0])


def test_a_second_call_reads_the_cache_and_does_not_encode(home):
    encoder = CountingEncoder()
    first = embed_texts(encoder, TEXTS)
    second = embed_texts(encoder, tuple(TEXTS))  # any sequence of the same texts
    assert len(encoder.calls) == 1
    assert np.array_equal(first, second)
    names = cache_files(home)
    assert len(names) == 2 and names[0].startswith("fake-") and names[1].endswith(".npy.sha256")


def test_the_cache_key_depends_on_the_texts_their_order_and_the_encoder(home):
    encoder = CountingEncoder()
    embed_texts(encoder, TEXTS)
    embed_texts(encoder, TEXTS[:2])
    embed_texts(encoder, TEXTS[::-1])
    embed_texts(encoder, ["a gripping", "film"])  # same characters, split differently
    assert len(encoder.calls) == 4
    other = CountingEncoder("other")
    embed_texts(other, TEXTS)
    assert len(other.calls) == 1
    assert len(cache_files(home)) == 2 * 5


def test_cache_false_always_encodes_and_writes_nothing(home):
    encoder = CountingEncoder()
    embed_texts(encoder, TEXTS, cache=False)
    embed_texts(encoder, TEXTS, cache=False)
    assert len(encoder.calls) == 2
    assert cache_files(home) == []


def test_batch_size_is_passed_to_the_encoder(home):
    seen = []

    class Recording(CountingEncoder):
        def encode(self, texts, batch_size=64):
            seen.append(batch_size)
            return super().encode(texts, batch_size)

    embed_texts(Recording(), TEXTS, batch_size=7)
    assert seen == [7]


def test_a_damaged_cache_file_warns_and_is_recomputed(home):
    encoder = CountingEncoder()
    clean = embed_texts(encoder, TEXTS)
    (path,) = (home / "cache" / "embeddings").glob("*.npy")
    payload = bytearray(path.read_bytes())
    payload[-1] ^= 0xFF  # a flipped bit in the last float
    path.write_bytes(bytes(payload))
    with pytest.warns(EmbeddingCacheWarning, match="does not match its sha256"):
        again = embed_texts(encoder, TEXTS)
    assert len(encoder.calls) == 2
    assert np.array_equal(again, clean)
    embed_texts(encoder, TEXTS)  # the rewritten file is good again
    assert len(encoder.calls) == 2


def test_a_missing_sidecar_means_recompute_without_a_warning(home, recwarn):
    encoder = CountingEncoder()
    embed_texts(encoder, TEXTS)
    (sidecar,) = (home / "cache" / "embeddings").glob("*.sha256")
    sidecar.unlink()
    embed_texts(encoder, TEXTS)
    assert len(encoder.calls) == 2
    assert not [w for w in recwarn if issubclass(w.category, EmbeddingCacheWarning)]


def test_no_texts_give_an_empty_array_without_encoding(home):
    encoder = CountingEncoder()
    empty = embed_texts(encoder, [])
    assert empty.shape == (0, 8) and empty.dtype == np.float32
    assert encoder.calls == [] and cache_files(home) == []


def test_neighbours_come_most_similar_first():
    bank = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0]])
    indices, similarities = cosine_neighbours(np.array([[1.0, 0.2]]), bank, k=4)
    assert indices.tolist() == [[0, 2, 1, 3]]
    assert np.all(np.diff(similarities[0]) <= 0)
    assert similarities[0, -1] == pytest.approx(-1 / np.sqrt(1.04))


def test_every_point_is_its_own_nearest_neighbour_whatever_its_length():
    rng = np.random.default_rng(0)
    bank = rng.standard_normal((20, 16)) * rng.uniform(0.1, 10.0, (20, 1))
    indices, similarities = cosine_neighbours(bank, bank, k=3)
    assert indices.shape == similarities.shape == (20, 3)
    assert np.array_equal(indices[:, 0], np.arange(20))
    assert np.allclose(similarities[:, 0], 1.0)


def test_k_larger_than_the_bank_returns_the_whole_bank():
    bank = np.eye(3)
    indices, similarities = cosine_neighbours(np.ones((2, 3)), bank, k=10)
    assert indices.shape == similarities.shape == (2, 3)
    assert sorted(indices[0].tolist()) == [0, 1, 2]


def test_description_scores_are_probabilities_won_by_the_most_similar_description():
    rng = np.random.default_rng(0)
    texts, descriptions = rng.standard_normal((30, 12)), rng.standard_normal((4, 12))
    scores = label_description_scores(texts, descriptions)
    assert scores.shape == (30, 4)
    assert np.allclose(scores.sum(axis=1), 1.0) and np.all(scores >= 0)
    cosine = cosine_neighbours(texts, descriptions, k=1)[0][:, 0]
    assert np.array_equal(scores.argmax(axis=1), cosine)


def test_temperature_changes_confidence_but_never_the_winner():
    rng = np.random.default_rng(1)
    texts, descriptions = rng.standard_normal((30, 12)), rng.standard_normal((3, 12))
    sharp = label_description_scores(texts, descriptions, temperature=0.01)
    soft = label_description_scores(texts, descriptions, temperature=10.0)
    assert np.array_equal(sharp.argmax(axis=1), soft.argmax(axis=1))
    assert sharp.max(axis=1).mean() > soft.max(axis=1).mean()
    assert np.allclose(soft, 1 / 3, atol=0.05)  # a high temperature is nearly uniform


def test_description_scores_do_not_overflow_at_tiny_temperatures():
    texts = np.array([[1.0, 0.0], [0.0, 1.0]])
    scores = label_description_scores(texts, texts, temperature=1e-6)
    assert np.all(np.isfinite(scores))
    assert np.allclose(scores, np.eye(2))


@pytest.mark.parametrize("temperature", [0.0, -0.05])
def test_a_temperature_that_is_not_positive_raises(temperature):
    with pytest.raises(ValueError, match=f"temperature must be > 0, got {temperature}"):
        label_description_scores(np.eye(2), np.eye(2), temperature=temperature)


def test_a_read_only_cache_is_read_and_never_written(home, monkeypatch):
    encoder = CountingEncoder()
    embed_texts(encoder, TEXTS)  # prepared while the cache was writable
    files = cache_files(home)
    monkeypatch.setattr("tlwidgets.analysis.text.is_writable", lambda folder: False)
    embed_texts(encoder, TEXTS)
    assert len(encoder.calls) == 1  # read back, not encoded again
    embed_texts(encoder, ["a sentence nobody embedded before"])
    embed_texts(encoder, ["a sentence nobody embedded before"])
    assert len(encoder.calls) == 3  # computed each time, since nothing can be kept
    assert cache_files(home) == files
