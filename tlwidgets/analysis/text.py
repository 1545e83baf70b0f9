"""Sentence embeddings as features: embed once (cached), find neighbours, score label descriptions.

Embedding is the slow step of the text lesson (a few hundred sentences a second on a laptop
CPU), so :func:`embed_texts` keeps every result in the data home, keyed by the encoder and
the exact texts, and checks its sha256 when reading it back: a damaged file is recomputed,
never used.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Sequence

import numpy as np

from ..data.home import cache_dir, is_writable
from ..models.text_encoder import SentenceEncoder

__all__ = [
    "EmbeddingCacheWarning",
    "cosine_neighbours",
    "embed_descriptions",
    "embed_texts",
    "label_description_scores",
]

CACHE_FORMAT = 1  # bump when the cached arrays change meaning


class EmbeddingCacheWarning(UserWarning):
    """A cached embedding file was damaged and is being recomputed."""


def _key(encoder_name: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(f"{CACHE_FORMAT}\n{encoder_name}\n".encode())
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:24]


def _read_verified(path: str, expected_len: int) -> np.ndarray | None:
    """The cached array at ``path`` if its bytes hash to the sidecar's sha256, else None."""
    sidecar = path + ".sha256"
    if not (os.path.isfile(path) and os.path.isfile(sidecar)):
        return None
    with open(path, "rb") as file:
        payload = file.read()
    with open(sidecar, encoding="utf-8") as file:
        recorded = file.read().strip()
    if hashlib.sha256(payload).hexdigest() != recorded:
        warnings.warn(
            f"{path} does not match its sha256 (damaged or edited); recomputing it",
            EmbeddingCacheWarning,
            stacklevel=3,
        )
        return None
    array = np.load(path, allow_pickle=False)
    return array if array.shape[0] == expected_len else None


def _write(path: str, array: np.ndarray) -> None:
    """Write ``array`` and its sha256 sidecar atomically (temporary name, then replace)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as file:
        np.save(file, array, allow_pickle=False)
    with open(path + ".tmp", "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    with open(path + ".sha256.tmp", "w", encoding="utf-8") as file:
        file.write(digest + "\n")
    os.replace(path + ".tmp", path)
    os.replace(path + ".sha256.tmp", path + ".sha256")


def embed_texts(
    encoder: SentenceEncoder, texts: Sequence[str], *, cache: bool = True, batch_size: int = 64
) -> np.ndarray:
    """Embed ``texts`` with ``encoder``, reusing the cached result when there is one.

    Parameters
    ----------
    encoder
        From :func:`tlwidgets.models.load_text_encoder`.
    texts
        N strings.
    cache
        Read and write ``<data home>/cache/embeddings/<encoder>-<key>.npy``; a read-only
        data home (one cache shared by a class) is only read.

    Returns
    -------
    np.ndarray
        Shape (N, D), float32, each row of length 1.
    """
    texts = list(texts)
    if not texts:
        return np.zeros((0, encoder.dim), dtype=np.float32)
    path = str(cache_dir() / "embeddings" / f"{encoder.name}-{_key(encoder.name, texts)}.npy")
    if cache:
        cached = _read_verified(path, len(texts))
        if cached is not None:
            return cached
    embeddings = np.ascontiguousarray(encoder.encode(texts, batch_size=batch_size), np.float32)
    if cache and is_writable(cache_dir() / "embeddings"):  # a shared cache may be read-only
        _write(path, embeddings)
    return embeddings


def cosine_neighbours(
    queries: np.ndarray, bank: np.ndarray, k: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``bank`` most similar (cosine) to each query.

    Parameters
    ----------
    queries
        Shape (Q, D).
    bank
        Shape (N, D).

    Returns
    -------
    indices, similarities
        Both shape (Q, min(k, N)), most similar first.
    """
    q = queries / np.linalg.norm(queries, axis=1, keepdims=True).clip(1e-12)
    b = bank / np.linalg.norm(bank, axis=1, keepdims=True).clip(1e-12)
    similarity = q @ b.T  # (Q, N)
    k = min(k, len(bank))
    order = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(similarity, order, axis=1)


def embed_descriptions(
    encoder: SentenceEncoder, descriptions: Sequence[str | Sequence[str]]
) -> np.ndarray:
    """One unit vector per class from its description, or the mean of several descriptions.

    Averaging a few phrasings of each class ("prompt ensembling", Radford et al. 2021)
    makes zero-shot scores depend less on one lucky or unlucky wording.

    Parameters
    ----------
    descriptions
        K entries, in class order; each a string or a list of strings.

    Returns
    -------
    np.ndarray
        Shape (K, D), rows of length 1.
    """
    rows = []
    for entry in descriptions:
        phrasings = [entry] if isinstance(entry, str) else list(entry)
        if not phrasings or not all(isinstance(p, str) and p.strip() for p in phrasings):
            raise ValueError(f"every class needs at least one non-empty description, got {entry!r}")
        mean = encoder.encode(phrasings).mean(axis=0)
        rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
    return np.stack(rows).astype(np.float32)


def label_description_scores(
    text_embeddings: np.ndarray, description_embeddings: np.ndarray, temperature: float = 0.05
) -> np.ndarray:
    """Zero-shot class probabilities: a softmax over cosine similarity to each description.

    A text belongs to the class whose description ("a message trying to sell something")
    its embedding points most nearly towards; no labelled example is used.

    Parameters
    ----------
    text_embeddings
        Shape (N, D).
    description_embeddings
        Shape (K, D), one row per class, in class order.
    temperature
        Divides the similarities before the softmax; smaller is more confident. It never
        changes which class wins.

    Returns
    -------
    np.ndarray
        Shape (N, K), rows sum to 1.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    t = text_embeddings / np.linalg.norm(text_embeddings, axis=1, keepdims=True).clip(1e-12)
    d = description_embeddings / np.linalg.norm(description_embeddings, axis=1, keepdims=True).clip(
        1e-12
    )
    logits = (t @ d.T) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    return probabilities / probabilities.sum(axis=1, keepdims=True)
